"""Run Alembic migrations from code (the CLI, ``demo`` and the test fixtures all use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from paymux.store.database import private_file

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    """Bring the schema up to date; safe to run on every start and from several instances in turn."""
    if database_url.startswith("sqlite+aiosqlite:///") and not database_url.endswith(":memory:"):
        private_file(Path(database_url.removeprefix("sqlite+aiosqlite:///")))
    command.upgrade(alembic_config(database_url), "head")

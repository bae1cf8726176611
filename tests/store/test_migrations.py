"""paymux's migrations on both databases: one head, a schema equal to ``store.schema`` at that head,
and the latest revision (0010, the webhook events' request id) undone and redone without losing rows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from paymux.config import _normalise_database_url
from paymux.store.migrate import alembic_config, upgrade_to_head
from paymux.store.schema import metadata
from tests.postgres import fresh_database, run_in_thread


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind (the async URL paymux uses)."""
    if request.param == "sqlite":
        yield _normalise_database_url(f"sqlite:///{tmp_path / 'paymux.db'}")
        return
    with fresh_database() as url:
        yield _normalise_database_url(url)


def _inspect(url: str, work: Any) -> Any:
    """Run ``work(connection)`` in a transaction on a synchronous connection (alembic's comparison
    is synchronous), committed."""
    async def main() -> Any:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return run_in_thread(asyncio.run, main())


def test_one_head_and_the_schema_of_the_code(database_url: str) -> None:
    assert len(ScriptDirectory.from_config(alembic_config(database_url)).get_heads()) == 1  # no branch
    run_in_thread(upgrade_to_head, database_url)
    differences = _inspect(database_url, lambda c: compare_metadata(
        MigrationContext.configure(c, opts={"compare_type": True}), metadata))
    assert differences == []


def test_the_request_id_column_is_undone_and_redone(database_url: str) -> None:
    run_in_thread(upgrade_to_head, database_url)
    columns = lambda c: {col["name"] for col in inspect(c).get_columns("webhook_events")}  # noqa: E731
    indexes = lambda c: {index["name"] for index in inspect(c).get_indexes("webhook_events")}  # noqa: E731
    assert "request_id" in _inspect(database_url, columns)
    before = _inspect(database_url, indexes)
    _inspect(database_url, lambda c: c.execute(text(
        "INSERT INTO merchants (user_code, name, imp_key, imp_secret_hash, created_at)"
        " VALUES ('imp1', 'm', 'k', 'h', 0)")))
    _inspect(database_url, lambda c: c.execute(text(
        "INSERT INTO webhook_events (merchant_id, imp_uid, payload, created_at, next_attempt_at, request_id)"
        " SELECT id, 'imp_1', '{}', 0, 0, 'req-1' FROM merchants")))
    run_in_thread(command.downgrade, alembic_config(database_url), "0009")
    assert "request_id" not in _inspect(database_url, columns)
    assert _inspect(database_url, indexes) == before  # the partial index of due events survives on SQLite too
    run_in_thread(command.upgrade, alembic_config(database_url), "head")
    assert "request_id" in _inspect(database_url, columns)
    kept = _inspect(database_url, lambda c: c.execute(text("SELECT imp_uid, request_id FROM webhook_events")).all())
    assert [tuple(row) for row in kept] == [("imp_1", None)]  # the event stays; what 0009 did not know is gone

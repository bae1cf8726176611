"""What paymux leaves on disk and in logs: the SQLite database, its WAL and the vault key readable by
their owner only, and no bound value (a sealed key, a buyer's data) in a database error."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from paymux.config import Settings
from paymux.services.runtime import Runtime
from paymux.store.migrate import upgrade_to_head
from tests.postgres import run_in_thread


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_dir_keeps_the_database_and_the_vault_key_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / ".paymux"
    settings = Settings.from_env({"PAYMUX_DATA_DIR": str(data_dir)})

    async def write_once() -> None:
        runtime = Runtime.build(settings)
        try:
            async with runtime.database.transaction() as connection:
                await connection.execute(text("CREATE TABLE IF NOT EXISTS probe (secret TEXT)"))
                await connection.execute(text("INSERT INTO probe VALUES ('x')"))
        finally:
            await runtime.close()

    run_in_thread(upgrade_to_head, settings.database_url)
    asyncio.run(write_once())
    files = [data_dir / "paymux.db", data_dir / "vault.key"] + sorted(data_dir.glob("paymux.db-*"))
    assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
    assert _mode(data_dir) == 0o700


def test_a_database_error_never_carries_its_bound_values(tmp_path: Path) -> None:
    settings = Settings.from_env({"PAYMUX_DATA_DIR": str(tmp_path)})

    async def violate() -> str:
        runtime = Runtime.build(settings)
        try:
            async with runtime.database.transaction() as connection:
                await connection.execute(text("CREATE TABLE once (v TEXT PRIMARY KEY)"))
                await connection.execute(text("INSERT INTO once VALUES (:v)"), {"v": "4000-1234-SECRET"})
                with pytest.raises(IntegrityError) as raised:
                    await connection.execute(text("INSERT INTO once VALUES (:v)"), {"v": "4000-1234-SECRET"})
                return str(raised.value)
        finally:
            await runtime.close()

    message = asyncio.run(violate())
    assert "UNIQUE" in message.upper() and "SECRET" not in message

"""SQLite: a charge's journaled claim, written in autocommit on a reading connection, takes the
writer's turn in the same first-come, first-served queue as the write transactions, instead of
racing the writer for SQLite's lock from its busy handler (which starved it while transactions kept
the writer busy: issue #15, the charge's p99)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from paymux.store.database import Database
from paymux.store.migrate import upgrade_to_head
from tests.postgres import run_coroutine, run_in_thread


def test_a_claim_on_a_reading_connection_waits_its_turn_behind_the_writer_and_before_later_transactions(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'turn.db'}"
    run_in_thread(upgrade_to_head, url)

    async def scenario() -> list[str]:
        database = Database(url, pool_size=2, pool_timeout=5)
        done: list[str] = []
        try:
            async with database.transaction() as connection:  # a table to write, made before the race
                await connection.execute(text("CREATE TABLE turns (name TEXT)"))
            first_holds = asyncio.Event()
            release_first = asyncio.Event()

            async def first_transaction() -> None:
                async with database.transaction() as connection:
                    await connection.execute(text("INSERT INTO turns VALUES ('first')"))
                    first_holds.set()
                    await release_first.wait()
                done.append("first transaction")

            async def claim() -> None:
                async with database.recording_attempt() as connection:  # a reading connection
                    await connection.execute(text("SELECT count(*) FROM turns"))
                    await connection.execute(text("INSERT INTO turns VALUES ('claim')"))
                done.append("claim")

            async def second_transaction() -> None:
                async with database.transaction() as connection:
                    await connection.execute(text("INSERT INTO turns VALUES ('second')"))
                done.append("second transaction")

            first = asyncio.create_task(first_transaction())
            await first_holds.wait()
            claiming = asyncio.create_task(claim())
            await asyncio.sleep(0.05)  # the claim is queued behind the writer
            second = asyncio.create_task(second_transaction())
            await asyncio.sleep(0.05)
            assert done == []  # both wait while the first transaction holds the writer
            release_first.set()
            await asyncio.gather(first, claiming, second)
            async with database.reading() as connection:
                rows = (await connection.execute(text("SELECT name FROM turns ORDER BY rowid"))).scalars().all()
            assert rows == ["first", "claim", "second"]
            return done
        finally:
            await database.dispose()

    assert run_coroutine(scenario()) == ["first transaction", "claim", "second transaction"]

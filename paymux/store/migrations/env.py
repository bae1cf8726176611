"""Alembic environment: runs migrations on the async engine paymux uses (asyncpg or aiosqlite)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from paymux.store.database import SQLITE_PAGE_SIZE
from paymux.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":  # takes effect on a new, empty file only
        connection.exec_driver_sql(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
    # No ANALYZE here, on purpose: on a new database it would record every table as empty, and
    # PostgreSQL then plans a prepared statement for an empty table (a sequential scan) and may keep
    # that generic plan while the table grows, if nothing analyzes it again. A never-analyzed table
    # is assumed to have at least ten pages, which keeps index plans (paymux.store.plans).
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: sqlalchemy.url is not set (paymux.store.migrate sets it)")
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())

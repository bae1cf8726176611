"""Alembic environment: runs migrations on the async engine paymux uses (asyncpg or aiosqlite)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from paymux.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    applied: list[str] = []
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        on_version_apply=lambda **kw: applied.append(kw["step"].up_revision_id),
    )
    with context.begin_transaction():
        context.run_migrations()
        if applied:
            # New tables and indexes get statistics at once: the planner then knows every table's
            # size and columns from the first query, not only after autovacuum (if it runs) or an
            # operator's ANALYZE. Plans must not depend on it (paymux.store.plans), but a schema
            # change is the moment statistics are cheapest to gather and most likely stale.
            connection.exec_driver_sql("ANALYZE")


async def _run_async() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"))
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

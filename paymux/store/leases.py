"""Taking due work from a table so that several instances never take the same row at once.

A worker leases rows: it sets ``lease_until`` on up to N due rows whose lease is free or expired, in
one statement, and handles them outside any transaction. On PostgreSQL the candidate rows are picked
with ``FOR UPDATE SKIP LOCKED`` so concurrent workers pass each other by; on SQLite the write lock
serialises the statement. A worker that dies loses its lease when it expires, and another instance
takes the row again: the work itself must therefore be safe to repeat (webhooks are at-least-once;
schedules are charged through the order claim, which admits one charge per merchant_uid).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, or_, select, update
from sqlalchemy.engine import Row

from paymux.store.database import Database
from paymux.store.plans import with_constants


async def lease_due_rows(
    database: Database,
    table: Table,
    *,
    due_column: str,
    now: int,
    lease_seconds: int,
    limit: int,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[Row[Any]]:
    """Lease up to ``limit`` rows with ``due_column <= now`` and a free lease; return them.

    ``conditions`` name fixed states (``state = 'pending'``); their values are written into the SQL
    so a partial index on that state serves the pick in every plan (``store.plans``)."""
    due = table.c[due_column]
    candidates = (
        select(table.c.id)
        .where(due <= now, or_(table.c.lease_until.is_(None), table.c.lease_until < now),
               *map(with_constants, conditions))
        .order_by(due, table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(table)
        .where(table.c.id.in_(candidates.scalar_subquery()))
        .values(lease_until=now + lease_seconds)
        .returning(*table.c)
    )
    async with database.transaction() as connection:
        return list((await connection.execute(statement)).all())


async def release_lease(database: Database, table: Table, row_id: int, **values: Any) -> None:
    """Give a row back (with whatever the work changed), ending its lease."""
    async with database.transaction() as connection:
        await connection.execute(update(table).where(table.c.id == row_id).values(lease_until=None, **values))

"""Payments of one PG channel (a PG code and MID) in a time range, for the PG-specific order lists
i'mport wraps (Kakao Pay's order list)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.store import payments as payment_store
from paymux.store.payments import Page
from paymux.store.schema import payments


async def channel_payments(
    connection: AsyncConnection, merchant_id: int, pg_provider: str, pg_id: str, since: int, until: int, page: int,
    limit: int,
) -> Page:
    """Oldest first, ``since`` ≤ started_at < ``until`` (unix seconds)."""
    where = (
        payments.c.merchant_id == merchant_id, payments.c.pg_provider == pg_provider, payments.c.pg_id == pg_id,
        payments.c.started_at >= since, payments.c.started_at < until,
    )
    total = (await connection.execute(select(func.count()).select_from(payments).where(*where))).scalar_one()
    rows = await connection.execute(
        select(payments.c.imp_uid).where(*where).order_by(payments.c.started_at, payments.c.id)
        .limit(limit).offset((page - 1) * limit)
    )
    found = await payment_store.get_payments(connection, merchant_id, [row.imp_uid for row in rows])
    return Page(total=total, items=found)

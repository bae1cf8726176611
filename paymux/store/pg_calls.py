"""The ``pg_calls`` journal: billing-key issues and deletes, written before the PG is called."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.store.plans import constant
from paymux.store.schema import pg_calls

PENDING, DONE, FAILED, UNKNOWN = "pending", "done", "failed", "unknown"


async def add(
    connection: AsyncConnection,
    *,
    merchant_id: int,
    kind: str,
    subject: str,
    channel_id: int | None,
    detail: str,
    now: int,
) -> int:
    """A pending call. IntegrityError while another call of this kind and subject is pending."""
    result = await connection.execute(
        insert(pg_calls).values(
            merchant_id=merchant_id, kind=kind, subject=subject, channel_id=channel_id, state=PENDING,
            detail=detail, created_at=now, updated_at=now,
        ).returning(pg_calls.c.id)
    )
    return int(result.scalar_one())


async def set_state(connection: AsyncConnection, call_id: int, state: str, now: int) -> bool:
    """Settle a pending (or unknown) call. False if it was settled meanwhile."""
    result = await connection.execute(
        update(pg_calls)
        .where(pg_calls.c.id == call_id, pg_calls.c.state.in_((PENDING, UNKNOWN)))
        .values(state=state, updated_at=now)
    )
    return result.rowcount > 0


async def unsettled(connection: AsyncConnection, older_than: int, limit: int) -> list[dict[str, object]]:
    """Calls still pending or unknown, last touched before ``older_than``, oldest first."""
    rows = await connection.execute(
        select(pg_calls)
        .where(pg_calls.c.state.in_([constant(PENDING), constant(UNKNOWN)]), pg_calls.c.updated_at <= older_than)
        .order_by(pg_calls.c.updated_at)
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]

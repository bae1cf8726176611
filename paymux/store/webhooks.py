"""Queries of the webhook outbox: taking due events, recording deliveries, the merchants' secrets.

Rows are enqueued by ``store.orders.enqueue_webhook`` in the transaction of the payment change; this
module is the delivery side and the console's read side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.sealed import Sealed
from paymux.store.database import Database
from paymux.store.leases import lease_due_rows
from paymux.store.schema import merchants, webhook_attempts, webhook_events

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


async def lease_due_events(database: Database, *, now: int, lease_seconds: int, limit: int) -> list[Row[Any]]:
    """Take up to ``limit`` pending events that are due, for this worker alone until the lease ends."""
    return await lease_due_rows(
        database,
        webhook_events,
        due_column="next_attempt_at",
        now=now,
        lease_seconds=lease_seconds,
        limit=limit,
        conditions=(webhook_events.c.state == PENDING,),
    )


async def give_up_targetless(database: Database, *, now: int, reason: str) -> int:
    """Mark dead, in one statement, every due event that has nowhere to go: no notice_url of its own
    and a merchant without a webhook URL. Shops that use no webhooks then cost the worker one
    statement a round, not a lease and an update per payment. A resend revives such an event."""
    has_no_url = select(merchants.c.id).where(merchants.c.webhook_url.is_(None)).scalar_subquery()
    statement = (
        update(webhook_events)
        .where(
            webhook_events.c.state == PENDING,
            webhook_events.c.next_attempt_at <= now,
            webhook_events.c.target_urls.is_(None),
            webhook_events.c.lease_until.is_(None),
            webhook_events.c.merchant_id.in_(has_no_url),
        )
        .values(state=DEAD, last_error=reason)
    )
    async with database.transaction() as connection:
        return (await connection.execute(statement)).rowcount


async def merchant_webhook_settings(
    connection: AsyncConnection, merchant_ids: Iterable[int]
) -> dict[int, tuple[str | None, Sealed | None]]:
    """Each merchant's webhook URL and sealed signing secret, read at delivery time."""
    rows = await connection.execute(
        select(
            merchants.c.id,
            merchants.c.webhook_url,
            merchants.c.webhook_secret_key_id,
            merchants.c.webhook_secret_ciphertext,
        ).where(merchants.c.id.in_(sorted(set(merchant_ids))))
    )
    return {row.id: (row.webhook_url, _sealed(row)) for row in rows}


def _sealed(row: Any) -> Sealed | None:
    if row.webhook_secret_ciphertext is None:
        return None
    return Sealed(key_id=row.webhook_secret_key_id, ciphertext=row.webhook_secret_ciphertext)


async def sealed_webhook_secret(connection: AsyncConnection, merchant_id: int) -> tuple[bool, Sealed | None]:
    """(merchant exists, its sealed secret or None)."""
    row = (
        await connection.execute(
            select(merchants.c.webhook_secret_key_id, merchants.c.webhook_secret_ciphertext).where(
                merchants.c.id == merchant_id
            )
        )
    ).first()
    return (False, None) if row is None else (True, _sealed(row))


async def store_webhook_secret_if_absent(connection: AsyncConnection, merchant_id: int, sealed: Sealed) -> bool:
    """Set the secret unless one exists; False when another caller set one first."""
    result = await connection.execute(
        update(merchants)
        .where(merchants.c.id == merchant_id, merchants.c.webhook_secret_ciphertext.is_(None))
        .values(webhook_secret_key_id=sealed.key_id, webhook_secret_ciphertext=sealed.ciphertext)
    )
    return result.rowcount > 0


async def finish_delivery(
    database: Database,
    event_id: int,
    lease_until: int,
    attempt_rows: Sequence[dict[str, Any]],
    **event_values: Any,
) -> bool:
    """Record a try's attempts and its outcome on the event, ending the lease, in one transaction.

    The attempts are always kept (they happened). The event changes only if this worker still holds
    its lease: a worker that outlived its lease must not overwrite what the next holder decided.
    """
    async with database.transaction() as connection:
        if attempt_rows:
            await connection.execute(insert(webhook_attempts), list(attempt_rows))
        result = await connection.execute(
            update(webhook_events)
            .where(webhook_events.c.id == event_id, webhook_events.c.lease_until == lease_until)
            .values(lease_until=None, **event_values)
        )
        return result.rowcount > 0


async def make_due_again(connection: AsyncConnection, merchant_id: int, event_id: int, now: int) -> bool:
    """Put a merchant's event back in the queue, due now. False if the merchant has no such event."""
    result = await connection.execute(
        update(webhook_events)
        .where(webhook_events.c.id == event_id, webhook_events.c.merchant_id == merchant_id)
        .values(state=PENDING, next_attempt_at=now, delivered_at=None, last_error=None)
    )
    return result.rowcount > 0


async def list_events(
    connection: AsyncConnection, merchant_id: int, *, limit: int, before_id: int | None = None
) -> list[Row[Any]]:
    """A merchant's events, newest first; ``before_id`` pages back."""
    conditions = [webhook_events.c.merchant_id == merchant_id]
    if before_id is not None:
        conditions.append(webhook_events.c.id < before_id)
    rows = await connection.execute(
        select(webhook_events).where(*conditions).order_by(webhook_events.c.id.desc()).limit(limit)
    )
    return list(rows.all())


async def event_by_id(connection: AsyncConnection, merchant_id: int, event_id: int) -> Row[Any] | None:
    row = await connection.execute(
        select(webhook_events).where(webhook_events.c.id == event_id, webhook_events.c.merchant_id == merchant_id)
    )
    return row.first()


async def attempts_of(connection: AsyncConnection, event_ids: Sequence[int]) -> list[Row[Any]]:
    """Every attempt of the given events, oldest first."""
    if not event_ids:
        return []
    rows = await connection.execute(
        select(webhook_attempts)
        .where(webhook_attempts.c.event_id.in_(list(event_ids)))
        .order_by(webhook_attempts.c.event_id, webhook_attempts.c.id)
    )
    return list(rows.all())


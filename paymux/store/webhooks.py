"""Queries of the webhook outbox: taking due events fairly, recording deliveries, the circuit of
failing endpoints, the merchants' secrets and body format.

Rows are written in the transaction of the payment change (``store.orders.enqueue_webhook`` and the
settle statements of ``store.claims``), and only where a delivery can happen: the payment has a
``notice_url`` or its merchant a webhook URL (``DELIVERABLE``). This module is the delivery side and
the console's read side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.sealed import Sealed
from paymux.observability.webhooks import observe_queued
from paymux.store.database import Database
from paymux.store.plans import constant
from paymux.store.schema import merchants, webhook_attempts, webhook_endpoints, webhook_events

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
JSON, FORM = "json", "form"
FORMATS = (JSON, FORM)

# The columns of an outbox row as ``store.orders.webhook_row`` builds it.
WEBHOOK_COLUMNS = (
    "merchant_id", "imp_uid", "merchant_uid", "payload", "target_urls", "created_at", "next_attempt_at", "request_id",
)
HOOK_VALUES = [bindparam("hook_" + name, type_=webhook_events.c[name].type) for name in WEBHOOK_COLUMNS]


def deliverable(merchant_id: ColumnElement[Any], target_urls: ColumnElement[Any]) -> ColumnElement[bool]:
    """A webhook can be delivered: the payment names its own ``notice_url``s, or its merchant has a
    webhook URL. Nothing else is written to the outbox (issue #15: a shop without webhooks pays
    neither the row nor the worker's clean-up of it). i'mport, likewise, logs only webhooks it sends."""
    merchant_has_url = exists().where(merchants.c.id == merchant_id, merchants.c.webhook_url.is_not(None))
    return or_(target_urls.is_not(None), merchant_has_url)


DELIVERABLE = deliverable(HOOK_VALUES[0], HOOK_VALUES[4])
_INSERT_IF_DELIVERABLE = insert(webhook_events).from_select(
    list(WEBHOOK_COLUMNS), select(*HOOK_VALUES).where(DELIVERABLE)
)


def hook_params(row: Mapping[str, Any]) -> dict[str, Any]:
    """The ``HOOK_VALUES`` parameters of a webhook row (``store.orders.webhook_row``)."""
    return {"hook_" + name: row[name] for name in WEBHOOK_COLUMNS}


async def insert_if_deliverable(connection: AsyncConnection, row: Mapping[str, Any]) -> bool:
    """Write a webhook row (``store.orders.webhook_row``) in the caller's transaction, unless it has
    nowhere to go; a written row gets its ``webhook.queued`` line. True if written."""
    written = (await connection.execute(_INSERT_IF_DELIVERABLE, hook_params(row))).rowcount > 0
    if written:
        observe_queued(row)
    return written


def _lane_turns(now: int) -> Any:
    """Due, unleased, pending events numbered within their lane. A lane is one merchant's events to
    its own webhook URL, or one merchant's events to ``notice_url``s (chosen by whoever opened a
    window or called the API): a caller can fill its own lane, never take another's turn."""
    lane = (webhook_events.c.merchant_id, webhook_events.c.target_urls.is_(None))
    return (
        select(
            webhook_events.c.id,
            webhook_events.c.next_attempt_at,
            func.row_number()
            .over(partition_by=lane, order_by=(webhook_events.c.next_attempt_at, webhook_events.c.id))
            .label("turn"),
        )
        .where(
            webhook_events.c.state == constant(PENDING),  # in the SQL text: the partial index serves a generic plan
            webhook_events.c.next_attempt_at <= now,
            or_(webhook_events.c.lease_until.is_(None), webhook_events.c.lease_until < now),
        )
        .subquery("due")
    )


async def lease_due_events(
    database: Database, *, now: int, lease_seconds: int, limit: int, per_lane: int | None = None
) -> list[Row[Any]]:
    """Take up to ``limit`` due events for this worker alone until the lease ends, round-robin over
    lanes (the first due event of every lane, then the second …), at most ``per_lane`` from one.

    Reads only pending, due rows (the partial ``ix_webhook_events_due``). Two instances may pick the
    same row; the lease condition is checked again by the UPDATE, so only one takes it.
    """
    due = _lane_turns(now)
    picked = select(due.c.id).order_by(due.c.turn, due.c.next_attempt_at, due.c.id).limit(limit)
    if per_lane is not None:
        picked = picked.where(due.c.turn <= per_lane)
    statement = (
        update(webhook_events)
        .where(
            webhook_events.c.id.in_(picked.scalar_subquery()),
            or_(webhook_events.c.lease_until.is_(None), webhook_events.c.lease_until < now),
        )
        .values(lease_until=now + lease_seconds)
        .returning(*webhook_events.c)
    )
    async with database.transaction() as connection:
        rows = list((await connection.execute(statement)).all())
    return sorted(rows, key=lambda row: (row.next_attempt_at, row.id))


class Circuit(NamedTuple):
    failures: int
    opened: int
    open_until: int | None


async def circuits(connection: AsyncConnection, origins: Iterable[str]) -> dict[str, Circuit]:
    """The circuit of each endpoint that has failed lately (endpoints absent here are healthy)."""
    wanted = sorted(set(origins))
    if not wanted:
        return {}
    rows = await connection.execute(select(webhook_endpoints).where(webhook_endpoints.c.origin.in_(wanted)))
    return {row.origin: Circuit(row.failures, row.opened, row.open_until) for row in rows}


async def record_endpoint_outcomes(
    database: Database, outcomes: Mapping[str, Circuit | None], *, now: int, forget_before: int
) -> None:
    """Store each endpoint's circuit after a round (None: it answered, forget it), and forget
    endpoints not heard of since ``forget_before``."""
    healthy = [origin for origin, circuit in outcomes.items() if circuit is None]
    failing = [
        {"origin": origin, "failures": c.failures, "opened": c.opened, "open_until": c.open_until, "updated_at": now}
        for origin, c in outcomes.items()
        if c is not None
    ]
    async with database.transaction() as connection:
        if healthy:
            await connection.execute(delete(webhook_endpoints).where(webhook_endpoints.c.origin.in_(healthy)))
        if failing:
            dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
            statement = dialect_insert(webhook_endpoints)
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[webhook_endpoints.c.origin],
                    set_={name: statement.excluded[name] for name in ("failures", "opened", "open_until", "updated_at")},
                ),
                failing,
            )
        await connection.execute(delete(webhook_endpoints).where(webhook_endpoints.c.updated_at < forget_before))


class MerchantHooks(NamedTuple):
    """What delivery needs of a merchant: its webhook URL, sealed signing secret and body format."""

    url: str | None
    sealed_secret: Sealed | None
    format: str


async def merchant_webhook_settings(connection: AsyncConnection, merchant_ids: Iterable[int]) -> dict[int, MerchantHooks]:
    """Each merchant's webhook URL, sealed signing secret and body format, read at delivery time."""
    rows = await connection.execute(
        select(
            merchants.c.id,
            merchants.c.webhook_url,
            merchants.c.webhook_secret_key_id,
            merchants.c.webhook_secret_ciphertext,
            merchants.c.webhook_format,
        ).where(merchants.c.id.in_(sorted(set(merchant_ids))))
    )
    return {row.id: MerchantHooks(row.webhook_url, _sealed(row), row.webhook_format or JSON) for row in rows}


async def set_webhook_format(connection: AsyncConnection, merchant_id: int, body_format: str) -> bool:
    """False if there is no such merchant."""
    result = await connection.execute(
        update(merchants).where(merchants.c.id == merchant_id).values(webhook_format=body_format)
    )
    return result.rowcount > 0


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


async def replace_webhook_secret(connection: AsyncConnection, merchant_id: int, sealed: Sealed) -> bool:
    """Set a new secret whatever was there; False for an unknown merchant."""
    result = await connection.execute(
        update(merchants)
        .where(merchants.c.id == merchant_id)
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


"""Prepared orders (the tamper guard of ``/payments/prepare``) and the webhook outbox."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.observability.context import current_request_id
from paymux.store.schema import prepared_orders
from paymux.store.webhooks import insert_if_deliverable


async def prepared_amount(connection: AsyncConnection, merchant_id: int, merchant_uid: str) -> int | None:
    result = await connection.execute(
        select(prepared_orders.c.amount).where(
            prepared_orders.c.merchant_id == merchant_id, prepared_orders.c.merchant_uid == merchant_uid
        )
    )
    return result.scalar_one_or_none()


async def insert_prepared(connection: AsyncConnection, merchant_id: int, merchant_uid: str, amount: int, now: int) -> None:
    await connection.execute(
        insert(prepared_orders).values(
            merchant_id=merchant_id, merchant_uid=merchant_uid, amount=amount, created_at=now, updated_at=now
        )
    )


async def update_prepared(connection: AsyncConnection, merchant_id: int, merchant_uid: str, amount: int, now: int) -> bool:
    result = await connection.execute(
        update(prepared_orders)
        .where(prepared_orders.c.merchant_id == merchant_id, prepared_orders.c.merchant_uid == merchant_uid)
        .values(amount=amount, updated_at=now)
    )
    return result.rowcount > 0


def webhook_row(merchant_id: int, payload: dict[str, Any], target_urls: list[str] | None, now: int) -> dict[str, Any]:
    """An outbox row (``store.webhooks.WEBHOOK_COLUMNS``) for ``payload`` (the i'mport webhook body), due ``now``
    (unix seconds), carrying the id of the request being served (None in a background job). Nothing
    is written or logged here: ``store.webhooks.insert_if_deliverable`` or a settle statement of
    ``store.claims`` writes it if it has somewhere to go, and only then logs ``webhook.queued``."""
    return {
        "merchant_id": merchant_id,
        "imp_uid": payload.get("imp_uid"),
        "merchant_uid": payload.get("merchant_uid"),
        "payload": json.dumps(payload, ensure_ascii=False),
        "target_urls": json.dumps(target_urls) if target_urls else None,
        "created_at": now,
        "next_attempt_at": now,
        "request_id": current_request_id(),
    }


async def enqueue_webhook(
    connection: AsyncConnection,
    *,
    merchant_id: int,
    payload: dict[str, Any],
    target_urls: list[str] | None,
    now: int,
) -> None:
    """Write the notification in the caller's transaction, if it has somewhere to go (a notice_url
    or the merchant's webhook URL); the delivery worker sends it later."""
    await insert_if_deliverable(connection, webhook_row(merchant_id, payload, target_urls, now))

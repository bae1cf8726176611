"""Shipping registrations of escrow payments (``escrow_logis``)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.escrow import Shipping
from paymux.store.schema import escrow_logis


def _row(shipping: Shipping) -> dict[str, Any]:
    return {
        "merchant_id": shipping.merchant_id, "imp_uid": shipping.imp_uid, "company": shipping.company,
        "invoice": shipping.invoice, "sent_at": shipping.sent_at, "receiving_at": shipping.receiving_at,
        "address": shipping.address, "sender": json.dumps(shipping.sender, ensure_ascii=False),
        "receiver": json.dumps(shipping.receiver, ensure_ascii=False), "applied_at": shipping.applied_at,
        "updated_at": shipping.updated_at,
    }


async def get_shipping(connection: AsyncConnection, merchant_id: int, imp_uid: str) -> Shipping | None:
    row = (
        await connection.execute(
            select(escrow_logis).where(escrow_logis.c.merchant_id == merchant_id, escrow_logis.c.imp_uid == imp_uid)
        )
    ).first()
    if row is None:
        return None
    return Shipping(
        merchant_id=row.merchant_id, imp_uid=row.imp_uid, company=row.company, invoice=row.invoice,
        sent_at=row.sent_at, receiving_at=row.receiving_at, address=row.address, sender=json.loads(row.sender),
        receiver=json.loads(row.receiver), applied_at=row.applied_at, updated_at=row.updated_at,
    )


async def insert_shipping(connection: AsyncConnection, shipping: Shipping) -> None:
    """Raises IntegrityError when the payment's shipping is already registered."""
    await connection.execute(insert(escrow_logis).values(**_row(shipping)))


async def update_shipping(connection: AsyncConnection, shipping: Shipping) -> bool:
    values = _row(shipping)
    values.pop("applied_at")
    result = await connection.execute(
        update(escrow_logis)
        .where(escrow_logis.c.merchant_id == shipping.merchant_id, escrow_logis.c.imp_uid == shipping.imp_uid)
        .values(**values)
    )
    return result.rowcount > 0

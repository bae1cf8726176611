"""Queries on customers (billing keys). The billing key column holds vault ciphertext only."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import fields
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.channel import Channel
from paymux.domain.customer import Customer, Sealed
from paymux.store.hot import HotConnection, HotStatement
from paymux.store.merchants import channel_from_row
from paymux.store.schema import channels, customers, prepared_orders

_PLAIN_COLUMNS = tuple(f.name for f in fields(Customer) if f.name not in ("id", "billing_key"))


def _customer(row: Any) -> Customer:
    data = {name: getattr(row, name) for name in _PLAIN_COLUMNS}
    return Customer(
        id=row.id,
        billing_key=Sealed(key_id=row.billing_key_key_id, ciphertext=row.billing_key_ciphertext),
        **data,
    )


def journal_form(customer: Customer) -> dict[str, Any]:
    """The customer as JSON for the attempt journal, so a charge settled later can still keep its
    key. The billing key stays vault ciphertext."""
    row = _row(customer)
    row["billing_key_ciphertext"] = base64.b64encode(customer.billing_key.ciphertext).decode()
    return row


def from_journal(data: dict[str, Any]) -> Customer:
    data = dict(data)
    sealed = Sealed(key_id=data.pop("billing_key_key_id"), ciphertext=base64.b64decode(data.pop("billing_key_ciphertext")))
    return Customer(id=None, billing_key=sealed, **data)


def _row(customer: Customer) -> dict[str, Any]:
    row = {name: getattr(customer, name) for name in _PLAIN_COLUMNS}
    row["billing_key_key_id"] = customer.billing_key.key_id
    row["billing_key_ciphertext"] = customer.billing_key.ciphertext
    return row


async def get_customer(
    connection: AsyncConnection, merchant_id: int, customer_uid: str, *, for_update: bool = False
) -> Customer | None:
    query = select(customers).where(customers.c.merchant_id == merchant_id, customers.c.customer_uid == customer_uid)
    if for_update:
        query = query.with_for_update()
    row = (await connection.execute(query)).first()
    return _customer(row) if row else None


async def get_customers(connection: AsyncConnection, merchant_id: int, customer_uids: Sequence[str]) -> list[Customer]:
    rows = await connection.execute(
        select(customers).where(customers.c.merchant_id == merchant_id, customers.c.customer_uid.in_(list(customer_uids)))
    )
    by_uid = {c.customer_uid: c for c in map(_customer, rows)}
    return [by_uid[uid] for uid in dict.fromkeys(customer_uids) if uid in by_uid]


async def save_customer(connection: AsyncConnection, customer: Customer) -> None:
    """Insert, or replace the key and card of an existing customer_uid (re-registration)."""
    existing = await get_customer(connection, customer.merchant_id, customer.customer_uid, for_update=True)
    if existing is None:
        await connection.execute(insert(customers).values(**_row(customer)))
        return
    row = _row(customer)
    row["inserted"] = existing.inserted
    await connection.execute(update(customers).where(customers.c.id == existing.id).values(**row))


async def delete_customer(connection: AsyncConnection, merchant_id: int, customer_uid: str) -> None:
    await connection.execute(
        delete(customers).where(customers.c.merchant_id == merchant_id, customers.c.customer_uid == customer_uid)
    )


_CHANNEL_PREFIX = "channel__"
_CHARGE_CONTEXT = HotStatement(
    select(
        customers,
        *[column.label(_CHANNEL_PREFIX + column.name) for column in channels.c],
        prepared_orders.c.amount.label("prepared_amount"),
    )
    .select_from(
        customers.outerjoin(channels, channels.c.id == customers.c.channel_id).outerjoin(
            prepared_orders,
            and_(
                prepared_orders.c.merchant_id == customers.c.merchant_id,
                prepared_orders.c.merchant_uid == bindparam("key_merchant_uid"),
            ),
        )
    )
    .where(customers.c.merchant_id == bindparam("key_merchant_id"), customers.c.customer_uid == bindparam("key_customer_uid"))
)


async def charge_context(
    connection: HotConnection, merchant_id: int, customer_uid: str, merchant_uid: str
) -> tuple[Customer, Channel | None, int | None] | None:
    """Everything a billing-key charge reads, in one query: the customer, its channel and the
    order's prepared amount (if any). None when the customer_uid has no key."""
    parameters = {"key_merchant_id": merchant_id, "key_customer_uid": customer_uid, "key_merchant_uid": merchant_uid}
    row = await _CHARGE_CONTEXT.first(connection, parameters)
    if row is None:
        return None
    channel = None
    if row[_CHANNEL_PREFIX + "id"] is not None:
        channel = channel_from_row(SimpleNamespace(**{c.name: row[_CHANNEL_PREFIX + c.name] for c in channels.c}))
    return _customer(row), channel, row["prepared_amount"]


async def list_customer_page(connection: AsyncConnection, merchant_id: int, page: int, limit: int) -> tuple[int, list[Customer]]:
    """The merchant's billing keys, newest first, one page (the console's list)."""
    where = customers.c.merchant_id == merchant_id
    total = (await connection.execute(select(func.count()).select_from(customers).where(where))).scalar_one()
    rows = await connection.execute(
        select(customers).where(where).order_by(customers.c.inserted.desc(), customers.c.id.desc())
        .limit(limit).offset((page - 1) * limit)
    )
    return total, [_customer(r) for r in rows]

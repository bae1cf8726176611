"""Read-only queries of the console: payment search, CSV pages and the dashboard's sums."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.payment import Payment
from paymux.store.payments import PAYMENT_COLUMNS, Page, payment_from_mapping
from paymux.store.schema import payments

_SELECTED = [payments.c[name] for name in PAYMENT_COLUMNS]


@dataclass(frozen=True)
class PaymentFilter:
    status: str | None = None
    started_from: int | None = None  # unix seconds, inclusive
    started_before: int | None = None  # unix seconds, exclusive
    merchant_uid: str = ""
    buyer: str = ""


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search(merchant_id: int, wanted: PaymentFilter) -> Select:
    query = select(*_SELECTED).where(payments.c.merchant_id == merchant_id)
    if wanted.status:
        query = query.where(payments.c.status == wanted.status)
    if wanted.started_from is not None:
        query = query.where(payments.c.started_at >= wanted.started_from)
    if wanted.started_before is not None:
        query = query.where(payments.c.started_at < wanted.started_before)
    if wanted.merchant_uid:
        query = query.where(payments.c.merchant_uid.like(_like(wanted.merchant_uid) + "%", escape="\\"))
    if wanted.buyer:
        pattern = "%" + _like(wanted.buyer) + "%"
        query = query.where(
            or_(
                payments.c.buyer_name.like(pattern, escape="\\"),
                payments.c.buyer_email.like(pattern, escape="\\"),
                payments.c.buyer_tel.like(pattern, escape="\\"),
            )
        )
    return query


async def search_payments(connection: AsyncConnection, merchant_id: int, wanted: PaymentFilter, page: int, limit: int) -> Page:
    """Newest first. Cancel history is not attached: the detail page reads it."""
    query = _search(merchant_id, wanted)
    total = (await connection.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await connection.execute(
        query.order_by(payments.c.started_at.desc(), payments.c.id.desc()).limit(limit).offset((page - 1) * limit)
    )
    return Page(total=total, items=[payment_from_mapping(dict(r._mapping)) for r in rows])


async def payments_after(
    connection: AsyncConnection, merchant_id: int, wanted: PaymentFilter, after_id: int | None, limit: int
) -> list[tuple[int, Payment]]:
    """One batch of the CSV export, by row id (stable while new payments arrive)."""
    query = _search(merchant_id, wanted).add_columns(payments.c.id)
    if after_id is not None:
        query = query.where(payments.c.id < after_id)
    rows = await connection.execute(query.order_by(payments.c.id.desc()).limit(limit))
    result = []
    for row in rows:
        data = dict(row._mapping)
        row_id = data.pop("id")
        result.append((row_id, payment_from_mapping(data)))
    return result


@dataclass(frozen=True)
class PeriodRow:
    """Sums of one (local day, PG, pay method) group of payments requested in a period.

    ``day``: local day number, (started_at + utc_offset) // 86400. Payments of more than 0 won:
    ``paid_count``/``gross``/``refunds`` (KRW) of those ever paid, ``failed_count`` of those failed
    without being paid, ``requested`` of all of them whatever became of them. ``billing_keys``: 0-won registrations that succeeded, counted apart."""

    day: int
    pg_provider: str
    pay_method: str
    requested: int
    paid_count: int
    failed_count: int
    gross: int
    refunds: int
    billing_keys: int


def period_query(merchant_id: int, started_from: int, started_before: int, utc_offset: int) -> Select:
    """The statement behind ``period_sums`` (apart so its plan can be checked)."""
    day = ((payments.c.started_at + utc_offset) // 86400).label("day")
    charged = payments.c.amount > 0
    paid = and_(charged, payments.c.paid_at > 0)
    failed = and_(charged, payments.c.paid_at == 0, payments.c.status == "failed")
    registered = and_(payments.c.amount == 0, payments.c.paid_at > 0)

    def total(condition: ColumnElement[bool], value: ColumnElement[int] | int = 1) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    return (
        select(
            day, payments.c.pg_provider, payments.c.pay_method, total(charged), total(paid), total(failed),
            total(paid, payments.c.amount), total(paid, payments.c.cancel_amount), total(registered),
        )
        .where(payments.c.merchant_id == merchant_id, payments.c.started_at >= started_from,
               payments.c.started_at < started_before)
        .group_by(day, payments.c.pg_provider, payments.c.pay_method)
        .order_by(day, payments.c.pg_provider, payments.c.pay_method)
    )


async def period_sums(
    connection: AsyncConnection, merchant_id: int, started_from: int, started_before: int, utc_offset: int,
) -> list[PeriodRow]:
    """One row per local day, PG and pay method of the merchant's payments started in
    [started_from, started_before) (unix seconds), summed by the database; ordered by day, PG, method.
    Reads through the (merchant_id, started_at) index."""
    rows = await connection.execute(period_query(merchant_id, started_from, started_before, utc_offset))
    return [PeriodRow(int(r[0]), r[1], r[2], *(int(value) for value in r[3:])) for r in rows]

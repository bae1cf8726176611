"""Queries on payments and their cancellations. Every query is scoped to one merchant."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.payment import Cancellation, Payment, PaymentStatus
from paymux.store.hot import HotConnection, HotStatement
from paymux.store.plans import constant
from paymux.store.schema import cancellations, payments

PAYMENT_COLUMNS = _PAYMENT_COLUMNS = tuple(f.name for f in fields(Payment) if f.name != "cancel_history")
_CANCELLATION_COLUMNS = tuple(f.name for f in fields(Cancellation))

# sorting parameter → ORDER BY; the row id breaks ties, so same-second payments keep their order
# and pages never overlap.
SORTINGS = {
    "-started": (payments.c.started_at.desc(), payments.c.id.desc()),
    "started": (payments.c.started_at.asc(), payments.c.id.asc()),
    "-paid": (payments.c.paid_at.desc(), payments.c.id.desc()),
    "paid": (payments.c.paid_at.asc(), payments.c.id.asc()),
    "-updated": (payments.c.updated_at.desc(), payments.c.id.desc()),
    "updated": (payments.c.updated_at.asc(), payments.c.id.asc()),
}


@dataclass(frozen=True)
class Page:
    total: int
    items: list[Payment]


def payment_row(payment: Payment) -> dict[str, object]:
    """The payment as column values (JSON-safe: the journal stores it as JSON too)."""
    return _to_row(payment)


def payment_from_mapping(data: dict[str, object]) -> Payment:
    return _from_mapping(dict(data))


def _to_row(payment: Payment) -> dict[str, object]:
    row = {name: getattr(payment, name) for name in _PAYMENT_COLUMNS}
    row["status"] = payment.status.value
    row["notice_url"] = json.dumps(payment.notice_url) if payment.notice_url else None
    return row


def _from_row(row: object) -> Payment:
    return _from_mapping(dict(row._mapping))  # type: ignore[attr-defined]


def _from_mapping(data: dict[str, Any]) -> Payment:
    data["status"] = PaymentStatus(data["status"])
    data["notice_url"] = json.loads(data["notice_url"]) if data.get("notice_url") else None
    return Payment(**data)


# Hot statements are built once, with parameters bound at execute time: building a 60-column
# statement per request costs more CPU than the database round trip it sends.
_INSERT = insert(payments)
_SETTABLE = [name for name in _PAYMENT_COLUMNS if name not in ("imp_uid", "merchant_id")]
_UPDATE = (
    update(payments)
    .where(payments.c.imp_uid == bindparam("key_imp_uid"), payments.c.merchant_id == bindparam("key_merchant_id"))
    .values({name: bindparam("set_" + name) for name in _SETTABLE})
)
_UPDATE_PENDING = _UPDATE.where(payments.c.outcome_pending)
_UPDATE_OPEN = _UPDATE.where(payments.c.status == PaymentStatus.READY.value, ~payments.c.outcome_pending)
def _update_params(payment: Payment) -> dict[str, object]:
    row = _to_row(payment)
    params = {"set_" + name: row[name] for name in _SETTABLE}
    params["key_imp_uid"], params["key_merchant_id"] = payment.imp_uid, payment.merchant_id
    return params


async def insert_payment(connection: AsyncConnection, payment: Payment) -> None:
    """Insert a new attempt. Raises IntegrityError if it would be a second claim on its order."""
    await connection.execute(_INSERT, _to_row(payment))


async def save_payment(connection: AsyncConnection, payment: Payment, *, only_if_pending: bool = False) -> bool:
    """Write the payment's state. With ``only_if_pending``, only while its outcome is still open,
    so a late PG answer cannot overwrite what the reconciler already settled."""
    result = await connection.execute(_UPDATE_PENDING if only_if_pending else _UPDATE, _update_params(payment))
    return result.rowcount > 0


async def save_if_open(connection: AsyncConnection, payment: Payment) -> bool:
    """Write the payment only while it is an open window payment: ``ready`` with no PG call in
    flight. A double-clicked approve, or a close racing an approval, changes it once."""
    result = await connection.execute(_UPDATE_OPEN, _update_params(payment))
    return result.rowcount > 0


async def insert_cancellation(connection: AsyncConnection, cancellation: Cancellation, *, pending: bool = False) -> None:
    """Record a cancellation: done (the PG confirmed it), or pending — reserved before the PG is
    asked, its amount held against the balance until it is completed or dropped."""
    values = {name: getattr(cancellation, name) for name in _CANCELLATION_COLUMNS}
    await connection.execute(insert(cancellations).values(state="pending" if pending else "done", **values))


async def reserved_cancel_amount(connection: AsyncConnection, imp_uid: str) -> int:
    """What cancels already sent to the PG, not yet answered, hold of a payment's balance."""
    result = await connection.execute(
        select(func.coalesce(func.sum(cancellations.c.amount), 0)).where(
            cancellations.c.imp_uid == imp_uid, cancellations.c.state == "pending"
        )
    )
    return int(result.scalar_one())


async def reserved_cancel_tax_free(connection: AsyncConnection, imp_uid: str) -> int:
    """The tax-free part of what pending cancels hold (the counterpart of ``reserved_cancel_amount``)."""
    result = await connection.execute(
        select(func.coalesce(func.sum(cancellations.c.tax_free), 0)).where(
            cancellations.c.imp_uid == imp_uid, cancellations.c.state == "pending"
        )
    )
    return int(result.scalar_one())


async def complete_cancellation(connection: AsyncConnection, cancellation: Cancellation) -> bool:
    """Mark a pending cancellation done with the PG's answer. False if it was settled meanwhile."""
    result = await connection.execute(
        update(cancellations)
        .where(cancellations.c.cancellation_id == cancellation.cancellation_id, cancellations.c.state == "pending")
        .values(state="done", pg_tid=cancellation.pg_tid, receipt_url=cancellation.receipt_url,
                cancelled_at=cancellation.cancelled_at)
    )
    return result.rowcount > 0


async def drop_cancellation(connection: AsyncConnection, cancellation_id: str) -> bool:
    """Forget a pending cancellation the PG refused (or never received). False if already settled."""
    result = await connection.execute(
        delete(cancellations).where(
            cancellations.c.cancellation_id == cancellation_id, cancellations.c.state == "pending"
        )
    )
    return result.rowcount > 0


async def due_virtual_accounts(connection: AsyncConnection, now: int, limit: int) -> list[tuple[int, str]]:
    """(merchant_id, imp_uid) of virtual accounts still awaiting a deposit whose deadline
    (``vbank_date``, unix seconds) has passed, earliest first; read from the partial index of
    awaiting accounts, whatever the number of other payments."""
    rows = await connection.execute(
        select(payments.c.merchant_id, payments.c.imp_uid)
        .where(payments.c.status == constant("ready"), payments.c.pay_method == constant("vbank"),
               payments.c.vbank_date <= now)
        .order_by(payments.c.vbank_date)
        .limit(limit)
    )
    return [(row.merchant_id, row.imp_uid) for row in rows]


@dataclass(frozen=True)
class PendingCancellation:
    merchant_id: int
    cancellation: Cancellation


async def pending_cancellations(connection: AsyncConnection, older_than: int, limit: int) -> list[PendingCancellation]:
    """Cancellations sent to a PG whose answer was never recorded, oldest first."""
    rows = await connection.execute(
        select(payments.c.merchant_id, *[cancellations.c[name] for name in _CANCELLATION_COLUMNS])
        .select_from(cancellations.join(payments, payments.c.imp_uid == cancellations.c.imp_uid))
        .where(cancellations.c.state == constant("pending"), cancellations.c.cancelled_at <= older_than)
        .order_by(cancellations.c.cancelled_at)
        .limit(limit)
    )
    return [
        PendingCancellation(row.merchant_id, Cancellation(**{name: row._mapping[name] for name in _CANCELLATION_COLUMNS}))
        for row in rows
    ]


async def _with_history(connection: AsyncConnection, found: list[Payment]) -> list[Payment]:
    """Attach cancel history; only payments with a cancelled amount cost a second query."""
    cancelled = {p.imp_uid: p for p in found if p.cancel_amount > 0}
    if cancelled:
        rows = await connection.execute(
            select(*[cancellations.c[name] for name in _CANCELLATION_COLUMNS])
            .where(cancellations.c.imp_uid.in_(list(cancelled)), cancellations.c.state == "done")
            .order_by(cancellations.c.id)
        )
        for row in rows:
            cancelled[row.imp_uid].cancel_history.append(Cancellation(**dict(row._mapping)))
    return found


_SELECTED = [payments.c[name] for name in _PAYMENT_COLUMNS]


def _select(merchant_id: int) -> Select:
    return select(*_SELECTED).where(payments.c.merchant_id == merchant_id)


# A payment is found by its unique imp_uid alone and its merchant checked on the row. With
# ``merchant_id = $1 AND imp_uid = $2`` PostgreSQL could pick any of the merchant's indexes: a prepared
# statement planned generically while the table held a few rows walked the merchant's whole
# (merchant_id, status, status_at) index for every lookup once the table had grown (issue #15). With
# the unique column alone there is one plan whatever the statistics.
_BY_IMP_UID = select(*_SELECTED).where(payments.c.imp_uid == bindparam("key_imp_uid"))
_BY_IMP_UID_FOR_UPDATE = _BY_IMP_UID.with_for_update()
_BY_IMP_UIDS = select(*_SELECTED).where(payments.c.imp_uid.in_(bindparam("key_imp_uids", expanding=True)))


_HOT_BY_IMP_UID = HotStatement(_BY_IMP_UID)
_HOT_HISTORY = HotStatement(
    select(*[cancellations.c[name] for name in _CANCELLATION_COLUMNS])
    .where(cancellations.c.imp_uid == bindparam("key_imp_uid"), cancellations.c.state == "done")
    .order_by(cancellations.c.id)
)


async def get_payment(
    connection: HotConnection, merchant_id: int, imp_uid: str, *, for_update: bool = False
) -> Payment | None:
    """The merchant's payment, or None (also when the imp_uid is another merchant's). ``for_update``
    locks the row until the caller's transaction ends (a SQLAlchemy connection in a transaction); a
    row of another merchant is then locked only for the moment the caller takes to see it is not found."""
    if for_update:
        assert isinstance(connection, AsyncConnection)
        row = (await connection.execute(_BY_IMP_UID_FOR_UPDATE, {"key_imp_uid": imp_uid})).first()
        if row is None or row.merchant_id != merchant_id:
            return None
        return (await _with_history(connection, [_from_row(row)]))[0]
    found = await _HOT_BY_IMP_UID.first(connection, {"key_imp_uid": imp_uid})
    if found is None or found.merchant_id != merchant_id:
        return None
    payment = _from_mapping(found.as_dict())
    if payment.cancel_amount > 0:  # only a payment with a cancelled amount costs a second query
        history = await _HOT_HISTORY.all(connection, {"key_imp_uid": imp_uid})
        payment.cancel_history.extend(Cancellation(**row.as_dict()) for row in history)
    return payment


async def payment_by_imp_uid(connection: AsyncConnection, imp_uid: str) -> Payment | None:
    """A payment by its imp_uid alone, for a PG's notice (which names paymux's order id, not a
    merchant). imp_uids are unique across merchants."""
    row = (await connection.execute(_BY_IMP_UID, {"key_imp_uid": imp_uid})).first()
    return (await _with_history(connection, [_from_row(row)]))[0] if row else None


async def get_payments(connection: AsyncConnection, merchant_id: int, imp_uids: Sequence[str]) -> list[Payment]:
    """The merchant's payments among ``imp_uids``, in the order asked, unknown ones left out; read
    by the unique imp_uid and the merchant checked on each row, as ``get_payment``."""
    rows = await connection.execute(_BY_IMP_UIDS, {"key_imp_uids": list(dict.fromkeys(imp_uids))})
    by_uid = {p.imp_uid: p for p in map(_from_row, rows) if p.merchant_id == merchant_id}
    return await _with_history(connection, [by_uid[uid] for uid in dict.fromkeys(imp_uids) if uid in by_uid])


def _order_filter(merchant_id: int, merchant_uid: str, status: PaymentStatus | None) -> Select:
    query = _select(merchant_id).where(payments.c.merchant_uid == merchant_uid)
    return query.where(payments.c.status == status.value) if status else query


async def find_latest(
    connection: AsyncConnection,
    merchant_id: int,
    merchant_uid: str,
    status: PaymentStatus | None = None,
    sorting: str = "-started",
    *,
    for_update: bool = False,
) -> Payment | None:
    query = _order_filter(merchant_id, merchant_uid, status).order_by(*SORTINGS[sorting]).limit(1)
    if for_update:
        query = query.with_for_update()
    row = (await connection.execute(query)).first()
    return (await _with_history(connection, [_from_row(row)]))[0] if row else None


async def _page(connection: AsyncConnection, query: Select, sorting: str, page: int, limit: int) -> Page:
    total = (await connection.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await connection.execute(query.order_by(*SORTINGS[sorting]).limit(limit).offset((page - 1) * limit))
    return Page(total=total, items=await _with_history(connection, [_from_row(r) for r in rows]))


async def find_all(
    connection: AsyncConnection,
    merchant_id: int,
    merchant_uid: str,
    status: PaymentStatus | None,
    sorting: str,
    page: int,
    limit: int,
) -> Page:
    return await _page(connection, _order_filter(merchant_id, merchant_uid, status), sorting, page, limit)


async def list_by_status(
    connection: AsyncConnection,
    merchant_id: int,
    status: PaymentStatus | None,
    time_from: int,
    time_to: int,
    sorting: str,
    page: int,
    limit: int,
) -> Page:
    """List by status within a time range on the status's own time (paid_at for paid, …)."""
    if status is None:
        query = _select(merchant_id).where(payments.c.started_at.between(time_from, time_to))
    else:
        query = _select(merchant_id).where(
            and_(payments.c.status == status.value, payments.c.status_at.between(time_from, time_to))
        )
    return await _page(connection, query, sorting, page, limit)


async def list_for_customer(
    connection: AsyncConnection, merchant_id: int, customer_uid: str, page: int, limit: int
) -> Page:
    query = _select(merchant_id).where(payments.c.customer_uid == customer_uid)
    return await _page(connection, query, "-started", page, limit)

"""The order-claims journal: the write-ahead record of charges (see ``schema.order_claims``)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.payment import Payment
from paymux.observability.webhooks import observe_queued
from paymux.store import webhooks as webhook_store
from paymux.store.hot import DriverForm, HotConnection, HotStatement, one_hop_driver, sqlite_error
from paymux.store.payments import (
    PAYMENT_COLUMNS,
    payment_from_mapping,
    payment_row,
    save_payment,
)
from paymux.store.plans import constant
from paymux.store.schema import order_claims, payments, webhook_events

CHARGING, PAID = "charging", "paid"
_KEEPS_CUSTOMER = "_keeps_customer"  # in the attempt JSON, beside the payment's columns
_PG_REFERENCE = "_pg_reference"  # what the PG needs to settle a lost answer (window token, vbank kind)
AWAITING_DEPOSIT = "awaiting"  # a virtual account was issued; the reconciler leaves these alone

_CLAIM = and_(
    order_claims.c.merchant_id == bindparam("claim_merchant_id"),
    order_claims.c.merchant_uid == bindparam("claim_merchant_uid"),
    order_claims.c.imp_uid == bindparam("claim_imp_uid"),
    order_claims.c.state == bindparam("claim_state"),
)
_MARK_PAID = update(order_claims).where(_CLAIM).values(state=PAID, updated_at=bindparam("claim_now"))
_RELEASE = delete(order_claims).where(_CLAIM)
_INSERT_PAYMENT = insert(payments)
_PAYMENT_VALUES = [bindparam("pay_" + name, type_=payments.c[name].type) for name in PAYMENT_COLUMNS]
_HOOK_VALUES = webhook_store.HOOK_VALUES
_DELIVERABLE = webhook_store.DELIVERABLE


def _settle_in_one_statement(claim_change: Any) -> Any:
    """claim change → payment row → webhook row, each only if the one before happened (PostgreSQL).
    Answers how many payment rows (``written``) and webhook rows (``queued``) it wrote."""
    claim = claim_change.returning(order_claims.c.imp_uid).cte("claim")
    payment = (
        insert(payments)
        .from_select(list(PAYMENT_COLUMNS), select(*_PAYMENT_VALUES).select_from(claim))
        .returning(payments.c.id)
        .cte("payment")
    )
    # the webhook row only where it can be delivered (store.webhooks.deliverable)
    hook_values = select(*_HOOK_VALUES).select_from(payment).where(_DELIVERABLE)
    hook = (
        insert(webhook_events)
        .from_select(list(webhook_store.WEBHOOK_COLUMNS), hook_values)
        .returning(webhook_events.c.id)
        .cte("hook")
    )
    queued = select(func.count()).select_from(hook).scalar_subquery()
    return select(func.count().label("written"), queued.label("queued")).select_from(payment).add_cte(claim)


_SETTLE_PAID = HotStatement(_settle_in_one_statement(_MARK_PAID))
_SETTLE_RELEASED = HotStatement(_settle_in_one_statement(_RELEASE))
_CLAIM_COLUMNS = ("merchant_id", "merchant_uid", "imp_uid", "state", "attempt", "created_at", "updated_at")
_INSERT_CLAIM = HotStatement(insert(order_claims), column_keys=_CLAIM_COLUMNS)
# settle_new on SQLite, in one hop of the writer's thread (_settle_in_one_hop)
_HOT_MARK_PAID = HotStatement(_MARK_PAID)
_HOT_RELEASE = HotStatement(_RELEASE)
_HOT_INSERT_PAYMENT = HotStatement(_INSERT_PAYMENT, column_keys=PAYMENT_COLUMNS)
_HOT_INSERT_HOOK = HotStatement(
    insert(webhook_events).from_select(list(webhook_store.WEBHOOK_COLUMNS), select(*_HOOK_VALUES).where(_DELIVERABLE))
)


def _claim_params(payment: Payment, now: int, state: str = CHARGING) -> dict[str, object]:
    return {
        "claim_merchant_id": payment.merchant_id,
        "claim_merchant_uid": payment.merchant_uid,
        "claim_imp_uid": payment.imp_uid,
        "claim_state": state,
        "claim_now": now,
    }


async def claim_order(
    connection: HotConnection,
    payment: Payment,
    now: int,
    state: str = CHARGING,
    keeps_customer: dict | None = None,
    pg_reference: dict[str, str] | None = None,
) -> None:
    """Journal the attempt and claim its order. IntegrityError if the order is paid or in flight.

    ``keeps_customer``: the billing key (journal form, sealed) to keep if the charge is approved,
    so an approval learned later by inquiry keeps it too. ``pg_reference``: what the PG needs to
    settle a lost answer (a window's authentication token and net-cancel URL …).
    """
    attempt: dict[str, object] = {k: v for k, v in payment_row(payment).items() if v is not None}
    if keeps_customer is not None:
        attempt[_KEEPS_CUSTOMER] = keeps_customer
    if pg_reference:
        attempt[_PG_REFERENCE] = pg_reference
    await _INSERT_CLAIM.run(
        connection,
        {
            "merchant_id": payment.merchant_id,
            "merchant_uid": payment.merchant_uid,
            "imp_uid": payment.imp_uid,
            "state": state,
            "attempt": json.dumps(attempt, ensure_ascii=False),
            "created_at": now,
            "updated_at": now,
        },
    )


async def order_is_claimed(connection: AsyncConnection, merchant_id: int, merchant_uid: str) -> bool:
    """Whether the order is paid, awaiting a deposit, or has a charge in flight."""
    result = await connection.execute(
        select(order_claims.c.state).where(
            order_claims.c.merchant_id == merchant_id, order_claims.c.merchant_uid == merchant_uid
        )
    )
    return result.first() is not None


async def settle_new(connection: HotConnection, payment: Payment, webhook: dict[str, object], now: int) -> bool:
    """Write a settled attempt (paid or failed) that has no payment row yet, with its webhook.

    Paid keeps the claim for good; failed releases it. Nothing is written unless the claim is still
    this attempt's and still charging, so a late answer cannot overwrite the reconciler's.
    """
    paid = payment.status.value == "paid"
    if connection.dialect.name == "postgresql":
        params = _claim_params(payment, now)
        params.update({"pay_" + k: v for k, v in payment_row(payment).items()})
        params.update(webhook_store.hook_params(webhook))
        written = await (_SETTLE_PAID if paid else _SETTLE_RELEASED).first(connection, params)
        if written is not None and written["queued"]:
            observe_queued(webhook)
        return written is not None and written["written"] > 0
    assert isinstance(connection, AsyncConnection)  # a PgAutocommit is PostgreSQL's
    sqlite = one_hop_driver(connection)
    if sqlite is not None:
        claim = (_HOT_MARK_PAID if paid else _HOT_RELEASE).form(connection)
        payment_form, hook = _HOT_INSERT_PAYMENT.form(connection), _HOT_INSERT_HOOK.form(connection)
        steps = (
            (claim, claim.parameters(_claim_params(payment, now))),
            (payment_form, payment_form.parameters(payment_row(payment))),
            (hook, hook.parameters(webhook_store.hook_params(webhook))),
        )
        try:
            settled, queued = await sqlite.run_in_thread(partial(_settle_in_one_hop, steps=steps))
        except _Failed as failed:
            raise sqlite_error(failed.form.sql, failed.error) from None
        except sqlite3.Error as error:  # the transaction's BEGIN IMMEDIATE (busy past busy_timeout)
            raise sqlite_error("BEGIN IMMEDIATE", error) from None
        if queued:
            observe_queued(webhook)
        return settled
    changed = await connection.execute(_MARK_PAID if paid else _RELEASE, _claim_params(payment, now))
    if changed.rowcount == 0:
        return False
    await connection.execute(_INSERT_PAYMENT, payment_row(payment))
    await webhook_store.insert_if_deliverable(connection, webhook)
    return True


class _Failed(Exception):
    def __init__(self, form: DriverForm, error: sqlite3.Error) -> None:
        self.form, self.error = form, error


def _settle_in_one_hop(database: sqlite3.Connection, *, steps: tuple[tuple[DriverForm, list[Any]], ...]) -> tuple[bool, bool]:
    """On the SQLite writer's thread, in the caller's transaction: the claim change, then (only if it
    changed the claim) the payment row and the webhook row where deliverable. Answers (payment
    written, webhook queued); a failing statement raises ``_Failed`` and the caller rolls back."""
    counts = []
    for form, parameters in steps:
        try:
            cursor = database.execute(form.sql, parameters)
        except sqlite3.Error as error:
            raise _Failed(form, error) from None
        counts.append(cursor.rowcount)
        cursor.close()
        if counts[0] == 0:
            return False, False
    return True, counts[2] > 0


async def settle_existing(
    connection: AsyncConnection, payment: Payment, webhook: dict[str, object], now: int, from_state: str = CHARGING
) -> bool:
    """Settle an attempt whose payment row exists as pending: a PG answer that was lost, or a
    virtual account's deposit or expiry. In the caller's transaction."""
    paid = payment.status.value == "paid"
    changed = await connection.execute(_MARK_PAID if paid else _RELEASE, _claim_params(payment, now, from_state))
    if changed.rowcount == 0 or not await save_payment(connection, payment, only_if_pending=True):
        return False
    await webhook_store.insert_if_deliverable(connection, webhook)
    return True


async def await_deposit(connection: AsyncConnection, payment: Payment, now: int) -> bool:
    """A virtual account was opened: its claim moves from charging to awaiting the deposit."""
    changed = await connection.execute(
        update(order_claims).where(_CLAIM).values(state=AWAITING_DEPOSIT, updated_at=bindparam("claim_now")),
        _claim_params(payment, now),
    )
    return changed.rowcount > 0


async def journal_reference(connection: AsyncConnection, payment: Payment, reference: dict[str, str]) -> None:
    """Add what a lost answer needs (a window's authentication) to a charging attempt's journal,
    before the PG is called."""
    row = (
        await connection.execute(
            select(order_claims.c.attempt).where(
                order_claims.c.merchant_id == payment.merchant_id, order_claims.c.merchant_uid == payment.merchant_uid,
                order_claims.c.imp_uid == payment.imp_uid,
            )
        )
    ).first()
    if row is None:
        return
    attempt = json.loads(row.attempt)
    attempt[_PG_REFERENCE] = reference
    await connection.execute(
        update(order_claims)
        .where(order_claims.c.merchant_id == payment.merchant_id, order_claims.c.merchant_uid == payment.merchant_uid,
               order_claims.c.imp_uid == payment.imp_uid)
        .values(attempt=json.dumps(attempt, ensure_ascii=False))
    )


@dataclass(frozen=True)
class JournaledAttempt:
    payment: Payment
    row_exists: bool  # the payment row was written (pending) before the answer was lost
    keeps_customer: dict | None  # a billing key to keep on approval (journal form)
    pg_reference: dict[str, str] | None = None  # what the PG needs to settle it


async def charging_attempts(connection: AsyncConnection, older_than: int, limit: int) -> list[JournaledAttempt]:
    """Attempts still charging, oldest first."""
    rows = await connection.execute(
        select(order_claims.c.attempt, payments.c.id)
        .select_from(
            order_claims.outerjoin(
                payments,
                and_(payments.c.imp_uid == order_claims.c.imp_uid, payments.c.merchant_id == order_claims.c.merchant_id),
            )
        )
        .where(order_claims.c.state == constant(CHARGING), order_claims.c.created_at <= older_than)
        .order_by(order_claims.c.created_at)
        .limit(limit)
    )
    attempts = []
    for row in rows:
        attempt = json.loads(row.attempt)
        keeps = attempt.pop(_KEEPS_CUSTOMER, None)
        reference = attempt.pop(_PG_REFERENCE, None)
        attempts.append(JournaledAttempt(payment_from_mapping(attempt), row.id is not None, keeps, reference))
    return attempts

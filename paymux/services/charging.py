"""The write-ahead charge, shared by every path that takes money (again, onetime, schedules, window).

1. Journal the attempt and claim its order (``order_claims``), one statement. The claim's primary key
   admits one claim per order, so a retried or concurrent request for the same ``merchant_uid`` is
   refused here, before any PG is called.
2. Call the PG outside any transaction.
3. Write the payment with its outcome (paid, or failed and the claim released) and its webhook
   atomically — one statement on PostgreSQL. When the PG's answer was lost, the payment is written as
   ``ready`` with its outcome pending and the claim stays.

A crash between 1 and 3 leaves a charging claim that ``reconcile`` settles by asking the PG. The
payment row is written once in the common case, which keeps the hot path cheap for the database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import ChargeResult, Outcome
from paymux.domain.errors import Refused
from paymux.domain.payment import DeclinedCard, Payment, PaymentStatus, reached_approval
from paymux.observability.pg import PgCallSubject
from paymux.services.pg_calls import guarded
from paymux.services.runtime import Runtime
from paymux.services.sales_slips import receipt_url_for
from paymux.store import claims as claim_store
from paymux.store import orders as order_store
from paymux.store import payments as payment_store
from paymux.store.claims import CHARGING
from paymux.store.hot import HotConnection

log = logging.getLogger("paymux.charging")

ALREADY_PAID = "이미 결제가 완료되었거나 진행 중인 주문번호(merchant_uid)입니다 (order {uid} is already paid or being paid)"
PENDING_MESSAGE = (
    "PG사 응답을 확인하고 있습니다. 결과는 웹훅으로 알려드립니다 "
    "(the PG's answer was lost; paymux is confirming the outcome with the PG and will send a webhook)"
)

OnApproved = Callable[[AsyncConnection, Payment], Awaitable[None]]


class OrderClaimed(Refused):
    """The order is paid, or another attempt of it is in flight: nothing was charged."""


class ApprovalNotReached(Refused):
    """The charge failed before any approval was asked for (a key-in card that failed
    authentication): answered with a non-zero ``code`` and ``response`` null, as i'mport does
    (docs/declines.md). ``payment`` is the failed attempt paymux recorded (findable by merchant_uid)."""

    def __init__(self, message: str, payment: Payment) -> None:
        super().__init__(message)
        self.payment = payment


NOT_LOADED = object()


async def check_prepared_amount(
    runtime: Runtime, merchant_id: int, merchant_uid: str, amount: int, prepared: object = NOT_LOADED
) -> None:
    """The ``/payments/prepare`` tamper guard: a prepared order may only be paid its prepared amount.

    Callers that already read the prepared amount with their other data pass it in.
    """
    if prepared is NOT_LOADED:
        async with runtime.database.reading() as connection:
            prepared = await order_store.prepared_amount(connection, merchant_id, merchant_uid)
    if prepared is not None and prepared != amount:
        raise Refused(
            f"사전 등록된 결제금액({prepared})과 요청 금액({amount})이 일치하지 않습니다 "
            f"(amount {amount} differs from the prepared amount {prepared} of order {merchant_uid})"
        )


async def record_attempt(
    runtime: Runtime,
    payment: Payment,
    connection: HotConnection | None = None,
    keeps_customer: dict | None = None,
    *,
    pg_reference: dict[str, str] | None = None,
    row_exists: bool = False,
) -> None:
    """Step 1: journal the attempt and claim its order. Raises OrderClaimed if the order is paid or
    in flight.

    ``connection``: an attempt connection the caller already holds (it read the charge's context
    on it), saving a pool checkout on the hot path. ``row_exists``: the payment row was recorded when
    a window opened; it is marked in flight in the claim's transaction (PaymentSettledMeanwhile if
    the window's payment changed meanwhile: a double submit or a close in another tab).
    """
    if row_exists:
        await hold_open_payment(runtime, payment, CHARGING, pg_reference)
        return
    try:
        if connection is not None:
            await claim_store.claim_order(connection, payment, runtime.now(), keeps_customer=keeps_customer,
                                          pg_reference=pg_reference)
            return
        async with runtime.database.recording_attempt() as own:
            await claim_store.claim_order(own, payment, runtime.now(), keeps_customer=keeps_customer,
                                          pg_reference=pg_reference)
    except IntegrityError:
        raise OrderClaimed(ALREADY_PAID.format(uid=payment.merchant_uid)) from None


class PaymentSettledMeanwhile(Exception):
    """The window's payment changed meanwhile (double submit, or closed in another tab)."""


async def hold_open_payment(
    runtime: Runtime,
    payment: Payment,
    claim_state: str = CHARGING,
    pg_reference: dict[str, str] | None = None,
    connection_work: Callable[[AsyncConnection], Awaitable[None]] | None = None,
) -> None:
    """Claim the order of a window's ``ready`` payment and mark it in flight, in one transaction.

    Raises OrderClaimed (nothing written) when the order is paid or in flight elsewhere, and
    PaymentSettledMeanwhile when this window's payment was settled meanwhile.
    """
    now = runtime.now()
    payment.outcome_pending = True
    payment.updated_at = now
    try:
        async with runtime.database.transaction() as connection:
            await claim_store.claim_order(connection, payment, now, state=claim_state, pg_reference=pg_reference)
            if not await payment_store.save_if_open(connection, payment):
                raise PaymentSettledMeanwhile
            if connection_work is not None:
                await connection_work(connection)
    except IntegrityError:
        payment.outcome_pending = False
        raise OrderClaimed(ALREADY_PAID.format(uid=payment.merchant_uid)) from None


def webhook_payload(payment: Payment, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "imp_uid": payment.imp_uid,
        "merchant_uid": payment.merchant_uid,
        "status": payment.status.value,
    }
    if payment.customer_uid:
        payload["customer_uid"] = payment.customer_uid
    payload.update(extra)
    return payload


async def enqueue_status_webhook(connection: AsyncConnection, payment: Payment, now: int, **extra: Any) -> None:
    await order_store.enqueue_webhook(
        connection,
        merchant_id=payment.merchant_id,
        payload=webhook_payload(payment, **extra),
        target_urls=payment.notice_url,
        now=now,
    )


async def record_outcome(
    runtime: Runtime,
    payment: Payment,
    result: ChargeResult,
    on_approved: OnApproved | None = None,
    *,
    payment_row_exists: bool = False,
) -> Payment:
    """Step 3: write the PG's answer atomically with its webhook; return the payment as stored."""
    now = runtime.now()
    if result.outcome is Outcome.UNKNOWN:
        if not payment_row_exists:
            payment.updated_at = now
            async with runtime.database.autocommit() as connection:
                await payment_store.insert_payment(connection, payment)
        return payment
    if result.outcome is Outcome.APPROVED:
        assert result.approval is not None
        payment.approve(result.approval, now)
        payment.receipt_url = receipt_url_for(runtime, payment, result.approval)
    else:
        payment.fail(result.reason, now, card_number=result.card_number, card=_declined_card(result))
    webhook = order_store.webhook_row(payment.merchant_id, webhook_payload(payment), payment.notice_url, now)
    hook = on_approved if payment.status is PaymentStatus.PAID else None
    single_statement = not (runtime.database.is_sqlite or payment_row_exists or hook)
    if single_statement:  # one hot statement (PostgreSQL): claim, payment and webhook written together
        async with runtime.database.hot_autocommit() as hot:
            settled = await claim_store.settle_new(hot, payment, webhook, now)
    else:
        async with runtime.database.transaction() as connection:
            settle = claim_store.settle_existing if payment_row_exists else claim_store.settle_new
            settled = await settle(connection, payment, webhook, now)
            if settled and hook is not None:
                await hook(connection, payment)
    if settled:
        return payment
    async with runtime.database.reading() as connection:  # settled meanwhile; that answer stands
        return await payment_store.get_payment(connection, payment.merchant_id, payment.imp_uid) or payment


def _declined_card(result: ChargeResult) -> DeclinedCard | None:
    """The card a decline names: a PG (the sandbox) may identify it in the result's ``approval``
    even though nothing was approved."""
    known = result.approval
    if known is None:
        return None
    return DeclinedCard(known.card_number, known.card_code, known.card_name, known.card_type)


async def call_pg(
    runtime: Runtime, call: Callable[[], Awaitable[ChargeResult]], about: PgCallSubject | None = None
) -> ChargeResult:
    """Step 2: the PG call. A timeout or a broken connector means 'unknown', never 'declined'."""
    return await guarded(runtime, call, unknown=ChargeResult.unknown, declined=ChargeResult.declined, about=about)


async def start_charge(
    runtime: Runtime,
    payment: Payment,
    prepared_amount: object = NOT_LOADED,
    connection: HotConnection | None = None,
    keeps_customer: dict | None = None,
) -> None:
    """Steps before the PG: the prepare guard and the journaled claim."""
    payment.outcome_pending = True
    await check_prepared_amount(runtime, payment.merchant_id, payment.merchant_uid, payment.amount, prepared_amount)
    await record_attempt(runtime, payment, connection, keeps_customer)


async def finish_charge(
    runtime: Runtime,
    payment: Payment,
    call: Callable[[], Awaitable[ChargeResult]],
    on_approved: OnApproved | None = None,
    operation: str = "charge",
) -> Payment:
    """Call the PG and record its answer; return the payment. ``operation`` names the connector call
    in logs and metrics (``charge_billing_key``, ``charge_card``).

    i'mport's answers (docs/declines.md): a decline is an answer, not an error — the failed payment
    comes back (``code`` 0) with its ``fail_reason``, so code written from i'mport's subscription
    guide (``code === 0`` → branch on ``response.status``) takes its ``failed`` branch. Raises
    ApprovalNotReached (``code`` -1, ``response`` null) when the card failed authentication before
    any approval, and Refused with the pending payment when the PG's answer was lost.
    """
    result = await call_pg(runtime, call, PgCallSubject(payment.pg_provider, operation, payment.merchant_id, payment.imp_uid))
    payment = await record_outcome(runtime, payment, result, on_approved)
    return answer_of(payment)


def answer_of(payment: Payment) -> Payment:
    """The recorded charge as i'mport answers it: returned when its approval was answered (paid or
    declined); raised as a non-zero ``code`` when it never was (docs/declines.md)."""
    if payment.status is PaymentStatus.FAILED and not reached_approval(payment.fail_reason):
        raise ApprovalNotReached(payment.fail_reason or "결제에 실패하였습니다", payment)
    if payment.status is PaymentStatus.READY:
        raise Refused(PENDING_MESSAGE, response=payment)
    return payment


async def charge(
    runtime: Runtime,
    payment: Payment,
    call: Callable[[], Awaitable[ChargeResult]],
    on_approved: OnApproved | None = None,
    keeps_customer: dict | None = None,
    operation: str = "charge",
) -> Payment:
    """Run one charge through the three steps and return the recorded payment."""
    await start_charge(runtime, payment, keeps_customer=keeps_customer)
    return await finish_charge(runtime, payment, call, on_approved, operation)

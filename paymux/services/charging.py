"""The write-ahead charge, shared by every path that takes money (again, onetime, schedules, window).

1. Record the attempt as ``ready`` with ``claims_order`` set, in its own transaction. The partial
   unique index lets only one claim per order exist, so a retried or concurrent request for the same
   ``merchant_uid`` is refused here, before any PG is called.
2. Call the PG outside any transaction.
3. Record the outcome (paid, failed, or still pending when the PG's answer was lost) and its webhook
   in one transaction.

A crash between 1 and 3 leaves a pending attempt that ``reconcile`` settles by asking the PG.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import ChargeResult, Outcome
from paymux.domain import ids
from paymux.domain.errors import Refused
from paymux.domain.payment import Payment, PaymentStatus
from paymux.services.runtime import Runtime
from paymux.store import orders as order_store
from paymux.store import payments as payment_store

log = logging.getLogger("paymux.charging")

ALREADY_PAID = "이미 결제가 완료되었거나 진행 중인 주문번호(merchant_uid)입니다 (order {uid} is already paid or being paid)"
PENDING_MESSAGE = (
    "PG사 응답을 확인하고 있습니다. 결과는 웹훅으로 알려드립니다 "
    "(the PG's answer was lost; paymux is confirming the outcome with the PG and will send a webhook)"
)

OnApproved = Callable[[AsyncConnection, Payment], Awaitable[None]]


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


async def record_attempt(runtime: Runtime, payment: Payment) -> None:
    """Step 1: write the attempt and claim its order. Refused if the order is paid or in flight."""
    for _ in range(3):
        try:
            async with runtime.database.recording_attempt() as connection:
                await payment_store.insert_payment(connection, payment)
            return
        except IntegrityError as error:
            if "order_claim" in str(error.orig) or "merchant_uid" in str(error.orig):
                raise Refused(ALREADY_PAID.format(uid=payment.merchant_uid)) from None
            payment.imp_uid = ids.new_imp_uid()  # an imp_uid collision: draw again
    raise Refused("could not allocate a payment id; try again")


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
    runtime: Runtime, payment: Payment, result: ChargeResult, on_approved: OnApproved | None = None
) -> Payment:
    """Step 3: apply the PG's answer atomically with its webhook."""
    now = runtime.now()
    if result.outcome is Outcome.APPROVED:
        assert result.approval is not None
        payment.approve(result.approval, now)
    elif result.outcome is Outcome.DECLINED:
        payment.fail(result.reason, now, card_number=result.card_number)
    else:
        payment.updated_at = now
    webhook = None
    if payment.status is not PaymentStatus.READY:
        webhook = order_store.webhook_row(payment.merchant_id, webhook_payload(payment), payment.notice_url, now)
    needs_transaction = runtime.database.is_sqlite or (on_approved is not None and payment.status is PaymentStatus.PAID)
    opened = runtime.database.transaction() if needs_transaction else runtime.database.autocommit()
    async with opened as connection:
        settled = await payment_store.settle_payment(connection, payment, webhook)
        if settled and on_approved is not None and payment.status is PaymentStatus.PAID:
            await on_approved(connection, payment)
    if settled:
        return payment
    async with runtime.database.reading() as connection:  # the reconciler settled it meanwhile
        return await payment_store.get_payment(connection, payment.merchant_id, payment.imp_uid) or payment


async def call_pg(runtime: Runtime, call: Callable[[], Awaitable[ChargeResult]]) -> ChargeResult:
    """Step 2: the PG call. A timeout or a broken connector means 'unknown', never 'declined'."""
    try:
        return await asyncio.wait_for(call(), runtime.settings.connector_timeout_seconds)
    except TimeoutError:
        return ChargeResult.unknown("PG call timed out")
    except Refused as refusal:
        return ChargeResult.declined(refusal.message)
    except Exception:  # a connector bug must not lose the attempt; the reconciler will ask the PG
        log.exception("connector failed during a charge; outcome left pending")
        return ChargeResult.unknown("PG call failed")


async def charge(
    runtime: Runtime,
    payment: Payment,
    call: Callable[[], Awaitable[ChargeResult]],
    on_approved: OnApproved | None = None,
    prepared_amount: object = NOT_LOADED,
) -> Payment:
    """Run one charge through the three steps and return the recorded payment.

    Raises Refused carrying the payment when it was declined or its outcome is still pending, so the
    API answers with a non-zero code and the recorded payment, as i'mport does.
    """
    payment.claims_order = True
    payment.outcome_pending = True
    await check_prepared_amount(runtime, payment.merchant_id, payment.merchant_uid, payment.amount, prepared_amount)
    await record_attempt(runtime, payment)
    result = await call_pg(runtime, call)
    payment = await record_outcome(runtime, payment, result, on_approved)
    if payment.status is PaymentStatus.FAILED:
        raise Refused(payment.fail_reason or "결제에 실패하였습니다", response=payment)
    if payment.status is PaymentStatus.READY:
        raise Refused(PENDING_MESSAGE, response=payment)
    return payment

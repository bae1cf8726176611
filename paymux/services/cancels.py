"""Cancelling a paid payment through the journaled PG-call path (see ``services.pg_calls``).

1. **Reserve**: in one short transaction the payment row is locked, the request is checked against
   the balance *less what cancels already sent to the PG hold*, and a pending cancellation is written.
   The lock is released before the PG is called, so a slow PG holds no row and no connection.
2. **Call** the PG with the cancel and the balance it must be left with (the PG's checksum).
3. **Settle**: done → the cancellation, the payment's new balance and the webhook in one transaction;
   refused → the reservation is dropped and the PG's reason returned; unknown → the reservation
   stays, and ``settle_pending_cancellations`` asks the PG later.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import CancelOrder, CancelResult, ChannelContext, Connector, Outcome
from paymux.domain import ids, messages
from paymux.domain.card import BANKS
from paymux.domain.errors import InvalidParameter, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.payment import Cancellation, Payment, PaymentStatus
from paymux.observability.logs import get_logger
from paymux.observability.pg import PgCallSubject
from paymux.services import channels as channel_service
from paymux.services.charging import enqueue_status_webhook
from paymux.services.pg_calls import guarded
from paymux.services.runtime import Runtime
from paymux.store import merchants as merchant_store
from paymux.store import payments as payment_store

log = get_logger("paymux.cancels")

NO_PAYMENT_TO_CANCEL = messages.NO_PAYMENT_TO_CANCEL  # compared word for word by clients (docs/messages.md)
CANCEL_PENDING = (
    "PG사의 취소 응답을 확인하고 있습니다. 결과는 웹훅과 결제조회로 알려드립니다 "
    "(the PG's answer to the cancel was lost; paymux is confirming it with the PG — the payment shows the "
    "cancel once confirmed)"
)


@dataclass(frozen=True)
class CancelRequest:
    """``POST /payments/cancel``: amounts in KRW; ``amount`` None = the whole balance; ``tax_free``
    None = none, or all that is left when the cancel empties the balance (``Payment.cancel_tax_free``)."""

    imp_uid: str | None
    merchant_uid: str | None
    amount: int | None
    tax_free: int | None
    checksum: int | None
    reason: str
    refund_holder: str | None = None
    refund_bank: str | None = None
    refund_account: str | None = None


@dataclass(frozen=True)
class _Reservation:
    payment: Payment
    cancellation: Cancellation
    order: CancelOrder
    connector: Connector
    context: ChannelContext


async def cancel_payment(runtime: Runtime, merchant: Merchant, request: CancelRequest) -> Payment:
    """Cancel all or part of a paid payment; return the payment with the cancel recorded.

    Raises Refused (code 1 when there is no such payment; code -1 with the PG's reason when it
    refused, or while its answer is being confirmed) or InvalidParameter.
    """
    reservation = await _reserve(runtime, merchant, request)
    result = await guarded(
        runtime, lambda: reservation.connector.cancel(reservation.context, reservation.order),
        unknown=CancelResult.unknown, declined=CancelResult.refused,
        about=PgCallSubject.of(reservation.connector, "cancel", reservation.payment),
    )
    return await _settle(runtime, reservation, result)


async def _reserve(runtime: Runtime, merchant: Merchant, request: CancelRequest) -> _Reservation:
    now = runtime.now()
    async with runtime.database.transaction() as connection:
        payment = await _locked_payment(connection, merchant.id, request)
        reserved = await payment_store.reserved_cancel_amount(connection, payment.imp_uid)
        reserved_tax_free = await payment_store.reserved_cancel_tax_free(connection, payment.imp_uid)
        amount = payment.plan_cancel(request.amount, request.tax_free or 0, request.checksum, reserved, reserved_tax_free)
        tax_free = payment.cancel_tax_free(amount, request.tax_free, reserved, reserved_tax_free)
        if payment.pay_method == "vbank":
            _check_refund_account(request)
        channel = (
            await merchant_store.channel_by_id(connection, merchant.id, payment.channel_id)
            if payment.channel_id else None
        )
        if channel is None:
            raise Refused(f"the PG channel of payment {payment.imp_uid} was removed; cancel it at the PG")
        cancellation = Cancellation(
            cancellation_id=ids.new_cancellation_id(), imp_uid=payment.imp_uid, pg_tid="", amount=amount,
            tax_free=tax_free, reason=request.reason, cancelled_at=now,
            refund_holder=request.refund_holder, refund_bank=request.refund_bank, refund_account=request.refund_account,
        )
        await payment_store.insert_cancellation(connection, cancellation, pending=True)
    order = cancel_order(payment, cancellation, reserved, now)
    context = channel_service.channel_context(runtime, channel)
    return _Reservation(payment, cancellation, order, runtime.connectors.for_channel(channel), context)


def cancel_order(payment: Payment, cancellation: Cancellation, reserved_before: int, now: int) -> CancelOrder:
    """The cancel as the PG sees it, with the balance it must leave (the PG's checksum)."""
    return CancelOrder(
        cancellation_id=cancellation.cancellation_id, payment=payment, amount=cancellation.amount,
        tax_free=cancellation.tax_free, reason=cancellation.reason,
        remaining_after=payment.cancellable_amount - reserved_before - cancellation.amount, now=now,
        refund_holder=cancellation.refund_holder, refund_bank=cancellation.refund_bank,
        refund_account=cancellation.refund_account,
    )


async def _locked_payment(connection: AsyncConnection, merchant_id: int, request: CancelRequest) -> Payment:
    if request.imp_uid:
        payment = await payment_store.get_payment(connection, merchant_id, request.imp_uid, for_update=True)
    else:
        assert request.merchant_uid is not None
        payment = await payment_store.find_latest(
            connection, merchant_id, request.merchant_uid, PaymentStatus.PAID, for_update=True
        ) or await payment_store.find_latest(connection, merchant_id, request.merchant_uid, for_update=True)
    if payment is None:
        raise Refused(NO_PAYMENT_TO_CANCEL, code=1)
    return payment


async def _settle(runtime: Runtime, reservation: _Reservation, result: CancelResult) -> Payment:
    if result.outcome is Outcome.UNKNOWN:
        log.warning("cancel.answer_lost", cancellation_id=reservation.cancellation.cancellation_id,
                    imp_uid=reservation.payment.imp_uid, action="left to the reconciler")
        raise Refused(CANCEL_PENDING)
    settled = await settle_cancellation(runtime, reservation.payment.merchant_id, reservation.cancellation, result)
    if result.outcome is Outcome.DECLINED:
        raise Refused(result.reason or "PG사에서 취소를 거절하였습니다 (the PG refused the cancel)")
    assert settled is not None
    return settled


async def settle_cancellation(
    runtime: Runtime, merchant_id: int, cancellation: Cancellation, result: CancelResult
) -> Payment | None:
    """Write the PG's answer to a pending cancellation: done → cancellation, balance and webhook in
    one transaction; refused → the reservation is dropped. Returns the payment (None if refused or
    the payment is gone). Nothing is written twice: a cancellation already settled stays as it is."""
    now = runtime.now()
    async with runtime.database.transaction() as connection:
        if result.outcome is Outcome.DECLINED:
            await payment_store.drop_cancellation(connection, cancellation.cancellation_id)
            return None
        payment = await payment_store.get_payment(connection, merchant_id, cancellation.imp_uid, for_update=True)
        if payment is None:
            return None
        done = Cancellation(
            cancellation_id=cancellation.cancellation_id, imp_uid=cancellation.imp_uid, pg_tid=result.pg_tid,
            amount=cancellation.amount, tax_free=cancellation.tax_free, reason=cancellation.reason,
            cancelled_at=now, receipt_url=result.receipt_url, refund_holder=cancellation.refund_holder,
            refund_bank=cancellation.refund_bank, refund_account=cancellation.refund_account,
        )
        if not await payment_store.complete_cancellation(connection, done):
            return payment
        payment.record_cancellation(done)
        await payment_store.save_payment(connection, payment)
        await enqueue_status_webhook(connection, payment, now, cancellation_id=done.cancellation_id)
    return payment


async def settle_pending_cancellations(runtime: Runtime, *, batch: int = 50) -> int:
    """Ask the PG about every cancel whose answer was lost longer than the grace period ago;
    record what it says. Returns how many got settled."""
    cutoff = runtime.now() - runtime.settings.pending_outcome_grace_seconds
    async with runtime.database.reading() as connection:
        pending = await payment_store.pending_cancellations(connection, cutoff, batch)
    settled = 0
    for item in pending:
        found = await _inquiry_target(runtime, item.merchant_id, item.cancellation)
        if found is None:
            continue
        connector, context, order = found
        result = await guarded(
            runtime, lambda: connector.inquire_cancel(context, order),  # noqa: B023 - awaited in this iteration
            unknown=CancelResult.unknown, declined=CancelResult.refused,
            about=PgCallSubject.of(connector, "inquire_cancel", merchant_id=item.merchant_id,
                                   imp_uid=item.cancellation.imp_uid),
        )
        if result.outcome is Outcome.UNKNOWN:
            continue
        await settle_cancellation(runtime, item.merchant_id, item.cancellation, result)
        settled += 1
        log.info("reconcile.cancel_settled", cancellation_id=item.cancellation.cancellation_id, outcome=result.outcome.value)
    return settled


async def _inquiry_target(
    runtime: Runtime, merchant_id: int, cancellation: Cancellation
) -> tuple[Connector, ChannelContext, CancelOrder] | None:
    async with runtime.database.reading() as connection:
        payment = await payment_store.get_payment(connection, merchant_id, cancellation.imp_uid)
        channel = (
            await merchant_store.channel_by_id(connection, merchant_id, payment.channel_id)
            if payment is not None and payment.channel_id else None
        )
        reserved = await payment_store.reserved_cancel_amount(connection, cancellation.imp_uid)
    if payment is None or channel is None:
        return None
    order = cancel_order(payment, cancellation, reserved - cancellation.amount, cancellation.cancelled_at)
    return runtime.connectors.for_channel(channel), channel_service.channel_context(runtime, channel), order


def _check_refund_account(request: CancelRequest) -> None:
    """A virtual-account payment is refunded by transfer, so the buyer's account is required."""
    for name in ("refund_holder", "refund_bank", "refund_account"):
        if not getattr(request, name):
            raise InvalidParameter(name, "is required to refund a virtual-account payment (가상계좌 환불정보 필수)")
    if request.refund_bank not in BANKS:
        raise InvalidParameter("refund_bank", "must be a KFTC bank code such as 004, 088, 020")

"""Looking payments up, cancelling them, and the prepare tamper guard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from paymux.domain import ids
from paymux.domain.card import BANKS
from paymux.domain.errors import InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.payment import Cancellation, Payment, PaymentStatus
from paymux.services import channels as channel_service
from paymux.services.charging import enqueue_status_webhook
from paymux.services.runtime import Runtime
from paymux.store import merchants as merchant_store
from paymux.store import orders as order_store
from paymux.store import payments as payment_store
from paymux.store.payments import Page

NO_PAYMENT_TO_CANCEL = "취소할 결제건이 존재하지 않습니다. (no payment to cancel)"


@dataclass(frozen=True)
class CancelRequest:
    imp_uid: str | None
    merchant_uid: str | None
    amount: int | None
    tax_free: int
    checksum: int | None
    reason: str
    refund_holder: str | None = None
    refund_bank: str | None = None
    refund_account: str | None = None


async def get_payment(runtime: Runtime, merchant: Merchant, imp_uid: str) -> Payment:
    async with runtime.database.reading() as connection:
        payment = await payment_store.get_payment(connection, merchant.id, imp_uid)
    if payment is None:
        raise NotFound(f"imp_uid '{imp_uid}' does not exist (존재하지 않는 결제정보입니다)")
    return payment


async def get_payments(runtime: Runtime, merchant: Merchant, imp_uids: list[str]) -> list[Payment]:
    async with runtime.database.reading() as connection:
        return await payment_store.get_payments(connection, merchant.id, imp_uids)


async def find_payment(
    runtime: Runtime, merchant: Merchant, merchant_uid: str, status: PaymentStatus | None, sorting: str
) -> Payment:
    async with runtime.database.reading() as connection:
        payment = await payment_store.find_latest(connection, merchant.id, merchant_uid, status, sorting)
    if payment is None:
        raise NotFound(f"merchant_uid '{merchant_uid}' has no payment (존재하지 않는 결제정보입니다)")
    return payment


async def find_all_payments(
    runtime: Runtime, merchant: Merchant, merchant_uid: str, status: PaymentStatus | None, sorting: str, page: int, limit: int
) -> Page:
    async with runtime.database.reading() as connection:
        found = await payment_store.find_all(connection, merchant.id, merchant_uid, status, sorting, page, limit)
    if found.total == 0:
        raise NotFound(f"merchant_uid '{merchant_uid}' has no payment (존재하지 않는 결제정보입니다)")
    return found


async def list_payments(
    runtime: Runtime,
    merchant: Merchant,
    status: PaymentStatus | None,
    time_from: int,
    time_to: int,
    sorting: str,
    page: int,
    limit: int,
) -> Page:
    async with runtime.database.reading() as connection:
        return await payment_store.list_by_status(
            connection, merchant.id, status, time_from, time_to, sorting, page, limit
        )


async def cancel_payment(runtime: Runtime, merchant: Merchant, request: CancelRequest) -> Payment:
    """Cancel all or part of a paid payment, as one transaction with its cancellation and webhook.

    The payment row stays locked while the PG is asked, so two concurrent cancels cannot both pass
    the balance check. (For live PGs this becomes a reserved cancellation settled in a second
    transaction, as charges are; the sandbox answers in-process.)
    """
    async with runtime.database.transaction() as connection:
        if request.imp_uid:
            payment = await payment_store.get_payment(connection, merchant.id, request.imp_uid, for_update=True)
        else:
            assert request.merchant_uid is not None
            payment = await payment_store.find_latest(
                connection, merchant.id, request.merchant_uid, PaymentStatus.PAID, for_update=True
            ) or await payment_store.find_latest(connection, merchant.id, request.merchant_uid, for_update=True)
        if payment is None:
            raise Refused(NO_PAYMENT_TO_CANCEL, code=1)
        amount = payment.plan_cancel(request.amount, request.tax_free, request.checksum)
        if payment.pay_method == "vbank":
            _check_refund_account(request)
        channel = (
            await merchant_store.channel_by_id(connection, merchant.id, payment.channel_id)
            if payment.channel_id
            else None
        )
        if channel is None:
            raise Refused(f"the PG channel of payment {payment.imp_uid} was removed; cancel it at the PG")
        connector = runtime.connectors.for_channel(channel)
        context = channel_service.channel_context(runtime, channel)
        now = runtime.now()
        result = await connector.cancel(context, payment, amount, request.tax_free, request.reason, now)
        cancellation = Cancellation(
            cancellation_id=ids.new_cancellation_id(),
            imp_uid=payment.imp_uid,
            pg_tid=result.pg_tid,
            amount=amount,
            tax_free=request.tax_free,
            reason=request.reason,
            cancelled_at=now,
            receipt_url=result.receipt_url,
            refund_holder=request.refund_holder,
            refund_bank=request.refund_bank,
            refund_account=request.refund_account,
        )
        payment.record_cancellation(cancellation)
        await payment_store.insert_cancellation(connection, cancellation)
        await payment_store.save_payment(connection, payment)
        await enqueue_status_webhook(connection, payment, now, cancellation_id=cancellation.cancellation_id)
    return payment


def _check_refund_account(request: CancelRequest) -> None:
    """A virtual-account payment is refunded by transfer, so the buyer's account is required."""
    for name in ("refund_holder", "refund_bank", "refund_account"):
        if not getattr(request, name):
            raise InvalidParameter(name, "is required to refund a virtual-account payment (가상계좌 환불정보 필수)")
    if request.refund_bank not in BANKS:
        raise InvalidParameter("refund_bank", "must be a KFTC bank code such as 004, 088, 020")


async def prepare(runtime: Runtime, merchant: Merchant, merchant_uid: str, amount: int) -> None:
    try:
        async with runtime.database.transaction() as connection:
            await order_store.insert_prepared(connection, merchant.id, merchant_uid, amount, runtime.now())
    except IntegrityError:
        raise Refused(
            f"merchant_uid '{merchant_uid}' is already prepared; change it with PUT /payments/prepare "
            "(이미 사전등록된 merchant_uid입니다)"
        ) from None


async def update_prepared(runtime: Runtime, merchant: Merchant, merchant_uid: str, amount: int) -> None:
    async with runtime.database.transaction() as connection:
        if not await order_store.update_prepared(connection, merchant.id, merchant_uid, amount, runtime.now()):
            raise NotFound(f"merchant_uid '{merchant_uid}' was not prepared (사전등록되지 않은 merchant_uid입니다)")


async def get_prepared(runtime: Runtime, merchant: Merchant, merchant_uid: str) -> int:
    async with runtime.database.reading() as connection:
        amount = await order_store.prepared_amount(connection, merchant.id, merchant_uid)
    if amount is None:
        raise NotFound(f"merchant_uid '{merchant_uid}' was not prepared (사전등록되지 않은 merchant_uid입니다)")
    return amount

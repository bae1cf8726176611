"""Cash receipts (``/receipts/{imp_uid}``, ``/receipts/external/{merchant_uid}``): issue, look up,
cancel. Issued by the sandbox for test channels; a live PG's cash-receipt API is not connected, so
a payment of a live channel is refused before anything is recorded.

Rules (PortOne V1 docs, "현금영수증 단건발급/외부발급/발급취소 API"): a payment's receipt is for a paid
transfer or virtual-account payment, for its cancellable balance; a second receipt while one is
active is refused (HTTP 400); cancelling what was never issued is refused (HTTP 400).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from paymux.connectors import sandbox_desk
from paymux.domain.cash_receipt import (
    CASH_PAY_METHODS,
    CashReceipt,
    Identifier,
    ReceiptKind,
    ReceiptRefused,
    receipt_type,
)
from paymux.domain.channel import Channel, ChannelMode
from paymux.domain.errors import InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.money import split_tax
from paymux.domain.payment import Payment, PaymentStatus
from paymux.services import channels as channel_service
from paymux.services.runtime import Runtime
from paymux.store import merchants as merchant_store
from paymux.store import payments as payment_store
from paymux.store import receipts as receipt_store

NO_PAYMENT = "존재하지 않는 결제정보입니다. (imp_uid '{uid}' does not exist)"
ALREADY_ISSUED = "이미 현금영수증이 발급된 거래입니다. (a cash receipt is already issued for '{uid}'; cancel it first)"
NEVER_ISSUED = "현금영수증 발급 이력이 없습니다. (no cash receipt was issued for '{uid}')"
LIVE_PG = ("{pg} 실연동 채널의 현금영수증 발급은 paymux가 지원하지 않습니다. "
           "(paymux issues cash receipts in the sandbox only; issue it in the PG's own console)")


@dataclass(frozen=True)
class ReceiptRequest:
    """The body of POST /receipts/{imp_uid} (and the common part of an external receipt)."""

    identifier: str | None
    identifier_type: str | None = None
    type: str | None = None
    tax_free: int | None = None
    buyer_name: str | None = None
    buyer_email: str | None = None
    buyer_tel: str | None = None


@dataclass(frozen=True)
class ExternalReceiptRequest(ReceiptRequest):
    name: str | None = None
    amount: int = 0
    pg: str | None = None


def is_sandbox(channel: Channel | None) -> bool:
    return channel is not None and channel.mode is not ChannelMode.LIVE and not channel.endpoint


def _receipt_url(runtime: Runtime, token: str) -> str:
    return f"{runtime.settings.public_url}/checkout/cash-receipts/{token}"


def receipt_url(runtime: Runtime, receipt: CashReceipt) -> str:
    return _receipt_url(runtime, receipt.receipt_token)


async def _payment_and_channel(runtime: Runtime, merchant: Merchant, imp_uid: str) -> tuple[Payment, Channel | None]:
    async with runtime.database.reading() as connection:
        payment = await payment_store.get_payment(connection, merchant.id, imp_uid)
        if payment is None:
            raise NotFound(NO_PAYMENT.format(uid=imp_uid))
        channel = (
            await merchant_store.channel_by_id(connection, merchant.id, payment.channel_id)
            if payment.channel_id is not None else None
        )
    return payment, channel


def _amounts(amount: int, tax_free: int | None, default_tax_free: int) -> tuple[int, int]:
    """(tax_free, vat) of a receipt of ``amount`` KRW; VAT is a tenth of the taxable part's gross."""
    if tax_free is not None and tax_free > amount:
        raise InvalidParameter("tax_free", f"must not exceed the receipt's amount {amount}")
    return split_tax(amount, tax_free if tax_free is not None else min(default_tax_free, amount))


def _new_receipt(merchant: Merchant, kind: ReceiptKind, subject: str, channel: Channel, request: ReceiptRequest,
                 amount: int, default_tax_free: int, now: int, **ids: str | None) -> CashReceipt:
    identifier = Identifier.parse(request.identifier, request.identifier_type)
    kind_of_receipt = receipt_type(request.type)
    tax_free, vat = _amounts(amount, request.tax_free, default_tax_free)
    issued = sandbox_desk.issue_cash_receipt(now)
    return CashReceipt(
        merchant_id=merchant.id, kind=kind, subject=subject, imp_uid=ids.get("imp_uid"),
        merchant_uid=ids.get("merchant_uid"), channel_id=channel.id, pg_provider=channel.pg_provider,
        receipt_tid=issued.receipt_tid, apply_num=issued.apply_num, type=kind_of_receipt, identifier=identifier,
        name=ids.get("name"), amount=amount, vat=vat, tax_free=tax_free, buyer_name=request.buyer_name,
        buyer_email=request.buyer_email, buyer_tel=request.buyer_tel, receipt_token=secrets.token_urlsafe(24),
        applied_at=now,
    )


async def _store_issued(runtime: Runtime, receipt: CashReceipt) -> CashReceipt:
    """Record a new receipt, or issue into a cancelled one's row; a receipt issued meanwhile wins."""
    try:
        async with runtime.database.transaction() as connection:
            existing = await receipt_store.get_receipt(connection, receipt.merchant_id, receipt.kind, receipt.subject)
            if existing is None:
                await receipt_store.insert_receipt(connection, receipt)
            elif existing.active or not await receipt_store.reissue_receipt(connection, receipt):
                raise ReceiptRefused(ALREADY_ISSUED.format(uid=receipt.subject))
            if receipt.imp_uid is not None:
                await receipt_store.mark_payment(connection, receipt.merchant_id, receipt.imp_uid, True, receipt.applied_at)
    except IntegrityError:
        raise ReceiptRefused(ALREADY_ISSUED.format(uid=receipt.subject)) from None
    return receipt


async def issue_for_payment(runtime: Runtime, merchant: Merchant, imp_uid: str, request: ReceiptRequest) -> CashReceipt:
    """POST /receipts/{imp_uid}: a receipt for the payment's cancellable balance (KRW).
    Raises NotFound (no such payment), ReceiptRefused (HTTP 400: not cash, not paid, already
    issued), Refused (a live channel), InvalidParameter."""
    payment, channel = await _payment_and_channel(runtime, merchant, imp_uid)
    if payment.pay_method not in CASH_PAY_METHODS:
        raise ReceiptRefused(f"현금영수증 발급 대상 결제수단이 아닙니다. (pay_method '{payment.pay_method}' is not cash: "
                             "cash receipts are for trans and vbank payments)")
    if payment.status is not PaymentStatus.PAID:
        raise ReceiptRefused(f"결제완료된 거래가 아닙니다. (payment {imp_uid} is {payment.status.value}, not paid)")
    if not is_sandbox(channel):
        raise Refused(LIVE_PG.format(pg=payment.pg_provider))
    assert channel is not None
    receipt = _new_receipt(
        merchant, ReceiptKind.PAYMENT, imp_uid, channel, request, payment.cancellable_amount,
        max(payment.cancellable_tax_free, 0), runtime.now(), imp_uid=imp_uid, merchant_uid=payment.merchant_uid,
        name=payment.name,
    )
    return await _store_issued(runtime, receipt)


async def issue_external(runtime: Runtime, merchant: Merchant, merchant_uid: str, request: ExternalReceiptRequest) -> CashReceipt:
    """POST /receipts/external/{merchant_uid}: a receipt for a cash sale made outside paymux, on
    the channel ``pg`` names (the default channel when absent)."""
    if not request.name:
        raise InvalidParameter("name", "is required (the order name printed on the receipt)")
    if request.amount <= 0:
        raise InvalidParameter("amount", "must be greater than 0")
    channel = await channel_service.resolve(runtime, merchant.id, request.pg)
    if not is_sandbox(channel):
        raise Refused(LIVE_PG.format(pg=channel.pg_provider))
    receipt = _new_receipt(
        merchant, ReceiptKind.EXTERNAL, merchant_uid, channel, request, request.amount, 0, runtime.now(),
        merchant_uid=merchant_uid, name=request.name,
    )
    return await _store_issued(runtime, receipt)


async def get_receipt(runtime: Runtime, merchant: Merchant, kind: ReceiptKind, subject: str) -> CashReceipt:
    """GET: the receipt, active or cancelled. Raises NotFound when none was ever issued."""
    async with runtime.database.reading() as connection:
        receipt = await receipt_store.get_receipt(connection, merchant.id, kind, subject)
    if receipt is None:
        raise NotFound(NEVER_ISSUED.format(uid=subject))
    return receipt


async def cancel_receipt(runtime: Runtime, merchant: Merchant, kind: ReceiptKind, subject: str) -> CashReceipt:
    """DELETE: cancel the active receipt. Raises NotFound for an unknown payment, ReceiptRefused
    (HTTP 400) when nothing is issued or it is cancelled already."""
    if kind is ReceiptKind.PAYMENT:
        await _payment_and_channel(runtime, merchant, subject)
    now = runtime.now()
    async with runtime.database.transaction() as connection:
        receipt = await receipt_store.get_receipt(connection, merchant.id, kind, subject)
        if receipt is None:
            raise ReceiptRefused(NEVER_ISSUED.format(uid=subject))
        receipt.cancel(now)
        if not await receipt_store.cancel_receipt(connection, receipt):
            raise ReceiptRefused("이미 취소된 현금영수증입니다. (the cash receipt is already cancelled)")
        if receipt.imp_uid is not None:
            await receipt_store.mark_payment(connection, merchant.id, receipt.imp_uid, False, now)
    return receipt


async def receipt_page(runtime: Runtime, token: str) -> CashReceipt:
    """The printable receipt behind a ``receipt_url``. Raises NotFound for an unknown token."""
    async with runtime.database.reading() as connection:
        receipt = await receipt_store.receipt_by_token(connection, token)
    if receipt is None:
        raise NotFound("no such cash receipt (존재하지 않는 현금영수증입니다)")
    return receipt

"""Escrow shipping (``/escrows/logis/{imp_uid}``): register or change the shipment of a paid escrow
payment. Registered in the sandbox for test channels; a live PG's escrow API is not connected.

Refusals as i'mport documents them (PortOne V1 docs "배송정보 단건등록 API"): no such payment 404,
already registered 409, a payment that is not escrow or not paid 400, missing fields 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from paymux.domain.errors import Conflict, InvalidParameter, NotFound, PaymuxError, Refused
from paymux.domain.escrow import Shipping, check_people
from paymux.domain.merchant import Merchant
from paymux.domain.payment import PaymentStatus
from paymux.services import receipts
from paymux.services.runtime import Runtime
from paymux.store import escrows as escrow_store
from paymux.store import merchants as merchant_store
from paymux.store import payments as payment_store


class EscrowRefused(PaymuxError):
    """Not an escrow payment, or not paid (HTTP 400)."""


@dataclass(frozen=True)
class ShippingRequest:
    company: str | None
    invoice: str | None
    sent_at: int | None
    receiving_at: str | None = None
    address: str | None = None
    sender: dict[str, Any] | None = None
    receiver: dict[str, Any] | None = None


def _shipping(merchant: Merchant, imp_uid: str, pg_provider: str, request: ShippingRequest, now: int) -> Shipping:
    if not request.company:
        raise InvalidParameter("logis.company", "is required (the courier's code)")
    if not request.invoice:
        raise InvalidParameter("logis.invoice", "is required (the waybill number)")
    if request.sent_at is None:
        raise InvalidParameter("logis.sent_at", "is required (unix seconds the parcel was sent)")
    sender, receiver = request.sender or {}, request.receiver or {}
    check_people(pg_provider, sender, receiver)
    return Shipping(
        merchant_id=merchant.id, imp_uid=imp_uid, company=request.company, invoice=request.invoice,
        sent_at=request.sent_at, receiving_at=request.receiving_at, address=request.address, sender=sender,
        receiver=receiver, applied_at=now, updated_at=now,
    )


async def _escrow_payment(runtime: Runtime, merchant: Merchant, imp_uid: str) -> str:
    async with runtime.database.reading() as connection:
        payment = await payment_store.get_payment(connection, merchant.id, imp_uid)
        if payment is None:
            raise NotFound(receipts.NO_PAYMENT.format(uid=imp_uid))
        channel = (
            await merchant_store.channel_by_id(connection, merchant.id, payment.channel_id)
            if payment.channel_id is not None else None
        )
    if not payment.escrow:
        raise EscrowRefused(f"에스크로 결제건이 아닙니다. (payment {imp_uid} was not paid with escrow)")
    if payment.status is not PaymentStatus.PAID:
        raise EscrowRefused(f"결제완료된 거래가 아닙니다. (payment {imp_uid} is {payment.status.value}, not paid)")
    if not receipts.is_sandbox(channel):
        raise Refused(f"{payment.pg_provider} 실연동 채널의 에스크로 배송등록은 paymux가 지원하지 않습니다. "
                      "(register the shipment in the PG's own console)")
    return payment.pg_provider


async def register(runtime: Runtime, merchant: Merchant, imp_uid: str, request: ShippingRequest) -> Shipping:
    """POST: the first registration. Raises Conflict (409) when one exists."""
    pg_provider = await _escrow_payment(runtime, merchant, imp_uid)
    shipping = _shipping(merchant, imp_uid, pg_provider, request, runtime.now())
    try:
        async with runtime.database.transaction() as connection:
            await escrow_store.insert_shipping(connection, shipping)
    except IntegrityError:
        raise Conflict(f"이미 배송정보가 등록된 거래입니다. (shipping of {imp_uid} is registered; change it with PUT)") from None
    return shipping


async def change(runtime: Runtime, merchant: Merchant, imp_uid: str, request: ShippingRequest) -> Shipping:
    """PUT: change a registration. Raises NotFound when none was registered."""
    pg_provider = await _escrow_payment(runtime, merchant, imp_uid)
    shipping = _shipping(merchant, imp_uid, pg_provider, request, runtime.now())
    async with runtime.database.transaction() as connection:
        existing = await escrow_store.get_shipping(connection, merchant.id, imp_uid)
        if existing is None or not await escrow_store.update_shipping(connection, shipping):
            raise NotFound(f"등록된 배송정보가 없습니다. (no shipping of {imp_uid} is registered; register it with POST)")
    shipping.applied_at = existing.applied_at
    return shipping


async def get(runtime: Runtime, merchant: Merchant, imp_uid: str) -> Shipping:
    async with runtime.database.reading() as connection:
        shipping = await escrow_store.get_shipping(connection, merchant.id, imp_uid)
    if shipping is None:
        raise NotFound(f"등록된 배송정보가 없습니다. (no shipping of {imp_uid} is registered)")
    return shipping

"""The PG-specific calls i'mport wraps: Kakao Pay's order list (``/kakao/payment/orders``), Naver
Pay's order operations (``/payments/{imp_uid}/naver/…``), PAYCO's order status
(``/payco/orders/status/{imp_uid}``).

paymux connects Kakao Pay, so its order list is answered from the Kakao Pay payments paymux
recorded (Kakao Pay's own order shape, as i'mport passes Kakao's answer through). paymux connects
neither Naver Pay nor PAYCO: their calls are refused for every payment, the way i'mport refuses
them for a payment of another PG. Sources: PortOne V1 docs "주문내역 조회 API" (Kakao), "주문상태 단건
수정 API" (PAYCO); npm ``iamport`` 0.3.4 ``NaverPayment`` (the Naver operations).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn

from paymux.domain.channel import Purpose
from paymux.domain.errors import InvalidParameter, NotFound, PaymuxError, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.payment import Payment, PaymentStatus
from paymux.services import channels as channel_service
from paymux.services import payments as payment_service
from paymux.services.runtime import Runtime
from paymux.store import pg_orders

KST = timezone(timedelta(hours=9))
KAKAO_PAGE_SIZE = 20
PAYCO_STATUSES = frozenset({"DELIVERY_START", "PURCHASE_DECISION", "CANCELED"})
NAVER_OPERATIONS = frozenset({
    "product-orders", "cash-amount", "place", "ship", "confirm", "approve-cancel", "approve-return", "cancel",
    "request-return", "reject-return", "resolve-return", "withhold-return", "collect-exchanged", "ship-exchanged",
    "point",
})
_DATE = re.compile(r"^[0-9]{8}$")


class OtherPg(PaymuxError):
    """The call belongs to a PG the payment (or merchant) does not use (HTTP 400)."""


def _not_of(payment: Payment, pg_name: str, pg_code: str) -> OtherPg:
    return OtherPg(f"{pg_name} 결제건이 아닙니다. (payment {payment.imp_uid} was paid through "
                   f"'{payment.pg_provider}', not {pg_code}; paymux does not connect {pg_name})")


async def naver_operation(runtime: Runtime, merchant: Merchant, imp_uid: str, operation: str) -> NoReturn:
    """Any ``/payments/{imp_uid}/naver/{operation}``. Raises NotFound (unknown payment or
    operation), OtherPg for every payment (paymux records no Naver Pay payments)."""
    if operation not in NAVER_OPERATIONS:
        raise NotFound(f"no Naver Pay operation '{operation}' (i'mport offers {', '.join(sorted(NAVER_OPERATIONS))})")
    payment = await payment_service.get_payment(runtime, merchant, imp_uid)
    raise _not_of(payment, "네이버페이", "naverpay")


async def payco_status(runtime: Runtime, merchant: Merchant, imp_uid: str, status: str | None) -> NoReturn:
    """``POST /payco/orders/status/{imp_uid}``. Raises InvalidParameter, NotFound, OtherPg."""
    if status not in PAYCO_STATUSES:
        raise InvalidParameter("status", "must be DELIVERY_START, PURCHASE_DECISION or CANCELED")
    payment = await payment_service.get_payment(runtime, merchant, imp_uid)
    raise _not_of(payment, "페이코", "payco")


def _day(payment_request_date: str | None) -> tuple[int, int]:
    if not payment_request_date or not _DATE.match(payment_request_date):
        raise InvalidParameter("payment_request_date", "is required as YYYYMMDD")
    try:
        start = datetime.strptime(payment_request_date, "%Y%m%d").replace(tzinfo=KST)
    except ValueError:
        raise InvalidParameter("payment_request_date", "is not a calendar date") from None
    return int(start.timestamp()), int((start + timedelta(days=1)).timestamp())


def _iso(seconds: int) -> str | None:
    return datetime.fromtimestamp(seconds, KST).strftime("%Y-%m-%dT%H:%M:%S") if seconds else None


_KAKAO_STATUS = {
    PaymentStatus.READY: "READY", PaymentStatus.FAILED: "FAIL_PAYMENT", PaymentStatus.CANCELLED: "CANCEL_PAYMENT",
}


def _kakao_order(payment: Payment, cid: str) -> dict[str, Any]:
    status = _KAKAO_STATUS.get(payment.status, "SUCCESS_PAYMENT")
    if payment.status is PaymentStatus.PAID and payment.cancel_amount:
        status = "PART_CANCEL_PAYMENT"
    cancelled_tax_free = sum(c.tax_free for c in payment.cancel_history)
    return {
        "tid": payment.pg_tid, "cid": cid, "status": status, "partner_order_id": payment.merchant_uid,
        "partner_user_id": payment.customer_uid or payment.merchant_uid,
        "payment_method_type": "CARD" if payment.card_number or payment.card_code else "MONEY",
        "item_name": payment.name,
        "amount": {"total": payment.amount, "tax_free": payment.tax_free, "vat": payment.vat},
        "canceled_amount": {"total": payment.cancel_amount, "tax_free": cancelled_tax_free},
        "created_at": _iso(payment.started_at), "approved_at": _iso(payment.paid_at),
        "canceled_at": _iso(payment.cancelled_at),
    }


async def kakao_orders(runtime: Runtime, merchant: Merchant, payment_request_date: str | None, cid: str | None,
                       page: int) -> dict[str, Any]:
    """``GET /kakao/payment/orders``: the Kakao Pay orders of one day (Korean time) on the channel
    whose MID (Kakao's CID) is ``cid``, the first Kakao Pay channel when absent; 20 a page. The list is
    ``orders``, as i'mport's own clients read it (npm iamport-rest-client-nodejs ``KakaoOrder``, PHP
    iamport-rest-client ``Response/Kakaopay``). Raises InvalidParameter, OtherPg when the merchant has
    no such Kakao Pay channel."""
    since, until = _day(payment_request_date)
    kakao = [c for c in await channel_service.list_channels(runtime, merchant.id) if c.pg_provider == "kakaopay"]
    chosen = [c for c in kakao if cid is None or c.mid == cid]
    if not chosen:
        raise OtherPg("카카오페이 PG설정이 존재하지 않습니다. (no Kakao Pay channel"
                      f"{' with CID ' + cid if cid else ''} in this merchant's PG settings)")
    channel = chosen[0]
    async with runtime.database.reading() as connection:
        found = await pg_orders.channel_payments(
            connection, merchant.id, "kakaopay", channel.mid, since, until, page, KAKAO_PAGE_SIZE
        )
    last_page = max(1, (found.total + KAKAO_PAGE_SIZE - 1) // KAKAO_PAGE_SIZE)
    return {
        "cid": channel.mid, "payment_request_date": payment_request_date, "page": page, "total_count": found.total,
        "is_last": page >= last_page, "orders": [_kakao_order(p, channel.mid) for p in found.items],
    }


# i'mport's foreign-card key-in (``/subscribe/payments/foreign``) runs at PGs that charge foreign
# cards without a Korean birth date (Paymentwall, Eximbay…); paymux connects none of them.
_CARD_NUMBER = re.compile(r"^[0-9]{4}-?[0-9]{4,6}-?[0-9]{4,5}-?[0-9]{0,4}$")
_EXPIRY = re.compile(r"^[0-9]{4}-?(0[1-9]|1[0-2])$")


async def foreign_card_payment(runtime: Runtime, merchant: Merchant, card_number: str | None, expiry: str | None,
                               pg: str | None) -> NoReturn:
    """``POST /subscribe/payments/foreign``. Checks the card fields (InvalidParameter, naming the
    field, never its value) and the API channel ``pg`` names (NotFound), then refuses: none of
    paymux's PGs takes a foreign card without a birth date, so nothing is charged (code -1)."""
    if not card_number or not _CARD_NUMBER.match(card_number.strip()):
        raise InvalidParameter("card_number", "is required as dddd-dddd-dddd-dddd")
    if not expiry or not _EXPIRY.match(expiry.strip()):
        raise InvalidParameter("expiry", "is required as YYYY-MM")
    channel = await channel_service.resolve(runtime, merchant.id, pg, Purpose.BILLING_API)
    raise Refused(f"해외카드 결제를 지원하지 않는 PG사입니다. ({channel.pg_provider} does not take foreign cards "
                  "without a birth date; paymux connects no foreign-card PG such as Paymentwall; nothing was charged)")


async def naver_product_order(runtime: Runtime, merchant: Merchant, product_order_id: str) -> NoReturn:
    """``GET /naver/product-orders/{product_order_id}``: Naver Pay's product orders exist only at
    Naver Pay, which paymux does not connect, so no id is known (NotFound, as i'mport answers an
    unknown one)."""
    raise NotFound(f"존재하지 않는 네이버페이 상품주문번호입니다. (no Naver Pay product order '{product_order_id}': "
                   "paymux does not connect Naver Pay)")


async def naver_reviews(runtime: Runtime, merchant: Merchant) -> NoReturn:
    """``GET /naver/reviews``: needs a Naver Pay channel, which no paymux merchant has (OtherPg)."""
    raise OtherPg("네이버페이 PG설정이 존재하지 않습니다. (no Naver Pay channel in this merchant's PG settings: "
                  "paymux does not connect Naver Pay)")

"""Cash receipts (현금영수증): who they are issued to, for how much, and the rules i'mport applies.

A cash receipt is issued for a paid transfer or virtual-account payment (its cancellable balance,
i'mport's "부분취소된 거래인 경우 남은 잔액으로 발급") or for a cash sale outside i'mport (an
"external" receipt, for the amount given). Source: PortOne V1 docs, "현금영수증 단건발급 API",
"현금영수증 발급(외부) API", "아임포트 발급분 취소 API"; iamport-server-api 10.0.0 ``IIamportReceipt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from paymux.domain.errors import InvalidParameter, PaymuxError

# Pay methods whose payments are cash to the tax office (i'mport issues receipts for these only).
CASH_PAY_METHODS = frozenset({"trans", "vbank"})
_DIGITS = re.compile(r"^[0-9-]{10,25}$")
_LENGTHS: dict[str, tuple[int, ...]] = {
    "person": (13,),             # resident registration number
    "business": (10,),           # business registration number
    "phone": (10, 11),           # mobile number
    "taxcard": tuple(range(13, 20)),  # the tax office's cash-receipt card
}


class ReceiptRefused(PaymuxError):
    """i'mport answers these with HTTP 400: not a cash payment, not paid, already issued, nothing
    issued to cancel (its docs list each under "400: Bad Request")."""


class ReceiptKind(StrEnum):
    PAYMENT = "payment"
    EXTERNAL = "external"


class ReceiptType(StrEnum):
    PERSON = "person"    # 소득공제용 (income deduction), i'mport's default
    COMPANY = "company"  # 지출증빙용 (business expense proof)


@dataclass(frozen=True)
class Identifier:
    """The buyer's identifier, checked and masked at once: paymux never stores it whole."""

    masked: str
    kind: str | None

    @classmethod
    def parse(cls, value: str | None, kind: str | None) -> Identifier:
        if not value:
            raise InvalidParameter("identifier", "is required (phone, resident/business number or cash-receipt card)")
        if kind is not None and kind not in _LENGTHS:
            raise InvalidParameter("identifier_type", "must be person, business, phone or taxcard")
        if not _DIGITS.match(value.strip()):
            raise InvalidParameter("identifier", "must be digits (dashes allowed)")
        digits = value.strip().replace("-", "")
        allowed = _LENGTHS[kind] if kind else tuple(range(10, 20))
        if len(digits) not in allowed:
            raise InvalidParameter("identifier", f"has {len(digits)} digits, which no {kind or 'identifier'} has")
        return cls(masked=digits[:3] + "*" * (len(digits) - 7) + digits[-4:], kind=kind)


def receipt_type(value: str | None) -> ReceiptType:
    if not value:
        return ReceiptType.PERSON
    try:
        return ReceiptType(value)
    except ValueError:
        raise InvalidParameter("type", "must be person (소득공제용) or company (지출증빙용)") from None


@dataclass(kw_only=True)
class CashReceipt:
    merchant_id: int
    kind: ReceiptKind
    subject: str  # the imp_uid (payment) or merchant_uid (external)
    imp_uid: str | None
    merchant_uid: str | None
    channel_id: int | None
    pg_provider: str
    receipt_tid: str
    apply_num: str
    type: ReceiptType
    identifier: Identifier
    name: str | None
    amount: int
    vat: int
    tax_free: int
    buyer_name: str | None
    buyer_email: str | None
    buyer_tel: str | None
    receipt_token: str
    applied_at: int
    cancelled_at: int = 0

    @property
    def active(self) -> bool:
        return self.cancelled_at == 0

    def cancel(self, now: int) -> None:
        if not self.active:
            raise ReceiptRefused("이미 취소된 현금영수증입니다. (the cash receipt is already cancelled)")
        self.cancelled_at = now

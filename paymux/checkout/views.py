"""The ``rsp`` object the SDK hands to the shop's callback, and the m_redirect_url query string."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from paymux.domain.payment import Payment, PaymentStatus
from paymux.services.charging import PENDING_MESSAGE
from paymux.services.checkout import USER_CANCELLED

# error_code values of the rsp (documented in docs/sandbox.md).
INVALID_PARAMETER = "F400"
UNKNOWN_MERCHANT = "F404"
REFUSED = "F422"
DECLINED = "F1001"
CLOSED_BY_BUYER = "F1002"
OUTCOME_PENDING = "F1003"

_RSP_FIELDS = (
    "imp_uid", "merchant_uid", "pay_method", "status", "name", "pg_provider", "emb_pg_provider", "pg_tid",
    "buyer_name", "buyer_email", "buyer_tel", "buyer_addr", "buyer_postcode", "paid_at", "receipt_url",
    "apply_num", "card_name", "card_number", "card_quota", "bank_name", "vbank_num", "vbank_name",
    "vbank_holder", "vbank_date", "currency", "customer_uid",
)


def _custom_data(text: str | None) -> Any:
    """i'mport hands custom_data back as it was given: an object when it was one."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def payment_rsp(payment: Payment) -> dict[str, Any]:
    """What the window reports for a payment it recorded. ``success`` only for an approved payment,
    an issued billing key, or an issued virtual account awaiting its deposit."""
    rsp: dict[str, Any] = {name: getattr(payment, name) for name in _RSP_FIELDS}
    rsp["status"] = payment.status.value
    rsp["custom_data"] = _custom_data(payment.custom_data)
    rsp["paid_amount"] = payment.amount if payment.status is PaymentStatus.PAID else 0
    rsp["pg_type"] = "billing" if payment.customer_uid_usage == "issue" else "payment"
    issued_vbank = payment.status is PaymentStatus.READY and payment.pay_method == "vbank" and bool(payment.vbank_num)
    success = payment.status is PaymentStatus.PAID or issued_vbank
    rsp["success"] = rsp["imp_success"] = success
    rsp["error_code"] = rsp["error_msg"] = None
    if payment.status is PaymentStatus.FAILED:
        rsp["error_code"] = CLOSED_BY_BUYER if payment.fail_reason == USER_CANCELLED else DECLINED
        rsp["error_msg"] = payment.fail_reason
    elif payment.status is PaymentStatus.READY and not success:
        rsp["error_code"], rsp["error_msg"] = OUTCOME_PENDING, PENDING_MESSAGE
    return rsp


_FIELD_PREFIX = re.compile(r"^([a-z_][a-z0-9_.]*): ")
# A field the buyer types, named in Korean when its message has no Korean (card checks are the API's).
_FIELD_WORDS = {"card_number": "카드번호를", "expiry": "유효기간을", "birth": "생년월일(사업자번호)을",
                "pwd_2digit": "비밀번호 앞 2자리를", "phone": "휴대폰 번호를", "buyer_tel": "구매자 연락처를"}
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_ENGLISH = re.compile(r"[A-Za-z']+(?:[ ,;:]+[A-Za-z']+){2,}")  # three Latin words in a row: English help
_PARENTHESES = re.compile(r"\s*\(([^()]*)\)")


def buyer_text(message: str) -> str:
    """What the buyer reads of an error message: no field code (``card_company: ``) and only the Korean
    of a ``한국어 (English help)`` or ``English (한국어)`` message; the message itself when it has no Korean.
    ``rsp.error_msg`` keeps the whole message for the shop's developer."""
    prefix = _FIELD_PREFIX.match(message)
    text = message[prefix.end():] if prefix else message
    if not _HANGUL.search(text):
        field = _FIELD_WORDS.get(prefix.group(1)) if prefix else None
        return f"{field} 확인해주세요 ({text})" if field else text
    outside = _PARENTHESES.sub(lambda m: "" if _ENGLISH.search(m.group(1)) else m.group(0), text).strip()
    if _HANGUL.search(outside) and not _ENGLISH.search(outside):
        return outside
    inside = [part for part in _PARENTHESES.findall(text) if _HANGUL.search(part) and not _ENGLISH.search(part)]
    return inside[-1] if inside else text


def error_rsp(error_code: str, message: str, merchant_uid: str | None) -> dict[str, Any]:
    """A request refused before any payment was recorded: no imp_uid."""
    return {
        "success": False, "imp_success": False, "imp_uid": None, "merchant_uid": merchant_uid,
        "status": None, "paid_amount": 0, "error_code": error_code, "error_msg": message,
    }


def redirect_target(m_redirect_url: str, rsp: dict[str, Any]) -> str:
    """``m_redirect_url`` with the five result parameters i'mport adds, keeping the shop's own query."""
    parts = urlsplit(m_redirect_url)
    added = {
        "imp_uid": rsp.get("imp_uid") or "",
        "merchant_uid": rsp.get("merchant_uid") or "",
        "imp_success": "true" if rsp.get("success") else "false",
        "error_code": rsp.get("error_code") or "",
        "error_msg": rsp.get("error_msg") or "",
    }
    query = "&".join(q for q in (parts.query, urlencode(added)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))

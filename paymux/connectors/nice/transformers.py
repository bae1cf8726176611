"""NICE Pay's replies → paymux's values (approvals, billing keys, times), and paymux's → NICE's.

Reply shape: the payment object of approve / lookup / cancel / billing charge / webhook
[NICE api/payment-window-server.md 응답 명세]. Times are ISO 8601 in Korean time
(``2021-07-27T20:07:08.000+0900``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from paymux.connectors.base import IssuedBillingKey
from paymux.connectors.nice import codes
from paymux.connectors.replies import KST, integer, part, text  # noqa: F401 - read as t.text, t.integer…
from paymux.domain.card import CARD_COMPANIES, CardDetails
from paymux.domain.payment import Approval


def edi_date(unix_seconds: float) -> str:
    """NICE's ``ediDate`` / time format (ISO 8601, KST)."""
    return datetime.fromtimestamp(unix_seconds, KST).strftime("%Y-%m-%dT%H:%M:%S.000+0900")


def order_date(unix_seconds: float) -> str:
    """``orderDate`` of a lookup by order id: ``YYYYMMDD`` in Korean time [api/status-transaction.md]."""
    return datetime.fromtimestamp(unix_seconds, KST).strftime("%Y%m%d")


def unix_of(nice_time: str) -> int | None:
    """Unix seconds of a NICE time; None for ``0`` (not happened) or an unreadable value."""
    try:
        return int(datetime.fromisoformat(nice_time.replace("+0900", "+09:00")).timestamp())
    except ValueError:
        return None


def card_plain(card: CardDetails) -> str:
    """The plaintext of ``encData`` [payment-subscribe.md]: ``cardNo=…&expYear=YY&expMonth=MM&idNo=…&cardPw=…``."""
    fields = [f"cardNo={card.number}", f"expYear={card.expiry_year % 100:02d}", f"expMonth={card.expiry_month:02d}",
              f"idNo={card.birth}"]
    if card.pwd_2digit:
        fields.append(f"cardPw={card.pwd_2digit}")
    return "&".join(fields)


def masked(card_num: str) -> str | None:
    """NICE masks the third range (``53611234****1234``); paymux shows first six, stars, last four."""
    if len(card_num) < 10:
        return None
    return card_num[:6] + "*" * (len(card_num) - 10) + card_num[-4:]


def card_company(nice_code: str, nice_name: str = "") -> tuple[str | None, str | None]:
    kftc = codes.CARD_CODES_TO_KFTC.get(nice_code)
    if kftc:
        return kftc, CARD_COMPANIES.get(kftc, nice_name or None)
    return None, nice_name or None


def approval(reply: Mapping[str, Any]) -> Approval:
    """A payment object as paymux's Approval (``apply_num`` = ``approveNo``, card from ``card``)."""
    card = part(reply, "card")
    code, name = card_company(text(card, "cardCode"), text(card, "cardName"))
    quota = integer(card, "cardQuota") or 0
    kind = text(card, "cardType")
    return Approval(
        pg_tid=text(reply, "tid"), apply_num=text(reply, "approveNo"), card_code=code, card_name=name,
        card_number=masked(text(card, "cardNum")), card_type={"credit": 0, "check": 1}.get(kind) if card else None,
        card_quota=quota if quota >= 2 else 0, receipt_url=text(reply, "receiptUrl") or None,
    )


def issued_key(reply: Mapping[str, Any], card: CardDetails) -> IssuedBillingKey:
    code, name = card_company(text(reply, "cardCode"), text(reply, "cardName").strip("[]"))
    return IssuedBillingKey(text(reply, "bid"), code, name, card.masked_number or masked(card.number), 0)


def cancels(reply: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = reply.get("cancels")
    return [c for c in found if isinstance(c, Mapping)] if isinstance(found, list) else []

"""The ``param`` of ``IMP.request_pay``: its names, types and validation, as i'mport has them.

The SDK forwards the shop's object unchanged, so everything a browser could send is checked here:
``amount`` must be a JSON integer (a string is refused, as i'mport refuses it), ``merchant_uid`` is
required, an unknown ``pay_method`` is refused, and the window options (``display.card_quota``,
``card.direct``, ``card.detail``) are read into plain values the window honours.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from paymux.domain.card import CARD_COMPANIES
from paymux.domain.dates import parse_korean_deadline
from paymux.domain.errors import InvalidParameter
from paymux.domain.money import MAX_AMOUNT, MAX_INSTALLMENT_MONTHS
from paymux.domain.net import user_url_problem

PAY_METHODS = frozenset(
    {"card", "trans", "vbank", "phone", "samsung", "kakaopay", "ssgpay", "chai", "payco", "naverpay",
     "tosspay", "lpay", "kpay", "applepay", "cultureland", "smartculture", "happymoney", "booknlife", "point"}
)
# Simple pays and gift cards: the buyer approves in that service's own screen inside the window.
WALLET_METHODS = PAY_METHODS - {"card", "trans", "vbank", "phone"}
DEFAULT_VBANK_DAYS = 7
_TEXT_LIMITS = {
    "merchant_uid": 80, "name": 200, "buyer_name": 100, "buyer_email": 200, "buyer_tel": 40,
    "buyer_addr": 300, "buyer_postcode": 20, "customer_uid": 80, "pg": 120, "language": 8,
}
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class CardOptions:
    """What the card screen may offer: installment months, one card company, enabled companies."""

    quota_months: tuple[int, ...] | None = None  # None: 2–12 offered; () lump sum only
    direct_code: str | None = None
    direct_quota: int = 0
    enabled_companies: frozenset[str] | None = None  # None: every company

    def company_allowed(self, code: str) -> bool:
        if self.direct_code is not None:
            return code == self.direct_code
        return self.enabled_companies is None or code in self.enabled_companies


@dataclass(frozen=True)
class PayRequest:
    merchant_uid: str
    amount: int
    pay_method: str = "card"
    pg: str | None = None
    name: str | None = None
    tax_free: int | None = None
    vat: int | None = None
    currency: str = "KRW"
    language: str = "ko"
    buyer_name: str | None = None
    buyer_email: str | None = None
    buyer_tel: str | None = None
    buyer_addr: str | None = None
    buyer_postcode: str | None = None
    custom_data: str | None = None
    notice_url: tuple[str, ...] | None = None
    m_redirect_url: str | None = None
    vbank_due: int | None = None
    customer_uid: str | None = None
    card: CardOptions = CardOptions()
    escrow: bool = False  # i'mport's ``escrow: true``: the money waits for delivery (shipping via /escrows/logis)

    @property
    def issues_billing_key(self) -> bool:
        return self.customer_uid is not None

    @classmethod
    def parse(cls, raw: object, now: int, *, allow_private_targets: bool = False) -> PayRequest:
        """Validate the SDK's ``param`` object. Raises InvalidParameter naming the field."""
        if not isinstance(raw, dict):
            raise InvalidParameter("param", "must be an object")
        for name, value in raw.items():
            _refuse_unstorable(str(name), value)
        texts = {name: _text(raw, name, limit) for name, limit in _TEXT_LIMITS.items()}
        merchant_uid = texts["merchant_uid"]
        if not merchant_uid:
            raise InvalidParameter("merchant_uid", "is required (the shop's unique order id)")
        pay_method = (_text(raw, "pay_method", 20) or "card").lower()
        if pay_method not in PAY_METHODS:
            raise InvalidParameter("pay_method", f"'{pay_method}' is not a pay method i'mport knows")
        customer_uid = texts["customer_uid"]
        amount = _integer(raw, "amount", required=True)
        assert amount is not None
        if amount == 0 and customer_uid is None:
            raise InvalidParameter("amount", "must be greater than 0")
        currency = (_text(raw, "currency", 3) or "KRW").upper()
        if currency != "KRW":
            raise InvalidParameter("currency", "only KRW is supported by the sandbox PGs")
        return cls(
            merchant_uid=merchant_uid,
            amount=amount,
            pay_method=pay_method,
            pg=texts["pg"],
            name=texts["name"],
            tax_free=_integer(raw, "tax_free"),
            vat=_integer(raw, "vat"),
            currency=currency,
            language=texts["language"] or "ko",
            buyer_name=texts["buyer_name"],
            buyer_email=texts["buyer_email"],
            buyer_tel=texts["buyer_tel"],
            buyer_addr=texts["buyer_addr"],
            buyer_postcode=texts["buyer_postcode"],
            custom_data=_custom_data(raw.get("custom_data")),
            notice_url=_notice_urls(raw.get("notice_url"), allow_private_targets),
            m_redirect_url=_url(raw.get("m_redirect_url"), "m_redirect_url"),
            vbank_due=_vbank_due(raw.get("vbank_due"), now),
            customer_uid=customer_uid,
            card=_card_options(raw.get("display"), raw.get("card")),
            escrow=_escrow(raw.get("escrow")),
        )

    def vbank_deadline(self, now: int) -> int:
        return self.vbank_due or now + DEFAULT_VBANK_DAYS * 86400


def _escrow(value: object) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    raise InvalidParameter("escrow", "must be true or false")


def _refuse_unstorable(name: str, value: object) -> None:
    """No text paymux stores or sends may hold a lone surrogate (JSON can carry ``\\ud800``; no
    database or PG can store it) or a NUL (PostgreSQL text refuses it): refused by the field's name."""
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            raise InvalidParameter(name, "must be text without NUL or unpaired surrogate characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(name, key)
            _refuse_unstorable(name, item)
    elif isinstance(value, list):
        for item in value:
            _refuse_unstorable(name, item)


def _text(raw: dict[str, Any], name: str, limit: int) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidParameter(name, "must be a string")
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidParameter(name, f"must be at most {limit} characters")
    if any(ord(ch) < 32 for ch in text):
        raise InvalidParameter(name, "must not contain control characters")
    return text or None


def _integer(raw: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    value = raw.get(name)
    if value is None:
        if required:
            raise InvalidParameter(name, "is required")
        return None
    if isinstance(value, str):
        raise InvalidParameter(name, "must be an integer, not a string (숫자형으로 전달해주세요)")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter(name, "must be an integer (KRW has no fractions)")
    if value < 0 or value > MAX_AMOUNT:
        raise InvalidParameter(name, f"must be between 0 and {MAX_AMOUNT}")
    return value


def _custom_data(value: object) -> str | None:
    """i'mport keeps ``custom_data`` as text; an object is kept as its JSON."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) > 4000:
        raise InvalidParameter("custom_data", "must be at most 4000 characters as JSON")
    return text


def _url(value: object, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 1000 or not _URL.match(value.strip()):
        raise InvalidParameter(name, "must be an http(s) URL")
    return value.strip()


def _notice_urls(value: object, allow_private: bool) -> tuple[str, ...] | None:
    if value is None or value == "":
        return None
    items = value if isinstance(value, list) else [value]
    if len(items) > 5:
        raise InvalidParameter("notice_url", "must list at most 5 URLs")
    urls = tuple(u for u in (_url(item, "notice_url") for item in items) if u)
    for url in urls:  # SSRF: a literal private address is refused here; DNS names at delivery
        if (problem := user_url_problem(url, allow_private=allow_private)) is not None:
            raise InvalidParameter("notice_url", problem)
    return urls or None


def _vbank_due(value: object, now: int) -> int | None:
    """``YYYYMMDD`` (end of that day), ``YYYYMMDDhhmm`` in Korean time, or unix seconds: the same
    parser as ``POST /vbanks`` (``domain.dates``)."""
    if value is None or value == "":
        return None
    due = parse_korean_deadline(value, "vbank_due")
    if due <= now:
        raise InvalidParameter("vbank_due", "must be in the future")
    return due


def _card_options(display: object, card: object) -> CardOptions:
    quota_months: tuple[int, ...] | None = None
    if display is not None:
        if not isinstance(display, dict):
            raise InvalidParameter("display", "must be an object such as {card_quota: [2, 3]}")
        if "card_quota" in display:
            quota_months = _quota_list(display["card_quota"])
    if card is None:
        return CardOptions(quota_months=quota_months)
    if not isinstance(card, dict):
        raise InvalidParameter("card", "must be an object with direct or detail")
    direct_code, direct_quota = _card_direct(card.get("direct"))
    return CardOptions(
        quota_months=quota_months,
        direct_code=direct_code,
        direct_quota=direct_quota,
        enabled_companies=_card_detail(card.get("detail")),
    )


def _quota_list(value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_INSTALLMENT_MONTHS:
        raise InvalidParameter("display.card_quota", "must be a list of installment months, e.g. [2, 3, 6]")
    months: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= MAX_INSTALLMENT_MONTHS:
            raise InvalidParameter("display.card_quota", f"months must be integers from 2 to {MAX_INSTALLMENT_MONTHS}")
        if item >= 2 and item not in months:
            months.append(item)
    return tuple(sorted(months))


def _card_direct(value: object) -> tuple[str | None, int]:
    if value is None:
        return None, 0
    if not isinstance(value, dict):
        raise InvalidParameter("card.direct", "must be {code: '367', quota: 3}")
    code = value.get("code")
    if not isinstance(code, str) or code not in CARD_COMPANIES:
        raise InvalidParameter("card.direct.code", "must be a KFTC card company code such as '367'")
    quota = value.get("quota", 0)
    if isinstance(quota, bool) or not isinstance(quota, int) or not 0 <= quota <= MAX_INSTALLMENT_MONTHS:
        raise InvalidParameter("card.direct.quota", f"must be an integer from 0 to {MAX_INSTALLMENT_MONTHS}")
    return code, quota


def _card_detail(value: object) -> frozenset[str] | None:
    """Apply ``{card_code, enabled}`` entries in order; ``"*"`` switches every company."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidParameter("card.detail", "must be a list of {card_code, enabled}")
    enabled = set(CARD_COMPANIES)
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("enabled"), bool):
            raise InvalidParameter("card.detail", "entries must be {card_code: '366', enabled: true}")
        code = entry.get("card_code")
        if code == "*":
            enabled = set(CARD_COMPANIES) if entry["enabled"] else set()
        elif isinstance(code, str) and code in CARD_COMPANIES:
            (enabled.add if entry["enabled"] else enabled.discard)(code)
        else:
            raise InvalidParameter("card.detail.card_code", "must be '*' or a KFTC card company code")
    if not enabled:
        raise InvalidParameter("card.detail", "disables every card company; enable at least one")
    return frozenset(enabled)

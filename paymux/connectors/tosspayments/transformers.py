"""Toss Payments' objects → paymux's values (approvals, billing keys, virtual accounts, times).

Shapes: the Payment object (``paymentKey``, ``orderId``, ``status``, ``totalAmount``, ``balanceAmount``,
``card{issuerCode, number, approveNo, installmentPlanMonths, cardType}``, ``virtualAccount{accountNumber,
bankCode, customerName, dueDate}``, ``cancels[]``, ``secret``, ``receipt{url}``) and the Billing object
(``billingKey``, ``customerKey``, ``card``) [TOSS-RS], [TOSS-TC] (shared/docs/pg-live-protocols.md §4.1).
Times are ISO 8601 with the Korean offset (``2024-02-13T12:18:14+09:00``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from paymux.connectors.base import IssuedBillingKey, VbankIssued
from paymux.connectors.replies import KST, integer, part, text  # noqa: F401 - read as t.text, t.integer…
from paymux.connectors.tosspayments import codes
from paymux.domain.banks import BANKS
from paymux.domain.card import CARD_COMPANIES
from paymux.domain.payment import Approval

KEY_SEPARATOR = "|"


def iso(unix_seconds: float) -> str:
    """Toss's datetime format (KST, with its offset)."""
    return datetime.fromtimestamp(unix_seconds, KST).isoformat(timespec="seconds")


def unix_of(toss_time: str) -> int | None:
    try:
        return int(datetime.fromisoformat(toss_time).timestamp())
    except ValueError:
        return None


def card_type(card: Mapping[str, Any]) -> int | None:
    """``cardType`` 신용/체크/기프트 → i'mport card_type 0 credit / 1 check."""
    return {"신용": 0, "체크": 1, "기프트": 1}.get(text(card, "cardType"))


def masked(number: str) -> str | None:
    """Toss masks with ``*`` already (``43301234****123*``); keep the first six digits only."""
    digits = number.replace("-", "")
    return digits[:6] + "*" * max(len(digits) - 6, 10) if len(digits) >= 6 else None


def approval(payment: Mapping[str, Any]) -> Approval:
    """A Payment object as paymux's Approval: ``pg_tid`` is the ``paymentKey``, ``apply_num`` the card's
    ``approveNo``, ``card_code`` the KFTC code of ``card.issuerCode``."""
    card = part(payment, "card")
    transfer = part(payment, "transfer")
    issuer = text(card, "issuerCode")
    kftc = codes.CARD_ISSUERS_TO_KFTC.get(issuer)
    months = integer(card, "installmentPlanMonths") or 0
    bank_code = codes.kftc_bank(text(transfer, "bankCode")) if transfer else None
    return Approval(
        pg_tid=text(payment, "paymentKey"), apply_num=text(card, "approveNo"),
        card_code=kftc, card_name=CARD_COMPANIES.get(kftc or "", text(card, "company") or None) if card else None,
        card_number=masked(text(card, "number")) if card else None, card_type=card_type(card) if card else None,
        card_quota=months if months >= 2 else 0, bank_code=bank_code, bank_name=BANKS.get(bank_code or ""),
        receipt_url=text(part(payment, "receipt"), "url") or None,
    )


def vbank(payment: Mapping[str, Any]) -> tuple[VbankIssued, int] | None:
    """A Payment object's ``virtualAccount`` as paymux's VbankIssued and its due time (unix seconds)."""
    account = part(payment, "virtualAccount")
    number = text(account, "accountNumber")
    if not number:
        return None
    bank = codes.kftc_bank(text(account, "bankCode"))
    due = unix_of(text(account, "dueDate")) or 0
    return VbankIssued(pg_tid=text(payment, "paymentKey"), bank_code=bank, bank_name=BANKS.get(bank, bank),
                       account_number=number, holder=text(account, "customerName")), due


def billing_key(toss_billing_key: str, customer_key: str) -> str:
    """The billing key paymux keeps: Toss's ``billingKey`` and the ``customerKey`` it was issued to (Toss
    refuses a charge with another customerKey, ``NOT_MATCHES_CUSTOMER_KEY``)."""
    return f"{toss_billing_key}{KEY_SEPARATOR}{customer_key}"


def split_billing_key(key: str) -> tuple[str, str]:
    found, _, customer = key.partition(KEY_SEPARATOR)
    return found, customer


def issued_key(billing: Mapping[str, Any], customer_key: str) -> IssuedBillingKey | None:
    found = text(billing, "billingKey")
    if not found:
        return None
    card = part(billing, "card")
    kftc = codes.CARD_ISSUERS_TO_KFTC.get(text(card, "issuerCode"))
    return IssuedBillingKey(billing_key(found, text(billing, "customerKey") or customer_key), kftc,
                            CARD_COMPANIES.get(kftc or "", text(billing, "cardCompany") or None),
                            masked(text(card, "number")), card_type(card) if card else 0)


def cancels(payment: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = payment.get("cancels")
    return [c for c in found if isinstance(c, Mapping)] if isinstance(found, list) else []

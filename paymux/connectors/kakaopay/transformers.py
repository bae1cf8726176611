"""Kakao Pay's replies → paymux's values (approvals, billing keys, times), and back.

Reply shapes: approve / subscription [KK-CLIENT ``KakaopayApproveResponse``], order [KK-STATUS]
(shared/docs/pg-live-protocols.md §2.2–2.4). Times are Korean local time ``YYYY-MM-DDThh:mm:ss``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from paymux.connectors.base import IssuedBillingKey
from paymux.connectors.kakaopay import codes
from paymux.connectors.replies import KST, integer, text  # noqa: F401 - read as t.text, t.integer…
from paymux.domain.card import CARD_COMPANIES
from paymux.domain.payment import Approval

KEY_SEPARATOR = "|"


def kst_text(unix_seconds: float) -> str:
    """Kakao's datetime format (KST, no zone suffix)."""
    return datetime.fromtimestamp(unix_seconds, KST).strftime("%Y-%m-%dT%H:%M:%S")


def unix_of(kakao_time: str) -> int | None:
    try:
        return int(datetime.strptime(kakao_time[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=KST).timestamp())
    except ValueError:
        return None


def amount(reply: Mapping[str, Any], name: str, part: str = "total") -> int | None:
    """One part (``total``, ``tax_free``, ``vat`` …) of an Amount object of a reply (``amount``,
    ``canceled_amount``, ``cancel_available_amount``, ``approved_cancel_amount``) [KK-STATUS]."""
    found = reply.get(name)
    return integer(found, part) if isinstance(found, Mapping) else None


def total(reply: Mapping[str, Any]) -> int | None:
    """``amount.total`` of an approve/subscription/order reply."""
    return amount(reply, "amount")


def card_company(card_info: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(KFTC card_code, card_name) from the issuer Kakao names (``kakaopay_issuer_corp`` /
    ``issuer_corp`` / ``card_corp_name``); Kakao's own corp codes are not published, names are."""
    for name in ("kakaopay_issuer_corp", "issuer_corp", "card_corp_name", "kakaopay_purchase_corp", "purchase_corp"):
        found = text(card_info, name).strip()
        if found:
            kftc = codes.CARD_NAMES_TO_KFTC.get(found) or codes.CARD_NAMES_TO_KFTC.get(found.upper())
            return (kftc, CARD_COMPANIES.get(kftc, found)) if kftc else (None, found)
    return None, None


def card_type(card_info: Mapping[str, Any]) -> int | None:
    """``card_type`` 신용/체크 (credit/check) → i'mport card_type 0/1."""
    kind = text(card_info, "card_type")
    return {"신용": 0, "CREDIT": 0, "체크": 1, "CHECK": 1}.get(kind.upper() if kind.isascii() else kind)


def approval(reply: Mapping[str, Any]) -> Approval:
    """An approve/subscription reply (or an order reply's ``selected_card_info``) as paymux's Approval.
    ``apply_num`` is the card's ``approved_id`` (none for Kakao Money)."""
    info = reply.get("card_info") or reply.get("selected_card_info") or {}
    info = info if isinstance(info, Mapping) else {}
    card_code, card_name = card_company(info)
    bin_ = "".join(ch for ch in (text(info, "bin") or text(info, "card_bin")) if ch.isdigit())
    months = integer(info, "install_month") or 0
    return Approval(
        pg_tid=text(reply, "tid"), apply_num=text(info, "approved_id"), card_code=card_code, card_name=card_name,
        card_number=(bin_[:6] + "*" * 10) if len(bin_) >= 6 else None, card_type=card_type(info) if info else None,
        card_quota=months if months >= 2 else 0,
    )


def billing_key(sid: str, partner_user_id: str) -> str:
    """The billing key paymux keeps for an SID: the SID and the ``partner_user_id`` it was issued to
    (Kakao refuses a later charge with another user id, ``-753``)."""
    return f"{sid}{KEY_SEPARATOR}{partner_user_id}"


def split_billing_key(key: str) -> tuple[str, str]:
    sid, _, user = key.partition(KEY_SEPARATOR)
    return sid, user


def issued_key(reply: Mapping[str, Any], partner_user_id: str) -> IssuedBillingKey | None:
    sid = text(reply, "sid")
    if not sid:
        return None
    found = approval(reply)
    return IssuedBillingKey(billing_key(sid, partner_user_id), found.card_code, found.card_name, found.card_number,
                            found.card_type if found.card_type is not None else 0)


def cancel_actions(reply: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The order's CANCEL actions (``payment_action_details``)."""
    actions = reply.get("payment_action_details")
    if not isinstance(actions, list):
        return []
    return [a for a in actions if isinstance(a, Mapping) and text(a, "payment_action_type") == codes.ACTION_CANCEL]

"""Mobilians' replies (dicts with Mobilians' keys) into paymux's values, and the billing key's form.

A phone billing key is two Mobilians values the MOBILID ``M002`` approval needs together
[MOB-MCP approval-mobilid.md]: ``bill_key`` (the window's ``mc_bill_key``) and ``mc_user_key``. paymux
stores them as one billing key ``MCB1|<mc_bill_key>|<mc_user_key>`` (paymux's encoding; the vault
encrypts it like any key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paymux.connectors.mobilians import codes

KEY_PREFIX = "MCB1"


def text(reply: Mapping[str, Any], name: str) -> str:
    value = reply.get(name)
    return "" if value is None else str(value).strip()


def amount(reply: Mapping[str, Any], name: str = "amount") -> int | None:
    value = text(reply, name)
    return int(value) if value.isdigit() else None


def ok(reply: Mapping[str, Any]) -> bool:
    return text(reply, "code") == codes.OK


def refusal(reply: Mapping[str, Any]) -> str:
    """``[code] message`` of a refusal, from paymux's table when the code is known (Mobilians' window
    results arrive EUC-KR and their message may not survive a UTF-8 reader)."""
    code = text(reply, "code") or "????"
    known = codes.MESSAGES.get(code)
    return codes.refusal(code, known or text(reply, "message"))


def pack_billing_key(bill_key: str, user_key: str) -> str:
    return f"{KEY_PREFIX}|{bill_key}|{user_key}"


def unpack_billing_key(billing_key: str) -> tuple[str, str] | None:
    """``(mc_bill_key, mc_user_key)``, or None for a key that is not a Mobilians phone key."""
    prefix, _, rest = billing_key.partition("|")
    bill_key, _, user_key = rest.partition("|")
    if prefix != KEY_PREFIX or not bill_key or not user_key:
        return None
    return bill_key, user_key


def masked_phone(phone: str) -> str | None:
    """``010****5678``: the number as the console may show it."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 8:
        return None
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())

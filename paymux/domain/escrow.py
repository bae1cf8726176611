"""Shipping of an escrow payment (에스크로 배송정보), registered with the PG so the buyer's money is
released on delivery. Fields and per-PG requirements: PortOne V1 docs "배송정보 단건등록 API"
(sender/receiver name, tel, addr, postcode required by KG INICIS; receiving_at and address by
PayJoa; company is the courier code, invoice the waybill number, sent_at unix seconds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from paymux.domain.errors import InvalidParameter

PERSON_FIELDS = ("name", "tel", "addr", "postcode")
_REQUIRED_BY_PG: dict[str, tuple[str, ...]] = {"html5_inicis": PERSON_FIELDS, "inicis": PERSON_FIELDS}


def check_people(pg_provider: str, sender: dict[str, Any], receiver: dict[str, Any]) -> None:
    """Refuse what the payment's PG requires and is missing, naming the field."""
    for side, person in (("sender", sender), ("receiver", receiver)):
        for name in _REQUIRED_BY_PG.get(pg_provider, ()):
            if not str(person.get(name) or "").strip():
                raise InvalidParameter(f"{side}.{name}", f"is required by {pg_provider} for escrow shipping")


@dataclass(kw_only=True)
class Shipping:
    merchant_id: int
    imp_uid: str
    company: str
    invoice: str
    sent_at: int
    receiving_at: str | None = None
    address: str | None = None
    sender: dict[str, Any] = field(default_factory=dict)
    receiver: dict[str, Any] = field(default_factory=dict)
    applied_at: int = 0
    updated_at: int = 0

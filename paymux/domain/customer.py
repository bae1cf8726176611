"""A billing key as the merchant knows it: its ``customer_uid`` and the masked card behind it.

The PG's billing key itself lives only in the vault; the domain object carries it sealed.
"""

from __future__ import annotations

from dataclasses import dataclass

from paymux.domain.sealed import Sealed

__all__ = ["Customer", "Sealed"]


@dataclass(kw_only=True)
class Customer:
    id: int | None
    merchant_id: int
    customer_uid: str
    channel_id: int
    pg_provider: str
    pg_id: str
    billing_key: Sealed
    card_name: str | None = None
    card_code: str | None = None
    card_number: str | None = None
    card_type: int | None = None
    customer_name: str | None = None
    customer_tel: str | None = None
    customer_email: str | None = None
    customer_addr: str | None = None
    customer_postcode: str | None = None
    inserted: int = 0
    updated: int = 0

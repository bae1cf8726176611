"""A scheduled charge of a billing key, and its life: scheduled → executed | revoked."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ScheduleStatus(StrEnum):
    SCHEDULED = "scheduled"
    EXECUTED = "executed"
    REVOKED = "revoked"


@dataclass(kw_only=True)
class Schedule:
    id: int | None
    merchant_id: int
    customer_uid: str
    merchant_uid: str
    schedule_at: int
    amount: int
    tax_free: int = 0
    name: str | None = None
    buyer_name: str | None = None
    buyer_email: str | None = None
    buyer_tel: str | None = None
    buyer_addr: str | None = None
    buyer_postcode: str | None = None
    custom_data: str | None = None
    notice_url: list[str] | None = None
    schedule_status: ScheduleStatus = ScheduleStatus.SCHEDULED
    imp_uid: str | None = None
    payment_status: str | None = None
    fail_reason: str | None = None
    executed_at: int = 0
    revoked_at: int = 0
    created_at: int = 0
    updated_at: int = 0

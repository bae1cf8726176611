"""The emulator's memory: payments (by paymentKey), billing authorizations and keys, idempotent answers
and the ledger of every money movement. One process, in memory, guarded by a lock. Money is KRW
``int``; times are unix seconds from the configured clock."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Payment:
    payment_key: str
    mid: str
    order_id: str
    order_name: str
    method: str                 # 카드 / 계좌이체 / 가상계좌 / 휴대폰
    total: int
    status: str
    requested_at: int
    type: str = "NORMAL"        # NORMAL (window), BILLING, KEYIN (paymux's label for key-in: Toss says NORMAL)
    choice: str = ""            # what the buyer picked in the window (core.CHOICES key)
    tax_free: int = 0
    balance: int = 0
    approved_at: int = 0
    customer_name: str = ""
    bank: str = ""              # transfer / virtual-account bank (Toss's 2-digit code)
    account_number: str = ""
    due: int = 0
    secret: str = ""            # a virtual account's secret, repeated in DEPOSIT_CALLBACK
    transaction_key: str = ""
    failure: dict[str, str] | None = None
    cancels: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BillingAuth:
    auth_key: str
    mid: str
    customer_key: str
    choice: str
    billing_key: str = ""


@dataclass
class BillingKey:
    billing_key: str
    mid: str
    customer_key: str
    choice: str
    card_number: str
    authenticated_at: int


class EmulatorState:
    def __init__(self, latency_ms: int = 0) -> None:
        self.lock = threading.Lock()
        self.payments: dict[str, Payment] = {}
        self.auths: dict[str, BillingAuth] = {}
        self.billing_keys: dict[str, BillingKey] = {}
        self.idempotent: dict[tuple[str, str, str, str], tuple[int, dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.webhooks: list[dict[str, Any]] = []
        self.outage = False
        self.latency_ms = latency_ms

    def record(self, kind: str, now: float, **fields: Any) -> None:
        """One ledger event; ``amount`` is KRW moved (+ charged, − refunded, 0 nothing)."""
        self.events.append({"kind": kind, "at": int(now), **fields})

    def by_order(self, mid: str, order_id: str) -> Payment | None:
        """The order's payment: the charged one if any, else the latest attempt."""
        found = [p for p in self.payments.values() if p.mid == mid and p.order_id == order_id]
        charged = [p for p in found if p.approved_at or p.status == "WAITING_FOR_DEPOSIT"]
        latest = charged or found
        return latest[-1] if latest else None

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "payments": [asdict(p) for p in self.payments.values()], "events": list(self.events),
                "billing_keys": [{**asdict(b), "billing_key": b.billing_key} for b in self.billing_keys.values()],
                "requests": list(self.requests), "webhooks": list(self.webhooks),
                "outage": self.outage, "latency_ms": self.latency_ms,
            }

"""The NICE emulator's memory: payments (by tid), billing keys (by bid), the money ledger, the webhooks
sent and the API requests received. One process, in memory, guarded by a lock. Money is KRW ``int``;
times are unix seconds from the configured clock."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Payment:
    tid: str
    client_id: str
    order_id: str
    amount: int
    goods_name: str
    method: str                 # card / vbank (window) or CARD (billing)
    status: str                 # ready (authenticated or vbank issued), paid, failed, cancelled, partialCancelled, expired
    created_at: int
    tax_free: int = 0
    auth_token: str = ""
    card_number: str = ""       # masked as NICE shows it
    card_code: str = ""
    trigger: str = ""           # the card number's last four digits (scenario)
    quota: int = 0
    approve_no: str = ""
    bid: str = ""
    buyer_name: str = ""
    buyer_tel: str = ""
    buyer_email: str = ""
    mall_reserved: str = ""
    channel: str = "pc"
    vbank: dict[str, Any] | None = None
    paid_at: int = 0
    failed_at: int = 0
    cancelled_at: int = 0
    balance: int = 0
    approved: bool = False      # the approval API was called and succeeded (vbank: the account was issued)
    cancels: list[dict[str, Any]] = field(default_factory=list)
    cancel_order_ids: list[str] = field(default_factory=list)


@dataclass
class BillingKey:
    bid: str
    client_id: str
    order_id: str
    card_number: str
    card_code: str
    trigger: str
    created_at: int
    status: str = "active"      # active / expired
    expired_at: int = 0


class EmulatorState:
    def __init__(self, latency_ms: int = 0) -> None:
        self.lock = threading.Lock()
        self.payments: dict[str, Payment] = {}
        self.windows: dict[str, dict[str, Any]] = {}   # window token → the requestPay fields
        self.keys: dict[str, BillingKey] = {}
        self.events: list[dict[str, Any]] = []
        self.hooks: list[dict[str, Any]] = []
        self.requests: deque[dict[str, Any]] = deque(maxlen=5000)  # no keys, no card data kept
        self.outage = False
        self.latency_ms = latency_ms

    def record(self, kind: str, now: float, **fields: Any) -> None:
        """One ledger event; ``amount`` is KRW moved (+ charged, − refunded, 0 nothing)."""
        self.events.append({"kind": kind, "at": int(now), **fields})

    def paid_for_order(self, client_id: str, order_id: str) -> Payment | None:
        return next((p for p in self.payments.values()
                     if p.client_id == client_id and p.order_id == order_id and p.approved), None)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "payments": [asdict(p) for p in self.payments.values()], "events": list(self.events),
                "billing_keys": [asdict(k) for k in self.keys.values()], "hooks": list(self.hooks),
                "requests": list(self.requests), "outage": self.outage, "latency_ms": self.latency_ms,
            }

"""The emulator's memory: ready and approved payments (by TID), SIDs, and the ledger of every money
movement. One process, in memory, guarded by a lock so concurrent requests (and a test thread reading
it) see consistent state. Money is KRW ``int``; times are unix seconds from the configured clock.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Payment:
    """One TID: created by ``ready`` (or directly by a ``subscription`` charge)."""

    tid: str
    cid: str
    partner_order_id: str
    partner_user_id: str
    item_name: str
    quantity: int
    total: int
    tax_free: int
    vat: int
    status: str
    created_at: int
    subscription: bool = False          # the CID issues SIDs
    approval_url: str = ""
    cancel_url: str = ""
    fail_url: str = ""
    page: str = ""                      # the buyer page's token (next_redirect_*_url)
    pg_token: str = ""                  # issued when the buyer approves
    method: str = ""                    # CARD / MONEY, chosen by the buyer
    card: str = ""                      # the card company of a CARD payment (Kakao's name)
    choice: str = ""                    # what the buyer picked on the emulator's page (core.METHODS key)
    aid: str = ""
    sid: str = ""
    approved_at: int = 0
    canceled_total: int = 0
    canceled_tax_free: int = 0
    canceled_vat: int = 0
    actions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def available(self) -> int:
        return self.total - self.canceled_total if self.approved_at else 0


@dataclass
class Sid:
    sid: str
    cid: str
    partner_user_id: str
    method: str
    card: str
    choice: str
    created_at: int
    status: str = "ACTIVE"
    last_approved_at: int = 0
    inactivated_at: int = 0


class EmulatorState:
    def __init__(self, latency_ms: int = 0) -> None:
        self.lock = threading.Lock()
        self.payments: dict[str, Payment] = {}
        self.pages: dict[str, str] = {}     # buyer page token → tid
        self.sids: dict[str, Sid] = {}
        self.events: list[dict[str, Any]] = []
        self.requests: deque[dict[str, Any]] = deque(maxlen=5000)  # the latest API calls (no keys kept)
        self.outage = False
        self.latency_ms = latency_ms

    def record(self, kind: str, now: float, **fields: Any) -> None:
        """One ledger event; ``amount`` is KRW moved (+ charged, − refunded, 0 nothing)."""
        self.events.append({"kind": kind, "at": int(now), **fields})

    def approved_for_order(self, cid: str, partner_order_id: str) -> Payment | None:
        return next((p for p in self.payments.values()
                     if p.cid == cid and p.partner_order_id == partner_order_id and p.approved_at), None)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            payments = [{**asdict(p), "cancel_available_amount": p.available} for p in self.payments.values()]
            return {
                "payments": payments, "events": list(self.events),
                "sids": [asdict(s) for s in self.sids.values()], "requests": list(self.requests),
                "outage": self.outage, "latency_ms": self.latency_ms,
            }

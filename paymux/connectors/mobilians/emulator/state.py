"""The emulator's memory: registrations (windows), authentications, payments, bill keys and the ledger
of every money movement. In memory, one process, guarded by a lock. Money is KRW ``int``."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Registration:
    tid: str
    sid: str
    trade_id: str
    amount: int
    product_name: str
    ok_url: str
    close_url: str
    fail_url: str
    time_stamp: str
    hybrid: bool
    auto_pay: bool
    phone: str = ""
    sms_code: str = ""
    pay_token: str = ""          # set by the window's authentication
    mc_user_key: str = ""
    authenticated_phone: str = ""
    used: bool = False           # approved (or refused at approval) once


@dataclass
class Payment:
    trade_id: str
    sid: str
    pay_token: str               # the window's pay_token, or the billing approval's mobil_id
    amount: int
    balance: int
    phone: str
    approved_at: int
    transaction_id: str
    kind: str                    # "window" | "billing"
    bill_key: str = ""
    status: str = "approved"     # approved | cancelled
    reply: dict[str, Any] = field(default_factory=dict)   # the approval answer (replayed for billing)
    cancels: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BillKey:
    bill_key: str
    sid: str
    mc_user_key: str
    phone: str
    issued_at: int
    first_amount: int = 0
    first_day: int = 0


class EmulatorState:
    def __init__(self, latency_ms: int = 0) -> None:
        self.lock = threading.Lock()
        self.registrations: dict[str, Registration] = {}
        self.payments: dict[tuple[str, str], Payment] = {}   # (sid, trade_id)
        self.bill_keys: dict[str, BillKey] = {}
        self.events: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []             # every server call (path, masked body)
        self.outage = False
        self.latency_ms = latency_ms
        self.drop_replies: dict[str, int] = {}               # path tail → how many replies to hold

    def record(self, kind: str, at: float, **fields: Any) -> None:
        self.events.append({"kind": kind, "at": int(at), **fields})

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "payments": [asdict(p) for p in self.payments.values()],
                "events": list(self.events),
                "requests": list(self.requests),
                "bill_keys": [{"sid": k.sid, "phone": k.phone[:3] + "****" + k.phone[-4:], "issued_at": k.issued_at,
                               "first_amount": k.first_amount, "first_day": k.first_day} for k in self.bill_keys.values()],
                "registrations": [{"tid": r.tid, "trade_id": r.trade_id, "amount": r.amount, "auto_pay": r.auto_pay,
                                   "used": r.used} for r in self.registrations.values()],
            }

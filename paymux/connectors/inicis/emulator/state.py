"""The emulator's memory: open windows, authentications waiting for approval, payments, billing keys,
and the ledger of every money movement. One process, in memory, guarded by a lock so concurrent
requests (and a test thread reading it) see consistent state.

Money is KRW ``int``; times are unix seconds from the configured clock.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from paymux.connectors.inicis.emulator.scenarios import KeyedCard


@dataclass
class WindowSession:
    """A window opened by ``/payMain/pay`` (``channel="std"``) or ``/smart/payment/`` (``"mobile"``)."""

    id: str
    channel: str
    mid: str
    oid: str
    price: int
    goodname: str
    buyername: str
    buyertel: str
    buyeremail: str
    methods: tuple[str, ...]            # offered: Card, DirectBank, VBank, HPP
    return_url: str                     # returnUrl (std) or P_NEXT_URL (mobile)
    close_url: str                      # closeUrl (std); "" on mobile
    merchant_data: str                  # merchantData (std) or P_NOTI (mobile)
    created_at: float
    quotabase: tuple[int, ...] = ()
    billing: bool = False               # acceptmethod BILLAUTH(Card)
    below1000: bool = False
    vbank_due: str = ""                 # YYYYMMDDhhmm from vbank(…) / P_VBANK_DT+TM
    noti_url: str = ""                  # P_NOTI_URL (mobile)
    result_charset: str = "utf-8"       # charset of the result form / mobile approval reply
    center_cd: bool = False             # centerCd(Y) / centerCd=Y: return idc_name
    sms_code: str = ""
    method: str = ""                    # the method the buyer is on


@dataclass
class Authentication:
    """What the window authenticated; approved later by payAuth / payReq.ini, exactly once."""

    token: str                          # authToken (std) or the INIMX_AUTH P_TID (mobile)
    session: WindowSession
    method: str
    issued_at: float
    card: KeyedCard | None = None
    quota: int = 0
    bank_code: str = ""                 # INICIS code: transfer source bank / vbank bank
    phone: str = ""
    used: bool = False
    approved_tid: str | None = None     # the payment it created
    billing_key: str | None = None      # the key it issued (BILLAUTH)
    net_cancelled: bool = False


@dataclass
class Cancel:
    tid: str
    amount: int
    at: int
    partial: bool


@dataclass
class Payment:
    """An approved payment or an issued virtual account, as INICIS keeps it."""

    tid: str
    mid: str
    oid: str
    method: str                         # Card | DirectBank | VBank | HPP
    price: int
    balance: int                        # what is still charged (0 once fully cancelled)
    status: str                         # approved | cancelled | vbank_waiting | vbank_deposited | vbank_cancelled
    channel: str                        # std | mobile | iniapi
    approved_at: int
    auth_no: str = ""
    card_code: str = ""
    card_number: str = ""               # masked
    card_quota: int = 0
    check_flag: str = ""
    partial_cancellable: bool = True
    bank_code: str = ""
    vacct_num: str = ""
    vacct_name: str = ""
    vacct_due: str = ""                 # YYYYMMDDhhmmss (KST)
    depositor: str = ""
    phone: str = ""
    goodname: str = ""
    buyer_name: str = ""
    notice_url: str = ""                # P_NOTI_URL of a mobile vbank
    notice_format: str = "std"          # std (NO_TID…) | mobile (P_STATUS=02…)
    merchant_data: str = ""
    cancels: list[Cancel] = field(default_factory=list)

    @property
    def cancelled_amount(self) -> int:
        return sum(cancel.amount for cancel in self.cancels)


@dataclass
class BillingKey:
    key: str
    mid: str
    card: KeyedCard
    card_code: str
    check_flag: str
    issued_at: int


class EmulatorState:
    """All mutable state; methods take the lock, callers never touch the dicts concurrently."""

    def __init__(self, latency_ms: int = 0) -> None:
        self.lock = threading.Lock()
        self.sessions: dict[str, WindowSession] = {}
        self.auths: dict[str, Authentication] = {}
        self.payments: dict[str, Payment] = {}
        self.billing_keys: dict[str, BillingKey] = {}
        self.events: list[dict[str, Any]] = []
        self.notices: list[dict[str, Any]] = []
        self.outage = False
        self.latency_ms = latency_ms

    def record(self, kind: str, at: float, **data: Any) -> None:
        """Append a ledger event (caller holds the lock). ``amount``: KRW moved (+ charged, − returned)."""
        self.events.append({"seq": len(self.events) + 1, "kind": kind, "at": int(at), **data})

    def payment_for_order(self, mid: str, oid: str) -> Payment | None:
        """The newest payment of a merchant order (caller holds the lock)."""
        found = [p for p in self.payments.values() if p.mid == mid and p.oid == oid]
        return max(found, key=lambda p: p.approved_at) if found else None

    def snapshot(self) -> dict[str, Any]:
        """The ledger as ``GET /_emulator/transactions`` shows it (no card numbers beyond the mask)."""
        with self.lock:
            payments = []
            for payment in self.payments.values():
                item = asdict(payment)
                item["cancelled_amount"] = payment.cancelled_amount
                payments.append(item)
            keys = [
                {"billKey": key.key, "mid": key.mid, "card_number": key.card.masked, "card_code": key.card_code,
                 "issued_at": key.issued_at}
                for key in self.billing_keys.values()
            ]
            return {
                "payments": payments,
                "events": [dict(event) for event in self.events],
                "billing_keys": keys,
                "notices": [dict(notice) for notice in self.notices],
                "outage": self.outage,
                "latency_ms": self.latency_ms,
            }

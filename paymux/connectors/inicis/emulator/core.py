"""The emulator's shared context and the PG decisions every channel (window, mobile, INIAPI) shares:
charging a card, approving what a window authenticated, cancelling, and the inquiry status.

Every function that takes ``emu`` and touches ``emu.state`` expects the caller to hold ``emu.state.lock``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jinja2
from starlette.requests import Request

from paymux.connectors.inicis import codes
from paymux.connectors.inicis.emulator import scenarios
from paymux.connectors.inicis.emulator.config import EmulatorConfig, EmulatorMerchant
from paymux.connectors.inicis.emulator.state import (
    Authentication,
    BillingKey,
    Cancel,
    EmulatorState,
    Payment,
)
from paymux.connectors.inicis.protocol import kst
from paymux.connectors.sandbox import CardBehaviour

TEMPLATES = Path(__file__).parent / "templates"

# tid prefixes per channel and method (``StdpayCARD`` is published [INI-API]; the others follow the same
# 10-character pattern: paymux's choice).
STD_PREFIX = {"Card": "StdpayCARD", "DirectBank": "StdpayDBNK", "VBank": "StdpayVBNK", "HPP": "StdpayHPP_"}
MOBILE_PREFIX = {"Card": "INIMX_CARD", "DirectBank": "INIMX_DBNK", "VBank": "INIMX_VBNK", "HPP": "INIMX_HPP_"}


class Emulator:
    """Config + state + templates, reachable from every route as ``request.app.state.emulator``."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.state = EmulatorState(config.latency_ms)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=jinja2.select_autoescape(["html"]),
        )

    def now(self) -> float:
        return float(self.config.clock())

    def merchant(self, mid: str) -> EmulatorMerchant | None:
        return self.config.merchants.get(mid)

    def base_url(self, request: Request) -> str:
        """The URL callers reach the emulator at (``config.base_url`` or the request's own)."""
        if self.config.base_url:
            return self.config.base_url.rstrip("/")
        return str(request.base_url).rstrip("/")

    def render(self, name: str, **context: object) -> str:
        return self.templates.get_template(name).render(**context)


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


@dataclass
class ChargeOutcome:
    """A decision: ``code`` is the success code given by the caller or INICIS's failure code; ``slow``
    means the reply must be held past the caller's timeout (the decision is already committed)."""

    code: str
    payment: Payment | None = None
    billing_key: BillingKey | None = None
    slow: bool = False


def duplicate_order(emu: Emulator, mid: str, oid: str) -> bool:
    """INICIS refuses a merchant order number it already has a payment for (500619)."""
    return emu.state.payment_for_order(mid, oid) is not None


def charge_card(
    emu: Emulator, *, mid: str, oid: str, price: int, card: scenarios.KeyedCard, quota: int, channel: str,
    tid_prefix: str, ok_code: str, goodname: str = "", buyer_name: str = "", merchant_data: str = "",
) -> ChargeOutcome:
    """Approve or decline a card charge by the sandbox table; a "timeout" card commits and is slow."""
    now = emu.now()
    behaviour = scenarios.behaviour(card, now)
    slow = behaviour in scenarios.SLOW
    if behaviour is not CardBehaviour.APPROVE and behaviour is not CardBehaviour.TIMEOUT_THEN_APPROVED:
        code = scenarios.DECLINE_CODES[behaviour]
        emu.state.record("decline", now, mid=mid, oid=oid, amount=0, method="Card", code=code,
                         card_number=card.masked)
        return ChargeOutcome(code, slow=slow)
    profile = scenarios.profile(card)
    payment = Payment(
        tid=scenarios.new_tid(tid_prefix, mid, now), mid=mid, oid=oid, method="Card", price=price, balance=price,
        status="approved", channel=channel, approved_at=int(now), auth_no=scenarios.approval_number(),
        card_code=profile.inicis_code, card_number=card.masked, card_quota=quota, check_flag=profile.check_flag,
        partial_cancellable=profile.partial_cancellable, goodname=goodname, buyer_name=buyer_name,
        merchant_data=merchant_data,
    )
    commit_payment(emu, payment)
    return ChargeOutcome(ok_code, payment, slow=slow)


def commit_payment(emu: Emulator, payment: Payment) -> None:
    emu.state.payments[payment.tid] = payment
    charged = payment.price if payment.status == "approved" else 0
    kind = "vbank_issue" if payment.method == "VBank" else "approval"
    emu.state.record(kind, payment.approved_at, tid=payment.tid, mid=payment.mid, oid=payment.oid,
                     amount=charged, method=payment.method, channel=payment.channel)


def issue_billing_key(emu: Emulator, merchant: EmulatorMerchant, card: scenarios.KeyedCard) -> ChargeOutcome:
    """A billing key for ``card`` (nothing charged), or INICIS's refusal."""
    now = emu.now()
    refusal = scenarios.billing_key_refusal(card, scenarios.behaviour(card, now), merchant.test_mode)
    if refusal:
        emu.state.record("billing_key_refused", now, mid=merchant.keys.mid, amount=0, code=refusal,
                         card_number=card.masked)
        return ChargeOutcome(refusal)
    profile = scenarios.profile(card)
    key = BillingKey(scenarios.new_token()[:40], merchant.keys.mid, card, profile.inicis_code, profile.check_flag, int(now))
    emu.state.billing_keys[key.key] = key
    emu.state.record("billing_key", now, mid=key.mid, amount=0, billKey=key.key, card_number=card.masked)
    return ChargeOutcome(codes.API_OK, billing_key=key)


def vbank_due(now: float, due: str) -> str:
    """``YYYYMMDDhhmmss`` deadline from ``YYYYMMDD[hhmm]``, default seven days at 23:59:59 KST
    (INICIS's default is not published: paymux's choice)."""
    if len(due) >= 8:
        return (due[:8] + (due[8:12] or "2359") + "59")[:14]
    return (kst(now) + timedelta(days=7)).strftime("%Y%m%d") + "235959"


def approve_authentication(emu: Emulator, auth: Authentication, ok_code: str) -> ChargeOutcome:
    """payAuth / payReq.ini: turn a window authentication into a payment (or a billing key) once."""
    now = emu.now()
    session = auth.session
    auth.used = True
    merchant = emu.merchant(session.mid)
    assert merchant is not None
    if session.billing:
        assert auth.card is not None
        outcome = issue_billing_key(emu, merchant, auth.card)
        auth.billing_key = outcome.billing_key.key if outcome.billing_key else None
        return ChargeOutcome(ok_code if outcome.billing_key else outcome.code, billing_key=outcome.billing_key)
    if duplicate_order(emu, session.mid, session.oid):
        return ChargeOutcome(codes.DUPLICATE_ORDER)
    prefixes = STD_PREFIX if session.channel == "std" else MOBILE_PREFIX
    if auth.method == "Card":
        assert auth.card is not None
        outcome = charge_card(
            emu, mid=session.mid, oid=session.oid, price=session.price, card=auth.card, quota=auth.quota,
            channel=session.channel, tid_prefix=prefixes["Card"], ok_code=ok_code, goodname=session.goodname,
            buyer_name=session.buyername, merchant_data=session.merchant_data,
        )
        if outcome.payment:
            auth.approved_tid = outcome.payment.tid
        return outcome
    if auth.method == "HPP" and (refusal := scenarios.phone_refusal(auth.phone)):
        emu.state.record("decline", now, mid=session.mid, oid=session.oid, amount=0, method="HPP", code=refusal)
        return ChargeOutcome(refusal)
    vbank = auth.method == "VBank"
    payment = Payment(
        tid=scenarios.new_tid(prefixes[auth.method], session.mid, now), mid=session.mid, oid=session.oid,
        method=auth.method, price=session.price, balance=0 if vbank else session.price,
        status="vbank_waiting" if vbank else "approved", channel=session.channel, approved_at=int(now),
        auth_no=scenarios.approval_number(), bank_code=auth.bank_code, phone=auth.phone,
        goodname=session.goodname, buyer_name=session.buyername, merchant_data=session.merchant_data,
        partial_cancellable=auth.method != "HPP",
    )
    if vbank:
        payment.vacct_num, payment.vacct_name = scenarios.vacct_number(), merchant.name
        payment.vacct_due = vbank_due(now, session.vbank_due)
        if session.channel == "mobile" and session.noti_url:
            payment.notice_url, payment.notice_format = session.noti_url, emu.config.mobile_notice_format
    commit_payment(emu, payment)
    auth.approved_tid = payment.tid
    return ChargeOutcome(ok_code, payment)


def cancel_whole(emu: Emulator, payment: Payment, kind: str) -> int:
    """Cancel what is left of a payment (net cancel / Refund). Returns the KRW returned."""
    now = emu.now()
    returned = payment.balance
    if payment.status == "vbank_waiting":
        payment.status = "vbank_cancelled"
    else:
        payment.status = "cancelled"
    payment.balance = 0
    payment.cancels.append(Cancel(payment.tid, returned, int(now), partial=False))
    emu.state.record(kind, now, tid=payment.tid, mid=payment.mid, oid=payment.oid, amount=-returned,
                     method=payment.method)
    return returned


def inquiry_status(payment: Payment) -> str:
    """INIAPI inquiry ``status`` of a payment [INICISJS]; a refunded deposited vbank reads ``1``."""
    if payment.method == "VBank":
        return {
            "vbank_waiting": codes.INQUIRY_VBANK_WAITING,
            "vbank_deposited": codes.INQUIRY_VBANK_DEPOSITED,
            "vbank_cancelled": codes.INQUIRY_VBANK_CANCELLED,
        }.get(payment.status, codes.INQUIRY_CANCELLED)
    return codes.INQUIRY_CANCELLED if payment.status == "cancelled" else codes.INQUIRY_APPROVED

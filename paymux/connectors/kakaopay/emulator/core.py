"""Kakao Pay's decisions, shared by both API generations: ready, approve, order, cancel, subscription,
SID management. Pure functions over the emulator's state; every one expects the caller to hold
``emu.state.lock`` and raises :class:`KakaoFail` for Kakao's refusals.

Scenario triggers are test data (pg-live-protocols.md §7), never emulator-only headers:
``total_amount`` ending (mod 10,000) in ``9995`` → Kakao Money short (``-780`` ``NOT_ENOUGH_BALANCE``),
``0002`` → card over its limit (``-780`` ``0002``), ``0119`` → approval committed and its reply held
past the caller's timeout, ``0101`` → decline committed and its reply held, ``0752`` → SID over its
monthly limit (``-752``); on the buyer page, the payment method "잔액 부족 카카오머니" / "한도초과 카드"
declines at approve (and every later charge of an SID issued that way); a cancel whose ``payload``
contains ``lost-reply`` is applied and its reply held.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request

from paymux.connectors.kakaopay import codes
from paymux.connectors.kakaopay.emulator.config import EmulatorConfig, EmulatorMerchant
from paymux.connectors.kakaopay.emulator.state import EmulatorState, Payment, Sid
from paymux.connectors.kakaopay.transformers import kst_text

TEMPLATES = Path(__file__).parent / "templates"

# The buyer page's payment methods: key → (payment_method_type, card corp or "", decline method_result_code or "")
METHODS: dict[str, tuple[str, str, str]] = {
    "MONEY": (codes.MONEY, "", ""),
    "CARD_SHINHAN": (codes.CARD, "신한카드", ""),
    "CARD_KB": (codes.CARD, "KB국민카드", ""),
    "MONEY_LOW": (codes.MONEY, "", "NOT_ENOUGH_BALANCE"),
    "CARD_LIMIT": (codes.CARD, "현대카드", "0002"),
}
METHOD_LABELS = {
    "MONEY": "카카오머니", "CARD_SHINHAN": "신한카드 (체크)", "CARD_KB": "KB국민카드 (신용)",
    "MONEY_LOW": "카카오머니 (잔액 부족)", "CARD_LIMIT": "현대카드 (한도 초과)",
}
CARD_BINS = {"신한카드": "457972", "KB국민카드": "540926", "현대카드": "433290"}
CARD_TYPES = {"신한카드": "체크", "KB국민카드": "신용", "현대카드": "신용"}
AMOUNT_DECLINES = {9995: "NOT_ENOUGH_BALANCE", 2: "0002"}
SLOW_APPROVE, SLOW_DECLINE, MONTHLY_LIMIT = 119, 101, 752


class KakaoFail(Exception):
    """A Kakao refusal: ``code`` (negative), HTTP ``status``, and the payment method's extras."""

    def __init__(self, code: int, detail: str = "", *, status: int = 400, method_result_code: str = "",
                 slow: bool = False) -> None:
        super().__init__(code)
        self.code, self.status, self.slow = code, status, slow
        self.message = codes.message(code) + (f": {detail}" if detail else "")
        self.extras: dict[str, str] = {}
        if method_result_code:
            self.extras = {"method_result_code": method_result_code,
                           "method_result_message": codes.METHOD_RESULTS.get(method_result_code, "")}


@dataclass
class Answer:
    body: dict[str, Any]
    slow: bool = False
    headers: dict[str, str] = field(default_factory=dict)


class Emulator:
    """Config + state + templates, reachable from every route as ``request.app.state.emulator``."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.state = EmulatorState(config.latency_ms)
        self.templates = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                            autoescape=jinja2.select_autoescape(["html"]))

    def now(self) -> float:
        return float(self.config.clock())

    def base_url(self, request: Request) -> str:
        if self.config.base_url:
            return self.config.base_url.rstrip("/")
        return str(request.base_url).rstrip("/")

    def render(self, name: str, **context: object) -> str:
        return self.templates.get_template(name).render(**context)

    def expired(self, payment: Payment) -> bool:
        return not payment.approved_at and self.now() - payment.created_at > self.config.ready_ttl_seconds


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


# --- field readers ---------------------------------------------------------------------------------


def _text(params: dict[str, Any], name: str, *, required: bool = True, limit: int = 100) -> str:
    value = params.get(name)
    text = "" if value is None else str(value)
    if required and not text:
        raise KakaoFail(codes.INVALID_PARAMETER, f"{name} is required")
    if len(text) > limit:
        raise KakaoFail(codes.INVALID_PARAMETER, f"{name} is longer than {limit} characters")
    return text


def _int(params: dict[str, Any], name: str, *, required: bool = True, minimum: int = 0) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise KakaoFail(codes.INVALID_PARAMETER, f"{name} is required")
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit())):
        raise KakaoFail(codes.INVALID_PARAMETER, f"{name} must be an integer")
    number = int(value)
    if number < minimum:
        raise KakaoFail(codes.INVALID_PARAMETER, f"{name} must be at least {minimum}")
    return number


def _new_id(prefix: str, now: float) -> str:
    """Kakao's 20-character ids (``T…`` TID, ``A…`` AID, ``S…`` SID) [KK-OLD]."""
    return f"{prefix}{int(now) % 10**10:010d}{secrets.randbelow(10**9):09d}"


def _vat(total: int, tax_free: int) -> int:
    """Kakao's default VAT: (total − tax_free) / 11, rounded [KK-OLD]."""
    return int((total - tax_free) / 11 + 0.5)


def _tid_of(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Payment:
    tid = _text(params, "tid", limit=20)
    payment = emu.state.payments.get(tid)
    if payment is None or payment.cid != merchant.cid:
        raise KakaoFail(codes.TID_NOT_FOUND)
    return payment


# --- replies ---------------------------------------------------------------------------------------


def _amount(total: int, tax_free: int, vat: int) -> dict[str, int]:
    return {"total": total, "tax_free": tax_free, "vat": vat, "point": 0, "discount": 0, "green_deposit": 0}


def _card_info(payment: Payment) -> dict[str, Any] | None:
    if payment.method != codes.CARD:
        return None
    return {
        "kakaopay_purchase_corp": payment.card, "kakaopay_purchase_corp_code": "", "kakaopay_issuer_corp": payment.card,
        "kakaopay_issuer_corp_code": "", "bin": CARD_BINS.get(payment.card, "457972"),
        "card_type": CARD_TYPES.get(payment.card, "신용"), "install_month": "00",
        "approved_id": f"{int(payment.approved_at) % 10**8:08d}", "card_mid": "", "interest_free_install": "N",
        "installment_type": "", "card_item_code": "",
    }


def approve_body(payment: Payment) -> dict[str, Any]:
    """The approve / subscription reply [KK-CLIENT ``KakaopayApproveResponse``]."""
    body: dict[str, Any] = {
        "aid": payment.aid, "tid": payment.tid, "cid": payment.cid, "partner_order_id": payment.partner_order_id,
        "partner_user_id": payment.partner_user_id, "payment_method_type": payment.method,
        "amount": _amount(payment.total, payment.tax_free, payment.vat), "item_name": payment.item_name,
        "item_code": "", "quantity": payment.quantity, "created_at": kst_text(payment.created_at),
        "approved_at": kst_text(payment.approved_at), "payload": "",
    }
    if payment.sid:
        body["sid"] = payment.sid
    card = _card_info(payment)
    if card:
        body["card_info"] = card
    return body


def order_body(emu: Emulator, payment: Payment) -> dict[str, Any]:
    """The order reply [KK-STATUS]: status, amounts, the action history."""
    status = payment.status
    if emu.expired(payment) and status in (codes.READY, codes.OPEN_PAYMENT, codes.AUTH_PASSWORD):
        status = codes.FAIL_PAYMENT  # a lapsed ready (paymux's choice of status)
    canceled_vat = payment.canceled_vat
    body: dict[str, Any] = {
        "tid": payment.tid, "cid": payment.cid, "status": status, "partner_order_id": payment.partner_order_id,
        "partner_user_id": payment.partner_user_id, "payment_method_type": payment.method or None,
        "amount": _amount(payment.total, payment.tax_free, payment.vat),
        "canceled_amount": _amount(payment.canceled_total, payment.canceled_tax_free, canceled_vat),
        "cancel_available_amount": _amount(payment.available, payment.tax_free - payment.canceled_tax_free if payment.approved_at else 0,
                                           payment.vat - canceled_vat if payment.approved_at else 0),
        "item_name": payment.item_name, "item_code": "", "quantity": payment.quantity,
        "created_at": kst_text(payment.created_at),
        "approved_at": kst_text(payment.approved_at) if payment.approved_at else None,
        "canceled_at": next((a["approved_at"] for a in reversed(payment.actions)
                             if a["payment_action_type"] == codes.ACTION_CANCEL), None),
        "payment_action_details": list(payment.actions),
    }
    if payment.sid:
        body["sid"] = payment.sid
    if payment.method == codes.CARD:
        body["selected_card_info"] = {"card_bin": CARD_BINS.get(payment.card, ""), "install_month": 0,
                                      "card_corp_name": payment.card, "interest_free_install": "N"}
    return body


# --- operations ------------------------------------------------------------------------------------


def ready(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any], base: str) -> Answer:
    now = emu.now()
    order_id = _text(params, "partner_order_id")
    user_id = _text(params, "partner_user_id")
    item_name = _text(params, "item_name")
    quantity = _int(params, "quantity", minimum=1) or 1
    total = _int(params, "total_amount") or 0
    tax_free = _int(params, "tax_free_amount") or 0
    approval_url, cancel_url, fail_url = (_text(params, name, limit=255) for name in ("approval_url", "cancel_url", "fail_url"))
    install = _int(params, "install_month", required=False)
    if total == 0 and not merchant.subscription:
        raise KakaoFail(codes.INVALID_PARAMETER, "total_amount must be more than 0 (a one-time CID charges something)")
    if tax_free > total:
        raise KakaoFail(codes.INVALID_PARAMETER, "tax_free_amount is more than total_amount")
    vat = _int(params, "vat_amount", required=False)
    if vat is None:
        vat = _vat(total, tax_free)
    elif vat > total - tax_free:
        raise KakaoFail(codes.INVALID_PARAMETER, "vat_amount is more than the taxable amount")
    if install is not None and not 0 <= install <= 12:
        raise KakaoFail(codes.INVALID_PARAMETER, "install_month must be 0-12")
    payment = Payment(
        tid=_new_id("T", now), cid=merchant.cid, partner_order_id=order_id, partner_user_id=user_id, item_name=item_name,
        quantity=quantity, total=total, tax_free=tax_free, vat=vat, status=codes.READY, created_at=int(now),
        subscription=merchant.subscription, page=secrets.token_urlsafe(16),
        approval_url=approval_url, cancel_url=cancel_url, fail_url=fail_url,
    )
    emu.state.payments[payment.tid] = payment
    emu.state.pages[payment.page] = payment.tid
    emu.state.record("ready", now, tid=payment.tid, cid=merchant.cid, partner_order_id=order_id, amount=0)
    page = f"{base}/mockup/v1/{payment.page}"
    return Answer({
        "tid": payment.tid, "tms_result": False, "created_at": kst_text(now),
        "next_redirect_app_url": f"{page}/aInfo", "next_redirect_mobile_url": f"{page}/mInfo",
        "next_redirect_pc_url": f"{page}/info",
        "android_app_scheme": f"kakaotalk://kakaopay/pg?url={page}/order", "ios_app_scheme": f"kakaotalk://kakaopay/pg?url={page}/order",
    })


def _decline_code(method_key: str, total: int) -> str:
    return METHODS.get(method_key, METHODS["MONEY"])[2] or AMOUNT_DECLINES.get(total % 10_000, "")


def _decline(emu: Emulator, payment: Payment, code: str, slow: bool) -> KakaoFail:
    payment.status = codes.FAIL_PAYMENT
    emu.state.record("decline", emu.now(), tid=payment.tid, cid=payment.cid, partner_order_id=payment.partner_order_id,
                     amount=0, method_result_code=code)
    return KakaoFail(codes.APPROVAL_FAILED, method_result_code=code, slow=slow)


def _commit(emu: Emulator, payment: Payment, action_type: str) -> None:
    now = emu.now()
    payment.aid, payment.approved_at = _new_id("A", now), int(now)
    payment.actions.append({
        "aid": payment.aid, "approved_at": kst_text(now), "amount": payment.total, "point_amount": 0,
        "discount_amount": 0, "green_deposit": 0, "payment_action_type": action_type, "payload": "",
    })
    emu.state.record("approval" if payment.total else "sid_issue", now, tid=payment.tid, cid=payment.cid,
                     partner_order_id=payment.partner_order_id, amount=payment.total, sid=payment.sid)


def approve(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    payment = _tid_of(emu, merchant, params)
    if payment.approved_at:
        raise KakaoFail(codes.ALREADY_APPROVED)
    if emu.expired(payment):
        raise KakaoFail(codes.PAYMENT_EXPIRED)
    if _text(params, "partner_order_id") != payment.partner_order_id:
        raise KakaoFail(codes.ORDER_ID_MISMATCH)
    if _text(params, "partner_user_id") != payment.partner_user_id:
        raise KakaoFail(codes.USER_ID_MISMATCH)
    token = _text(params, "pg_token", limit=100)
    if payment.status in (codes.QUIT_PAYMENT, codes.FAIL_PAYMENT):
        raise KakaoFail(codes.STATE_FORBIDS_APPROVAL, payment.status)
    if not payment.pg_token:
        raise KakaoFail(codes.NOT_AUTHENTICATED_YET)
    if token != payment.pg_token:
        raise KakaoFail(codes.INVALID_PG_TOKEN)
    total = _int(params, "total_amount", required=False)
    if total is not None and total != payment.total:
        raise KakaoFail(codes.AMOUNT_MISMATCH)
    if emu.state.approved_for_order(payment.cid, payment.partner_order_id):
        raise KakaoFail(codes.DUPLICATE_REQUEST, "partner_order_id is already approved")
    ending = payment.total % 10_000
    decline = _decline_code(payment.choice, payment.total) if payment.total else ""
    if decline:
        raise _decline(emu, payment, decline, slow=ending == SLOW_DECLINE)
    if ending == SLOW_DECLINE and payment.total:
        raise _decline(emu, payment, "0010", slow=True)  # 0010: the issuer timed out
    if payment.subscription:
        now = emu.now()
        sid = Sid(_new_id("S", now), payment.cid, payment.partner_user_id, payment.method, payment.card, payment.choice,
                  int(now))
        emu.state.sids[sid.sid] = sid
        payment.sid = sid.sid
        if payment.total:
            sid.last_approved_at = int(now)
    payment.status = codes.SUCCESS_PAYMENT if payment.total else codes.ISSUED_SID
    _commit(emu, payment, codes.ACTION_PAYMENT if payment.total else codes.ACTION_ISSUED_SID)
    return Answer(approve_body(payment), slow=ending == SLOW_APPROVE)


def order(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    return Answer(order_body(emu, _tid_of(emu, merchant, params)))


def cancel(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    payment = _tid_of(emu, merchant, params)
    amount = _int(params, "cancel_amount", minimum=1) or 0
    tax_free = _int(params, "cancel_tax_free_amount") or 0
    vat = _int(params, "cancel_vat_amount", required=False)
    checksum = _int(params, "cancel_available_amount", required=False)
    payload = _text(params, "payload", required=False, limit=200)
    if payment.status not in (codes.SUCCESS_PAYMENT, codes.PART_CANCEL_PAYMENT):
        raise KakaoFail(codes.STATE_FORBIDS_CANCEL, payment.status)
    if amount > payment.available:
        raise KakaoFail(codes.CANCEL_OVER_AVAILABLE, f"{payment.available} KRW is cancellable")
    if checksum is not None and checksum != payment.available:
        raise KakaoFail(codes.CANCEL_OVER_AVAILABLE, f"cancel_available_amount {checksum} ≠ {payment.available}")
    tax_free_left, vat_left = payment.tax_free - payment.canceled_tax_free, payment.vat - payment.canceled_vat
    if tax_free > amount or tax_free > tax_free_left:
        raise KakaoFail(codes.INVALID_PARAMETER, f"cancel_tax_free_amount is more than the {tax_free_left} KRW tax-free left")
    if amount == payment.available and tax_free != tax_free_left:
        raise KakaoFail(codes.INVALID_PARAMETER, f"the last cancel must return the {tax_free_left} KRW tax-free left")
    if vat is None:
        vat = vat_left if amount == payment.available else min(vat_left, _vat(amount, tax_free))
    elif vat > vat_left or vat > amount - tax_free:
        raise KakaoFail(codes.INVALID_PARAMETER, "cancel_vat_amount is more than the VAT left")
    now = emu.now()
    payment.canceled_total += amount
    payment.canceled_tax_free += tax_free
    payment.canceled_vat += vat
    payment.status = codes.CANCEL_PAYMENT if payment.available == 0 else codes.PART_CANCEL_PAYMENT
    aid = _new_id("A", now)
    payment.actions.append({
        "aid": aid, "approved_at": kst_text(now), "amount": amount, "point_amount": 0, "discount_amount": 0,
        "green_deposit": 0, "payment_action_type": codes.ACTION_CANCEL, "payload": payload,
    })
    emu.state.record("cancel", now, tid=payment.tid, cid=payment.cid, partner_order_id=payment.partner_order_id,
                     amount=-amount, aid=aid, payload=payload)
    body = {
        "aid": aid, "tid": payment.tid, "cid": payment.cid, "status": payment.status,
        "partner_order_id": payment.partner_order_id, "partner_user_id": payment.partner_user_id,
        "payment_method_type": payment.method, "item_name": payment.item_name, "item_code": "",
        "quantity": payment.quantity, "amount": _amount(payment.total, payment.tax_free, payment.vat),
        "approved_cancel_amount": _amount(amount, tax_free, vat),
        "canceled_amount": _amount(payment.canceled_total, payment.canceled_tax_free, payment.canceled_vat),
        "cancel_available_amount": _amount(payment.available, payment.tax_free - payment.canceled_tax_free,
                                           payment.vat - payment.canceled_vat),
        "created_at": kst_text(payment.created_at), "approved_at": kst_text(payment.approved_at),
        "canceled_at": kst_text(now), "payload": payload,
    }
    return Answer(body, slow="lost-reply" in payload)


def _sid_of(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Sid:
    sid = emu.state.sids.get(_text(params, "sid", limit=20))
    if sid is None or sid.cid != merchant.cid:
        raise KakaoFail(codes.SID_NOT_FOUND)
    return sid


def subscription(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    """A later charge of an SID [KK-CLIENT]; ``item_name`` is optional here (the older API's clients
    omit it)."""
    if not merchant.subscription:
        raise KakaoFail(codes.INVALID_CID, "not a subscription CID")
    sid = _sid_of(emu, merchant, params)
    order_id = _text(params, "partner_order_id")
    user_id = _text(params, "partner_user_id")
    quantity = _int(params, "quantity", minimum=1) or 1
    total = _int(params, "total_amount", minimum=1) or 0
    tax_free = _int(params, "tax_free_amount") or 0
    vat = _int(params, "vat_amount", required=False)
    if sid.status != codes.SID_ACTIVE:
        raise KakaoFail(codes.SID_INACTIVE)
    if user_id != sid.partner_user_id:
        raise KakaoFail(codes.SID_USER_MISMATCH)
    if tax_free > total:
        raise KakaoFail(codes.INVALID_PARAMETER, "tax_free_amount is more than total_amount")
    vat = _vat(total, tax_free) if vat is None else vat
    if emu.state.approved_for_order(merchant.cid, order_id):
        raise KakaoFail(codes.DUPLICATE_REQUEST, "partner_order_id is already approved")
    now = emu.now()
    payment = Payment(
        tid=_new_id("T", now), cid=merchant.cid, partner_order_id=order_id, partner_user_id=user_id,
        item_name=_text(params, "item_name", required=False) or "정기결제", quantity=quantity, total=total,
        tax_free=tax_free, vat=vat, status=codes.READY, created_at=int(now), subscription=True, method=sid.method,
        card=sid.card, choice=sid.choice, sid=sid.sid,
    )
    emu.state.payments[payment.tid] = payment
    ending = total % 10_000
    if ending == MONTHLY_LIMIT:
        payment.status = codes.FAIL_PAYMENT
        raise KakaoFail(codes.SID_MONTHLY_LIMIT)
    if decline := _decline_code(sid.choice, total):
        raise _decline(emu, payment, decline, slow=ending == SLOW_DECLINE)
    if ending == SLOW_DECLINE:
        raise _decline(emu, payment, "0010", slow=True)
    payment.status = codes.SUCCESS_PAYMENT
    sid.last_approved_at = int(now)
    _commit(emu, payment, codes.ACTION_PAYMENT)
    return Answer(approve_body(payment), slow=ending == SLOW_APPROVE)


def _sid_body(sid: Sid) -> dict[str, Any]:
    return {
        "available": sid.status == codes.SID_ACTIVE, "cid": sid.cid, "sid": sid.sid, "status": sid.status,
        "payment_method_type": sid.method, "item_name": "", "created_at": kst_text(sid.created_at),
        "last_approved_at": kst_text(sid.last_approved_at) if sid.last_approved_at else None,
        "inactivated_at": kst_text(sid.inactivated_at) if sid.inactivated_at else None,
    }


def inactive(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    sid = _sid_of(emu, merchant, params)
    if sid.status != codes.SID_ACTIVE:
        raise KakaoFail(codes.SID_INACTIVE)
    now = emu.now()
    sid.status, sid.inactivated_at = codes.SID_INACTIVE_STATUS, int(now)
    emu.state.record("sid_inactive", now, sid=sid.sid, cid=sid.cid, amount=0)
    return Answer(_sid_body(sid))


def sid_status(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    return Answer(_sid_body(_sid_of(emu, merchant, params)))

"""INIAPI v1: ``POST /api/v1/{billing,formpay,refund,extra}`` — form-encoded in, JSON out [INI-API].

Every request is checked as INICIS does: no JSON bodies [INI-FAQ], a known ``type``/``paymethod`` on its
path, a known MID, ``hashData`` = SHA-512(INIAPI key + the service's fields) (:data:`protocol.INIAPI_SPECS`),
and ``[ENC]`` fields decrypted with the MID's key and IV. ``resultCode`` ``00`` is success.

Reply fields INICIS does not publish (marked "paymux's addition" below) are: ``cardCode``/``checkFlg`` on
``Auth``; the account fields of a ``Pay``/``Vacct`` issue (``vacct``, ``vacctBankCode``,
``vacctBankName``, ``vacctName``, ``validDate``, ``validTime``); ``prtcRemains`` and ``oid`` on ``Inquiry``.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paymux.connectors.inicis import codes, protocol
from paymux.connectors.inicis.emulator import scenarios
from paymux.connectors.inicis.emulator.config import EmulatorMerchant
from paymux.connectors.inicis.emulator.core import (
    ChargeOutcome,
    Emulator,
    cancel_whole,
    charge_card,
    commit_payment,
    duplicate_order,
    emulator_of,
    inquiry_status,
    issue_billing_key,
    vbank_due,
)
from paymux.connectors.inicis.emulator.state import Cancel, Payment
from paymux.connectors.inicis.protocol import kst

Reply = dict[str, Any]


class Refusal(Exception):
    """An INIAPI failure reply (``code`` and an optional more precise message)."""

    def __init__(self, code: str, text: str | None = None) -> None:
        super().__init__(code)
        self.code, self.text = code, text or codes.message(code)


def _reply(code: str, text: str | None = None, **fields: Any) -> Reply:
    return {"resultCode": code, "resultMsg": text or codes.message(code), **fields}


def _price(form: dict[str, str], name: str = "price") -> int:
    value = form.get(name, "")
    if not value.isdigit():
        raise Refusal(codes.REQUEST_INVALID, f"{name}는 숫자만 가능합니다 ({name} must be digits only)")
    return int(value)


def _quota(form: dict[str, str]) -> int:
    value = form.get("cardQuota", "") or "00"
    if not value.isdigit():
        raise Refusal(codes.BAD_INSTALLMENT)
    return int(value)


def _card(plain: dict[str, str]) -> scenarios.KeyedCard:
    card, bad = scenarios.parse_card(
        plain.get("cardNumber", ""), plain.get("cardExpire", ""), plain.get("regNo", ""), plain.get("cardPw", "")
    )
    if card is None:
        raise Refusal(codes.REQUEST_INVALID, f"카드정보 형식 오류: {bad} (malformed card field {bad})")
    return card


def _charge_rules(emu: Emulator, mid: str, moid: str, price: int, quota: int) -> None:
    refusal = scenarios.amount_refusal(price, card=True) or scenarios.installment_refusal(price, quota)
    if refusal:
        raise Refusal(refusal)
    if not moid:
        raise Refusal(codes.REQUEST_INVALID, "moid는 필수입니다 (moid is required)")
    if duplicate_order(emu, mid, moid):
        raise Refusal(codes.DUPLICATE_ORDER)


def _charged(outcome: ChargeOutcome, price: int) -> Reply:
    payment = outcome.payment
    if payment is None:
        return _reply(outcome.code)
    moment = kst(payment.approved_at)
    return _reply(
        codes.API_OK, "[Card|Transaction has been successful]", tid=payment.tid, payDate=f"{moment:%Y%m%d}",
        payTime=f"{moment:%H%M%S}", payAuthCode=payment.auth_no, cardCode=payment.card_code,
        cardName=codes.INICIS_CARD_NAMES.get(payment.card_code, ""), cardQuota=f"{payment.card_quota:02d}",
        payAuthQuota=f"{payment.card_quota:02d}", checkFlg=payment.check_flag,
        prtcCode="1" if payment.partial_cancellable else "0", price=str(price), detailCode="00",
    )


def auth(emu: Emulator, merchant: EmulatorMerchant, form: dict[str, str], plain: dict[str, str]) -> tuple[Reply, bool]:
    """``Auth``: a billing key from key-in card data; ``price`` is not charged (paymux's reading)."""
    outcome = issue_billing_key(emu, merchant, _card(plain))
    key = outcome.billing_key
    if key is None:
        return _reply(outcome.code), False
    # cardCode / checkFlg: paymux's addition (INICIS publishes only billKey for this reply).
    return _reply(codes.API_OK, billKey=key.key, cardCode=key.card_code, checkFlg=key.check_flag), False


def billing(emu: Emulator, merchant: EmulatorMerchant, form: dict[str, str], plain: dict[str, str]) -> tuple[Reply, bool]:
    """``Billing``: charge a billing key. Blank goodName/buyer fields → ``ER0102`` (§1.4)."""
    if any(not form.get(name, "").strip() for name in ("goodName", "buyerName", "buyerEmail", "buyerTel")):
        raise Refusal(codes.BILLING_FIELD_BLANK)
    key = emu.state.billing_keys.get(form.get("billKey", ""))
    if key is None or key.mid != merchant.keys.mid:
        raise Refusal(codes.BILLKEY_UNKNOWN)
    price, quota, moid = _price(form), _quota(form), form.get("moid", "")
    _charge_rules(emu, merchant.keys.mid, moid, price, quota)
    outcome = charge_card(emu, mid=merchant.keys.mid, oid=moid, price=price, card=key.card, quota=quota, channel="iniapi",
                          tid_prefix="INIAPICARD", ok_code=codes.API_OK, goodname=form["goodName"], buyer_name=form["buyerName"])
    return _charged(outcome, price), outcome.slow


def pay_card(emu: Emulator, merchant: EmulatorMerchant, form: dict[str, str], plain: dict[str, str]) -> tuple[Reply, bool]:
    """``Pay``/``Card`` on formpay: a key-in payment [INI-FORMPAY]."""
    card = _card(plain)
    price, quota, moid = _price(form), _quota(form), form.get("moid", "")
    _charge_rules(emu, merchant.keys.mid, moid, price, quota)
    outcome = charge_card(emu, mid=merchant.keys.mid, oid=moid, price=price, card=card, quota=quota, channel="iniapi",
                          tid_prefix="INIAPICARD", ok_code=codes.API_OK, goodname=form.get("goodName", ""),
                          buyer_name=form.get("buyerName", ""))
    return _charged(outcome, price), outcome.slow


def pay_vacct(emu: Emulator, merchant: EmulatorMerchant, form: dict[str, str], plain: dict[str, str]) -> tuple[Reply, bool]:
    """``Pay``/``Vacct`` on formpay: issue a virtual account (fields per code index 25108463093)."""
    price, moid, bank = _price(form), form.get("moid", ""), form.get("bankCode", "")
    if bank not in codes.INICIS_BANK_NAMES:
        raise Refusal(codes.REQUEST_INVALID, "bankCode 오류 (bank not offered for virtual accounts)")
    if (refusal := scenarios.amount_refusal(price, card=False)) is not None:
        raise Refusal(refusal)
    now = emu.now()
    due = vbank_due(now, form.get("dtInput", "") + form.get("tmInput", ""))
    if due <= f"{kst(now):%Y%m%d%H%M%S}":
        raise Refusal(codes.REQUEST_INVALID, "입금기한이 이미 지났습니다 (dtInput/tmInput is in the past)")
    if not moid or duplicate_order(emu, merchant.keys.mid, moid):
        raise Refusal(codes.DUPLICATE_ORDER if moid else codes.REQUEST_INVALID)
    payment = Payment(
        tid=scenarios.new_tid("INIAPIVACT", merchant.keys.mid, now), mid=merchant.keys.mid, oid=moid, method="VBank",
        price=price, balance=0, status="vbank_waiting", channel="iniapi", approved_at=int(now), bank_code=bank,
        vacct_num=scenarios.vacct_number(), vacct_name=merchant.name, vacct_due=due, depositor=form.get("nmInput", ""),
        goodname=form.get("goodName", ""), buyer_name=form.get("buyerName", ""),
    )
    commit_payment(emu, payment)
    moment = kst(now)
    return _reply(  # account fields: paymux's addition (not published)
        codes.API_OK, tid=payment.tid, payDate=f"{moment:%Y%m%d}", payTime=f"{moment:%H%M%S}", price=str(price),
        vacct=payment.vacct_num, vacctBankCode=bank, vacctBankName=codes.INICIS_BANK_NAMES[bank],
        vacctName=payment.vacct_name, validDate=due[:8], validTime=due[8:14],
    ), False


def _original(emu: Emulator, merchant: EmulatorMerchant, form: dict[str, str]) -> Payment:
    payment = emu.state.payments.get(form.get("tid", ""))
    if payment is None or payment.mid != merchant.keys.mid:
        raise Refusal(codes.CANCEL_NOT_ALLOWED_ON_ORIGINAL, "원거래가 없습니다 (no such tid for this MID)")
    method = codes.INIAPI_TO_STD.get(form.get("paymethod", ""))
    if method != payment.method:
        raise Refusal(codes.REQUEST_INVALID, "paymethod가 원거래와 다릅니다 (paymethod differs from the original)")
    return payment


def _refund_account(payment: Payment, form: dict[str, str], plain: dict[str, str]) -> None:
    """A deposited virtual account is refunded to the buyer's account: bank, number [ENC], holder."""
    if payment.status == "vbank_deposited" and not (
        plain.get("refundAcctNum") and form.get("refundBankCode") in codes.INICIS_BANK_TO_KFTC and form.get("refundAcctName")
    ):
        raise Refusal(codes.REQUEST_INVALID, "환불계좌 정보가 필요합니다 (refundAcctNum, refundBankCode, refundAcctName)")


def refund(emu: Emulator, merchant: EmulatorMerchant, form: dict[str, str], plain: dict[str, str]) -> tuple[Reply, bool]:
    """``Refund``: cancel the whole remaining amount; a second one → 500625 (already cancelled).
    ``GVacct`` cancels a virtual account before its deposit."""
    payment = _original(emu, merchant, form)
    if payment.status in ("cancelled", "vbank_cancelled"):
        raise Refusal(codes.CANCEL_NOT_ALLOWED_ON_ORIGINAL)
    if (form.get("paymethod") == "GVacct") != (payment.status == "vbank_waiting"):
        raise Refusal(codes.REQUEST_INVALID, "입금 전 가상계좌는 GVacct, 입금 후는 Vacct (GVacct before the deposit, Vacct after)")
    _refund_account(payment, form, plain)
    cancel_whole(emu, payment, "cancel")
    moment = kst(emu.now())
    return _reply(codes.API_OK, cancelDate=f"{moment:%Y%m%d}", cancelTime=f"{moment:%H%M%S}", cshrCancelNum=""), _lost(form)


def partial_refund(emu: Emulator, merchant: EmulatorMerchant, form: dict[str, str], plain: dict[str, str]) -> tuple[Reply, bool]:
    """``PartialRefund``: ``price`` this cancel, ``confirmPrice`` the balance after it [INICISJS]."""
    payment = _original(emu, merchant, form)
    if payment.status not in ("approved", "vbank_deposited") or not payment.partial_cancellable:
        raise Refusal(codes.PARTIAL_NOT_ALLOWED_ON_ORIGINAL)
    price, confirm = _price(form), _price(form, "confirmPrice")
    if price <= 0:
        raise Refusal(codes.REQUEST_INVALID, "price는 0보다 커야 합니다 (price must be positive)")
    if price > payment.balance:
        raise Refusal(codes.CANCEL_OVER_BALANCE)
    if price == payment.price and not payment.cancels:
        # "부분취소는 전체금액을 취소할 수 없습니다": the whole original amount in one partial cancel is
        # a Refund [PO-CODES inicis 500749]; the rest of a balance after partial cancels is a partial cancel.
        raise Refusal(codes.PARTIAL_EQUALS_WHOLE)
    if confirm != payment.balance - price:
        raise Refusal(codes.PARTIAL_BALANCE_ERROR)
    _refund_account(payment, form, plain)
    now = emu.now()
    tid = scenarios.new_tid(payment.tid[:10], payment.mid, now)  # same 10-character prefix as the original
    payment.balance -= price
    payment.cancels.append(Cancel(tid, price, int(now), partial=True))
    emu.state.record("partial_cancel", now, tid=tid, original_tid=payment.tid, mid=payment.mid, oid=payment.oid,
                     amount=-price, remaining=payment.balance, method=payment.method)
    moment = kst(now)
    reply = _reply(
        codes.API_OK, tid=tid, prtcTid=payment.tid, prtcPrice=str(price), prtcRemains=str(payment.balance),
        prtcCnt=str(sum(1 for c in payment.cancels if c.partial)), prtcType="1", prtcDate=f"{moment:%Y%m%d}",
        prtcTime=f"{moment:%H%M%S}",
    )
    return reply, _lost(form)


def _lost(form: dict[str, str]) -> bool:
    """A cancel whose ``msg`` contains ``lost-reply`` is applied, then its reply is held (paymux's trigger)."""
    return scenarios.LOST_REPLY_MARK in form.get("msg", "")


def inquiry(emu: Emulator, merchant: EmulatorMerchant, form: dict[str, str], plain: dict[str, str]) -> tuple[Reply, bool]:
    """``Extra``/``Inquiry`` by ``originalTid`` (or by ``oid``: the emulator acts as if every MID had the
    duplicate-order-number contract). ``status`` 0/1/9 and vbank N/Y/C [INICISJS]."""
    tid, oid = form.get("originalTid", ""), form.get("oid", "")
    if not tid and not oid:
        raise Refusal(codes.REQUEST_INVALID, "originalTid 또는 oid가 필요합니다 (originalTid or oid)")
    payment = emu.state.payments.get(tid) if tid else emu.state.payment_for_order(merchant.keys.mid, oid)
    if payment is None or payment.mid != merchant.keys.mid:
        return _reply(codes.API_OK, tid=tid, price="0", status=codes.INQUIRY_NOT_FOUND), False
    # prtcRemains and oid: paymux's addition (INICIS publishes tid, price, status).
    return _reply(codes.API_OK, tid=payment.tid, price=str(payment.price), status=inquiry_status(payment),
                  prtcRemains=str(payment.balance), oid=payment.oid), False


Handler = Callable[[Emulator, EmulatorMerchant, dict[str, str], dict[str, str]], tuple[Reply, bool]]
HANDLERS: dict[str, Handler] = {
    "Auth": auth, "Billing": billing, "Pay": pay_card, "PayVacct": pay_vacct, "Refund": refund,
    "PartialRefund": partial_refund, "Inquiry": inquiry,
}


def _decrypt(spec: protocol.IniapiSpec, merchant: EmulatorMerchant, form: dict[str, str]) -> dict[str, str]:
    plain: dict[str, str] = {}
    for name in spec.enc_fields:
        if form.get(name):
            try:
                plain[name] = protocol.decrypt_field(form[name], merchant.keys.iniapi_key, merchant.keys.iniapi_iv)
            except ValueError:
                raise Refusal(codes.ENC_INVALID, f"{name} 복호화 실패 ({name} does not decrypt)") from None
    return plain


async def endpoint(request: Request) -> Response:
    """One INIAPI path: validate the envelope, run the service, hold the reply if the data says so."""
    emu = emulator_of(request)
    body = await request.body()
    if "json" in request.headers.get("content-type", "").lower() or body.lstrip().startswith((b"{", b"[")):
        return JSONResponse(_reply(codes.REQUEST_INVALID, "JSON 방식으로는 요청할 수 없습니다 (form-encoded key=value only)"))
    form = protocol.decode_form(body)
    spec = protocol.iniapi_spec(form.get("type", ""), form.get("paymethod", ""))
    merchant = emu.merchant(form.get("mid", ""))
    if spec is None or spec.path != request.url.path.rstrip("/") or merchant is None:
        return JSONResponse(_reply(codes.REQUEST_INVALID, "type/paymethod/mid 오류 (unknown service or MID)"))
    stamp = form.get("timestamp", "")
    if not (stamp.isdigit() and len(stamp) == 14):
        return JSONResponse(_reply(codes.REQUEST_INVALID, "timestamp는 YYYYMMDDhhmmss (timestamp must be YYYYMMDDhhmmss)"))
    expected = protocol.iniapi_hash_for(spec, merchant.keys.iniapi_key, form)
    if not hmac.compare_digest(form.get("hashData", "").lower(), expected):
        return JSONResponse(_reply(codes.HASH_MISMATCH))
    try:
        with emu.state.lock:
            reply, slow = HANDLERS[spec.name](emu, merchant, form, _decrypt(spec, merchant, form))
    except Refusal as refusal:
        return JSONResponse(_reply(refusal.code, refusal.text))
    if slow:
        await asyncio.sleep(emu.config.slow_reply_seconds)
    return JSONResponse(reply)

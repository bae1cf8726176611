"""NICE Pay's decisions: the window's authentication, approval, cancel, net cancel, lookups and billing
keys. Pure functions over the emulator's state; each expects the caller to hold ``emu.state.lock`` and
raises :class:`NiceFail` for NICE's refusals (HTTP 200 with a ``resultCode`` other than ``0000``, as NICE
answers business refusals; 401 for bad keys).

Scenario triggers are test data, never emulator-only headers: the card number's last four digits
(``0002`` issuer decline ``3095``, ``9995`` insufficient balance ``3095``, ``0069`` expiry ``3021``,
``0127`` card refused at authentication / billing ``F113``, ``0119`` approval committed and its reply
held past the caller's timeout (a virtual account: an amount ending 0119), ``0101`` decline committed and its reply held); a card payment under
1,000 KRW (``3041``), installments under 50,000 KRW (``3024``); a cancel whose ``reason`` contains
``lost-reply`` is applied and its reply held.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from paymux.connectors.nice import codes
from paymux.connectors.nice.client import dec_data, sign
from paymux.connectors.nice.emulator.config import EmulatorConfig, EmulatorMerchant
from paymux.connectors.nice.emulator.state import BillingKey, EmulatorState, Payment
from paymux.connectors.nice.transformers import edi_date

DATA_FORMAT = "A212"  # 잘못된 데이터 형식입니다 [common/code.md]
DECLINES = {"0002": (codes.ISSUER_DECLINED, "카드사 실패 응답 (한도초과)"),
            "9995": (codes.ISSUER_DECLINED, "카드사 실패 응답 (잔액부족)")}
SLOW_APPROVED, SLOW_DECLINED = "0119", "0101"


class NiceFail(Exception):
    def __init__(self, code: str, message: str = "", *, status: int = 200, slow: bool = False,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code, self.message, self.status, self.slow = code, message or codes.message(code), status, slow
        self.extra = extra or {}


@dataclass
class Answer:
    body: dict[str, Any]
    slow: bool = False
    hooks: list[dict[str, Any]] = field(default_factory=list)  # webhook bodies to send after answering


class Emulator:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.state = EmulatorState(config.latency_ms)

    def now(self) -> float:
        return self.config.clock()

    def base_url(self, request: Request) -> str:
        if self.config.base_url:
            return self.config.base_url.rstrip("/")
        return str(request.base_url).rstrip("/") + str(request.scope.get("root_path", ""))


def emulator_of(request: Request) -> Emulator:
    found: Emulator = request.app.state.emulator
    return found


def new_tid(merchant: EmulatorMerchant, kind: str, now: float) -> str:
    """``{mid}{kind 2}{yyMMddHHmmss}{4 random}`` — NICE's 30-character tid shape (``nictest00m0101…``)."""
    stamp = edi_date(now)[2:19].replace("-", "").replace("T", "").replace(":", "")
    return f"{merchant.mid[:10]}{kind}{stamp}{secrets.token_hex(2).upper()}"[:30]


def text(params: dict[str, Any], name: str, *, required: bool = True, limit: int = 64) -> str:
    value = params.get(name)
    found = "" if value is None else str(value)
    if required and not found:
        raise NiceFail(codes.FIELD_MISSING, f"{codes.message(codes.FIELD_MISSING)} ({name})")
    if len(found.encode()) > limit:
        raise NiceFail(codes.FIELD_TOO_LONG, f"{codes.message(codes.FIELD_TOO_LONG)} ({name})")
    return found


def integer(params: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise NiceFail(codes.FIELD_MISSING, f"{codes.message(codes.FIELD_MISSING)} ({name})")
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise NiceFail("A102", f"{name} 은(는) 알 수 없는 TYPE 입니다")
    return int(value)


def check_sign_data(merchant: EmulatorMerchant, params: dict[str, Any], *parts: object) -> None:
    """``signData`` is optional; when given with ``ediDate`` it must verify [each API's 요청 명세]."""
    given = str(params.get("signData") or "")
    if given and sign(*parts, str(params.get("ediDate") or ""), merchant.secret_key) != given.lower():
        raise NiceFail(codes.SIGN_DATA_FAILED)


def card_company(number: str) -> str:
    """The emulator's issuer of a card number (by its first digit): a NICE card code."""
    return {"4": "06", "5": "04", "3": "07", "9": "01"}.get(number[:1], "02")


def mask(number: str) -> str:
    """NICE masks the third range: ``53611234****1234``."""
    return number[:8] + "****" + number[12:] if len(number) >= 16 else number[:6] + "****" + number[-4:]


# --- reply bodies ------------------------------------------------------------------------------------
def payment_body(emu: Emulator, merchant: EmulatorMerchant, p: Payment, *, code: str = codes.SUCCESS,
                 message: str = "", cancelled_tid: str = "") -> dict[str, Any]:
    """The payment object of approve / lookup / cancel / webhook, with its ``signature``."""
    now_text = edi_date(emu.now())
    card = None
    if p.method in ("card", "CARD") and p.card_number:
        card = {"cardCode": p.card_code, "cardName": codes.CARD_NAMES.get(p.card_code, ""), "cardNum": p.card_number,
                "cardQuota": p.quota, "isInterestFree": False, "cardType": "check" if p.trigger == "4444" else "credit",
                "canPartCancel": True, "acquCardCode": p.card_code, "acquCardName": codes.CARD_NAMES.get(p.card_code, "")}
    body: dict[str, Any] = {
        "resultCode": code, "resultMsg": message or codes.message(code), "tid": p.tid, "cancelledTid": cancelled_tid or None,
        "orderId": p.order_id, "ediDate": now_text,
        "signature": sign(p.tid, p.amount, now_text, merchant.secret_key),
        "status": p.status, "paidAt": edi_date(p.paid_at) if p.paid_at else "0",
        "failedAt": edi_date(p.failed_at) if p.failed_at else "0",
        "cancelledAt": edi_date(p.cancelled_at) if p.cancelled_at else "0",
        "payMethod": "vbank" if p.method == "vbank" else "card", "amount": p.amount, "balanceAmt": p.balance,
        "goodsName": p.goods_name, "mallReserved": p.mall_reserved or None, "useEscrow": False, "currency": "KRW",
        "channel": p.channel, "approveNo": p.approve_no or None, "buyerName": p.buyer_name or None,
        "buyerTel": p.buyer_tel or None, "buyerEmail": p.buyer_email or None, "issuedCashReceipt": False,
        "receiptUrl": f"https://npg.nicepay.co.kr/issue/IssueLoader.do?type=0&TID={p.tid}" if p.approved else None,
        "mallUserId": None, "coupon": None, "card": card, "vbank": p.vbank,
        "cancels": list(p.cancels) or None, "cashReceipts": None,
    }
    if p.bid:
        body["bid"] = p.bid
    return body


# --- the window (authentication) ------------------------------------------------------------------------
def open_window(emu: Emulator, params: dict[str, Any]) -> tuple[EmulatorMerchant, dict[str, Any]]:
    """Check ``AUTHNICE.requestPay``'s fields [payment-window-server.md 요청 명세]; the merchant and the fields."""
    merchant = emu.config.merchants.get(text(params, "clientId", limit=50))
    if merchant is None:
        raise NiceFail(codes.MID_INVALID)
    method = text(params, "method", limit=20)
    if method not in ("card", "vbank"):
        raise NiceFail(DATA_FORMAT, f"지원하지 않는 결제수단입니다 ({method})")
    order_id = text(params, "orderId")
    amount = integer(params, "amount") or 0
    text(params, "goodsName", limit=40)
    text(params, "returnUrl", limit=500)
    if method == "vbank":
        text(params, "vbankHolder", limit=40)
    if emu.state.paid_for_order(merchant.client_id, order_id):
        raise NiceFail(codes.DUPLICATE_ORDER)
    if method == "card" and amount < 1000:
        raise NiceFail(codes.CARD_UNDER_1000)
    return merchant, params


def authenticate(emu: Emulator, merchant: EmulatorMerchant, fields: dict[str, Any], card_number: str,
                 quota: int, mobile: bool) -> dict[str, str]:
    """The buyer authenticated: a ``ready`` tid and the fields NICE POSTs to ``returnUrl``."""
    now = emu.now()
    amount = int(fields["amount"])
    digits = "".join(ch for ch in card_number if ch.isdigit())
    method = str(fields["method"])
    trigger = digits[-4:]
    if method == "card":
        if not 14 <= len(digits) <= 16:
            raise NiceFail(codes.CARD_NUMBER_ERROR)
        if trigger == "0069":
            raise NiceFail(codes.EXPIRY_ERROR)
        if trigger == "0127":
            raise NiceFail(codes.BILLING_CARD_REFUSED, "카드 인증에 실패하였습니다")
        if quota >= 2 and amount < 50_000:
            raise NiceFail(codes.QUOTA_UNDER_50000)
    payment = Payment(
        tid=new_tid(merchant, "01" if method == "card" else "03", now), client_id=merchant.client_id,
        order_id=str(fields["orderId"]), amount=amount, goods_name=str(fields["goodsName"]), method=method,
        status=codes.READY, created_at=int(now), tax_free=int(fields.get("taxFreeAmt") or 0),
        auth_token=f"NICETOKN{secrets.token_hex(16).upper()}", card_number=mask(digits) if method == "card" else "",
        card_code=card_company(digits) if method == "card" else "", trigger=trigger, quota=quota if quota >= 2 else 0,
        buyer_name=str(fields.get("buyerName") or ""), buyer_tel=str(fields.get("buyerTel") or ""),
        buyer_email=str(fields.get("buyerEmail") or ""), mall_reserved=str(fields.get("mallReserved") or ""),
        channel="mobile" if mobile else "pc",
    )
    emu.state.payments[payment.tid] = payment
    emu.state.record("authenticated", now, tid=payment.tid, orderId=payment.order_id, amount=0)
    return {
        "authResultCode": codes.SUCCESS, "authResultMsg": "인증 성공", "tid": payment.tid,
        "clientId": merchant.client_id, "orderId": payment.order_id, "amount": str(amount),
        "mallReserved": payment.mall_reserved, "authToken": payment.auth_token,
        "signature": sign(payment.auth_token, merchant.client_id, amount, merchant.secret_key),
    }


def _charge(emu: Emulator, merchant: EmulatorMerchant, payment: Payment, now: float) -> Answer:
    """Approve a card payment by its trigger: paid, declined (failed), or either with the reply held."""
    trigger = payment.trigger
    slow = trigger in (SLOW_APPROVED, SLOW_DECLINED)
    if trigger in DECLINES or trigger == SLOW_DECLINED:
        code, message = DECLINES.get(trigger, (codes.ISSUER_DECLINED, "카드사 실패 응답"))
        payment.status, payment.failed_at = codes.FAILED, int(now)
        emu.state.record("declined", now, tid=payment.tid, orderId=payment.order_id, amount=0, resultCode=code)
        raise NiceFail(code, message, slow=slow)
    payment.status, payment.paid_at, payment.approved, payment.balance = codes.PAID, int(now), True, payment.amount
    payment.approve_no = f"{secrets.randbelow(10**8):08d}"
    emu.state.record("approved", now, tid=payment.tid, orderId=payment.order_id, amount=payment.amount)
    body = payment_body(emu, merchant, payment)
    return Answer(body, slow=slow, hooks=[body])


def approve(emu: Emulator, merchant: EmulatorMerchant, tid: str, params: dict[str, Any]) -> Answer:
    """``POST /v1/payments/{tid}`` {amount} [payment-window-server.md 승인]."""
    now = emu.now()
    amount = integer(params, "amount")
    payment = emu.state.payments.get(tid)
    if payment is None or payment.client_id != merchant.client_id:
        raise NiceFail(codes.AUTH_NOT_FOUND)
    check_sign_data(merchant, params, tid, params.get("amount"))
    if payment.approved or payment.status in (codes.CANCELLED, codes.PARTIAL_CANCELLED):
        raise NiceFail(codes.ALREADY_APPROVED)
    if payment.status != codes.READY:
        raise NiceFail(codes.TID_INVALID, f"{codes.message(codes.TID_INVALID)} ({payment.status})")
    if now - payment.created_at > emu.config.auth_ttl_seconds:
        payment.status = codes.EXPIRED
        raise NiceFail(codes.TID_INVALID, "인증 유효시간이 지났습니다 (the authentication expired)")
    if amount != payment.amount:
        raise NiceFail(codes.AMOUNT_MISMATCH)
    if emu.state.paid_for_order(merchant.client_id, payment.order_id):
        raise NiceFail(codes.DUPLICATE_ORDER)
    if payment.method == "vbank":
        return _issue_vbank(emu, merchant, payment, now)
    return _charge(emu, merchant, payment, now)


def _issue_vbank(emu: Emulator, merchant: EmulatorMerchant, payment: Payment, now: float) -> Answer:
    payment.approved, payment.balance = True, 0
    payment.vbank = {"vbankCode": "004", "vbankName": "국민은행", "vbankNumber": f"9{secrets.randbelow(10**12):012d}",
                     "vbankExpDate": edi_date(now + 7 * 86400), "vbankHolder": payment.buyer_name or "페이먹스"}
    emu.state.record("vbank_issued", now, tid=payment.tid, orderId=payment.order_id, amount=0)
    body = payment_body(emu, merchant, payment)
    return Answer(body, slow=payment.amount % 10_000 == int(SLOW_APPROVED), hooks=[body])


def deposit(emu: Emulator, tid: str, amount: int | None = None) -> Answer:
    """A buyer paid into a virtual account (control API): paid, and a webhook [api/hook.md]."""
    payment = emu.state.payments.get(tid)
    if payment is None or payment.method != "vbank" or not payment.approved or payment.status != codes.READY:
        raise NiceFail(codes.NOT_FOUND, "no virtual account awaiting a deposit", status=404)
    now = emu.now()
    payment.status, payment.paid_at, payment.balance = codes.PAID, int(now), payment.amount
    emu.state.record("vbank_deposit", now, tid=tid, orderId=payment.order_id, amount=payment.amount)
    merchant = emu.config.merchants[payment.client_id]
    body = payment_body(emu, merchant, payment)
    return Answer(body, hooks=[body])


# --- cancels -----------------------------------------------------------------------------------------
def cancel(emu: Emulator, merchant: EmulatorMerchant, tid: str, params: dict[str, Any]) -> Answer:
    """``POST /v1/payments/{tid}/cancel`` {reason, orderId, cancelAmt?} [api/cancel.md]."""
    now = emu.now()
    reason = text(params, "reason", limit=100)
    order_id = text(params, "orderId")
    wanted = integer(params, "cancelAmt", required=False)
    payment = emu.state.payments.get(tid)
    if payment is None or payment.client_id != merchant.client_id or not payment.approved:
        raise NiceFail(codes.CANCEL_NOT_FOUND)
    check_sign_data(merchant, params, tid)
    if payment.status == codes.CANCELLED:
        raise NiceFail(codes.CANCEL_DONE)
    if order_id in payment.cancel_order_ids:
        raise NiceFail(codes.DUPLICATE_ORDER, "부분취소의 경우 중복된 orderId로 재호출 불가 (a cancel's orderId may not repeat)")
    if payment.method == "vbank" and payment.status == codes.READY:  # before the deposit: close the account
        if wanted not in (None, payment.amount):
            raise NiceFail("2029", "부분취소 불가능 결제수단")
        payment.status, payment.cancelled_at = codes.CANCELLED, int(now)
        payment.cancel_order_ids.append(order_id)
        emu.state.record("vbank_closed", now, tid=tid, orderId=payment.order_id, amount=0)
        return Answer(payment_body(emu, merchant, payment, cancelled_tid=tid))
    if payment.method == "vbank" and not (params.get("refundAccount") and params.get("refundBankCode") and params.get("refundHolder")):
        raise NiceFail(codes.FIELD_MISSING, "입금 후 가상계좌 환불에는 환불계좌(refundAccount, refundBankCode, refundHolder)가 필요합니다")
    amount = payment.balance if wanted is None else wanted
    if amount <= 0:
        raise NiceFail(codes.CANCEL_AMOUNT_ZERO)
    if amount > payment.balance:
        raise NiceFail(codes.CANCEL_OVER_BALANCE)
    partial = amount < payment.amount
    cancelled_tid = new_tid(merchant, "02", now) if partial or payment.cancels else tid
    payment.balance -= amount
    payment.status = codes.CANCELLED if payment.balance == 0 else codes.PARTIAL_CANCELLED
    payment.cancelled_at = int(now)
    payment.cancel_order_ids.append(order_id)
    payment.cancels.append({"tid": cancelled_tid, "amount": amount, "cancelledAt": edi_date(now), "reason": reason,
                            "receiptUrl": f"https://npg.nicepay.co.kr/issue/IssueLoader.do?type=0&TID={cancelled_tid}",
                            "couponAmt": 0})
    emu.state.record("cancel", now, tid=tid, cancelledTid=cancelled_tid, orderId=payment.order_id, cancelOrderId=order_id,
                     amount=-amount)
    body = payment_body(emu, merchant, payment, cancelled_tid=cancelled_tid)
    return Answer(body, slow="lost-reply" in reason, hooks=[body])


def net_cancel(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    """``POST /v1/payments/netcancel`` {orderId}: undo the order's approval within an hour [api/cancel.md 망취소]."""
    now = emu.now()
    order_id = text(params, "orderId")
    check_sign_data(merchant, params, order_id)
    payment = emu.state.paid_for_order(merchant.client_id, order_id)
    if payment is None:
        raise NiceFail(codes.CANCEL_NOT_FOUND)
    if payment.status == codes.CANCELLED:
        raise NiceFail(codes.CANCEL_DONE)
    if now - (payment.paid_at or payment.created_at) > emu.config.net_cancel_seconds:
        raise NiceFail(codes.NET_CANCEL_LATE)
    refunded = payment.balance
    payment.balance, payment.status, payment.cancelled_at = 0, codes.CANCELLED, int(now)
    payment.cancels.append({"tid": payment.tid, "amount": refunded, "cancelledAt": edi_date(now), "reason": "망취소",
                            "receiptUrl": None, "couponAmt": 0})
    emu.state.record("net_cancel", now, tid=payment.tid, orderId=order_id, amount=-refunded)
    return Answer(payment_body(emu, merchant, payment, cancelled_tid=payment.tid))


# --- lookups -----------------------------------------------------------------------------------------
def lookup(emu: Emulator, merchant: EmulatorMerchant, tid: str) -> Answer:
    """``GET /v1/payments/{tid}`` [api/status-transaction.md]."""
    payment = emu.state.payments.get(tid)
    if payment is None or payment.client_id != merchant.client_id:
        raise NiceFail(codes.NOT_FOUND)
    _expire_if_due(emu, payment)
    return Answer(payment_body(emu, merchant, payment))


def find(emu: Emulator, merchant: EmulatorMerchant, order_id: str, params: dict[str, Any]) -> Answer:
    """``GET /v1/payments/find/{orderId}?orderDate=YYYYMMDD``: the order's approved payment that day, else
    its latest attempt that day (``orderDate`` is required) [api/status-transaction.md]."""
    day = text(params, "orderDate", limit=8)
    found = [p for p in emu.state.payments.values() if p.client_id == merchant.client_id and p.order_id == order_id
             and edi_date(p.created_at)[:10].replace("-", "") == day]
    if not found:
        raise NiceFail(codes.NOT_FOUND)
    payment = next((p for p in found if p.approved), found[-1])
    _expire_if_due(emu, payment)
    return Answer(payment_body(emu, merchant, payment))


def _expire_if_due(emu: Emulator, payment: Payment) -> None:
    if payment.status == codes.READY and not payment.approved and emu.now() - payment.created_at > emu.config.auth_ttl_seconds:
        payment.status = codes.EXPIRED


# --- billing keys ------------------------------------------------------------------------------------
def _card_fields(merchant: EmulatorMerchant, params: dict[str, Any]) -> dict[str, str]:
    enc_mode = str(params.get("encMode") or "")
    if enc_mode not in ("", "A2"):
        raise NiceFail(DATA_FORMAT, f"encMode {enc_mode}")
    try:
        plain = dec_data(text(params, "encData", limit=512), merchant.secret_key, enc_mode)
    except ValueError:
        raise NiceFail(codes.DECRYPT_FAILED) from None
    fields = dict(part.split("=", 1) for part in plain.split("&") if "=" in part)
    for name in ("cardNo", "expYear", "expMonth"):
        if not fields.get(name):
            raise NiceFail(codes.FIELD_MISSING, f"{codes.message(codes.FIELD_MISSING)} (encData {name})")
    return fields


def regist(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    """``POST /v1/subscribe/regist`` {encData, orderId, encMode?} → ``bid`` [payment-subscribe.md 빌키발급]."""
    now = emu.now()
    order_id = text(params, "orderId")
    check_sign_data(merchant, params, order_id)
    card = _card_fields(merchant, params)
    digits = card["cardNo"]
    if not digits.isdigit() or not 14 <= len(digits) <= 16:
        raise NiceFail(codes.BILLING_CARD_INVALID)
    year, month = card["expYear"], card["expMonth"]
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12) or digits.endswith("0069"):
        raise NiceFail(codes.EXPIRY_ERROR)
    this_year, this_month = (int(x) for x in edi_date(now)[:7].split("-"))
    if (2000 + int(year), int(month)) < (this_year, this_month):
        raise NiceFail(codes.EXPIRY_ERROR)
    if digits.endswith("0127"):
        raise NiceFail(codes.BILLING_CARD_REFUSED)
    tid = new_tid(merchant, "16", now)
    key = BillingKey(bid=f"BIKY{tid[:10]}{secrets.token_hex(8)}"[:30], client_id=merchant.client_id, order_id=order_id,
                     card_number=mask(digits), card_code=card_company(digits), trigger=digits[-4:], created_at=int(now))
    emu.state.keys[key.bid] = key
    emu.state.record("bid_issued", now, bid=key.bid, orderId=order_id, amount=0)
    return Answer({"resultCode": codes.SUCCESS, "resultMsg": codes.BID_ISSUED_MESSAGE, "tid": tid, "orderId": order_id,
                   "bid": key.bid, "authDate": edi_date(now), "cardCode": key.card_code,
                   "cardName": f"[{codes.CARD_NAMES.get(key.card_code, '')}]"})


def _active_key(emu: Emulator, merchant: EmulatorMerchant, bid: str) -> BillingKey:
    key = emu.state.keys.get(bid)
    if key is None or key.client_id != merchant.client_id:
        raise NiceFail(codes.BID_NOT_FOUND)
    if key.status != "active":
        raise NiceFail(codes.BID_EXPIRED)
    return key


def subscribe_pay(emu: Emulator, merchant: EmulatorMerchant, bid: str, params: dict[str, Any]) -> Answer:
    """``POST /v1/subscribe/{bid}/payments`` {orderId, amount, goodsName, cardQuota, useShopInterest}."""
    now = emu.now()
    order_id = text(params, "orderId")
    amount = integer(params, "amount") or 0
    goods = text(params, "goodsName", limit=40)
    quota = integer(params, "cardQuota") or 0
    if "useShopInterest" not in params:
        raise NiceFail(codes.FIELD_MISSING, f"{codes.message(codes.FIELD_MISSING)} (useShopInterest)")
    key = _active_key(emu, merchant, bid)
    check_sign_data(merchant, params, order_id, bid)
    if emu.state.paid_for_order(merchant.client_id, order_id):
        raise NiceFail(codes.DUPLICATE_ORDER)
    if amount < 1000:
        raise NiceFail(codes.CARD_UNDER_1000)
    if quota >= 2 and amount < 50_000:
        raise NiceFail(codes.QUOTA_UNDER_50000)
    payment = Payment(tid=new_tid(merchant, "16", now), client_id=merchant.client_id, order_id=order_id, amount=amount,
                      goods_name=goods, method="CARD", status=codes.READY, created_at=int(now),
                      tax_free=integer(params, "taxFreeAmt", required=False) or 0, card_number=key.card_number,
                      card_code=key.card_code, trigger=key.trigger, quota=quota if quota >= 2 else 0, bid=bid,
                      buyer_name=str(params.get("buyerName") or ""), buyer_tel=str(params.get("buyerTel") or ""),
                      buyer_email=str(params.get("buyerEmail") or ""), channel="null")
    emu.state.payments[payment.tid] = payment
    return _charge(emu, merchant, payment, now)


def expire(emu: Emulator, merchant: EmulatorMerchant, bid: str, params: dict[str, Any]) -> Answer:
    """``POST /v1/subscribe/{bid}/expire`` {orderId} [payment-subscribe.md 빌키삭제]."""
    now = emu.now()
    order_id = text(params, "orderId")
    key = _active_key(emu, merchant, bid)
    check_sign_data(merchant, params, order_id)
    key.status, key.expired_at = "expired", int(now)
    emu.state.record("bid_expired", now, bid=bid, orderId=order_id, amount=0)
    return Answer({"resultCode": codes.SUCCESS, "resultMsg": codes.BID_EXPIRED_MESSAGE,
                   "tid": new_tid(merchant, "16", now), "orderId": order_id, "bid": bid, "authDate": edi_date(now)})


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise NiceFail(DATA_FORMAT) from None
    if not isinstance(data, dict):
        raise NiceFail(DATA_FORMAT)
    return data

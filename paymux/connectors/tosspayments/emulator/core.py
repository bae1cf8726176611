"""Toss Payments' decisions: the window's result, confirm, lookups, cancel, key-in, billing, virtual
accounts. Pure functions over the emulator's state; every one expects the caller to hold
``emu.state.lock`` and raises :class:`TossFail` for Toss's refusals.

Scenario triggers are test data, never emulator-only headers: an amount ending (mod 10,000) in ``9001``
→ ``REJECT_CARD_COMPANY``, ``9002`` → ``EXCEED_MAX_AMOUNT``, ``0119`` → approved and its reply held past
the caller's timeout, ``0101`` → declined and its reply held; in the window, the card "카드사 거절" /
"한도 초과" declines at confirm (and every charge of a billing key registered with it); a cancel whose
``cancelReason`` contains ``lost-reply`` is applied and its reply held.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request

from paymux.connectors.tosspayments import codes
from paymux.connectors.tosspayments.emulator.config import EmulatorConfig, EmulatorMerchant
from paymux.connectors.tosspayments.emulator.state import BillingAuth, BillingKey, EmulatorState, Payment
from paymux.connectors.tosspayments.transformers import iso, unix_of

TEMPLATES = Path(__file__).parent / "templates"
ORDER_ID = re.compile(r"^[A-Za-z0-9_\-=.@]{6,64}$")
CUSTOMER_KEY = re.compile(r"^[A-Za-z0-9_\-=.@]{2,300}$")

# The window's cards: key → (label, Toss issuerCode, card number as Toss masks it, cardType, decline code or "")
CHOICES: dict[str, tuple[str, str, str, str, str]] = {
    "SHINHAN": ("신한카드 (신용)", "41", "45799612****123*", "신용", ""),
    "HYUNDAI_CHECK": ("현대카드 (체크)", "61", "43301234****456*", "체크", ""),
    "REJECT": ("카드사 거절 (REJECT_CARD_COMPANY)", "11", "94904912****789*", "신용", codes.REJECT_CARD_COMPANY),
    "LIMIT": ("한도 초과 (EXCEED_MAX_AMOUNT)", "51", "53671012****321*", "신용", codes.EXCEED_MAX_AMOUNT),
}
BANKS = {"88": "신한은행", "20": "우리은행", "04": "KB국민은행", "11": "NH농협은행", "81": "하나은행"}
AMOUNT_DECLINES = {9001: codes.REJECT_CARD_COMPANY, 9002: codes.EXCEED_MAX_AMOUNT}
SLOW_APPROVE, SLOW_DECLINE = 119, 101


class TossFail(Exception):
    """A Toss refusal: ``code`` with its HTTP status (codes.ERRORS) and ``message``."""

    def __init__(self, code: str, detail: str = "", *, slow: bool = False) -> None:
        super().__init__(code)
        self.code, self.slow = code, slow
        self.status = codes.status_of(code)
        self.message = detail or codes.message(code)

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


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

    def render(self, name: str, **context: object) -> str:
        return self.templates.get_template(name).render(**context)


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


# --- field readers ---------------------------------------------------------------------------------


def text(params: dict[str, Any], name: str, *, required: bool = True, limit: int = 100) -> str:
    value = params.get(name)
    found = "" if value is None else str(value)
    if required and not found:
        raise TossFail(codes.INVALID_REQUEST, f"{name} 값이 필요합니다 ({name} is required)")
    if len(found) > limit:
        raise TossFail(codes.INVALID_REQUEST, f"{name}은(는) {limit}자 이하여야 합니다 ({name} is too long)")
    return found


def number(params: dict[str, Any], name: str, *, required: bool = True, minimum: int = 0) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise TossFail(codes.INVALID_REQUEST, f"{name} 값이 필요합니다 ({name} is required)")
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise TossFail(codes.INVALID_REQUEST, f"{name}은(는) 숫자여야 합니다 ({name} must be a number)")
    found = int(value)
    if found < minimum:
        raise TossFail(codes.INVALID_REQUEST, f"{name}은(는) {minimum} 이상이어야 합니다")
    return found


def order_id(params: dict[str, Any]) -> str:
    found = text(params, "orderId", limit=64)
    if not ORDER_ID.match(found):
        raise TossFail(codes.INVALID_REQUEST, "orderId는 영문 대소문자, 숫자, 특수문자 -, _, =, ., @ 로 6~64자입니다")
    return found


def _key(now: float, size: int = 24) -> str:
    return f"tviva{int(now) % 10**8:08d}" + secrets.token_urlsafe(size)[:size].replace("-", "x").replace("_", "y")


# --- bodies ------------------------------------------------------------------------------------------


def payment_body(payment: Payment) -> dict[str, Any]:
    """The Payment object [TOSS-RS] (the fields paymux and python-tosspayments read, plus their neighbours)."""
    card = None
    if payment.method == codes.CARD:
        _, issuer, masked, kind, _ = CHOICES.get(payment.choice, CHOICES["SHINHAN"])
        card = {"company": None, "issuerCode": issuer, "acquirerCode": issuer, "number": masked, "installmentPlanMonths": 0,
                "isInterestFree": False, "approveNo": f"{payment.approved_at % 10**8:08d}" if payment.approved_at else "00000000",
                "useCardPoint": False, "cardType": kind, "ownerType": "개인", "acquireStatus": "READY",
                "amount": payment.total}
    vbank = None
    if payment.method == codes.VIRTUAL_ACCOUNT:
        vbank = {"accountType": "일반", "accountNumber": payment.account_number, "bankCode": payment.bank,
                 "customerName": payment.customer_name, "dueDate": iso(payment.due), "refundStatus": "NONE",
                 "expired": False, "settlementStatus": "COMPLETED" if payment.status == codes.DONE else "INCOMPLETED"}
    vat = int((payment.total - payment.tax_free) / 11 + 0.5)
    return {
        "mId": payment.mid, "version": "2022-11-16", "paymentKey": payment.payment_key, "type": payment.type if payment.type != "KEYIN" else "NORMAL",
        "orderId": payment.order_id, "orderName": payment.order_name, "currency": "KRW", "method": payment.method,
        "status": payment.status, "requestedAt": iso(payment.requested_at),
        "approvedAt": iso(payment.approved_at) if payment.approved_at else None, "useEscrow": False,
        "lastTransactionKey": payment.transaction_key or None, "totalAmount": payment.total, "balanceAmount": payment.balance,
        "suppliedAmount": payment.total - payment.tax_free - vat, "vat": vat, "taxFreeAmount": payment.tax_free,
        "taxExemptionAmount": 0, "isPartialCancelable": True, "card": card, "virtualAccount": vbank,
        "transfer": {"bankCode": payment.bank, "settlementStatus": "COMPLETED"} if payment.method == codes.TRANSFER else None,
        "mobilePhone": {"customerMobilePhone": "01000000000", "settlementStatus": "COMPLETED"} if payment.method == codes.MOBILE_PHONE else None,
        "cancels": list(payment.cancels) or None, "secret": payment.secret or None, "failure": payment.failure,
        "receipt": {"url": f"https://dashboard.tosspayments.com/receipt/redirection?transactionId={payment.transaction_key}"}
        if payment.approved_at else None, "country": "KR", "easyPay": None, "cashReceipt": None, "discount": None,
    }


def billing_body(key: BillingKey) -> dict[str, Any]:
    """The Billing object [TOSS-RS]."""
    label, issuer, masked, kind, _ = CHOICES.get(key.choice, CHOICES["SHINHAN"])
    return {"mId": key.mid, "customerKey": key.customer_key, "authenticatedAt": iso(key.authenticated_at), "method": codes.CARD,
            "billingKey": key.billing_key, "cardCompany": label.split(" ")[0],
            "card": {"issuerCode": issuer, "acquirerCode": issuer, "number": key.card_number or masked, "cardType": kind,
                     "ownerType": "개인"}}


# --- the window ------------------------------------------------------------------------------------


def window_payment(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any], choice: str) -> Payment:
    """The buyer finished Toss's window: an authenticated payment waiting for the merchant's confirm."""
    now = emu.now()
    method = text(params, "method")
    if method not in (codes.CARD, codes.TRANSFER, codes.VIRTUAL_ACCOUNT, codes.MOBILE_PHONE):
        raise TossFail(codes.INVALID_REQUEST, f"지원하지 않는 결제수단입니다 ({method})")
    payment = Payment(
        payment_key=_key(now), mid=merchant.mid, order_id=order_id(params), order_name=text(params, "orderName"),
        method=method, total=number(params, "amount", minimum=1) or 0, status=codes.IN_PROGRESS, requested_at=int(now),
        choice=choice if method == codes.CARD else "", customer_name=text(params, "customerName", required=False) or "구매자",
        bank=choice if method in (codes.TRANSFER, codes.VIRTUAL_ACCOUNT) else "",
        due=(unix_of(text(params, "dueDate", required=False)) or 0) if params.get("dueDate") else int(now) + 7 * 86400,
    )
    emu.state.payments[payment.payment_key] = payment
    emu.state.record("window_authenticated", now, payment_key=payment.payment_key, order_id=payment.order_id, amount=0)
    return payment


def billing_auth(emu: Emulator, merchant: EmulatorMerchant, customer_key: str, choice: str) -> BillingAuth:
    if not CUSTOMER_KEY.match(customer_key):
        raise TossFail(codes.INVALID_REQUEST, "customerKey 형식이 올바르지 않습니다")
    auth = BillingAuth(secrets.token_urlsafe(24), merchant.mid, customer_key, choice)
    emu.state.auths[auth.auth_key] = auth
    return auth


# --- operations ------------------------------------------------------------------------------------


def _payment_of(emu: Emulator, merchant: EmulatorMerchant, payment_key: str) -> Payment:
    payment = emu.state.payments.get(payment_key)
    if payment is None or payment.mid != merchant.mid:
        raise TossFail(codes.NOT_FOUND_PAYMENT)
    return payment


def _decline_of(choice: str, amount: int) -> str:
    return CHOICES.get(choice, CHOICES["SHINHAN"])[4] or AMOUNT_DECLINES.get(amount % 10_000, "")


def _charge(emu: Emulator, payment: Payment) -> Answer:
    """Approve or decline an authenticated / requested payment by its card and amount."""
    now = emu.now()
    ending = payment.total % 10_000
    decline = _decline_of(payment.choice, payment.total) if payment.method == codes.CARD else ""
    if decline or ending == SLOW_DECLINE:
        code = decline or codes.REJECT_CARD_COMPANY
        payment.status, payment.failure = codes.ABORTED, {"code": code, "message": codes.message(code)}
        emu.state.record("decline", now, payment_key=payment.payment_key, order_id=payment.order_id, amount=0, code=code)
        raise TossFail(code, slow=ending == SLOW_DECLINE)
    payment.transaction_key = secrets.token_hex(16).upper()
    payment.balance = payment.total
    if payment.method == codes.VIRTUAL_ACCOUNT:
        payment.status, payment.secret = codes.WAITING_FOR_DEPOSIT, "ps_" + secrets.token_urlsafe(18)
        payment.bank = payment.bank if payment.bank in BANKS else "88"
        payment.account_number = f"X{secrets.randbelow(10**13):013d}"
        emu.state.record("vbank_issued", now, payment_key=payment.payment_key, order_id=payment.order_id, amount=0)
    else:
        payment.status, payment.approved_at = codes.DONE, int(now)
        emu.state.record("approval", now, payment_key=payment.payment_key, order_id=payment.order_id, amount=payment.total)
    return Answer(payment_body(payment), slow=ending == SLOW_APPROVE)


def _no_duplicate(emu: Emulator, mid: str, order: str, payment_key: str = "") -> None:
    other = emu.state.by_order(mid, order)
    if other is not None and other.payment_key != payment_key and (other.approved_at or other.status == codes.WAITING_FOR_DEPOSIT):
        raise TossFail(codes.DUPLICATED_ORDER_ID)


def confirm(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    """``POST /v1/payments/confirm`` {paymentKey, orderId, amount}."""
    payment = _payment_of(emu, merchant, text(params, "paymentKey", limit=200))
    order, amount = order_id(params), number(params, "amount", minimum=1)
    if payment.status == codes.IN_PROGRESS and emu.now() - payment.requested_at > emu.config.confirm_ttl_seconds:
        payment.status = codes.EXPIRED
    if payment.status == codes.EXPIRED:
        raise TossFail(codes.NOT_FOUND_PAYMENT_SESSION)
    if payment.status != codes.IN_PROGRESS:
        raise TossFail(codes.ALREADY_PROCESSED_PAYMENT)
    if order != payment.order_id:
        raise TossFail(codes.INVALID_REQUEST, "주문번호가 결제 요청과 다릅니다 (orderId differs from the window's)")
    if amount != payment.total:
        raise TossFail(codes.INVALID_REQUEST, "결제 금액이 결제 요청과 다릅니다 (amount differs from the window's)")
    _no_duplicate(emu, merchant.mid, order, payment.payment_key)
    return _charge(emu, payment)


def lookup(emu: Emulator, merchant: EmulatorMerchant, payment_key: str) -> Answer:
    return Answer(payment_body(_payment_of(emu, merchant, payment_key)))


def lookup_order(emu: Emulator, merchant: EmulatorMerchant, order: str) -> Answer:
    payment = emu.state.by_order(merchant.mid, order)
    if payment is None:
        raise TossFail(codes.NOT_FOUND_PAYMENT)
    if payment.status == codes.IN_PROGRESS and emu.now() - payment.requested_at > emu.config.confirm_ttl_seconds:
        payment.status = codes.EXPIRED
    return Answer(payment_body(payment))


def cancel(emu: Emulator, merchant: EmulatorMerchant, payment_key: str, params: dict[str, Any]) -> Answer:
    """``POST /v1/payments/{paymentKey}/cancel`` {cancelReason, cancelAmount?, refundableAmount?, taxFreeAmount?,
    refundReceiveAccount?}."""
    payment = _payment_of(emu, merchant, payment_key)
    reason = text(params, "cancelReason", limit=200)
    amount = number(params, "cancelAmount", required=False, minimum=1)
    refundable = number(params, "refundableAmount", required=False)
    tax_free = number(params, "taxFreeAmount", required=False) or 0
    if payment.status == codes.CANCELED:
        raise TossFail(codes.ALREADY_CANCELED_PAYMENT)
    if payment.status not in (codes.DONE, codes.PARTIAL_CANCELED, codes.WAITING_FOR_DEPOSIT):
        raise TossFail(codes.NOT_CANCELABLE_PAYMENT)
    if refundable is not None and refundable != payment.balance:
        raise TossFail(codes.NOT_MATCHES_REFUNDABLE_AMOUNT)
    amount = payment.balance if amount is None else amount
    if amount > payment.balance:
        raise TossFail(codes.NOT_CANCELABLE_AMOUNT)
    if payment.status == codes.WAITING_FOR_DEPOSIT and amount != payment.balance:
        raise TossFail(codes.NOT_CANCELABLE_AMOUNT, "입금 전 가상계좌는 전액만 취소할 수 있습니다")
    account = params.get("refundReceiveAccount")
    if payment.method == codes.VIRTUAL_ACCOUNT and payment.status != codes.WAITING_FOR_DEPOSIT and not (
            isinstance(account, dict) and account.get("accountNumber") and account.get("bank")):
        raise TossFail(codes.INVALID_REQUEST, "입금된 가상계좌 결제의 취소에는 refundReceiveAccount가 필요합니다")
    now = emu.now()
    waiting = payment.status == codes.WAITING_FOR_DEPOSIT
    payment.balance -= amount
    payment.status = codes.CANCELED if payment.balance == 0 else codes.PARTIAL_CANCELED
    transaction_key = secrets.token_hex(16).upper()
    payment.transaction_key = transaction_key
    payment.cancels.append({
        "cancelAmount": amount, "cancelReason": reason, "taxFreeAmount": tax_free, "taxExemptionAmount": 0,
        "refundableAmount": payment.balance, "easyPayDiscountAmount": 0, "canceledAt": iso(now),
        "transactionKey": transaction_key, "receiptKey": None, "cancelStatus": "DONE", "cancelRequestId": None,
    })
    emu.state.record("vbank_closed" if waiting else "cancel", now, payment_key=payment.payment_key, order_id=payment.order_id,
                     amount=0 if waiting else -amount, transaction_key=transaction_key, reason=reason)
    return Answer(payment_body(payment), slow="lost-reply" in reason)


def _card_params(params: dict[str, Any], now: float) -> str:
    card = text(params, "cardNumber", limit=20)
    year, month = text(params, "cardExpirationYear", limit=2), text(params, "cardExpirationMonth", limit=2)
    text(params, "customerIdentityNumber", limit=10)
    if not (card.isdigit() and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        raise TossFail(codes.INVALID_REQUEST, "카드 정보 형식이 올바르지 않습니다")
    today = datetime.fromtimestamp(now)
    if (2000 + int(year), int(month)) < (today.year, today.month):
        raise TossFail(codes.INVALID_CARD_EXPIRATION)
    return card


def _masked(card: str) -> str:
    return card[:8] + "****" + card[12:15] + "*" if len(card) >= 15 else card[:6] + "******"


def key_in(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    """``POST /v1/payments/key-in``: a card payment from card data (Toss's key-in contract)."""
    now = emu.now()
    card = _card_params(params, now)
    order = order_id(params)
    payment = Payment(payment_key=_key(now), mid=merchant.mid, order_id=order, order_name=text(params, "orderName"),
                      method=codes.CARD, total=number(params, "amount", minimum=1) or 0, status=codes.IN_PROGRESS,
                      requested_at=int(now), type="KEYIN", tax_free=number(params, "taxFreeAmount", required=False) or 0,
                      customer_name=text(params, "customerName", required=False))
    _no_duplicate(emu, merchant.mid, order)
    payment.choice = "HYUNDAI_CHECK" if card.startswith("4330") else "SHINHAN"
    emu.state.payments[payment.payment_key] = payment
    return _charge(emu, payment)


def issue_billing(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    """``POST /v1/billing/authorizations/issue`` {authKey, customerKey}. The same authKey again answers the
    same billing key (paymux's choice: Toss documents no reuse)."""
    auth = emu.state.auths.get(text(params, "authKey", limit=300))
    customer = text(params, "customerKey", limit=300)
    if auth is None or auth.mid != merchant.mid:
        raise TossFail(codes.NOT_FOUND_BILLING, "존재하지 않는 authKey 입니다")
    if customer != auth.customer_key:
        raise TossFail(codes.NOT_MATCHES_CUSTOMER_KEY)
    if not auth.billing_key:
        now = emu.now()
        key = BillingKey(secrets.token_urlsafe(30), merchant.mid, customer, auth.choice, "", int(now))
        emu.state.billing_keys[key.billing_key] = key
        auth.billing_key = key.billing_key
        emu.state.record("billing_key", now, customer_key=customer, amount=0)
    return Answer(billing_body(emu.state.billing_keys[auth.billing_key]))


def issue_billing_by_card(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    """``POST /v1/billing/authorizations/card`` {customerKey, cardNumber, cardExpirationYear, …}."""
    now = emu.now()
    card = _card_params(params, now)
    customer = text(params, "customerKey", limit=300)
    if not CUSTOMER_KEY.match(customer):
        raise TossFail(codes.INVALID_REQUEST, "customerKey 형식이 올바르지 않습니다")
    key = BillingKey(secrets.token_urlsafe(30), merchant.mid, customer, "HYUNDAI_CHECK" if card.startswith("4330") else "SHINHAN",
                     _masked(card), int(now))
    emu.state.billing_keys[key.billing_key] = key
    emu.state.record("billing_key", now, customer_key=customer, amount=0)
    return Answer(billing_body(key))


def charge_billing(emu: Emulator, merchant: EmulatorMerchant, billing_key: str, params: dict[str, Any]) -> Answer:
    """``POST /v1/billing/{billingKey}`` {customerKey, amount, orderId, orderName, …}."""
    key = emu.state.billing_keys.get(billing_key)
    if key is None or key.mid != merchant.mid:
        raise TossFail(codes.NOT_FOUND_BILLING)
    customer = text(params, "customerKey", limit=300)
    amount = number(params, "amount", minimum=1) or 0
    order = order_id(params)
    name = text(params, "orderName")
    if customer != key.customer_key:
        raise TossFail(codes.NOT_MATCHES_CUSTOMER_KEY)
    _no_duplicate(emu, merchant.mid, order)
    now = emu.now()
    payment = Payment(payment_key=_key(now), mid=merchant.mid, order_id=order, order_name=name, method=codes.CARD, total=amount,
                      status=codes.IN_PROGRESS, requested_at=int(now), type="BILLING", choice=key.choice,
                      tax_free=number(params, "taxFreeAmount", required=False) or 0,
                      customer_name=text(params, "customerName", required=False))
    emu.state.payments[payment.payment_key] = payment
    return _charge(emu, payment)


def virtual_account(emu: Emulator, merchant: EmulatorMerchant, params: dict[str, Any]) -> Answer:
    """``POST /v1/virtual-accounts`` {amount, orderId, orderName, customerName, bank, dueDate?/validHours?}."""
    now = emu.now()
    order = order_id(params)
    bank = text(params, "bank", limit=2)
    if bank not in BANKS:
        raise TossFail(codes.INVALID_REQUEST, f"가상계좌를 발급할 수 없는 은행입니다 ({bank})")
    hours = number(params, "validHours", required=False, minimum=1)
    due = unix_of(text(params, "dueDate", required=False)) if params.get("dueDate") else None
    payment = Payment(payment_key=_key(now), mid=merchant.mid, order_id=order, order_name=text(params, "orderName"),
                      method=codes.VIRTUAL_ACCOUNT, total=number(params, "amount", minimum=1) or 0, status=codes.IN_PROGRESS,
                      requested_at=int(now), customer_name=text(params, "customerName"), bank=bank,
                      due=due or int(now) + (hours or 168) * 3600)
    _no_duplicate(emu, merchant.mid, order)
    emu.state.payments[payment.payment_key] = payment
    return _charge(emu, payment)


def deposit(emu: Emulator, payment: Payment) -> dict[str, Any]:
    """The buyer paid into the account: ``DONE``; the DEPOSIT_CALLBACK body to send [TOSS-VA]."""
    now = emu.now()
    payment.status, payment.approved_at = codes.DONE, int(now)
    payment.transaction_key = secrets.token_hex(16).upper()
    emu.state.record("deposit", now, payment_key=payment.payment_key, order_id=payment.order_id, amount=payment.total)
    return {"createdAt": iso(now), "secret": payment.secret, "status": codes.DONE,
            "transactionKey": payment.transaction_key, "orderId": payment.order_id}

"""The hosted payment window behind ``IMP.request_pay``: open it, approve it, or close it.

Opening resolves the channel with the shared resolver, checks what i'mport checks before a window
opens (parameters, pay method, ``buyer_tel``, the ``/payments/prepare`` amount, an order already paid)
and records the ``ready`` payment. The buyer's work in the window then goes to the PG through the
same write-ahead path as every charge: the order is claimed and the payment marked in flight in one
transaction, the PG is called outside it, and its answer is recorded with its webhook atomically.

A window is carried by a signed ticket rather than a session table: it names the payment and the
shop's ``param``, and the payment row itself says whether the window is still open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import (
    CardRefused,
    ChargeResult,
    Connector,
    IssuedBillingKey,
    Outcome,
    WindowAuthentication,
    WindowLaunch,
    WindowStep,
)
from paymux.domain import ids
from paymux.domain.card import BANKS, CARD_COMPANIES, CardDetails
from paymux.domain.channel import Channel, Purpose
from paymux.domain.errors import InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.money import INSTALLMENT_MINIMUM, MAX_INSTALLMENT_MONTHS, split_tax
from paymux.domain.pay_request import WALLET_METHODS, PayRequest
from paymux.domain.payment import Approval, CustomerUidUsage, Payment, PaymentStatus
from paymux.observability.pg import PgCallSubject
from paymux.services import billing, vbanks
from paymux.services import channels as channel_service
from paymux.services import merchants as merchant_service
from paymux.services.charging import (
    ALREADY_PAID,
    OrderClaimed,
    PaymentSettledMeanwhile,
    call_pg,
    check_prepared_amount,
    record_attempt,
    record_outcome,
    webhook_payload,
)
from paymux.services.runtime import Runtime
from paymux.store import claims as claim_store
from paymux.store import customers as customer_store
from paymux.store import merchants as merchant_store
from paymux.store import orders as order_store
from paymux.store import payments as payment_store

WINDOW_LIFETIME_SECONDS = 30 * 60
USER_CANCELLED = "사용자가 결제를 취소하셨습니다 (the buyer closed the payment window)"
WINDOW_EXPIRED = "결제창 유효시간이 지났습니다. 다시 시도해주세요 (the payment window expired; open it again)"


class Screen(StrEnum):
    """The sandbox window shown for a channel and pay method, like that PG's test window."""

    CARD = "card"
    BANK = "bank"
    VBANK = "vbank"
    PHONE = "phone"
    WALLET = "wallet"


class DisplayMode(StrEnum):
    POPUP = "popup"        # an overlay iframe on the shop's page; the result goes to the callback
    REDIRECT = "redirect"  # a full page on mobile; the result goes to m_redirect_url


@dataclass(frozen=True)
class WindowTicket:
    """What the window carries between its pages, signed so the browser cannot change it."""

    merchant_id: int
    imp_uid: str
    param: dict[str, Any]
    display: DisplayMode
    origin: str
    issued_at: int


@dataclass(frozen=True)
class OpenWindow:
    """Everything the window page shows."""

    ticket: str
    payment: Payment
    request: PayRequest
    channel: Channel
    pg_name: str
    screen: Screen
    card_companies: list[tuple[str, str]]
    quota_choices: list[int]  # installment months offered besides the lump sum (0)
    banks: list[tuple[str, str]]
    display: DisplayMode
    origin: str
    launch: WindowLaunch | None = None  # set when the PG shows its own window (a live-protocol channel)

    @property
    def issues_billing_key(self) -> bool:
        return self.request.issues_billing_key


@dataclass(frozen=True)
class BuyerInput:
    """The window's form fields; each screen uses some of them."""

    card_number: str | None = None
    expiry: str | None = None
    birth: str | None = None
    pwd_2digit: str | None = None
    card_company: str | None = None
    card_quota: str | None = None
    bank_code: str | None = None
    phone: str | None = None
    phone_code: str | None = None


class WindowTickets:
    """Signs and checks window tickets with a key derived from the vault (never stored)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._key, payload, hashlib.sha256).digest()).decode().rstrip("=")

    def sign(self, ticket: WindowTicket) -> str:
        body = json.dumps(
            [ticket.merchant_id, ticket.imp_uid, ticket.param, ticket.display.value, ticket.origin, ticket.issued_at],
            separators=(",", ":"), ensure_ascii=False,
        ).encode()
        return base64.urlsafe_b64encode(body).decode().rstrip("=") + "." + self._mac(body)

    def verify(self, text: str) -> WindowTicket:
        """The ticket, if we signed it; its age is checked by the caller, who must close it then."""
        encoded, _, mac = (text or "").partition(".")
        try:
            body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError:
            body = b""
        if not body or not hmac.compare_digest(mac, self._mac(body)):
            raise NotFound("no such payment window (결제창 정보가 올바르지 않습니다)")
        merchant_id, imp_uid, param, display, origin, issued_at = json.loads(body)
        return WindowTicket(merchant_id, imp_uid, param, DisplayMode(display), origin, issued_at)

    def phone_code(self, ticket_text: str, phone: str) -> str:
        """The sandbox's SMS code: fixed for a window and a number, shown in the window itself."""
        digest = hmac.new(self._key, f"sms|{ticket_text}|{phone}".encode(), hashlib.sha256).digest()
        return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


def tickets(runtime: Runtime) -> WindowTickets:
    return WindowTickets(runtime.vault.derive_key("paymux checkout window tickets v1"))


# --- opening --------------------------------------------------------------------------------------


async def find_merchant(runtime: Runtime, user_code: str | None, tier_code: str | None) -> Merchant:
    """``IMP.init(user_code)`` or ``IMP.agency(user_code, tier_code)``: the merchant paying."""
    if not user_code:
        raise InvalidParameter("user_code", "IMP.init('imp…') must be called first (가맹점 식별코드가 없습니다)")
    async with runtime.database.reading() as connection:
        merchant = await merchant_store.merchant_by_user_code(connection, user_code)
        if merchant is not None and tier_code:
            merchant = await merchant_store.sub_merchant(connection, merchant.id, tier_code)
    if merchant is None:
        raise NotFound(f"no merchant with user code {user_code}{' and tier ' + tier_code if tier_code else ''}")
    return merchant


def screen_for(connector: Connector, request: PayRequest) -> Screen:
    """Which sandbox screen this PG shows for the pay method, refusing what the PG does not offer."""
    method = request.pay_method
    if request.issues_billing_key:
        if method not in connector.billing_window_methods:
            offered = ", ".join(sorted(connector.billing_window_methods))
            raise Refused(f"{connector.display_name}의 비인증 결제창은 pay_method {offered}만 지원합니다 "
                          f"(its billing-key window takes pay_method {offered}, not '{method}')")
    elif method not in connector.pay_methods:
        raise Refused(f"{connector.display_name} does not offer pay_method '{method}' (지원하지 않는 결제수단입니다)")
    if connector.pg_provider == "kakaopay":
        return Screen.WALLET
    if method in WALLET_METHODS:
        return Screen.WALLET
    return {"card": Screen.CARD, "trans": Screen.BANK, "vbank": Screen.VBANK, "phone": Screen.PHONE}[method]


def quota_choices(request: PayRequest) -> list[int]:
    """Installment months the card screen offers besides the lump sum: none below 50,000 KRW."""
    if request.issues_billing_key or request.amount < INSTALLMENT_MINIMUM:
        return []
    options = request.card
    if options.direct_code is not None and options.direct_quota >= 2:
        return [options.direct_quota]
    if options.quota_months is not None:
        return list(options.quota_months)
    return list(range(2, MAX_INSTALLMENT_MONTHS + 1))


def charges(payment: Payment, issues_billing_key: bool) -> bool:
    """Whether the window charges: every payment window, and a billing-key window whose PG charges
    in the same approval (Kakao Pay with an amount). A ``/payments/prepare``d amount binds these."""
    return not issues_billing_key or payment.amount > 0


def _new_payment(runtime: Runtime, merchant: Merchant, channel: Channel, request: PayRequest, display: DisplayMode,
                 user_agent: str | None) -> Payment:
    now = runtime.now()
    charges_nothing = not runtime.connectors.for_channel(channel).first_charge_with_key
    if request.issues_billing_key and (charges_nothing or request.amount <= 0):
        amount, tax_free, vat = 0, 0, 0  # this PG's billing window issues the key only, whatever it shows
    else:
        amount = request.amount
        tax_free, vat = split_tax(amount, request.tax_free, request.vat)
    return Payment(
        imp_uid=ids.new_imp_uid(), merchant_id=merchant.id, merchant_uid=request.merchant_uid, amount=amount,
        tax_free=tax_free, vat=vat, channel_id=channel.id, pay_method=request.pay_method,
        channel="mobile" if display is DisplayMode.REDIRECT else "pc", pg_provider=channel.pg_provider,
        pg_id=channel.mid, name=request.name, currency=request.currency, buyer_name=request.buyer_name,
        buyer_email=request.buyer_email, buyer_tel=request.buyer_tel, buyer_addr=request.buyer_addr,
        buyer_postcode=request.buyer_postcode, custom_data=request.custom_data,
        notice_url=list(request.notice_url) if request.notice_url else None, user_agent=(user_agent or "")[:200] or None,
        customer_uid=request.customer_uid, escrow=request.escrow,
        customer_uid_usage=CustomerUidUsage.ISSUE.value if request.issues_billing_key else None,
        started_at=now, updated_at=now, status_at=now,
    )


async def open_window(
    runtime: Runtime,
    merchant: Merchant,
    param: object,
    *,
    display: DisplayMode,
    origin: str,
    user_agent: str | None = None,
) -> OpenWindow:
    """``IMP.request_pay``: check the request and record the ``ready`` payment the window will pay."""
    now = runtime.now()
    request = PayRequest.parse(param, now, allow_private_targets=runtime.settings.webhook_allow_private)
    purpose = Purpose.BILLING_WINDOW if request.issues_billing_key else Purpose.PAYMENT_WINDOW
    channel = await channel_service.resolve(runtime, merchant.id, request.pg, purpose)
    connector = runtime.connectors.for_channel(channel)
    screen = screen_for(connector, request)
    if connector.requires_buyer_tel and not request.buyer_tel:
        raise InvalidParameter("buyer_tel", f"is required by {connector.display_name} (구매자 연락처는 필수입니다)")
    channel_service.require_credentials(runtime, channel)
    payment = _new_payment(runtime, merchant, channel, request, display, user_agent)
    if charges(payment, request.issues_billing_key):
        await check_prepared_amount(runtime, merchant.id, request.merchant_uid, payment.amount)
    async with runtime.database.reading() as connection:
        if await claim_store.order_is_claimed(connection, merchant.id, request.merchant_uid):
            raise OrderClaimed(ALREADY_PAID.format(uid=request.merchant_uid))
    async with runtime.database.autocommit() as connection:
        await payment_store.insert_payment(connection, payment)
    ticket = WindowTicket(merchant.id, payment.imp_uid, dict(param), display, origin, now)  # type: ignore[call-overload]
    return _window(tickets(runtime).sign(ticket), ticket, payment, request, channel, connector, screen)


def _window(ticket_text: str, ticket: WindowTicket, payment: Payment, request: PayRequest, channel: Channel,
            connector: Connector, screen: Screen) -> OpenWindow:
    companies = [(code, name) for code, name in CARD_COMPANIES.items() if request.card.company_allowed(code)]
    return OpenWindow(
        ticket=ticket_text, payment=payment, request=request, channel=channel,
        pg_name=connector.display_name, screen=screen, card_companies=companies, quota_choices=quota_choices(request),
        banks=list(BANKS.items()), display=ticket.display, origin=ticket.origin,
    )


async def reopen(runtime: Runtime, ticket_text: str) -> tuple[WindowTicket, OpenWindow | None, Payment]:
    """The window behind a ticket: still open (to show again), or its payment settled — an open
    window past its lifetime is settled here, as failed."""
    ticket = tickets(runtime).verify(ticket_text)
    async with runtime.database.reading() as connection:
        payment = await payment_store.get_payment(connection, ticket.merchant_id, ticket.imp_uid)
        channel = await merchant_store.channel_by_id(connection, ticket.merchant_id, payment.channel_id or 0) if payment else None
    if payment is None or channel is None:
        raise NotFound("no such payment window (결제창 정보가 올바르지 않습니다)")
    if payment.status is not PaymentStatus.READY or payment.outcome_pending:
        return ticket, None, payment
    if runtime.now() - ticket.issued_at > WINDOW_LIFETIME_SECONDS:
        return ticket, None, await fail_open(runtime, payment, WINDOW_EXPIRED)
    request = PayRequest.parse(ticket.param, ticket.issued_at, allow_private_targets=runtime.settings.webhook_allow_private)
    connector = runtime.connectors.for_channel(channel)
    window = _window(ticket_text, ticket, payment, request, channel, connector, screen_for(connector, request))
    return ticket, window, payment


# --- the buyer's answer ---------------------------------------------------------------------------


def _authentication(runtime: Runtime, window: OpenWindow, form: BuyerInput) -> WindowAuthentication:
    """Read the screen's fields; a mistake is an InvalidParameter shown next to its field."""
    if window.screen is Screen.CARD:
        card = CardDetails.parse(form.card_number, form.expiry, form.birth, form.pwd_2digit)
        company = None
        if not window.issues_billing_key:
            company = window.request.card.direct_code or (form.card_company or None)
            if company is None:
                raise InvalidParameter("card_company", "카드사를 선택해주세요 (choose a card company)")
            if not window.request.card.company_allowed(company):
                raise InvalidParameter("card_company", "이 카드사는 이 주문에 사용할 수 없습니다 (not offered for this order)")
        return WindowAuthentication(WindowStep.CARD, card=card, card_company=company)
    if window.screen in (Screen.BANK, Screen.VBANK):
        if form.bank_code not in BANKS:
            raise InvalidParameter("bank_code", "은행을 선택해주세요 (choose a bank)")
        return WindowAuthentication(WindowStep.BANK, bank_code=form.bank_code)
    if window.screen is Screen.PHONE:
        phone = "".join(ch for ch in (form.phone or "") if ch.isdigit())
        if not 10 <= len(phone) <= 11 or not phone.startswith("01"):
            raise InvalidParameter("phone", "휴대폰 번호를 확인해주세요 (a mobile number such as 010-1234-5678)")
        if not form.phone_code or not hmac.compare_digest(form.phone_code.strip(), tickets(runtime).phone_code(window.ticket, phone)):
            raise InvalidParameter("phone_code", "인증번호가 일치하지 않습니다 (the SMS code does not match)")
        return WindowAuthentication(WindowStep.PHONE, phone=phone)
    return WindowAuthentication(WindowStep.WALLET, wallet=window.request.pay_method)


def _installments(window: OpenWindow, form: BuyerInput) -> int:
    if window.screen is not Screen.CARD or window.issues_billing_key:
        return 0
    if window.request.card.direct_code is not None and not form.card_quota:
        return window.request.card.direct_quota if window.request.card.direct_quota in window.quota_choices else 0
    text = (form.card_quota or "0").strip()
    months = int(text) if text.isdigit() else -1
    if months in (0, 1):
        return 0
    if months not in window.quota_choices:
        raise InvalidParameter("card_quota", "선택할 수 없는 할부개월입니다 (installments not offered for this order)")
    return months


async def fail_open(runtime: Runtime, payment: Payment, reason: str) -> Payment:
    """End an open window as failed (closed by the buyer, or refused before the PG), with its webhook."""
    now = runtime.now()
    payment.fail(reason, now)
    async with runtime.database.transaction() as connection:
        if await payment_store.save_if_open(connection, payment):
            await order_store.enqueue_webhook(
                connection, merchant_id=payment.merchant_id, payload=webhook_payload(payment),
                target_urls=payment.notice_url, now=now,
            )
            return payment
    return await stored(runtime, payment)


async def stored(runtime: Runtime, payment: Payment) -> Payment:
    async with runtime.database.reading() as connection:
        return await payment_store.get_payment(connection, payment.merchant_id, payment.imp_uid) or payment


async def submit(runtime: Runtime, ticket_text: str, form: BuyerInput) -> tuple[WindowTicket, Payment]:
    """The buyer pressed "approve": authenticate with the PG and record its answer.

    Raises InvalidParameter for a field the buyer can correct; every other outcome is a settled
    (or, when the PG's answer was lost, pending) payment, returned with the window's ticket.
    """
    ticket, window, payment = await reopen(runtime, ticket_text)
    if window is None:
        return ticket, payment
    if runtime.connectors.for_channel(window.channel).has_pg_window:
        raise NotFound("this payment is made in the PG's own window (PG 결제창에서 진행되는 결제입니다)")
    return ticket, await _approve(runtime, window, payment, form)


async def _approve(runtime: Runtime, window: OpenWindow, payment: Payment, form: BuyerInput) -> Payment:
    authentication = _authentication(runtime, window, form)
    payment.card_quota = _installments(window, form)
    if window.screen is Screen.VBANK:
        return await _issue_vbank(runtime, window, payment, authentication)
    if charges(payment, window.issues_billing_key):
        try:
            await check_prepared_amount(runtime, payment.merchant_id, payment.merchant_uid, payment.amount)
        except Refused as refusal:
            return await fail_open(runtime, payment, refusal.message)
    try:
        await record_attempt(runtime, payment, row_exists=True)
    except OrderClaimed:
        return await fail_open(runtime, payment, ALREADY_PAID.format(uid=payment.merchant_uid))
    except PaymentSettledMeanwhile:
        return await stored(runtime, payment)
    connector = runtime.connectors.for_channel(window.channel)
    context = channel_service.channel_context(runtime, window.channel)
    if not window.issues_billing_key:
        request = billing.charge_request(payment, runtime.now())
        result = await call_pg(runtime, lambda: connector.approve_window(context, request, authentication),
                               PgCallSubject.of(connector, "approve_window", payment))
        return await record_outcome(runtime, payment, result, payment_row_exists=True)
    return await _issue_billing_key(runtime, window, payment, connector, authentication)


async def _issue_billing_key(
    runtime: Runtime, window: OpenWindow, payment: Payment, connector: Connector, authentication: WindowAuthentication
) -> Payment:
    """The non-authenticated window: the PG keeps the card (or phone) and returns a key. Where the PG
    charges in the same approval (``first_charge_with_key``, the payment then has an amount), the
    key is kept only if that charge is approved, and the payment records what the PG charged."""
    context = channel_service.channel_context(runtime, window.channel)
    customer_uid = window.request.customer_uid
    assert customer_uid is not None
    issued: list[IssuedBillingKey] = []

    async def issue() -> ChargeResult:
        try:
            key = await connector.issue_window_billing_key(context, authentication, customer_uid, runtime.now())
        except CardRefused as refusal:
            return ChargeResult.declined(refusal.message)
        if payment.amount > 0:  # issue and charge at once
            charged = await connector.charge_billing_key(context, key.billing_key, billing.charge_request(payment, runtime.now()))
            if charged.outcome is not Outcome.APPROVED or charged.approval is None:
                return charged
            issued.append(key)
            return ChargeResult.approved(replace(
                charged.approval, card_code=charged.approval.card_code or key.card_code,
                card_name=charged.approval.card_name or key.card_name,
                card_number=charged.approval.card_number or key.card_number,
                card_type=charged.approval.card_type if charged.approval.card_type is not None else key.card_type,
            ))
        issued.append(key)
        return ChargeResult.approved(
            Approval(pg_tid="", card_code=key.card_code, card_name=key.card_name, card_number=key.card_number,
                     card_type=key.card_type)
        )

    result = await call_pg(runtime, issue, PgCallSubject.of(connector, "issue_window_billing_key", payment))
    merchant = await merchant_service.merchant_by_id(runtime, payment.merchant_id)
    info = billing.CustomerInfo(payment.buyer_name, payment.buyer_tel, payment.buyer_email, payment.buyer_addr,
                                payment.buyer_postcode)

    async def keep_billing_key(connection: AsyncConnection, _paid: Payment) -> None:
        customer = billing.customer_record(runtime, merchant, customer_uid, window.channel, issued[0], info)
        await customer_store.save_customer(connection, customer)

    return await record_outcome(runtime, payment, result, keep_billing_key, payment_row_exists=True)


async def _issue_vbank(
    runtime: Runtime, window: OpenWindow, payment: Payment, authentication: WindowAuthentication
) -> Payment:
    """Virtual account: the PG opens an account; the order then awaits the deposit (``ready``)."""
    connector = runtime.connectors.for_channel(window.channel)
    context = channel_service.channel_context(runtime, window.channel)
    now = runtime.now()
    due = window.request.vbank_deadline(now)
    try:
        await check_prepared_amount(runtime, payment.merchant_id, payment.merchant_uid, payment.amount)
    except Refused as refusal:
        return await fail_open(runtime, payment, refusal.message)
    request = billing.charge_request(payment, now)
    try:
        return await vbanks.open_account(
            runtime, payment, due,
            lambda: connector.issue_vbank(context, request, authentication.bank_code or "", due, payment.buyer_name or "구매자"),
            row_exists=True,
        )
    except OrderClaimed:
        return await fail_open(runtime, payment, ALREADY_PAID.format(uid=payment.merchant_uid))
    except PaymentSettledMeanwhile:
        return await stored(runtime, payment)


async def close(runtime: Runtime, ticket_text: str) -> tuple[WindowTicket, Payment]:
    """The buyer closed the window: the open payment fails as cancelled by the user."""
    ticket, window, payment = await reopen(runtime, ticket_text)
    if window is None:
        return ticket, payment
    return ticket, await fail_open(runtime, payment, USER_CANCELLED)


async def send_phone_code(runtime: Runtime, ticket_text: str, phone: str | None) -> str:
    """The sandbox's SMS: the code is returned to the window to show, as a test phone would get it."""
    await reopen(runtime, ticket_text)
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if not 10 <= len(digits) <= 11 or not digits.startswith("01"):
        raise InvalidParameter("phone", "휴대폰 번호를 확인해주세요 (a mobile number such as 010-1234-5678)")
    return tickets(runtime).phone_code(ticket_text, digits)


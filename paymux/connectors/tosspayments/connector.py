"""Toss Payments over its real core API v1: the buyer pays in Toss's window, paymux confirms server-side.

The same code runs against Toss itself (``https://api.tosspayments.com``; live keys ``live_ck_…`` /
``live_sk_…`` or Toss's test keys ``test_ck_…`` / ``test_sk_…``) and against ``paymux pg-emulator
tosspayments`` (a channel whose ``endpoint`` names the emulator, which also serves the stand-in of Toss's
window SDK). Sources: ``docs/pgs.md`` §9 and shared/docs/pg-live-protocols.md §4.1.

- window: paymux's launch page loads Toss's SDK (``js.tosspayments.com/v1/payment``) and calls
  ``TossPayments(clientKey).requestPayment(method, {amount, orderId = imp_uid, orderName, successUrl,
  failUrl, …})``. Toss sends the buyer to ``successUrl?paymentKey&orderId&amount`` (or ``failUrl?code&
  message&orderId``); paymux checks ``orderId`` and ``amount`` against the order (a tampered amount is
  never confirmed: Toss lets an unconfirmed payment expire after 10 minutes) and calls
  ``POST /v1/payments/confirm`` with ``Idempotency-Key`` ``confirm-{paymentKey}``. A virtual account's
  confirm answers ``WAITING_FOR_DEPOSIT`` with the account; its deposit arrives as Toss's
  ``DEPOSIT_CALLBACK`` webhook, checked against ``GET /v1/payments/orders/{orderId}`` (status ``DONE``
  and the payment's ``secret``) before paymux records it;
- billing: ``requestBillingAuth('카드', {customerKey, successUrl, failUrl})`` → ``authKey`` →
  ``POST /v1/billing/authorizations/issue``; the billing key paymux keeps is ``billingKey|customerKey``.
  Charges: ``POST /v1/billing/{billingKey}`` (``Idempotency-Key`` ``charge-{imp_uid}``). Key-in: ``POST
  /v1/payments/key-in`` and ``POST /v1/billing/authorizations/card`` (Toss's extra contract);
- cancel: ``POST /v1/payments/{paymentKey}/cancel`` with ``Idempotency-Key`` = the cancellation id and
  ``refundableAmount`` = the balance before it. A retried cancel (the reconciler asking about a lost one)
  is the same request with the same key: Toss answers the first request's result and never refunds twice;
- unknown outcomes: ``GET /v1/payments/orders/{orderId}`` (DONE → paid; not found / ABORTED / EXPIRED →
  nothing charged); a lost window confirm still ``IN_PROGRESS`` is confirmed again with its key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from paymux.connectors.base import (
    CancelOrder,
    CancelResult,
    CardRefused,
    ChannelContext,
    ChargeRequest,
    ChargeResult,
    Connector,
    CredentialField,
    InvalidNotice,
    IssuedBillingKey,
    Outcome,
    PgNotice,
    VbankIssued,
    WindowLaunch,
    WindowOutcome,
    WindowStart,
)
from paymux.connectors.http import PgHttp, PgTransportError
from paymux.connectors.tosspayments import codes
from paymux.connectors.tosspayments import transformers as t
from paymux.connectors.tosspayments.client import (
    PRODUCTION_BASE,
    PRODUCTION_SDK,
    TossError,
    TossKeys,
    TossPaymentsClient,
)
from paymux.connectors.tosspayments.sandbox import TossPaymentsSandbox
from paymux.domain.card import CardDetails
from paymux.domain.channel import ChannelMode
from paymux.domain.errors import Refused
from paymux.domain.payment import Approval, Payment

WINDOW, BILLING = "toss_window", "toss_billing"
SDK_PATH = "/js/v1/payment"  # where an emulator (or staging host) serves the stand-in of Toss's SDK
# Runs on paymux's launch page with the form's id: reads the hidden fields and calls Toss's SDK. It must
# hold no quote, ampersand or angle bracket (the page escapes the value as HTML).
SCRIPT_CALL = (
    "(function(i){var f=document.getElementById(i).elements,t=TossPayments(f.clientKey.value);"
    "if(f.customerKey){t.requestBillingAuth(f.method.value,{customerKey:f.customerKey.value,"
    "successUrl:f.successUrl.value,failUrl:f.failUrl.value})}else{t.requestPayment(f.method.value,"
    "{amount:Number(f.amount.value),orderId:f.orderId.value,orderName:f.orderName.value,"
    "customerName:f.customerName.value||undefined,customerEmail:f.customerEmail.value||undefined,"
    "dueDate:f.dueDate?f.dueDate.value:undefined,successUrl:f.successUrl.value,failUrl:f.failUrl.value})}})"
)
BUYER_FAILED = "토스페이먼츠 결제에 실패하였습니다 (Toss's window ended without a payment)"
TAMPERED = ("결제 금액 또는 주문번호가 주문과 다릅니다: 승인하지 않았습니다 "
            "(Toss's successUrl names another amount or orderId; nothing was confirmed)")
NOT_ACCEPTED = "토스페이먼츠 승인 내용이 주문과 달라 취소하였습니다 (Toss's approval did not match the order; it was cancelled)"
LOST_BILLING = ("빌링키 발급 응답이 유실되었습니다: 결제된 금액은 없습니다. 다시 등록하세요 "
                "(the billing-key answer was lost; nothing was charged; register the card again)")


class TossPaymentsConnector(Connector):
    """``tosspayments`` speaking Toss Payments' core API v1 (see the module docstring)."""

    pg_provider = TossPaymentsSandbox.pg_provider
    display_name = TossPaymentsSandbox.display_name
    pay_methods = TossPaymentsSandbox.pay_methods
    pay_types = TossPaymentsSandbox.pay_types
    billing_window_methods = TossPaymentsSandbox.billing_window_methods
    first_charge_with_key = False  # Toss's billing-auth window only issues the key
    test_mids = TossPaymentsSandbox.test_mids
    public_test_credentials = TossPaymentsSandbox.public_test_credentials
    mode = ChannelMode.LIVE
    has_pg_window = True
    return_url_limit = 0
    # Toss publishes no sender addresses for its webhooks; a DEPOSIT_CALLBACK is proven instead by asking
    # Toss with the channel's secret key (``confirm_notice``: status DONE and the payment's ``secret``).
    notice_sources = ("0.0.0.0/0", "::/0")
    credential_fields = (
        CredentialField(
            "client_key", "클라이언트 키 (client key)",
            "토스페이먼츠 개발자센터(developers.tosspayments.com) > API 키: 라이브 live_ck_… / 테스트 test_ck_… "
            "(결제창을 여는 공개 키; the public key that opens Toss's window). 채널의 MID에는 상점아이디(MID)를 입력합니다",
        ),
        CredentialField(
            "secret_key", "시크릿 키 (secret key)",
            "같은 화면의 시크릿 키: 라이브 live_sk_… / 테스트 test_sk_… (서버 호출에만 쓰며 외부에 노출하지 마세요; "
            "server calls only, never shown to buyers)",
        ),
    )

    def __init__(self, http: PgHttp, client_ip: str = "127.0.0.1") -> None:
        self._http = http

    def keys(self, context: ChannelContext) -> TossKeys:
        given = context.credentials
        if not given and context.channel.mode is ChannelMode.TEST:
            return TossKeys(codes.PUBLIC_TEST_CLIENT_KEY, codes.PUBLIC_TEST_SECRET_KEY)
        return TossKeys(str(given.get("client_key", "")), str(given.get("secret_key", "")))

    def missing_credentials(self, context: ChannelContext) -> list[str]:
        if not context.credentials and context.channel.mode is ChannelMode.TEST:
            return []  # Toss's public test keys
        return super().missing_credentials(context)

    def client(self, context: ChannelContext) -> TossPaymentsClient:
        return TossPaymentsClient(self.keys(context), self._http, context.channel.endpoint or PRODUCTION_BASE)

    @staticmethod
    def sdk_url(context: ChannelContext) -> str:
        endpoint = context.channel.endpoint
        return endpoint.rstrip("/") + SDK_PATH if endpoint else PRODUCTION_SDK

    # --- the window --------------------------------------------------------------------------------
    async def start_window(self, context: ChannelContext, start: WindowStart) -> WindowLaunch:
        request = start.request
        fields = {"clientKey": self.keys(context).client_key, "successUrl": start.return_url, "failUrl": start.return_url}
        if start.issues_billing_key:
            fields.update(method=codes.CARD, customerKey=customer_key(request))
        else:
            method = codes.METHODS_BY_PAY_METHOD.get(start.pay_method)
            if method is None:
                raise Refused(f"토스페이먼츠는 {start.pay_method} 결제를 지원하지 않습니다 (Toss does not take {start.pay_method})")
            fields.update(method=method, amount=str(request.amount), orderId=request.order_id,
                          orderName=_order_name(request), customerName=request.buyer.name or "",
                          customerEmail=request.buyer.email or "")
            if start.pay_method == "vbank" and start.vbank_due:
                fields["dueDate"] = t.iso(start.vbank_due)
        return WindowLaunch(url="", fields=fields, method="GET", script_url=self.sdk_url(context), script_call=SCRIPT_CALL)

    def window_reference(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> dict[str, str]:
        """Toss's successUrl query (``paymentKey``, ``orderId``, ``amount``; billing: ``authKey``,
        ``customerKey``) checked against the order; failUrl's ``code``/``message`` → Refused."""
        request = start.request
        if start.issues_billing_key:
            if not t.text(returned, "authKey"):
                raise Refused(_failure(returned))
            if t.text(returned, "customerKey") != customer_key(request):
                raise Refused("토스페이먼츠 응답의 customerKey가 다릅니다 (Toss's answer names another customerKey)")
            return {"kind": BILLING, "customerKey": customer_key(request), "authKey": t.text(returned, "authKey")}
        if not t.text(returned, "paymentKey"):
            raise Refused(_failure(returned))
        if t.text(returned, "orderId") != request.order_id or t.integer(returned, "amount") != request.amount:
            raise Refused(TAMPERED)
        return {"kind": WINDOW, "paymentKey": t.text(returned, "paymentKey"), "orderId": request.order_id,
                "price": str(request.amount), "vbank": "1" if start.pay_method == "vbank" else "0"}

    async def finish_window(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> WindowOutcome:
        reference = self.window_reference(context, start, returned)
        if reference["kind"] == BILLING:
            issued = await self.client(context).issue_billing_key(auth_key=reference["authKey"], customer_key=reference["customerKey"])
            if isinstance(issued, TossError):
                return WindowOutcome(ChargeResult.declined(issued.describe()), reference=reference)
            key = t.issued_key(issued, reference["customerKey"])
            if key is None:
                return WindowOutcome(ChargeResult.declined("Toss's answer has no billingKey"), reference=reference)
            return WindowOutcome(ChargeResult.approved(Approval(pg_tid="", card_code=key.card_code, card_name=key.card_name,
                                                                card_number=key.card_number, card_type=key.card_type)),
                                 billing_key=key, reference=reference)
        reply = await self.client(context).confirm(payment_key=reference["paymentKey"], order_id=reference["orderId"],
                                                   amount=int(reference["price"]), idempotency_key=confirm_key(reference["paymentKey"]))
        return await self._window_outcome(context, start.request, reference, reply)

    async def _window_outcome(self, context: ChannelContext, request: ChargeRequest, reference: dict[str, str],
                              reply: dict[str, Any] | TossError) -> WindowOutcome:
        if isinstance(reply, TossError):
            return WindowOutcome(ChargeResult.declined(reply.describe()), reference=reference)
        status = t.text(reply, "status")
        if t.text(reply, "paymentKey") != reference["paymentKey"] or t.text(reply, "orderId") != request.order_id or \
                t.integer(reply, "totalAmount") != request.amount or status not in (
                codes.DONE, codes.WAITING_FOR_DEPOSIT):
            if await self.net_cancel(context, reference, request.amount, request.now) is Outcome.APPROVED:
                return WindowOutcome(ChargeResult.declined(NOT_ACCEPTED), reference=reference)
            return WindowOutcome(ChargeResult.unknown(f"{NOT_ACCEPTED}; its cancel was not confirmed"), reference=reference)
        if status == codes.WAITING_FOR_DEPOSIT:
            found = t.vbank(reply)
            if found is not None:
                return WindowOutcome(ChargeResult.approved(t.approval(reply)), vbank=found[0], vbank_due=found[1], reference=reference)
        return WindowOutcome(ChargeResult.approved(t.approval(reply)), reference=reference)

    async def net_cancel(self, context: ChannelContext, reference: Mapping[str, str], amount: int, now: int) -> Outcome:
        """Undo a confirm paymux could not record: cancel the whole payment (a replay-safe key). A payment
        Toss never confirmed is as good as cancelled. APPROVED = nothing stays charged."""
        if reference.get("kind") == BILLING:
            return Outcome.APPROVED  # a billing key charges nothing by itself
        client = self.client(context)
        found = await client.payment_by_order(reference.get("orderId", ""))
        if isinstance(found, TossError):
            return Outcome.APPROVED if found.code == codes.NOT_FOUND_PAYMENT else Outcome.UNKNOWN
        status = t.text(found, "status")
        if status in codes.NOT_CHARGED_STATUSES or status == codes.CANCELED:
            return Outcome.APPROVED
        cancelled = await client.cancel(t.text(found, "paymentKey"), reason="paymux net cancel", amount=None, tax_free=None,
                                        refundable_amount=None, refund_account=None,
                                        idempotency_key=f"net-cancel-{reference.get('orderId', '')}")
        return Outcome.DECLINED if isinstance(cancelled, TossError) else Outcome.APPROVED

    # --- server-side charges --------------------------------------------------------------------------
    async def charge_billing_key(self, context: ChannelContext, billing_key: str, request: ChargeRequest) -> ChargeResult:
        toss_key, customer = t.split_billing_key(billing_key)
        reply = await self.client(context).charge_billing(toss_key, {
            "customerKey": customer, "amount": request.amount, "orderId": request.order_id, "orderName": _order_name(request),
            "customerEmail": request.buyer.email, "customerName": request.buyer.name, "taxFreeAmount": request.tax_free or None,
            "cardInstallmentPlan": request.card_quota or None,
        }, idempotency_key=charge_key(request.order_id))
        return self._charge_result(reply, request)

    async def charge_card(self, context: ChannelContext, card: CardDetails, request: ChargeRequest) -> ChargeResult:
        reply = await self.client(context).key_in({
            "amount": request.amount, "orderId": request.order_id, "orderName": _order_name(request),
            **_card_fields(card), "cardInstallmentPlan": request.card_quota or None,
            "taxFreeAmount": request.tax_free or None, "customerName": request.buyer.name, "customerEmail": request.buyer.email,
        }, idempotency_key=charge_key(request.order_id))
        result = self._charge_result(reply, request)
        return replace(result, card_number=card.masked_number or None) if result.outcome is Outcome.DECLINED else result

    async def issue_billing_key(self, context: ChannelContext, card: CardDetails, customer_uid: str, now: int) -> IssuedBillingKey:
        customer = _customer_key_of(customer_uid)
        reply = await self.client(context).issue_billing_key_by_card({"customerKey": customer, **_card_fields(card)})
        if isinstance(reply, TossError):
            raise CardRefused(reply.describe())
        key = t.issued_key(reply, customer)
        if key is None:
            raise CardRefused("Toss's answer has no billingKey")
        return key

    async def issue_vbank(self, context: ChannelContext, request: ChargeRequest, bank_code: str, due: int, holder: str) -> VbankIssued:
        """``POST /v1/virtual-accounts`` (i'mport ``POST /vbanks``); ``customerName`` is the depositor
        shown to the buyer. Toss's own refusal → Refused."""
        reply = await self.client(context).virtual_account({
            "amount": request.amount, "orderId": request.order_id, "orderName": _order_name(request),
            "customerName": holder or request.buyer.name or "구매자", "bank": codes.toss_bank(bank_code),
            "dueDate": t.iso(due) if due else None, "customerEmail": request.buyer.email,
        }, idempotency_key=charge_key(request.order_id))
        if isinstance(reply, TossError):
            raise Refused(reply.describe())
        found = t.vbank(reply)
        if found is None or t.text(reply, "status") != codes.WAITING_FOR_DEPOSIT:
            raise Refused("Toss's answer has no virtual account")
        return found[0]

    def _charge_result(self, reply: dict[str, Any] | TossError, request: ChargeRequest) -> ChargeResult:
        if isinstance(reply, TossError):
            return ChargeResult.declined(reply.describe())
        if t.text(reply, "status") != codes.DONE or t.integer(reply, "totalAmount") != request.amount or \
                t.text(reply, "orderId") != request.order_id:
            return ChargeResult.unknown(f"Toss answered {t.text(reply, 'status')} {t.integer(reply, 'totalAmount')} KRW for "
                                        f"order {t.text(reply, 'orderId')!r}, not this charge; settle it by hand")
        return ChargeResult.approved(t.approval(reply))

    # --- cancels ----------------------------------------------------------------------------------------
    async def cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        payment = order.payment
        refund = None
        if order.refund_account and order.refund_bank:
            refund = {"bank": codes.toss_bank(order.refund_bank), "accountNumber": order.refund_account,
                      "holderName": order.refund_holder or ""}
        reply = await self.client(context).cancel(
            payment.pg_tid or "", reason=(order.reason or "취소")[:200], amount=None if order.remaining_after == 0 and
            payment.cancel_amount == 0 else order.amount, tax_free=order.tax_free or None,
            refundable_amount=order.remaining_after + order.amount, refund_account=refund,
            idempotency_key=cancel_key(order.cancellation_id),
        )
        if isinstance(reply, TossError):
            return CancelResult.refused(reply.describe())
        done = t.cancels(reply)
        receipt = t.text(t.part(reply, "receipt"), "url")
        return CancelResult.done(t.text(done[-1], "transactionKey") if done else payment.pg_tid or "", receipt)

    async def inquire_cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        """A lost cancel is sent again with the same ``Idempotency-Key``: Toss answers the first request's
        result if it arrived, or applies it now — either way it is refunded exactly once [TOSS-IDEM]."""
        return await self.cancel(context, order)

    async def close_vbank(self, context: ChannelContext, payment: Payment, now: int) -> CancelResult:
        """An unpaid virtual account is closed by cancelling its payment (Toss: ``WAITING_FOR_DEPOSIT`` → ``CANCELED``)."""
        reply = await self.client(context).cancel(payment.pg_tid or "", reason="가상계좌 발급 취소", amount=None, tax_free=None,
                                                  refundable_amount=None, refund_account=None,
                                                  idempotency_key=f"close-vbank-{payment.imp_uid}")
        if isinstance(reply, TossError):
            return CancelResult.refused(reply.describe())
        return CancelResult.done(payment.pg_tid or "")

    # --- unknown outcomes ---------------------------------------------------------------------------------
    async def inquire(
        self, context: ChannelContext, order_id: str, now: int, reference: Mapping[str, str] | None = None
    ) -> ChargeResult:
        """``GET /v1/payments/orders/{orderId}``: DONE → paid; not found, ABORTED, EXPIRED, CANCELED →
        nothing charged. A window confirm still ``IN_PROGRESS`` is confirmed again with its key; a lost
        virtual-account confirm is cancelled (paymux never showed the buyer that account)."""
        reference = dict(reference or {})
        if reference.get("kind") == BILLING:
            return ChargeResult.declined(LOST_BILLING)
        client = self.client(context)
        found = await client.payment_by_order(order_id)
        if isinstance(found, TossError):
            if found.code == codes.NOT_FOUND_PAYMENT:
                return ChargeResult.declined(f"토스페이먼츠에 결제가 없습니다: 청구되지 않았습니다 ({found.describe()}; nothing was charged)")
            return ChargeResult.unknown(found.describe())
        status = t.text(found, "status")
        expected = int(reference["price"]) if reference.get("price") else None
        if status == codes.IN_PROGRESS and reference.get("kind") == WINDOW:
            reply = await client.confirm(payment_key=reference["paymentKey"], order_id=order_id,
                                         amount=int(reference["price"]), idempotency_key=confirm_key(reference["paymentKey"]))
            if isinstance(reply, TossError):
                return ChargeResult.declined(reply.describe())
            found, status = reply, t.text(reply, "status")
        if status == codes.WAITING_FOR_DEPOSIT:
            if await self.net_cancel(context, {"kind": WINDOW, "orderId": order_id}, expected or 0, now) is Outcome.APPROVED:
                return ChargeResult.declined("가상계좌 발급 응답이 유실되어 계좌를 취소하였습니다 (the account's answer was lost; it was closed)")
            return ChargeResult.unknown("the lost virtual account could not be closed at Toss")
        if status in codes.NOT_CHARGED_STATUSES or status == codes.CANCELED:
            return ChargeResult.declined(f"토스페이먼츠 결제 상태 {status}: 청구되지 않았습니다 (Toss reports {status}; nothing is charged)")
        if expected is not None and t.integer(found, "totalAmount") != expected:
            return ChargeResult.unknown(f"Toss approved {t.integer(found, 'totalAmount')} KRW, not {expected}; settle it by hand")
        return ChargeResult.approved(t.approval(found))

    # --- the deposit webhook --------------------------------------------------------------------------------
    def parse_notice(self, form: Mapping[str, str]) -> PgNotice:
        """Toss's ``DEPOSIT_CALLBACK`` (JSON ``{createdAt, secret, status, transactionKey, orderId}``) [TOSS-VA].
        It names no amount and no mId: :meth:`confirm_notice` asks Toss before anything is recorded."""
        order_id, secret = t.text(form, "orderId"), t.text(form, "secret")
        if not order_id or not secret:
            raise InvalidNotice("not a Toss Payments DEPOSIT_CALLBACK (orderId and secret are required)")
        if t.text(form, "status") != codes.DONE:
            raise InvalidNotice(f"Toss reports the virtual account as {t.text(form, 'status')}, not deposited")
        return PgNotice("vbank_deposit", order_id, "", "", 0, secret=secret)

    async def confirm_notice(self, context: ChannelContext, notice: PgNotice) -> PgNotice:
        """The payment as Toss reports it (with the channel's own secret key, so it is this merchant's):
        ``DONE``, the same ``secret`` as the webhook's; its ``paymentKey``, amount and the channel's mId."""
        try:
            found = await self.client(context).payment_by_order(notice.order_id)
        except PgTransportError:  # answered with a failure: Toss resends the callback later [TOSS-HOOK]
            raise InvalidNotice("Toss could not be asked about this deposit now; it will resend the callback") from None
        if isinstance(found, TossError):
            raise InvalidNotice(f"Toss does not confirm this deposit: {found.describe()}")
        if t.text(found, "status") != codes.DONE or not _same(t.text(found, "secret"), notice.secret):
            raise InvalidNotice("Toss does not report this virtual account as deposited with this secret")
        return replace(notice, pg_tid=t.text(found, "paymentKey"), mid=context.channel.mid,
                       amount=t.integer(found, "totalAmount") or 0,
                       depositor=t.text(t.part(found, "virtualAccount"), "customerName"))


def _same(a: str, b: str) -> bool:
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


def customer_key(request: ChargeRequest) -> str:
    """``customerKey`` of a billing window: derived from the order (Toss asks for an unguessable value of
    2–300 characters from ``A-Za-z0-9-_=.@``; paymux's choice)."""
    return _customer_key_of(request.order_id)


def _customer_key_of(value: str) -> str:
    return "paymux_" + hashlib.sha256(value.encode()).hexdigest()[:32]


def confirm_key(payment_key: str) -> str:
    """One key per window payment: a key reused for another paymentKey would be answered as a replay of
    the first (Toss scopes keys by URL, not by body) [TOSS-IDEM]."""
    return f"confirm-{payment_key}"


def charge_key(order_id: str) -> str:
    return f"charge-{order_id}"


def cancel_key(cancellation_id: str) -> str:
    return f"cancel-{cancellation_id}"


def _order_name(request: ChargeRequest) -> str:
    return (request.name or request.merchant_uid)[:100]


def _failure(returned: Mapping[str, str]) -> str:
    code, message = t.text(returned, "code"), t.text(returned, "message")[:200]
    return f"[{code}] {message}" if code else BUYER_FAILED


def _card_fields(card: CardDetails) -> dict[str, Any]:
    return {"cardNumber": card.number.replace("-", ""), "cardExpirationYear": f"{card.expiry_year % 100:02d}",
            "cardExpirationMonth": f"{card.expiry_month:02d}", "customerIdentityNumber": card.birth,
            "cardPassword": card.pwd_2digit or None}


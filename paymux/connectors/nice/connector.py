"""NICE Pay over its "start" API: the buyer authenticates in NICE's window, paymux approves server-side.

The same code runs against NICE itself (``https://api.nicepay.co.kr``; sandbox
``https://sandbox-api.nicepay.co.kr`` for sandbox client keys ``S2_…``) and against ``paymux pg-emulator
nice`` (a channel whose ``endpoint`` names the emulator, which also serves the stand-in of NICE's JS SDK).
Sources: ``docs/pgs.md`` (NICE Pay) and shared/docs/pg-live-protocols.md §4.3.

- window (Server 승인 모델): paymux's launch page loads ``pay.nicepay.co.kr/v1/js/`` and calls
  ``AUTHNICE.requestPay({clientId, method, orderId = imp_uid, amount, goodsName, returnUrl, …})``. NICE
  POSTs ``authResultCode``, ``tid``, ``orderId``, ``amount``, ``authToken`` and ``signature`` to returnUrl;
  paymux checks the code, the order id, the amount and ``signature = sha256(authToken + clientId + amount
  + secretKey)`` before anything is approved (a tampered amount is never approved), journals the tid, then
  calls ``POST /v1/payments/{tid}`` {amount}. A reply whose order, amount, status or ``signature`` does not
  match is net-cancelled;
- lost answers: a lost approval is looked up with ``GET /v1/payments/{tid}`` (paid → recorded; ready /
  failed / expired → nothing charged); a lost billing charge with ``GET /v1/payments/find/{orderId}``;
  an approval paymux could not record is undone with ``POST /v1/payments/netcancel`` {orderId};
- cancels: ``POST /v1/payments/{tid}/cancel`` with ``cancelAmt`` for a partial cancel and the cancellation
  id as ``orderId`` (NICE refuses a repeated orderId on a payment, so a retried cancel cannot apply twice);
  a lost cancel is settled from the payment's ``balanceAmt`` and ``cancels[]``;
- billing: NICE issues billing keys (BID) from card data only (``POST /v1/subscribe/regist`` with the card
  AES-encrypted under the secret key), charges them (``/v1/subscribe/{bid}/payments``) and deletes them
  (``/v1/subscribe/{bid}/expire``); key-in one-time payments are register → charge → expire (paymux's
  choice: NICE's start API has no single key-in call);
- hooks: NICE's webhook (JSON) is checked by its sender's address and its ``signature`` before a virtual
  account's deposit is recorded.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

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
    NoticeReply,
    Outcome,
    PgNotice,
    WindowLaunch,
    WindowOutcome,
    WindowStart,
)
from paymux.connectors.http import PgHttp
from paymux.connectors.nice import codes
from paymux.connectors.nice import transformers as t
from paymux.connectors.nice.client import NiceClient, NiceError, NiceKeys, sign
from paymux.connectors.nice.sandbox import NiceSandbox
from paymux.domain.card import CardDetails
from paymux.domain.channel import ChannelMode, PayType
from paymux.domain.errors import Refused

WINDOW, CHARGE = "nice_window", "nice_charge"
SDK_PATH = "/v1/js/"  # where an emulator (or staging host) serves the stand-in of NICE's JS SDK
# Runs on paymux's launch page with the form's id: reads the hidden fields and calls NICE's SDK. It must
# hold no quote, ampersand or angle bracket (the page escapes the value as HTML).
SCRIPT_CALL = (
    "(function(i){var f=document.getElementById(i).elements,o={};"
    "Array.prototype.forEach.call(f,function(e){if(e.name){o[e.name]=e.value}});"
    "o.amount=Number(o.amount);if(o.taxFreeAmt){o.taxFreeAmt=Number(o.taxFreeAmt)}"
    "o.fnError=function(r){location.href=o.closeUrl};AUTHNICE.requestPay(o)})"
)
BUYER_FAILED = "나이스페이 결제창 인증에 실패하였습니다 (NICE's window ended without an authentication)"
TAMPERED = ("결제 금액, 주문번호 또는 위변조 검증값(signature)이 주문과 다릅니다: 승인하지 않았습니다 "
            "(NICE's returnUrl names another amount or orderId, or its signature is wrong; nothing was approved)")
NOT_ACCEPTED = "나이스페이 승인 내용이 주문과 달라 망취소하였습니다 (NICE's approval did not match the order; it was net-cancelled)"
NO_BILLING_WINDOW = ("나이스페이는 빌키를 카드정보(API)로만 발급합니다: customer_uid와 카드정보로 빌링키를 발급하세요 "
                     "(NICE issues billing keys from card data only; use a billing-API channel)")


def _hex(value: str) -> bool:
    return all(ch in "0123456789abcdefABCDEF" for ch in value)


class NiceConnector(Connector):
    """``nice`` (and i'mport's ``nice_v2``) speaking NICE Pay's start API (see the module docstring)."""

    pg_provider = NiceSandbox.pg_provider
    display_name = NiceSandbox.display_name
    pay_methods = frozenset({"card", "vbank"})
    pay_types = frozenset({PayType.GENERAL, PayType.API})
    billing_window_methods: frozenset[str] = frozenset()
    test_mids = NiceSandbox.test_mids
    public_test_credentials = NiceSandbox.public_test_credentials
    mode = ChannelMode.LIVE
    has_pg_window = True
    credential_fields = (
        CredentialField(
            "client_id", "클라이언트 키 (clientId)",
            "나이스페이 가맹점관리자(start.nicepay.co.kr) > 개발정보 > KEY 정보의 클라이언트 키: Server 승인 방식으로 "
            "발급하세요. 샌드박스 키는 S2_로 시작합니다 (the client key of NICE's merchant admin, issued for server "
            "approval; sandbox keys start with S2_). 채널의 MID에는 나이스페이 상점 ID를 입력합니다",
        ),
        CredentialField(
            "secret_key", "시크릿 키 (secretKey)",
            "같은 화면의 시크릿 키(Basic 인증 방식, 32자). 결제 승인·취소·빌링키 암호화와 웹훅 signature 검증에 "
            "쓰입니다 (the Basic-auth secret key of the same page: signs calls, encrypts card data, verifies hooks)",
        ),
    )

    def __init__(self, http: PgHttp, client_ip: str = "127.0.0.1") -> None:
        self._http = http

    # --- keys and hosts ----------------------------------------------------------------------------
    @staticmethod
    def keys(context: ChannelContext) -> NiceKeys:
        given = context.credentials
        return NiceKeys(str(given.get("client_id", "")), str(given.get("secret_key", "")))

    def _sandbox_keys(self, context: ChannelContext) -> bool:
        client_id = self.keys(context).client_id
        return client_id.startswith(codes.SANDBOX_CLIENT_PREFIX) or client_id == codes.PUBLIC_SANDBOX_CLIENT_ID

    def base_url(self, context: ChannelContext) -> str:
        """The channel's endpoint; else NICE's sandbox API for sandbox keys, its production API otherwise."""
        if context.channel.endpoint:
            return context.channel.endpoint
        return codes.SANDBOX_API if self._sandbox_keys(context) else codes.PRODUCTION_API

    def client(self, context: ChannelContext) -> NiceClient:
        return NiceClient(self.keys(context), self._http, self.base_url(context))

    def sdk_url(self, context: ChannelContext) -> str:
        """NICE's JS SDK for the API host in use (``sandbox-pay`` beside ``sandbox-api`` [common/test.md]);
        an emulator or staging host serves its own at ``/v1/js/``."""
        endpoint = context.channel.endpoint
        if endpoint:
            host = urlsplit(endpoint).hostname or ""
            return codes.SANDBOX_HOSTS.get(host) or endpoint.rstrip("/") + SDK_PATH
        return codes.SANDBOX_JS_SDK if self._sandbox_keys(context) else codes.JS_SDK

    # --- the window --------------------------------------------------------------------------------
    async def start_window(self, context: ChannelContext, start: WindowStart) -> WindowLaunch:
        if start.issues_billing_key:
            raise Refused(NO_BILLING_WINDOW)
        method = codes.METHODS_BY_PAY_METHOD.get(start.pay_method)
        if method is None or start.pay_method not in self.pay_methods:
            raise Refused(f"나이스페이 결제창은 {start.pay_method} 결제를 지원하지 않습니다 (NICE's window does not take {start.pay_method})")
        request = start.request
        fields = {
            "clientId": self.keys(context).client_id, "method": method, "orderId": request.order_id,
            "amount": str(request.amount), "goodsName": _goods_name(request), "returnUrl": start.return_url,
            "closeUrl": start.close_url, "buyerName": (request.buyer.name or "")[:30],
            "buyerTel": "".join(ch for ch in (request.buyer.tel or "") if ch.isdigit())[:40],
            "buyerEmail": (request.buyer.email or "")[:60], "mallUserId": request.merchant_uid[:20],
        }
        if request.tax_free:
            fields["taxFreeAmt"] = str(request.tax_free)
        if method == "card" and start.quota_months:
            fields["cardQuota"] = ",".join(["00", *(f"{m:02d}" for m in start.quota_months)])
        if method == "vbank":
            fields["vbankHolder"] = (request.buyer.name or "구매자")[:40]
            if start.vbank_due:
                fields["vbankValidHours"] = str(max(1, (start.vbank_due - request.now + 3599) // 3600))
        return WindowLaunch(url="", fields={k: v for k, v in fields.items() if v != ""}, method="POST",
                            script_url=self.sdk_url(context), script_call=SCRIPT_CALL)

    def window_reference(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> dict[str, str]:
        """NICE's returnUrl POST, checked against the order and its ``signature`` (see module doc)."""
        request, keys = start.request, self.keys(context)
        code = t.text(returned, "authResultCode")
        if code != codes.SUCCESS:
            message = t.text(returned, "authResultMsg")[:200]
            raise Refused(f"[{code}] {message}" if code or message else BUYER_FAILED)
        tid, amount = t.text(returned, "tid"), t.text(returned, "amount")
        expected = sign(t.text(returned, "authToken"), keys.client_id, amount, keys.secret_key)
        if (not tid or t.text(returned, "orderId") != request.order_id or amount != str(request.amount)
                or t.text(returned, "clientId") not in ("", keys.client_id)
                or not secrets.compare_digest(t.text(returned, "signature").lower(), expected)):
            raise Refused(TAMPERED)
        return {"kind": WINDOW, "tid": tid, "orderId": request.order_id, "price": str(request.amount),
                "vbank": "1" if start.pay_method == "vbank" else "0"}

    async def finish_window(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> WindowOutcome:
        reference = self.window_reference(context, start, returned)
        request = start.request
        reply = await self.client(context).approve(tid=reference["tid"], amount=request.amount, edi_date=t.edi_date(request.now))
        if isinstance(reply, NiceError):
            return WindowOutcome(ChargeResult.declined(reply.describe()), reference=reference)
        vbank = t.part(reply, "vbank")
        expected_status = codes.READY if vbank else codes.PAID
        if not self._genuine(context, reply, request.order_id, request.amount) or t.text(reply, "status") != expected_status:
            outcome = await self.net_cancel(context, reference, request.amount, request.now)
            if outcome is Outcome.APPROVED:
                return WindowOutcome(ChargeResult.declined(NOT_ACCEPTED), reference=reference)
            return WindowOutcome(ChargeResult.unknown(f"{NOT_ACCEPTED}; its net cancel was not confirmed"), reference=reference)
        if vbank:
            from paymux.connectors.base import VbankIssued

            due = t.unix_of(t.text(vbank, "vbankExpDate")) or 0
            issued = VbankIssued(t.text(reply, "tid"), t.text(vbank, "vbankCode"), t.text(vbank, "vbankName"),
                                 t.text(vbank, "vbankNumber"), t.text(vbank, "vbankHolder"))
            return WindowOutcome(ChargeResult.approved(t.approval(reply)), vbank=issued, vbank_due=due, reference=reference)
        return WindowOutcome(ChargeResult.approved(t.approval(reply)), reference=reference)

    def _genuine(self, context: ChannelContext, reply: Mapping[str, Any], order_id: str, amount: int) -> bool:
        """The reply names this order and amount and carries NICE's signature over them."""
        keys = self.keys(context)
        expected = sign(t.text(reply, "tid"), t.text(reply, "amount"), t.text(reply, "ediDate"), keys.secret_key)
        return (t.text(reply, "orderId") == order_id and t.integer(reply, "amount") == amount
                and secrets.compare_digest(t.text(reply, "signature").lower(), expected))

    async def net_cancel(self, context: ChannelContext, reference: Mapping[str, str], amount: int, now: int) -> Outcome:
        """``POST /v1/payments/netcancel`` {orderId}. APPROVED = nothing stays charged (also when NICE
        finds no approval to undo, ``2012``)."""
        order_id = reference.get("orderId", "")
        if not order_id:
            return Outcome.UNKNOWN
        reply = await self.client(context).net_cancel(order_id=order_id, edi_date=t.edi_date(now))
        if isinstance(reply, NiceError):
            return Outcome.APPROVED if reply.code == codes.CANCEL_NOT_FOUND else Outcome.DECLINED
        return Outcome.APPROVED if t.text(reply, "status") == codes.CANCELLED else Outcome.UNKNOWN

    # --- inquiry -----------------------------------------------------------------------------------
    async def inquire(
        self, context: ChannelContext, order_id: str, now: int, reference: Mapping[str, str] | None = None
    ) -> ChargeResult:
        """A lost window approval: ``GET /v1/payments/{tid}``; a lost billing charge (or any order without
        a kept tid): ``GET /v1/payments/find/{orderId}`` (``A118`` = NICE has no such payment)."""
        reference = dict(reference or {})
        client = self.client(context)
        if reference.get("kind") == WINDOW and reference.get("tid"):
            found = await client.payment(tid=reference["tid"])
        else:  # the order was sent today or, just after midnight, yesterday (Korean time)
            found = await client.find(order_id=order_id, order_date=t.order_date(now))
            if isinstance(found, NiceError) and found.code == codes.NOT_FOUND:
                found = await client.find(order_id=order_id, order_date=t.order_date(now - 86_400))
        if isinstance(found, NiceError):
            if found.code in (codes.NOT_FOUND, codes.TID_INVALID, codes.AUTH_NOT_FOUND):
                return ChargeResult.declined(f"나이스페이에 승인된 결제가 없습니다 (NICE has no approved payment: {found.describe()})")
            return ChargeResult.unknown(found.describe())
        status = t.text(found, "status")
        if status == codes.READY and t.part(found, "vbank"):
            # a virtual account NICE opened but whose answer paymux lost: close it, so no deposit can arrive
            closed = await self.net_cancel(context, {"orderId": order_id}, 0, now)
            if closed is Outcome.APPROVED:
                return ChargeResult.declined("가상계좌 발급 응답이 유실되어 계좌를 닫았습니다 "
                                             "(the virtual account's answer was lost; NICE's account was closed)")
            return ChargeResult.unknown("the virtual account whose answer was lost could not be closed at NICE")
        if status in codes.NOT_CHARGED_STATUSES or status == codes.CANCELLED:
            return ChargeResult.declined(f"나이스페이 결제 상태 {status}: 승인되지 않았습니다 (NICE reports {status}; nothing is charged)")
        price = int(reference.get("price") or 0)
        if t.text(found, "orderId") != order_id or (price and t.integer(found, "amount") != price):
            return ChargeResult.unknown(f"NICE approved {t.integer(found, 'amount')} KRW for {t.text(found, 'orderId')!r}; settle it by hand")
        return ChargeResult.approved(t.approval(found))

    # --- cancels -----------------------------------------------------------------------------------
    async def cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        payment = order.payment
        reply = await self.client(context).cancel(
            tid=payment.pg_tid or "", reason=(order.reason or "취소")[:100], order_id=_cancel_order_id(order),
            cancel_amt=None if order.is_full else order.amount, tax_free=order.tax_free, edi_date=t.edi_date(order.now),
            refund_account=order.refund_account, refund_bank_code=order.refund_bank, refund_holder=order.refund_holder,
        )
        if isinstance(reply, NiceError):
            return CancelResult.refused(reply.describe())
        if t.integer(reply, "balanceAmt") not in (None, order.remaining_after):
            return CancelResult.unknown(f"NICE's balance after this cancel is {t.integer(reply, 'balanceAmt')} KRW, "
                                        f"not {order.remaining_after}; settle it by hand")
        return CancelResult.done(t.text(reply, "cancelledTid") or payment.pg_tid or "", t.text(reply, "receiptUrl"))

    async def inquire_cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        """A lost cancel: the payment's ``balanceAmt`` tells whether it was applied (= the balance after
        it: done, with the matching ``cancels[]`` entry's tid) or not (= the balance before it: refused)."""
        found = await self.client(context).payment(tid=order.payment.pg_tid or "")
        if isinstance(found, NiceError):
            return CancelResult.unknown(found.describe())
        balance = t.integer(found, "balanceAmt")
        if balance == order.remaining_after:
            done = [c for c in t.cancels(found) if t.integer(c, "amount") == order.amount]
            return CancelResult.done(t.text(done[-1], "tid") if done else order.payment.pg_tid or "")
        if balance == order.remaining_after + order.amount:
            return CancelResult.refused("나이스페이에 이 취소 내역이 없습니다: 환불되지 않았습니다 (NICE has no record of this cancel)")
        return CancelResult.unknown(f"NICE's balance is {balance} KRW, neither before nor after this cancel; settle it by hand")

    # --- billing keys and key-in -------------------------------------------------------------------
    async def issue_billing_key(self, context: ChannelContext, card: CardDetails, customer_uid: str, now: int) -> IssuedBillingKey:
        reply = await self.client(context).regist(card_plain=t.card_plain(card), order_id=_key_order_id(now),
                                                  edi_date=t.edi_date(now))
        if isinstance(reply, NiceError):
            raise CardRefused(reply.describe())
        if not t.text(reply, "bid"):
            raise CardRefused("NICE's billing-key answer has no bid")
        return t.issued_key(reply, card)

    async def charge_billing_key(self, context: ChannelContext, billing_key: str, request: ChargeRequest) -> ChargeResult:
        reply = await self.client(context).subscribe_pay(
            bid=billing_key, order_id=request.order_id, amount=request.amount, goods_name=_goods_name(request),
            card_quota=request.card_quota, edi_date=t.edi_date(request.now), tax_free=request.tax_free,
            buyer_name=request.buyer.name, buyer_email=request.buyer.email,
            buyer_tel="".join(ch for ch in (request.buyer.tel or "") if ch.isdigit()) or None,
        )
        if isinstance(reply, NiceError):
            return ChargeResult.declined(reply.describe())
        if not self._genuine(context, reply, request.order_id, request.amount) or t.text(reply, "status") != codes.PAID:
            return ChargeResult.unknown("NICE's billing answer does not match this charge (order, amount or signature); "
                                        "it is settled by inquiry")
        return ChargeResult.approved(t.approval(reply))

    async def charge_card(self, context: ChannelContext, card: CardDetails, request: ChargeRequest) -> ChargeResult:
        """Key-in: a one-off BID (register → charge → expire); a card NICE refuses is a decline."""
        try:
            key = await self.issue_billing_key(context, card, request.order_id, request.now)
        except CardRefused as refusal:
            return ChargeResult.declined(refusal.message, card_number=card.masked_number or None)
        try:
            return await self.charge_billing_key(context, key.billing_key, request)
        finally:
            await self.delete_billing_key(context, key.billing_key, request.now)

    async def delete_billing_key(self, context: ChannelContext, billing_key: str, now: int) -> Outcome:
        """``/v1/subscribe/{bid}/expire``; a BID NICE no longer knows (``A124``/``A126``) is as good as deleted."""
        reply = await self.client(context).expire(bid=billing_key, order_id=_key_order_id(now), edi_date=t.edi_date(now))
        if isinstance(reply, NiceError):
            return Outcome.APPROVED if reply.code in (codes.BID_EXPIRED, codes.BID_NOT_FOUND) else Outcome.DECLINED
        return Outcome.APPROVED

    # --- hooks -------------------------------------------------------------------------------------
    def parse_notice(self, form: Mapping[str, str]) -> PgNotice:
        """NICE's webhook (JSON, flattened by paymux's notice route): a virtual account's deposit
        (``payMethod`` vbank, ``status`` paid). Other events (approvals, cancels paymux made itself) are
        refused here and answered as NICE expects for a hook it should not resend… see ``notice_reply``."""
        if t.text(form, "resultCode") != codes.SUCCESS or not t.text(form, "tid") or not t.text(form, "orderId"):
            raise InvalidNotice("not a NICE webhook (resultCode, tid and orderId are required)")
        deposit = t.text(form, "payMethod").lower() == "vbank" and t.text(form, "status") == codes.PAID
        if not deposit and t.text(form, "status") not in (codes.PAID, codes.CANCELLED, codes.PARTIAL_CANCELLED):
            raise InvalidNotice(f"NICE webhook {t.text(form, 'payMethod')}/{t.text(form, 'status')} is not one paymux takes")
        amount = t.integer(form, "amount")
        if amount is None or not _hex(t.text(form, "signature")) or not t.text(form, "ediDate"):
            raise InvalidNotice("NICE webhook without amount, ediDate or signature")
        # NICE also hooks the approvals and cancels paymux made itself [api/hook.md]: acknowledged once
        # verified, so NICE stops resending; the record comes from paymux's own call, not the hook.
        kind = PgNotice.DEPOSIT if deposit else PgNotice.STATUS_ECHO
        return PgNotice(kind, t.text(form, "orderId"), t.text(form, "tid"), "", amount,
                        depositor=t.text(form, "buyerName"),
                        secret="|".join((t.text(form, "ediDate"), t.text(form, "signature"))))

    async def confirm_notice(self, context: ChannelContext, notice: PgNotice) -> PgNotice:
        """The webhook's ``signature`` = sha256(tid + amount + ediDate + secretKey) under this channel's key."""
        edi, _, signature = notice.secret.partition("|")
        expected = sign(notice.pg_tid, notice.amount, edi, self.keys(context).secret_key)
        if not secrets.compare_digest(signature.lower(), expected):
            raise InvalidNotice("NICE webhook signature does not verify under this channel's secret key")
        from dataclasses import replace

        return replace(notice, mid=context.channel.mid)

    def notice_reply(self, accepted: bool) -> NoticeReply:
        """NICE wants HTTP 200 with ``OK`` (``text/html``) [api/hook.md]; anything else is a failure it resends."""
        return NoticeReply(200, "OK", "text/html") if accepted else NoticeReply(400, "FAIL", "text/html")


def _goods_name(request: ChargeRequest) -> str:
    """``goodsName`` (≤40 bytes per NICE; '"' and '|' become '-')."""
    name = (request.name or request.merchant_uid).replace('"', "-").replace("|", "-")
    while len(name.encode()) > 40:
        name = name[:-1]
    return name


def _cancel_order_id(order: CancelOrder) -> str:
    """The cancel's ``orderId`` (≤64): the cancellation id, unique per cancel (paymux's choice)."""
    return order.cancellation_id[:64]


def _key_order_id(now: int) -> str:
    """The ``orderId`` of a billing-key registration or expiry: unique, ≤64 (paymux's choice)."""
    return f"bk{int(now)}{secrets.token_hex(6)}"

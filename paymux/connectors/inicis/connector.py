"""KG INICIS over its real protocol: the web-standard and mobile windows, INIAPI for the rest.

The same code runs against INICIS itself (live MIDs, or INICIS's public test MIDs on its test hosts)
and against ``paymux pg-emulator inicis`` (a channel whose ``endpoint`` names the emulator): only
the hosts and the keys differ. Sources of each rule: ``docs/pgs.md`` and the ``protocol`` module.

- window: ``start_window`` builds the signed INIStdPay form (PC) or the P_ form (mobile); INICIS
  authenticates the buyer and POSTs the result to paymux's return URL; ``finish_window`` approves
  it at the authUrl paymux derives itself (never the browser's), checks ``authSignature`` and the
  amount, and net-cancels an approval it cannot accept;
- INIAPI: key-in billing key (``Auth``), billing charge (``Billing``), key-in pay, virtual account,
  refund and partial refund (``confirmPrice`` = the balance after), inquiry by tid or order id;
- the virtual-account deposit notice, accepted from INICIS's published addresses (or the channel's
  own endpoint host) and answered with the text ``OK``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

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
    VbankIssued,
    WindowLaunch,
    WindowOutcome,
    WindowStart,
)
from paymux.connectors.http import PgHttp
from paymux.connectors.inicis import codes
from paymux.connectors.inicis import transformers as t
from paymux.connectors.inicis.client import IDC_NAMES, InicisClient, InicisHosts, InicisKeys
from paymux.connectors.inicis.sandbox import InicisSandbox
from paymux.domain.card import CardDetails
from paymux.domain.channel import ChannelMode
from paymux.domain.errors import Refused
from paymux.domain.payment import NEVER_REACHED_PG, Approval, Payment

STD, MOBILE = "std", "mobile"
BUYER_CLOSED = "사용자가 결제를 취소하셨습니다 (the buyer closed the payment window)"
NET_CANCELLED = "승인 결과를 확인할 수 없어 망취소하였습니다 (INICIS's approval could not be accepted; it was net-cancelled)"
# INICIS's deposit-notice senders (INI-VBANK sample filters on 203.238.37.*).
NOTICE_SOURCES = ("203.238.37.0/24",)


class InicisConnector(Connector):
    """``html5_inicis`` / ``inicis`` speaking INICIS's protocol (see the module docstring)."""

    pg_provider = InicisSandbox.pg_provider
    display_name = InicisSandbox.display_name
    pay_methods = frozenset({"card", "trans", "vbank", "phone"})
    pay_types = InicisSandbox.pay_types
    requires_buyer_tel = True
    billing_window_methods = frozenset({"card"})
    test_mids = InicisSandbox.test_mids
    mode = ChannelMode.LIVE
    has_pg_window = True
    notice_sources = NOTICE_SOURCES
    changes_vbank = False  # INIAPI has no call to change an issued account (docs/pgs.md)
    credential_fields = (
        CredentialField("sign_key", "signKey (웹표준 결제창)", "INICIS 가맹점관리자 > 상점정보 > 계약정보 > 부가정보 > 웹결제 signkey"),
        CredentialField("iniapi_key", "INIAPI key", "INICIS 가맹점관리자 > 상점정보 > 계약정보 > 부가정보 > INIAPI key 생성조회"),
        CredentialField("iniapi_iv", "INIAPI IV", "INIAPI key와 함께 발급되는 IV (the IV issued with the INIAPI key)"),
        CredentialField("inilite_key", "INILite key (빌링)", "빌링(INILite) 결제창을 쓰는 경우에만 (only for the INILite billing window)", required=False),
    )

    def __init__(self, http: PgHttp, client_ip: str = "127.0.0.1") -> None:
        self._http = http
        self._client_ip = client_ip

    # --- set-up ------------------------------------------------------------------------------------
    def hosts(self, context: ChannelContext) -> InicisHosts:
        endpoint = context.channel.endpoint
        return InicisHosts.emulated(endpoint) if endpoint else InicisHosts.production()

    def keys(self, context: ChannelContext) -> InicisKeys:
        """The channel's keys; a test-mode channel of a public test MID may leave them empty."""
        given = context.credentials
        if context.channel.mode is ChannelMode.TEST and not given.get("sign_key"):
            return InicisKeys.public_test(context.channel.mid)
        return InicisKeys(
            mid=context.channel.mid, sign_key=str(given.get("sign_key", "")), iniapi_key=str(given.get("iniapi_key", "")),
            iniapi_iv=str(given.get("iniapi_iv", "")), inilite_key=str(given.get("inilite_key", "")),
        )

    def missing_credentials(self, context: ChannelContext) -> list[str]:
        if context.channel.mode is ChannelMode.TEST and context.channel.mid in codes.PUBLIC_TEST_MIDS:
            return []
        return super().missing_credentials(context)

    def client(self, context: ChannelContext) -> InicisClient:
        return InicisClient(self.keys(context), self.hosts(context), self._http, self._client_ip)

    # --- INIAPI: keys, charges, cancels, inquiry ----------------------------------------------------
    async def issue_billing_key(self, context: ChannelContext, card: CardDetails, customer_uid: str, now: int) -> IssuedBillingKey:
        reply = await self.client(context).billing_key_auth(
            moid=f"key{now}{customer_uid}"[:40], card_number=card.number,
            card_expire_yymm=f"{card.expiry_year % 100:02d}{card.expiry_month:02d}", reg_no=card.birth,
            card_pw=card.pwd_2digit or "", buyer_name="", buyer_email="", buyer_tel="", now=now,
        )
        if t.text(reply, "resultCode") != codes.INIAPI_OK or not t.text(reply, "billKey"):
            raise CardRefused(t.refusal(reply))
        return t.issued_key(reply, card.masked_number)

    async def charge_billing_key(self, context: ChannelContext, billing_key: str, request: ChargeRequest) -> ChargeResult:
        reply = await self.client(context).billing_charge(
            moid=request.order_id, price=request.amount, bill_key=billing_key, goodname=request.name or request.merchant_uid,
            buyer_name=request.buyer.name or "", buyer_email=request.buyer.email or "", buyer_tel=request.buyer.tel or "",
            card_quota=request.card_quota, tax_free=request.tax_free, now=request.now,
        )
        return t.api_charge_result(reply)

    async def charge_card(self, context: ChannelContext, card: CardDetails, request: ChargeRequest) -> ChargeResult:
        reply = await self.client(context).formpay_card(
            moid=request.order_id, price=request.amount, card_number=card.number,
            card_expire_yymm=f"{card.expiry_year % 100:02d}{card.expiry_month:02d}", reg_no=card.birth,
            card_pw=card.pwd_2digit or "", goodname=request.name or request.merchant_uid, buyer_name=request.buyer.name or "",
            buyer_email=request.buyer.email or "", buyer_tel=request.buyer.tel or "", card_quota=request.card_quota,
            now=request.now, tax_free=request.tax_free,
        )
        result = t.api_charge_result(reply)
        if result.approval is not None:
            return ChargeResult.approved(Approval(**{**result.approval.__dict__, "card_number": card.masked_number}))
        return ChargeResult.declined(result.reason, card_number=card.masked_number)

    async def issue_vbank(self, context: ChannelContext, request: ChargeRequest, bank_code: str, due: int, holder: str) -> VbankIssued:
        reply = await self.client(context).issue_vacct(
            moid=request.order_id, price=request.amount, bank_code=bank_code, due_date=t.kst(due, "%Y%m%d"),
            due_time=t.kst(due, "%H%M"), holder=holder, goodname=request.name or "", buyer_name=request.buyer.name or "",
            buyer_email=request.buyer.email or "", buyer_tel=request.buyer.tel or "", now=request.now,
        )
        if t.text(reply, "resultCode") != codes.INIAPI_OK:
            raise Refused(t.refusal(reply))
        found = t.vbank(reply, number="vacct", bank="vacctBankCode", holder="vacctName", date="validDate", time="validTime")
        if found is None:
            raise Refused(t.refusal(reply))
        return found[0]

    async def cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        payment = order.payment
        paymethod = t.REFUND_PAY_METHODS.get(payment.pay_method, "Card")
        client = self.client(context)
        if order.is_full:  # the whole original amount, nothing cancelled or in flight: a Refund [INI-API]
            reply = await client.refund(tid=payment.pg_tid or "", paymethod=paymethod, msg=order.reason or "취소",
                                        now=order.now, refund_account=_refund_account(order))
        else:
            reply = await client.partial_refund(
                tid=payment.pg_tid or "", paymethod=paymethod, price=order.amount, confirm_price=order.remaining_after,
                tax_free=order.tax_free, msg=order.reason or "부분취소", now=order.now,
                refund_account=_refund_account(order),
            )
        if t.text(reply, "resultCode") != codes.INIAPI_OK:
            return CancelResult.refused(t.refusal(reply))
        return CancelResult.done(t.text(reply, "tid") or payment.pg_tid or "")

    async def inquire_cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        """A lost refund: INICIS's inquiry says whether the approval is cancelled (status ``1``) or,
        for a partial refund, what balance it has left (compared with ``remaining_after``)."""
        reply = await self.client(context).inquiry(original_tid=order.payment.pg_tid or "", now=order.now)
        if t.text(reply, "resultCode") != codes.INIAPI_OK:
            return CancelResult.unknown(t.refusal(reply))
        status = t.text(reply, "status")
        remaining = t.amount(reply, codes.INQUIRY_REMAINING_FIELD)
        if status == codes.INQUIRY_CANCELLED or (remaining is not None and remaining == order.remaining_after):
            return CancelResult.done(order.payment.pg_tid or "")
        if status == codes.INQUIRY_APPROVED and (remaining is None or remaining == order.remaining_after + order.amount):
            return CancelResult.refused("INICIS has no record of this cancel; nothing was refunded")
        return CancelResult.unknown(f"INICIS's inquiry answered status {status!r}")

    async def inquire(
        self, context: ChannelContext, order_id: str, now: int, reference: Mapping[str, str] | None = None
    ) -> ChargeResult:
        """A lost window approval is net-cancelled (its token is journaled; INI-STD-ADD); a lost
        INIAPI charge or virtual account is looked up by order id (needs INICIS's "중복주문번호
        방지" option on the MID, which every paymux order id satisfies: it is the imp_uid)."""
        reference = dict(reference or {})
        if reference.get("kind") in (STD, MOBILE):
            outcome = await self.net_cancel(context, reference, int(reference.get("price", "0")), now)
            if outcome is Outcome.APPROVED:
                return ChargeResult.declined(NET_CANCELLED)
            # INICIS refused the net cancel (its token expired, …): what stands is what it says now.
        reply = await self.client(context).inquiry(oid=order_id, now=now)
        if t.text(reply, "resultCode") != codes.INIAPI_OK:
            return ChargeResult.unknown(t.refusal(reply))
        status = t.text(reply, "status")
        if status == codes.INQUIRY_NOT_FOUND:
            return ChargeResult.declined(NEVER_REACHED_PG)
        if reference.get("kind") == "vbank" or status in codes.INQUIRY_VBANK_OPEN:
            return await self._close_lost_vbank(context, reply, now)
        if status == codes.INQUIRY_VBANK_DEPOSITED:
            return ChargeResult.unknown("INICIS reports a deposit into an account whose details were lost; settle it by hand")
        expected = reference.get("price")
        if status == codes.INQUIRY_APPROVED and expected and t.amount(reply, "price") not in (None, int(expected)):
            return ChargeResult.unknown(f"INICIS approved {t.text(reply, 'price')}, not {expected}; settle it by hand")
        if status == codes.INQUIRY_APPROVED:
            return ChargeResult.approved(t.api_approval(reply))
        return ChargeResult.declined(f"INICIS reports the order as {status!r}: not approved")

    async def _close_lost_vbank(self, context: ChannelContext, reply: Mapping[str, Any], now: int) -> ChargeResult:
        """A virtual account whose number was lost in transit cannot be shown to the buyer: close it."""
        tid = t.text(reply, "tid")
        if tid and t.text(reply, "status") in codes.INQUIRY_VBANK_OPEN:
            closed = await self.client(context).refund(tid=tid, paymethod=t.UNDEPOSITED_VBANK, msg="발급 응답 유실", now=now)
            if t.text(closed, "resultCode") != codes.INIAPI_OK:
                return ChargeResult.unknown(f"closing the lost account failed: {t.refusal(closed)}")
        return ChargeResult.declined("가상계좌 발급 응답을 받지 못해 발급을 취소하였습니다 (the account's details were lost; it was closed)")

    async def close_vbank(self, context: ChannelContext, payment: Payment, now: int) -> CancelResult:
        """Close an account nobody paid into yet (INIAPI Refund with ``GVacct``, 채번취소)."""
        client = self.client(context)
        reply = await client.refund(tid=payment.pg_tid or "", paymethod=t.UNDEPOSITED_VBANK, msg="가상계좌 발급취소", now=now)
        if t.text(reply, "resultCode") == codes.INIAPI_OK:
            return CancelResult.done(payment.pg_tid or "")
        found = await client.inquiry(original_tid=payment.pg_tid or "", now=now)  # closed by a first, lost answer?
        if t.text(found, "status") == codes.INQUIRY_VBANK_CANCELLED:
            return CancelResult.done(payment.pg_tid or "")
        return CancelResult.refused(t.refusal(reply))

    # --- the windows --------------------------------------------------------------------------------
    async def start_window(self, context: ChannelContext, start: WindowStart) -> WindowLaunch:
        client, request = self.client(context), start.request
        if start.mobile:
            fields = client.mobile_pay_form(
                p_ini_payment=t.MOBILE_PAY_METHODS.get(start.pay_method, "CARD"), oid=request.order_id,
                amt=request.amount, goods=request.name or request.merchant_uid, uname=request.buyer.name or "",
                next_url=start.return_url, noti_url=start.notice_url, mobile=request.buyer.tel or "",
                email=request.buyer.email or "", reserved="below1000=Y",
                hpp_method="1" if start.pay_method == "phone" else "",  # 1 = digital content, as HPP(1) on PC
                vbank_due=start.vbank_due if start.pay_method == "vbank" and start.vbank_due else None,
            )
            return WindowLaunch(url=client.mobile_pay_url(), fields=fields, charset="euc-kr")
        fields = client.std_pay_form(
            oid=request.order_id, price=request.amount, goodname=request.name or request.merchant_uid,
            buyername=request.buyer.name or "", buyertel=request.buyer.tel or "", buyeremail=request.buyer.email or "",
            return_url=start.return_url, close_url=start.close_url,
            gopaymethod=t.STD_PAY_METHODS.get(start.pay_method, "Card"), acceptmethod=_acceptmethod(start),
            quotabase=":".join(str(m) for m in start.quota_months), timestamp_ms=_timestamp_ms(request.now),
            vbank_due=start.vbank_due if start.pay_method == "vbank" and start.vbank_due else None,
        )
        return WindowLaunch(url="", fields=fields, script_url=client.std_script_url(), script_call="INIStdPay.pay")

    def window_reference(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> dict[str, str]:
        """Check what the browser brought back and keep what approval and net cancel need. The
        approval and net-cancel URLs are derived from ``idc_name``, never taken from the browser."""
        hosts, mid, price = self.hosts(context), context.channel.mid, str(start.request.amount)
        if start.mobile:
            if t.text(returned, "P_STATUS") != codes.MOBILE_OK:
                raise Refused(_window_refusal(t.text(returned, "P_STATUS"), t.text(returned, "P_RMESG1")))
            idc = _trusted_idc(hosts, hosts.mobile_approval_url, t.text(returned, "P_REQ_URL"), t.text(returned, "idc_name"))
            if idc is False:
                raise Refused("INICIS's approval URL is not one paymux trusts (P_REQ_URL)")
            return {"kind": MOBILE, "p_tid": t.text(returned, "P_TID"), "approval_url": hosts.mobile_approval_url(idc),
                    "net_cancel_url": hosts.mobile_net_cancel_url(idc), "price": price, "oid": start.request.order_id}
        if t.text(returned, "resultCode") != codes.STD_OK:
            raise Refused(_window_refusal(t.text(returned, "resultCode"), t.text(returned, "resultMsg")))
        if t.text(returned, "mid") != mid or t.text(returned, "orderNumber") not in ("", start.request.order_id):
            raise Refused("INICIS's answer names another merchant or order (mid/orderNumber mismatch)")
        idc = _trusted_idc(hosts, hosts.auth_url, t.text(returned, "authUrl"), t.text(returned, "idc_name"))
        if idc is False:
            raise Refused("INICIS's approval URL is not one paymux trusts (authUrl)")
        return {"kind": STD, "auth_token": t.text(returned, "authToken"), "auth_url": hosts.auth_url(idc),
                "net_cancel_url": hosts.net_cancel_url(idc), "price": price}

    async def finish_window(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> WindowOutcome:
        reference = self.window_reference(context, start, returned)
        if reference["kind"] == MOBILE:
            return await self._finish_mobile(context, start, reference)
        timestamp_ms = _timestamp_ms(start.request.now)
        client = self.client(context)
        reply = await client.pay_auth(reference["auth_url"], reference["auth_token"], start.request.amount, timestamp_ms)
        if t.text(reply, "resultCode") != codes.STD_OK:
            return WindowOutcome(ChargeResult.declined(t.refusal(reply)), reference=reference)
        if not client.verify_auth_signature(reply, timestamp_ms) or not _matches(reply, "MOID", "TotPrice", start):
            return await self._refuse_approval(context, start, reference)
        return _window_outcome(reply, start, reference, vbank_fields=("VACT_Num", "VACT_BankCode", "VACT_Name", "VACT_Date", "VACT_Time"))

    async def _finish_mobile(self, context: ChannelContext, start: WindowStart, reference: dict[str, str]) -> WindowOutcome:
        reply = await self.client(context).mobile_approve(reference["approval_url"], reference["p_tid"])
        if t.text(reply, "P_STATUS") != codes.MOBILE_OK:
            return WindowOutcome(ChargeResult.declined(t.refusal(reply, "P_STATUS", "P_RMESG1")), reference=reference)
        if not _matches(reply, "P_OID", "P_AMT", start):
            return await self._refuse_approval(context, start, reference)
        code, name = t.card_company(t.text(reply, "P_CARD_ISSUER_CODE"))
        approval = Approval(pg_tid=t.text(reply, "P_TID"), apply_num=t.text(reply, "P_AUTH_NO"), card_code=code,
                            card_name=name, card_number=t.masked(t.text(reply, "P_CARD_NUM")),
                            card_quota=t.quota(reply, "P_RMESG2", "P_CARD_QUOTA"))
        found = t.vbank(reply, number="P_VACT_NUM", bank="P_VACT_BANK_CODE", holder="P_VACT_NAME", date="P_VACT_DATE", time="P_VACT_TIME")
        if found is not None:
            return WindowOutcome(ChargeResult.approved(approval), vbank=found[0], vbank_due=found[1], reference=reference)
        return WindowOutcome(ChargeResult.approved(approval), reference=reference)

    async def _refuse_approval(self, context: ChannelContext, start: WindowStart, reference: dict[str, str]) -> WindowOutcome:
        """An approval paymux cannot accept (signature or amount): net-cancel it. Only a confirmed net
        cancel makes it a decline; otherwise the outcome is unknown and the reconciler settles it."""
        outcome = await self.net_cancel(context, reference, start.request.amount, start.request.now)
        if outcome is Outcome.APPROVED:
            return WindowOutcome(ChargeResult.declined(NET_CANCELLED), reference=reference)
        return WindowOutcome(ChargeResult.unknown("INICIS's approval failed verification and its net cancel was refused"),
                             reference=reference)

    async def net_cancel(self, context: ChannelContext, reference: Mapping[str, str], amount: int, now: int) -> Outcome:
        client = self.client(context)
        if reference.get("kind") == MOBILE:
            reply: Mapping[str, Any] = await client.mobile_net_cancel(
                reference["net_cancel_url"], reference["p_tid"], amount, reference.get("oid", ""))
            return Outcome.APPROVED if t.text(reply, "P_STATUS") == codes.MOBILE_OK else Outcome.DECLINED
        reply = await client.net_cancel(reference["net_cancel_url"], reference["auth_token"], amount, _timestamp_ms(now))
        return Outcome.APPROVED if t.text(reply, "resultCode") == codes.STD_OK else Outcome.DECLINED

    # --- the deposit notice -------------------------------------------------------------------------
    def parse_notice(self, form: Mapping[str, str]) -> PgNotice:
        """INICIS's virtual-account deposit notice: the web-standard ``NO_*`` form (INI-VBANK), or the
        mobile window's ``P_STATUS=02`` form at ``P_NOTI_URL`` [INICISJS MobpayVbankNoti]."""
        if t.text(form, "P_STATUS"):
            if t.text(form, "P_STATUS") != codes.MOBILE_VBANK_DEPOSITED or t.text(form, "P_TYPE") not in ("VBANK", ""):
                raise InvalidNotice(f"mobile notice P_STATUS={t.text(form, 'P_STATUS')!r} is not a deposit")
            fields = ("P_OID", "P_TID", "P_MID", "P_AMT", "P_UNAME")
        else:
            fields = ("NO_OID", "NO_TID", "ID_MERCHANT", "AMT_INPUT", "NM_INPUT")
        order_id, tid, mid, paid = t.text(form, fields[0]), t.text(form, fields[1]), t.text(form, fields[2]), t.amount(form, fields[3])
        if not order_id or not tid or paid is None:
            raise InvalidNotice(f"deposit notice without {fields[0]}, {fields[1]} or {fields[3]}")
        return PgNotice("vbank_deposit", order_id, tid, mid, paid, t.text(form, fields[4]))

    def notice_reply(self, accepted: bool) -> NoticeReply:
        """INICIS re-sends until the body is exactly ``OK`` (INI-VBANK)."""
        return NoticeReply(200, "OK" if accepted else "FAIL")


def _timestamp_ms(now: int) -> int:
    """INICIS's window timestamps are epoch milliseconds [INI-UTIL]: paymux's clock (whole seconds,
    injectable) plus the wall clock's milliseconds, so the last digit varies as INICIS's samples expect."""
    return now * 1000 + time.time_ns() // 1_000_000 % 1000


def _trusted_idc(hosts: InicisHosts, derive: Callable[[str | None], str], returned_url: str, idc_name: str) -> str | None | Literal[False]:
    """The INICIS data centre whose URL the browser brought back, among those paymux derives itself
    (INI-PROP: ``{fc|ks|stg}``): the returned ``idc_name`` when given, else each known one. False
    when the URL is none of them — it is never called."""
    candidates: tuple[str | None, ...] = (idc_name,) if idc_name else (None, *IDC_NAMES)
    for idc in candidates:
        try:
            if hosts.trusts(returned_url, derive(idc)):
                return idc
        except ValueError:  # an idc_name INICIS does not have
            return False
    return False


def _acceptmethod(start: WindowStart) -> str:
    """INI-STD-ADD options: phone as digital content, cards under 1,000 KRW, cash receipts for
    virtual accounts, ``idc_name`` in the answer, and BILLAUTH(Card) for the billing-key window."""
    options = ["HPP(1)", "below1000", "va_receipt", "centerCd(Y)"]
    if start.issues_billing_key:
        options.append("BILLAUTH(Card)")
    return ":".join(options)


def _window_refusal(code: str, message: str) -> str:
    """A failed window: the buyer closed it, or INICIS's ``[code] message`` (mobile carries the code
    inside ``P_RMESG1``)."""
    if message.startswith("["):
        return message
    if code in codes.BUYER_CLOSED_CODES or not code:
        return BUYER_CLOSED
    return f"[{code}] {message or codes.message(code)}"


def _matches(reply: Mapping[str, Any], order_field: str, price_field: str, start: WindowStart) -> bool:
    """INICIS approved the order paymux asked for, for its amount (a tampered window is net-cancelled)."""
    expected = 0 if start.issues_billing_key else start.request.amount
    price = t.amount(reply, price_field)
    return t.text(reply, order_field) in ("", start.request.order_id) and (price is None or price in (expected, start.request.amount))


def _window_outcome(reply: Mapping[str, Any], start: WindowStart, reference: dict[str, str], *, vbank_fields: tuple[str, ...]) -> WindowOutcome:
    approval = t.std_approval(reply)
    if start.issues_billing_key:
        key = t.std_billing_key(reply)
        if key is None:
            return WindowOutcome(ChargeResult.declined("INICIS issued no billing key (CARD_BillKey)"), reference=reference)
        return WindowOutcome(ChargeResult.approved(approval), billing_key=key, reference=reference)
    number, bank, holder, date, time = vbank_fields
    found = t.vbank(reply, number=number, bank=bank, holder=holder, date=date, time=time)
    if found is not None:
        return WindowOutcome(ChargeResult.approved(approval), vbank=found[0], vbank_due=found[1], reference=reference)
    return WindowOutcome(ChargeResult.approved(approval), reference=reference)


def _refund_account(order: CancelOrder) -> dict[str, str] | None:
    if not order.refund_account:
        return None
    return {"refundAcctNum": order.refund_account, "refundBankCode": codes.inicis_bank_code(order.refund_bank or "") or "",
            "refundAcctName": order.refund_holder or ""}

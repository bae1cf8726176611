"""KG Mobilians (``mobilians``) over its REST ("MUP") protocol: the phone window and phone billing.

The same code runs against Mobilians (its test host with the published test service, or the live
host) and against ``paymux pg-emulator mobilians`` (a channel whose ``endpoint`` names the emulator).
Sources: :mod:`.protocol`; the rows of ``docs/pgs.md`` (KG Mobilians).

- window: ``start_window`` registers the trade (``/MUP/api/registration``, ``hybrid_pay=Y`` so paymux
  approves server-side after journaling) and sends the buyer to ``/MUP/api/payment.mcash?tid=…``;
  Mobilians authenticates the phone (SMS code) and POSTs the result to ``ok_url``; ``finish_window``
  checks ``code``, ``trade_id``, ``amount`` and the ``hmac`` and approves (``/MUP/api/approval``, TID
  mode); an approval paymux cannot accept, or whose answer was lost, is cancelled with its
  ``pay_token`` (Mobilians has no net-cancel or inquiry call: a cancellation of an approval that never
  happened answers ``0041``, so either way nothing stays charged);
- billing: the window with ``customer_uid`` registers with ``pay_options.mc_auto_pay=Y`` and keeps the
  returned ``mc_bill_key`` + ``mc_user_key``; **nothing is charged at key issue** (seed 004: "KG
  Mobilians does not process the payment when issuing the billing key even if you specify an
  amount"). Later charges are MOBILID approvals with ``mode=M002``, refused by paymux **before** the
  call unless they repeat the first charge's amount on its day of the month (:mod:`.rules`);
- cancel: ``/MUP/api/cancellation`` with its HMAC, refused by paymux before the call outside the
  payment's month; a phone partial cancel sends the balance left after it [MOB-MCP cancellation.md];
- no key-in: Mobilians has no API that takes a card number (seed 004: "Not supported").
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from paymux.connectors.base import (
    CancelOrder,
    CancelResult,
    ChannelContext,
    ChargeRequest,
    ChargeResult,
    Connector,
    CredentialField,
    IssuedBillingKey,
    Outcome,
    WindowLaunch,
    WindowOutcome,
    WindowStart,
)
from paymux.connectors.http import PgHttp
from paymux.connectors.mobilians import codes, protocol, rules
from paymux.connectors.mobilians import transformers as t
from paymux.connectors.mobilians.client import PUBLIC_TEST_SID, MobiliansClient, MobiliansKeys
from paymux.connectors.mobilians.sandbox import MobiliansSandbox, first_charge_key
from paymux.connectors.sandbox import SandboxLedger
from paymux.domain.card import CardDetails
from paymux.domain.channel import ChannelMode, PayType
from paymux.domain.errors import Refused
from paymux.domain.payment import NEVER_REACHED_PG, Approval

WINDOW, BILLING = "window", "billing"
TS_PARAM = "mobilians_ts"  # the registration's time_stamp, carried in ok_url (covered by the hmac)
NO_KEYIN = "KG모빌리언스는 카드정보를 직접 받는 결제(키인)를 지원하지 않습니다 (Mobilians has no key-in API)"
PHONE_ONLY = "paymux는 KG모빌리언스의 휴대폰 결제만 지원합니다 (paymux speaks Mobilians' phone payments only)"
CANCELLED_UNACCEPTED = "승인 결과를 확인할 수 없어 승인을 취소하였습니다 (Mobilians' approval could not be accepted; it was cancelled)"
NO_REPLAY = "the charge's request was not kept; Mobilians has no inquiry call: settle it by hand"
NOTHING_CHARGED_CODES = frozenset({codes.OK, codes.NO_SUCH_TRANSACTION, codes.ALREADY_CANCELLED})


class MobiliansConnector(Connector):
    """``mobilians`` speaking KG Mobilians' REST protocol (see the module docstring)."""

    pg_provider = MobiliansSandbox.pg_provider
    display_name = MobiliansSandbox.display_name
    pay_methods = frozenset({"phone"})
    pay_types = frozenset({PayType.GENERAL, PayType.SUBSCRIPTION})  # no API: key-in is refused
    requires_buyer_tel = True
    billing_window_methods = frozenset({"phone"})
    first_charge_with_key = False  # seed 004: the billing window charges nothing, even with an amount
    test_mids = {PayType.GENERAL: PUBLIC_TEST_SID, PayType.SUBSCRIPTION: PUBLIC_TEST_SID}
    mode = ChannelMode.LIVE
    has_pg_window = True
    changes_vbank = False
    # ok_url and close_url are at most 128 characters [MOB-MCP registration.md]; ok_url also carries
    # "&mobilians_ts=" + 14 digits, so paymux hands the window a short ticket stand-in past 100.
    return_url_limit = 100
    credential_fields = (
        CredentialField(
            "skey", "서비스 키 skey (HMAC key)",
            "KG모빌리언스(KG파이낸셜) 계약 시 서비스 ID(sid, 채널의 MID 칸)와 함께 별도로 전달되는 서비스 키; "
            "분실 시 KG파이낸셜 기술지원(1600-0912)에 재발급 요청 (the service key Mobilians sends with the service id)",
        ),
        CredentialField(
            "site_url", "가맹점 사이트 URL (site_url)",
            "계약 시 KG모빌리언스에 등록한 가맹점 사이트 도메인, 20자 이내; 비우면 paymux 주소의 도메인 "
            "(the site domain registered with Mobilians; default: paymux's own host)", required=False,
        ),
    )

    def __init__(self, http: PgHttp, client_ip: str = "127.0.0.1") -> None:
        self._http = http
        self._ledger: SandboxLedger | None = None

    def remember_with(self, ledger: SandboxLedger) -> None:
        self._ledger = ledger

    # --- set-up ------------------------------------------------------------------------------------
    def hosts(self, context: ChannelContext) -> protocol.MobiliansHosts:
        if context.channel.endpoint:
            return protocol.MobiliansHosts(context.channel.endpoint)
        return protocol.MobiliansHosts.test() if context.channel.mode is ChannelMode.TEST else protocol.MobiliansHosts.live()

    def keys(self, context: ChannelContext) -> MobiliansKeys:
        """The channel's service; a test channel on Mobilians' public test sid may leave skey empty."""
        skey = str(context.credentials.get("skey", ""))
        if not skey and context.channel.mode is ChannelMode.TEST and context.channel.mid in (None, "", PUBLIC_TEST_SID):
            return MobiliansKeys.public_test()
        return MobiliansKeys(context.channel.mid or "", skey)

    def missing_credentials(self, context: ChannelContext) -> list[str]:
        if context.channel.mode is ChannelMode.TEST and context.channel.mid in (None, "", PUBLIC_TEST_SID):
            return []
        return super().missing_credentials(context)

    def client(self, context: ChannelContext) -> MobiliansClient:
        return MobiliansClient(self.keys(context), self.hosts(context), self._http)

    @staticmethod
    def _site_url(context: ChannelContext, fallback_url: str = "") -> str:
        given = str(context.credentials.get("site_url", "")).strip()
        return (given or urlsplit(fallback_url).hostname or "localhost")[:20]

    # --- the window --------------------------------------------------------------------------------
    async def start_window(self, context: ChannelContext, start: WindowStart) -> WindowLaunch:
        if start.pay_method != "phone":
            raise Refused(PHONE_ONLY)
        request, client = start.request, self.client(context)
        time_stamp = protocol.time_stamp(request.now)
        ok_url = _ok_url(start, time_stamp)
        options = {"mc_no": t.digits(request.buyer.tel)} if t.digits(request.buyer.tel) else {}
        if start.issues_billing_key:
            options["mc_auto_pay"] = "Y"
        reply = await client.registration(
            trade_id=request.order_id, amount=request.amount, product_name=(request.name or request.merchant_uid)[:50],
            site_url=self._site_url(context, start.return_url), ok_url=ok_url, close_url=start.close_url,
            time_stamp=time_stamp, user_name=request.buyer.name or "", user_email=request.buyer.email or "",
            pay_options=options,
        )
        if not t.ok(reply):
            raise Refused(t.refusal(reply))
        answered_stamp = t.text(reply, "time_stamp") or time_stamp
        if not protocol.same(client.result_hmac(request.amount, ok_url, request.order_id, answered_stamp), t.text(reply, "hmac")):
            raise Refused("KG모빌리언스 거래등록 응답의 hmac이 일치하지 않습니다 (Mobilians' registration answer failed its HMAC check)")
        tid = t.text(reply, "tid")
        return WindowLaunch(url=client.hosts.url(protocol.PAYMENT_WINDOW), fields={"tid": tid}, method="GET",
                            reference={"pg_tid": tid})

    def window_reference(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> dict[str, str]:
        """Check the window's result (``code``, ``trade_id``, ``amount``, ``hmac``) and keep what the
        approval and its cancellation need. Raises Refused."""
        if t.text(returned, "code") != codes.OK:
            raise Refused(t.refusal(returned))
        request = start.request
        if t.text(returned, "trade_id") != request.order_id or t.text(returned, "sid") not in ("", self.keys(context).sid):
            raise Refused("KG모빌리언스 응답의 가맹점/거래번호가 다릅니다 (Mobilians' answer names another service or trade_id)")
        if start.pg_tid and t.text(returned, "tid") != start.pg_tid:  # the tid registration gave paymux
            raise Refused("KG모빌리언스 응답의 tid가 등록한 거래와 다릅니다 (Mobilians' answer names another tid)")
        time_stamp = t.text(returned, TS_PARAM)
        ok_url = _ok_url(start, time_stamp)
        if t.amount(returned) != request.amount or not protocol.same(
            self.client(context).result_hmac(t.text(returned, "amount"), ok_url, request.order_id, time_stamp), t.text(returned, "hmac")
        ):
            raise Refused("KG모빌리언스 응답의 금액 또는 hmac이 일치하지 않습니다 (Mobilians' answer failed its amount/HMAC check)")
        if start.issues_billing_key:
            if not t.text(returned, "mc_bill_key") or not t.text(returned, "mc_user_key"):
                raise Refused("KG모빌리언스가 자동결제 키를 발급하지 않았습니다 (Mobilians issued no mc_bill_key)")
            return {"kind": BILLING, "tid": t.text(returned, "tid")}
        return {"kind": WINDOW, "tid": t.text(returned, "tid"), "pay_token": t.text(returned, "pay_token"),
                "mc_user_key": t.text(returned, "mc_user_key"), "trade_id": request.order_id,
                "amount": str(request.amount), "time_stamp": time_stamp, "ok_url": ok_url}

    async def finish_window(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> WindowOutcome:
        reference = self.window_reference(context, start, returned)
        if reference["kind"] == BILLING:  # the key is issued; nothing is approved or charged
            key = IssuedBillingKey(t.pack_billing_key(t.text(returned, "mc_bill_key"), t.text(returned, "mc_user_key")),
                                   None, None, t.masked_phone(t.text(returned, "phone_no")), None)
            return WindowOutcome(ChargeResult.approved(Approval(pg_tid=reference["tid"])), billing_key=key, reference=reference)
        client = self.client(context)
        reply = await client.approve_tid(tid=reference["tid"], pay_token=reference["pay_token"], amount=start.request.amount,
                                         mc_user_key=reference["mc_user_key"])
        if not t.ok(reply):
            return WindowOutcome(ChargeResult.declined(t.refusal(reply)), reference=reference)
        expected = client.result_hmac(t.text(reply, "amount"), reference["ok_url"], reference["trade_id"], reference["time_stamp"])
        if (t.text(reply, "trade_id") not in ("", reference["trade_id"]) or t.amount(reply) != start.request.amount
                or not protocol.same(expected, t.text(reply, "hmac"))):
            return await self._refuse_approval(context, reference, start.request.amount, start.request.now)
        return WindowOutcome(ChargeResult.approved(_approval(reference["pay_token"], reply)), reference=reference)

    async def _refuse_approval(self, context: ChannelContext, reference: Mapping[str, str], amount: int, now: int) -> WindowOutcome:
        outcome = await self.net_cancel(context, reference, amount, now)
        if outcome is Outcome.APPROVED:
            return WindowOutcome(ChargeResult.declined(CANCELLED_UNACCEPTED), reference=dict(reference))
        return WindowOutcome(ChargeResult.unknown("Mobilians' approval failed verification and its cancellation was refused"),
                             reference=dict(reference))

    async def net_cancel(self, context: ChannelContext, reference: Mapping[str, str], amount: int, now: int) -> Outcome:
        """Mobilians has no net cancel: a full cancellation with the window's ``pay_token``. ``0000``
        (cancelled), ``0041`` (never approved) and ``0044`` (already cancelled) all mean nothing is
        charged."""
        if reference.get("kind") != WINDOW or not reference.get("pay_token"):
            return Outcome.APPROVED if reference.get("kind") == BILLING else Outcome.UNKNOWN
        reply = await self.client(context).cancellation(trade_id=reference["trade_id"], pay_token=reference["pay_token"],
                                                        amount=int(reference.get("amount") or amount), part_cancel=False)
        return Outcome.APPROVED if t.text(reply, "code") in NOTHING_CHARGED_CODES else Outcome.DECLINED

    # --- billing ------------------------------------------------------------------------------------
    async def issue_billing_key(self, context: ChannelContext, card: CardDetails, customer_uid: str, now: int) -> IssuedBillingKey:
        raise Refused(NO_KEYIN)

    async def charge_card(self, context: ChannelContext, card: CardDetails, request: ChargeRequest) -> ChargeResult:
        raise Refused(NO_KEYIN)

    async def charge_billing_key(self, context: ChannelContext, billing_key: str, request: ChargeRequest) -> ChargeResult:
        """MOBILID ``M002``, after paymux's check of Mobilians' rule (same amount, same day of the
        month as the key's first charge): a refusal is a decline and Mobilians is not called."""
        keys = t.unpack_billing_key(billing_key)
        if keys is None:
            return ChargeResult.declined("KG모빌리언스 자동결제 키가 아닙니다 (not a Mobilians phone billing key)")
        first = await self._first_charge(billing_key)
        if (refusal := rules.billing_refusal(first, request.amount, request.now)) is not None:
            return ChargeResult.declined(refusal)
        charge: dict[str, Any] = {"trade_id": request.order_id, "amount": request.amount, "product_name": (request.name or request.merchant_uid)[:50],
                  "site_url": self._site_url(context), "bill_key": keys[0], "mc_user_key": keys[1]}
        await self._keep_for_inquiry(context, request.order_id, charge)
        reply = await self.client(context).approve_bill_key(**charge)
        if not t.ok(reply):
            return ChargeResult.declined(t.refusal(reply))
        if first is None and self._ledger is not None:
            fixed = rules.first_charge(request.amount, request.now)
            await self._ledger.put(first_charge_key(billing_key), {"amount": fixed.amount, "day": fixed.day})
        return ChargeResult.approved(_approval(t.text(reply, "mobil_id"), reply))

    async def _first_charge(self, billing_key: str) -> rules.FirstCharge | None:
        if self._ledger is None:
            return None
        found = await self._ledger.get(first_charge_key(billing_key))
        return rules.FirstCharge(int(found["amount"]), int(found["day"])) if found else None

    # --- cancel -------------------------------------------------------------------------------------
    async def cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        """Full: ``part_cancel=N`` with the payment's amount; partial (phone): ``part_cancel=Y`` with
        the balance left after it [MOB-MCP cancellation.md]. Outside the payment's month paymux
        refuses with Mobilians' ``0042`` before calling."""
        payment = order.payment  # every payment of this connector is a phone payment (billing charges too)
        if (refusal := rules.cancel_refusal(payment.paid_at, order.now)) is not None:
            return CancelResult.refused(f"[{codes.CANCEL_PERIOD_PASSED}] {refusal}")
        reply = await self._send_cancel(context, order)
        if not t.ok(reply):
            return CancelResult.refused(t.refusal(reply))
        return CancelResult.done(t.text(reply, "transaction_id") or payment.pg_tid or "")

    async def _send_cancel(self, context: ChannelContext, order: CancelOrder) -> dict[str, Any]:
        payment = order.payment
        return await self.client(context).cancellation(
            trade_id=payment.imp_uid, pay_token=payment.pg_tid or "", part_cancel=not order.is_full,
            amount=payment.amount if order.is_full else order.remaining_after,
        )

    async def inquire_cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        """A lost cancellation is sent again: ``0044`` (already cancelled / balance already at that
        amount) means the first one happened."""
        reply = await self._send_cancel(context, order)
        if t.text(reply, "code") in (codes.OK, codes.ALREADY_CANCELLED):
            return CancelResult.done(t.text(reply, "transaction_id") or order.payment.pg_tid or "")
        return CancelResult.refused(t.refusal(reply))

    # --- inquiry ------------------------------------------------------------------------------------
    async def inquire(
        self, context: ChannelContext, order_id: str, now: int, reference: Mapping[str, str] | None = None
    ) -> ChargeResult:
        """Mobilians publishes no inquiry call. A lost window approval is cancelled with its
        ``pay_token`` (nothing stays charged); a lost billing charge is asked again with the same
        MOBILID request (same ``trade_id``, kept encrypted before the call), which Mobilians answers
        with the first answer — paymux's reading of its duplicate-``trade_id`` check (``0052``),
        unverified against Mobilians itself."""
        reference = dict(reference or {})
        if reference.get("kind") == WINDOW:
            outcome = await self.net_cancel(context, reference, int(reference.get("amount") or 0), now)
            if outcome is Outcome.APPROVED:
                return ChargeResult.declined(CANCELLED_UNACCEPTED)
            return ChargeResult.unknown("Mobilians refused to cancel a window approval whose answer was lost")
        if reference.get("kind") == BILLING:  # a key whose answer paymux never kept: nothing was charged
            return ChargeResult.declined("자동결제 키 발급 결과를 보관하지 못했습니다; 다시 발급하세요 "
                                         "(the billing key's answer was lost before paymux kept it; nothing was charged)")
        charge = await self._kept_for_inquiry(context, order_id)
        if charge is None:
            return ChargeResult.unknown(NO_REPLAY)
        reply = await self.client(context).approve_bill_key(**charge)
        if t.ok(reply):
            return ChargeResult.approved(_approval(t.text(reply, "mobil_id"), reply))
        if t.text(reply, "code") == codes.NO_SUCH_TRANSACTION:
            return ChargeResult.declined(NEVER_REACHED_PG)
        return ChargeResult.declined(t.refusal(reply))

    def _sealer(self, context: ChannelContext) -> AESGCM:
        return AESGCM(hashlib.sha256(f"paymux mobilians inquiry v1|{self.keys(context).skey}".encode()).digest())

    async def _keep_for_inquiry(self, context: ChannelContext, order_id: str, charge: dict[str, Any]) -> None:
        """The MOBILID request, sealed with a key derived from the service key (it holds the bill key)."""
        if self._ledger is None:
            return
        nonce = os.urandom(12)
        sealed = self._sealer(context).encrypt(nonce, json.dumps(charge).encode(), order_id.encode())
        await self._ledger.put(f"mobilians:charge:{order_id}", {"sealed": base64.b64encode(nonce + sealed).decode()})

    async def _kept_for_inquiry(self, context: ChannelContext, order_id: str) -> dict[str, Any] | None:
        if self._ledger is None or (found := await self._ledger.get(f"mobilians:charge:{order_id}")) is None:
            return None
        raw = base64.b64decode(found["sealed"])
        try:
            kept: dict[str, Any] = json.loads(self._sealer(context).decrypt(raw[:12], raw[12:], order_id.encode()))
        except Exception:  # another service key: not ours to replay
            return None
        return kept


def _ok_url(start: WindowStart, time_stamp: str) -> str:
    separator = "&" if "?" in start.return_url else "?"
    return f"{start.return_url}{separator}{TS_PARAM}={time_stamp}"


def _approval(pg_tid: str, reply: Mapping[str, Any]) -> Approval:
    """pg_tid: the ``pay_token`` (window) or ``mobil_id`` (billing) — what a cancellation names."""
    return Approval(pg_tid=pg_tid, apply_num=t.text(reply, "transaction_id"),
                    card_number=t.masked_phone(t.text(reply, "phone_no")))

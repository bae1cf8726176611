"""Kakao Pay over its real online payment API: ready → the buyer approves in Kakao's window → approve.

The same code runs against Kakao Pay itself (``https://open-api.kakaopay.com``; a live CID, or Kakao's
public test CIDs ``TC0ONETIME`` / ``TCSUBSCRIP`` with the application's ``DEV…`` secret key) and against
``paymux pg-emulator kakaopay`` (a channel whose ``endpoint`` names the emulator). Sources: ``docs/pgs.md``
(Kakao Pay table) and shared/docs/pg-live-protocols.md §2.

- window: ``start_window`` calls ``ready`` (``partner_order_id`` = the imp_uid, ``approval_url`` = paymux's
  return URL, ``cancel_url`` = its close URL, ``fail_url`` = its return URL without a ``pg_token``) and
  sends the buyer to ``next_redirect_pc_url`` (``…_mobile_url`` on a phone); the TID is kept on the
  payment (``WindowLaunch.reference['pg_tid']``). Kakao sends the buyer back with ``pg_token``;
  ``finish_window`` approves with the kept TID and checks order id and amount. A billing window uses a
  subscription CID: the approval issues an SID (and charges the amount when there is one, Kakao's
  "issue and charge at once"); the billing key is the SID with the ``partner_user_id`` it was issued to;
- SID charges (``subscription``), cancels with ``cancel_available_amount`` as a balance checksum and the
  cancellation id as ``payload``, and ``manage/subscription/inactive`` when the billing key is deleted;
- unknown outcomes: a lost window approval is looked up with ``order`` by its journaled TID; a lost
  cancel by the order's cancel actions (their ``payload``). Kakao Pay has no lookup by
  ``partner_order_id``, so a lost SID charge (whose TID never reached paymux) cannot be settled by
  asking: it stays pending for a person to settle (docs/pgs.md).
Kakao Pay has no key-in: card data never goes to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

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
from paymux.connectors.kakaopay import codes
from paymux.connectors.kakaopay import transformers as t
from paymux.connectors.kakaopay.client import PRODUCTION_BASE, KakaoPayClient, KakaoPayError, KakaoPayKeys
from paymux.connectors.kakaopay.sandbox import KakaoPaySandbox
from paymux.domain.card import CardDetails
from paymux.domain.channel import ChannelMode
from paymux.domain.errors import Refused

WINDOW = "kakaopay_window"
BUYER_FAILED = "카카오페이 결제에 실패하였습니다 (Kakao Pay's window ended without an approval)"
NO_KEYIN = "카카오페이는 카드정보 직접 입력(key-in) 결제를 지원하지 않습니다 (Kakao Pay takes no card data; use its window)"
NO_SID = ("이 CID는 정기결제(SID)를 발급하지 않습니다: 정기결제용 CID 채널을 사용하세요 "
          "(this CID issues no SID; use a channel with Kakao Pay's subscription CID)")
NOT_ACCEPTED = "카카오페이 승인 내용이 요청과 달라 취소하였습니다 (Kakao Pay's approval did not match the order; it was cancelled)"
LOST_SID_CHARGE = ("카카오페이는 partner_order_id로 결제를 조회할 수 없어 응답이 유실된 정기결제를 확인할 수 없습니다; "
                   "카카오페이 가맹점 관리자에서 확인하세요 (Kakao Pay has no lookup by order id: settle this SID charge by hand)")


class KakaoPayConnector(Connector):
    """``kakaopay`` / ``kakao`` speaking Kakao Pay's online payment API (see the module docstring)."""

    pg_provider = KakaoPaySandbox.pg_provider
    display_name = KakaoPaySandbox.display_name
    pay_methods = KakaoPaySandbox.pay_methods
    pay_types = KakaoPaySandbox.pay_types
    billing_window_methods = KakaoPaySandbox.billing_window_methods
    first_charge_with_key = True
    test_mids = KakaoPaySandbox.test_mids
    mode = ChannelMode.LIVE
    has_pg_window = True
    return_url_limit = 255  # approval_url / cancel_url / fail_url: at most 255 characters [KK-OLD], [KK-NEW]
    credential_fields = (
        CredentialField(
            "secret_key", "Secret key (시크릿 키)",
            "카카오페이 개발자센터(developers.kakaopay.com) > 내 애플리케이션 > 앱 키: 운영은 Secret key(prod), "
            "테스트 CID(TC0ONETIME·TCSUBSCRIP)에는 Secret key(dev, DEV로 시작). CID(가맹점 코드)는 채널의 MID에 "
            "입력합니다 (the app's secret key; the CID Kakao Pay issued on contract is the channel's MID)",
        ),
        CredentialField(
            "cid_secret", "CID secret (가맹점 코드 인증키)",
            "카카오페이가 가맹점 코드와 함께 인증키(24자)를 발급한 경우에만 (only if Kakao Pay issued one with the CID)",
            required=False,
        ),
    )

    def __init__(self, http: PgHttp, client_ip: str = "127.0.0.1") -> None:
        self._http = http

    def client(self, context: ChannelContext) -> KakaoPayClient:
        given = context.credentials
        keys = KakaoPayKeys(cid=context.channel.mid, secret_key=str(given.get("secret_key", "")),
                            cid_secret=str(given.get("cid_secret", "")))
        return KakaoPayClient(keys, self._http, context.channel.endpoint or PRODUCTION_BASE)

    # --- no key-in --------------------------------------------------------------------------------
    async def issue_billing_key(self, context: ChannelContext, card: CardDetails, customer_uid: str, now: int) -> IssuedBillingKey:
        raise Refused(NO_KEYIN)

    async def charge_card(self, context: ChannelContext, card: CardDetails, request: ChargeRequest) -> ChargeResult:
        raise Refused(NO_KEYIN)

    # --- SID charges, cancels, key deletion ----------------------------------------------------------
    async def charge_billing_key(self, context: ChannelContext, billing_key: str, request: ChargeRequest) -> ChargeResult:
        sid, partner_user_id = t.split_billing_key(billing_key)
        reply = await self.client(context).subscription(
            sid=sid, partner_order_id=request.order_id, partner_user_id=partner_user_id or _user_id(request),
            item_name=_item_name(request), quantity=1, total_amount=request.amount, tax_free_amount=request.tax_free,
            vat_amount=request.vat or None,
        )
        if isinstance(reply, KakaoPayError):
            return ChargeResult.declined(reply.describe())
        if t.total(reply) != request.amount or t.text(reply, "partner_order_id") not in ("", request.order_id):
            return ChargeResult.unknown(f"Kakao Pay approved {t.total(reply)} KRW for order "
                                        f"{t.text(reply, 'partner_order_id')!r}, not this charge; settle it by hand")
        return ChargeResult.approved(t.approval(reply))

    async def cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        reply = await self.client(context).cancel(
            tid=order.payment.pg_tid or "", cancel_amount=order.amount, cancel_tax_free_amount=order.tax_free,
            cancel_vat_amount=None, cancel_available_amount=order.remaining_after + order.amount,
            payload=_payload(order),
        )
        if isinstance(reply, KakaoPayError):
            return CancelResult.refused(reply.describe())
        return CancelResult.done(t.text(reply, "aid") or order.payment.pg_tid or "")

    async def inquire_cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        """A lost cancel: the order's CANCEL actions carry the ``payload`` paymux sent (the cancellation
        id); without one, an unchanged ``cancel_available_amount`` proves nothing was refunded."""
        reply = await self.client(context).order(tid=order.payment.pg_tid or "")
        if isinstance(reply, KakaoPayError):
            return CancelResult.unknown(reply.describe())
        for action in t.cancel_actions(reply):
            if t.text(action, "payload").split("|", 1)[0] == order.cancellation_id:
                return CancelResult.done(t.text(action, "aid") or order.payment.pg_tid or "")
        if t.amount(reply, "cancel_available_amount") == order.remaining_after + order.amount:
            return CancelResult.refused("Kakao Pay has no record of this cancel; nothing was refunded")
        return CancelResult.unknown("Kakao Pay's order shows another cancel than this one; settle it by hand")

    async def delete_billing_key(self, context: ChannelContext, billing_key: str, now: int) -> Outcome:
        """``manage/subscription/inactive``; an SID already inactive (``-751``) or unknown to Kakao
        (``-750``) is as good as deleted."""
        sid, _ = t.split_billing_key(billing_key)
        reply = await self.client(context).inactivate(sid=sid)
        if isinstance(reply, KakaoPayError):
            return Outcome.APPROVED if reply.code in (codes.SID_INACTIVE, codes.SID_NOT_FOUND) else Outcome.DECLINED
        return Outcome.APPROVED if t.text(reply, "status") == codes.SID_INACTIVE_STATUS else Outcome.UNKNOWN

    # --- the window --------------------------------------------------------------------------------
    async def start_window(self, context: ChannelContext, start: WindowStart) -> WindowLaunch:
        request = start.request
        reply = await self.client(context).ready(
            partner_order_id=request.order_id, partner_user_id=_user_id(request), item_name=_item_name(request),
            quantity=1, total_amount=request.amount, tax_free_amount=request.tax_free, vat_amount=request.vat or None,
            approval_url=start.return_url, cancel_url=start.close_url, fail_url=start.return_url,
        )
        if isinstance(reply, KakaoPayError):
            raise Refused(reply.describe())
        redirect = t.text(reply, "next_redirect_mobile_url" if start.mobile else "next_redirect_pc_url")
        tid = t.text(reply, "tid")
        if not redirect or not tid:
            raise Refused("Kakao Pay's ready answer has no tid or redirect URL")
        parts = urlsplit(redirect)  # a GET form replaces the query: carry it as fields
        return WindowLaunch(url=urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
                            fields=dict(parse_qsl(parts.query, keep_blank_values=True)), method="GET",
                            reference={"pg_tid": tid})

    def window_reference(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> dict[str, str]:
        """Kakao's ``pg_token`` on the approval URL, and the TID ``ready`` gave (kept on the payment,
        never taken from the browser). No ``pg_token``: the buyer's payment failed (``fail_url``)."""
        token = t.text(returned, "pg_token")
        if not token:
            message = t.text(returned, "error_message")[:200]
            raise Refused(f"[{t.text(returned, 'error_code')}] {message}" if message else BUYER_FAILED)
        if not start.pg_tid:
            raise Refused("no Kakao Pay TID was kept for this window (결제 준비 정보가 없습니다)")
        request = start.request
        return {"kind": WINDOW, "tid": start.pg_tid, "pg_token": token, "partner_user_id": _user_id(request),
                "price": str(request.amount), "tax_free": str(request.tax_free),
                "billing": "1" if start.issues_billing_key else "0"}

    async def finish_window(self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]) -> WindowOutcome:
        reference = self.window_reference(context, start, returned)
        request = start.request
        reply = await self.client(context).approve(
            tid=reference["tid"], partner_order_id=request.order_id, partner_user_id=reference["partner_user_id"],
            pg_token=reference["pg_token"], total_amount=request.amount,
        )
        if isinstance(reply, KakaoPayError):
            return WindowOutcome(ChargeResult.declined(reply.describe()), reference=reference)
        if t.text(reply, "sid"):
            reference = {**reference, "sid": t.text(reply, "sid")}
        matches = (t.text(reply, "tid") in ("", reference["tid"])
                   and t.text(reply, "partner_order_id") in ("", request.order_id)
                   and t.total(reply) in (None, request.amount))
        key = t.issued_key(reply, reference["partner_user_id"]) if start.issues_billing_key else None
        if not matches or (start.issues_billing_key and key is None):
            outcome = await self.net_cancel(context, reference, request.amount, request.now)
            reason = NO_SID if matches else NOT_ACCEPTED
            if outcome is Outcome.APPROVED:
                return WindowOutcome(ChargeResult.declined(reason), reference=reference)
            return WindowOutcome(ChargeResult.unknown(f"{reason}; its cancel was not confirmed"), reference=reference)
        return WindowOutcome(ChargeResult.approved(t.approval(reply)), billing_key=key, reference=reference)

    async def net_cancel(self, context: ChannelContext, reference: Mapping[str, str], amount: int, now: int) -> Outcome:
        """Undo an approval paymux could not record: cancel what Kakao charged on the TID (its whole
        balance) and deactivate an SID it issued. APPROVED = nothing stays charged or usable."""
        client = self.client(context)
        tid = reference.get("tid", "")
        found = await client.order(tid=tid)
        if isinstance(found, KakaoPayError):
            return Outcome.UNKNOWN
        status, left = t.text(found, "status"), t.amount(found, "cancel_available_amount") or 0
        sid = reference.get("sid") or t.text(found, "sid")
        if status in codes.NOT_CHARGED_STATUSES and not sid:
            return Outcome.APPROVED
        if left > 0 and status in (codes.SUCCESS_PAYMENT, codes.PART_CANCEL_PAYMENT):
            tax_free_left = _tax_free_left(found)
            cancelled = await client.cancel(tid=tid, cancel_amount=left, cancel_tax_free_amount=tax_free_left,
                                            cancel_vat_amount=None, cancel_available_amount=left, payload="net-cancel")
            if isinstance(cancelled, KakaoPayError):
                return Outcome.DECLINED
        if sid:
            inactive = await client.inactivate(sid=sid)
            if isinstance(inactive, KakaoPayError) and inactive.code not in (codes.SID_INACTIVE, codes.SID_NOT_FOUND):
                return Outcome.DECLINED
        return Outcome.APPROVED

    async def inquire(
        self, context: ChannelContext, order_id: str, now: int, reference: Mapping[str, str] | None = None
    ) -> ChargeResult:
        """A lost window approval: ``order`` by the journaled TID. Approved one-time payments are
        recorded as paid; a lost billing-window approval is undone (its SID never reached paymux, so
        it could not be kept) and declined. A lost SID charge cannot be asked about (see module doc)."""
        reference = dict(reference or {})
        if reference.get("kind") != WINDOW or not reference.get("tid"):
            return ChargeResult.unknown(LOST_SID_CHARGE)
        found = await self.client(context).order(tid=reference["tid"])
        if isinstance(found, KakaoPayError):
            return ChargeResult.unknown(found.describe())
        status = t.text(found, "status")
        if status in codes.NOT_CHARGED_STATUSES:
            return ChargeResult.declined(f"카카오페이 결제 상태 {status}: 승인되지 않았습니다 (Kakao Pay reports {status}; nothing was charged)")
        if reference.get("billing") == "1" or status == codes.ISSUED_SID:
            if await self.net_cancel(context, reference, int(reference.get("price", "0")), now) is Outcome.APPROVED:
                return ChargeResult.declined("빌링키 발급 응답이 유실되어 승인을 취소하고 SID를 비활성화하였습니다 "
                                             "(the billing window's answer was lost; Kakao Pay's approval was undone)")
            return ChargeResult.unknown("the lost billing-window approval could not be undone at Kakao Pay")
        if status == codes.CANCEL_PAYMENT:
            return ChargeResult.declined("Kakao Pay reports the payment as cancelled")
        if t.total(found) != int(reference.get("price", "0")):
            return ChargeResult.unknown(f"Kakao Pay approved {t.total(found)} KRW, not {reference.get('price')}; settle it by hand")
        return ChargeResult.approved(t.approval(found))


def _user_id(request: ChargeRequest) -> str:
    """``partner_user_id`` (≤100): the order's merchant_uid (paymux's choice; a billing key keeps the
    one its SID was issued to)."""
    return request.merchant_uid[:100]


def _item_name(request: ChargeRequest) -> str:
    return (request.name or request.merchant_uid)[:100]


def _payload(order: CancelOrder) -> str:
    """``payload`` (≤200): the cancellation id first, so a lost cancel is found among the order's actions."""
    return f"{order.cancellation_id}|{order.reason}"[:200]


def _tax_free_left(order_reply: Mapping[str, Any]) -> int:
    return t.amount(order_reply, "cancel_available_amount", "tax_free") or 0

"""Every Kakao Pay emulator scenario through ``KakaoPayConnector`` (and its client) over real HTTP on
loopback: one-time payments through ready → the buyer's page → approve, declines in Kakao's codes, the
buyer's cancel and failure, timeouts after commit settled by ``order``, outage, duplicate order ids,
bad pg_tokens, expiry, partial / double / lost-reply cancels with their checks, SID issue, charge and
deactivation, and auth failures. Assertions are what a PG user sees: outcomes, Kakao's codes, and the
emulator's own ledger of money."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from typing import Any

import pytest

from paymux.clock import OffsetClock
from paymux.connectors.base import (
    CancelOrder,
    ChargeRequest,
    ChargeResult,
    Outcome,
    WindowLaunch,
    WindowOutcome,
    WindowStart,
)
from paymux.connectors.http import PgHttp, PgHttpStatusError, PgTransportError
from paymux.connectors.kakaopay.client import KakaoPayClient, KakaoPayError, KakaoPayKeys
from paymux.connectors.kakaopay.connector import BUYER_FAILED, LOST_SID_CHARGE, NO_SID, KakaoPayConnector
from paymux.connectors.kakaopay.emulator import PAYMUX_LIVE_CID, PAYMUX_LIVE_SECRET_KEY
from paymux.domain.channel import ChannelMode
from paymux.domain.errors import Refused
from paymux.domain.payment import Payment
from tests.connectors.kakaopay.conftest import CLIENT_TIMEOUT
from tests.connectors.kakaopay.support import TEST_SECRET_KEY, Buyer, KakaoPayEmulatorServer, context, run_connector

RETURN = "http://shop.invalid/checkout/pg/return?ticket=~abc"
CLOSE = "http://shop.invalid/checkout/pg/close?ticket=~abc"


def order_id() -> str:
    return "imp_" + secrets.token_hex(6)


def request(amount: int, *, tax_free: int = 0, merchant_uid: str | None = None, order: str | None = None) -> ChargeRequest:
    return ChargeRequest(order_id=order or order_id(), merchant_uid=merchant_uid or "mu_" + secrets.token_hex(4),
                         amount=amount, tax_free=tax_free, name="주문명:결제테스트", now=int(time.time()))


def window(amount: int, *, billing: bool = False, mobile: bool = False, **kwargs: Any) -> WindowStart:
    return WindowStart(request=request(amount, **kwargs), pay_method="kakaopay", mobile=mobile, issues_billing_key=billing,
                       return_url=RETURN, close_url=CLOSE, notice_url="")


def launch(kakaopay: KakaoPayEmulatorServer, start: WindowStart, cid: str = "TC0ONETIME") -> tuple[WindowStart, WindowLaunch]:
    """``start_window``; the start as paymux rebuilds it on the buyer's return (with the kept TID)."""
    launched = run_connector(lambda c: c.start_window(context(kakaopay.base_url, cid), start))
    return replace(start, pg_tid=launched.reference["pg_tid"]), launched


def page_url(launched: WindowLaunch) -> str:
    query = "&".join(f"{k}={v}" for k, v in launched.fields.items())
    return launched.url + ("?" + query if query else "")


def finish(kakaopay: KakaoPayEmulatorServer, start: WindowStart, returned: dict[str, str], cid: str = "TC0ONETIME",
           timeout: float = 10.0) -> WindowOutcome:
    return run_connector(lambda c: c.finish_window(context(kakaopay.base_url, cid), start, returned), timeout=timeout)


def pay(kakaopay: KakaoPayEmulatorServer, amount: int, *, method: str = "MONEY", cid: str = "TC0ONETIME",
        billing: bool = False, **kwargs: Any) -> tuple[WindowStart, WindowOutcome]:
    start, launched = launch(kakaopay, window(amount, billing=billing, **kwargs), cid)
    token = Buyer().approve(page_url(launched), method)
    return start, finish(kakaopay, start, {"pg_token": token}, cid)


def cancel_order(payment: Payment, amount: int, remaining_after: int, *, tax_free: int = 0, reason: str = "단순변심",
                 cancellation_id: str | None = None) -> CancelOrder:
    return CancelOrder(cancellation_id=cancellation_id or "c_" + secrets.token_hex(6), payment=payment, amount=amount,
                       tax_free=tax_free, reason=reason, remaining_after=remaining_after, now=int(time.time()))


def paid(start: WindowStart, outcome: WindowOutcome, cancelled: int = 0) -> Payment:
    assert outcome.result.approval is not None
    return Payment(imp_uid=start.request.order_id, merchant_id=1, merchant_uid=start.request.merchant_uid,
                   amount=start.request.amount, tax_free=start.request.tax_free, pg_tid=outcome.result.approval.pg_tid,
                   cancel_amount=cancelled)


def client(kakaopay: KakaoPayEmulatorServer, cid: str = "TC0ONETIME", secret_key: str = TEST_SECRET_KEY) -> KakaoPayClient:
    return KakaoPayClient(KakaoPayKeys(cid, secret_key), PgHttp(10.0), kakaopay.base_url)


def call(kakaopay: KakaoPayEmulatorServer, operation: str, cid: str = "TC0ONETIME", **fields: Any) -> Any:
    """One client call on its own event loop (``operation`` is a KakaoPayClient method)."""
    import asyncio

    async def main() -> Any:
        bound = client(kakaopay, cid)
        try:
            return await getattr(bound, operation)(**fields)
        finally:
            await bound._http.close()

    return asyncio.run(main())


# --- one-time payment ----------------------------------------------------------------------------


def test_a_one_time_payment_goes_ready_then_the_buyers_page_then_approve(kakaopay: KakaoPayEmulatorServer) -> None:
    start, launched = launch(kakaopay, window(1004))
    assert launched.method == "GET" and launched.url.startswith(kakaopay.base_url + "/mockup/v1/")
    buyer = Buyer()
    assert buyer.open(page_url(launched)).status_code == 200
    page = buyer.window()
    assert (page["data-device"], page["data-mode"], page["data-tid"]) == ("pc", "onetime", start.pg_tid)
    location = buyer.press("approve").headers["location"]
    assert location.startswith(RETURN + "&pg_token=")  # Kakao adds pg_token to the approval URL's own query
    outcome = finish(kakaopay, start, {"pg_token": location.split("pg_token=")[1]})

    assert outcome.result.outcome is Outcome.APPROVED and outcome.result.approval is not None
    assert outcome.result.approval.pg_tid == start.pg_tid and outcome.billing_key is None
    at_pg = kakaopay.payment(start.pg_tid)
    assert at_pg is not None
    assert (at_pg["status"], at_pg["total"], at_pg["partner_order_id"], at_pg["vat"]) == ("SUCCESS_PAYMENT", 1004, start.request.order_id, 91)
    sent = [r for r in kakaopay.ledger()["requests"] if r["tid"] == start.pg_tid or r["partner_order_id"] == start.request.order_id]
    assert {(r["generation"], r["auth"], r["content_type"]) for r in sent} == {("current", "SECRET_KEY", "application/json")}
    assert [r["operation"] for r in sent] == ["ready", "approve"]


def test_a_phone_is_sent_to_the_mobile_page(kakaopay: KakaoPayEmulatorServer) -> None:
    _, launched = launch(kakaopay, window(1000, mobile=True))
    buyer = Buyer()
    buyer.open(page_url(launched))
    assert buyer.window()["data-device"] == "mobile" and launched.url.endswith("/mInfo")


def test_a_card_approval_carries_the_card_company_and_kind(kakaopay: KakaoPayEmulatorServer) -> None:
    _, outcome = pay(kakaopay, 2000, method="CARD_SHINHAN")
    approval = outcome.result.approval
    assert approval is not None
    assert (approval.card_code, approval.card_name, approval.card_type, approval.card_number) == ("366", "신한카드", 1, "457972**********")
    assert approval.apply_num  # the card's approved_id


@pytest.mark.parametrize(("method", "amount", "result_code"), [
    ("MONEY_LOW", 1000, "NOT_ENOUGH_BALANCE"),
    ("CARD_LIMIT", 1000, "0002"),
    ("MONEY", 19995, "NOT_ENOUGH_BALANCE"),
    ("MONEY", 10002, "0002"),
])
def test_a_declined_approval_answers_minus_780_with_the_methods_reason(
    kakaopay: KakaoPayEmulatorServer, method: str, amount: int, result_code: str
) -> None:
    start, outcome = pay(kakaopay, amount, method=method)
    assert outcome.result.outcome is Outcome.DECLINED
    assert outcome.result.reason.startswith("[-780]") and f"({result_code}" in outcome.result.reason
    assert kakaopay.approved(start.request.order_id) == []
    assert [e["kind"] for e in kakaopay.events_for(start.request.order_id)] == ["ready", "decline"]


def test_the_buyers_cancel_goes_to_cancel_url_and_nothing_is_charged(kakaopay: KakaoPayEmulatorServer) -> None:
    start, launched = launch(kakaopay, window(1000))
    buyer = Buyer()
    buyer.open(page_url(launched))
    assert buyer.press("cancel").headers["location"] == CLOSE
    assert kakaopay.payment(start.pg_tid)["status"] == "QUIT_PAYMENT"  # type: ignore[index]
    inquired = run_connector(lambda c: c.inquire(context(kakaopay.base_url), start.request.order_id, 0,
                                                 {"kind": "kakaopay_window", "tid": start.pg_tid, "price": "1000"}))
    assert inquired.outcome is Outcome.DECLINED


def test_the_buyers_failure_returns_without_a_pg_token_and_is_refused_before_any_approval(kakaopay: KakaoPayEmulatorServer) -> None:
    start, launched = launch(kakaopay, window(1000))
    buyer = Buyer()
    buyer.open(page_url(launched))
    assert buyer.press("fail").headers["location"] == RETURN
    with pytest.raises(Refused) as refused:
        run_connector(lambda c: c.finish_window(context(kakaopay.base_url), start, {}))
    assert refused.value.message == BUYER_FAILED
    assert kakaopay.payment(start.pg_tid)["status"] == "FAIL_PAYMENT"  # type: ignore[index]
    assert [r["operation"] for r in kakaopay.ledger()["requests"] if r["tid"] == start.pg_tid] == []


def test_an_approval_whose_reply_is_lost_is_found_by_order(kakaopay: KakaoPayEmulatorServer) -> None:
    start, launched = launch(kakaopay, window(10119))
    token = Buyer().approve(page_url(launched))
    with pytest.raises(PgTransportError):
        finish(kakaopay, start, {"pg_token": token}, timeout=CLIENT_TIMEOUT)
    reference = KakaoPayConnector(PgHttp()).window_reference(context(kakaopay.base_url), start, {"pg_token": token})
    found = run_connector(lambda c: c.inquire(context(kakaopay.base_url), start.request.order_id, 0, reference))
    assert found.outcome is Outcome.APPROVED and found.approval is not None and found.approval.pg_tid == start.pg_tid
    again = finish(kakaopay, start, {"pg_token": token})  # approving the TID a second time: Kakao's -702
    assert again.result.outcome is Outcome.DECLINED and again.result.reason.startswith("[-702]")
    assert [p["total"] for p in kakaopay.approved(start.request.order_id)] == [10119]


def test_a_decline_whose_reply_is_lost_is_found_by_order_as_failed(kakaopay: KakaoPayEmulatorServer) -> None:
    start, launched = launch(kakaopay, window(10101))
    token = Buyer().approve(page_url(launched))
    with pytest.raises(PgTransportError):
        finish(kakaopay, start, {"pg_token": token}, timeout=CLIENT_TIMEOUT)
    reference = KakaoPayConnector(PgHttp()).window_reference(context(kakaopay.base_url), start, {"pg_token": token})
    found = run_connector(lambda c: c.inquire(context(kakaopay.base_url), start.request.order_id, 0, reference))
    assert found.outcome is Outcome.DECLINED and "FAIL_PAYMENT" in found.reason


def test_an_outage_answers_503_and_applies_nothing(kakaopay: KakaoPayEmulatorServer) -> None:
    start = window(1000)
    kakaopay.outage(True)
    try:
        with pytest.raises(PgHttpStatusError) as failed:
            run_connector(lambda c: c.start_window(context(kakaopay.base_url), start))
    finally:
        kakaopay.outage(False)
    assert failed.value.status == 503
    assert kakaopay.events_for(start.request.order_id) == []


def test_a_second_approval_of_the_same_partner_order_id_is_a_duplicate(kakaopay: KakaoPayEmulatorServer) -> None:
    first = window(1000)
    _, outcome = pay(kakaopay, 1000, order=first.request.order_id, merchant_uid=first.request.merchant_uid)
    assert outcome.result.outcome is Outcome.APPROVED
    _, twice = pay(kakaopay, 1000, order=first.request.order_id, merchant_uid=first.request.merchant_uid)
    assert twice.result.outcome is Outcome.DECLINED and twice.result.reason.startswith("[-785]")
    assert len(kakaopay.approved(first.request.order_id)) == 1


def test_approve_checks_the_token_the_buyer_and_the_order(kakaopay: KakaoPayEmulatorServer) -> None:
    start, launched = launch(kakaopay, window(1000))
    early = finish(kakaopay, start, {"pg_token": "0" * 20})
    assert early.result.reason.startswith("[-701]")  # the buyer has not approved yet
    token = Buyer().approve(page_url(launched))
    wrong = finish(kakaopay, start, {"pg_token": "f" * 20})
    assert wrong.result.reason.startswith("[-708]")
    base = {"tid": start.pg_tid, "pg_token": token}
    other_order = call(kakaopay, "approve", partner_order_id="other", partner_user_id=start.request.merchant_uid, **base)
    other_user = call(kakaopay, "approve", partner_order_id=start.request.order_id, partner_user_id="other", **base)
    other_amount = call(kakaopay, "approve", partner_order_id=start.request.order_id,
                        partner_user_id=start.request.merchant_uid, total_amount=999, **base)
    assert [(e.status, e.code) for e in (other_order, other_user, other_amount)] == [(400, -706), (400, -707), (400, -722)]
    assert finish(kakaopay, start, {"pg_token": token}).result.outcome is Outcome.APPROVED  # nothing was used up


def test_a_ready_tid_expires_after_fifteen_minutes(kakaopay: KakaoPayEmulatorServer, kakao_clock: OffsetClock) -> None:
    start, launched = launch(kakaopay, window(1000))
    kakao_clock.advance(901)
    assert Buyer().open(page_url(launched)).status_code == 410
    expired = finish(kakaopay, start, {"pg_token": "0" * 20})
    assert expired.result.reason.startswith("[-723]")
    found = run_connector(lambda c: c.inquire(context(kakaopay.base_url), start.request.order_id, 0,
                                              {"kind": "kakaopay_window", "tid": start.pg_tid, "price": "1000"}))
    assert found.outcome is Outcome.DECLINED


def test_a_net_cancel_returns_what_was_charged_once(kakaopay: KakaoPayEmulatorServer) -> None:
    start, outcome = pay(kakaopay, 3000)
    reference = {**outcome.reference}
    first = run_connector(lambda c: c.net_cancel(context(kakaopay.base_url), reference, 3000, 0))
    second = run_connector(lambda c: c.net_cancel(context(kakaopay.base_url), reference, 3000, 0))
    assert (first, second) == (Outcome.APPROVED, Outcome.APPROVED)
    assert [e["amount"] for e in kakaopay.events_for(start.request.order_id) if e["kind"] in ("approval", "cancel")] == [3000, -3000]


# --- cancels -------------------------------------------------------------------------------------


def test_partial_then_full_cancel_then_a_double_cancel(kakaopay: KakaoPayEmulatorServer) -> None:
    start, outcome = pay(kakaopay, 1000)
    payment = paid(start, outcome)
    ctx = context(kakaopay.base_url)
    part = run_connector(lambda c: c.cancel(ctx, cancel_order(payment, 300, 700)))
    assert part.outcome is Outcome.APPROVED and part.pg_tid.startswith("A")
    at_pg = kakaopay.payment(payment.pg_tid or "")
    assert at_pg is not None and (at_pg["status"], at_pg["cancel_available_amount"]) == ("PART_CANCEL_PAYMENT", 700)

    payment.cancel_amount = 300
    stale = run_connector(lambda c: c.cancel(ctx, cancel_order(payment, 100, 800)))  # a balance Kakao does not have
    over = run_connector(lambda c: c.cancel(ctx, cancel_order(payment, 800, -100)))
    assert stale.reason.startswith("[-710]") and over.reason.startswith("[-710]")
    rest = run_connector(lambda c: c.cancel(ctx, cancel_order(payment, 700, 0)))
    assert rest.outcome is Outcome.APPROVED
    payment.cancel_amount = 1000
    twice = run_connector(lambda c: c.cancel(ctx, cancel_order(payment, 100, 0)))
    assert twice.outcome is Outcome.DECLINED and twice.reason.startswith("[-784]")
    at_pg = kakaopay.payment(payment.pg_tid or "")
    assert at_pg is not None and (at_pg["status"], at_pg["canceled_total"], at_pg["canceled_vat"]) == ("CANCEL_PAYMENT", 1000, 91)
    assert sum(e["amount"] for e in kakaopay.events_for(start.request.order_id)) == 0


def test_cancels_keep_the_tax_free_part_within_what_is_left(kakaopay: KakaoPayEmulatorServer) -> None:
    start, outcome = pay(kakaopay, 1100, tax_free=100)
    payment = paid(start, outcome)
    ctx = context(kakaopay.base_url)
    too_much = run_connector(lambda c: c.cancel(ctx, cancel_order(payment, 500, 600, tax_free=150)))
    assert too_much.outcome is Outcome.DECLINED and too_much.reason.startswith("[-2]")
    assert run_connector(lambda c: c.cancel(ctx, cancel_order(payment, 500, 600, tax_free=60))).outcome is Outcome.APPROVED
    payment.cancel_amount = 500
    keeps_tax_free = run_connector(lambda c: c.cancel(ctx, cancel_order(payment, 600, 0, tax_free=0)))
    assert keeps_tax_free.reason.startswith("[-2]")  # the last cancel must return the 40 tax-free left
    assert run_connector(lambda c: c.cancel(ctx, cancel_order(payment, 600, 0, tax_free=40))).outcome is Outcome.APPROVED


def test_a_cancel_whose_reply_is_lost_is_found_among_the_orders_actions(kakaopay: KakaoPayEmulatorServer) -> None:
    start, outcome = pay(kakaopay, 5000)
    payment = paid(start, outcome)
    ctx = context(kakaopay.base_url)
    lost = cancel_order(payment, 2000, 3000, reason="lost-reply test")
    with pytest.raises(PgTransportError):
        run_connector(lambda c: c.cancel(ctx, lost), timeout=CLIENT_TIMEOUT)
    found = run_connector(lambda c: c.inquire_cancel(ctx, lost))
    assert found.outcome is Outcome.APPROVED and found.pg_tid.startswith("A")
    payment.cancel_amount = 2000
    never_sent = cancel_order(payment, 1000, 2000)
    assert run_connector(lambda c: c.inquire_cancel(ctx, never_sent)).outcome is Outcome.DECLINED
    assert [e["amount"] for e in kakaopay.events_for(start.request.order_id) if e["kind"] == "cancel"] == [-2000]


# --- subscriptions -------------------------------------------------------------------------------


def test_a_billing_window_with_no_amount_issues_an_sid_and_charges_nothing(kakaopay: KakaoPayEmulatorServer) -> None:
    start, outcome = pay(kakaopay, 0, cid="TCSUBSCRIP", billing=True)
    assert outcome.result.outcome is Outcome.APPROVED and outcome.billing_key is not None
    sid, _, user = outcome.billing_key.billing_key.partition("|")
    assert sid.startswith("S") and len(sid) == 20 and user == start.request.merchant_uid
    assert kakaopay.payment(start.pg_tid)["status"] == "ISSUED_SID"  # type: ignore[index]
    assert [e["amount"] for e in kakaopay.events_for(start.request.order_id)] == [0, 0]  # ready, sid_issue
    assert kakaopay.sid(sid)["status"] == "ACTIVE"  # type: ignore[index]


def test_a_billing_window_with_an_amount_issues_the_sid_and_charges_it(kakaopay: KakaoPayEmulatorServer) -> None:
    start, outcome = pay(kakaopay, 9900, cid="TCSUBSCRIP", billing=True, method="CARD_KB")
    assert outcome.result.outcome is Outcome.APPROVED and outcome.billing_key is not None
    assert outcome.billing_key.card_code == "381"
    assert [p["total"] for p in kakaopay.approved(start.request.order_id)] == [9900]


def test_a_billing_window_on_a_one_time_cid_is_undone_and_declined(kakaopay: KakaoPayEmulatorServer) -> None:
    start, outcome = pay(kakaopay, 5000, billing=True)
    assert outcome.result.outcome is Outcome.DECLINED and outcome.result.reason == NO_SID
    assert [e["amount"] for e in kakaopay.events_for(start.request.order_id) if e["amount"]] == [5000, -5000]


def issue_sid(kakaopay: KakaoPayEmulatorServer, method: str = "MONEY") -> str:
    _, outcome = pay(kakaopay, 0, cid="TCSUBSCRIP", billing=True, method=method)
    assert outcome.billing_key is not None
    return outcome.billing_key.billing_key


def charge(kakaopay: KakaoPayEmulatorServer, key: str, amount: int, timeout: float = 10.0, **kwargs: Any) -> tuple[ChargeRequest, ChargeResult]:
    charged = request(amount, **kwargs)
    result = run_connector(lambda c: c.charge_billing_key(context(kakaopay.base_url, "TCSUBSCRIP"), key, charged), timeout=timeout)
    return charged, result


def test_sid_charges_and_their_refusals(kakaopay: KakaoPayEmulatorServer) -> None:
    key = issue_sid(kakaopay)
    charged, result = charge(kakaopay, key, 4900)
    assert result.outcome is Outcome.APPROVED and result.approval is not None
    assert [(p["total"], p["sid"]) for p in kakaopay.approved(charged.order_id)] == [(4900, key.split("|")[0])]
    refused = {
        "unknown SID": charge(kakaopay, "S" + "9" * 19 + "|" + key.split("|")[1], 1000)[1],
        "another user": charge(kakaopay, key.split("|")[0] + "|someone-else", 1000)[1],
        "monthly limit": charge(kakaopay, key, 10752)[1],
        "short of money": charge(kakaopay, key, 19995)[1],
    }
    assert {name: r.reason[:6] for name, r in refused.items()} == {
        "unknown SID": "[-750]", "another user": "[-753]", "monthly limit": "[-752]", "short of money": "[-780]"}
    assert all(r.outcome is Outcome.DECLINED for r in refused.values())
    duplicate = run_connector(lambda c: c.charge_billing_key(context(kakaopay.base_url, "TCSUBSCRIP"), key, charged))
    assert duplicate.reason.startswith("[-785]")


def test_an_sid_issued_on_a_short_wallet_declines_its_charges(kakaopay: KakaoPayEmulatorServer) -> None:
    key = issue_sid(kakaopay, "MONEY_LOW")
    _, result = charge(kakaopay, key, 1000)
    assert result.outcome is Outcome.DECLINED and "NOT_ENOUGH_BALANCE" in result.reason


def test_an_sid_charge_on_a_one_time_cid_is_refused(kakaopay: KakaoPayEmulatorServer) -> None:
    key = issue_sid(kakaopay)
    result = run_connector(lambda c: c.charge_billing_key(context(kakaopay.base_url), key, request(1000)))
    assert result.reason.startswith("[-731]")


def test_deleting_the_billing_key_deactivates_the_sid(kakaopay: KakaoPayEmulatorServer) -> None:
    key = issue_sid(kakaopay)
    ctx = context(kakaopay.base_url, "TCSUBSCRIP")
    assert run_connector(lambda c: c.delete_billing_key(ctx, key, 0)) is Outcome.APPROVED
    assert kakaopay.sid(key.split("|")[0])["status"] == "INACTIVE"  # type: ignore[index]
    assert charge(kakaopay, key, 1000)[1].reason.startswith("[-751]")
    assert run_connector(lambda c: c.delete_billing_key(ctx, key, 0)) is Outcome.APPROVED  # already inactive: done


def test_a_lost_sid_charge_is_not_guessed(kakaopay: KakaoPayEmulatorServer) -> None:
    key = issue_sid(kakaopay)
    with pytest.raises(PgTransportError):
        charge(kakaopay, key, 10119, timeout=CLIENT_TIMEOUT)
    lost = [p for p in kakaopay.ledger()["payments"] if p["total"] == 10119 and p["sid"] == key.split("|")[0]]
    assert len(lost) == 1 and lost[0]["status"] == "SUCCESS_PAYMENT"
    found = run_connector(lambda c: c.inquire(context(kakaopay.base_url, "TCSUBSCRIP"), lost[0]["partner_order_id"], 0, None))
    assert found.outcome is Outcome.UNKNOWN and found.reason == LOST_SID_CHARGE


# --- keys, CIDs, fields ----------------------------------------------------------------------------


def test_a_wrong_secret_key_or_an_unknown_cid_is_refused_before_anything(kakaopay: KakaoPayEmulatorServer) -> None:
    start = window(1000)
    with pytest.raises(Refused) as bad_key:
        run_connector(lambda c: c.start_window(context(kakaopay.base_url, PAYMUX_LIVE_CID.cid, "PRDwrong-key-000000"), start))
    with pytest.raises(Refused) as no_key:
        run_connector(lambda c: c.start_window(context(kakaopay.base_url, secret_key="not-a-dev-key"), start))
    with pytest.raises(Refused) as bad_cid:
        run_connector(lambda c: c.start_window(context(kakaopay.base_url, "CNOSUCHCID"), start))
    assert (bad_key.value.message[:6], no_key.value.message[:6], bad_cid.value.message[:6]) == ("[-401]", "[-401]", "[-731]")
    live = run_connector(lambda c: c.start_window(
        context(kakaopay.base_url, PAYMUX_LIVE_CID.cid, PAYMUX_LIVE_SECRET_KEY, mode=ChannelMode.LIVE), window(1000)))
    assert live.reference["pg_tid"].startswith("T")
    assert kakaopay.events_for(start.request.order_id) == []


def test_ready_refuses_fields_out_of_kakaos_limits(kakaopay: KakaoPayEmulatorServer) -> None:
    base = {"partner_order_id": order_id(), "partner_user_id": "u", "item_name": "x", "quantity": 1, "tax_free_amount": 0,
            "vat_amount": None, "cancel_url": CLOSE, "fail_url": RETURN}
    long_url = call(kakaopay, "ready", total_amount=1000, approval_url="http://shop.invalid/" + "x" * 240, **base)
    nothing = call(kakaopay, "ready", total_amount=0, approval_url=RETURN, **base)
    tax_free = call(kakaopay, "ready", total_amount=1000, approval_url=RETURN, **{**base, "tax_free_amount": 1001})
    for refused in (long_url, nothing, tax_free):
        assert isinstance(refused, KakaoPayError) and (refused.status, refused.code) == (400, -2)
    assert call(kakaopay, "ready", total_amount=0, approval_url=RETURN, cid="TCSUBSCRIP", **base)["tid"]  # an SID only

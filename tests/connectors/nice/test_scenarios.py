"""Every scenario of the NICE Pay emulator through paymux's live connector over real HTTP on loopback:
the window (approve, declines, installments, user cancel, a tampered amount or signature, a duplicate
orderId, a lost approval settled by lookup, net cancel), outage, cancels (full, partial, over the balance,
twice, a lost reply settled by lookup), billing keys (regist, charge, a lost charge settled by
``find/{orderId}``, expire), key-in, virtual accounts and their webhook."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

import pytest

from paymux.clock import OffsetClock
from paymux.connectors.base import (
    Buyer,
    CancelOrder,
    CardRefused,
    ChargeRequest,
    Outcome,
    WindowStart,
)
from paymux.connectors.http import PgHttpStatusError, PgTransportError
from paymux.connectors.nice import codes
from paymux.connectors.nice.client import NiceError
from paymux.connectors.nice.emulator import PAYMUX_LIVE
from paymux.domain.card import CardDetails
from paymux.domain.errors import Refused
from paymux.domain.payment import Payment, PaymentStatus
from tests.connectors.inicis.support import NoticeReceiver
from tests.connectors.nice.conftest import CLIENT_TIMEOUT
from tests.connectors.nice.support import (
    NiceEmulator,
    authenticate,
    client,
    connector,
    context,
    run,
)

M = PAYMUX_LIVE
RETURN_URL = "https://shop.example/checkout/pg/return?ticket=T1"
CLOSE_URL = "https://shop.example/checkout/pg/close?ticket=T1"


def start(clock: OffsetClock, amount: int = 14_000, *, pay_method: str = "card", quota: tuple[int, ...] = ()) -> WindowStart:
    request = ChargeRequest(f"imp_{secrets.token_hex(6)}", "order_no_0001", amount, name="주문명:결제테스트",
                            buyer=Buyer(name="홍길동", tel="010-1234-5678", email="buyer@example.com"), now=clock.now())
    return WindowStart(request=request, pay_method=pay_method, mobile=False, issues_billing_key=False,
                       return_url=RETURN_URL, close_url=CLOSE_URL, notice_url="", quota_months=quota,
                       vbank_due=clock.now() + 3 * 86400 if pay_method == "vbank" else 0)


def launch(nice: NiceEmulator, window: WindowStart):  # type: ignore[no-untyped-def]
    return run(lambda http: connector(http).start_window(context(nice.base_url, M), window))


def finish(nice: NiceEmulator, window: WindowStart, returned: dict[str, str], timeout: float = 10.0):  # type: ignore[no-untyped-def]
    return run(lambda http: connector(http).finish_window(context(nice.base_url, M), window, returned), timeout)


def pay(nice: NiceEmulator, clock: OffsetClock, card: str = "5361-4812-3456-1234", amount: int = 14_000):  # type: ignore[no-untyped-def]
    window = start(clock, amount)
    returned = authenticate(launch(nice, window), card)
    return window, returned, finish(nice, window, returned)


def paid(window: WindowStart, pg_tid: str, cancelled: int = 0) -> Payment:
    payment = Payment(imp_uid=window.request.order_id, merchant_id=1, merchant_uid="o", amount=window.request.amount,
                      pay_method=window.pay_method)
    payment.status, payment.pg_tid, payment.cancel_amount = PaymentStatus.PAID, pg_tid, cancelled
    return payment


def cancel_order(payment: Payment, amount: int, now: int, reason: str = "고객 요청", cid: str | None = None) -> CancelOrder:
    return CancelOrder(cid or f"cxl_{secrets.token_hex(5)}", payment, amount, 0, reason,
                       remaining_after=payment.amount - payment.cancel_amount - amount, now=now)


def do_cancel(nice: NiceEmulator, order: CancelOrder, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    return run(lambda http: connector(http).cancel(context(nice.base_url, M), order), timeout)


# --- the window ---------------------------------------------------------------------------------------
def test_window_launch_loads_nice_sdk_with_requestpay_fields(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock, 14_000, quota=(2, 3))
    opened = launch(nice, window)
    assert opened.script_url == nice.base_url + "/v1/js/" and "AUTHNICE.requestPay" in (opened.script_call or "")
    assert opened.fields["clientId"] == M.client_id and opened.fields["orderId"] == window.request.order_id
    assert opened.fields["amount"] == "14000" and opened.fields["method"] == "card"
    assert opened.fields["returnUrl"] == RETURN_URL and opened.fields["cardQuota"] == "00,02,03"
    assert opened.fields["buyerTel"] == "01012345678"
    assert not any(ch in (opened.script_call or "") for ch in "'\"&<>")


def test_window_approved(nice: NiceEmulator, clock: OffsetClock) -> None:
    window, returned, outcome = pay(nice, clock)
    assert returned["authResultCode"] == "0000" and returned["action"] == RETURN_URL
    result = outcome.result
    assert result.outcome is Outcome.APPROVED and result.approval is not None
    approval = result.approval
    assert approval.pg_tid == returned["tid"] and approval.apply_num and approval.card_code == "365"
    assert approval.card_number == "536148******1234" and approval.receipt_url
    at_pg = nice.payment(returned["tid"])
    assert at_pg is not None and at_pg["status"] == "paid" and at_pg["balance"] == 14_000
    assert nice.charged(window.request.order_id) == 14_000


@pytest.mark.parametrize(("card", "code"), [("4000-0000-0000-0002", "3095"), ("4000-0000-0000-9995", "3095")])
def test_window_issuer_declines(nice: NiceEmulator, clock: OffsetClock, card: str, code: str) -> None:
    window, _, outcome = pay(nice, clock, card)
    assert outcome.result.outcome is Outcome.DECLINED and outcome.result.reason.startswith(f"[{code}]")
    assert nice.charged(window.request.order_id) == 0


@pytest.mark.parametrize(("card", "code"), [("4000-0000-0000-0069", "3021"), ("4000-0000-0000-0127", "F113")])
def test_window_authentication_refused(nice: NiceEmulator, clock: OffsetClock, card: str, code: str) -> None:
    window = start(clock)
    returned = authenticate(launch(nice, window), card)
    assert returned["authResultCode"] == code and "tid" not in returned
    with pytest.raises(Refused, match=code):
        finish(nice, window, returned)


def test_window_card_under_1000_refused_by_nice(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock, 900)
    returned = authenticate(launch(nice, window))
    assert returned["authResultCode"] == codes.CARD_UNDER_1000
    with pytest.raises(Refused, match="3041"):
        finish(nice, window, returned)


def test_window_installment_under_50000(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock, 30_000, quota=(3,))
    returned = authenticate(launch(nice, window), quota=3)
    assert returned["authResultCode"] == codes.QUOTA_UNDER_50000


def test_window_installment_approved(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock, 60_000, quota=(3,))
    returned = authenticate(launch(nice, window), quota=3)
    outcome = finish(nice, window, returned)
    assert outcome.result.approval is not None and outcome.result.approval.card_quota == 3


def test_buyer_cancels_in_window(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    returned = authenticate(launch(nice, window), action="cancel")
    assert returned["authResultCode"] == codes.USER_CANCEL
    with pytest.raises(Refused, match="취소"):
        finish(nice, window, returned)
    assert nice.charged(window.request.order_id) == 0


def test_tampered_amount_is_never_approved(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    returned = authenticate(launch(nice, window))
    for forged in ({**returned, "amount": "100"}, {**returned, "signature": "0" * 64},
                   {**returned, "orderId": "imp_other"}):
        with pytest.raises(Refused, match="signature"):
            finish(nice, window, forged)
    assert nice.payment(returned["tid"])["status"] == "ready"  # type: ignore[index]
    # a window started for less than the buyer authenticated: the amounts differ, nothing is approved
    cheaper = replace(window, request=replace(window.request, amount=1_000))
    with pytest.raises(Refused):
        finish(nice, cheaper, returned)


def test_nice_refuses_approval_of_another_amount(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    returned = authenticate(launch(nice, window))
    answer = run(lambda http: client(http, nice.base_url, M).approve(tid=returned["tid"], amount=1_000, edi_date="x"))
    assert isinstance(answer, NiceError) and answer.code == codes.AMOUNT_MISMATCH


def test_bad_sign_data_refused(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    returned = authenticate(launch(nice, window))
    http_reply = nice.http.post(f"{nice.base_url}/v1/payments/{returned['tid']}",
                                json={"amount": 14_000, "ediDate": "2026-01-01T00:00:00.000+0900", "signData": "ab" * 32},
                                headers={"Authorization": _basic()})
    assert http_reply.status_code == 200 and http_reply.json()["resultCode"] == codes.SIGN_DATA_FAILED


def _basic() -> str:
    from paymux.connectors.nice.client import NiceKeys

    return NiceKeys(M.client_id, M.secret_key).basic()


def test_double_approval_and_duplicate_order(nice: NiceEmulator, clock: OffsetClock) -> None:
    window, returned, outcome = pay(nice, clock)
    assert outcome.result.outcome is Outcome.APPROVED
    again = finish(nice, window, returned)
    assert again.result.outcome is Outcome.DECLINED and again.result.reason.startswith(f"[{codes.ALREADY_APPROVED}]")
    second = authenticate(launch(nice, window))  # the same orderId in a new window
    assert second["authResultCode"] == codes.DUPLICATE_ORDER
    assert nice.charged(window.request.order_id) == 14_000


def test_wrong_keys_answer_401(nice: NiceEmulator, clock: OffsetClock) -> None:
    bad = replace(M, secret_key="x" * 32)
    answer = run(lambda http: client(http, nice.base_url, bad).find(order_id="imp_x", order_date="20261201"))
    assert isinstance(answer, NiceError) and answer.status == 401 and answer.code == codes.MID_INVALID
    unauthenticated = nice.http.get(f"{nice.base_url}/v1/payments/find/imp_x")
    assert unauthenticated.status_code == 401 and unauthenticated.json()["resultCode"] == codes.MID_INVALID


def test_lost_approval_settled_by_lookup(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    returned = authenticate(launch(nice, window), "4000-0000-0000-0119")
    with pytest.raises(PgTransportError):
        finish(nice, window, returned, timeout=CLIENT_TIMEOUT)
    ctx = context(nice.base_url, M)
    reference = run(lambda http: _reference(connector(http), ctx, window, returned))
    found = run(lambda http: connector(http).inquire(ctx, window.request.order_id, clock.now(), reference))
    assert found.outcome is Outcome.APPROVED and found.approval is not None and found.approval.pg_tid == returned["tid"]


async def _reference(made, ctx, window, returned):  # type: ignore[no-untyped-def]
    return made.window_reference(ctx, window, returned)


def test_lost_decline_settled_by_lookup(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    returned = authenticate(launch(nice, window), "4000-0000-0000-0101")
    with pytest.raises(PgTransportError):
        finish(nice, window, returned, timeout=CLIENT_TIMEOUT)
    ctx = context(nice.base_url, M)
    reference = {"kind": "nice_window", "tid": returned["tid"], "orderId": window.request.order_id, "price": "14000"}
    found = run(lambda http: connector(http).inquire(ctx, window.request.order_id, clock.now(), reference))
    assert found.outcome is Outcome.DECLINED and nice.charged(window.request.order_id) == 0


def test_authenticated_but_never_approved_is_not_charged(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    returned = authenticate(launch(nice, window))
    ctx = context(nice.base_url, M)
    reference = {"kind": "nice_window", "tid": returned["tid"], "orderId": window.request.order_id, "price": "14000"}
    found = run(lambda http: connector(http).inquire(ctx, window.request.order_id, clock.now(), reference))
    assert found.outcome is Outcome.DECLINED
    clock.advance(601)
    late = finish(nice, window, returned)
    assert late.result.outcome is Outcome.DECLINED and late.result.reason.startswith(f"[{codes.TID_INVALID}]")


def test_net_cancel_of_an_unrecorded_approval(nice: NiceEmulator, clock: OffsetClock) -> None:
    window, returned, outcome = pay(nice, clock)
    assert outcome.result.outcome is Outcome.APPROVED
    ctx = context(nice.base_url, M)
    reference = outcome.reference
    undone = run(lambda http: connector(http).net_cancel(ctx, reference, 14_000, clock.now()))
    assert undone is Outcome.APPROVED and nice.charged(window.request.order_id) == 0
    assert nice.payment(returned["tid"])["status"] == "cancelled"  # type: ignore[index]
    again = run(lambda http: connector(http).net_cancel(ctx, reference, 14_000, clock.now()))
    assert again is Outcome.DECLINED  # 2013: already cancelled; nothing refunded twice
    assert nice.charged(window.request.order_id) == 0


def test_net_cancel_after_an_hour_is_refused(nice: NiceEmulator, clock: OffsetClock) -> None:
    window, _, _ = pay(nice, clock)
    clock.advance(3_601)
    answer = run(lambda http: client(http, nice.base_url, M).net_cancel(order_id=window.request.order_id, edi_date="x"))
    assert isinstance(answer, NiceError) and answer.code == codes.NET_CANCEL_LATE


def test_outage_is_unknown_and_applies_nothing(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    returned = authenticate(launch(nice, window))
    nice.control("outage", on=True)
    try:
        with pytest.raises(PgHttpStatusError):
            finish(nice, window, returned)
    finally:
        nice.control("outage", on=False)
    assert nice.payment(returned["tid"])["status"] == "ready"  # type: ignore[index]
    assert finish(nice, window, returned).result.outcome is Outcome.APPROVED


# --- cancels ------------------------------------------------------------------------------------------
def test_full_cancel(nice: NiceEmulator, clock: OffsetClock) -> None:
    window, returned, _ = pay(nice, clock)
    done = do_cancel(nice, cancel_order(paid(window, returned["tid"]), 14_000, clock.now()))
    assert done.outcome is Outcome.APPROVED and done.pg_tid == returned["tid"]
    assert nice.payment(returned["tid"])["status"] == "cancelled" and nice.charged(window.request.order_id) == 0  # type: ignore[index]
    again = do_cancel(nice, cancel_order(paid(window, returned["tid"]), 14_000, clock.now()))
    assert again.outcome is Outcome.DECLINED and again.reason.startswith(f"[{codes.CANCEL_DONE}]")


def test_partial_cancels_then_over_the_balance(nice: NiceEmulator, clock: OffsetClock) -> None:
    window, returned, _ = pay(nice, clock, amount=30_000)
    first = do_cancel(nice, cancel_order(paid(window, returned["tid"]), 10_000, clock.now()))
    assert first.outcome is Outcome.APPROVED and first.pg_tid != returned["tid"]
    at_pg = nice.payment(returned["tid"])
    assert at_pg["status"] == "partialCancelled" and at_pg["balance"] == 20_000  # type: ignore[index]
    over = do_cancel(nice, cancel_order(paid(window, returned["tid"], 10_000), 25_000, clock.now()))
    assert over.outcome is Outcome.DECLINED and over.reason.startswith(f"[{codes.CANCEL_OVER_BALANCE}]")
    rest = do_cancel(nice, cancel_order(paid(window, returned["tid"], 10_000), 20_000, clock.now()))
    assert rest.outcome is Outcome.APPROVED and nice.charged(window.request.order_id) == 0


def test_a_repeated_cancel_is_refused_not_refunded_twice(nice: NiceEmulator, clock: OffsetClock) -> None:
    window, returned, _ = pay(nice, clock, amount=30_000)
    order = cancel_order(paid(window, returned["tid"]), 5_000, clock.now(), cid="cxl_same")
    assert do_cancel(nice, order).outcome is Outcome.APPROVED
    again = do_cancel(nice, replace(order, payment=paid(window, returned["tid"], 5_000), remaining_after=20_000))
    assert again.outcome is Outcome.DECLINED and again.reason.startswith(f"[{codes.DUPLICATE_ORDER}]")
    assert nice.charged(window.request.order_id) == 25_000


def test_lost_cancel_reply_settled_by_lookup(nice: NiceEmulator, clock: OffsetClock) -> None:
    window, returned, _ = pay(nice, clock, amount=30_000)
    order = cancel_order(paid(window, returned["tid"]), 7_000, clock.now(), reason="lost-reply test")
    with pytest.raises(PgTransportError):
        do_cancel(nice, order, timeout=CLIENT_TIMEOUT)
    ctx = context(nice.base_url, M)
    found = run(lambda http: connector(http).inquire_cancel(ctx, order))
    assert found.outcome is Outcome.APPROVED and found.pg_tid != returned["tid"]
    never = cancel_order(paid(window, returned["tid"], 7_000), 3_000, clock.now())
    missing = run(lambda http: connector(http).inquire_cancel(ctx, never))
    assert missing.outcome is Outcome.DECLINED
    assert nice.charged(window.request.order_id) == 23_000


def test_cancel_of_an_unknown_tid(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    refused = do_cancel(nice, cancel_order(paid(window, "nictest00m01unknown"), 14_000, clock.now()))
    assert refused.outcome is Outcome.DECLINED and refused.reason.startswith(f"[{codes.CANCEL_NOT_FOUND}]")


# --- billing keys and key-in --------------------------------------------------------------------------
CARD = CardDetails.parse("5361-4812-3456-1234", "2030-12", "800101", "12")


def _card(number: str) -> CardDetails:
    return CardDetails.parse(number, "2030-12", "800101", "12")


def issue(nice: NiceEmulator, clock: OffsetClock, card: CardDetails = CARD):  # type: ignore[no-untyped-def]
    return run(lambda http: connector(http).issue_billing_key(context(nice.base_url, M), card, "cust_1", clock.now()))


def charge(nice: NiceEmulator, clock: OffsetClock, bid: str, amount: int = 9_900, order: str | None = None,
           timeout: float = 10.0):  # type: ignore[no-untyped-def]
    request = ChargeRequest(order or f"imp_{secrets.token_hex(6)}", "sub_0001", amount, name="월 구독", now=clock.now())
    return request, run(lambda http: connector(http).charge_billing_key(context(nice.base_url, M), bid, request), timeout)


def test_billing_key_issue_charge_and_expire(nice: NiceEmulator, clock: OffsetClock) -> None:
    key = issue(nice, clock)
    assert key.billing_key.startswith("BIKY") and key.card_code == "365" and key.card_number == "536148******1234"
    request, result = charge(nice, clock, key.billing_key)
    assert result.outcome is Outcome.APPROVED and nice.charged(request.order_id) == 9_900
    duplicate = charge(nice, clock, key.billing_key, order=request.order_id)[1]
    assert duplicate.outcome is Outcome.DECLINED and duplicate.reason.startswith(f"[{codes.DUPLICATE_ORDER}]")
    ctx = context(nice.base_url, M)
    assert run(lambda http: connector(http).delete_billing_key(ctx, key.billing_key, clock.now())) is Outcome.APPROVED
    expired = charge(nice, clock, key.billing_key)[1]
    assert expired.outcome is Outcome.DECLINED and expired.reason.startswith(f"[{codes.BID_EXPIRED}]")
    # deleting again: NICE no longer knows it (A126), which is as good as deleted
    assert run(lambda http: connector(http).delete_billing_key(ctx, key.billing_key, clock.now())) is Outcome.APPROVED


@pytest.mark.parametrize(("number", "code"), [("4000-0000-0000-0069", "3021"), ("4000-0000-0000-0127", "F113")])
def test_billing_key_refused(nice: NiceEmulator, clock: OffsetClock, number: str, code: str) -> None:
    with pytest.raises(CardRefused, match=code):
        issue(nice, clock, _card(number))


@pytest.mark.parametrize(("amount", "code"), [(900, "3041"), (49_995, "3095")])
def test_billing_charge_declines(nice: NiceEmulator, clock: OffsetClock, amount: int, code: str) -> None:
    key = issue(nice, clock, _card("4000-0000-0000-9995") if code == "3095" else CARD)
    request, result = charge(nice, clock, key.billing_key, amount)
    assert result.outcome is Outcome.DECLINED and result.reason.startswith(f"[{code}]")
    assert nice.charged(request.order_id) == 0


def test_lost_billing_charge_settled_by_find(nice: NiceEmulator, clock: OffsetClock) -> None:
    key = issue(nice, clock, _card("4000-0000-0000-0119"))
    request = ChargeRequest(f"imp_{secrets.token_hex(6)}", "sub_0002", 9_900, name="월 구독", now=clock.now())
    ctx = context(nice.base_url, M)
    with pytest.raises(PgTransportError):
        run(lambda http: connector(http).charge_billing_key(ctx, key.billing_key, request), CLIENT_TIMEOUT)
    found = run(lambda http: connector(http).inquire(ctx, request.order_id, clock.now(), None))
    assert found.outcome is Outcome.APPROVED and nice.charged(request.order_id) == 9_900
    nothing = run(lambda http: connector(http).inquire(ctx, "imp_never_sent", clock.now(), None))
    assert nothing.outcome is Outcome.DECLINED
    # the lookup by orderId needs the order's day (orderDate, YYYYMMDD): another day finds nothing
    from paymux.connectors.nice.transformers import order_date

    def api(day: str) -> Any:
        return run(lambda http: client(http, nice.base_url, M).find(order_id=request.order_id, order_date=day))

    assert api(order_date(clock.now())).get("status") == "paid"  # type: ignore[union-attr]
    other_day = api(order_date(clock.now() - 3 * 86_400))
    assert isinstance(other_day, NiceError) and other_day.code == codes.NOT_FOUND
    no_day = nice.http.get(f"{nice.base_url}/v1/payments/find/{request.order_id}", headers={"Authorization": _basic()})
    assert no_day.json()["resultCode"] == codes.FIELD_MISSING


def test_keyin_registers_charges_and_expires_a_one_off_bid(nice: NiceEmulator, clock: OffsetClock) -> None:
    request = ChargeRequest(f"imp_{secrets.token_hex(6)}", "keyin_0001", 12_000, name="키인", now=clock.now())
    ctx = context(nice.base_url, M)
    result = run(lambda http: connector(http).charge_card(ctx, CARD, request))
    assert result.outcome is Outcome.APPROVED and nice.charged(request.order_id) == 12_000
    bid = nice.payments_for(request.order_id)[0]["bid"]
    assert next(k for k in nice.ledger()["billing_keys"] if k["bid"] == bid)["status"] == "expired"
    refused = run(lambda http: connector(http).charge_card(ctx, _card("4000-0000-0000-0069"), replace(request, order_id="imp_k2")))
    assert refused.outcome is Outcome.DECLINED and "3021" in refused.reason


def test_regist_with_undecryptable_card_data(nice: NiceEmulator) -> None:
    reply = nice.http.post(f"{nice.base_url}/v1/subscribe/regist", json={"encData": "00ff", "orderId": "bk_x"},
                           headers={"Authorization": _basic()})
    assert reply.status_code == 200 and reply.json()["resultCode"] == codes.DECRYPT_FAILED


# --- virtual accounts and webhooks --------------------------------------------------------------------
def test_vbank_issue_deposit_webhook(nice: NiceEmulator, clock: OffsetClock, hooks: NoticeReceiver) -> None:
    window = start(clock, 25_000, pay_method="vbank")
    opened = launch(nice, window)
    assert opened.fields["method"] == "vbank" and opened.fields["vbankHolder"] == "홍길동"
    returned = authenticate(opened)
    outcome = finish(nice, window, returned)
    assert outcome.result.outcome is Outcome.APPROVED and outcome.vbank is not None
    assert outcome.vbank.bank_code == "004" and outcome.vbank.account_number and outcome.vbank_due > clock.now()
    assert nice.charged(window.request.order_id) == 0
    before = len(hooks.received)
    deposit = nice.control("deposit", tid=returned["tid"])
    assert deposit.status_code == 200 and deposit.json()["status"] == "paid"
    hook = next(h for h in nice.hooks_for(window.request.order_id, status="paid") if h["status"] == "paid")
    assert hook["accepted"] and len(hooks.received) > before
    import json as _json

    headers, body = next((h, b) for h, b in reversed(hooks.received)
                         if _json.loads(b)["orderId"] == window.request.order_id and _json.loads(b)["status"] == "paid")
    assert headers["content-type"].startswith("application/json")
    sent = _json.loads(body)
    flat = {k: str(v) for k, v in sent.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
    notice = connector(None).parse_notice(flat)  # type: ignore[arg-type]
    assert notice.order_id == window.request.order_id and notice.amount == 25_000
    ctx = context(nice.base_url, M)
    confirmed = run(lambda http: connector(http).confirm_notice(ctx, notice))
    assert confirmed.mid == M.mid
    forged = replace(notice, amount=1)
    with pytest.raises(Refused):
        run(lambda http: connector(http).confirm_notice(ctx, forged))


def test_card_webhook_is_not_a_deposit(nice: NiceEmulator, clock: OffsetClock, hooks: NoticeReceiver) -> None:
    window, _, _ = pay(nice, clock)
    sent = nice.hooks_for(window.request.order_id, status="paid")
    assert sent and sent[0]["status"] == "paid" and sent[0]["accepted"]
    with pytest.raises(Refused):
        connector(None).parse_notice({"resultCode": "0000", "tid": "t", "orderId": window.request.order_id,  # type: ignore[arg-type]
                                      "payMethod": "card", "status": "paid", "amount": "14000"})


def test_a_lost_virtual_account_answer_closes_the_account(nice: NiceEmulator, clock: OffsetClock) -> None:
    window = start(clock, 20_119, pay_method="vbank")  # NICE opens the account, its answer is lost
    returned = authenticate(launch(nice, window))
    with pytest.raises(PgTransportError):
        finish(nice, window, returned, timeout=CLIENT_TIMEOUT)
    assert nice.payment(returned["tid"])["vbank"]  # type: ignore[index]
    ctx = context(nice.base_url, M)
    reference = {"kind": "nice_window", "tid": returned["tid"], "orderId": window.request.order_id, "price": "20119",
                 "vbank": "1"}
    found = run(lambda http: connector(http).inquire(ctx, window.request.order_id, clock.now(), reference))
    assert found.outcome is Outcome.DECLINED
    assert nice.payment(returned["tid"])["status"] == "cancelled"  # type: ignore[index]
    assert nice.control("deposit", tid=returned["tid"]).status_code == 404  # nothing can be paid into it any more

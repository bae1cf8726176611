"""Every scenario of the KG Mobilians emulator, through paymux's live connector over real HTTP on
loopback: the phone window (approve, each decline, user cancel, expiry, tamper, duplicate order, a
lost approval settled by cancellation), outage, cancels (in month, after month, partial, lost reply,
bad HMAC), the phone billing key and its charges (a lost charge settled by inquiry), and key-in."""

from __future__ import annotations

import secrets
from datetime import datetime

import httpx
import pytest

from paymux.clock import OffsetClock
from paymux.connectors.base import Buyer, CancelOrder, ChargeRequest, Outcome, WindowStart
from paymux.connectors.http import PgHttpStatusError, PgTransportError
from paymux.connectors.mobilians import codes, rules
from paymux.connectors.mobilians.client import MobiliansKeys
from paymux.connectors.mobilians.emulator import PAYMUX_LIVE_SERVICE
from paymux.connectors.mobilians.transformers import unpack_billing_key
from paymux.domain.card import CardDetails
from paymux.domain.channel import PayType
from paymux.domain.errors import Refused
from paymux.domain.payment import Payment, PaymentStatus
from tests.connectors.inicis.support import attrs_of, text_of
from tests.connectors.mobilians.conftest import CLIENT_TIMEOUT
from tests.connectors.mobilians.support import (
    DictLedger,
    MobiliansEmulator,
    authenticate,
    client,
    connector,
    context,
    run,
)

KEYS = PAYMUX_LIVE_SERVICE
RETURN_URL = "https://shop.example/checkout/pg/return?ticket=T1"
CLOSE_URL = "https://shop.example/checkout/pg/close?ticket=T1"


def start(clock: OffsetClock, amount: int = 14_000, *, billing: bool = False, order: str | None = None) -> WindowStart:
    request = ChargeRequest(order or f"imp_{secrets.token_hex(6)}", "order_no_0001", amount, name="주문명:결제테스트",
                            buyer=Buyer(name="홍길동", tel="010-1234-5678", email="buyer@example.com"), now=clock.now())
    return WindowStart(request=request, pay_method="phone", mobile=False, issues_billing_key=billing,
                       return_url=RETURN_URL, close_url=CLOSE_URL, notice_url="")


def launch(mobilians: MobiliansEmulator, window: WindowStart, ledger: DictLedger | None = None):  # type: ignore[no-untyped-def]
    ctx = context(mobilians.base_url, KEYS)
    return run(lambda http: connector(http, ledger or DictLedger()).start_window(ctx, window))


def finish(mobilians: MobiliansEmulator, window: WindowStart, returned: dict[str, str], timeout: float = 10.0):  # type: ignore[no-untyped-def]
    ctx = context(mobilians.base_url, KEYS)
    return run(lambda http: connector(http, DictLedger()).finish_window(ctx, window, returned), timeout)


def pay(mobilians: MobiliansEmulator, clock: OffsetClock, phone: str = "01012345678", amount: int = 14_000):  # type: ignore[no-untyped-def]
    window = start(clock, amount)
    opened = launch(mobilians, window)
    returned = authenticate(mobilians, opened.url, opened.fields["tid"], phone)
    return window, returned, finish(mobilians, window, returned)


def paid_payment(window: WindowStart, pg_tid: str, paid_at: int) -> Payment:
    payment = Payment(imp_uid=window.request.order_id, merchant_id=1, merchant_uid="o", amount=window.request.amount,
                      pay_method="phone")
    payment.status, payment.paid_at, payment.pg_tid = PaymentStatus.PAID, paid_at, pg_tid
    return payment


def cancel(mobilians: MobiliansEmulator, payment: Payment, amount: int, now: int, remaining: int | None = None):  # type: ignore[no-untyped-def]
    order = CancelOrder("c1", payment, amount, 0, "취소", remaining_after=payment.amount - payment.cancel_amount - amount
                        if remaining is None else remaining, now=now)
    return run(lambda http: connector(http, DictLedger()).cancel(context(mobilians.base_url, KEYS), order))


def at_kst(year: int, month: int, day: int, hour: int = 12) -> int:
    return int(datetime(year, month, day, hour, tzinfo=rules.KST).timestamp())


def move_to(clock: OffsetClock, moment: int) -> None:
    clock.advance(moment - clock.now())


# --- the window -------------------------------------------------------------------------------------

def test_a_phone_payment_registers_authenticates_by_sms_and_is_approved(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    window, returned, outcome = pay(mobilians, clock)
    assert returned["code"] == "0000" and returned["pay_token"] and returned["mobilians_ts"]
    assert outcome.result.outcome is Outcome.APPROVED and outcome.result.approval is not None
    assert outcome.result.approval.pg_tid == returned["pay_token"]
    at_pg = mobilians.payment(window.request.order_id)
    assert at_pg is not None and (at_pg["amount"], at_pg["balance"], at_pg["status"]) == (14_000, 14_000, "approved")
    registered = mobilians.requests_for(window.request.order_id, "registration")[0]["body"]
    assert (registered["cash_code"], registered["hybrid_pay"], registered["amount"]) == ("MC", "Y", {"total": 14_000})


@pytest.mark.parametrize(("phone", "code"), [("01012340031", "0031"), ("01012340098", "0098")])
def test_the_carrier_declines_at_approval_with_mobilians_code(mobilians: MobiliansEmulator, clock: OffsetClock, phone: str, code: str) -> None:
    window, _, outcome = pay(mobilians, clock, phone)
    assert outcome.result.outcome is Outcome.DECLINED and outcome.result.reason.startswith(f"[{code}]")
    assert mobilians.payment(window.request.order_id) is None


@pytest.mark.parametrize("code", ["0011", "0013", "0016", "0035"])
def test_a_phone_the_carrier_refuses_fails_in_the_window(mobilians: MobiliansEmulator, clock: OffsetClock, code: str) -> None:
    window = start(clock)
    opened = launch(mobilians, window)
    returned = authenticate(mobilians, opened.url, opened.fields["tid"], f"0101234{code}")
    assert returned["code"] == code and "pay_token" not in returned
    with pytest.raises(Refused, match=rf"\[{code}\]"):
        finish(mobilians, window, returned)
    assert mobilians.requests_for(window.request.order_id, "approval") == []


def test_a_wrong_sms_code_is_asked_again_with_0043(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    opened = launch(mobilians, start(clock))
    page = authenticate(mobilians, opened.url, opened.fields["tid"], code="000000")["page"]
    assert "[0043]" in (text_of(page, "window-error") or "") and attrs_of(page, "mobilians-window") is not None


def test_the_buyer_closing_the_window_goes_to_close_url(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    opened = launch(mobilians, start(clock))
    closed = httpx.post(mobilians.base_url + "/MUP/api/payment.mcash/close", data={"tid": opened.fields["tid"]})
    assert closed.status_code == 303 and closed.headers["location"] == CLOSE_URL


def test_the_window_expires_ten_minutes_after_its_time_stamp(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    opened = launch(mobilians, start(clock))
    clock.advance(11 * 60)
    page = httpx.get(opened.url, params={"tid": opened.fields["tid"]})
    assert page.status_code == 400 and text_of(page.text, "error-code") == codes.BAD_PARAMETER


def test_a_tampered_amount_is_refused_before_any_approval(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    window = start(clock, 50_000)
    opened = launch(mobilians, window)
    returned = {**authenticate(mobilians, opened.url, opened.fields["tid"]), "amount": "100"}
    with pytest.raises(Refused, match="amount/HMAC"):
        finish(mobilians, window, returned)
    forged_hmac = {**authenticate(mobilians, launch(mobilians, window).url, launch(mobilians, window).fields["tid"]), "hmac": "AAAA"}
    with pytest.raises(Refused, match="HMAC"):
        finish(mobilians, window, forged_hmac)
    assert mobilians.requests_for(window.request.order_id, "approval") == []


def test_an_order_mobilians_already_paid_cannot_be_registered_again(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    window, _, outcome = pay(mobilians, clock)
    assert outcome.result.outcome is Outcome.APPROVED
    with pytest.raises(Refused, match=r"\[0052\]"):
        launch(mobilians, start(clock, order=window.request.order_id))


def test_an_approval_whose_answer_is_lost_is_cancelled_by_inquiry(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    opened = launch(mobilians, window)
    returned = authenticate(mobilians, opened.url, opened.fields["tid"], "01012347777")
    ctx = context(mobilians.base_url, KEYS)
    reference = connector(None, DictLedger()).window_reference(ctx, window, returned)  # type: ignore[arg-type]
    with pytest.raises(PgTransportError):
        finish(mobilians, window, returned, timeout=CLIENT_TIMEOUT)
    assert mobilians.payment(window.request.order_id)["status"] == "approved"  # committed at Mobilians
    settled = run(lambda http: connector(http, DictLedger()).inquire(ctx, window.request.order_id, clock.now(), reference))
    assert settled.outcome is Outcome.DECLINED and "cancelled" in settled.reason
    assert mobilians.payment(window.request.order_id)["status"] == "cancelled"


def test_an_outage_is_an_unknown_http_status_and_registers_nothing(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    window = start(clock)
    mobilians.control("outage", on=True)
    try:
        with pytest.raises(PgHttpStatusError) as raised:
            launch(mobilians, window)
        assert raised.value.status == 503
    finally:
        mobilians.control("outage", on=False)
    assert mobilians.requests_for(window.request.order_id) == []


def test_an_unknown_service_id_is_0071(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    stranger = MobiliansKeys("000000000000", "nope")
    ctx = context(mobilians.base_url, stranger)
    with pytest.raises(Refused, match=r"\[0071\]"):
        run(lambda http: connector(http, DictLedger()).start_window(ctx, start(clock)))


# --- cancels ----------------------------------------------------------------------------------------

def test_a_full_cancel_in_the_month_then_again_is_already_cancelled(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    window, _, outcome = pay(mobilians, clock)
    payment = paid_payment(window, outcome.result.approval.pg_tid, clock.now())
    assert cancel(mobilians, payment, 14_000, clock.now()).outcome is Outcome.APPROVED
    assert mobilians.payment(window.request.order_id)["status"] == "cancelled"
    again = cancel(mobilians, payment, 14_000, clock.now())
    assert again.outcome is Outcome.DECLINED and again.reason.startswith("[0044]")


def test_a_cancel_after_the_payments_month_is_refused_before_mobilians_is_called(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    move_to(clock, at_kst(2026, 1, 31, 20))
    window, _, outcome = pay(mobilians, clock)
    payment = paid_payment(window, outcome.result.approval.pg_tid, clock.now())
    refused = cancel(mobilians, payment, 14_000, at_kst(2026, 2, 1, 9))
    assert refused.outcome is Outcome.DECLINED and refused.reason.startswith("[0042]") and "within their month" in refused.reason
    assert mobilians.requests_for(window.request.order_id, "cancellation") == []
    move_to(clock, at_kst(2026, 2, 1, 9))  # and Mobilians itself refuses it too
    direct = run(lambda http: client(http, mobilians.base_url, KEYS).cancellation(
        trade_id=window.request.order_id, pay_token=payment.pg_tid or "", amount=14_000, part_cancel=False))
    assert direct["code"] == "0042"


def test_a_phone_partial_cancel_sends_the_balance_left_and_an_over_cancel_is_0045(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    window, _, outcome = pay(mobilians, clock, amount=5_000)
    payment = paid_payment(window, outcome.result.approval.pg_tid, clock.now())
    assert cancel(mobilians, payment, 2_000, clock.now()).outcome is Outcome.APPROVED
    sent = mobilians.requests_for(window.request.order_id, "cancellation")[-1]["body"]
    assert (sent["part_cancel"], sent["amount"]) == ("Y", "3000")  # what remains, as Mobilians asks
    assert mobilians.payment(window.request.order_id)["balance"] == 3_000
    over = run(lambda http: client(http, mobilians.base_url, KEYS).cancellation(  # a "balance after" above the balance
        trade_id=window.request.order_id, pay_token=payment.pg_tid or "", amount=4_000, part_cancel=True))
    assert over["code"] == "0045" and mobilians.payment(window.request.order_id)["balance"] == 3_000


def test_a_cancel_whose_answer_is_lost_is_found_done_when_sent_again(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    window, _, outcome = pay(mobilians, clock)
    payment = paid_payment(window, outcome.result.approval.pg_tid, clock.now())
    order = CancelOrder("c1", payment, 14_000, 0, "취소", remaining_after=0, now=clock.now())
    ctx = context(mobilians.base_url, KEYS)
    mobilians.control("drop_reply", path="cancellation", count=1)
    with pytest.raises(PgTransportError):
        run(lambda http: connector(http, DictLedger()).cancel(ctx, order), CLIENT_TIMEOUT)
    found = run(lambda http: connector(http, DictLedger()).inquire_cancel(ctx, order))
    assert found.outcome is Outcome.APPROVED
    assert [e["amount"] for e in mobilians.ledger()["events"] if e.get("trade_id") == window.request.order_id and e["kind"] == "cancel"] == [-14_000]


def test_a_cancellation_with_a_bad_hmac_is_6102(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    window, _, outcome = pay(mobilians, clock)
    forger = MobiliansKeys(KEYS.sid, "not-the-skey")
    reply = run(lambda http: client(http, mobilians.base_url, forger).cancellation(
        trade_id=window.request.order_id, pay_token=outcome.result.approval.pg_tid, amount=14_000, part_cancel=False))
    assert reply["code"] == "6102" and mobilians.payment(window.request.order_id)["status"] == "approved"


# --- billing ----------------------------------------------------------------------------------------

def issue_key(mobilians: MobiliansEmulator, clock: OffsetClock, phone: str = "01012345678", ledger: DictLedger | None = None) -> str:
    window = start(clock, 0, billing=True)
    opened = launch(mobilians, window, ledger)
    returned = authenticate(mobilians, opened.url, opened.fields["tid"], phone)
    assert returned["mc_bill_key"] and returned["mc_user_key"]
    outcome = finish(mobilians, window, returned)
    assert outcome.billing_key is not None and outcome.result.outcome is Outcome.APPROVED
    assert mobilians.requests_for(window.request.order_id, "approval") == []  # nothing charged at key issue
    return outcome.billing_key.billing_key


def charge(mobilians: MobiliansEmulator, ledger: DictLedger, key: str, amount: int, now: int, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    request = ChargeRequest(f"imp_{secrets.token_hex(6)}", "m", amount, name="월 구독", now=now)
    ctx = context(mobilians.base_url, KEYS, pay_type=PayType.SUBSCRIPTION)
    return request, run(lambda http: connector(http, ledger).charge_billing_key(ctx, key, request), timeout)


def test_the_billing_window_issues_a_key_and_charges_nothing(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    key = issue_key(mobilians, clock)
    assert key.startswith("MCB1|") and mobilians.ledger()["bill_keys"]


def test_billing_charges_repeat_the_first_amount_on_its_day_month_end_clamped(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    ledger = DictLedger()
    move_to(clock, at_kst(2026, 1, 31))
    key = issue_key(mobilians, clock, ledger=ledger)
    first_request, first = charge(mobilians, ledger, key, 9_900, clock.now())
    assert first.outcome is Outcome.APPROVED and mobilians.payment(first_request.order_id)["amount"] == 9_900
    for when, amount, approved, why in [
        (at_kst(2026, 2, 28), 9_900, True, ""),              # no 31st in February: its last day
        (at_kst(2026, 3, 30), 9_900, False, "day 31"),
        (at_kst(2026, 3, 31), 10_000, False, "first amount"),
        (at_kst(2026, 3, 31), 9_900, True, ""),
        (at_kst(2026, 4, 30), 9_900, True, ""),              # April has 30 days
    ]:
        move_to(clock, when)
        request, result = charge(mobilians, ledger, key, amount, when)
        assert (result.outcome is Outcome.APPROVED) is approved, (when, result.reason)
        if not approved:
            assert why in result.reason
            assert mobilians.requests_for(request.order_id) == []  # refused before Mobilians is called


def test_the_carrier_refuses_a_rule_breaking_charge_with_0060_too(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    ledger = DictLedger()
    key = issue_key(mobilians, clock, ledger=ledger)
    assert charge(mobilians, ledger, key, 5_000, clock.now())[1].outcome is Outcome.APPROVED
    bill_key, user_key = key.split("|")[1:]
    reply = run(lambda http: client(http, mobilians.base_url, KEYS).approve_bill_key(
        trade_id=f"imp_{secrets.token_hex(6)}", amount=6_000, product_name="x", site_url="shop.example", bill_key=bill_key,
        mc_user_key=user_key))
    assert reply["code"] == "0060"


def test_a_limit_exceeded_phone_key_declines_its_charge_with_0031(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    ledger = DictLedger()
    key = issue_key(mobilians, clock, "01099990031", ledger)
    _, result = charge(mobilians, ledger, key, 5_000, clock.now())
    assert result.outcome is Outcome.DECLINED and result.reason.startswith("[0031]")
    assert ledger.data.get(next(iter(k for k in ledger.data if k.startswith("mobilians:first")), "")) is None


def test_a_billing_charge_whose_answer_is_lost_is_settled_by_inquiry_once(mobilians: MobiliansEmulator, clock: OffsetClock) -> None:
    ledger = DictLedger()
    key = issue_key(mobilians, clock, "01012347777", ledger)
    with pytest.raises(PgTransportError):
        charge(mobilians, ledger, key, 7_000, clock.now(), timeout=CLIENT_TIMEOUT)
    order_id = next(k for k in ledger.data if k.startswith("mobilians:charge:")).split(":", 2)[2]
    kept = str(ledger.data)  # the kept request is sealed: neither part of the bill key is there in clear
    bill_key, user_key = unpack_billing_key(key) or ("?", "?")
    assert bill_key not in kept and user_key not in kept
    ctx = context(mobilians.base_url, KEYS, pay_type=PayType.SUBSCRIPTION)
    found = run(lambda http: connector(http, ledger).inquire(ctx, order_id, clock.now()), 5.0)
    assert found.outcome is Outcome.APPROVED and found.approval is not None
    assert found.approval.pg_tid == mobilians.payment(order_id)["pay_token"]
    assert [e["amount"] for e in mobilians.ledger()["events"] if e.get("trade_id") == order_id and e["kind"] == "approval"] == [7_000]


def test_key_in_is_refused_without_calling_mobilians(mobilians: MobiliansEmulator) -> None:
    card = CardDetails.parse("5361-4812-3456-1234", "2030-12", "820213", "00")
    ctx = context(mobilians.base_url, KEYS)
    with pytest.raises(Refused, match="key-in"):
        run(lambda http: connector(http, DictLedger()).charge_card(ctx, card, ChargeRequest("i", "o", 1_000)))
    with pytest.raises(Refused, match="key-in"):
        run(lambda http: connector(http, DictLedger()).issue_billing_key(ctx, card, "c", 1))

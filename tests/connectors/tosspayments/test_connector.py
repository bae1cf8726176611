"""Every scenario of the Toss Payments emulator through the live connector (and its client), over real
HTTP on loopback: window + confirm, declines, the buyer cancelling, a tampered amount, an answer lost after
Toss committed, an outage, a duplicate orderId, idempotent replays, partial / double / over-cancels, a lost
cancel settled by its Idempotency-Key, billing keys from the window's authKey and their charges, key-in,
a virtual account with its DEPOSIT_CALLBACK, an expired window, and inquiry by orderId."""

from __future__ import annotations

import secrets
import time

import pytest

from paymux.clock import OffsetClock
from paymux.connectors.base import Buyer as PgBuyer
from paymux.connectors.base import CancelOrder, ChargeRequest, InvalidNotice, Outcome, WindowOutcome, WindowStart
from paymux.connectors.http import PgHttp, PgHttpStatusError, PgTransportError
from paymux.connectors.tosspayments import codes
from paymux.connectors.tosspayments.client import TossError, TossKeys, TossPaymentsClient
from paymux.connectors.tosspayments.connector import TossPaymentsConnector, confirm_key
from paymux.domain.card import CardDetails
from paymux.domain.channel import ChannelMode, PayType
from paymux.domain.errors import Refused
from paymux.domain.payment import Payment
from tests.connectors.tosspayments.conftest import CLIENT_TIMEOUT
from tests.connectors.tosspayments.support import LIVE_KEYS, Buyer, TossEmulator, context, query_of, run

RETURN = "https://paymux.example/checkout/pg/return?ticket=~abc"


def order() -> str:
    return "imp_" + secrets.token_hex(6)


def start(amount: int, *, pay_method: str = "card", billing: bool = False, order_id: str | None = None) -> WindowStart:
    request = ChargeRequest(order_id=order_id or order(), merchant_uid="m_" + secrets.token_hex(4), amount=amount,
                            name="토스 테스트 주문", buyer=PgBuyer(name="홍길동", email="buyer@example.com"), now=int(time.time()))
    return WindowStart(request=request, pay_method=pay_method, mobile=False, issues_billing_key=billing, return_url=RETURN,
                       close_url=RETURN.replace("return", "close"), notice_url="https://paymux.example/pg/tosspayments/notice",
                       vbank_due=int(time.time()) + 3 * 86400 if pay_method == "vbank" else 0)


def through_window(toss: TossEmulator, window: WindowStart, action: str = "pay", choice: str | None = None) -> dict[str, str]:
    """start_window → the SDK opens Toss's window with the launch fields → the buyer acts → Toss's
    redirect query (what paymux's return route reads)."""
    launch = run(lambda c: c.start_window(context(toss.base_url), window))
    assert launch.script_url == toss.base_url + "/js/v1/payment" and launch.script_call
    kind = "billing" if window.issues_billing_key else "payment"
    location = Buyer(toss.base_url).pay(Buyer(toss.base_url).window_url(kind, launch.fields), action, choice)
    assert location.startswith(RETURN)
    return {k: v for k, v in query_of(location).items() if k != "ticket"}


def finish(toss: TossEmulator, window: WindowStart, returned: dict[str, str], timeout: float = 10.0) -> WindowOutcome:
    return run(lambda c: c.finish_window(context(toss.base_url), window, returned), timeout)


def paid(window: WindowStart, outcome: WindowOutcome, cancelled: int = 0) -> Payment:
    assert outcome.result.approval is not None
    return Payment(imp_uid=window.request.order_id, merchant_id=1, merchant_uid=window.request.merchant_uid,
                   amount=window.request.amount, pg_tid=outcome.result.approval.pg_tid, cancel_amount=cancelled)


def cancel_order(payment: Payment, amount: int, remaining_after: int, *, reason: str = "고객 요청",
                 cancellation_id: str | None = None) -> CancelOrder:
    return CancelOrder(cancellation_id=cancellation_id or "c_" + secrets.token_hex(6), payment=payment, amount=amount,
                       tax_free=0, reason=reason, remaining_after=remaining_after, now=int(time.time()))


def approved(toss: TossEmulator, amount: int = 1000, choice: str | None = None) -> tuple[WindowStart, WindowOutcome]:
    window = start(amount)
    outcome = finish(toss, window, through_window(toss, window, choice=choice))
    assert outcome.result.outcome is Outcome.APPROVED, outcome.result.reason
    return window, outcome


def client(toss: TossEmulator, secret_key: str = LIVE_KEYS["secret_key"]) -> TossPaymentsClient:
    return TossPaymentsClient(TossKeys(LIVE_KEYS["client_key"], secret_key), PgHttp(10.0), toss.base_url)


# --- window + confirm ---------------------------------------------------------------------------------


def test_a_card_payment_is_confirmed_with_the_amount_and_order_of_the_window(toss: TossEmulator) -> None:
    window, outcome = approved(toss, 1004, choice="HYUNDAI_CHECK")
    approval = outcome.result.approval
    assert approval is not None and approval.pg_tid.startswith("tviva")
    assert (approval.card_code, approval.card_name, approval.card_type) == ("367", "현대카드", 1)
    assert approval.card_number and approval.card_number.startswith("433012")
    at_pg = toss.payments_for(window.request.order_id)
    assert [(p["status"], p["total"], p["payment_key"]) for p in at_pg] == [("DONE", 1004, approval.pg_tid)]
    confirm = [r for r in toss.ledger()["requests"] if r["path"] == "/v1/payments/confirm" and r["order_id"] == window.request.order_id]
    assert [(r["fields"], r["idempotency_key"]) for r in confirm] == [(["amount", "orderId", "paymentKey"],
                                                                        confirm_key(approval.pg_tid))]


def test_a_transfer_and_a_phone_payment_are_confirmed_with_their_method(toss: TossEmulator) -> None:
    transfer = start(7000, pay_method="trans")
    outcome = finish(toss, transfer, through_window(toss, transfer, choice="81"))
    assert outcome.result.approval is not None
    assert (outcome.result.approval.bank_code, outcome.result.approval.bank_name) == ("081", "하나은행")
    phone = start(3000, pay_method="phone")
    assert finish(toss, phone, through_window(toss, phone)).result.outcome is Outcome.APPROVED
    assert [(p["method"], p["status"]) for p in toss.payments_for(transfer.request.order_id) + toss.payments_for(phone.request.order_id)] \
        == [("계좌이체", "DONE"), ("휴대폰", "DONE")]


@pytest.mark.parametrize(("choice", "code"), [("REJECT", "REJECT_CARD_COMPANY"), ("LIMIT", "EXCEED_MAX_AMOUNT")])
def test_a_card_the_issuer_refuses_is_declined_with_tosss_code(toss: TossEmulator, choice: str, code: str) -> None:
    window = start(5000)
    outcome = finish(toss, window, through_window(toss, window, choice=choice))
    assert outcome.result.outcome is Outcome.DECLINED and outcome.result.reason.startswith(f"[{code}]")
    assert toss.money_moved(window.request.order_id) == 0


def test_amounts_ending_9001_and_9002_decline_at_confirm(toss: TossEmulator) -> None:
    for amount, code in ((19001, "REJECT_CARD_COMPANY"), (19002, "EXCEED_MAX_AMOUNT")):
        window = start(amount)
        outcome = finish(toss, window, through_window(toss, window))
        assert outcome.result.reason.startswith(f"[{code}]")


@pytest.mark.parametrize(("action", "code"), [("cancel", "PAY_PROCESS_CANCELED"), ("fail", "PAY_PROCESS_ABORTED")])
def test_a_buyer_who_leaves_the_window_comes_back_on_failurl_and_nothing_is_confirmed(toss: TossEmulator, action: str, code: str) -> None:
    window = start(1000)
    returned = through_window(toss, window, action=action)
    assert (returned["code"], returned["orderId"]) == (code, window.request.order_id)
    with pytest.raises(Refused, match=code):
        finish(toss, window, returned)
    assert toss.payments_for(window.request.order_id) == []


def test_a_tampered_amount_on_successurl_is_never_confirmed_and_toss_refuses_it_too(toss: TossEmulator) -> None:
    window = start(50000)
    returned = through_window(toss, window)
    with pytest.raises(Refused, match="nothing was confirmed"):
        finish(toss, window, {**returned, "amount": "100"})
    reply = run(lambda c: c.client(context(toss.base_url)).confirm(
        payment_key=returned["paymentKey"], order_id=window.request.order_id, amount=100))
    assert isinstance(reply, TossError) and (reply.status, reply.code) == (400, "INVALID_REQUEST")
    assert [p["status"] for p in toss.payments_for(window.request.order_id)] == ["IN_PROGRESS"]


def test_a_confirm_replayed_with_its_idempotency_key_gets_the_first_answer_and_charges_once(toss: TossEmulator) -> None:
    window, outcome = approved(toss, 2000)
    returned_key = outcome.reference["paymentKey"]
    again = run(lambda c: c.client(context(toss.base_url)).confirm(
        payment_key=returned_key, order_id=window.request.order_id, amount=2000, idempotency_key=confirm_key(returned_key)))
    assert isinstance(again, dict) and (again["status"], again["paymentKey"]) == ("DONE", returned_key)
    without_key = run(lambda c: c.client(context(toss.base_url)).confirm(payment_key=returned_key, order_id=window.request.order_id, amount=2000))
    assert isinstance(without_key, TossError) and without_key.code == "ALREADY_PROCESSED_PAYMENT"
    assert toss.money_moved(window.request.order_id) == 2000
    assert len(toss.events_for(window.request.order_id, "approval")) == 1


def test_a_second_payment_for_an_order_id_already_paid_is_refused_as_duplicated(toss: TossEmulator) -> None:
    window, _ = approved(toss, 1000)
    second = start(1000, order_id=window.request.order_id)
    outcome = finish(toss, second, through_window(toss, second))
    assert outcome.result.outcome is Outcome.DECLINED and outcome.result.reason.startswith("[DUPLICATED_ORDER_ID]")
    assert toss.money_moved(window.request.order_id) == 1000


def test_an_answer_lost_after_toss_confirmed_is_settled_as_paid_by_inquiry(toss: TossEmulator) -> None:
    window = start(10119)
    returned = through_window(toss, window)
    reference = run(lambda c: _reference(c, toss, window, returned))
    with pytest.raises(PgTransportError):
        finish(toss, window, returned, timeout=CLIENT_TIMEOUT)
    found = run(lambda c: c.inquire(context(toss.base_url), window.request.order_id, int(time.time()), reference))
    assert found.outcome is Outcome.APPROVED and found.approval is not None
    assert found.approval.pg_tid == returned["paymentKey"]
    assert toss.money_moved(window.request.order_id) == 10119


def test_a_confirm_that_never_reached_toss_is_confirmed_once_by_inquiry(toss: TossEmulator) -> None:
    window = start(3000)
    returned = through_window(toss, window)
    reference = run(lambda c: _reference(c, toss, window, returned))
    toss.control("outage", on=True)
    with pytest.raises(PgHttpStatusError):
        finish(toss, window, returned)
    toss.control("outage", on=False)
    assert [p["status"] for p in toss.payments_for(window.request.order_id)] == ["IN_PROGRESS"]  # nothing applied
    found = run(lambda c: c.inquire(context(toss.base_url), window.request.order_id, int(time.time()), reference))
    assert found.outcome is Outcome.APPROVED
    assert toss.money_moved(window.request.order_id) == 3000


def test_a_decline_whose_answer_was_lost_is_settled_as_declined(toss: TossEmulator) -> None:
    window = start(10101)
    returned = through_window(toss, window)
    reference = run(lambda c: _reference(c, toss, window, returned))
    with pytest.raises(PgTransportError):
        finish(toss, window, returned, timeout=CLIENT_TIMEOUT)
    found = run(lambda c: c.inquire(context(toss.base_url), window.request.order_id, int(time.time()), reference))
    assert found.outcome is Outcome.DECLINED and "ABORTED" in found.reason


def test_an_order_toss_never_saw_is_declined_by_inquiry(toss: TossEmulator) -> None:
    found = run(lambda c: c.inquire(context(toss.base_url), order(), int(time.time()), {}))
    assert found.outcome is Outcome.DECLINED and "NOT_FOUND_PAYMENT" in found.reason


def test_a_window_confirmed_after_ten_minutes_has_expired(toss: TossEmulator, toss_clock: OffsetClock) -> None:
    window = start(1000)
    returned = through_window(toss, window)
    toss_clock.advance(601)
    outcome = finish(toss, window, returned)
    assert outcome.result.outcome is Outcome.DECLINED and outcome.result.reason.startswith("[NOT_FOUND_PAYMENT_SESSION]")
    found = run(lambda c: c.inquire(context(toss.base_url), window.request.order_id, int(time.time()), {}))
    assert found.outcome is Outcome.DECLINED and "EXPIRED" in found.reason


def test_a_wrong_or_missing_secret_key_is_unauthorized(toss: TossEmulator) -> None:
    reply = run(lambda c: TossPaymentsClient(TossKeys("live_ck_x", "live_sk_wrong"), c._http, toss.base_url).payment_by_order("imp_123456"))
    assert isinstance(reply, TossError) and (reply.status, reply.code) == (401, "UNAUTHORIZED_KEY")


def test_toss_public_test_keys_serve_a_test_mode_channel_without_credentials(toss: TossEmulator) -> None:
    test_context = context(toss.base_url, {}, mid=codes.TEST_MID, mode=ChannelMode.TEST)
    connector = TossPaymentsConnector(PgHttp(10.0))
    assert connector.missing_credentials(test_context) == []
    assert connector.keys(test_context).secret_key == codes.PUBLIC_TEST_SECRET_KEY
    assert connector.missing_credentials(context(toss.base_url, {})) == ["client_key", "secret_key"]


# --- cancels ----------------------------------------------------------------------------------------


def test_partial_cancels_with_idempotency_keys_never_refund_twice(toss: TossEmulator) -> None:
    window, outcome = approved(toss, 1000)
    payment = paid(window, outcome)
    first = cancel_order(payment, 300, 700)
    done = run(lambda c: c.cancel(context(toss.base_url), first))
    assert done.outcome is Outcome.APPROVED and done.pg_tid
    retried = run(lambda c: c.cancel(context(toss.base_url), first))  # same cancellation → same Idempotency-Key
    assert (retried.outcome, retried.pg_tid) == (Outcome.APPROVED, done.pg_tid)
    assert toss.money_moved(window.request.order_id) == 700
    payment = paid(window, outcome, cancelled=300)
    over = run(lambda c: c.cancel(context(toss.base_url), cancel_order(payment, 800, 0)))
    assert over.outcome is Outcome.DECLINED and over.reason.startswith("[NOT_MATCHES_REFUNDABLE_AMOUNT]")
    rest = run(lambda c: c.cancel(context(toss.base_url), cancel_order(payment, 700, 0)))
    assert rest.outcome is Outcome.APPROVED
    again = run(lambda c: c.client(context(toss.base_url)).cancel(
        outcome.reference["paymentKey"], reason="again", amount=None, tax_free=None, refundable_amount=None,
        refund_account=None, idempotency_key="again-" + window.request.order_id))
    assert isinstance(again, TossError) and (again.status, again.code) == (400, "ALREADY_CANCELED_PAYMENT")
    assert toss.money_moved(window.request.order_id) == 0
    assert [p["status"] for p in toss.payments_for(window.request.order_id)] == ["CANCELED"]


def test_a_cancel_over_the_balance_is_refused_by_toss(toss: TossEmulator) -> None:
    window, outcome = approved(toss, 1000)
    reply = run(lambda c: c.client(context(toss.base_url)).cancel(
        outcome.reference["paymentKey"], reason="over", amount=1001, tax_free=None, refundable_amount=None,
        refund_account=None, idempotency_key="over-" + window.request.order_id))
    assert isinstance(reply, TossError) and (reply.status, reply.code) == (403, "NOT_CANCELABLE_AMOUNT")


def test_a_cancel_whose_answer_was_lost_is_settled_by_resending_it_with_the_same_key(toss: TossEmulator) -> None:
    window, outcome = approved(toss, 1000)
    lost = cancel_order(paid(window, outcome), 400, 600, reason="lost-reply 고객 요청")
    with pytest.raises(PgTransportError):
        run(lambda c: c.cancel(context(toss.base_url), lost), timeout=CLIENT_TIMEOUT)
    settled = run(lambda c: c.inquire_cancel(context(toss.base_url), lost))
    assert settled.outcome is Outcome.APPROVED and settled.pg_tid
    assert toss.money_moved(window.request.order_id) == 600
    assert len(toss.events_for(window.request.order_id, "cancel")) == 1


# --- billing ------------------------------------------------------------------------------------------


def billing_key(toss: TossEmulator, choice: str | None = None) -> str:
    window = start(0, billing=True)
    returned = through_window(toss, window, choice=choice)
    assert returned["authKey"] and returned["customerKey"].startswith("paymux_")
    outcome = finish(toss, window, returned)
    assert outcome.result.outcome is Outcome.APPROVED and outcome.billing_key is not None
    assert toss.money_moved(window.request.order_id) == 0  # registering a card charges nothing
    return outcome.billing_key.billing_key


def charge(order_id: str, amount: int) -> ChargeRequest:
    return ChargeRequest(order_id=order_id, merchant_uid="m_" + order_id, amount=amount, name="정기결제", now=int(time.time()))


def test_a_billing_key_from_the_windows_authkey_is_charged_later(toss: TossEmulator) -> None:
    key = billing_key(toss)
    first, second = order(), order()
    for order_id, amount in ((first, 9900), (second, 9900)):
        request = charge(order_id, amount)
        result = run(lambda c, request=request: c.charge_billing_key(context(toss.base_url, pay_type=PayType.SUBSCRIPTION), key, request))
        assert result.outcome is Outcome.APPROVED and result.approval is not None and result.approval.card_code == "366"
        assert toss.money_moved(order_id) == amount
    again = run(lambda c: c.charge_billing_key(context(toss.base_url), key, charge(first, 9900)))
    assert again.outcome is Outcome.APPROVED  # replayed by its Idempotency-Key: still charged once
    assert toss.money_moved(first) == 9900


def test_billing_charges_decline_with_a_refused_card_another_customer_key_or_a_duplicate_order(toss: TossEmulator) -> None:
    refused = billing_key(toss, choice="REJECT")
    result = run(lambda c: c.charge_billing_key(context(toss.base_url), refused, charge(order(), 5000)))
    assert result.outcome is Outcome.DECLINED and result.reason.startswith("[REJECT_CARD_COMPANY]")
    key = billing_key(toss)
    toss_key = key.split("|")[0]
    result = run(lambda c: c.charge_billing_key(context(toss.base_url), f"{toss_key}|someone_else", charge(order(), 5000)))
    assert result.outcome is Outcome.DECLINED and result.reason.startswith("[NOT_MATCHES_CUSTOMER_KEY]")
    taken = order()
    assert run(lambda c: c.charge_billing_key(context(toss.base_url), key, charge(taken, 5000))).outcome is Outcome.APPROVED
    reply = run(lambda c: c.client(context(toss.base_url)).charge_billing(
        toss_key, {"customerKey": key.split("|")[1], "amount": 5000, "orderId": taken, "orderName": "again"}))
    assert isinstance(reply, TossError) and reply.code == "DUPLICATED_ORDER_ID"


def test_a_lost_billing_charge_is_settled_by_inquiry_by_order_id(toss: TossEmulator) -> None:
    key = billing_key(toss)
    lost = order()
    with pytest.raises(PgTransportError):
        run(lambda c: c.charge_billing_key(context(toss.base_url), key, charge(lost, 20119)), timeout=CLIENT_TIMEOUT)
    found = run(lambda c: c.inquire(context(toss.base_url), lost, int(time.time()), {}))
    assert found.outcome is Outcome.APPROVED and toss.money_moved(lost) == 20119


def test_key_in_payments_and_card_billing_keys_take_card_data(toss: TossEmulator) -> None:
    card = CardDetails(number="4330123412341234", expiry_year=2099, expiry_month=12, birth="880101", pwd_2digit="12")
    order_id = order()
    result = run(lambda c: c.charge_card(context(toss.base_url, pay_type=PayType.API), card, charge(order_id, 1500)))
    assert result.outcome is Outcome.APPROVED and toss.money_moved(order_id) == 1500
    issued = run(lambda c: c.issue_billing_key(context(toss.base_url, pay_type=PayType.API), card, "customer_1", int(time.time())))
    assert issued.card_code == "367" and issued.card_number and issued.card_number.startswith("433012")
    expired = CardDetails(number="4330123412341234", expiry_year=2001, expiry_month=1, birth="880101")
    declined = run(lambda c: c.charge_card(context(toss.base_url), expired, charge(order(), 1500)))
    assert declined.outcome is Outcome.DECLINED and declined.reason.startswith("[INVALID_CARD_EXPIRATION]")


# --- virtual accounts -----------------------------------------------------------------------------------


def test_a_virtual_account_waits_for_its_deposit_and_the_deposit_callback_is_confirmed_with_toss(toss: TossEmulator) -> None:
    window = start(25000, pay_method="vbank")
    outcome = finish(toss, window, through_window(toss, window, choice="20"))
    assert outcome.result.outcome is Outcome.APPROVED and outcome.vbank is not None
    assert (outcome.vbank.bank_code, outcome.vbank.bank_name, outcome.vbank.holder) == ("020", "우리은행", "홍길동")
    assert abs(outcome.vbank_due - window.vbank_due) <= 1
    assert toss.money_moved(window.request.order_id) == 0
    callback = toss.control("deposit", orderId=window.request.order_id)["callback"]
    assert sorted(callback) == ["createdAt", "orderId", "secret", "status", "transactionKey"]
    notice = run(lambda c: c.confirm_notice(context(toss.base_url), c.parse_notice({k: str(v) for k, v in callback.items()})))
    assert (notice.order_id, notice.pg_tid, notice.amount, notice.mid) == (
        window.request.order_id, outcome.vbank.pg_tid, 25000, "paymuxlive")
    toss.control("outage", on=True)  # Toss cannot be asked: refused for now (Toss resends until HTTP 200)
    with pytest.raises(InvalidNotice, match="resend"):
        run(lambda c: c.confirm_notice(context(toss.base_url), c.parse_notice({k: str(v) for k, v in callback.items()})))
    toss.control("outage", on=False)
    forged = {k: str(v) for k, v in callback.items()} | {"secret": "ps_forged"}
    with pytest.raises(InvalidNotice):
        run(lambda c: c.confirm_notice(context(toss.base_url), c.parse_notice(forged)))
    assert toss.money_moved(window.request.order_id) == 25000


def test_an_unpaid_virtual_account_is_closed_and_a_lost_one_is_cancelled_by_inquiry(toss: TossEmulator) -> None:
    window = start(30000, pay_method="vbank")
    outcome = finish(toss, window, through_window(toss, window))
    closed = run(lambda c: c.close_vbank(context(toss.base_url), paid(window, outcome), int(time.time())))
    assert closed.outcome is Outcome.APPROVED
    assert [p["status"] for p in toss.payments_for(window.request.order_id)] == ["CANCELED"]
    lost = start(30000, pay_method="vbank")
    returned = through_window(toss, lost)
    reference = run(lambda c: _reference(c, toss, lost, returned))
    assert finish(toss, lost, returned).vbank is not None  # … but paymux never recorded it
    found = run(lambda c: c.inquire(context(toss.base_url), lost.request.order_id, int(time.time()), reference))
    assert found.outcome is Outcome.DECLINED
    assert [p["status"] for p in toss.payments_for(lost.request.order_id)] == ["CANCELED"]


def test_the_rest_api_opens_a_virtual_account(toss: TossEmulator) -> None:
    order_id = order()
    issued = run(lambda c: c.issue_vbank(context(toss.base_url), charge(order_id, 12000), "088", int(time.time()) + 86400, "홍길동"))
    assert (issued.bank_code, issued.holder) == ("088", "홍길동") and issued.account_number
    assert [p["status"] for p in toss.payments_for(order_id)] == ["WAITING_FOR_DEPOSIT"]


async def _reference(connector: TossPaymentsConnector, toss: TossEmulator, window: WindowStart, returned: dict[str, str]) -> dict[str, str]:
    return connector.window_reference(context(toss.base_url), window, returned)

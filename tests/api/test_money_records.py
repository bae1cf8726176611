"""Issue 16: the record says what moved at the PG. Each case the issue found, with the value it must
show, through the real HTTP API on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.api.test_schedules import run_scheduler
from tests.checkout.test_window_rules import open_window, param, rsp_of
from tests.harness import CARD_OK, GatewayServer, TestMerchant, unique

KST = timezone(timedelta(hours=9))


@pytest.fixture
def customer(shop: TestMerchant) -> str:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    return uid


def _schedule(shop: TestMerchant, customer_uid: str, order: str, at: int, amount: int):  # type: ignore[no-untyped-def]
    item = {"merchant_uid": order, "schedule_at": at, "amount": amount, "name": "월 구독"}
    return shop.api("POST", "/subscribe/payments/schedule", json={"customer_uid": customer_uid, "schedules": [item]})


# 1. A schedule on an already-paid order ----------------------------------------------------------------


def test_schedule_of_an_already_paid_order_is_refused(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    order = unique("cd_1")
    paid = shop.again(customer, order, amount=1000).expect_ok()
    refused = _schedule(shop, customer, order, gateway.clock.now() + 60, 7777)
    assert (refused.status, refused.code, refused.response) == (200, -1, None)
    assert order in refused.message and "already paid" in refused.message
    assert shop.api("GET", f"/subscribe/payments/schedule/{order}").status == 404
    run_scheduler(gateway, 61)
    found = shop.api("GET", f"/payments/findAll/{order}").expect_ok()
    assert [(p["imp_uid"], p["amount"]) for p in found["list"]] == [(paid["imp_uid"], 1000)]


def test_order_paid_between_booking_and_run_fails_the_run_without_adopting(
    gateway: GatewayServer, shop: TestMerchant, customer: str
) -> None:
    order = unique("cd_1")
    _schedule(shop, customer, order, gateway.clock.now() + 60, 7777).expect_ok()
    paid = shop.again(customer, order, amount=1000).expect_ok()
    run_scheduler(gateway, 61)
    run = shop.api("GET", f"/subscribe/payments/schedule/{order}").expect_ok()
    assert (run["schedule_status"], run["payment_status"], run["imp_uid"]) == ("executed", "failed", None)
    assert paid["imp_uid"] in run["fail_reason"] and "nothing was charged" in run["fail_reason"]
    found = shop.api("GET", f"/payments/findAll/{order}").expect_ok()
    assert [(p["imp_uid"], p["amount"]) for p in found["list"]] == [(paid["imp_uid"], 1000)]


# 2. A Kakao Pay billing-key window with an amount --------------------------------------------------------


@pytest.fixture
def window_shop(gateway: GatewayServer) -> TestMerchant:
    merchant = gateway.create_merchant("window shop")
    merchant.add_channel("html5_inicis", "general", default=True)
    merchant.add_channel("html5_inicis", "subscription")
    merchant.add_channel("kakaopay", "simple")
    return merchant


def _billing_window(gateway: GatewayServer, shop: TestMerchant, pg: str, customer_uid: str, amount: int) -> dict:
    window = open_window(gateway, shop.user_code, param(unique("first"), pg=pg, amount=amount, customer_uid=customer_uid))
    assert window.ticket, window.reply.text[:300]
    return rsp_of(httpx.post(gateway.base_url + "/checkout/approve", data={"ticket": window.ticket}, timeout=30)
                  if pg == "kakaopay" else
                  httpx.post(gateway.base_url + "/checkout/approve", data={
                      "ticket": window.ticket, "card_number": CARD_OK, "expiry": "2030-12",
                      "birth": "820213", "pwd_2digit": "00"}, timeout=30))


def test_kakao_pay_billing_window_with_an_amount_issues_the_key_and_charges_it(
    gateway: GatewayServer, window_shop: TestMerchant
) -> None:
    customer_uid = unique("kakao_sid")
    rsp = _billing_window(gateway, window_shop, "kakaopay", customer_uid, 5900)
    assert (rsp["success"], rsp["customer_uid"], rsp["paid_amount"]) == (True, customer_uid, 5900)
    stored = window_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["pg_provider"]) == ("paid", 5900, "kakaopay")
    assert stored["pg_tid"] and stored["customer_uid_usage"] == "issue"
    window_shop.api("GET", f"/subscribe/customers/{customer_uid}").expect_ok()
    cancelled = window_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"]}).expect_ok()
    assert (cancelled["status"], cancelled["cancel_amount"]) == ("cancelled", 5900)


def test_inicis_billing_window_with_an_amount_still_charges_nothing(gateway: GatewayServer, window_shop: TestMerchant) -> None:
    customer_uid = unique("inicis_key")
    rsp = _billing_window(gateway, window_shop, "html5_inicis", customer_uid, 5900)
    assert (rsp["success"], rsp["paid_amount"]) == (True, 0)
    assert window_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["amount"] == 0


# 3. vbank_due in YYYYMMDDhhmm on POST /vbanks --------------------------------------------------------------


def _vbank(shop: TestMerchant, due: object):  # type: ignore[no-untyped-def]
    return shop.api("POST", "/vbanks", json={
        "merchant_uid": unique("vb"), "amount": 25_000, "vbank_code": "004", "vbank_due": due,
        "vbank_holder": "페이먹스상점", "name": "가상계좌 주문"})


def test_vbank_due_in_korean_date_time_is_korean_time(gateway: GatewayServer, shop: TestMerchant) -> None:
    moment = datetime.fromtimestamp(gateway.clock.now() + 3 * 86_400, KST).replace(second=0, microsecond=0)
    issued = _vbank(shop, moment.strftime("%Y%m%d%H%M")).expect_ok()
    assert issued["vbank_date"] == int(moment.timestamp())
    day_only = _vbank(shop, moment.strftime("%Y%m%d")).expect_ok()
    assert day_only["vbank_date"] == int(moment.replace(hour=23, minute=59).timestamp())
    as_seconds = _vbank(shop, str(int(moment.timestamp()))).expect_ok()
    assert as_seconds["vbank_date"] == int(moment.timestamp())
    changed = shop.api("PUT", f"/vbanks/{issued['imp_uid']}",
                       json={"vbank_due": (moment + timedelta(days=1)).strftime("%Y%m%d%H%M")}).expect_ok()
    assert changed["vbank_date"] == int((moment + timedelta(days=1)).timestamp())


@pytest.mark.parametrize("due", ["203013011200", "203001012460", "2030-01-01", "20300101123000", "tomorrow", 1.5, True])
def test_vbank_due_neither_date_nor_seconds_is_refused(shop: TestMerchant, due: object) -> None:
    reply = _vbank(shop, due)
    assert (reply.status, reply.code, reply.response) == (400, -1, None)
    assert "vbank_due" in reply.message


# 4. Tax-free refunds never exceed the tax-free amount paid ----------------------------------------------


def test_tax_free_cancels_never_exceed_the_tax_free_paid(shop: TestMerchant, customer: str) -> None:
    paid = shop.again(customer, unique("tf"), amount=11_000, tax_free=1_000).expect_ok()
    assert paid["amount"] == 11_000
    cancel = {"imp_uid": paid["imp_uid"], "amount": 3_000}
    shop.api("POST", "/payments/cancel", json={**cancel, "tax_free": 500}).expect_ok()
    over = shop.api("POST", "/payments/cancel", json={**cancel, "tax_free": 800})
    assert (over.status, over.code, over.response) == (200, -1, None)
    assert "tax_free" in over.message and "500" in over.message
    rest = shop.api("POST", "/payments/cancel", json={**cancel, "tax_free": 500}).expect_ok()
    assert rest["cancel_amount"] == 6_000
    again = shop.api("POST", "/payments/cancel", json={**cancel, "tax_free": 1})
    assert again.code == -1 and "tax_free" in again.message


# 5. A refunded scheduled charge reads cancelled on its schedule ------------------------------------------


def test_refunded_scheduled_charge_reads_cancelled_on_its_schedule(
    gateway: GatewayServer, shop: TestMerchant, customer: str
) -> None:
    order = unique("sched")
    _schedule(shop, customer, order, gateway.clock.now() + 60, 9_900).expect_ok()
    run_scheduler(gateway, 61)
    run = shop.api("GET", f"/subscribe/payments/schedule/{order}").expect_ok()
    assert run["payment_status"] == "paid"
    shop.api("POST", "/payments/cancel", json={"imp_uid": run["imp_uid"], "amount": 900}).expect_ok()
    assert shop.api("GET", f"/subscribe/payments/schedule/{order}").expect_ok()["payment_status"] == "paid"
    shop.api("POST", "/payments/cancel", json={"imp_uid": run["imp_uid"]}).expect_ok()
    refunded = shop.api("GET", f"/subscribe/payments/schedule/{order}").expect_ok()
    assert (refunded["schedule_status"], refunded["payment_status"], refunded["imp_uid"]) == ("executed", "cancelled", run["imp_uid"])
    listed = shop.api("GET", f"/subscribe/customers/{customer}/schedules",
                      params={"from": 0, "to": gateway.clock.now() + 1_000}).expect_ok()
    assert [s["payment_status"] for s in listed["list"] if s["merchant_uid"] == order] == ["cancelled"]


# Also found: the schedule list's order and limit -------------------------------------------------------


def test_schedule_list_is_latest_first_unless_sorting_scheduled(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    now = gateway.clock.now()
    orders = [unique("s") for _ in range(3)]
    items = [{"merchant_uid": o, "schedule_at": now + 100 * (i + 1), "amount": 1_000} for i, o in enumerate(orders)]
    shop.api("POST", "/subscribe/payments/schedule", json={"customer_uid": customer, "schedules": items}).expect_ok()
    window = {"schedule_from": now, "schedule_to": now + 1_000}
    latest = shop.api("GET", "/subscribe/payments/schedule", params=window).expect_ok()
    assert [s["merchant_uid"] for s in latest["list"]] == orders[::-1]
    oldest = shop.api("GET", "/subscribe/payments/schedule", params={**window, "sorting": "scheduled"}).expect_ok()
    assert [s["merchant_uid"] for s in oldest["list"]] == orders
    big = shop.api("GET", "/subscribe/payments/schedule", params={**window, "limit": 1000}).expect_ok()
    assert big["total"] == 3 and len(big["list"]) == 3
    for bad in ({"limit": 1001}, {"limit": 0}, {"sorting": "amount"}):
        reply = shop.api("GET", "/subscribe/payments/schedule", params={**window, **bad})
        assert (reply.status, reply.code) == (400, -1), bad

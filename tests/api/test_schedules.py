"""Scheduled payments through the API, executed by the scheduler job as the worker runs it."""

from __future__ import annotations

import pytest
from iamport import Iamport

from paymux.services.schedules import execute_due_schedules
from tests.harness import CARD_REFUSED, GatewayServer, TestMerchant, unique


@pytest.fixture
def customer(shop: TestMerchant) -> str:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    return uid


def _schedule(shop: TestMerchant, gateway: GatewayServer, customer_uid: str, *offsets: int, amount: int = 9_900) -> list[dict]:
    items = [
        {"merchant_uid": unique("sched"), "schedule_at": gateway.clock.now() + offset, "amount": amount, "name": "월 구독",
         "buyer_name": "구독자", "custom_data": {"plan": "basic"}}
        for offset in offsets
    ]
    return shop.api("POST", "/subscribe/payments/schedule", json={"customer_uid": customer_uid, "schedules": items}).expect_ok()


def _run_scheduler(gateway: GatewayServer, seconds: int) -> None:
    gateway.clock.advance(seconds)
    try:
        while gateway.call(execute_due_schedules):
            pass
    finally:
        gateway.clock.reset()


def test_schedule_then_execute_when_due(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    soon, later = _schedule(shop, gateway, customer, 60, 86_400)
    assert (soon["schedule_status"], soon["imp_uid"], soon["payment_status"], soon["executed_at"]) == ("scheduled", None, None, 0)
    assert soon["custom_data"] == '{"plan": "basic"}' and soon["customer_uid"] == customer

    _run_scheduler(gateway, 61)
    executed = shop.api("GET", f"/subscribe/payments/schedule/{soon['merchant_uid']}").expect_ok()
    assert (executed["schedule_status"], executed["payment_status"]) == ("executed", "paid")
    assert executed["executed_at"] > 0
    payment = shop.api("GET", f"/payments/{executed['imp_uid']}").expect_ok()
    assert (payment["status"], payment["amount"], payment["customer_uid_usage"]) == ("paid", 9_900, "payment.scheduled")
    assert payment["merchant_uid"] == soon["merchant_uid"]
    still = shop.api("GET", f"/subscribe/payments/schedule/{later['merchant_uid']}").expect_ok()
    assert still["schedule_status"] == "scheduled"

    _run_scheduler(gateway, 61)  # running again charges nothing twice
    assert shop.api("GET", f"/payments/findAll/{soon['merchant_uid']}").expect_ok()["total"] == 1


def test_declined_schedule_records_the_failure(gateway: GatewayServer, shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid, card_number=CARD_REFUSED).expect_ok()
    (item,) = _schedule(shop, gateway, uid, 30)
    _run_scheduler(gateway, 31)
    executed = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (executed["schedule_status"], executed["payment_status"]) == ("executed", "failed")
    assert "승인거절" in executed["fail_reason"]


def test_lists_by_range_status_and_customer(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    now = gateway.clock.now()
    first, second, third = _schedule(shop, gateway, customer, 100, 200, 300)
    listed = shop.api("GET", "/subscribe/payments/schedule",
                      params={"schedule_from": now + 150, "schedule_to": now + 400, "schedule_status": "scheduled"}).expect_ok()
    assert [s["merchant_uid"] for s in listed["list"]] == [second["merchant_uid"], third["merchant_uid"]]
    mine = shop.api("GET", f"/subscribe/customers/{customer}/schedules", params={"from": now, "to": now + 1000, "limit": 2}).expect_ok()
    assert (mine["total"], len(mine["list"]), mine["next"]) == (3, 2, 2)
    assert shop.api("GET", "/subscribe/customers/nobody/schedules", params={"from": 0, "to": 1}).status == 404
    assert shop.api("GET", "/subscribe/payments/schedule", params={"schedule_from": 10}).status == 400


def test_unschedule_and_deleting_the_key_revoke(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    first, second, third = _schedule(shop, gateway, customer, 100, 200, 300)
    revoked = shop.api("POST", "/subscribe/payments/unschedule", json={"customer_uid": customer, "merchant_uid": [first["merchant_uid"]]}).expect_ok()
    assert [(s["merchant_uid"], s["schedule_status"]) for s in revoked] == [(first["merchant_uid"], "revoked")]
    assert revoked[0]["revoked_at"] > 0
    shop.api("DELETE", f"/subscribe/customers/{customer}").expect_ok()
    for item in (second, third):
        assert shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()["schedule_status"] == "revoked"
    _run_scheduler(gateway, 400)
    assert shop.api("GET", f"/payments/find/{second['merchant_uid']}").status == 404  # never charged
    nothing = shop.api("POST", "/subscribe/payments/unschedule", json={"customer_uid": customer})
    assert nothing.code == 1


def test_refusals(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    unknown = shop.api("POST", "/subscribe/payments/schedule", json={
        "customer_uid": "nobody", "schedules": [{"merchant_uid": unique("s"), "schedule_at": gateway.clock.now() + 60, "amount": 100}]})
    assert (unknown.status, unknown.code) == (200, 1) and "등록되지 않은 구매자입니다" in unknown.message
    (item,) = _schedule(shop, gateway, customer, 60)
    again = shop.api("POST", "/subscribe/payments/schedule", json={
        "customer_uid": customer, "schedules": [{"merchant_uid": item["merchant_uid"], "schedule_at": gateway.clock.now() + 60, "amount": 100}]})
    assert again.code == -1 and "already scheduled" in again.message
    past = shop.api("POST", "/subscribe/payments/schedule", json={
        "customer_uid": customer, "schedules": [{"merchant_uid": unique("s"), "schedule_at": 1_000, "amount": 100}]})
    assert past.status == 400 and "schedule_at" in past.message
    for bad in ({"customer_uid": customer}, {"customer_uid": customer, "schedules": []},
                {"customer_uid": customer, "schedules": [{"merchant_uid": "x", "schedule_at": "soon", "amount": 1}]}):
        assert shop.api("POST", "/subscribe/payments/schedule", json=bad).status == 400
    assert shop.api("GET", "/subscribe/payments/schedule/nothing-here").status == 404


def test_official_client_schedule_calls(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    client = Iamport(shop.imp_key, shop.imp_secret, imp_url=gateway.base_url + "/")
    merchant_uid = unique("sched")
    at = gateway.clock.now() + 3_600
    created = client.pay_schedule(customer_uid=customer, schedules=[{"merchant_uid": merchant_uid, "schedule_at": at, "amount": 5_000}])
    assert created[0]["merchant_uid"] == merchant_uid
    assert client.pay_schedule_get(merchant_uid)["schedule_at"] == at
    between = client.pay_schedule_get_between(schedule_from=at - 1, schedule_to=at + 1)
    assert merchant_uid in [s["merchant_uid"] for s in between["list"]]
    assert client.pay_unschedule(customer_uid=customer, merchant_uid=[merchant_uid])[0]["schedule_status"] == "revoked"
    with pytest.raises(Iamport.ResponseError) as refused:
        client.pay_schedule(customer_uid="nobody", schedules=[{"merchant_uid": unique("s"), "schedule_at": at, "amount": 1}])
    assert refused.value.code == 1

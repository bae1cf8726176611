"""Scheduled payments through the API, executed by the scheduler job as the worker runs it."""

from __future__ import annotations

import json

import pytest
from iamport import Iamport
from sqlalchemy import update

from paymux.domain import ids
from paymux.domain.payment import NEVER_REACHED_PG, CustomerUidUsage, Payment
from paymux.services.billing import PaymentDetails, charge_again
from paymux.services.channels import list_channels
from paymux.services.charging import record_attempt
from paymux.services.reconcile import settle_pending_outcomes
from paymux.services.schedules import execute_due_schedules
from paymux.store.schema import schedules as schedules_table
from tests.harness import (
    CARD_REFUSED,
    CARD_TIMEOUT_APPROVED,
    GatewayServer,
    TestMerchant,
    unique,
)


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


def run_scheduler(gateway: GatewayServer, seconds: int) -> None:
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

    run_scheduler(gateway, 61)
    executed = shop.api("GET", f"/subscribe/payments/schedule/{soon['merchant_uid']}").expect_ok()
    assert (executed["schedule_status"], executed["payment_status"]) == ("executed", "paid")
    assert executed["executed_at"] > 0
    payment = shop.api("GET", f"/payments/{executed['imp_uid']}").expect_ok()
    assert (payment["status"], payment["amount"], payment["customer_uid_usage"]) == ("paid", 9_900, "payment.scheduled")
    assert payment["merchant_uid"] == soon["merchant_uid"]
    still = shop.api("GET", f"/subscribe/payments/schedule/{later['merchant_uid']}").expect_ok()
    assert still["schedule_status"] == "scheduled"

    run_scheduler(gateway, 61)  # running again charges nothing twice
    assert shop.api("GET", f"/payments/findAll/{soon['merchant_uid']}").expect_ok()["total"] == 1


def test_declined_schedule_records_the_failure(gateway: GatewayServer, shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid, card_number=CARD_REFUSED).expect_ok()
    (item,) = _schedule(shop, gateway, uid, 30)
    run_scheduler(gateway, 31)
    executed = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (executed["schedule_status"], executed["payment_status"]) == ("executed", "failed")
    assert "승인거절" in executed["fail_reason"]


def test_lists_by_range_status_and_customer(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    now = gateway.clock.now()
    _first, second, third = _schedule(shop, gateway, customer, 100, 200, 300)
    listed = shop.api("GET", "/subscribe/payments/schedule",
                      params={"schedule_from": now + 150, "schedule_to": now + 400, "schedule_status": "scheduled",
                              "sorting": "scheduled"}).expect_ok()
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
    run_scheduler(gateway, 400)
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
    assert again.code == -1 and "already scheduled" in again.message and item["merchant_uid"] in again.message
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


def test_delete_keeps_the_customers_schedules_listable(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    now = gateway.clock.now()
    _schedule(shop, gateway, customer, 100, 200)
    shop.api("DELETE", f"/subscribe/customers/{customer}").expect_ok()
    listed = shop.api("GET", f"/subscribe/customers/{customer}/schedules", params={"from": now, "to": now + 1000}).expect_ok()
    assert listed["total"] == 2 and {s["schedule_status"] for s in listed["list"]} == {"revoked"}
    assert shop.api("GET", f"/subscribe/customers/{customer}/schedules",
                    params={"from": now, "to": now + 1000, "schedule-status": "scheduled"}).expect_ok()["total"] == 0


def test_all_or_nothing(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    (taken,) = _schedule(shop, gateway, customer, 60)
    fresh = unique("sched")
    items = [{"merchant_uid": fresh, "schedule_at": gateway.clock.now() + 60, "amount": 100},
             {"merchant_uid": taken["merchant_uid"], "schedule_at": gateway.clock.now() + 60, "amount": 100}]
    assert shop.api("POST", "/subscribe/payments/schedule", json={"customer_uid": customer, "schedules": items}).code == -1
    assert shop.api("GET", f"/subscribe/payments/schedule/{fresh}").status == 404
    items[1] = {"merchant_uid": unique("sched"), "schedule_at": 5, "amount": 100}  # one in the past spoils the lot
    assert shop.api("POST", "/subscribe/payments/schedule", json={"customer_uid": customer, "schedules": items}).status == 400
    assert shop.api("GET", f"/subscribe/payments/schedule/{fresh}").status == 404


def test_form_bodies(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    at = gateway.clock.now() + 600
    first, second, third = unique("form"), unique("form"), unique("form")
    indexed = {"customer_uid": customer, "schedules[0][merchant_uid]": first, "schedules[0][schedule_at]": str(at),
               "schedules[0][amount]": "1000", "schedules[0][buyer_name]": "폼", "schedules[1][merchant_uid]": second,
               "schedules[1][schedule_at]": str(at + 1), "schedules[1][amount]": "2000"}
    created = shop.api("POST", "/subscribe/payments/schedule", data=indexed).expect_ok()
    assert [(s["merchant_uid"], s["amount"]) for s in created] == [(first, 1000), (second, 2000)]
    assert created[0]["buyer_name"] == "폼"
    as_json_text = {"customer_uid": customer, "schedules": json.dumps([{"merchant_uid": third, "schedule_at": at, "amount": 3000}])}
    assert shop.api("POST", "/subscribe/payments/schedule", data=as_json_text).expect_ok()[0]["merchant_uid"] == third
    revoked = shop.api("POST", "/subscribe/payments/unschedule", data={"customer_uid": customer, "merchant_uid[]": [first, third]})
    assert sorted(s["merchant_uid"] for s in revoked.expect_ok()) == sorted([first, third])
    bad = shop.api("POST", "/subscribe/payments/schedule", data={"customer_uid": customer, "schedules[0][merchant_uid]": unique("f"),
                                                                 "schedules[0][amount]": "1000"})
    assert bad.status == 400 and "schedule_at" in bad.message


@pytest.mark.parametrize(("method", "path", "kwargs", "field"), [
    ("POST", "/subscribe/payments/schedule", {"json": {"schedules": [{"merchant_uid": "a", "schedule_at": 9_999_999_999, "amount": 1}]}}, "customer_uid"),
    ("POST", "/subscribe/payments/schedule", {"json": {"customer_uid": "c", "schedules": 5}}, "schedules"),
    ("POST", "/subscribe/payments/schedule", {"json": {"customer_uid": "c", "schedules": "not json"}}, "schedules"),
    ("POST", "/subscribe/payments/schedule",
     {"json": {"customer_uid": "c", "schedules": [{"schedule_at": 9_999_999_999, "amount": 1}]}}, "merchant_uid"),
    ("POST", "/subscribe/payments/schedule",
     {"json": {"customer_uid": "c", "schedules": [{"merchant_uid": "a", "schedule_at": 9_999_999_999, "amount": "1.5"}]}},
     "amount"),
    ("POST", "/subscribe/payments/schedule",
     {"json": {"customer_uid": "c", "schedules": [{"merchant_uid": "a", "schedule_at": -5, "amount": 1}]}}, "schedule_at"),
    ("POST", "/subscribe/payments/schedule",
     {"json": {"customer_uid": "c", "schedules": [
         {"merchant_uid": "a", "schedule_at": 9_999_999_999, "amount": 1, "notice_url": "ftp://x"}]}},
     "notice_url"),
    ("POST", "/subscribe/payments/unschedule", {"json": {"merchant_uid": ["a"]}}, "customer_uid"),
    ("POST", "/subscribe/payments/unschedule", {"json": {"customer_uid": "c", "merchant_uid": {"a": 1}}}, "merchant_uid"),
    ("GET", "/subscribe/payments/schedule", {"params": {"schedule_from": 1, "schedule_to": "tomorrow"}}, "schedule_to"),
    ("GET", "/subscribe/payments/schedule", {"params": {"schedule_from": 1, "schedule_to": 2, "schedule_status": "paid"}}, "schedule_status"),
    ("GET", "/subscribe/payments/schedule", {"params": {"schedule_from": 5, "schedule_to": 2}}, "schedule_from"),
    ("GET", "/subscribe/payments/schedule", {"params": {"schedule_from": 1, "schedule_to": 2, "limit": 0}}, "limit"),
    ("GET", "/subscribe/customers/c/schedules", {"params": {"from": 1}}, "to"),
])
def test_bad_input_is_a_400_naming_the_field(shop: TestMerchant, method: str, path: str, kwargs: dict, field: str) -> None:
    reply = shop.api(method, path, **kwargs)
    assert (reply.status, reply.code) == (400, -1) and field in reply.message, reply.body


def test_an_order_charged_before_a_crash_is_recorded_not_charged_again(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    """As when a run charged the schedule and died before marking it executed."""
    (item,) = _schedule(shop, gateway, customer, 30)

    async def scheduled_attempt(runtime):  # type: ignore[no-untyped-def]  # the run's own charge, unrecorded
        details = PaymentDetails(merchant_uid=item["merchant_uid"], amount=item["amount"], name=item["name"])
        return await charge_again(runtime, shop.merchant, customer, details, usage=CustomerUidUsage.SCHEDULED)

    paid = gateway.call(scheduled_attempt)
    run_scheduler(gateway, 31)
    executed = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (executed["schedule_status"], executed["payment_status"], executed["imp_uid"]) == ("executed", "paid", paid.imp_uid)
    assert shop.api("GET", f"/payments/findAll/{item['merchant_uid']}").expect_ok()["total"] == 1


def test_a_decline_before_a_crash_is_recorded_not_retried(gateway: GatewayServer, shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid, card_number=CARD_REFUSED).expect_ok()
    (item,) = _schedule(shop, gateway, uid, 30)

    async def scheduled_attempt(runtime):  # type: ignore[no-untyped-def]
        details = PaymentDetails(merchant_uid=item["merchant_uid"], amount=item["amount"], name=item["name"])
        return await charge_again(runtime, shop.merchant, uid, details, usage=CustomerUidUsage.SCHEDULED)  # failed

    declined = gateway.call(scheduled_attempt)
    run_scheduler(gateway, 31)
    executed = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (executed["payment_status"], executed["imp_uid"]) == ("failed", declined.imp_uid)
    assert shop.api("GET", f"/payments/findAll/{item['merchant_uid']}").expect_ok()["total"] == 1


def test_pending_outcome_is_retried_after_the_lease_and_charged_once(gateway: GatewayServer, shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid, card_number=CARD_TIMEOUT_APPROVED).expect_ok()
    (item,) = _schedule(shop, gateway, uid, 30)
    run_scheduler(gateway, 31)
    waiting = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (waiting["schedule_status"], waiting["imp_uid"]) == ("scheduled", None)
    pending = shop.api("GET", f"/payments/find/{item['merchant_uid']}").expect_ok()
    assert pending["status"] == "ready"
    # a worker is charging it: unschedule leaves it alone rather than answer 'revoked' for a charged order
    assert shop.api("POST", "/subscribe/payments/unschedule", json={"customer_uid": uid}).code == 1

    gateway.clock.advance(31 + gateway.settings.pending_outcome_grace_seconds + 5)
    try:
        gateway.call(settle_pending_outcomes)
    finally:
        gateway.clock.reset()
    run_scheduler(gateway, 31 + gateway.settings.job_lease_seconds + 100)
    executed = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (executed["schedule_status"], executed["payment_status"], executed["imp_uid"]) == ("executed", "paid", pending["imp_uid"])
    assert shop.api("GET", f"/payments/findAll/{item['merchant_uid']}").expect_ok()["total"] == 1


def test_a_schedule_held_by_a_worker_is_not_revoked(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    (item,) = _schedule(shop, gateway, customer, 30)
    held_until = gateway.clock.now() + 31 + gateway.settings.job_lease_seconds

    async def hold(runtime):  # type: ignore[no-untyped-def]  # as an instance that leased it and is mid-charge
        async with runtime.database.transaction() as connection:
            await connection.execute(update(schedules_table).where(schedules_table.c.merchant_uid == item["merchant_uid"])
                                     .values(lease_until=held_until))

    gateway.call(hold)
    refused = shop.api("POST", "/subscribe/payments/unschedule", json={"customer_uid": customer, "merchant_uid": [item["merchant_uid"]]})
    assert (refused.code, refused.message) == (1, "취소할 예약결제 기록이 존재하지 않습니다.")
    run_scheduler(gateway, 31)  # the holder's lease still runs: nobody else takes it
    assert shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()["schedule_status"] == "scheduled"
    run_scheduler(gateway, 31 + gateway.settings.job_lease_seconds + 5)  # the holder died; its lease ran out
    executed = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (executed["schedule_status"], executed["payment_status"]) == ("executed", "paid")


def test_an_attempt_that_died_before_reaching_the_pg_is_charged_again(gateway: GatewayServer, shop: TestMerchant, customer: str) -> None:
    """A worker claimed the order and was killed before the PG got the charge: the reconciler learns
    from the PG that nothing was charged, and the schedule is then charged for real, once."""
    (item,) = _schedule(shop, gateway, customer, 30)
    key = shop.api("GET", f"/subscribe/customers/{customer}").expect_ok()
    channel = next(c for c in gateway.call(lambda rt: list_channels(rt, shop.merchant.id)) if c.mid == key["pg_id"] and c.pay_type.value == "api")
    now = gateway.clock.now()
    attempt = Payment(
        imp_uid=ids.new_imp_uid(), merchant_id=shop.merchant.id, merchant_uid=item["merchant_uid"], amount=item["amount"],
        channel_id=channel.id, pg_provider=channel.pg_provider, customer_uid=customer,
        customer_uid_usage=CustomerUidUsage.SCHEDULED.value, started_at=now, updated_at=now, status_at=now,
        outcome_pending=True,
    )
    gateway.call(lambda rt: record_attempt(rt, attempt))
    gateway.clock.advance(31 + gateway.settings.pending_outcome_grace_seconds)
    try:
        gateway.call(settle_pending_outcomes)
    finally:
        gateway.clock.reset()
    assert shop.api("GET", f"/payments/{attempt.imp_uid}").expect_ok()["fail_reason"] == NEVER_REACHED_PG
    run_scheduler(gateway, 31 + gateway.settings.pending_outcome_grace_seconds)
    executed = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (executed["schedule_status"], executed["payment_status"]) == ("executed", "paid")
    assert executed["imp_uid"] != attempt.imp_uid
    paid = shop.api("GET", f"/payments/findAll/{item['merchant_uid']}/paid").expect_ok()
    assert [p["imp_uid"] for p in paid["list"]] == [executed["imp_uid"]]

"""Webhook delivery as a merchant's server sees it: every status change arrives, signed, once.

The clock is the gateway's: tests move it instead of sleeping, and the delivery job runs when the
test says so (as the worker would, every second).
"""

from __future__ import annotations

import threading
from collections import Counter

from paymux.services.merchants import set_webhook_url
from paymux.services.runtime import Runtime
from paymux.webhooks.delivery import deliver_due_webhooks
from tests.harness import GatewayServer, TestMerchant
from tests.postgres import run_coroutine
from tests.webhooks.receiver import DOWN, DOWN_BODY, HANG, UP, Receiver, verify
from tests.webhooks.support import HookedShop, drain, events_about, hook_up


def _step_until_delivered(gateway: GatewayServer, hooked: HookedShop, imp_uids: set[str], *, step: int, limit: int) -> int:
    """Move the clock ``step`` seconds at a time, running the job, until every event is delivered."""
    moved = 0
    while moved < limit:
        events = events_about(gateway, hooked.shop, imp_uids)
        if events and all(e.state == "delivered" for e in events):
            return moved
        gateway.clock.advance(step)
        moved += step
        drain(gateway)
    raise AssertionError(f"not delivered within {limit} s: {[(e.id, e.state, e.last_error) for e in events]}")


def test_a_receiver_down_for_an_hour_gets_every_webhook_once_and_signed(
    gateway: GatewayServer, hooked: HookedShop, receiver: Receiver
) -> None:
    receiver.answer(DOWN)
    payments = [hooked.charge(1000 * n) for n in range(1, 6)]
    refunded = payments[0]["imp_uid"]
    hooked.shop.api("POST", "/payments/cancel", json={"imp_uid": refunded, "reason": "changed my mind"}).expect_ok()
    imp_uids = {p["imp_uid"] for p in payments}

    for _ in range(12):  # an hour in five-minute steps, the job running at each
        drain(gateway)
        gateway.clock.advance(300)
    drain(gateway)
    while_down = receiver.about(imp_uids)
    assert while_down and all(r.answered == 503 for r in while_down)
    assert {r.webhook_id for r in while_down} == {e.webhook_id for e in events_about(gateway, hooked.shop, imp_uids)}
    assert all(e.state == "pending" for e in events_about(gateway, hooked.shop, imp_uids))

    receiver.answer(UP)
    _step_until_delivered(gateway, hooked, imp_uids, step=300, limit=2 * 3600)

    events = events_about(gateway, hooked.shop, imp_uids)
    assert sorted((e.imp_uid, e.payload["status"]) for e in events) == sorted(
        [(uid, "paid") for uid in imp_uids] + [(refunded, "cancelled")]
    )
    taken = [r for r in receiver.about(imp_uids) if r.answered == 200]
    assert Counter(r.webhook_id for r in taken) == Counter(e.webhook_id for e in events)  # each exactly once
    for request in taken:
        assert verify(hooked.secret, request) == request.payload
        assert request.path == "/hook" and request.headers["content-type"] == "application/json"
    cancelled = next(r.payload for r in taken if r.payload["status"] == "cancelled")
    assert cancelled["imp_uid"] == refunded and cancelled["cancellation_id"]
    for event in events:
        assert event.state == "delivered" and event.delivered_at and event.last_error is None
        codes = [a.status_code for a in event.attempts]
        # how often each was tried while down depends on the endpoint's circuit (test_webhook_fairness)
        assert codes[-1] == 200 and set(codes[:-1]) == {503} and len(codes) >= 2
        assert event.attempt_count == len(codes)
        failed = event.attempts[0]
        assert (failed.url, failed.response_excerpt, failed.error) == (receiver.url("/hook"), DOWN_BODY, None)
        assert all(a.latency_ms >= 0 for a in event.attempts)
        assert [a.attempted_at for a in event.attempts] == sorted(a.attempted_at for a in event.attempts)


def test_notice_urls_of_a_payment_replace_the_merchant_url(
    gateway: GatewayServer, hooked: HookedShop, receiver: Receiver
) -> None:
    first, second = receiver.url("/first"), receiver.url("/second")
    listed = hooked.charge(notice_url=[first, second])
    plain = hooked.charge()
    drain(gateway)

    arrived = receiver.about({listed["imp_uid"], plain["imp_uid"]})
    seen = sorted((r.path, r.payload["imp_uid"]) for r in arrived)
    assert seen == sorted([("/first", listed["imp_uid"]), ("/second", listed["imp_uid"]), ("/hook", plain["imp_uid"])])
    for request in arrived:
        assert verify(hooked.secret, request)["status"] == "paid"
    (event,) = events_about(gateway, hooked.shop, {listed["imp_uid"]})
    assert event.target_urls == [first, second] and event.state == "delivered"
    assert sorted(a.url for a in event.attempts) == [first, second]


def test_an_event_is_delivered_only_when_every_notice_url_took_it(
    gateway: GatewayServer, hooked: HookedShop, receiver: Receiver
) -> None:
    receiver.answer(DOWN, "/second")
    payment = hooked.charge(notice_url=[receiver.url("/first"), receiver.url("/second")])
    drain(gateway)
    (event,) = events_about(gateway, hooked.shop, {payment["imp_uid"]})
    assert event.state == "pending" and "/second: HTTP 503" in event.last_error

    receiver.answer(UP, "/second")
    _step_until_delivered(gateway, hooked, {payment["imp_uid"]}, step=10, limit=600)
    by_path = Counter((r.path, r.answered) for r in receiver.about({payment["imp_uid"]}))
    assert by_path == {("/first", 200): 2, ("/second", 503): 1, ("/second", 200): 1}
    # a retry goes to every target under the same webhook-id, the key receivers deduplicate on
    assert len({r.webhook_id for r in receiver.about({payment["imp_uid"]})}) == 1


def test_a_receiver_that_hangs_does_not_slow_the_api(
    gateway: GatewayServer, hooked: HookedShop, receiver: Receiver
) -> None:
    receiver.answer(HANG)
    first = hooked.charge()
    delivery = threading.Thread(target=lambda: gateway.call(deliver_due_webhooks))
    delivery.start()
    try:
        assert receiver.arrived.wait(timeout=30)
        second = hooked.charge()  # the API answers while a delivery is stuck in flight
        assert second["status"] == "paid"
        assert hooked.shop.api("GET", f"/payments/{first['imp_uid']}").expect_ok()["status"] == "paid"
        assert receiver.in_flight == 1 and delivery.is_alive()
    finally:
        receiver.release.set()
        delivery.join(timeout=30)
    receiver.answer(UP)
    drain(gateway)
    events = events_about(gateway, hooked.shop, {first["imp_uid"], second["imp_uid"]})
    assert [e.state for e in events] == ["delivered", "delivered"]
    for request in receiver.about({first["imp_uid"], second["imp_uid"]}):
        assert verify(hooked.secret, request)["status"] == "paid"


def test_a_timeout_is_recorded_and_the_webhook_is_sent_again_with_a_fresh_signature(
    gateway: GatewayServer, hooked: HookedShop, receiver: Receiver
) -> None:
    receiver.answer(HANG)
    payment = hooked.charge()
    drain(gateway, timeout_seconds=0.5)
    (event,) = events_about(gateway, hooked.shop, {payment["imp_uid"]})
    (attempt,) = event.attempts
    assert (attempt.status_code, attempt.error) == (None, "could not deliver: no HTTP response within 0.5 s")
    assert attempt.latency_ms >= 500 and event.state == "pending" and event.next_attempt_at > attempt.attempted_at

    receiver.release.set()
    receiver.answer(UP)
    gateway.clock.advance(600)
    drain(gateway)
    (event,) = events_about(gateway, hooked.shop, {payment["imp_uid"]})
    assert event.state == "delivered" and [a.status_code for a in event.attempts] == [None, 200]
    hung, answered = receiver.about({payment["imp_uid"]})
    assert hung.webhook_id == answered.webhook_id
    assert int(answered.headers["webhook-timestamp"]) >= int(hung.headers["webhook-timestamp"]) + 600
    assert verify(hooked.secret, answered)["imp_uid"] == payment["imp_uid"]


def test_without_any_url_no_webhook_is_written_and_one_set_later_gets_the_next(
    gateway: GatewayServer, shop: TestMerchant, receiver: Receiver
) -> None:
    """Issue #15: a shop that uses no webhooks pays no outbox row and no worker clean-up per payment."""
    hooked = hook_up(gateway, shop, None)
    unheard = hooked.charge()
    drain(gateway)
    assert events_about(gateway, shop, {unheard["imp_uid"]}) == []
    noticed = hooked.charge(notice_url=receiver.url("/own"))  # a payment's own notice_url still counts
    drain(gateway)
    (event,) = events_about(gateway, shop, {noticed["imp_uid"]})
    assert event.state == "delivered" and receiver.about({noticed["imp_uid"]})[0].path == "/own"

    gateway.call(lambda rt: set_webhook_url(rt, shop.merchant.id, receiver.url("/late")))
    later = hooked.charge()
    drain(gateway)
    (request,) = receiver.about({later["imp_uid"]})
    assert request.path == "/late" and verify(hooked.secret, request)["status"] == "paid"
    assert events_about(gateway, shop, {later["imp_uid"]})[0].state == "delivered"
    assert receiver.about({unheard["imp_uid"]}) == []


def test_two_workers_at_once_never_send_one_webhook_twice(
    gateway: GatewayServer, hooked: HookedShop, receiver: Receiver
) -> None:
    payments = [hooked.charge() for _ in range(16)]
    imp_uids = {p["imp_uid"] for p in payments}
    receiver.delay_seconds = 0.05  # deliveries overlap in time
    start = threading.Barrier(2)

    async def work(runtime: Runtime) -> None:
        while await deliver_due_webhooks(runtime, batch=3):
            pass

    def on_the_server() -> None:
        start.wait()
        gateway.call(work)

    def as_another_instance() -> None:
        async def main() -> None:
            runtime = Runtime.build(gateway.settings, gateway.clock)
            try:
                start.wait()
                await work(runtime)
            finally:
                await runtime.close()

        run_coroutine(main())

    workers = [threading.Thread(target=on_the_server), threading.Thread(target=as_another_instance)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    drain(gateway)

    arrived = receiver.about(imp_uids)
    assert len(arrived) == 16 and len({r.webhook_id for r in arrived}) == 16
    assert all(verify(hooked.secret, r)["status"] == "paid" for r in arrived)
    events = events_about(gateway, hooked.shop, imp_uids)
    assert all(e.state == "delivered" and len(e.attempts) == 1 for e in events)

"""Webhook fairness (issue #11 item 2): slow or dead endpoints cannot delay another merchant's webhook.

The attack as found: many payments whose ``notice_url``s point at tarpits (servers that accept the
connection and never answer) filled the one delivery queue, ten at a time, ten seconds each, and a
healthy merchant's webhook waited about a minute. Here the tarpits are real listeners on loopback,
the payments go through the real API, and the delivery job runs round by round as the worker runs
it; the assertions count rounds and connections, never wall-clock time.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from paymux.webhooks.delivery import CIRCUIT_FAILURES, PER_ENDPOINT, deliver_due_webhooks
from paymux.webhooks.outbox import list_webhook_events
from tests.harness import GatewayServer, TestMerchant, unique
from tests.webhooks.conftest import hooked, receiver  # noqa: F401  (fixtures: a live receiver, a shop using it)
from tests.webhooks.receiver import Receiver, verify
from tests.webhooks.support import HookedShop, drain, events_about, hook_up

TARPITS = 5  # endpoints, each a notice_url of every hostile payment (the API allows five)
HOSTILE_PAYMENTS = 60  # more than one round takes (BATCH_SIZE)
ROUND_TIMEOUT = 1.0  # each try's timeout in these rounds; a tarpit costs a round this long


class Tarpit:
    """Accepts every connection and never answers; counts connections (= tries that reached it)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self._held: list[socket.socket] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="tarpit")
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._held.append(connection)  # read nothing, answer nothing

    def url(self, path: str = "/notice") -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}{path}"

    def close(self) -> None:
        """Stop listening (later tries are refused at once) and drop the held connections."""
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        except OSError:
            pass
        self._listener.close()
        self._thread.join(timeout=5)
        with self._lock:
            for connection in self._held:
                connection.close()


@pytest.fixture
def tarpits() -> Iterator[list[Tarpit]]:
    started = [Tarpit() for _ in range(TARPITS)]
    yield started
    for tarpit in started:
        tarpit.close()


def _one_round(gateway: GatewayServer) -> int:
    return gateway.call(lambda rt: deliver_due_webhooks(rt, timeout_seconds=ROUND_TIMEOUT))


def _hostile_payments(shop: TestMerchant, tarpits: list[Tarpit], count: int) -> list[str]:
    customer_uid = unique("victim")
    shop.issue_key(customer_uid).expect_ok()
    urls = [tarpit.url(f"/n{i}") for i, tarpit in enumerate(tarpits)]
    return [shop.again(customer_uid, unique("slow"), 1000, notice_url=urls).expect_ok()["imp_uid"] for _ in range(count)]


def test_tarpit_notice_urls_do_not_delay_a_healthy_merchants_webhook(
    gateway: GatewayServer, hooked: HookedShop, other_shop: TestMerchant, receiver: Receiver, tarpits: list[Tarpit]
) -> None:
    hostile = _hostile_payments(other_shop, tarpits, HOSTILE_PAYMENTS)  # older than the healthy one
    healthy = hooked.charge()

    _one_round(gateway)
    (arrived,) = receiver.about({healthy["imp_uid"]})  # in the first round, not behind 60 older events
    assert verify(hooked.secret, arrived)["status"] == "paid"
    assert events_about(gateway, hooked.shop, {healthy["imp_uid"]})[0].state == "delivered"
    # each tarpit got at most PER_ENDPOINT of the round's tries; the other hostile events wait untried
    assert all(tarpit.connections <= PER_ENDPOINT for tarpit in tarpits)
    tried = Counter(e.attempt_count for e in events_about(gateway, other_shop, hostile))
    assert tried[1] == PER_ENDPOINT and tried[0] == HOSTILE_PAYMENTS - PER_ENDPOINT


def test_a_failing_endpoints_circuit_opens_and_its_events_are_not_tried_while_open(
    gateway: GatewayServer, shop: TestMerchant, other_shop: TestMerchant, receiver: Receiver, tarpits: list[Tarpit]
) -> None:
    hostile = set(_hostile_payments(other_shop, tarpits, 20))
    rounds_until_open = -(-CIRCUIT_FAILURES // PER_ENDPOINT)
    for _ in range(rounds_until_open):
        _one_round(gateway)
    reached = [tarpit.connections for tarpit in tarpits]
    assert all(CIRCUIT_FAILURES <= n <= rounds_until_open * PER_ENDPOINT for n in reached)

    # open: every due hostile event is rescheduled to when the circuit closes, untried
    drain(gateway, timeout_seconds=ROUND_TIMEOUT)
    assert [tarpit.connections for tarpit in tarpits] == reached
    events = events_about(gateway, other_shop, hostile)
    paused = [e for e in events if e.attempt_count == 0]
    assert paused and all(e.last_error.startswith("not tried: its endpoint failed") for e in paused)
    reopens_at = min(e.next_attempt_at for e in paused)
    assert reopens_at > gateway.clock.now()

    # meanwhile another merchant, and the same merchant's own webhook URL, are served at once
    healthy = hook_up(gateway, shop, receiver.url("/healthy"))
    paid = healthy.charge()
    own = hook_up(gateway, other_shop, receiver.url("/own")).charge()
    _one_round(gateway)
    assert [r.path for r in receiver.about({paid["imp_uid"]})] == ["/healthy"]
    assert [r.path for r in receiver.about({own["imp_uid"]})] == ["/own"]
    assert [tarpit.connections for tarpit in tarpits] == reached

    # half-open once the pause ends: one try per endpoint, which fails, and the circuit opens again
    gateway.clock.advance(reopens_at - gateway.clock.now())
    drain(gateway, timeout_seconds=ROUND_TIMEOUT)
    assert [tarpit.connections for tarpit in tarpits] == [n + 1 for n in reached]
    again = events_about(gateway, other_shop, hostile)
    assert sum(e.attempt_count for e in again) == sum(e.attempt_count for e in events) + 1
    assert min(e.next_attempt_at for e in again if e.state == "pending") > gateway.clock.now()


def test_the_workers_rounds_go_on_while_a_tarpit_holds_its_tries(
    gateway: GatewayServer, hooked: HookedShop, other_shop: TestMerchant, receiver: Receiver, tarpits: list[Tarpit]
) -> None:
    """The worker's rounds do not wait for their tries: while the tarpits hold their slots (tries
    that end only at the timeout), the next round serves a healthy merchant and adds no try to
    them. Order, not time: the healthy webhook is delivered while every tarpit try is unfinished."""
    hostile = _hostile_payments(other_shop, tarpits, 12)

    def worker_round() -> int:  # as deliver_webhooks_in_background, with a timeout no test outlasts
        return gateway.call(lambda rt: deliver_due_webhooks(rt, wait=False, timeout_seconds=120))

    # Rounds as the worker runs them, one after another: the session's database may hold other tests'
    # due events, which share a round's batch with these (round-robin over lanes), so one round may
    # not reach every tarpit's PER_ENDPOINT; no number of rounds can take an endpoint past it.
    _wait_for(lambda: all(tarpit.connections == PER_ENDPOINT for tarpit in tarpits), between=worker_round)
    healthy = hooked.charge()
    _wait_for(lambda: bool(receiver.about({healthy["imp_uid"]})), between=worker_round)
    assert verify(hooked.secret, receiver.about({healthy["imp_uid"]})[0])["status"] == "paid"
    assert [tarpit.connections for tarpit in tarpits] == [PER_ENDPOINT] * TARPITS
    unfinished = gateway.call(lambda rt: list_webhook_events(rt, other_shop.merchant.id, limit=50))
    assert all(e.attempt_count == 0 for e in unfinished if e.imp_uid in set(hostile))  # still hanging


def _wait_for(condition: Callable[[], bool], between: Callable[[], object] | None = None) -> None:
    """Until something happens on another thread (a bound against a hung test, not a timing claim),
    calling ``between`` (a worker round) before each look."""
    deadline = time.monotonic() + 60
    while True:
        if between is not None:
            between()
        if condition():
            return
        assert time.monotonic() < deadline, "it never happened"
        time.sleep(0.05)

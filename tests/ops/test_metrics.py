"""``GET /metrics`` on ``paymux serve --workers 2``: every counter moves by exactly what happened,
whichever worker served the request or ran the job, and the scrape parses with prometheus_client's
own parser."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx

from tests.harness import CARD_OK, CARD_REFUSED, free_port
from tests.ops.support import METRICS_TOKEN, Served, base_env, parse, serve, value, wait_for
from tests.postgres import fresh_database
from tests.webhooks.receiver import DOWN, Receiver

LOOKUPS = 12
DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "dashboards" / "paymux.json"


def test_counters_move_by_exactly_what_happened_across_two_workers(tmp_path: Path) -> None:
    with fresh_database() as database_url, serve(base_env(tmp_path, database_url), "--workers", "2") as served:
        receiver = Receiver(lambda: int(time.time())).start()
        try:
            _exercise(served, receiver)
        finally:
            receiver.close()


def _exercise(served: Served, receiver: Receiver) -> None:
    before = served.scrape()
    api = served.client()
    hook = receiver.url()

    key = api.post("/subscribe/customers/ops_key", json={
        "card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}).json()
    assert key["code"] == 0, key
    paid = api.post("/subscribe/payments/again", json={
        "customer_uid": "ops_key", "merchant_uid": "ops_paid", "amount": 1000, "name": "ops", "notice_url": hook}).json()
    assert paid["code"] == 0 and paid["response"]["status"] == "paid", paid
    refusing = api.post("/subscribe/customers/ops_refusing", json={  # issued; its charges are declined
        "card_number": CARD_REFUSED, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}).json()
    assert refusing["code"] == 0, refusing
    declined = api.post("/subscribe/payments/again", json={
        "customer_uid": "ops_refusing", "merchant_uid": "ops_declined", "amount": 1000, "name": "ops",
        "notice_url": hook}).json()
    assert declined["response"]["status"] == "failed", declined  # a decline is an answer (docs/declines.md)
    booked = api.post("/subscribe/payments/schedule", json={"customer_uid": "ops_key", "schedules": [
        {"merchant_uid": "ops_scheduled", "schedule_at": int(time.time()) + 2, "amount": 2000, "notice_url": hook}]}).json()
    assert booked["code"] == 0, booked
    for _ in range(LOOKUPS):  # a new connection each: the two workers share them
        assert api.get(f"/payments/{paid['response']['imp_uid']}").json()["code"] == 0

    uids = {paid["response"]["imp_uid"], declined["response"]["imp_uid"]}
    wait_for("the scheduled charge", lambda: api.get("/subscribe/payments/schedule/ops_scheduled").json()
             ["response"]["schedule_status"] == "executed")
    scheduled_uid = api.get("/subscribe/payments/schedule/ops_scheduled").json()["response"]["imp_uid"]
    wait_for("three webhooks", lambda: len([r for r in receiver.about(uids | {scheduled_uid}) if r.answered == 200]) >= 3)
    wait_for("the deliveries to be counted", lambda: value(served.scrape(), "paymux_webhook_deliveries_total",
                                                         outcome="delivered") >= 3)

    scrapes = [served.scrape() for _ in range(4)]  # new connections: answered by either worker
    after = scrapes[0]

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("paymux_pg_calls_total", pg="kcp", operation="issue_billing_key", outcome="approved") == 2
    assert moved("paymux_pg_calls_total", pg="kcp", operation="charge_billing_key", outcome="approved") == 2
    assert moved("paymux_pg_calls_total", pg="kcp", operation="charge_billing_key", outcome="declined") == 1
    assert moved("paymux_pg_calls_total", pg="kcp", operation="charge_billing_key", outcome="unknown") == 0
    assert moved("paymux_pg_call_duration_seconds_count", pg="kcp", operation="charge_billing_key") == 3
    assert moved("paymux_webhook_deliveries_total", outcome="delivered") == 3
    assert moved("paymux_webhook_deliveries_total", outcome="retrying") == 0

    def requests(method: str, route: str, status: str = "200") -> float:
        return moved("paymux_http_requests_total", method=method, route=route, status=status)

    assert requests("POST", "/subscribe/customers/{customer_uid}") == 2
    assert requests("POST", "/subscribe/payments/again") == 2  # a decline is answered 200 too
    assert requests("POST", "/subscribe/payments/schedule") == 1
    assert requests("GET", "/payments/{imp_uid}") == LOOKUPS
    assert moved("paymux_http_request_duration_seconds_count", method="GET", route="/payments/{imp_uid}") == LOOKUPS

    routes = {dict(labels).get("route") for (name, labels) in after if name == "paymux_http_requests_total"}
    assert not any(uid in route for uid in uids for route in routes if route)  # templates, never raw paths

    # whichever worker answered, the same totals (multiprocess mode sums both)
    for other in scrapes[1:]:
        for sample in ("paymux_pg_calls_total", "paymux_webhook_deliveries_total"):
            assert {k: v for k, v in other.items() if k[0] == sample} == {k: v for k, v in after.items() if k[0] == sample}

    assert value(after, "paymux_database_up") == 1
    assert value(after, "paymux_schedules_due") == 0
    assert value(after, "paymux_webhook_queue_depth", state="due") == 0
    assert value(after, "paymux_unknown_outcomes", kind="charge") == 0
    assert ("paymux_db_pool_connections_in_use", frozenset({("pool", "main")})) in after

    # the Grafana dashboard in deploy/ asks only for series this scrape has
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    asked = set(re.findall(r"paymux_[a-z_]+", " ".join(expressions)))
    assert asked and asked <= {name for name, _labels in after}, asked - {name for name, _labels in after}


def test_metrics_need_the_token_and_are_off_without_one(tmp_path: Path) -> None:
    with serve(base_env(tmp_path)) as served:
        assert httpx.get(f"{served.base_url}/metrics").status_code == 401
        wrong = httpx.get(f"{served.base_url}/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401 and "a valid metrics token" in wrong.json()["message"]
        assert served.scrape(METRICS_TOKEN)  # the right token
    env = base_env(tmp_path / "off")
    env.pop("PAYMUX_METRICS_TOKEN")
    with serve(env) as served:
        off = httpx.get(f"{served.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert off.status_code == 404 and "PAYMUX_METRICS_TOKEN" in off.json()["message"]


def test_metrics_on_a_listener_of_their_own(tmp_path: Path) -> None:
    port = free_port()
    env = base_env(tmp_path, PAYMUX_METRICS_BIND=f"127.0.0.1:{port}")
    env.pop("PAYMUX_METRICS_TOKEN")
    with serve(env) as served:
        assert httpx.get(f"{served.base_url}/metrics").status_code == 404  # not on the API's port
        httpx.get(f"{served.base_url}/payments/imp_000000000000")  # one request to count
        reply: httpx.Response | None = None

        def listening() -> bool:
            nonlocal reply
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/metrics")
            except httpx.TransportError:
                return False
            return reply.status_code == 200

        wait_for("the metrics listener", listening)
        assert reply is not None
        samples = parse(reply.text)
    assert value(samples, "paymux_http_requests_total", method="GET", route="/payments/{imp_uid}", status="401") == 1
    assert value(samples, "paymux_database_up") == 1


def test_a_failing_receiver_shows_as_retrying_and_in_the_backlog(tmp_path: Path) -> None:
    receiver = Receiver(lambda: int(time.time())).start()
    receiver.answer(DOWN)
    try:
        with serve(base_env(tmp_path)) as served:
            before = served.scrape()
            api = served.client()
            key = api.post("/subscribe/customers/ops_backlog", json={
                "card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}).json()
            assert key["code"] == 0, key
            paid = api.post("/subscribe/payments/again", json={
                "customer_uid": "ops_backlog", "merchant_uid": "ops_backlog_1", "amount": 1000, "name": "ops",
                "notice_url": receiver.url()}).json()
            assert paid["response"]["status"] == "paid", paid
            wait_for("the failed try", lambda: value(served.scrape(), "paymux_webhook_deliveries_total", outcome="retrying") >= 1)
            after = served.scrape()
    finally:
        receiver.close()
    assert value(after, "paymux_webhook_deliveries_total", outcome="retrying") - value(
        before, "paymux_webhook_deliveries_total", outcome="retrying") == 1  # the first retry waits 5 s or more
    assert value(after, "paymux_webhook_deliveries_total", outcome="delivered") == 0
    assert value(after, "paymux_webhook_queue_depth", state="waiting") == 1
    assert value(after, "paymux_webhook_queue_depth", state="due") == 0

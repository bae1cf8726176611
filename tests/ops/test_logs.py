"""The log of ``paymux serve`` as an operator reads it: one JSON object per line, the request id of
a charge on its request line, its PG-call line and its webhook lines (queued in the request, delivered
later by the worker), and no card number anywhere; no webhook line for a payment with nowhere to go."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import CARD_OK
from tests.ops.support import Served, base_env, serve, set_webhook_url, wait_for
from tests.postgres import fresh_database
from tests.webhooks.receiver import Receiver

CARD_DIGITS = re.sub(r"\D", "", CARD_OK)
CARD = {"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """``paymux serve``'s environment on each database: PostgreSQL settles a charge and writes its
    webhook row in one statement, SQLite in several."""
    if request.param == "sqlite":
        yield base_env(tmp_path)
        return
    with fresh_database() as url:
        yield base_env(tmp_path, url)


def test_a_charge_is_followed_by_its_request_id_and_no_card_digits(env: dict[str, str]) -> None:
    receiver = Receiver(lambda: int(time.time())).start()
    try:
        with serve(env) as served:
            set_webhook_url(served, receiver.url("/hooks"))  # the merchant's own webhook URL, no notice_url
            api = served.client()
            reply = api.post("/subscribe/payments/onetime", headers={"X-Request-Id": "shop-order-7781"}, json={
                "merchant_uid": "log_order", "amount": 5000, **CARD})
            assert reply.headers["x-request-id"] == "shop-order-7781"
            payment = reply.json()["response"]
            assert payment["status"] == "paid"
            imp_uid = payment["imp_uid"]
            mistaken = api.get(f"/payments/{CARD_OK}", headers={"X-Request-Id": "card-in-the-url"})
            assert mistaken.json()["code"] != 0  # a client that put a card number where the imp_uid goes
            wait_for("the webhook", lambda: any(r.answered == 200 for r in receiver.about([imp_uid])))
            wait_for("the delivery line", lambda: _line(served, "webhook.delivery", imp_uid) is not None)
            lines = served.json_lines()  # every line parses as JSON
            raw = "".join(served.lines)
    finally:
        receiver.close()

    ours = [line for line in lines if line.get("request_id") == "shop-order-7781"]
    request_line = next(line for line in ours if line["event"] == "http.request")
    assert (request_line["method"], request_line["route"], request_line["status"]) == (
        "POST", "/subscribe/payments/onetime", 200)
    assert request_line["merchant"] == served.merchant["user_code"] and request_line["imp_uid"] == imp_uid
    assert isinstance(request_line["latency_ms"], float | int)

    pg_line = next(line for line in ours if line["event"] == "pg.call")
    assert (pg_line["pg"], pg_line["operation"], pg_line["outcome"], pg_line["imp_uid"]) == (
        "kcp", "charge_card", "approved", imp_uid)
    assert pg_line["merchant"] == served.merchant["user_code"] and "latency_ms" in pg_line

    [queued] = [line for line in lines if line.get("event") == "webhook.queued"]
    assert (queued["request_id"], queued["imp_uid"], queued["status"], queued["target"]) == (
        "shop-order-7781", imp_uid, "paid", "webhook_url")
    [delivery] = [line for line in lines if line.get("event") == "webhook.delivery"]  # by the worker, later
    assert (delivery["request_id"], delivery["imp_uid"], delivery["outcome"], delivery["status_codes"]) == (
        "shop-order-7781", imp_uid, "delivered", [200])
    assert delivery["webhook_id"].startswith("msg_")

    mistaken_line = next(line for line in lines if line.get("request_id") == "card-in-the-url")
    assert mistaken_line["path"] == "/payments/536148******1234" == "/payments/" + mistaken_line["imp_uid"]
    for spelling in (CARD_DIGITS, CARD_OK, CARD_DIGITS[6:12], "2030-12", "820213"):
        assert spelling not in raw  # neither the number, its middle digits, the expiry nor the birth date


def test_no_webhook_line_for_a_payment_with_nowhere_to_send_it(env: dict[str, str]) -> None:
    receiver = Receiver(lambda: int(time.time())).start()
    try:
        with serve(env) as served:  # the merchant has no webhook URL
            api = served.client()
            unheard = api.post("/subscribe/payments/onetime", json={"merchant_uid": "unheard", "amount": 1000, **CARD})
            heard = api.post("/subscribe/payments/onetime", json={
                "merchant_uid": "heard", "amount": 1000, "notice_url": receiver.url(), **CARD})
            unheard_uid, heard_uid = (reply.json()["response"]["imp_uid"] for reply in (unheard, heard))
            wait_for("the webhook", lambda: any(r.answered == 200 for r in receiver.about([heard_uid])))
            wait_for("the delivery line", lambda: _line(served, "webhook.delivery", heard_uid) is not None)
            lines = served.json_lines()
    finally:
        receiver.close()
    assert any(line.get("event") == "pg.call" and line.get("imp_uid") == unheard_uid for line in lines)
    queued = [line["imp_uid"] for line in lines if line.get("event") == "webhook.queued"]
    assert queued == [heard_uid]  # the payment with a notice_url only
    assert [line for line in lines if line.get("event") == "webhook.delivery"] == [_line(served, "webhook.delivery", heard_uid)]


def _line(served: Served, event: str, imp_uid: str) -> dict[str, Any] | None:
    return next((line for line in served.json_lines() if line.get("event") == event and line.get("imp_uid") == imp_uid), None)


def test_an_insane_request_id_is_replaced_and_a_missing_one_generated(tmp_path: Path) -> None:
    with serve(base_env(tmp_path)) as served:
        generated = httpx.get(f"{served.base_url}/healthz").headers["x-request-id"]
        replaced = httpx.get(f"{served.base_url}/healthz", headers={"X-Request-Id": "a\"b{}" + "x" * 200}).headers["x-request-id"]
        kept = httpx.get(f"{served.base_url}/healthz", headers={"X-Request-Id": "trace:01HZX-9.a_b"}).headers["x-request-id"]
        wait_for("the request lines", lambda: any(line.get("request_id") == kept for line in served.json_lines()))
        ids = [line["request_id"] for line in served.json_lines() if line.get("event") == "http.request"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated) and re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert generated != replaced and kept == "trace:01HZX-9.a_b"
    assert ids.index(generated) < ids.index(replaced) < ids.index(kept)  # each answer's id is its line's


def test_human_format_on_request(tmp_path: Path) -> None:
    with serve(base_env(tmp_path, PAYMUX_LOG_FORMAT="human")) as served:
        httpx.get(f"{served.base_url}/healthz", headers={"X-Request-Id": "human-1"})
        wait_for("the request line", lambda: any("human-1" in line for line in served.lines))
        line = next(line for line in served.lines if "human-1" in line)
    assert not line.lstrip().startswith("{") and "http.request" in line and "/healthz" in line


def test_the_openapi_document_has_its_route_on_its_request_line(tmp_path: Path) -> None:
    """FastAPI serves /openapi.json as a plain route: its request line (and its metrics label) still
    names it, and a path nothing answers stays ``unmatched``."""
    with serve(base_env(tmp_path)) as served:
        httpx.get(f"{served.base_url}/openapi.json", headers={"X-Request-Id": "document-1"})
        httpx.get(f"{served.base_url}/no/such/path", headers={"X-Request-Id": "nothing-1"})
        wait_for("the request lines", lambda: any(line.get("request_id") == "nothing-1" for line in served.json_lines()))
        routes = {line["request_id"]: line["route"] for line in served.json_lines() if line.get("event") == "http.request"}
    assert (routes["document-1"], routes["nothing-1"]) == ("/openapi.json", "unmatched")

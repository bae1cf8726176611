"""The PG calls made outside ``services.pg_calls.guarded`` are observed like the others: an account
holder lookup (``GET /vbanks/holder``) and the confirmation of a PG's deposit notice (Toss Payments
asks its API about the deposit its callback announced) each move ``paymux_pg_calls_total`` for their
operation by exactly one, scraped from ``GET /metrics``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paymux.connectors.tosspayments.emulator import PAYMUX_LIVE_MERCHANT
from paymux.connectors.tosspayments.emulator import EmulatorConfig as TossConfig
from tests.connectors.tosspayments.support import LIVE_KEYS, TossEmulator
from tests.harness import GatewayServer, standard_merchant, unique
from tests.live.test_tosspayments_api import pay, toss_param
from tests.ops.support import METRICS_TOKEN, Sample, parse, value
from tests.postgres import fresh_database

CALLS = "paymux_pg_calls_total"


@pytest.fixture(params=["sqlite", "postgresql"])
def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GatewayServer]:
    """A gateway of its own, with ``/metrics`` on (the suite's shared one has it off)."""

    def started(url: str) -> GatewayServer:
        return GatewayServer(request.param, url, tmp_path, env={"PAYMUX_METRICS_TOKEN": METRICS_TOKEN}).start()

    if request.param == "sqlite":
        server = started(f"sqlite:///{tmp_path / 'paymux.db'}")
        yield server
        server.stop()
        return
    with fresh_database() as url:
        server = started(url)
        yield server
        server.stop()


@pytest.fixture
def toss(gateway: GatewayServer) -> Iterator[TossEmulator]:
    """The Toss Payments emulator; its DEPOSIT_CALLBACK goes to paymux's notice URL."""
    server = TossEmulator()
    server.start(TossConfig(clock=gateway.clock.now, webhook_url=f"{gateway.base_url}/pg/tosspayments/notice",
                            webhook_backoff_seconds=0.05).with_paymux_live())
    yield server
    server.stop()


def scrape(gateway: GatewayServer) -> dict[Sample, float]:
    reply = httpx.get(f"{gateway.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30)
    assert reply.status_code == 200, reply.text
    return parse(reply.text)


def test_a_holder_lookup_and_a_notice_confirmation_each_count_one_pg_call(gateway: GatewayServer,
                                                                          toss: TossEmulator) -> None:
    shop = standard_merchant(gateway)  # its first channel, INICIS (sandbox), looks account holders up
    toss_shop = gateway.create_merchant("Toss Payments shop")
    toss_shop.add_channel("tosspayments", "general", mid=PAYMUX_LIVE_MERCHANT.mid, mode="live", default=True,
                          endpoint=toss.base_url, credentials=dict(LIVE_KEYS))
    account = pay(gateway, toss_shop, toss, toss_param(unique("order"), pay_method="vbank", amount=25000), choice="88")
    assert account["status"] == "ready", account

    before = scrape(gateway)
    found = shop.api("GET", "/vbanks/holder", params={"bank_code": "088", "bank_num": "110-123-456789"}).expect_ok()
    assert found == {"bank_holder": "홍길동"}
    missing = shop.api("GET", "/vbanks/holder", params={"bank_code": "088", "bank_num": "1101230000"})
    assert missing.code != 0  # the PG knows no such account
    sent = toss.control("deposit", orderId=account["imp_uid"])
    assert sent["attempts"] == [200]  # paymux took the notice, after asking Toss about it
    assert toss_shop.api("GET", f"/payments/{account['imp_uid']}").expect_ok()["status"] == "paid"
    after = scrape(gateway)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved(CALLS, pg="html5_inicis", operation="account_holder", outcome="approved") == 1
    assert moved(CALLS, pg="html5_inicis", operation="account_holder", outcome="declined") == 1
    assert moved("paymux_pg_call_duration_seconds_count", pg="html5_inicis", operation="account_holder") == 2
    assert moved(CALLS, pg="tosspayments", operation="confirm_notice", outcome="approved") == 1
    assert moved("paymux_pg_call_duration_seconds_count", pg="tosspayments", operation="confirm_notice") == 1

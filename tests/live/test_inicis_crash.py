"""SIGKILL between KG INICIS's approval and paymux recording it, on SQLite and PostgreSQL.

``paymux serve`` runs as a subprocess, set up with the CLI as an operator would (``merchant create``,
``channel add --mode live --endpoint … --credentials-stdin``), against the INICIS emulator in this
process. The "timeout" card (``4000-0000-0000-0119``) makes INICIS commit the approval and hold its
reply ``SLOW_REPLY_SECONDS``; paymux waits longer than that (``PAYMUX_CONNECTOR_TIMEOUT_SECONDS``), so
it is still waiting — the approval done at the PG, nothing recorded — when it is killed. Restarted on
the same data, its workers run the reconciler (``PAYMUX_PENDING_GRACE_SECONDS=0``), which must settle
the order from the PG's side: an INIAPI billing charge is looked up and recorded as paid, exactly once;
a window approval (whose authToken was journaled) is net-cancelled, so nothing stays charged.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin

import httpx
import pytest

from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig
from tests.checkout.test_window_rules import SHOP_ORIGIN, param, rsp_of
from tests.conftest import _ran as backends_exercised
from tests.connectors.inicis.support import EmulatorServer, attrs_of, forms
from tests.harness import CARD_TIMEOUT_APPROVED, free_port, unique
from tests.live.conftest import LIVE_MID, credentials
from tests.postgres import fresh_database

pytestmark = pytest.mark.slow

T = TypeVar("T")

SLOW_REPLY_SECONDS = 8.0        # INICIS holds the answer to the timeout card this long
CONNECTOR_TIMEOUT_SECONDS = 30  # paymux waits longer: it is still waiting when it is killed
START_SECONDS = 60              # paymux migrates, then answers /healthz
SETTLE_SECONDS = 45             # the reconciler runs at start, then every 15 s
CARD = {"expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}


def poll(what: str, probe: Callable[[], T | None], seconds: float, interval: float = 0.1) -> T:
    """``probe()`` until it answers something truthy, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds:.0f} s waiting for {what}")
        time.sleep(interval)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        backends_exercised.add("sqlite")  # the session summary's "backends exercised" line
        yield f"sqlite:///{tmp_path / 'paymux.db'}"
        return
    with fresh_database() as url:
        backends_exercised.add("postgresql")
        yield url


@pytest.fixture
def inicis() -> Iterator[EmulatorServer]:
    server = EmulatorServer()
    server.start(EmulatorConfig(slow_reply_seconds=SLOW_REPLY_SECONDS).with_merchant(PAYMUX_LIVE_KEYS))
    try:
        yield server
    finally:
        server.stop()


class Paymux:
    """``paymux serve`` in a subprocess on a fixed port (the same after a restart), and its CLI."""

    def __init__(self, database_url: str, data_dir: Path, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port()
        self.base_url = f"http://{host}:{self.port}"
        self.log_path = data_dir / "paymux-serve.log"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("PAYMUX_")}
        self.env = {
            **inherited,
            "PAYMUX_DATA_DIR": str(data_dir),
            "PAYMUX_DATABASE_URL": database_url,
            "PAYMUX_VAULT_KEYS": "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "PAYMUX_PUBLIC_URL": self.base_url,
            "PAYMUX_PENDING_GRACE_SECONDS": "0",
            "PAYMUX_CONNECTOR_TIMEOUT_SECONDS": str(CONNECTOR_TIMEOUT_SECONDS),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.credentials: dict[str, str] = {}
        self.user_code = ""

    def cli(self, *args: str, stdin: str | None = None) -> Any:
        done = subprocess.run([sys.executable, "-m", "paymux.cli", *args], env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"paymux {' '.join(args)}: {done.stderr[-2000:]}"
        return json.loads(done.stdout)

    def create_live_shop(self, endpoint: str) -> str:
        """The merchant and its live INICIS channels (window + API) for MID paymuxLive1, by the CLI."""
        created = self.cli("merchant", "create", "--name", "crash shop", "--json")
        self.user_code = created["user_code"]
        self.credentials = {"imp_key": created["imp_key"], "imp_secret": created["imp_secret"]}
        keys = json.dumps(credentials(PAYMUX_LIVE_KEYS))
        for pay_type, default in (("general", ["--default"]), ("api", [])):
            channel = self.cli("channel", "add", "--merchant", self.user_code, "--pg", "html5_inicis", "--type", pay_type,
                               "--mode", "live", "--mid", LIVE_MID, "--endpoint", endpoint, "--credentials-stdin",
                               *default, "--json", stdin=keys)
            assert (channel["mode"], channel["mid"], channel["endpoint"]) == ("live", LIVE_MID, endpoint)
        return self.user_code

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "paymux.cli", "serve", "--host", self.host, "--port", str(self.port), "--no-access-log"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        poll("paymux to answer /healthz", self._healthy, START_SECONDS, interval=0.2)

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"paymux exited with {self.process.returncode}: {self.log_tail()}")
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=2).status_code < 500
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown code of paymux runs."""
        assert self.process is not None and self.process.poll() is None, "paymux must be running to be killed"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    def token(self) -> str:
        reply = httpx.post(f"{self.base_url}/users/getToken", json=self.credentials, timeout=10).json()
        assert reply["code"] == 0, reply
        return str(reply["response"]["access_token"])

    def api(self, method: str, path: str, *, timeout: float = 10, **kwargs: Any) -> dict[str, Any]:
        """The i'mport envelope of one REST call (a fresh token: the server may have restarted)."""
        reply = httpx.request(method, self.base_url + path, headers={"Authorization": self.token()}, timeout=timeout, **kwargs)
        body: dict[str, Any] = reply.json()
        return body


@pytest.fixture
def paymux(database_url: str, tmp_path: Path, inicis: EmulatorServer) -> Iterator[Paymux]:
    server = Paymux(database_url, tmp_path)
    server.create_live_shop(inicis.base_url)
    try:
        server.start()
        yield server
    finally:
        server.stop()  # whatever happened, no paymux outlives its test


class Waiting(threading.Thread):
    """A client call made in the background; it is expected to get no answer (paymux dies first)."""

    def __init__(self, call: Callable[[], httpx.Response]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.reply: httpx.Response | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.reply = self.call()
        except BaseException as error:  # noqa: BLE001 (the connection dies with the server)
            self.error = error


def approved_at_pg(inicis: EmulatorServer, price: int) -> list[dict[str, Any]]:
    return [p for p in inicis.ledger()["payments"] if p["price"] == price and p["status"] == "approved"]


def kill_while_waiting(
    paymux: Paymux, inicis: EmulatorServer, call: Callable[[], httpx.Response], price: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Start ``call``; once INICIS has committed the approval (its reply still held), SIGKILL paymux.
    Returns the PG's payment and what ``GET /payments/{imp_uid}`` answered just before the kill; the
    caller got no answer."""
    caller = Waiting(call)
    caller.start()
    # Polled every 0.1 s, so the kill comes well inside the SLOW_REPLY_SECONDS the reply is held.
    at_pg = poll("INICIS to commit the approval", lambda: approved_at_pg(inicis, price), 20)
    assert caller.is_alive(), "paymux must still be waiting for INICIS's answer when it is killed"
    oid = at_pg[0]["oid"]  # = the imp_uid paymux sent
    before = paymux.api("GET", f"/payments/{oid}")
    paymux.kill()
    caller.join(timeout=15)
    assert not caller.is_alive() and caller.reply is None and caller.error is not None, "the caller must get no answer"
    return at_pg[0], before


def test_a_billing_charge_approved_at_inicis_when_paymux_is_killed_is_paid_once_after_restart(
    paymux: Paymux, inicis: EmulatorServer
) -> None:
    customer_uid, order, amount = unique("crash_cust"), unique("crash_again"), 7_700
    issued = paymux.api("POST", f"/subscribe/customers/{customer_uid}", json={
        "card_number": CARD_TIMEOUT_APPROVED, **CARD,
        "customer_name": "홍길동", "customer_email": "buyer@example.com", "customer_tel": "010-1234-5678",
    })
    assert issued["code"] == 0 and issued["response"]["pg_id"] == LIVE_MID, issued

    again = {"customer_uid": customer_uid, "merchant_uid": order, "amount": amount, "name": "정기결제 1회차"}
    token = paymux.token()
    at_pg, before = kill_while_waiting(paymux, inicis, lambda: httpx.post(
        f"{paymux.base_url}/subscribe/payments/again", json=again, headers={"Authorization": token},
        timeout=CONNECTOR_TIMEOUT_SECONDS + 10), amount)
    assert before["code"] != 0 and "does not exist" in before["message"]  # only claimed: nothing recorded yet

    paymux.start()  # same data; its workers run the reconciler
    found = poll("the reconciler to record the payment as paid", lambda: (
        body["response"] if (body := paymux.api("GET", f"/payments/find/{order}"))["code"] == 0
        and body["response"]["status"] == "paid" else None), SETTLE_SECONDS, interval=0.5)
    assert (found["imp_uid"], found["amount"], found["pg_tid"]) == (at_pg["oid"], amount, at_pg["tid"])
    assert found["customer_uid"] == customer_uid

    retried = paymux.api("POST", "/subscribe/payments/again", json=again, timeout=CONNECTOR_TIMEOUT_SECONDS + 10)
    assert retried["code"] != 0 and f"order {order} is already paid" in retried["message"], retried
    attempts = paymux.api("GET", f"/payments/findAll/{order}")["response"]["list"]
    assert [p["imp_uid"] for p in attempts if p["status"] == "paid"] == [at_pg["oid"]]
    ledger = inicis.ledger()
    charged = [p for p in ledger["payments"] if p["status"] == "approved"]
    assert [(p["oid"], p["price"], p["balance"]) for p in charged] == [(at_pg["oid"], amount, amount)]  # once, nothing more
    assert len(ledger["payments"]) == 1


def test_a_window_approval_lost_to_a_sigkill_is_net_cancelled_after_restart(paymux: Paymux, inicis: EmulatorServer) -> None:
    amount = 8_800
    window = httpx.post(f"{paymux.base_url}/checkout/window", timeout=10, data={
        "user_code": paymux.user_code, "tier_code": "", "origin": SHOP_ORIGIN, "display": "popup",
        "param": json.dumps(param(unique("crash_window"), amount=amount), ensure_ascii=False),
    })
    assert attrs_of(window.text, "pg-launch") is not None, window.text[:500]
    launch = forms(window.text)["pg-launch-form"].fields
    inicis_window = httpx.post(inicis.base_url + "/payMain/pay", data=launch, timeout=10)
    form = forms(inicis_window.text)["window-form"]
    card = {"card_number": CARD_TIMEOUT_APPROVED, "card_expiry": "12/30", "card_birth": "820213", "card_password": "00"}
    authenticated = httpx.post(urljoin(inicis.base_url + "/", form.action), data={**form.fields, "pay": "1", **card}, timeout=10)
    returned = forms(authenticated.text)["return-form"]
    assert returned.action.startswith(f"{paymux.base_url}/checkout/pg/return?ticket=")

    # the buyer's browser posts INICIS's result to paymux, which approves at payAuth and waits
    at_pg, before = kill_while_waiting(paymux, inicis, lambda: httpx.post(
        returned.action, data=returned.fields, timeout=CONNECTOR_TIMEOUT_SECONDS + 10), amount)
    assert before["code"] == 0 and before["response"]["status"] == "ready", before  # approved at INICIS only
    imp_uid = at_pg["oid"]

    paymux.start()
    stored = poll("the reconciler to settle the window payment", lambda: (
        body["response"] if (body := paymux.api("GET", f"/payments/{imp_uid}"))["code"] == 0
        and body["response"]["status"] != "ready" else None), SETTLE_SECONDS, interval=0.5)
    assert stored["status"] == "failed" and "net-cancelled" in stored["fail_reason"], stored
    assert stored["amount"] == amount and stored["pg_provider"] == "html5_inicis"
    payment = inicis.payment(at_pg["tid"])
    assert payment is not None and (payment["status"], payment["balance"]) == ("cancelled", 0)  # nothing stays charged

    # the buyer's browser re-sends INICIS's result (a refresh): told it failed, nothing charged again
    again = rsp_of(httpx.post(returned.action, data=returned.fields, timeout=CONNECTOR_TIMEOUT_SECONDS + 10))
    assert (again["success"], again["imp_uid"], again["status"]) == (False, imp_uid, "failed")
    ledger = inicis.ledger()
    assert [(p["oid"], p["status"], p["balance"]) for p in ledger["payments"]] == [(imp_uid, "cancelled", 0)]

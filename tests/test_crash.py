"""SIGKILL under load: every acknowledged payment survives, and no order is paid twice."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import free_port, wait_until_healthy
from tests.postgres import fresh_database

CARD = {"card_number": "5361-4812-3456-1234", "expiry": "2030-12", "birth": "820213"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'paymux.db'}"
        return
    with fresh_database() as url:
        yield url


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "paymux.cli", "serve", "--port", str(port), "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process)
    return process


def test_sigkill_under_load_loses_no_acknowledged_payment(database_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PAYMUX_DATA_DIR": str(tmp_path),
        "PAYMUX_DATABASE_URL": database_url,
        "PAYMUX_VAULT_KEYS": "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PAYMUX_PENDING_GRACE_SECONDS": "0",
    }
    cli = [sys.executable, "-m", "paymux.cli"]
    created = json.loads(subprocess.run([*cli, "merchant", "create", "--name", "crash", "--json"], env=env, capture_output=True, text=True, check=True).stdout)
    subprocess.run([*cli, "channel", "add", "--merchant", created["user_code"], "--pg", "kcp", "--type", "api"], env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(env, port)
    credentials = {"imp_key": created["imp_key"], "imp_secret": created["imp_secret"]}
    token = httpx.post(f"{base}/users/getToken", json=credentials).json()["response"]["access_token"]
    headers = {"Authorization": token}
    assert httpx.post(f"{base}/subscribe/customers/crash_cust", headers=headers, json=CARD).json()["code"] == 0

    acknowledged: dict[str, str] = {}  # merchant_uid → imp_uid the client was told is paid
    sent: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(worker: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
            for n in range(10_000):
                if stop.is_set():
                    return
                order = f"crash_{worker}_{n}"
                with lock:
                    sent.append(order)
                try:
                    reply = http.post("/subscribe/payments/again", json={"customer_uid": "crash_cust", "merchant_uid": order, "amount": 1_000})
                    body = reply.json()
                except (httpx.HTTPError, ValueError):
                    continue  # the server died mid-request: not acknowledged
                if body["code"] == 0:
                    with lock:
                        acknowledged[order] = body["response"]["imp_uid"]

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acknowledged) >= 50, "too little load before the kill to mean anything"

    server = _serve(env, port)  # restart on the same data
    try:
        token = httpx.post(f"{base}/users/getToken", json=credentials).json()["response"]["access_token"]
        with httpx.Client(base_url=base, headers={"Authorization": token}, timeout=30) as http:
            for order, imp_uid in acknowledged.items():
                found = http.get(f"/payments/{imp_uid}").json()
                assert found["code"] == 0 and found["response"]["status"] == "paid", (order, found)
                assert found["response"]["merchant_uid"] == order
            # retrying every order that was sent never pays one twice
            for order in sent:
                http.post("/subscribe/payments/again", json={"customer_uid": "crash_cust", "merchant_uid": order, "amount": 1_000})
            for order in sent:
                attempts = http.get(f"/payments/findAll/{order}").json()
                paid = [p for p in (attempts["response"] or {}).get("list", []) if p["status"] == "paid"]
                assert len(paid) <= 1, (order, paid)
                if order in acknowledged:
                    assert [p["imp_uid"] for p in paid] == [acknowledged[order]]
    finally:
        server.terminate()
        server.wait(timeout=30)

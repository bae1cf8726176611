"""``paymux pg-emulator nice --port N`` serves the emulator in its own process: the manual's sample
merchant authenticates a card in its window and approves it there, and its ledger answers on
``/_emulator/transactions``."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from pathlib import Path

import httpx

from paymux.connectors.base import WindowLaunch
from paymux.connectors.nice.emulator import MANUAL_SAMPLE, PAYMUX_LIVE
from tests.connectors.inicis.support import free_port
from tests.connectors.nice.support import authenticate


def test_the_cli_serves_a_nice_emulator_on_the_given_port() -> None:
    port = free_port()
    paymux = Path(sys.executable).parent / "paymux"
    process = subprocess.Popen([str(paymux), "pg-emulator", "nice", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                index = httpx.get(base + "/_emulator/", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "the emulator did not start"
                time.sleep(0.2)
        assert MANUAL_SAMPLE.client_id in index.text and PAYMUX_LIVE.client_id in index.text
        returned = authenticate(WindowLaunch(url="", script_url=base + "/v1/js/", fields={
            "clientId": MANUAL_SAMPLE.client_id, "method": "card", "orderId": "CLI_0001", "amount": "1004",
            "goodsName": "나이스페이-상품", "returnUrl": "http://localhost:4567/serverAuth"}))
        basic = base64.b64encode(f"{MANUAL_SAMPLE.client_id}:{MANUAL_SAMPLE.secret_key}".encode()).decode()
        answer = httpx.post(f"{base}/v1/payments/{returned['tid']}", json={"amount": 1004},
                            headers={"Authorization": f"Basic {basic}"}).json()
        assert (answer["resultCode"], answer["status"], answer["orderId"]) == ("0000", "paid", "CLI_0001")
        ledger = httpx.get(base + "/_emulator/transactions").json()
        assert [(p["order_id"], p["balance"]) for p in ledger["payments"]] == [("CLI_0001", 1004)]
    finally:
        process.terminate()
        process.wait(timeout=15)

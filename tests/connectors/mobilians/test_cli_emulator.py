"""``paymux pg-emulator mobilians --port N`` serves the emulator in its own process: Mobilians' public
test service registers a phone trade there, and its ledger answers on ``/_emulator/transactions``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from paymux.connectors.mobilians import protocol
from paymux.connectors.mobilians.client import PUBLIC_TEST_SID, PUBLIC_TEST_SKEY
from tests.connectors.inicis.support import free_port


def test_the_cli_serves_a_mobilians_emulator_on_the_given_port() -> None:
    port = free_port()
    paymux = Path(sys.executable).parent / "paymux"
    process = subprocess.Popen([str(paymux), "pg-emulator", "mobilians", "--port", str(port)],
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
        assert PUBLIC_TEST_SID in index.text and "paymuxmc0001" in index.text
        body = {"sid": PUBLIC_TEST_SID, "cash_code": "MC", "product_name": "테스트상품", "trade_id": "CLI_0001",
                "site_url": "www.example.com", "ok_url": "https://www.example.com/payment/result", "amount": {"total": 1000}}
        answer = httpx.post(base + protocol.REGISTRATION, json=body).json()
        assert answer["code"] == "0000"
        assert answer["hmac"] == protocol.result_hmac(PUBLIC_TEST_SKEY, 1000, body["ok_url"], "CLI_0001", answer["time_stamp"])
        ledger = httpx.get(base + "/_emulator/transactions").json()
        assert [r["trade_id"] for r in ledger["registrations"]] == ["CLI_0001"]
    finally:
        process.terminate()
        process.wait(timeout=15)

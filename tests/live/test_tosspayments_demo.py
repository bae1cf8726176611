"""``paymux demo`` serves the Toss Payments emulator itself (``/pg-emulator/tosspayments``) with live-protocol
channels on it — a card payment and a virtual account whose DEPOSIT_CALLBACK comes back to the same
paymux — and ``paymux pg-emulator tosspayments --port N`` serves it alone; both as real processes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from paymux.connectors.tosspayments import codes
from paymux.demo import DEMO_IMP_KEY, DEMO_IMP_SECRET, DEMO_USER_CODE
from tests.connectors.inicis.support import attrs_of, forms
from tests.connectors.tosspayments.support import Buyer
from tests.harness import start_paymux_process, stop_process

pytestmark = pytest.mark.slow


def _pay(base: str, param: dict[str, object], choice: str | None = None) -> dict[str, object]:
    launch = httpx.post(f"{base}/checkout/window", data={
        "user_code": DEMO_USER_CODE, "param": json.dumps(param), "origin": base, "display": "popup"}, timeout=30)
    assert attrs_of(launch.text, "pg-launch")["data-mode"] == "live"  # type: ignore[index]
    assert f'src="{base}/pg-emulator/tosspayments/js/v1/payment"' in launch.text
    emulator = Buyer(f"{base}/pg-emulator/tosspayments")
    location = emulator.pay(emulator.window_url("payment", forms(launch.text)["pg-launch-form"].fields), choice=choice)
    assert '"success": true' in httpx.get(location, timeout=30).text
    token = httpx.post(f"{base}/users/getToken", json={"imp_key": DEMO_IMP_KEY, "imp_secret": DEMO_IMP_SECRET}).json()
    found: dict[str, object] = httpx.get(f"{base}/payments/find/{param['merchant_uid']}",
                                         headers={"Authorization": token["response"]["access_token"]}).json()["response"]
    return found


def test_the_demo_pays_by_card_and_by_virtual_account_through_its_built_in_toss_emulator(tmp_path: Path) -> None:
    process, base = start_paymux_process(tmp_path, "demo")
    try:
        paid = _pay(base, {"pg": "tosspayments.paymuxlive", "pay_method": "card", "merchant_uid": "demo_toss_1",
                           "name": "토스페이먼츠 데모", "amount": 1500, "buyer_name": "홍길동"})
        assert (paid["status"], paid["amount"], paid["pg_id"], paid["pg_provider"]) == ("paid", 1500, "paymuxlive", "tosspayments")
        vbank = _pay(base, {"pg": "tosspayments.paymuxlive", "pay_method": "vbank", "merchant_uid": "demo_toss_2",
                            "name": "가상계좌 데모", "amount": 2500, "buyer_name": "홍길동"}, choice="04")
        assert (vbank["status"], vbank["vbank_code"]) == ("ready", "004")
        sent = httpx.post(f"{base}/pg-emulator/tosspayments/_emulator/deposit", json={"orderId": vbank["imp_uid"]}, timeout=60).json()
        assert sent["attempts"] == [200]
        token = httpx.post(f"{base}/users/getToken", json={"imp_key": DEMO_IMP_KEY, "imp_secret": DEMO_IMP_SECRET}).json()
        after = httpx.get(f"{base}/payments/{vbank['imp_uid']}", headers={"Authorization": token["response"]["access_token"]}).json()
        assert (after["response"]["status"], after["response"]["amount"]) == ("paid", 2500)
    finally:
        stop_process(process)


def test_the_cli_serves_the_toss_emulator_with_tosss_auth_and_error_body(tmp_path: Path) -> None:
    process, base = start_paymux_process(tmp_path, "pg-emulator", "tosspayments")
    try:
        assert "tvivarepublica" in httpx.get(f"{base}/_emulator/").text
        auth = "Basic " + base64.b64encode(f"{codes.PUBLIC_TEST_SECRET_KEY}:".encode()).decode()
        missing = httpx.get(f"{base}/v1/payments/orders/cli-order-1", headers={"Authorization": auth})
        assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND_PAYMENT")
        refused = httpx.get(f"{base}/v1/payments/orders/cli-order-1")
        assert (refused.status_code, refused.json()) == (401, {"code": "UNAUTHORIZED_KEY", "message": codes.message("UNAUTHORIZED_KEY")})
        assert "window.TossPayments" in httpx.get(f"{base}/js/v1/payment").text
    finally:
        stop_process(process)

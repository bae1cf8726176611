"""``paymux demo`` serves the Kakao Pay emulator itself (``/pg-emulator/kakaopay``) with live-protocol
channels on it, and ``paymux pg-emulator kakaopay --port N`` serves it alone — both as real processes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from paymux.demo import DEMO_IMP_KEY, DEMO_IMP_SECRET, DEMO_USER_CODE
from tests.connectors.inicis.support import attrs_of, forms
from tests.connectors.kakaopay.support import TEST_SECRET_KEY, Buyer
from tests.harness import start_paymux_process, stop_process

pytestmark = pytest.mark.slow


def test_the_demo_pays_through_its_built_in_kakao_pay_emulator(tmp_path: Path) -> None:
    process, base = start_paymux_process(tmp_path, "demo")
    try:
        param = {"pg": "kakaopay.CPAYMUX001", "pay_method": "kakaopay", "merchant_uid": "demo_kakao_1",
                 "name": "카카오페이 데모", "amount": 1500, "buyer_name": "홍길동"}
        launch = httpx.post(f"{base}/checkout/window", data={
            "user_code": DEMO_USER_CODE, "param": json.dumps(param), "origin": base, "display": "popup"})
        assert attrs_of(launch.text, "pg-launch")["data-mode"] == "live"  # type: ignore[index]
        form = forms(launch.text)["pg-launch-form"]
        assert form.action.startswith(f"{base}/pg-emulator/kakaopay/mockup/v1/")
        buyer = Buyer()
        buyer.open(form.action)
        location = buyer.press("approve").headers["location"]
        assert '"success": true' in httpx.get(location, timeout=30).text

        token = httpx.post(f"{base}/users/getToken", json={"imp_key": DEMO_IMP_KEY, "imp_secret": DEMO_IMP_SECRET}).json()
        headers = {"Authorization": token["response"]["access_token"]}
        paid = httpx.get(f"{base}/payments/find/demo_kakao_1", headers=headers).json()["response"]
        assert (paid["status"], paid["amount"], paid["pg_id"], paid["pg_provider"]) == ("paid", 1500, "CPAYMUX001", "kakaopay")
        ledger = httpx.get(f"{base}/pg-emulator/kakaopay/_emulator/transactions").json()
        assert [p["total"] for p in ledger["payments"] if p["partner_order_id"] == paid["imp_uid"] and p["approved_at"]] == [1500]
    finally:
        stop_process(process)


def test_the_cli_serves_the_kakao_pay_emulator_in_both_api_generations(tmp_path: Path) -> None:
    process, base = start_paymux_process(tmp_path, "pg-emulator", "kakaopay")
    try:
        assert "TCSUBSCRIP (subscription)" in httpx.get(f"{base}/_emulator/").text
        body = {"cid": "TC0ONETIME", "partner_order_id": "cli-1", "partner_user_id": "u", "item_name": "x", "quantity": 1,
                "total_amount": 1000, "tax_free_amount": 0, "approval_url": "http://shop.invalid/a",
                "cancel_url": "http://shop.invalid/c", "fail_url": "http://shop.invalid/f"}
        ready = httpx.post(f"{base}/online/v1/payment/ready", json=body, headers={"Authorization": f"SECRET_KEY {TEST_SECRET_KEY}"})
        assert ready.status_code == 200 and ready.json()["next_redirect_pc_url"].startswith(base + "/mockup/v1/")
        older = httpx.post(f"{base}/v1/payment/order", data={"cid": "TC0ONETIME", "tid": ready.json()["tid"]},
                           headers={"Authorization": "KakaoAK " + "ab" * 16})
        assert (older.status_code, older.json()["status"]) == (200, "READY")
        refused = httpx.post(f"{base}/online/v1/payment/order", json={"cid": "TC0ONETIME", "tid": ready.json()["tid"]})
        assert (refused.status_code, refused.json()["error_code"]) == (401, -401)
    finally:
        stop_process(process)

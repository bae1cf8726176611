"""``paymux demo`` serves the NICE Pay emulator itself (``/pg-emulator/nice``): the demo's
``nice.paymuxnc1m`` channel pays offline through ``AUTHNICE.requestPay``, NICE's window and the server
approval, and a billing key by API is charged, all inside the one demo process."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from paymux.connectors.base import WindowLaunch
from paymux.demo import DEMO_IMP_KEY, DEMO_IMP_SECRET, DEMO_USER_CODE
from tests.connectors.inicis.support import attrs_of, forms
from tests.connectors.nice.support import authenticate
from tests.harness import CARD_OK, start_paymux_process, stop_process

pytestmark = pytest.mark.slow


def test_the_demo_pays_through_its_built_in_nice_emulator(tmp_path: Path) -> None:
    process, base = start_paymux_process(tmp_path, "demo")
    try:
        param = {"pg": "nice.paymuxnc1m", "pay_method": "card", "merchant_uid": "demo_nice_1", "name": "주문명:결제테스트",
                 "amount": 14000, "buyer_name": "홍길동", "buyer_tel": "010-1234-5678"}
        launch = httpx.post(f"{base}/checkout/window", data={
            "user_code": DEMO_USER_CODE, "param": json.dumps(param), "origin": base, "display": "popup"})
        assert attrs_of(launch.text, "pg-launch")["data-pg"] == "nice"  # type: ignore[index]
        script = f"{base}/pg-emulator/nice/v1/js/"
        assert f'src="{script}"' in launch.text
        fields = forms(launch.text)["pg-launch-form"].fields
        returned = authenticate(WindowLaunch(url="", fields=fields, script_url=script))
        action = returned.pop("action")
        assert action.startswith(f"{base}/checkout/pg/return")
        assert '"success": true' in httpx.post(action, data=returned, timeout=30).text

        token = httpx.post(f"{base}/users/getToken", json={"imp_key": DEMO_IMP_KEY, "imp_secret": DEMO_IMP_SECRET}).json()
        headers = {"Authorization": token["response"]["access_token"]}
        paid = httpx.get(f"{base}/payments/find/demo_nice_1", headers=headers).json()["response"]
        assert (paid["status"], paid["amount"], paid["pg_id"], paid["pg_provider"]) == ("paid", 14000, "paymuxnc1m", "nice")
        ledger = httpx.get(f"{base}/pg-emulator/nice/_emulator/transactions").json()
        assert [(p["amount"], p["status"]) for p in ledger["payments"] if p["order_id"] == paid["imp_uid"]] == [(14000, "paid")]

        key = {"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00", "pg": "nice.paymuxnc1m"}
        issued = httpx.post(f"{base}/subscribe/customers/demo_nice_cust", json=key, headers=headers).json()
        assert issued["code"] == 0 and issued["response"]["pg_provider"] == "nice", issued
        again = httpx.post(f"{base}/subscribe/payments/again", headers=headers, json={
            "customer_uid": "demo_nice_cust", "merchant_uid": "demo_nice_2", "amount": 9900, "name": "월 구독"}).json()
        assert again["code"] == 0 and again["response"]["status"] == "paid", again
    finally:
        stop_process(process)

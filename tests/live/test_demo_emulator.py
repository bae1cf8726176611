"""``paymux demo`` serves the KG INICIS emulator itself: the demo's live-protocol channel pays offline
through INICIS's real window, approval and deposit notice, all inside the one demo process."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from paymux.demo import DEMO_IMP_KEY, DEMO_IMP_SECRET, DEMO_USER_CODE
from tests.connectors.inicis.support import attrs_of, forms
from tests.harness import CARD_OK, start_paymux_process, stop_process

pytestmark = pytest.mark.slow


def test_the_demo_pays_through_its_built_in_inicis_emulator(tmp_path: Path) -> None:
    process, base = start_paymux_process(tmp_path, "demo")
    try:
        param = {"pg": "html5_inicis.paymuxLive1", "pay_method": "card", "merchant_uid": "demo_live_1",
                 "name": "주문명:결제테스트", "amount": 1004, "buyer_name": "홍길동", "buyer_tel": "010-1234-5678"}
        launch = httpx.post(f"{base}/checkout/window", data={
            "user_code": DEMO_USER_CODE, "param": json.dumps(param), "origin": base, "display": "popup"})
        assert attrs_of(launch.text, "pg-launch")["data-mode"] == "live"  # type: ignore[index]
        assert f'src="{base}/pg-emulator/inicis/stdjs/INIStdPay.js"' in launch.text
        fields = forms(launch.text)["pg-launch-form"].fields
        window = httpx.post(f"{base}/pg-emulator/inicis/payMain/pay", data=fields)
        form = forms(window.text)["window-form"]
        card = {"card_number": CARD_OK, "card_expiry": "12/30", "card_birth": "820213", "card_password": "00", "pay": "1"}
        returned = forms(httpx.post(urljoin(base + "/", form.action), data={**form.fields, **card}).text)["return-form"]
        result = httpx.post(returned.action, data=returned.fields, timeout=30)
        assert '"success": true' in result.text

        token = httpx.post(f"{base}/users/getToken", json={"imp_key": DEMO_IMP_KEY, "imp_secret": DEMO_IMP_SECRET}).json()
        headers = {"Authorization": token["response"]["access_token"]}
        paid = httpx.get(f"{base}/payments/find/demo_live_1", headers=headers).json()["response"]
        assert (paid["status"], paid["amount"], paid["pg_id"]) == ("paid", 1004, "paymuxLive1")
        ledger = httpx.get(f"{base}/pg-emulator/inicis/_emulator/transactions").json()
        assert [p["price"] for p in ledger["payments"] if p["oid"] == paid["imp_uid"]] == [1004]
    finally:
        stop_process(process)

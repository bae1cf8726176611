"""``paymux demo`` serves the KG Mobilians emulator itself (``/pg-emulator/mobilians``): the demo's
``mobilians.paymuxmc0001`` channel pays offline through Mobilians' REST registration, phone window and
approval, all inside the one demo process."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from paymux.demo import DEMO_IMP_KEY, DEMO_IMP_SECRET, DEMO_USER_CODE
from tests.connectors.inicis.support import attrs_of, forms
from tests.connectors.mobilians.support import authenticate
from tests.harness import start_paymux_process, stop_process

pytestmark = pytest.mark.slow


def test_the_demo_pays_a_phone_payment_through_its_built_in_mobilians_emulator(tmp_path: Path) -> None:
    process, base = start_paymux_process(tmp_path, "demo")
    try:
        param = {"pg": "mobilians.paymuxmc0001", "pay_method": "phone", "merchant_uid": "demo_mobilians_1",
                 "name": "Order name: Test payment request", "amount": 14000, "buyer_name": "John Doe",
                 "buyer_tel": "010-1234-5678"}
        launch = httpx.post(f"{base}/checkout/window", data={
            "user_code": DEMO_USER_CODE, "param": json.dumps(param), "origin": base, "display": "popup"})
        assert attrs_of(launch.text, "pg-launch")["data-pg"] == "mobilians"  # type: ignore[index]
        form = forms(launch.text)["pg-launch-form"]
        assert form.action == f"{base}/pg-emulator/mobilians/MUP/api/payment.mcash"
        emulator = SimpleNamespace(base_url=f"{base}/pg-emulator/mobilians")
        returned = authenticate(emulator, form.action, form.fields["tid"])  # type: ignore[arg-type]
        action = returned.pop("action")
        assert '"success": true' in httpx.post(action, data=returned, timeout=30).text

        token = httpx.post(f"{base}/users/getToken", json={"imp_key": DEMO_IMP_KEY, "imp_secret": DEMO_IMP_SECRET}).json()
        headers = {"Authorization": token["response"]["access_token"]}
        paid = httpx.get(f"{base}/payments/find/demo_mobilians_1", headers=headers).json()["response"]
        assert (paid["status"], paid["amount"], paid["pg_id"], paid["pay_method"]) == ("paid", 14000, "paymuxmc0001", "phone")
        ledger = httpx.get(f"{base}/pg-emulator/mobilians/_emulator/transactions").json()
        assert [p["amount"] for p in ledger["payments"] if p["trade_id"] == paid["imp_uid"]] == [14000]
    finally:
        stop_process(process)

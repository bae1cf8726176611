"""Toss Payments in real headless Chromium, on a live-mode channel pointed at the Toss Payments emulator.

This is where paymux's launch page really runs Toss's SDK call: the page loads the SDK (the emulator's
stand-in of ``js.tosspayments.com/v1/payment``) under paymux's CSP nonce and calls
``TossPayments(clientKey).requestPayment(method, {amount, orderId, orderName, successUrl, failUrl, …})``
from its hidden fields; the SDK opens Toss's window; the buyer pays there; Toss sends the browser to
paymux's successUrl and paymux confirms. The shop page is an ``IMP.request_pay`` call as i'mport documents
it for Toss Payments (``pg: "tosspayments"``). Each test checks what the shop saw against
``GET /payments/{imp_uid}`` and the emulator's ledger.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.connectors.tosspayments.support import TossEmulator
from tests.harness import GatewayServer, TestMerchant
from tests.live.test_inicis_browser import SHOP_PAGE

pytestmark = pytest.mark.slow

CARD_CALL = """IMP.request_pay({ pg: "tosspayments", pay_method: "card", amount: 1000, name: "Sample order",
  buyer_name: "Buyer", buyer_email: "buyer@iamport.kr" }, function (rsp) { record(rsp); });"""
BILLING_CALL = """IMP.request_pay({ pg: "tosspayments", pay_method: "card", amount: 0, name: "정기결제 카드 등록",
  customer_uid: "%s", buyer_name: "Buyer", buyer_email: "buyer@iamport.kr" }, function (rsp) { record(rsp); });"""


def shop_page(shop_site: ShopSite, gateway: GatewayServer, user_code: str, call: str) -> str:
    path = f"/toss-{secrets.token_hex(4)}.html"
    shop_site.pages[path] = SHOP_PAGE % {
        "script_url": f"{gateway.base_url}/v1/iamport.js", "user_code": json.dumps(user_code), "example": call}
    return shop_site.origin + path


def open_toss(page: Any, url: str) -> Any:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.get_by_test_id("pay").click()
    frame = page.frame_locator("iframe[data-paymux-window]")
    frame.get_by_test_id("toss-window").wait_for()
    assert errors == []
    return frame


def result(page: Any) -> dict[str, Any]:
    page.wait_for_function("() => document.getElementById('rsp').textContent.length > 0")
    return json.loads(page.get_by_test_id("rsp").text_content())


def test_the_launch_page_runs_tosss_sdk_call_and_paymux_confirms_the_card_payment(
    gateway: GatewayServer, toss_shop: TestMerchant, toss_pg: TossEmulator, shop_site: ShopSite, page: Any,
    request: pytest.FixtureRequest,
) -> None:
    window = open_toss(page, shop_page(shop_site, gateway, toss_shop.user_code, CARD_CALL))
    root = window.get_by_test_id("toss-window")
    assert (root.get_attribute("data-kind"), root.get_attribute("data-method")) == ("payment", "카드")
    assert window.get_by_test_id("order-amount").get_attribute("data-amount") == "1000"
    assert window.get_by_test_id("order-name").text_content() == "Sample order"
    screenshot(page, request, "toss-window")
    window.get_by_test_id("pay").click()
    rsp = result(page)
    assert (rsp["success"], rsp["status"], rsp["paid_amount"], rsp["pg_provider"]) == (True, "paid", 1000, "tosspayments")
    stored = toss_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    [at_pg] = toss_pg.payments_for(rsp["imp_uid"])
    assert (at_pg["status"], at_pg["total"], at_pg["payment_key"], at_pg["order_name"]) == ("DONE", 1000, stored["pg_tid"], "Sample order")


def test_the_billing_auth_window_registers_a_card_without_charging(
    gateway: GatewayServer, toss_shop: TestMerchant, toss_pg: TossEmulator, shop_site: ShopSite, page: Any,
    request: pytest.FixtureRequest,
) -> None:
    customer = "cust_" + secrets.token_hex(5)
    window = open_toss(page, shop_page(shop_site, gateway, toss_shop.user_code, BILLING_CALL % customer))
    assert window.get_by_test_id("toss-window").get_attribute("data-kind") == "billing"
    window.get_by_test_id("pay").click()
    rsp = result(page)
    assert (rsp["success"], rsp["customer_uid"]) == (True, customer)
    key = toss_shop.api("GET", f"/subscribe/customers/{customer}").expect_ok()
    assert (key["pg_provider"], key["card_name"]) == ("tosspayments", "신한카드")
    assert toss_pg.money_moved(rsp["imp_uid"]) == 0

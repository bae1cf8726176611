"""NICE Pay's window in real headless Chromium, on a live-mode ``nice`` channel pointed at the NICE
emulator: the shop page calls ``IMP.request_pay({pg: "nice", …})``; the browser runs paymux's launch page,
which loads NICE's JS SDK (the emulator's stand-in, under the launch page's CSP) and calls
``AUTHNICE.requestPay``; the buyer enters a card in NICE's window; NICE POSTs the authentication to
paymux's returnUrl and paymux approves server-side. Each test checks what the shop saw against
``GET /payments/{imp_uid}`` and NICE's own ledger.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from paymux.connectors.nice.emulator import PAYMUX_LIVE
from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.connectors.nice.support import NiceEmulator
from tests.harness import GatewayServer, TestMerchant
from tests.live.test_inicis_browser import SHOP_PAGE

pytestmark = pytest.mark.slow

CALL = """IMP.request_pay({ pg: "nice", pay_method: "card", merchant_uid: "%s", amount: %d, name: "주문명:결제테스트",
  buyer_name: "홍길동", buyer_tel: "010-1234-5678", buyer_email: "buyer@example.com" }, function (rsp) { record(rsp); });"""


def shop_page(shop_site: ShopSite, gateway: GatewayServer, user_code: str, call: str) -> str:
    path = f"/nice-{secrets.token_hex(4)}.html"
    shop_site.pages[path] = SHOP_PAGE % {
        "script_url": f"{gateway.base_url}/v1/iamport.js", "user_code": json.dumps(user_code), "example": call}
    return shop_site.origin + path


class NiceCheckout:
    """One buyer in Chromium: the shop page, the SDK's overlay, and NICE's window inside it."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[tuple[str, str]] = []
        self.errors: list[str] = []
        page.on("request", lambda sent: self.requests.append((sent.method, sent.url)))
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.get_by_test_id("pay").click()
        frame = self.page.frame_locator("iframe[data-paymux-window]")
        frame.get_by_test_id("nice-window").wait_for()
        return frame

    def result(self) -> dict[str, Any]:
        self.page.wait_for_function("document.getElementById('rsp').textContent.length > 0")
        return json.loads(self.page.get_by_test_id("rsp").text_content())


def test_a_card_payment_in_nices_window_in_chromium(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant, shop_site: ShopSite, page: Any,
    request: pytest.FixtureRequest,
) -> None:
    order = "nice_" + secrets.token_hex(5)
    buyer = NiceCheckout(page)
    window = buyer.open(shop_page(shop_site, gateway, nice_shop.user_code, CALL % (order, 14_000)))
    assert window.get_by_test_id("order-amount").get_attribute("data-amount") == "14000"
    assert window.get_by_test_id("merchant-name").text_content() == PAYMUX_LIVE.name
    assert ("GET", nice_pg.base_url + "/v1/js/") in buyer.requests
    assert ("POST", nice_pg.base_url + "/v1/pay/window") in buyer.requests
    screenshot(page, request, "nice-window")
    window.get_by_test_id("pay").click()
    rsp = buyer.result()
    screenshot(page, request, "result")
    assert (rsp["success"], rsp["status"], rsp["paid_amount"], rsp["pg_provider"]) == (True, "paid", 14_000, "nice")
    stored = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    [at_pg] = nice_pg.payments_for(rsp["imp_uid"])
    assert (stored["status"], stored["pg_tid"], at_pg["status"], at_pg["balance"]) == ("paid", at_pg["tid"], "paid", 14_000)
    assert not [e for e in buyer.errors if "Content Security Policy" in e]


def test_the_buyer_cancels_in_nices_window_in_chromium(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant, shop_site: ShopSite, page: Any,
    request: pytest.FixtureRequest,
) -> None:
    order = "nice_" + secrets.token_hex(5)
    buyer = NiceCheckout(page)
    window = buyer.open(shop_page(shop_site, gateway, nice_shop.user_code, CALL % (order, 14_000)))
    window.get_by_test_id("cancel").click()
    rsp = buyer.result()
    screenshot(page, request, "result")
    assert (rsp["success"], rsp["status"]) == (False, "failed")
    assert nice_pg.payments_for(rsp["imp_uid"]) == []

"""Seed 004's KG Mobilians examples in real headless Chromium against a live ``mobilians`` channel
pointed at the Mobilians emulator: the shop page runs the seed's ``IMP.request_pay`` as written (only
the script URL, ``IMP.init``'s user code, a unique ``merchant_uid`` and the ``{…}`` placeholders
changed); the browser goes through the SDK's overlay, paymux's launch page, Mobilians' phone window
(number, SMS code, confirm), Mobilians' EUC-KR hand-off to paymux's ok_url, and paymux's approval.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.connectors.mobilians.support import MobiliansEmulator
from tests.harness import GatewayServer, TestMerchant, unique
from tests.harness import request as api_request

pytestmark = pytest.mark.slow

# seed 004, "Authenticated payment request" (verbatim apart from merchant_uid, m_redirect_url and the callback body)
AUTHENTICATED_EXAMPLE = """IMP.request_pay({
pg : 'mobilians',
pay_method : 'phone',
merchant_uid : %(merchant_uid)s, // Example: order_no_0001
name : 'Order name: Test payment request',
amount : 14000,
buyer_email : '[email protected]',
buyer_name : 'John Doe',
buyer_tel : '010-1234-5678', //required
buyer_addr : 'Shinsa-dong, Gangnam-gu, Seoul',
buyer_postcode : '123-456',
m_redirect_url : %(m_redirect_url)s // Example: https://www.my-service.com/payments/complete/mobile
}, function(rsp) { // callback logic
record(rsp);
});"""

# seed 004, "Non-authenticated payment request" (verbatim apart from merchant_uid, customer_uid, m_redirect_url)
BILLING_KEY_EXAMPLE = """IMP.request_pay({
pg : 'mobilians',
pay_method : 'phone',
merchant_uid : %(merchant_uid)s, // Example: issue_billingkey_monthly_0001
name : 'Initial billing key request',
amount : 0, // For display purpose only (no payment approval).
customer_uid : %(customer_uid)s, // Required (Example: gildong_0001_1234)
buyer_email: "[email protected]",
buyer_name: "John Doe",
buyer_tel : '02-1234-1234',
m_redirect_url : %(m_redirect_url)s // Example: https://www.my-service.com/payments/complete/mobile (for mobile only)
}, function(rsp) {
record(rsp);
if ( rsp.success ) {
alert('Success');
} else {
alert('Failed');
}
});"""

SHOP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title>
<script src="%(script_url)s"></script></head>
<body>
<button id="pay" data-testid="pay">결제하기</button>
<pre id="rsp" data-testid="rsp" style="white-space:pre-wrap"></pre>
<script>
IMP.init(%(user_code)s);
function record(rsp) { document.getElementById("rsp").textContent = JSON.stringify(rsp, null, 2); }
document.getElementById("pay").addEventListener("click", function () {
%(example)s
});
</script>
</body></html>"""


def seed_page(shop_site: ShopSite, gateway: GatewayServer, user_code: str, example: str, **values: str) -> str:
    script = example % {name: json.dumps(value) for name, value in values.items()}
    path = f"/mobilians-{secrets.token_hex(4)}.html"
    shop_site.pages[path] = SHOP_PAGE % {"script_url": f"{gateway.base_url}/v1/iamport.js", "user_code": json.dumps(user_code),
                                         "example": script}
    return shop_site.origin + path


class Buyer:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.get_by_test_id("pay").click()
        window = self.page.frame_locator("iframe[data-paymux-window]")
        window.get_by_test_id("mobilians-window").wait_for()
        return window

    def confirm_phone(self, window: Any, phone: str = "01012345678") -> None:
        window.get_by_test_id("phone").fill(phone)
        window.get_by_test_id("send-code").click()
        code = window.get_by_test_id("sms-code-value").text_content()
        window.get_by_test_id("sms-code").fill(code)

    def result(self) -> dict[str, Any]:
        self.page.wait_for_function("document.getElementById('rsp').textContent.length > 0")
        assert self.page.locator("[data-paymux-overlay]").count() == 0, "the overlay must close with the result"
        return json.loads(self.page.get_by_test_id("rsp").text_content())


def test_the_seed_authenticated_phone_payment_pays_through_mobilians_window(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant, shop_site: ShopSite,
    page: Any, request: pytest.FixtureRequest,
) -> None:
    buyer = Buyer(page)
    order = unique("order_no")
    url = seed_page(shop_site, gateway, mobilians_shop.user_code, AUTHENTICATED_EXAMPLE, merchant_uid=order,
                    m_redirect_url=f"{shop_site.origin}/complete")
    window = buyer.open(url)
    assert window.get_by_test_id("mobilians-window").get_attribute("data-mode") == "pay"
    assert window.get_by_test_id("order-amount").get_attribute("data-amount") == "14000"
    assert window.get_by_test_id("phone").input_value() == "01012345678"  # buyer_tel handed to Mobilians (mc_no)
    buyer.confirm_phone(window)
    screenshot(page, request, "mobilians-window")
    window.get_by_test_id("approve").click()
    rsp = buyer.result()
    screenshot(page, request, "result")
    assert rsp["success"] is True, rsp
    assert (rsp["paid_amount"], rsp["merchant_uid"], rsp["pg_provider"], rsp["pay_method"]) == (14_000, order, "mobilians", "phone")
    stored = mobilians_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["buyer_tel"]) == ("paid", 14_000, "010-1234-5678")
    at_pg = mobilians_pg.payment(rsp["imp_uid"])
    assert at_pg is not None and (at_pg["amount"], at_pg["pay_token"]) == (14_000, stored["pg_tid"])


def test_the_seed_billing_key_window_charges_nothing_then_the_seed_again_call_charges(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant, shop_site: ShopSite,
    page: Any, request: pytest.FixtureRequest,
) -> None:
    buyer = Buyer(page)
    customer = unique("gildong_0001")
    url = seed_page(shop_site, gateway, mobilians_shop.user_code, BILLING_KEY_EXAMPLE, merchant_uid=unique("issue_billingkey_monthly"),
                    customer_uid=customer, m_redirect_url=f"{shop_site.origin}/complete")
    window = buyer.open(url)
    assert window.get_by_test_id("mobilians-window").get_attribute("data-mode") == "billing"
    window.get_by_test_id("billing-note").wait_for()
    buyer.confirm_phone(window)
    screenshot(page, request, "mobilians-billing-window")
    window.get_by_test_id("approve").click()
    rsp = buyer.result()
    assert buyer.dialogs == ["Success"]  # the seed's own callback ran
    assert (rsp["success"], rsp["customer_uid"], rsp["paid_amount"]) == (True, customer, 0)
    assert mobilians_pg.payment(rsp["imp_uid"]) is None  # "does not process the payment when issuing the billing key"
    # the seed's server-side curl, with the stored customer_uid
    again = {"customer_uid": customer, "merchant_uid": unique("order_id"), "amount": 3000}
    charged = api_request(gateway, "POST", "/subscribe/payments/again", json=again,
                          headers={"Content-Type": "application/json", "Authorization": mobilians_shop.token()}).expect_ok()
    assert (charged["status"], charged["amount"]) == ("paid", 3000)
    assert mobilians_pg.payment(charged["imp_uid"])["amount"] == 3000

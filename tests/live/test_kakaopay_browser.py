"""The seeds' Kakao Pay example in real headless Chromium, on a live-mode Kakao Pay channel pointed at the
Kakao Pay emulator.

The shop page runs seed 000's example (``3. Add PG for simple payment (Kakao Pay)``) verbatim apart from
the script URL, the ``IMP.init`` user code and a callback added to see the result (the seed's call has
none); it has no ``merchant_uid`` or ``pay_method``: the SDK fills them as iamport.js does. The browser
does what a buyer's browser does: the SDK's overlay, paymux's launch page (paymux has called Kakao's
``ready``) sending it to Kakao's page (``next_redirect_pc_url``), the buyer approving there, Kakao sending
it back to paymux with ``pg_token``, paymux approving. Each test checks what the shop saw against
``GET /payments/{imp_uid}`` and Kakao's own ledger.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.harness import GatewayServer
from tests.live.conftest import KAKAO_CID, KAKAO_SUBSCRIPTION_CID, KakaoShop
from tests.live.test_inicis_browser import SHOP_PAGE

pytestmark = pytest.mark.slow

# seed 000, "Add PG for simple payment (Kakao Pay)": the call verbatim, plus a callback to see the result
SEED_KAKAO_EXAMPLE = """IMP.request_pay({ pg: "kakaopay", //Open Kakao Pay payment page amount: 1000, name: "Sample order", buyer_name: "Buyer", buyer_email: "buyer@iamport.kr", }, function (rsp) { record(rsp); });"""  # noqa: E501 - verbatim, one line as the seed writes it
# The seed writes the call on one line with a // comment inside it; as JavaScript the comment would
# swallow the rest of the line, so the comment is moved to its own line (nothing else changes).
SEED_KAKAO_CALL = """IMP.request_pay({ pg: "kakaopay", //Open Kakao Pay payment page
  amount: 1000, name: "Sample order", buyer_name: "Buyer", buyer_email: "buyer@iamport.kr", }, function (rsp) { record(rsp); });"""

# The same call with the billing-key parameters i'mport documents for Kakao Pay subscriptions.
SUBSCRIPTION_CALL = """IMP.request_pay({ pg: "kakaopay.%s", amount: 9900, name: "정기구독", customer_uid: "%s",
  buyer_name: "Buyer", buyer_email: "buyer@iamport.kr" }, function (rsp) { record(rsp); });"""


def shop_page(shop_site: ShopSite, gateway: GatewayServer, user_code: str, call: str) -> str:
    path = f"/kakaopay-{secrets.token_hex(4)}.html"
    shop_site.pages[path] = SHOP_PAGE % {
        "script_url": f"{gateway.base_url}/v1/iamport.js", "user_code": json.dumps(user_code), "example": call}
    return shop_site.origin + path


class KakaoCheckout:
    """One buyer in Chromium: the shop page, the SDK's overlay, and Kakao's page inside it."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[tuple[str, str]] = []
        page.on("request", lambda sent: self.requests.append((sent.method, sent.url)))

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.get_by_test_id("pay").click()
        frame = self.page.frame_locator("iframe[data-paymux-window]")
        frame.get_by_test_id("kakaopay-window").wait_for()
        return frame

    def result(self) -> dict[str, Any]:
        self.page.wait_for_function("document.getElementById('rsp').textContent.length > 0")
        assert self.page.locator("[data-paymux-overlay]").count() == 0, "the overlay must close with the result"
        return json.loads(self.page.get_by_test_id("rsp").text_content())


def test_the_seed_example_is_one_line_of_javascript_once_its_comment_ends_its_line() -> None:
    assert SEED_KAKAO_CALL.replace("\n ", "") == SEED_KAKAO_EXAMPLE


def test_the_seed_kakao_pay_example_pays_through_kakaos_page(
    gateway: GatewayServer, kakao_shop: KakaoShop, shop_site: ShopSite, page: Any, request: pytest.FixtureRequest
) -> None:
    buyer = KakaoCheckout(page)
    window = buyer.open(shop_page(shop_site, gateway, kakao_shop.merchant.user_code, SEED_KAKAO_CALL))
    root = window.get_by_test_id("kakaopay-window")
    assert (root.get_attribute("data-device"), root.get_attribute("data-mode")) == ("pc", "onetime")
    assert window.get_by_test_id("merchant-cid").text_content() == KAKAO_CID
    assert window.get_by_test_id("order-amount").get_attribute("data-amount") == "1000"
    assert window.get_by_test_id("item-name").text_content() == "Sample order"
    assert any(m == "GET" and u.startswith(kakao_shop.kakaopay.base_url + "/mockup/v1/") for m, u in buyer.requests)
    screenshot(page, request, "kakao-page")
    window.get_by_test_id("approve").click()
    rsp = buyer.result()
    screenshot(page, request, "result")

    assert (rsp["success"], rsp["status"], rsp["paid_amount"], rsp["pg_provider"]) == (True, "paid", 1000, "kakaopay")
    assert rsp["merchant_uid"]  # filled by the SDK
    stored = kakao_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["pg_id"], stored["buyer_email"]) == ("paid", 1000, KAKAO_CID, "buyer@iamport.kr")
    [at_pg] = kakao_shop.approved_at_pg(rsp["imp_uid"])
    assert (at_pg["tid"], at_pg["total"], at_pg["item_name"]) == (stored["pg_tid"], 1000, "Sample order")


def test_cancelling_on_kakaos_page_answers_the_callback_with_a_failure(
    gateway: GatewayServer, kakao_shop: KakaoShop, shop_site: ShopSite, page: Any, request: pytest.FixtureRequest
) -> None:
    buyer = KakaoCheckout(page)
    window = buyer.open(shop_page(shop_site, gateway, kakao_shop.merchant.user_code, SEED_KAKAO_CALL))
    window.get_by_test_id("cancel").click()
    rsp = buyer.result()
    screenshot(page, request, "result")
    assert (rsp["success"], rsp["status"], rsp["error_code"]) == (False, "failed", "F1002")
    assert kakao_shop.approved_at_pg(rsp["imp_uid"]) == []


def test_a_subscription_window_issues_an_sid_and_charges_its_first_payment(
    gateway: GatewayServer, kakao_shop: KakaoShop, shop_site: ShopSite, page: Any, request: pytest.FixtureRequest
) -> None:
    customer = "cust_" + secrets.token_hex(5)
    buyer = KakaoCheckout(page)
    call = SUBSCRIPTION_CALL % (KAKAO_SUBSCRIPTION_CID, customer)
    window = buyer.open(shop_page(shop_site, gateway, kakao_shop.merchant.user_code, call))
    assert window.get_by_test_id("kakaopay-window").get_attribute("data-mode") == "subscription"
    window.get_by_test_id("method").select_option("CARD_SHINHAN")
    screenshot(page, request, "kakao-page")
    window.get_by_test_id("approve").click()
    rsp = buyer.result()
    assert (rsp["success"], rsp["paid_amount"], rsp["customer_uid"]) == (True, 9900, customer)
    key = kakao_shop.merchant.api("GET", f"/subscribe/customers/{customer}").expect_ok()
    assert (key["pg_id"], key["card_name"]) == (KAKAO_SUBSCRIPTION_CID, "신한카드")
    [at_pg] = kakao_shop.approved_at_pg(rsp["imp_uid"])
    assert at_pg["total"] == 9900 and kakao_shop.kakaopay.sid(at_pg["sid"])["status"] == "ACTIVE"  # type: ignore[index]

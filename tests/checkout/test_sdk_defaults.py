"""What the SDK fills and where it reports, in real headless Chromium (#10 item 7, #16):

- the seeds' own Kakao Pay example (seed 000: no merchant_uid, no pay_method) opens the window and
  pays, with the order id iamport.js makes up ("nobody_" + milliseconds) and pay_method "card";
  Kakao Pay's order list (``/kakao/payment/orders``) then shows that payment;
- on a phone, a request the SDK refuses before any window (``amount`` as a string) still reaches
  ``m_redirect_url`` with ``imp_success=false`` and the error, as i'mport's manual describes.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.harness import GatewayServer, TestMerchant, unique

pytestmark = pytest.mark.slow

KST = timezone(timedelta(hours=9))
# Seed 000's Kakao Pay example, word for word (only the script URL differs on the shop page).
SEED_KAKAOPAY_EXAMPLE = """{ pg: "kakaopay", //Open Kakao Pay payment page
 amount: 1000, name: "Sample order", buyer_name: "Buyer", buyer_email: "buyer@iamport.kr", }"""


def _rsp(page: Any) -> dict[str, Any]:
    page.wait_for_function("document.getElementById('rsp').textContent.length > 0")
    assert page.locator("[data-paymux-overlay]").count() == 0, "the overlay must close with the result"
    return json.loads(page.get_by_test_id("rsp").text_content())


def test_seed_kakaopay_example_opens_the_window_and_pays(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any, request: pytest.FixtureRequest
) -> None:
    page.goto(shop_site.shop_page(gateway.base_url, window_shop.user_code, SEED_KAKAOPAY_EXAMPLE))
    page.get_by_test_id("pay").click()
    window = page.frame_locator("iframe[data-paymux-window]")
    window.get_by_test_id("payment-window").wait_for()
    assert window.get_by_test_id("payment-window").get_attribute("data-pg") == "kakaopay"
    window.get_by_test_id("wallet-screen").wait_for()
    screenshot(page, request, "kakao-window")
    window.get_by_test_id("approve").click()
    rsp = _rsp(page)

    assert (rsp["success"], rsp["status"], rsp["pg_provider"], rsp["pay_method"]) == (True, "paid", "kakaopay", "card")
    assert rsp["merchant_uid"].startswith("nobody_") and rsp["merchant_uid"][7:].isdigit()
    assert rsp["paid_amount"] == 1000 and rsp["buyer_email"] == "buyer@iamport.kr"
    stored = window_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["merchant_uid"], stored["name"]) == (
        "paid", 1000, rsp["merchant_uid"], "Sample order")

    day = datetime.fromtimestamp(stored["started_at"], KST).strftime("%Y%m%d")
    orders = window_shop.api("GET", "/kakao/payment/orders", params={"payment_request_date": day}).expect_ok()
    listed = {o["partner_order_id"]: o for o in orders["orders"]}
    assert orders["cid"] == stored["pg_id"] and rsp["merchant_uid"] in listed
    order = listed[rsp["merchant_uid"]]
    assert (order["tid"], order["status"], order["amount"]["total"], order["item_name"]) == (
        stored["pg_tid"], "SUCCESS_PAYMENT", 1000, "Sample order")


def test_two_orders_without_merchant_uid_get_different_order_ids(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any
) -> None:
    url = shop_site.shop_page(gateway.base_url, window_shop.user_code, SEED_KAKAOPAY_EXAMPLE)
    made = []
    for _ in range(2):
        page.goto(url)
        page.get_by_test_id("pay").click()
        window = page.frame_locator("iframe[data-paymux-window]")
        window.get_by_test_id("wallet-screen").wait_for()
        window.get_by_test_id("approve").click()
        made.append(_rsp(page)["merchant_uid"])
    assert made[0] != made[1] and all(uid.startswith("nobody_") for uid in made)


def test_refused_request_on_a_phone_reaches_m_redirect_url_with_the_error(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, phone_page: Any, request: pytest.FixtureRequest
) -> None:
    order = unique("string_amount")
    complete = shop_site.origin + "/complete?from=shop"
    param = json.dumps({"pg": "html5_inicis", "pay_method": "card", "merchant_uid": order, "name": "주문",
                        "amount": "1004", "buyer_tel": "010-1234-5678", "m_redirect_url": complete})
    page_url = shop_site.shop_page(gateway.base_url, window_shop.user_code, param)
    phone_page.goto(page_url)
    phone_page.get_by_test_id("pay").click()
    phone_page.get_by_test_id("complete").wait_for()
    screenshot(phone_page, request, "redirected")

    landed = urlsplit(phone_page.url)
    query = {k: v[0] for k, v in parse_qs(landed.query, keep_blank_values=True).items()}
    assert (landed.path, query["from"]) == ("/complete", "shop")
    assert (query["imp_uid"], query["merchant_uid"], query["imp_success"], query["error_code"]) == ("", order, "false", "F400")
    assert query["error_msg"].startswith("amount:")
    assert window_shop.api("GET", f"/payments/find/{order}").status == 404  # nothing was recorded


def test_refused_request_on_a_pc_answers_the_callback(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any
) -> None:
    complete = shop_site.origin + "/complete"
    param = json.dumps({"pg": "kakaopay", "amount": "1000", "name": "주문", "m_redirect_url": complete})
    page.goto(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    page.get_by_test_id("pay").click()
    rsp = _rsp(page)
    assert (rsp["success"], rsp["error_code"]) == (False, "F400") and rsp["error_msg"].startswith("amount:")
    assert urlsplit(page.url).path != "/complete"  # a PC answers the callback, it is not sent away

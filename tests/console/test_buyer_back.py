"""Issue #14 item 7: on a phone, after the window sent the buyer to m_redirect_url paid, the
browser's Back never shows a window that could be paid again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.harness import CARD_OK, GatewayServer, unique

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop_site() -> Iterator[ShopSite]:
    site = ShopSite()
    yield site
    site.stop()


def test_back_after_m_redirect_url_shows_no_payable_window(
    phone_page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, shop_site: ShopSite,
) -> None:
    merchant = gateway.create_merchant("back button shop")
    merchant.add_channel("html5_inicis", "general", default=True)
    order = unique("back")
    param = {"pg": "html5_inicis", "pay_method": "card", "merchant_uid": order, "name": "뒤로가기 확인", "amount": 1004,
             "buyer_tel": "010-1234-5678", "m_redirect_url": shop_site.origin + "/complete"}
    phone_page.goto(shop_site.shop_page(gateway.base_url, merchant.user_code, json.dumps(param, ensure_ascii=False)))
    phone_page.get_by_test_id("pay").click()
    phone_page.get_by_test_id("payment-window").wait_for()
    phone_page.get_by_test_id("card-company").select_option("367")
    phone_page.get_by_test_id("card-number").fill(CARD_OK)
    phone_page.get_by_test_id("card-expiry").fill("2030-12")
    phone_page.get_by_test_id("card-birth").fill("820213")
    phone_page.get_by_test_id("card-password").fill("00")
    phone_page.get_by_test_id("approve").click()
    phone_page.get_by_test_id("complete").wait_for()

    phone_page.go_back()
    phone_page.wait_for_load_state()
    screenshot(phone_page, request, "after-back")
    assert phone_page.get_by_test_id("approve").count() == 0  # no window that could pay again …
    assert phone_page.url.startswith(shop_site.origin + "/complete")  # … paymux sends the buyer to the result again
    assert merchant.api("GET", f"/payments/find/{order}").expect_ok()["status"] == "paid"

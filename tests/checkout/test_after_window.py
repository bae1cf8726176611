"""What a shop does after the window (#10 item 5), in real headless Chromium then through the API:
a cash receipt for a bank transfer paid in the window; shipping of a payment made with
``escrow: true`` (registered once, changed with PUT, refused without the fields KG INICIS needs)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.checkout.shop_site import ShopSite
from tests.harness import GatewayServer, TestMerchant, unique

pytestmark = pytest.mark.slow

SENDER = {"name": "판매자", "tel": "02-123-4567", "addr": "서울 중구", "postcode": "04524"}
RECEIVER = {"name": "구매자", "tel": "010-1234-5678", "addr": "부산 해운대구", "postcode": "48058"}


def _pay(page: Any, gateway: GatewayServer, merchant: TestMerchant, shop_site: ShopSite, param: dict[str, Any],
         fill: Any) -> dict[str, Any]:
    base = {"pg": "html5_inicis", "merchant_uid": unique("order"), "name": "주문", "buyer_tel": "010-1234-5678"}
    page.goto(shop_site.shop_page(gateway.base_url, merchant.user_code, json.dumps({**base, **param}, ensure_ascii=False)))
    page.get_by_test_id("pay").click()
    window = page.frame_locator("iframe[data-paymux-window]")
    window.get_by_test_id("payment-window").wait_for()
    fill(window)
    window.get_by_test_id("approve").click()
    page.wait_for_function("document.getElementById('rsp').textContent.length > 0")
    return json.loads(page.get_by_test_id("rsp").text_content())


def _card(window: Any) -> None:
    window.get_by_test_id("card-company").select_option("367")  # BIN 536148: 현대카드
    window.get_by_test_id("card-number").fill("5361-4812-3456-1234")
    window.get_by_test_id("card-expiry").fill("2030-12")
    window.get_by_test_id("card-birth").fill("820213")
    window.get_by_test_id("card-password").fill("00")


def test_cash_receipt_for_a_transfer_paid_in_the_window(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any
) -> None:
    rsp = _pay(page, gateway, window_shop, shop_site, {"pay_method": "trans", "amount": 7_700},
               lambda window: window.get_by_test_id("bank").select_option("004"))
    assert (rsp["success"], rsp["pay_method"]) == (True, "trans")
    issued = window_shop.api("POST", f"/receipts/{rsp['imp_uid']}", json={"identifier": "010-1234-5678"}).expect_ok()
    assert (issued["amount"], issued["vat"], issued["type"]) == (7_700, 700, "person")
    page.goto(issued["receipt_url"])
    assert page.get_by_test_id("receipt-apply-num").text_content() == issued["apply_num"]
    assert page.get_by_test_id("receipt-amount").text_content() == "7,700원"
    assert window_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["cash_receipt_issued"] is True


def test_escrow_payment_shipping_is_registered_once_and_changed(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any
) -> None:
    rsp = _pay(page, gateway, window_shop, shop_site, {"pay_method": "card", "amount": 30_000, "escrow": True}, _card)
    imp_uid = rsp["imp_uid"]
    assert window_shop.api("GET", f"/payments/{imp_uid}").expect_ok()["escrow"] is True

    logis = {"company": "CJGLS", "invoice": "111122223333", "sent_at": gateway.clock.now()}
    missing = window_shop.api("POST", f"/escrows/logis/{imp_uid}", json={"sender": {"name": "판매자"}, "receiver": RECEIVER, "logis": logis})
    assert missing.status == 400 and "sender.tel" in missing.message  # KG INICIS needs the sender's phone
    assert window_shop.api("PUT", f"/escrows/logis/{imp_uid}", json={"sender": SENDER, "receiver": RECEIVER, "logis": logis}).status == 404

    body = {"sender": SENDER, "receiver": RECEIVER, "logis": logis}
    registered = window_shop.api("POST", f"/escrows/logis/{imp_uid}", json=body).expect_ok()
    assert (registered["company"], registered["invoice"], registered["sent_at"]) == ("CJGLS", "111122223333", logis["sent_at"])
    assert registered["applied_at"] > 0
    twice = window_shop.api("POST", f"/escrows/logis/{imp_uid}", json=body)
    assert twice.status == 409 and "이미 배송정보가 등록된" in twice.message

    changed = window_shop.api("PUT", f"/escrows/logis/{imp_uid}", json={**body, "logis": {**logis, "company": "HANJIN", "invoice": "999"}}).expect_ok()
    assert (changed["company"], changed["invoice"], changed["applied_at"]) == ("HANJIN", "999", registered["applied_at"])
    assert window_shop.api("GET", f"/escrows/logis/{imp_uid}").expect_ok() == changed

    other = gateway.create_merchant("other escrow shop")
    assert other.api("GET", f"/escrows/logis/{imp_uid}").status == 404
    assert other.api("PUT", f"/escrows/logis/{imp_uid}", json=body).status == 404


def test_escrow_must_be_a_boolean(gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any) -> None:
    param = {"pg": "html5_inicis", "merchant_uid": unique("order"), "amount": 1_000, "escrow": "yes", "buyer_tel": "010-1234-5678"}
    page.goto(shop_site.shop_page(gateway.base_url, window_shop.user_code, json.dumps(param)))
    page.get_by_test_id("pay").click()
    page.wait_for_function("document.getElementById('rsp').textContent.length > 0")
    rsp = json.loads(page.get_by_test_id("rsp").text_content())
    assert rsp["success"] is False and rsp["error_msg"].startswith("escrow")
    assert httpx.get(f"{gateway.base_url}/checkout/cash-receipts/unknown-token", timeout=10).status_code == 404

"""IMP.request_pay end to end in real headless Chromium: the seeds' published examples, each run on a
shop page of another origin that only changed the script URL, then checked against the server's
``GET /payments/{imp_uid}`` — the payment must be what the callback said."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.harness import CARD_OK, CARD_REFUSED, GatewayServer, TestMerchant, unique

HYUNDAI_CARD = CARD_OK              # BIN 536148 → 현대카드 (367)
SHINHAN_CARD = "4000-0012-3456-7890"  # BIN 400000 → 신한카드 (366), approves

pytestmark = pytest.mark.slow


def seed_example(merchant_uid: str, **overrides: Any) -> str:
    """The KG INICIS example of the seeds (002/003) as JavaScript, with a real order id."""
    param: dict[str, Any] = {
        "pg": "html5_inicis",
        "pay_method": "card",
        "merchant_uid": merchant_uid,
        "name": "주문명:결제테스트",
        "amount": 1004,
        "buyer_email": "iamport@siot.do",
        "buyer_name": "구매자이름",
        "buyer_tel": "010-1234-5678",
        "buyer_addr": "서울특별시 강남구 삼성동",
        "buyer_postcode": "123-456",
    }
    param.update(overrides)
    return json.dumps({k: v for k, v in param.items() if v is not None}, ensure_ascii=False)


class Checkout:
    """Drives one shop page and the paymux window inside its overlay iframe."""

    def __init__(self, page: Any, request: pytest.FixtureRequest) -> None:
        self.page = page
        self.request = request
        self.window = page.frame_locator("iframe[data-paymux-window]")

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.get_by_test_id("pay").click()
        self.window.get_by_test_id("payment-window").wait_for()
        return self.window

    def refused(self, url: str) -> dict[str, Any]:
        """Press pay on a page whose request is refused before any window opens; the callback's rsp."""
        self.page.goto(url)
        self.page.get_by_test_id("pay").click()
        return self.result()

    def fill_card(self, number: str, company: str | None = None, quota: str | None = None) -> None:
        if company is not None:
            self.window.get_by_test_id("card-company").select_option(company)
        if quota is not None:
            self.window.get_by_test_id("installment").select_option(quota)
        self.window.get_by_test_id("card-number").fill(number)
        self.window.get_by_test_id("card-expiry").fill("2030-12")
        self.window.get_by_test_id("card-birth").fill("820213")
        self.window.get_by_test_id("card-password").fill("00")

    def approve(self, step: str = "window") -> dict[str, Any]:
        screenshot(self.page, self.request, step)
        self.window.get_by_test_id("approve").click()
        return self.result()

    def result(self) -> dict[str, Any]:
        rsp = self.page.get_by_test_id("rsp")
        self.page.wait_for_function("document.getElementById('rsp').textContent.length > 0")
        assert self.page.locator("[data-paymux-overlay]").count() == 0, "the overlay must close with the result"
        return json.loads(rsp.text_content())


def payment_of(merchant: TestMerchant, rsp: dict[str, Any]) -> dict[str, Any]:
    """The server's record of the payment the callback named, checked field by field against it."""
    stored = merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    for name in ("imp_uid", "merchant_uid", "status", "pay_method", "pg_provider", "pg_tid", "apply_num",
                 "card_name", "card_number", "card_quota", "vbank_num", "vbank_name", "customer_uid", "paid_at"):
        assert stored[name] == rsp[name], f"{name}: callback said {rsp[name]!r}, server has {stored[name]!r}"
    assert rsp["paid_amount"] == (stored["amount"] if stored["status"] == "paid" else 0)
    return stored


@pytest.fixture
def checkout(page: Any, request: pytest.FixtureRequest) -> Checkout:
    return Checkout(page, request)


def test_inicis_card_on_pc_answers_the_callback(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    order = unique("order_no")
    url = shop_site.shop_page(gateway.base_url, window_shop.user_code, seed_example(order))
    window = checkout.open(url)
    assert window.get_by_test_id("order-amount").text_content() == "1,004원"
    checkout.fill_card(HYUNDAI_CARD, company="367")
    rsp = checkout.approve()

    assert rsp["success"] is True and rsp["imp_success"] is True
    assert (rsp["status"], rsp["paid_amount"], rsp["merchant_uid"]) == ("paid", 1004, order)
    assert rsp["card_name"] == "현대카드" and rsp["card_number"] == "536148******1234"
    stored = payment_of(window_shop, rsp)
    assert (stored["amount"], stored["channel"], stored["pg_id"], stored["buyer_tel"]) == (1004, "pc", "INIpayTest", "010-1234-5678")
    assert stored["card_code"] == "367"


def test_inicis_card_on_mobile_redirects_to_m_redirect_url(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, phone_page: Any, request: pytest.FixtureRequest
) -> None:
    order = unique("order_no")
    complete = shop_site.origin + "/complete?from=shop"
    url = shop_site.shop_page(gateway.base_url, window_shop.user_code, seed_example(order, m_redirect_url=complete))
    phone_page.goto(url)
    phone_page.get_by_test_id("pay").click()
    phone_page.get_by_test_id("payment-window").wait_for()  # the window is the whole page on a phone
    phone_page.get_by_test_id("card-company").select_option("367")
    phone_page.get_by_test_id("card-number").fill(HYUNDAI_CARD)
    phone_page.get_by_test_id("card-expiry").fill("2030-12")
    phone_page.get_by_test_id("card-birth").fill("820213")
    phone_page.get_by_test_id("card-password").fill("00")
    screenshot(phone_page, request, "window")
    phone_page.get_by_test_id("approve").click()
    phone_page.get_by_test_id("complete").wait_for()
    screenshot(phone_page, request, "redirected")

    landed = urlsplit(phone_page.url)
    assert landed.path == "/complete"
    query = {k: v[0] for k, v in parse_qs(landed.query, keep_blank_values=True).items()}
    assert query["from"] == "shop"  # the shop's own query survives
    assert (query["merchant_uid"], query["imp_success"], query["error_code"], query["error_msg"]) == (order, "true", "", "")
    stored = window_shop.api("GET", f"/payments/{query['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["merchant_uid"], stored["channel"]) == ("paid", 1004, order, "mobile")


def test_card_quota_6_offers_only_six_months_from_50000_krw(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    url = shop_site.shop_page(
        gateway.base_url, window_shop.user_code, seed_example(unique("quota"), amount=64000, display={"card_quota": [6]})
    )
    window = checkout.open(url)
    options = window.get_by_test_id("installment").locator("option")
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == ["0", "6"]
    checkout.fill_card(HYUNDAI_CARD, company="367", quota="6")
    rsp = checkout.approve()
    assert (rsp["success"], rsp["card_quota"]) == (True, 6)
    assert payment_of(window_shop, rsp)["amount"] == 64000


def test_below_50000_krw_the_window_offers_lump_sum_only(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    url = shop_site.shop_page(
        gateway.base_url, window_shop.user_code, seed_example(unique("quota"), amount=49000, display={"card_quota": [6]})
    )
    window = checkout.open(url)
    options = window.get_by_test_id("installment").locator("option")
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == ["0"]
    assert "5만원" in window.get_by_test_id("installment-note").text_content()
    checkout.fill_card(HYUNDAI_CARD, company="367")
    rsp = checkout.approve()
    assert (rsp["success"], rsp["card_quota"]) == (True, 0)
    payment_of(window_shop, rsp)


def test_card_direct_opens_hyundai_with_three_months(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    url = shop_site.shop_page(
        gateway.base_url, window_shop.user_code,
        seed_example(unique("direct"), amount=64000, card={"direct": {"code": "367", "quota": 3}}),
    )
    window = checkout.open(url)
    company = window.get_by_test_id("card-company")
    assert company.is_disabled() and company.input_value() == "367"
    assert window.get_by_test_id("installment").input_value() == "3"
    checkout.fill_card(HYUNDAI_CARD)
    rsp = checkout.approve()
    assert (rsp["success"], rsp["card_name"], rsp["card_quota"]) == (True, "현대카드", 3)
    assert payment_of(window_shop, rsp)["card_code"] == "367"


def test_card_detail_enables_only_shinhan(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    detail = [{"card_code": "*", "enabled": False}, {"card_code": "366", "enabled": True}]
    url = shop_site.shop_page(gateway.base_url, window_shop.user_code, seed_example(unique("detail"), card={"detail": detail}))
    window = checkout.open(url)
    options = window.get_by_test_id("card-company").locator("option")
    offered = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert offered == ["", "366"]
    checkout.fill_card(SHINHAN_CARD, company="366")
    rsp = checkout.approve()
    assert (rsp["success"], rsp["card_name"]) == (True, "신한카드")
    assert payment_of(window_shop, rsp)["card_code"] == "366"


def test_kakaopay_by_pg_code_approves_in_kakao_screen(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    param = seed_example(unique("kakao"), pg="kakaopay", name="카카오페이 테스트")
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    assert window.get_by_test_id("payment-window").get_attribute("data-pg") == "kakaopay"
    window.get_by_test_id("wallet-screen").wait_for()
    rsp = checkout.approve()
    assert (rsp["success"], rsp["pg_provider"], rsp["status"]) == (True, "kakaopay", "paid")
    assert payment_of(window_shop, rsp)["pg_id"] == "TC0ONETIME"


def test_pg_with_mid_picks_that_channel(
    gateway: GatewayServer, shop_site: ShopSite, checkout: Checkout
) -> None:
    merchant = gateway.create_merchant("two MIDs")
    merchant.add_channel("html5_inicis", "general", mid="MID-c", default=True)
    merchant.add_channel("html5_inicis", "general", mid="MID-a")
    merchant.add_channel("html5_inicis", "subscription", mid="MID-b")
    param = seed_example(unique("mid"), pg="html5_inicis.MID-a")
    window = checkout.open(shop_site.shop_page(gateway.base_url, merchant.user_code, param))
    checkout.fill_card(HYUNDAI_CARD, company="367")
    rsp = checkout.approve()
    assert rsp["success"] is True
    assert payment_of(merchant, rsp)["pg_id"] == "MID-a"
    del window


def test_mobilians_phone_payment_with_sms_code(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    param = seed_example(unique("phone"), pg="mobilians", pay_method="phone", amount=14000, name="Order name: Test payment request")
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    assert window.get_by_test_id("phone").input_value() == "010-1234-5678"  # buyer_tel prefilled
    window.get_by_test_id("phone-send-code").click()
    code = window.get_by_test_id("phone-code-value").text_content()
    assert code.isdigit() and len(code) == 6
    window.get_by_test_id("phone-code").fill(code)
    rsp = checkout.approve()
    assert (rsp["success"], rsp["pay_method"], rsp["pg_provider"], rsp["paid_amount"]) == (True, "phone", "mobilians", 14000)
    payment_of(window_shop, rsp)


def test_mobilians_wrong_sms_code_is_shown_next_to_the_field(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    param = seed_example(unique("phone"), pg="mobilians", pay_method="phone", amount=3000)
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    window.get_by_test_id("phone-send-code").click()
    window.get_by_test_id("phone-code-value").wait_for()
    window.get_by_test_id("phone-code").fill("000000" if window.get_by_test_id("phone-code-value").text_content() != "000000" else "111111")
    window.get_by_test_id("approve").click()
    assert "인증번호" in window.get_by_test_id("error-phone_code").text_content()
    assert checkout.page.locator("[data-paymux-overlay]").count() == 1  # still open: the buyer can retry
    screenshot(checkout.page, checkout.request, "wrong-code")


def test_inicis_billing_key_window_then_again_from_the_server(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    customer_uid = unique("gildong_0001")
    param = seed_example(unique("issue_billingkey_monthly"), name="최초인증결제", amount=0, customer_uid=customer_uid,
                         buyer_tel="02-1234-1234")
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    window.get_by_test_id("billing-note").wait_for()
    assert window.get_by_test_id("card-company").count() == 0
    checkout.fill_card(HYUNDAI_CARD)
    rsp = checkout.approve()
    assert (rsp["success"], rsp["customer_uid"], rsp["pg_type"], rsp["paid_amount"]) == (True, customer_uid, "billing", 0)
    stored = payment_of(window_shop, rsp)
    assert (stored["amount"], stored["customer_uid_usage"], stored["pg_id"]) == (0, "issue", "INIBillTst")

    key = window_shop.api("GET", f"/subscribe/customers/{customer_uid}").expect_ok()
    assert (key["card_name"], key["card_number"], key["pg_id"]) == ("현대카드", "536148******1234", "INIBillTst")
    charged = window_shop.again(customer_uid, unique("order_id"), amount=3000).expect_ok()
    assert (charged["status"], charged["amount"], charged["customer_uid"]) == ("paid", 3000, customer_uid)


def test_mobilians_billing_window_issues_a_phone_key_charging_nothing(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    customer_uid = unique("phone_billing")
    param = seed_example(unique("issue_billingkey_monthly"), pg="mobilians", pay_method="phone", amount=14000,
                         customer_uid=customer_uid, name="Initial billing key request")
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    window.get_by_test_id("phone-send-code").click()
    window.get_by_test_id("phone-code").fill(window.get_by_test_id("phone-code-value").text_content())
    rsp = checkout.approve()
    assert (rsp["success"], rsp["paid_amount"]) == (True, 0)
    assert payment_of(window_shop, rsp)["amount"] == 0  # shown 14,000 but nothing charged
    first = window_shop.again(customer_uid, unique("month1"), amount=14000).expect_ok()
    assert (first["status"], first["pg_provider"]) == ("paid", "mobilians")
    other_amount = window_shop.again(customer_uid, unique("month2"), amount=15000)
    # Mobilians declines it (docs/declines.md: a decline is code 0 with the failed payment).
    assert other_amount.code == 0 and other_amount.response["status"] == "failed"
    assert "repeat the first amount" in other_amount.response["fail_reason"]


def test_virtual_account_window_issues_an_account_awaiting_deposit(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    param = seed_example(unique("vbank"), pay_method="vbank", amount=25000)
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    window.get_by_test_id("bank").select_option("088")
    window.get_by_test_id("approve").click()
    # the issued account stays on screen until the buyer has read it (#14 item 7)
    window.get_by_test_id("vbank-issued").wait_for()
    assert window.get_by_test_id("vbank-bank").inner_text() == "신한은행"
    assert window.get_by_test_id("vbank-amount").inner_text() == "25,000원"
    assert len(window.get_by_test_id("vbank-num").inner_text()) == 14
    assert window.get_by_test_id("vbank-holder").inner_text() and window.get_by_test_id("vbank-due").inner_text()
    assert checkout.page.get_by_test_id("rsp").text_content() == ""  # the shop hears nothing yet
    screenshot(checkout.page, checkout.request, "vbank-issued")
    window.get_by_test_id("vbank-done").click()
    rsp = checkout.result()
    assert (rsp["success"], rsp["status"], rsp["vbank_name"]) == (True, "ready", "신한은행")
    assert len(rsp["vbank_num"]) == 14
    payment_of(window_shop, rsp)
    paid = window_shop.api("POST", f"/vbanks/{rsp['imp_uid']}/deposit", json={}).expect_ok()
    assert paid["status"] == "paid"


def test_bank_transfer_window(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    param = seed_example(unique("trans"), pay_method="trans", amount=7000)
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    window.get_by_test_id("bank").select_option("004")
    rsp = checkout.approve()
    assert (rsp["success"], rsp["bank_name"], rsp["pay_method"]) == (True, "KB국민은행", "trans")
    assert payment_of(window_shop, rsp)["bank_code"] == "004"


# --- failure paths ----------------------------------------------------------------------------------


def test_declined_test_card_fails_the_payment(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    url = shop_site.shop_page(gateway.base_url, window_shop.user_code, seed_example(unique("declined")))
    checkout.open(url)
    checkout.fill_card(CARD_REFUSED, company="366")
    rsp = checkout.approve()
    assert (rsp["success"], rsp["status"], rsp["error_code"]) == (False, "failed", "F1001")
    assert "승인거절" in rsp["error_msg"]
    stored = payment_of(window_shop, rsp)
    assert stored["fail_reason"] == rsp["error_msg"]


def test_closing_the_window_is_a_failure_cancelled_by_the_user(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    order = unique("closed")
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, seed_example(order)))
    window.get_by_test_id("close").click()
    rsp = checkout.result()
    assert (rsp["success"], rsp["status"], rsp["error_code"]) == (False, "failed", "F1002")
    assert rsp["error_msg"].startswith("사용자가 결제를 취소하셨습니다")
    assert payment_of(window_shop, rsp)["fail_reason"] == rsp["error_msg"]


def test_a_string_amount_is_refused_before_any_window(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    order = unique("string_amount")
    param = seed_example(order, amount="1004")
    rsp = checkout.refused(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    assert (rsp["success"], rsp["imp_uid"], rsp["error_code"]) == (False, None, "F400")
    assert "amount" in rsp["error_msg"] and "integer" in rsp["error_msg"]
    assert window_shop.api("GET", f"/payments/find/{order}").status == 404


def test_an_amount_different_from_prepare_is_refused(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    order = unique("prepared")
    window_shop.api("POST", "/payments/prepare", json={"merchant_uid": order, "amount": 1000}).expect_ok()
    rsp = checkout.refused(shop_site.shop_page(gateway.base_url, window_shop.user_code, seed_example(order, amount=900)))
    assert (rsp["success"], rsp["imp_uid"], rsp["error_code"]) == (False, None, "F422")
    assert "1000" in rsp["error_msg"] and "900" in rsp["error_msg"]
    assert window_shop.api("GET", f"/payments/find/{order}").status == 404


def test_paying_an_already_paid_order_is_refused(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    order = unique("twice")
    url = shop_site.shop_page(gateway.base_url, window_shop.user_code, seed_example(order))
    checkout.open(url)
    checkout.fill_card(HYUNDAI_CARD, company="367")
    first = checkout.approve("first")
    assert first["success"] is True
    second = checkout.refused(url)
    assert (second["success"], second["imp_uid"], second["error_code"]) == (False, None, "F409")
    assert order in second["error_msg"]
    paid = window_shop.api("GET", "/payments/status/paid", params={"limit": 100}).expect_ok()["list"]
    assert [p["imp_uid"] for p in paid if p["merchant_uid"] == order] == [first["imp_uid"]]


def test_a_mistyped_card_number_is_shown_next_to_the_field_and_can_be_fixed(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, seed_example(unique("typo"))))
    checkout.fill_card("5361-4812-34", company="367")
    window.get_by_test_id("approve").click()
    # the buyer reads Korean, not the field's code (#14 review)
    assert window.get_by_test_id("error-card_number").text_content().startswith("카드번호를 확인해주세요")
    assert "card_number" not in window.get_by_test_id("error-card_number").text_content()
    screenshot(checkout.page, checkout.request, "field-error")
    assert window.get_by_test_id("card-company").input_value() == "367"  # choices are kept
    checkout.fill_card(HYUNDAI_CARD)
    rsp = checkout.approve("fixed")
    assert rsp["success"] is True
    payment_of(window_shop, rsp)


def test_missing_buyer_tel_is_refused_for_inicis(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    param = seed_example(unique("no_tel"), buyer_tel=None)
    rsp = checkout.refused(shop_site.shop_page(gateway.base_url, window_shop.user_code, param))
    assert (rsp["success"], rsp["error_code"]) == (False, "F400")
    assert rsp["error_msg"].startswith("buyer_tel")


def test_certification_opens_the_verification_window(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    """The whole verification flow: tests/checkout/test_certification_window.py."""
    url = shop_site.shop_page(gateway.base_url, window_shop.user_code, '{"merchant_uid": "cert_1"}', call="certification")
    checkout.page.goto(url)
    checkout.page.get_by_test_id("pay").click()
    checkout.window.get_by_test_id("certification-window").wait_for()
    checkout.window.get_by_test_id("cert-close").click()
    rsp = checkout.result()
    assert (rsp["success"], rsp["error_code"], rsp["merchant_uid"]) == (False, "F1002", "cert_1")


def test_demo_shop_page_runs_a_flow_against_this_gateway(
    gateway: GatewayServer, page: Any, request: pytest.FixtureRequest
) -> None:
    from paymux.cli import seed_demo

    gateway.call(seed_demo)
    page.goto(gateway.base_url + "/demo")
    assert page.get_by_test_id("demo-user-code").text_content() == "imp10000000"
    page.get_by_test_id("demo-flow-6").click()  # Kakao Pay
    window = page.frame_locator("iframe[data-paymux-window]")
    window.get_by_test_id("wallet-screen").wait_for()
    window.get_by_test_id("approve").click()
    page.wait_for_function("() => document.getElementById('result').textContent.includes('imp_uid')")
    screenshot(page, request, "result")
    rsp = json.loads(page.get_by_test_id("demo-result").text_content())
    assert (rsp["success"], rsp["pg_provider"], rsp["status"]) == (True, "kakaopay", "paid")
    # the buyer reads the outcome where they clicked, not only at the foot of the page (#14 item 7)
    outcome = page.get_by_test_id("demo-outcome-6")
    assert outcome.is_visible() and outcome.text_content() == "결제 완료 · 결제번호 " + rsp["imp_uid"]  # no raw "paid"
    assert page.evaluate("(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
                         outcome.element_handle())


def test_demo_shop_page_shows_a_phones_redirect_outcome_at_the_top(gateway: GatewayServer, page: Any) -> None:
    from paymux.cli import seed_demo

    gateway.call(seed_demo)
    page.goto(gateway.base_url + "/demo?imp_uid=imp_1&merchant_uid=m_1&imp_success=false&error_msg=%EC%B7%A8%EC%86%8C")
    banner = page.get_by_test_id("demo-banner")
    assert banner.is_visible() and banner.text_content() == "결제 실패: 취소"


def test_demo_shop_page_says_a_virtual_account_awaits_its_deposit_not_that_it_is_paid(
    gateway: GatewayServer, page: Any, request: pytest.FixtureRequest
) -> None:
    from paymux.cli import seed_demo

    gateway.call(seed_demo)
    page.goto(gateway.base_url + "/demo")
    page.get_by_test_id("demo-flow-5").click()  # 가상계좌
    window = page.frame_locator("iframe[data-paymux-window]")
    window.get_by_test_id("bank").select_option("088")
    window.get_by_test_id("approve").click()
    window.get_by_test_id("vbank-done").click()
    page.wait_for_function("() => document.getElementById('result').textContent.includes('imp_uid')")
    rsp = json.loads(page.get_by_test_id("demo-result").text_content())
    assert (rsp["success"], rsp["status"]) == (True, "ready")
    outcome = page.get_by_test_id("demo-outcome-5").text_content()
    screenshot(page, request, "vbank")
    assert outcome.startswith("가상계좌 발급 완료 — 입금 대기 (신한은행, " + rsp["vbank_num"] + ", 입금기한 ")
    assert "결제 완료" not in outcome and "ready" not in outcome and "paid" not in outcome


def test_a_buyer_reads_a_field_mistake_in_korean_without_its_field_code(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, checkout: Checkout
) -> None:
    window = checkout.open(shop_site.shop_page(gateway.base_url, window_shop.user_code, seed_example(unique("nocompany"))))
    checkout.fill_card(HYUNDAI_CARD)  # no card company chosen
    window.get_by_test_id("approve").click()
    assert window.get_by_test_id("error-card_company").text_content() == "카드사를 선택해주세요"
    screenshot(checkout.page, checkout.request, "korean-only")


def test_an_api_channel_named_for_a_payment_window_is_refused_in_korean_then_english(
    gateway: GatewayServer, shop_site: ShopSite, checkout: Checkout
) -> None:
    merchant = gateway.create_merchant("kcp api only")
    merchant.add_channel("kcp", "api", default=True)
    rsp = checkout.refused(shop_site.shop_page(gateway.base_url, merchant.user_code, seed_example(unique("kcp"), pg="kcp")))
    assert (rsp["success"], rsp["imp_uid"]) == (False, None)
    assert rsp["error_msg"] == ("pg 'kcp'은(는) API 방식(키인/빌링) 채널이라 결제창을 열 수 없습니다 "
                                "(pg 'kcp' is an API channel; it cannot open a payment window)")

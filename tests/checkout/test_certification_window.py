"""IMP.certification in real headless Chromium (#10 item 5): the sandbox's phone verification window
opens over the shop's page, takes the person's details and the code (123456 in the sandbox), and
hands the result to the callback (PC) or to m_redirect_url (phone); the shop's server then reads
GET /certifications/{imp_uid}."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.harness import GatewayServer, TestMerchant, unique

pytestmark = pytest.mark.slow


def _rsp(page: Any) -> dict[str, Any]:
    page.wait_for_function("document.getElementById('rsp').textContent.length > 0")
    assert page.locator("[data-paymux-overlay]").count() == 0, "the overlay must close with the result"
    return json.loads(page.get_by_test_id("rsp").text_content())


def _fill_details(window: Any, phone: str = "010-1234-5678") -> None:
    window.get_by_test_id("cert-birth").fill("19900115")
    window.get_by_test_id("cert-gender-digit").fill("2")
    window.get_by_test_id("cert-carrier").select_option("KT")
    window.get_by_test_id("cert-phone").fill(phone)


def test_certification_on_pc_answers_the_callback(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any, request: pytest.FixtureRequest
) -> None:
    order = unique("signup")
    param = json.dumps({"merchant_uid": order, "name": "김영희", "company": "paymux shop"}, ensure_ascii=False)
    page.goto(shop_site.shop_page(gateway.base_url, window_shop.user_code, param, call="certification"))
    page.get_by_test_id("pay").click()
    window = page.frame_locator("iframe[data-paymux-window]")
    window.get_by_test_id("certification-window").wait_for()
    assert window.get_by_test_id("cert-name").input_value() == "김영희"  # param.name fills the form
    window.get_by_test_id("cert-phone").fill("02-555-1234")
    window.get_by_test_id("cert-request").click()
    assert "phone" in window.get_by_test_id("cert-error").text_content()  # a landline is refused by name

    _fill_details(window)
    window.get_by_test_id("cert-request").click()
    window.get_by_test_id("cert-sandbox-otp").wait_for()
    window.get_by_test_id("cert-otp").fill("999999")
    window.get_by_test_id("cert-confirm").click()
    assert "일치하지 않습니다" in window.get_by_test_id("cert-error").text_content()
    window.get_by_test_id("cert-otp").fill("123456")
    screenshot(page, request, "code")
    window.get_by_test_id("cert-confirm").click()
    rsp = _rsp(page)

    assert (rsp["success"], rsp["merchant_uid"], rsp["pg_type"], rsp["error_code"]) == (True, order, "certification", None)
    stored = window_shop.api("GET", f"/certifications/{rsp['imp_uid']}").expect_ok()
    assert (stored["certified"], stored["name"], stored["gender"], stored["carrier"], stored["merchant_uid"]) == (
        True, "김영희", "female", "KT", order)
    assert stored["origin"] == shop_site.origin


def test_closing_the_certification_window_reports_a_failure(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any
) -> None:
    page.goto(shop_site.shop_page(gateway.base_url, window_shop.user_code, "{}", call="certification"))
    page.get_by_test_id("pay").click()
    window = page.frame_locator("iframe[data-paymux-window]")
    window.get_by_test_id("cert-close").click()
    rsp = _rsp(page)
    assert (rsp["success"], rsp["error_code"], rsp["imp_uid"]) == (False, "F1002", None)


def test_min_age_refuses_a_younger_person(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any
) -> None:
    page.goto(shop_site.shop_page(gateway.base_url, window_shop.user_code, '{"min_age": 120}', call="certification"))
    page.get_by_test_id("pay").click()
    window = page.frame_locator("iframe[data-paymux-window]")
    window.get_by_test_id("cert-name").fill("홍길동")
    _fill_details(window)
    window.get_by_test_id("cert-request").click()
    rsp = _rsp(page)
    assert rsp["success"] is False and "min_age" in rsp["error_msg"]


def test_bad_param_is_answered_without_a_window(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, page: Any
) -> None:
    page.goto(shop_site.shop_page(gateway.base_url, window_shop.user_code, '{"min_age": "adult"}', call="certification"))
    page.get_by_test_id("pay").click()
    rsp = _rsp(page)
    assert (rsp["success"], rsp["error_code"]) == (False, "F400") and rsp["error_msg"].startswith("min_age")


def test_certification_on_a_phone_reaches_m_redirect_url(
    gateway: GatewayServer, window_shop: TestMerchant, shop_site: ShopSite, phone_page: Any, request: pytest.FixtureRequest
) -> None:
    order = unique("mobile_signup")
    complete = shop_site.origin + "/complete?from=shop"
    param = json.dumps({"merchant_uid": order, "m_redirect_url": complete})
    phone_page.goto(shop_site.shop_page(gateway.base_url, window_shop.user_code, param, call="certification"))
    phone_page.get_by_test_id("pay").click()
    phone_page.get_by_test_id("certification-window").wait_for()  # the whole page on a phone
    phone_page.get_by_test_id("cert-name").fill("홍길동")
    _fill_details(phone_page, "01099998888")
    phone_page.get_by_test_id("cert-request").click()
    phone_page.get_by_test_id("cert-otp").fill("123456")
    phone_page.get_by_test_id("cert-confirm").click()
    phone_page.get_by_test_id("complete").wait_for()
    screenshot(phone_page, request, "redirected")

    query = {k: v[0] for k, v in parse_qs(urlsplit(phone_page.url).query, keep_blank_values=True).items()}
    assert (query["from"], query["merchant_uid"], query["imp_success"], query["error_code"]) == ("shop", order, "true", "")
    stored = window_shop.api("GET", f"/certifications/{query['imp_uid']}").expect_ok()
    assert (stored["certified"], stored["phone"]) == (True, "01099998888")

"""Issue #14 item 1: one answer to "which channel opens".

For every ``pg`` string of the seeds (plus the KCP/NICE case of the issue) and each way of calling —
the payment window, the billing-key window (``customer_uid``) and the REST billing API — the
console's "pg 값 확인" in real Chromium gives an answer, and then the window (opened by the SDK on a
shop page of another origin) or the API opens exactly that channel, or both refuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.console.support import ConsoleAccount, console_account
from tests.harness import CARD_OK, GatewayServer, TestMerchant, unique

pytestmark = pytest.mark.slow

# The seeds' pg strings (000: kakaopay, html5_inicis.MID-a, code alone, invalid, legacy inicis.MID;
# 002/003: html5_inicis, mobilians), the issue's kcp and nice, absent and unknown-MID values.
SEED_PG_STRINGS = [
    "kakaopay", "kakao", "html5_inicis", "html5_inicis.MID-a", "html5_inicis.MID-b", "inicis", "inicis.MID-b",
    "mobilians", "kcp", "nice", "", "nosuchpg", "html5_inicis.MID-zzz",
]
WINDOW_PURPOSES = ["payment_window", "billing_window"]
PAY_METHOD_OF_PG = {"mobilians": "phone"}  # the PG's own method; every other PG here takes card


@pytest.fixture(scope="module")
def shop_site() -> Iterator[ShopSite]:
    site = ShopSite()
    yield site
    site.stop()


@pytest.fixture
def issue_shop(gateway: GatewayServer) -> TestMerchant:
    """The seeds' example list, then a KCP and a NICE API channel each followed by a general one."""
    merchant = gateway.create_merchant("one resolver")
    merchant.add_channel("html5_inicis", "general", mid="MID-a", default=True)
    merchant.add_channel("html5_inicis", "subscription", mid="MID-b")
    merchant.add_channel("kakaopay", "simple", mid="MID-c")
    merchant.add_channel("kcp", "api", mid="BA001")
    merchant.add_channel("kcp", "general", mid="T0000")
    merchant.add_channel("nice", "api", mid="nictest04m")
    merchant.add_channel("nice", "general", mid="nictest00m")
    merchant.add_channel("mobilians", "general")
    merchant.add_channel("html5_inicis", "api", mid="INIBillTst")
    return merchant


def sign_in(page: Any, gateway: GatewayServer, account: ConsoleAccount) -> None:
    page.goto(gateway.base_url + "/console")
    page.get_by_test_id("login-email").fill(account.email)
    page.get_by_test_id("login-password").fill(account.password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("tile-today").wait_for()


def console_answer(page: Any, gateway: GatewayServer, pg: str, purpose: str) -> tuple[str, str]:
    """(channel pg string or '', rule or the refusal) as the console's "pg 값 확인" shows them."""
    page.goto(gateway.base_url + "/console/channels")
    page.get_by_test_id("resolve-pg").fill(pg)
    page.get_by_test_id("resolve-purpose").select_option(purpose)
    page.get_by_test_id("resolve-submit").click()
    result = page.get_by_test_id("resolve-result")
    result.wait_for()
    channel = result.get_attribute("data-channel") or ""
    if channel:
        assert page.get_by_test_id("resolved-rule").inner_text().strip(), "the answer says which rule matched"
        return channel, result.get_attribute("data-rule") or ""
    return "", page.get_by_test_id("resolve-refused").inner_text()


def window_opens(page: Any, gateway: GatewayServer, shop_site: ShopSite, merchant: TestMerchant, pg: str,
                 purpose: str, pay_method: str) -> str:
    """The channel the SDK's window opens for this request ('' when the request is refused)."""
    param: dict[str, Any] = {"pay_method": pay_method, "merchant_uid": unique("which"), "name": "채널 확인",
                             "amount": 1004, "buyer_name": "구매자", "buyer_tel": "010-1234-5678",
                             "buyer_email": "buyer@shop.example"}
    if pg:
        param["pg"] = pg
    if purpose == "billing_window":
        param["customer_uid"] = unique("cust")
    page.goto(shop_site.shop_page(gateway.base_url, merchant.user_code, json.dumps(param, ensure_ascii=False)))
    page.get_by_test_id("pay").click()
    window = page.frame_locator("iframe[data-paymux-window]")
    opened = window.locator("[data-testid=payment-window], [data-testid=pg-launch]")
    # A refused request also opens the overlay for a moment (its result page answers the callback),
    # so wait for whichever comes: the callback's answer, or a window inside the overlay.
    for _ in range(300):
        rsp = page.get_by_test_id("rsp").text_content() or ""
        if rsp:
            assert json.loads(rsp)["success"] is False
            return ""
        if page.locator("iframe[data-paymux-window]").count() and opened.count():
            return opened.first.get_attribute("data-channel") or ""
        page.wait_for_timeout(100)
    raise AssertionError(f"neither a window nor an answer for pg={pg!r} ({purpose})")


def api_charges(merchant: TestMerchant, pg: str) -> str:
    """The channel ``POST /subscribe/payments/onetime`` charges on ('' when refused)."""
    body: dict[str, Any] = {"merchant_uid": unique("api"), "amount": 1000, "name": "채널 확인", "card_number": CARD_OK,
                            "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
    if pg:
        body["pg"] = pg
    reply = merchant.api("POST", "/subscribe/payments/onetime", json=body)
    if reply.code != 0:
        return ""
    paid = reply.body["response"]
    return f"{paid['pg_provider']}.{paid['pg_id']}"


def test_the_console_answer_is_the_channel_the_window_and_the_api_open(
    page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, issue_shop: TestMerchant, shop_site: ShopSite,
) -> None:
    sign_in(page, gateway, console_account(gateway, issue_shop))
    mismatches = []
    for purpose in WINDOW_PURPOSES:
        for pg in SEED_PG_STRINGS:
            expected, _ = console_answer(page, gateway, pg, purpose)
            pay_method = PAY_METHOD_OF_PG.get(expected.partition(".")[0], "card")
            opened = window_opens(page, gateway, shop_site, issue_shop, pg, purpose, pay_method)
            if opened != expected:
                mismatches.append((purpose, pg, expected, opened))
    for pg in SEED_PG_STRINGS:
        expected, _ = console_answer(page, gateway, pg, "billing_api")
        charged = api_charges(issue_shop, pg)
        if charged != expected:
            mismatches.append(("billing_api", pg, expected, charged))
    assert mismatches == []


def test_the_issue_case_is_answered_with_its_reason(
    page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, issue_shop: TestMerchant,
) -> None:
    sign_in(page, gateway, console_account(gateway, issue_shop))
    assert console_answer(page, gateway, "kcp", "payment_window") == ("kcp.T0000", "first_of_pg")
    skipped = page.get_by_test_id("resolved-skipped").inner_text()
    assert "kcp.BA001" in skipped and "건너뛰었습니다" in skipped
    screenshot(page, request, "kcp-window")
    assert console_answer(page, gateway, "nice", "payment_window") == ("nice.nictest00m", "first_of_pg")
    assert console_answer(page, gateway, "kcp", "billing_api") == ("kcp.BA001", "first_of_pg")
    assert console_answer(page, gateway, "nosuchpg", "payment_window") == ("html5_inicis.MID-a", "default")
    assert "등록된 설정이 없습니다" in page.get_by_test_id("resolved-fallback").inner_text()
    # the default (a window channel) cannot charge through the API: the first API channel in order does
    assert console_answer(page, gateway, "kakao.NOPE", "billing_api") == ("kcp.BA001", "first_fitting")
    channel, refusal = console_answer(page, gateway, "html5_inicis.MID-a", "billing_window")
    assert channel == "" and "정기결제" not in refusal and "일반결제" in refusal  # the Korean console names the kind in Korean

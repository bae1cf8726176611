"""The console in real headless Chromium: what a merchant does, as the merchant sees it.

Each test saves screenshots under test-output/screenshots/ so a person can look.
"""

from __future__ import annotations

import pytest

from tests.browser import screenshot
from tests.console.support import ConsoleAccount
from tests.harness import GatewayServer, request, unique
from tests.webhooks.receiver import Receiver


@pytest.fixture
def fresh_account(gateway: GatewayServer) -> ConsoleAccount:
    """A merchant with no channels yet, and its console user."""
    from tests.console.support import console_account

    return console_account(gateway, gateway.create_merchant("seed shop"))


def sign_in(page, gateway: GatewayServer, account: ConsoleAccount) -> None:  # type: ignore[no-untyped-def]
    page.on("dialog", lambda dialog: dialog.accept())  # the console confirms every cancel and delete
    page.goto(gateway.base_url + "/console")
    page.get_by_test_id("login-email").fill(account.email)
    page.get_by_test_id("login-password").fill(account.password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("tile-today").wait_for()


def add_channel(page, gateway: GatewayServer, pg: str, mid: str, pay_type: str, *, default: bool = False) -> None:  # type: ignore[no-untyped-def]
    page.goto(gateway.base_url + "/console/channels/new")
    page.get_by_test_id("channel-pg").select_option(pg)
    page.get_by_test_id("channel-type").select_option(pay_type)
    page.get_by_test_id("channel-mid").fill(mid)
    page.get_by_test_id("channel-mode").select_option("test")
    if default:
        page.get_by_test_id("channel-default").check()
    page.get_by_test_id("channel-submit").click()
    page.get_by_test_id("channel-list").wait_for()
    assert page.get_by_test_id("flash").get_attribute("data-flash") == "flash.channel_added"  # every action says so


def row(page, pg_string: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-testid="channel-row"][data-pg="{pg_string}"]')


def listed_order(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="channel-row"]').evaluate_all("rows => rows.map(r => r.dataset.pg)")


def resolves_to(page, pg: str) -> str:  # type: ignore[no-untyped-def]
    page.get_by_test_id("resolve-pg").fill(pg)
    page.get_by_test_id("resolve-submit").click()
    result = page.get_by_test_id("resolve-result")
    result.wait_for()
    return result.get_attribute("data-channel") or ""


def test_pg_settings_of_the_seed_example(page, request: pytest.FixtureRequest, gateway: GatewayServer, fresh_account: ConsoleAccount) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, gateway, fresh_account)
    add_channel(page, gateway, "html5_inicis", "MID-a", "general", default=True)
    add_channel(page, gateway, "html5_inicis", "MID-b", "subscription")
    add_channel(page, gateway, "kakaopay", "MID-c", "simple")
    assert listed_order(page) == ["html5_inicis.MID-a", "html5_inicis.MID-b", "kakaopay.MID-c"]
    assert row(page, "html5_inicis.MID-a").get_attribute("data-default") == "true"
    screenshot(page, request, "channels")

    # the seed's table: code alone → first in order; code.MID → exactly that one; invalid → the default
    assert resolves_to(page, "html5_inicis") == "html5_inicis.MID-a"
    assert resolves_to(page, "html5_inicis.MID-b") == ""  # a subscription channel opens no payment window
    assert "정기결제" in page.get_by_test_id("resolve-refused").inner_text()
    page.get_by_test_id("resolve-purpose").select_option("billing_window")
    assert resolves_to(page, "html5_inicis.MID-b") == "html5_inicis.MID-b"
    page.get_by_test_id("resolve-purpose").select_option("payment_window")
    assert resolves_to(page, "kakaopay") == "kakaopay.MID-c"
    assert resolves_to(page, "no_such_pg") == "html5_inicis.MID-a"
    assert page.get_by_test_id("resolved-fallback").is_visible()
    screenshot(page, request, "resolver")

    # moving MID-b above MID-a makes it the first html5_inicis match for a billing-key window; the
    # payment window skips it (a subscription channel opens no payment window); the default does not move
    row(page, "html5_inicis.MID-b").get_by_test_id("move-up").click()
    page.wait_for_url("**/console/channels**")
    assert page.get_by_test_id("flash").inner_text() == "순서를 바꿨습니다."
    assert listed_order(page) == ["html5_inicis.MID-b", "html5_inicis.MID-a", "kakaopay.MID-c"]
    assert resolves_to(page, "html5_inicis") == "html5_inicis.MID-a"
    assert "html5_inicis.MID-b" in page.get_by_test_id("resolved-skipped").inner_text()
    page.get_by_test_id("resolve-purpose").select_option("billing_window")
    assert resolves_to(page, "html5_inicis") == "html5_inicis.MID-b"
    page.get_by_test_id("resolve-purpose").select_option("payment_window")
    assert resolves_to(page, "") == "html5_inicis.MID-a"
    row(page, "kakaopay.MID-c").get_by_test_id("move-up").click()
    page.wait_for_url("**/console/channels**")
    row(page, "kakaopay.MID-c").get_by_test_id("move-up").click()
    page.wait_for_url("**/console/channels**")
    assert listed_order(page) == ["kakaopay.MID-c", "html5_inicis.MID-b", "html5_inicis.MID-a"]
    assert resolves_to(page, "html5_inicis.MID-a") == "html5_inicis.MID-a"
    screenshot(page, request, "reordered")

    # a duplicate MID is refused next to the field, with what was typed kept
    page.goto(gateway.base_url + "/console/channels/new")
    page.get_by_test_id("channel-pg").select_option("html5_inicis")
    page.get_by_test_id("channel-type").select_option("general")
    page.get_by_test_id("channel-mid").fill("MID-a")
    page.get_by_test_id("channel-submit").click()
    assert "이미 등록된 상점아이디" in page.get_by_test_id("error-mid").inner_text()
    assert page.get_by_test_id("channel-mid").input_value() == "MID-a"
    screenshot(page, request, "duplicate-mid")

    # the default cannot go while others remain unless a new default is chosen
    page.goto(gateway.base_url + "/console/channels")
    row(page, "html5_inicis.MID-a").get_by_test_id("delete").click()
    assert page.get_by_test_id("error-new_default").is_visible()
    assert len(listed_order(page)) == 3
    screenshot(page, request, "delete-default-refused")
    row(page, "html5_inicis.MID-a").get_by_test_id("new-default").select_option(label="kakaopay.MID-c")
    row(page, "html5_inicis.MID-a").get_by_test_id("delete").click()
    page.wait_for_url("**/console/channels**")
    assert listed_order(page) == ["kakaopay.MID-c", "html5_inicis.MID-b"]
    assert page.get_by_test_id("flash").get_attribute("data-flash") == "flash.channel_deleted"
    assert row(page, "kakaopay.MID-c").get_attribute("data-default") == "true"
    assert resolves_to(page, "whatever") == "kakaopay.MID-c"


def test_webhook_url_and_the_test_webhook_reach_a_real_receiver(  # type: ignore[no-untyped-def]
    page, request: pytest.FixtureRequest, gateway: GatewayServer, fresh_account: ConsoleAccount
) -> None:
    receiver = Receiver(gateway.clock.now).start()
    try:
        sign_in(page, gateway, fresh_account)
        page.goto(gateway.base_url + "/console/webhook")
        page.get_by_test_id("webhook-url").fill("not a url")
        page.get_by_test_id("webhook-save").click()
        assert page.get_by_test_id("error-webhook_url").is_visible()
        assert page.get_by_test_id("webhook-url").input_value() == "not a url"
        screenshot(page, request, "bad-url")

        page.get_by_test_id("webhook-url").fill(receiver.url("/console-hook"))
        page.get_by_test_id("webhook-save").click()
        page.get_by_test_id("saved").wait_for()
        page.get_by_test_id("webhook-test").click()
        result = page.get_by_test_id("webhook-result")
        result.wait_for()
        assert result.get_attribute("data-ok") == "true"
        assert page.get_by_test_id("webhook-status").inner_text() == "200"
        assert page.get_by_test_id("webhook-body").inner_text() == "ok"
        webhook_id = page.get_by_test_id("webhook-id").inner_text()
        arrived = [r for r in receiver.requests if r.path == "/console-hook"]
        assert [r.webhook_id for r in arrived] == [webhook_id]
        assert arrived[0].payload["status"] == "test"
        screenshot(page, request, "sent")
    finally:
        receiver.close()


def test_a_whitelist_set_in_the_console_refuses_api_calls_from_outside(  # type: ignore[no-untyped-def]
    page, request: pytest.FixtureRequest, gateway: GatewayServer, fresh_account: ConsoleAccount
) -> None:
    shop = fresh_account.shop
    sign_in(page, gateway, fresh_account)
    page.goto(gateway.base_url + "/console/settings")
    assert "1.1.1.1/32" in page.get_by_test_id("cidr-help").inner_text()
    assert page.get_by_test_id("user-code").inner_text() == shop.user_code
    assert page.get_by_test_id("imp-key").inner_text() == shop.imp_key

    page.get_by_test_id("whitelist").fill("10.0.0.0/8\n1.1.1.1/24")
    page.get_by_test_id("whitelist-save").click()
    assert "1.1.1.1/24" in page.get_by_test_id("error-ip_whitelist").inner_text()
    assert page.get_by_test_id("whitelist").input_value() == "10.0.0.0/8\n1.1.1.1/24"
    screenshot(page, request, "bad-cidr")
    credentials = {"imp_key": shop.imp_key, "imp_secret": shop.imp_secret}
    assert request_token(gateway, credentials).status == 200  # nothing was saved

    page.get_by_test_id("whitelist").fill("10.0.0.0/8\n203.0.113.0/24")
    page.get_by_test_id("whitelist-save").click()
    page.get_by_test_id("saved").wait_for()
    screenshot(page, request, "saved")
    refused = request_token(gateway, credentials)
    assert (refused.status, refused.code, refused.response) == (403, -1, None)
    assert "127.0.0.1" in refused.message

    page.get_by_test_id("whitelist").fill("127.0.0.1/32")
    page.get_by_test_id("whitelist-save").click()
    page.get_by_test_id("saved").wait_for()
    assert request_token(gateway, credentials).expect_ok()["access_token"]


def request_token(gateway: GatewayServer, credentials: dict[str, str]):  # type: ignore[no-untyped-def]
    return request(gateway, "POST", "/users/getToken", json=credentials)


def test_part_of_a_payment_is_cancelled_and_the_history_shows_it(page, request: pytest.FixtureRequest, gateway: GatewayServer, account: ConsoleAccount) -> None:  # type: ignore[no-untyped-def]
    shop = account.shop
    from playwright.sync_api import expect

    customer_uid, order = unique("cust"), unique("order")
    shop.issue_key(customer_uid).expect_ok()
    imp_uid = shop.again(customer_uid, order, amount=3000, buyer_name="김구매").expect_ok()["imp_uid"]

    sign_in(page, gateway, account)
    page.goto(gateway.base_url + "/console/payments")
    page.get_by_test_id("filter-merchant-uid").fill(order)
    page.get_by_test_id("search-submit").click()
    page.wait_for_url(f"**merchant_uid={order}**")
    expect(page.locator('[data-testid="payment-row"]')).to_have_count(1)  # waits for the new page, not a count mid-load
    screenshot(page, request, "search")
    page.get_by_test_id("payment-link").click()
    page.get_by_test_id("cancel-form").wait_for()

    page.get_by_test_id("cancel-amount").fill("5000")
    page.get_by_test_id("cancel-submit").click()
    assert "취소 가능 잔액 3,000원을 초과합니다" in page.get_by_test_id("error-amount").inner_text()  # in Korean (#14 item 6)

    page.get_by_test_id("cancel-amount").fill("1000")
    page.get_by_test_id("cancel-reason").fill("one item returned")
    page.get_by_test_id("cancel-submit").click()
    page.get_by_test_id("cancel-history").wait_for()
    rows = page.locator('[data-testid="cancel-row"]')
    assert rows.count() == 1 and rows.first.get_attribute("data-amount") == "1000"
    assert "one item returned" in rows.first.inner_text()
    assert page.get_by_test_id("payment-status").get_attribute("data-status") == "paid"
    assert page.get_by_test_id("payment-cancellable").inner_text() == "2,000원"
    screenshot(page, request, "partial")

    page.get_by_test_id("cancel-submit").click()  # empty amount: the rest
    expect(page.locator('[data-testid="cancel-row"]')).to_have_count(2)  # the same URL again: wait for the rows, not the URL
    assert page.get_by_test_id("payment-status").get_attribute("data-status") == "cancelled"
    api = shop.api("GET", f"/payments/{imp_uid}").expect_ok()
    assert (api["status"], api["cancel_amount"], [c["amount"] for c in api["cancel_history"]]) == ("cancelled", 3000, [1000, 2000])
    screenshot(page, request, "full")


def test_the_dashboard_fits_a_phone(phone_page, request: pytest.FixtureRequest, gateway: GatewayServer, account: ConsoleAccount) -> None:  # type: ignore[no-untyped-def]
    shop = account.shop
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    shop.again(customer_uid, unique("order"), amount=4200).expect_ok()
    sign_in(phone_page, gateway, account)
    assert phone_page.get_by_test_id("today-count").inner_text() == "1"
    assert phone_page.get_by_test_id("today-amount").inner_text() == "4,200원"
    assert phone_page.get_by_test_id("chart").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing pushes the page sideways
    screenshot(phone_page, request, "dashboard")
    phone_page.goto(gateway.base_url + "/console/channels?lang=en")
    assert "PG settings" in phone_page.content()
    screenshot(phone_page, request, "channels-en")

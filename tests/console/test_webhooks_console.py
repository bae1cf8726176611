"""Issue #14 item 4: webhooks in the console, in real Chromium — the signing secret revealed only on
demand, the delivery log filtered by state and by payment, and a resend that reaches the receiver."""

from __future__ import annotations

from typing import Any

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from paymux.services import merchants as merchant_service
from paymux.webhooks.delivery import deliver_due_webhooks
from paymux.webhooks.outbox import webhook_secret
from tests.browser import screenshot
from tests.console.support import ConsoleAccount
from tests.console.test_browser import fresh_account, sign_in  # noqa: F401 (fresh_account: a fixture)
from tests.harness import GatewayServer, unique
from tests.webhooks.receiver import Receiver, verify

pytestmark = pytest.mark.slow


def _rows(page: Any) -> Any:
    return page.locator('[data-testid="webhook-log-row"]')


def _filter(page: Any, state: str = "", search: str = "") -> None:
    page.get_by_test_id("webhook-filter-state").select_option(state)
    page.get_by_test_id("webhook-filter-search").fill(search)
    page.get_by_test_id("webhook-filter-submit").click()
    page.wait_for_url("**/console/webhook?**")


def test_secret_on_demand_and_the_delivery_log_with_filters_and_resend(
    page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, fresh_account: ConsoleAccount,
) -> None:
    shop = fresh_account.shop
    shop.add_channel("html5_inicis", "api", default=True)
    receiver = Receiver(gateway.clock.now).start()
    try:
        gateway.call(lambda rt: merchant_service.set_webhook_url(rt, shop.merchant.id, receiver.url()))
        customer_uid = unique("cust")
        shop.issue_key(customer_uid).expect_ok()
        receiver.answer("down")
        failing = shop.again(customer_uid, unique("first"), amount=1_100).expect_ok()["imp_uid"]
        gateway.call(deliver_due_webhooks)
        receiver.answer("up")
        fine = shop.again(customer_uid, unique("second"), amount=2_200).expect_ok()["imp_uid"]
        gateway.call(deliver_due_webhooks)

        sign_in(page, gateway, fresh_account)
        page.goto(gateway.base_url + "/console/webhook")
        # the secret is not in the page until asked for, then it is the one receivers verify with
        assert page.get_by_test_id("webhook-secret").count() == 0
        assert "whsec_" not in page.content().replace("whsec_••••", "")
        page.get_by_test_id("webhook-secret-reveal").click()
        expected = gateway.call(lambda rt: webhook_secret(rt, shop.merchant.id))
        assert page.get_by_test_id("webhook-secret").inner_text() == expected
        screenshot(page, request, "secret")

        page.goto(gateway.base_url + "/console/webhook")
        _filter(page, state="pending")
        assert [r.get_attribute("data-imp-uid") for r in _rows(page).all()] == [failing]
        _filter(page, state="delivered")
        assert [r.get_attribute("data-imp-uid") for r in _rows(page).all()] == [fine]
        _filter(page, search=failing)
        assert _rows(page).count() == 1
        assert [a.get_attribute("data-status") for a in _rows(page).first.get_by_test_id("webhook-log-attempt").all()] == ["503"]
        screenshot(page, request, "log")

        _rows(page).first.get_by_test_id("webhook-log-resend").click()  # sign_in accepts the confirmation
        page.get_by_test_id("flash").wait_for()
        assert page.get_by_test_id("flash").get_attribute("data-flash") == "flash.webhook_resent"
        gateway.call(deliver_due_webhooks)
        page.goto(gateway.base_url + "/console/webhook")
        _filter(page, state="delivered", search=failing)
        assert [a.get_attribute("data-status") for a in _rows(page).first.get_by_test_id("webhook-log-attempt").all()] == ["503", "200"]
        assert [r.answered for r in receiver.about([failing])] == [503, 200]
        page.goto(gateway.base_url + "/console/webhook?state=lost")
        assert page.get_by_test_id("error-state").inner_text() == "상태는 재시도 대기, 전달됨, 전달 포기 중 하나입니다"
    finally:
        receiver.close()


def test_rotating_the_secret_signs_every_later_webhook_with_the_new_one(
    page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, fresh_account: ConsoleAccount,
) -> None:
    shop = fresh_account.shop
    shop.add_channel("html5_inicis", "api", default=True)
    old = gateway.call(lambda rt: webhook_secret(rt, shop.merchant.id))
    receiver = Receiver(gateway.clock.now).start()
    try:
        gateway.call(lambda rt: merchant_service.set_webhook_url(rt, shop.merchant.id, receiver.url()))
        sign_in(page, gateway, fresh_account)
        page.goto(gateway.base_url + "/console/webhook")
        page.get_by_test_id("webhook-secret-rotate").click()  # sign_in accepts the confirmation
        page.get_by_test_id("webhook-secret-rotated").wait_for()
        new = page.get_by_test_id("webhook-secret").inner_text()
        assert new.startswith("whsec_") and new != old
        assert gateway.call(lambda rt: webhook_secret(rt, shop.merchant.id)) == new
        screenshot(page, request, "rotated")

        customer_uid = unique("cust")
        shop.issue_key(customer_uid).expect_ok()
        paid = shop.again(customer_uid, unique("after"), amount=1_000).expect_ok()["imp_uid"]
        gateway.call(deliver_due_webhooks)
        [arrived] = receiver.about([paid])
        assert verify(new, arrived)["imp_uid"] == paid
        with pytest.raises(WebhookVerificationError):  # the old secret no longer verifies
            verify(old, arrived)
    finally:
        receiver.close()

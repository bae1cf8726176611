"""Issue #14 item 5: the dashboard's period — gross, refunds and net side by side, success rate by
PG and by pay method, 0-won billing-key registrations apart from payments, a date range — in Chromium."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.console.support import ConsoleAccount
from tests.console.test_browser import fresh_account, sign_in  # noqa: F401 (fresh_account: a fixture)
from tests.harness import CARD_REFUSED, GatewayServer, unique

pytestmark = pytest.mark.slow


def test_period_shows_net_beside_gross_and_rates_by_pg_and_method(
    page: Any, gateway: GatewayServer, fresh_account: ConsoleAccount,
) -> None:
    shop = fresh_account.shop
    shop.add_channel("html5_inicis", "api", default=True)
    shop.add_channel("kcp", "api")
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    inicis = shop.again(customer_uid, unique("a"), amount=50_000).expect_ok()["imp_uid"]
    shop.again(customer_uid, unique("b"), amount=20_000).expect_ok()
    shop.api("POST", "/payments/cancel", json={"imp_uid": inicis, "amount": 12_000, "reason": "반품"}).expect_ok()
    kcp_key = unique("kcp")
    shop.issue_key(kcp_key, pg="kcp").expect_ok()
    shop.again(kcp_key, unique("c"), amount=7_000, pg="kcp").expect_ok()
    refused_key = unique("bad")
    shop.issue_key(refused_key, card_number=CARD_REFUSED)  # refused at issue: no payment
    failed = shop.api("POST", "/subscribe/payments/onetime", json={
        "merchant_uid": unique("d"), "amount": 3_000, "card_number": CARD_REFUSED, "expiry": "2030-12",
        "birth": "820213", "pwd_2digit": "00", "name": "거절될 주문", "pg": "kcp"})
    assert failed.body["code"] != 0 or failed.body["response"]["status"] == "failed"

    sign_in(page, gateway, fresh_account)
    assert page.get_by_test_id("period-gross").get_attribute("data-amount") == "77000"
    assert page.get_by_test_id("period-refunds").get_attribute("data-amount") == "12000"
    assert page.get_by_test_id("period-net").get_attribute("data-amount") == "65000"
    assert page.get_by_test_id("period-net").inner_text() == "65,000원"
    by_pg = {r.get_attribute("data-key"): (r.get_attribute("data-net"), r.get_attribute("data-success"))
             for r in page.locator('[data-testid="period-by-pg-row"]').all()}
    assert by_pg == {"html5_inicis": ("58000", "100.0"), "kcp": ("7000", "50.0")}
    assert page.locator('[data-testid="period-by-pg-row"][data-key="html5_inicis"] td').first.inner_text() == "KG이니시스"
    by_method = {r.get_attribute("data-key"): r.get_attribute("data-net")
                 for r in page.locator('[data-testid="period-by-method-row"]').all()}
    assert by_method == {"card": "65000"}
    assert "신용카드" in page.locator('[data-testid="period-by-method-row"]').first.inner_text()
    # the chart covers the same 30 days; today's bar holds the period's sums and says them on hover
    bars = page.locator('[data-testid="chart-bar"]')
    assert bars.count() == 30
    today_bar = bars.last
    assert (today_bar.get_attribute("data-gross"), today_bar.get_attribute("data-refunds")) == ("77000", "12000")
    assert "결제 77,000원 · 환불 12,000원 · 순매출 65,000원" in today_bar.locator("title").text_content()
    assert "순매출 65,000원" in page.get_by_test_id("chart-summary").inner_text()

    # a period before any payment is empty; a reversed one is refused next to its field, in Korean
    today = date.fromisoformat(page.get_by_test_id("period-to").input_value())
    page.get_by_test_id("period-from").fill((today - timedelta(days=60)).isoformat())
    page.get_by_test_id("period-to").fill((today - timedelta(days=40)).isoformat())
    page.get_by_test_id("period-submit").click()
    page.wait_for_url("**/console?**")
    assert page.get_by_test_id("period-gross").get_attribute("data-amount") == "0"
    assert page.locator('[data-testid="chart-bar"]').count() == 21
    assert page.locator('[data-testid="chart-bar"][data-gross="0"]').count() == 21
    page.goto(f"{gateway.base_url}/console?date_from={today.isoformat()}&date_to={(today - timedelta(days=1)).isoformat()}")
    assert "종료일이 시작일보다 빠릅니다" in page.get_by_test_id("error-date_to").inner_text()

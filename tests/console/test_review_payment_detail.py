"""Issue #14 review, the payment page: nothing not paid has a cancellable balance; a virtual-account
refund's account is checked before the cancel and is shown (masked) in the cancel history and the
timeline; the history reads in Korean and an empty reason is not stored as "console"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import screenshot
from tests.console.support import ConsoleAccount, ConsoleClient
from tests.console.test_browser import sign_in
from tests.harness import CARD_REFUSED, GatewayServer, TestMerchant, unique

pytestmark = pytest.mark.slow


def _vbank(gateway: GatewayServer, shop: TestMerchant, *, deposited: bool) -> str:
    issued = shop.api("POST", "/vbanks", json={
        "merchant_uid": unique("vb"), "amount": 1_004, "vbank_code": "088", "name": "현금 주문",
        "vbank_due": gateway.clock.now() + 86_400, "vbank_holder": "페이먹스", "buyer_name": "이입금",
    }).expect_ok()
    if deposited:
        shop.api("POST", f"/vbanks/{issued['imp_uid']}/deposit", json={"amount": 1_004}).expect_ok()
    return str(issued["imp_uid"])


def test_a_failed_payment_and_an_unpaid_virtual_account_have_nothing_to_cancel(
    page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, account: ConsoleAccount,
) -> None:
    shop = account.shop
    failed = shop.api("POST", "/subscribe/payments/onetime", json={
        "merchant_uid": unique("fail"), "amount": 1_004, "name": "실패 주문", "card_number": CARD_REFUSED,
        "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00",
    })
    failed_uid = failed.response["imp_uid"]
    assert failed.response["status"] == "failed"
    ready_uid = _vbank(gateway, shop, deposited=False)

    sign_in(page, gateway, account)
    for imp_uid in (failed_uid, ready_uid):
        page.goto(f"{gateway.base_url}/console/payments/{imp_uid}")
        assert page.get_by_test_id("payment-amount").inner_text() == "1,004원"
        assert page.get_by_test_id("payment-cancellable").inner_text().startswith("0원")
        assert "취소할 금액이 없습니다" in page.get_by_test_id("not-cancellable").inner_text()
        assert page.get_by_test_id("cancel-form").count() == 0
        screenshot(page, request, imp_uid)
    page.goto(f"{gateway.base_url}/console/payments/{ready_uid}")
    assert page.get_by_test_id("payment-status").inner_text() == "입금 대기"  # an issued account, not an abandoned window
    page.goto(f"{gateway.base_url}/console/payments?merchant_uid=")
    assert "입금 대기" in page.locator("tr", has=page.locator(f'a[href*="{ready_uid}"]')).inner_text()


def test_a_garbage_refund_account_is_refused_with_korean_field_errors(
    gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient,
) -> None:
    shop = account.shop
    imp_uid = _vbank(gateway, shop, deposited=True)
    for form, bad in (
        ({"refund_holder": "가" * 300, "refund_bank": "004", "refund_account": "110-345-6789"}, "예금주는 1~40자로 입력하세요."),
        ({"refund_holder": "", "refund_bank": "004", "refund_account": "110-345-6789"}, "예금주는 1~40자로 입력하세요."),
        ({"refund_holder": "이입금", "refund_bank": "004", "refund_account": "abc"}, "계좌번호는 숫자(하이픈 허용) 6~20자리로 입력하세요."),
        ({"refund_holder": "이입금", "refund_bank": "004", "refund_account": "12345"}, "계좌번호는 숫자(하이픈 허용) 6~20자리로 입력하세요."),
        ({"refund_holder": "이입금", "refund_bank": "004", "refund_account": "1" * 21}, "계좌번호는 숫자(하이픈 허용) 6~20자리로 입력하세요."),
        ({"refund_holder": "이입금", "refund_bank": "999", "refund_account": "110-345-6789"}, "환불 은행을 목록에서 선택하세요."),
    ):
        reply = console.post(f"/console/payments/{imp_uid}/cancel", {"amount": "", "reason": "", **form})
        assert reply.status_code == 400 and bad in reply.text, form
        assert shop.api("GET", f"/payments/{imp_uid}").expect_ok()["status"] == "paid"


def test_the_refund_account_is_shown_masked_in_the_history_and_the_timeline(
    page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, account: ConsoleAccount,
) -> None:
    shop = account.shop
    imp_uid = _vbank(gateway, shop, deposited=True)
    sign_in(page, gateway, account)
    page.goto(f"{gateway.base_url}/console/payments/{imp_uid}")
    page.get_by_test_id("refund-bank").select_option("088")
    page.get_by_test_id("refund-holder").fill("이입금")
    page.get_by_test_id("refund-account").fill("110-345-6789")
    page.get_by_test_id("cancel-submit").click()
    page.get_by_test_id("flash").wait_for()
    assert page.get_by_test_id("flash").get_attribute("data-flash") == "flash.cancelled"

    history = page.get_by_test_id("cancel-history")
    assert "cancellation_id" not in history.locator("thead").inner_text()
    assert "취소 번호" in history.locator("thead").inner_text()
    row = page.get_by_test_id("cancel-row").first
    assert row.get_by_test_id("cancel-refund").inner_text() == "신한은행 · 이입금 · 110-***-6789"
    assert row.get_by_test_id("cancel-reason-cell").inner_text() == "콘솔에서 취소"
    cancelled = page.locator('[data-testid="timeline-entry"][data-kind="cancelled"]').inner_text()
    assert "110-***-6789" in cancelled and "신한은행" in cancelled and "console" not in cancelled
    assert "345-6789" not in page.content() and "3456789" not in page.content()  # the full account is shown nowhere
    screenshot(page, request, "refunded")

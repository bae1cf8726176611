"""Issue #14 item 3, the support scenario: a payment with a partial cancel and a webhook that failed
and was resent is understood from its console detail page alone, in real Chromium (each element
asserted against what the REST API says); a paid virtual account is refunded to a bank chosen
from the list."""

from __future__ import annotations

from typing import Any

import pytest

from paymux.services import merchants as merchant_service
from paymux.services import payments as payment_service
from paymux.webhooks.delivery import deliver_due_webhooks
from tests.browser import screenshot
from tests.console.support import ConsoleAccount
from tests.console.test_browser import sign_in
from tests.harness import CARD_OK, GatewayServer, unique
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.slow


def _entries(page: Any, kind: str) -> Any:
    return page.locator(f'[data-testid="timeline-entry"][data-kind="{kind}"]')


def test_a_partly_cancelled_payment_with_a_resent_webhook_is_understood_from_its_page(
    page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, account: ConsoleAccount,
) -> None:
    shop = account.shop
    receiver = Receiver(gateway.clock.now).start()
    try:
        gateway.call(lambda rt: merchant_service.set_webhook_url(rt, shop.merchant.id, receiver.url()))
        receiver.answer("down")
        order = unique("support")
        paid = shop.api("POST", "/subscribe/payments/onetime", json={
            "merchant_uid": order, "amount": 60_000, "name": "겨울 코트", "card_number": CARD_OK, "expiry": "2030-12",
            "birth": "820213", "pwd_2digit": "00", "card_quota": 3, "buyer_name": "김구매", "buyer_email": "kim@buyer.example",
            "buyer_tel": "010-2222-3333",
        }).expect_ok()
        imp_uid = paid["imp_uid"]
        gateway.call(deliver_due_webhooks)  # the receiver answers 503: the first try fails
        assert [r.answered for r in receiver.about([imp_uid])] == [503]

        sign_in(page, gateway, account)
        questions: list[str] = []
        page.on("dialog", lambda dialog: questions.append(dialog.message))
        page.goto(f"{gateway.base_url}/console/payments/{imp_uid}")
        page.get_by_test_id("cancel-amount").fill("15000")
        page.get_by_test_id("cancel-reason").fill("사이즈 교환 차액")
        page.get_by_test_id("cancel-submit").click()  # sign_in accepts the confirmation dialog
        page.get_by_test_id("flash").wait_for()
        assert page.get_by_test_id("flash").get_attribute("data-flash") == "flash.cancelled"
        assert questions[0].startswith("15,000원을 취소합니다")  # the question names the amount the form sends

        receiver.answer("up")
        first = page.locator('[data-testid="webhook-row"]').first
        assert first.get_attribute("data-state") == "pending"
        first.get_by_test_id("webhook-resend").click()
        page.get_by_test_id("flash").wait_for()
        assert page.get_by_test_id("flash").get_attribute("data-flash") == "flash.webhook_resent"
        gateway.call(deliver_due_webhooks)
        page.reload()

        api = shop.api("GET", f"/payments/{imp_uid}").expect_ok()
        # the facts of the payment
        assert page.get_by_test_id("payment-status").get_attribute("data-status") == "paid"
        assert page.get_by_test_id("payment-cancellable").inner_text() == "45,000원"
        assert page.get_by_test_id("detail-installment").inner_text() == "3개월"
        assert page.get_by_test_id("detail-apply-num").inner_text() == api["apply_num"] != ""
        assert page.get_by_test_id("detail-pg-tid").inner_text() == api["pg_tid"] != ""
        assert page.get_by_test_id("detail-receipt").get_attribute("href") == api["receipt_url"] != ""
        assert page.get_by_test_id("detail-channel").inner_text().startswith(f"{api['pg_provider']}.{api['pg_id']}")
        buyer = page.get_by_test_id("detail-buyer").inner_text()
        assert all(part in buyer for part in ("김구매", "kim@buyer.example", "010-2222-3333"))
        cancel = page.locator('[data-testid="cancel-row"]')
        assert cancel.count() == 1 and cancel.first.get_attribute("data-amount") == "15000"
        assert "사이즈 교환 차액" in cancel.first.inner_text()

        # the timeline: created, approved (with approval number), the cancel, each webhook and each try
        assert _entries(page, "created").count() == 1 and "결제 요청 생성 (REST API)" in _entries(page, "created").inner_text()
        assert api["apply_num"] in _entries(page, "paid").inner_text()
        assert "15,000" in _entries(page, "cancelled").inner_text()
        events = page.locator('[data-testid="webhook-row"]')
        assert events.count() == 2  # paid, then the partial cancel
        assert _entries(page, "webhook_queued").count() == 2
        first = events.first
        assert first.get_attribute("data-state") == "delivered"
        assert [a.get_attribute("data-status") for a in first.get_by_test_id("webhook-attempt").all()] == ["503", "200"]
        tries = page.locator(f'[data-testid="timeline-entry"][data-kind="webhook_attempt"][data-event="{first.get_attribute("data-event")}"]')
        assert tries.count() == 2 and "503" in tries.nth(0).inner_text() and "200" in tries.nth(1).inner_text()
        assert [r.answered for r in receiver.about([imp_uid])][:2] == [503, 200]
        screenshot(page, request, "support-detail")
    finally:
        receiver.close()


def test_a_virtual_account_shows_its_due_date_and_is_refunded_to_a_listed_bank(
    page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, account: ConsoleAccount,
) -> None:
    shop = account.shop
    issued = shop.api("POST", "/vbanks", json={
        "merchant_uid": unique("vb"), "amount": 22_000, "vbank_code": "088", "name": "현금 주문",
        "vbank_due": gateway.clock.now() + 86_400, "vbank_holder": "페이먹스", "buyer_name": "이입금",
    }).expect_ok()
    shop.api("POST", f"/vbanks/{issued['imp_uid']}/deposit", json={"amount": 22_000}).expect_ok()
    sign_in(page, gateway, account)
    page.goto(f"{gateway.base_url}/console/payments/{issued['imp_uid']}")
    vbank = page.get_by_test_id("detail-vbank").inner_text()
    assert issued["vbank_num"] in vbank and "신한은행" in vbank and "페이먹스" in vbank
    assert page.get_by_test_id("detail-vbank-due").inner_text().strip() != ""
    assert _entries(page, "vbank_issued").count() == 1

    banks = page.get_by_test_id("refund-bank").locator("option").all_inner_texts()
    assert "KB국민은행 (004)" in banks and "카카오뱅크 (090)" in banks
    page.get_by_test_id("refund-bank").select_option("090")
    page.locator('input[name="refund_holder"]').fill("이입금")
    page.locator('input[name="refund_account"]').fill("3333011234567")
    page.get_by_test_id("cancel-submit").click()
    page.get_by_test_id("flash").wait_for()
    assert shop.api("GET", f"/payments/{issued['imp_uid']}").expect_ok()["status"] == "cancelled"
    stored = gateway.call(lambda rt: payment_service.get_payment(rt, shop.merchant, issued["imp_uid"]))
    assert (stored.cancel_history[0].refund_bank, stored.cancel_history[0].refund_account) == ("090", "3333011234567")
    screenshot(page, request, "vbank-refunded")

"""Issue #14 item 6: the Korean console speaks Korean — service errors (a cancel above the balance,
a CIDR block with host bits, a channel of the wrong kind), pay methods instead of raw codes — and the
English console keeps the service's own words."""

from __future__ import annotations

import html
import re

from tests.console.support import ConsoleClient
from tests.harness import TestMerchant, unique


def _text(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S)
    assert found, testid
    return found.group(1).strip()


def test_service_errors_and_codes_in_korean_and_english(console: ConsoleClient, shop: TestMerchant) -> None:
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    imp_uid = shop.again(customer_uid, unique("order"), amount=3_000).expect_ok()["imp_uid"]

    over = console.post(f"/console/payments/{imp_uid}/cancel", {"amount": "5000", "reason": "x"})
    assert over.status_code == 400
    assert _text(over.text, "error-amount") == "취소 요청 금액 5,000원이 취소 가능 잔액 3,000원을 초과합니다."
    assert 'data-flash="flash.error.form"' in over.text
    assert _text(over.text, "detail-method") == "신용카드"

    cidr = console.post("/console/settings/whitelist", {"ip_whitelist": "1.1.1.1/24"})
    assert cidr.status_code == 400 and "올바른 CIDR 블록이 아닙니다" in _text(cidr.text, "error-ip_whitelist")

    wrong_kind = html.unescape(_text(console.get("/console/channels?pg=kcp&purpose=billing_window").text, "resolve-refused"))
    assert wrong_kind.startswith("pg 'kcp'은(는) API 방식") and "빌링키 발급창" in wrong_kind

    assert _text(over.text, "payment-amount") == "3,000원"
    english = console.get(f"/console/payments/{imp_uid}?lang=en")
    assert _text(english.text, "detail-method") == "Card"
    assert _text(english.text, "payment-amount") == "KRW 3,000"
    over_en = console.post(f"/console/payments/{imp_uid}/cancel", {"amount": "5000", "reason": "x"})
    assert "exceeds the cancellable balance 3000" in _text(over_en.text, "error-amount")
    new_channel_en = console.get("/console/channels/new?lang=en").text
    assert "KG INICIS" in new_channel_en and "KG이니시스" not in new_channel_en  # PG names in the console's language
    assert "KG이니시스" in console.get("/console/channels/new?lang=ko").text


def test_the_english_console_shows_the_english_half_of_a_bilingual_service_error() -> None:
    from paymux.console.error_text import localized_error

    refusal = "pg 'kcp'은(는) API 방식(키인/빌링) 채널이라 결제창을 열 수 없습니다 (pg 'kcp' is an API channel; it cannot open a payment window)"
    assert localized_error("en", refusal) == "pg 'kcp' is an API channel; it cannot open a payment window"
    assert localized_error("en", "amount must be positive (금액은 0보다 커야 합니다)") == "amount must be positive"
    assert localized_error("en", "cannot cancel more than 1,000 left") == "cannot cancel more than 1,000 left"
    assert localized_error("ko", refusal).startswith("pg 'kcp'은(는) API 방식")

"""Issue #14 item 6, end to end: real errors raised by the services behind the Korean console (a cancel
over what is left after a partial one, CIDR blocks that are not networks, a live PG setting without its MID,
a bad PG endpoint, a webhook URL that is not http(s), a search date that is no date) reach the page in
Korean, with no English sentence; the English console keeps the service's own words."""

from __future__ import annotations

import html
import re
import socket

from paymux.console.error_text import ENGLISH_SENTENCE, HANGUL
from paymux.webhooks.delivery import deliver_due_webhooks
from tests.console.support import ConsoleClient
from tests.harness import GatewayServer, TestMerchant, unique


def _error(page: str, name: str) -> str:
    found = re.search(rf'data-testid="error-{name}"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error-{name} on the page"
    return html.unescape(found.group(1)).strip()


def _korean(text: str) -> str:
    assert HANGUL.search(text), text
    assert not ENGLISH_SENTENCE.search(text), text
    return text


def test_real_service_errors_reach_the_korean_console_in_korean(console: ConsoleClient, shop: TestMerchant) -> None:
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    imp_uid = shop.again(customer_uid, unique("order"), amount=3_000).expect_ok()["imp_uid"]
    assert console.post(f"/console/payments/{imp_uid}/cancel", {"amount": "1000", "reason": "부분"}).status_code == 303
    over = console.post(f"/console/payments/{imp_uid}/cancel", {"amount": "2500", "reason": "x"})
    assert over.status_code == 400
    assert _korean(_error(over.text, "amount")) == "취소 요청 금액 2,500원이 취소 가능 잔액 2,000원을 초과합니다."

    not_network = console.post("/console/settings/whitelist", {"ip_whitelist": "10.0.0.0/8\n1.1.1.300/32"})
    assert not_network.status_code == 400
    assert "'1.1.1.300/32'은(는) IPv4·IPv6 주소 대역으로 읽을 수 없습니다" in _korean(_error(not_network.text, "ip_whitelist"))
    no_prefix = console.post("/console/settings/whitelist", {"ip_whitelist": "10.0.0.1"})
    assert "주소 하나는 10.0.0.1/32처럼 입력하세요" in _korean(_error(no_prefix.text, "ip_whitelist"))

    live = {"pg": "html5_inicis", "type": "general", "mode": "live", "mid": "", "label": "", "endpoint": ""}
    no_mid = console.post("/console/channels", live)
    assert no_mid.status_code == 400
    assert _korean(_error(no_mid.text, "mid")) == "실연동 채널에는 PG사가 발급한 상점아이디(MID)를 입력하세요."
    bad_endpoint = console.post("/console/channels", {**live, "mid": "MOI0000001", "endpoint": "ftp://pg.example"})
    assert _korean(_error(bad_endpoint.text, "endpoint")).startswith("PG 접속 주소는 https://pg-staging.example.com 같은")
    dotted = console.post("/console/channels", {**live, "mid": "MOI.0001"})
    assert _korean(_error(dotted.text, "mid")) == "상점아이디는 100자 이하로, '.' 없이 입력하세요."

    webhook = console.post("/console/webhook", {"webhook_url": "ftp://shop.example/hook", "webhook_format": "json"})
    assert webhook.status_code == 400
    assert _korean(_error(webhook.text, "webhook_url")).startswith("올바른 http(s) URL이 아닙니다.")

    search = console.get("/console/payments?date_from=2026-13-40")
    assert search.status_code == 400
    assert _korean(_error(search.text, "date_from")) == "시작일은(는) YYYY-MM-DD 형식으로 입력하세요."


def test_the_english_console_keeps_the_services_words(console: ConsoleClient) -> None:
    console.get("/console/settings?lang=en")
    cidr = console.post("/console/settings/whitelist", {"ip_whitelist": "1.1.1.300/32"})
    assert "'1.1.1.300/32' is not a valid CIDR block" in _error(cidr.text, "ip_whitelist")
    search = console.get("/console/payments?date_from=2026-13-40")
    assert _error(search.text, "date_from") == "date_from: must be a date written YYYY-MM-DD"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _texts(page: str, testid: str) -> list[str]:
    return [html.unescape(text).strip() for text in re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</', page, re.S)]


def test_webhook_tries_that_got_no_answer_are_described_in_korean(
    console: ConsoleClient, shop: TestMerchant, gateway: GatewayServer,
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    assert console.post("/console/webhook", {"webhook_url": url, "webhook_format": "json"}).status_code == 303
    tested = console.post("/console/webhook/test")
    assert _korean(_texts(tested.text, "webhook-error")[0]) == "전달 실패: HTTP 응답이 없었습니다."

    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    imp_uid = shop.again(customer_uid, unique("order"), amount=1_000).expect_ok()["imp_uid"]
    gateway.call(deliver_due_webhooks)
    detail = console.get(f"/console/payments/{imp_uid}").text
    tries = _texts(detail, "webhook-attempt")
    assert tries and all(_korean(text).endswith("전달 실패: HTTP 응답이 없었습니다.") for text in tries)
    assert 'data-kind="webhook_attempt"' in detail and "could not deliver" not in detail  # the timeline too
    log = console.get(f"/console/webhook?search={imp_uid}").text
    assert any(text.endswith("전달 실패: HTTP 응답이 없었습니다.") for text in _texts(log, "webhook-log-attempt"))
    english = console.get(f"/console/payments/{imp_uid}?lang=en").text
    assert all(text.endswith("could not deliver: no HTTP response") for text in _texts(english, "webhook-attempt"))

"""Issue #14 review: the dashboard and the payment search refuse dates they cannot use (never a 500,
never every payment), and the dashboard's tiles count payments as its period block does."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from html import unescape
from typing import Any

import pytest

from paymux.domain.payment import PaymentStatus
from tests.browser import screenshot
from tests.console.support import ConsoleAccount, ConsoleClient
from tests.console.test_browser import sign_in
from tests.console.test_dashboard_chart import KST, made, seed
from tests.harness import GatewayServer, unique

OUT_OF_RANGE = [
    ("/console", {"date_from": "9999-12-31", "date_to": "9999-12-31"}, "date_to"),
    ("/console/payments", {"date_from": "0001-01-01", "date_to": "9999-12-31"}, "date_from"),
    ("/console/payments", {"date_to": "9999-12-31"}, "date_to"),
    ("/console", {"date_from": "1999-12-31"}, "date_from"),
]


def shown(html: str, name: str, attribute: str | None = None) -> str | None:
    """The text (or ``attribute``) of the element ``data-testid=name``; None when there is none."""
    if attribute:
        tag = re.search(rf'<[^<>]*data-testid="{name}"[^<>]*>', html)
        found = re.search(rf' {attribute}="([^"]*)"', tag.group(0)) if tag else None
    else:
        found = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    return unescape(found.group(1)) if found else None


@pytest.mark.parametrize(("path", "params", "field"), OUT_OF_RANGE)
def test_a_date_far_outside_2000_to_2100_is_a_korean_field_error(
    console: ConsoleClient, path: str, params: dict[str, str], field: str,
) -> None:
    page = console.get(path, params=params)
    assert page.status_code == 400, page.text[:300]
    label = {"date_from": "시작일", "date_to": "종료일"}[field]
    assert shown(page.text, f"error-{field}") == f"{label}은(는) 2000-01-01부터 2100-12-31 사이의 날짜로 입력하세요."


@pytest.mark.parametrize("params", [
    {"date_from": "0001-01-01", "date_to": "9999-12-31"}, {"status": "bogus"}, {"date_from": "abc"},
    {"date_from": "2025-03-09", "date_to": "2025-03-01"},
])
def test_the_csv_refuses_the_filters_the_list_refuses(account: ConsoleAccount, console: ConsoleClient, params: dict[str, str]) -> None:
    customer_uid = unique("cust")
    account.shop.issue_key(customer_uid).expect_ok()
    account.shop.again(customer_uid, unique("order"), amount=1_000).expect_ok()
    assert console.get("/console/payments", params=params).status_code == 400
    exported = console.get("/console/payments.csv", params=params)
    assert exported.status_code == 400
    assert exported.headers["content-type"].startswith("text/plain")
    assert "imp_uid" not in exported.text and len(exported.text) < 200
    assert re.search(r"[가-힣]", exported.text)
    # the same filters, written right, still export
    good = console.get("/console/payments.csv", params={"date_from": "2000-01-01", "date_to": "2100-12-31"})
    assert good.status_code == 200
    assert len(list(csv.reader(io.StringIO(good.text.lstrip("\ufeff"))))) == 2


def test_the_tiles_count_as_the_period_does(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    """A 0-won billing-key registration is no payment in the tiles either, and a PG with only an
    unpaid order shows no rate ("—"), not 0.0%. The 30 days' per-PG table is the period block's only."""
    now = gateway.call(lambda runtime: _now(runtime))
    today = datetime.fromtimestamp(now, KST).date()
    started = int(datetime(today.year, today.month, today.day, tzinfo=KST).timestamp()) + 1  # today, before now
    merchant_id = account.shop.merchant.id
    seed(gateway, [
        made(merchant_id, started, 0, PaymentStatus.PAID),  # a billing-key registration
        made(merchant_id, started, 10_000, PaymentStatus.PAID),
        made(merchant_id, started, 5_000, PaymentStatus.PAID, pg="kcp"),
        made(merchant_id, started, 3_000, PaymentStatus.FAILED, pg="kcp"),
        made(merchant_id, started, 9_000, PaymentStatus.READY, pg="nice", method="vbank"),  # awaiting its deposit
    ])
    page = console.get("/console")
    assert page.status_code == 200
    html = page.text
    for tile in ("today", "month"):
        assert shown(html, f"{tile}-count") == "2"
        assert shown(html, f"{tile}-amount", "data-amount") == "15000"
        assert shown(html, f"{tile}-failure-rate") == "33.3%"
    assert shown(html, "period-gross", "data-amount") == "15000"
    assert shown(html, "period-billing-keys") == "1"
    assert 'data-testid="by-pg"' not in html and 'data-testid="by-pg-row"' not in html
    rows = re.findall(r'<tr data-testid="period-by-pg-row" data-key="(\w+)"[^>]*data-success="([^"]*)">(.*?)</tr>', html)
    assert [(key, success) for key, success, _ in rows] == [("html5_inicis", "100.0"), ("kcp", "50.0"), ("nice", "")]
    assert re.findall(r'<td class="num">([^<]*)</td>', rows[2][2])[-1] == "—"


async def _now(runtime) -> int:  # type: ignore[no-untyped-def]
    return runtime.now()


@pytest.mark.parametrize("params", [
    {"date_from": "2024-01-01", "date_to": "2025-06-30"},  # 547 days
    {"date_from": "2025-03-09", "date_to": "2025-03-01"},  # inverted
])
def test_a_refused_period_keeps_its_dates_and_shows_no_figures(console: ConsoleClient, params: dict[str, str]) -> None:
    page = console.get("/console", params=params)
    assert page.status_code == 400
    html = page.text
    assert shown(html, "error-date_from") or shown(html, "error-date_to")
    assert shown(html, "period-from", "value") == params["date_from"]
    assert shown(html, "period-to", "value") == params["date_to"]
    assert 'data-testid="period-gross"' not in html and 'data-testid="chart"' not in html
    assert 'data-testid="period-by-pg"' not in html
    assert shown(html, "period-refused") == "이 기간은 조회할 수 없어 집계를 표시하지 않습니다. 날짜를 고쳐 다시 조회하세요."


@pytest.mark.slow
def test_a_field_error_leaves_the_period_inputs_in_line(
    page: Any, request: pytest.FixtureRequest, gateway: GatewayServer, account: ConsoleAccount,
) -> None:
    """In Chromium at 1366: the error under 시작일 does not push 시작일, 종료일 or the button out of line."""
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, gateway, account)
    page.goto(f"{gateway.base_url}/console?date_from=2024-01-01&date_to=2025-06-30")
    assert page.get_by_test_id("error-date_from").is_visible()
    tops = [page.get_by_test_id(name).bounding_box()["y"] for name in ("period-from", "period-to")]
    assert abs(tops[0] - tops[1]) < 1, tops
    button = page.get_by_test_id("period-submit").bounding_box()
    field = page.get_by_test_id("period-to").bounding_box()
    screenshot(page, request, "refused-period")
    assert abs((button["y"] + button["height"] / 2) - (field["y"] + field["height"] / 2)) < 4, (button, field)

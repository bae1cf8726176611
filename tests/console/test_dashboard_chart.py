"""Issue #14 item 5: the dashboard's chart follows the chosen period, its bars are the database's
sums of the period's payments (a partial cancel, a full cancel, a decline, a 0-won billing-key
registration, payments either side of Korean midnight), and long periods are drawn by week or month.

Payments are written straight into the store with chosen times, so the period is a fixed past one."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from html import unescape
from typing import Any

import pytest

from paymux.domain.ids import new_imp_uid
from paymux.domain.merchant import Merchant
from paymux.domain.payment import Payment, PaymentStatus
from paymux.services import reports
from paymux.services.reports import RangeRow, RangeSummary
from paymux.store import reports as report_store
from paymux.store.payments import insert_payment
from paymux.store.reports import PaymentFilter
from tests.browser import PHONE, SCREENSHOTS
from tests.console.support import ConsoleAccount, ConsoleClient
from tests.console.test_browser import sign_in
from tests.console.test_layout import MEASURE, chromium  # noqa: F401 (chromium: a fixture)
from tests.harness import GatewayServer

KST = timezone(timedelta(hours=9))
BAR = re.compile(r'<g data-testid="chart-bar" data-first="([\d-]+)" data-last="([\d-]+)" data-gross="(\d+)" '
                 r'data-refunds="(\d+)" data-net="(-?\d+)"><title>([^<]*)</title>')


def at(day: str, hour: int, minute: int = 0) -> int:
    """Unix seconds of a Korean wall-clock time."""
    return int(datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=KST).timestamp())


def made(merchant_id: int, started: int, amount: int, status: PaymentStatus, *, pg: str = "html5_inicis",
         method: str = "card", cancelled: int = 0) -> Payment:
    """A payment as the services leave it: paid ones keep paid_at after a cancel, failed ones have failed_at."""
    ever_paid = status in (PaymentStatus.PAID, PaymentStatus.CANCELLED)
    return Payment(
        imp_uid=new_imp_uid(), merchant_id=merchant_id, merchant_uid=f"order-{started}-{random.random()}", amount=amount,
        status=status, pay_method=method, pg_provider=pg, started_at=started, updated_at=started + 60,
        status_at=started + 60, paid_at=started + 30 if ever_paid else 0,
        failed_at=started + 30 if status is PaymentStatus.FAILED else 0,
        cancelled_at=started + 3600 if cancelled else 0, cancel_amount=cancelled,
    )


def seed(gateway: GatewayServer, found: list[Payment]) -> None:
    async def work(runtime) -> None:  # type: ignore[no-untyped-def]
        async with runtime.database.transaction() as connection:
            for payment in found:
                await insert_payment(connection, payment)

    gateway.call(work)


def the_week_of_march_3(merchant_id: int) -> list[Payment]:
    """2025-03-03 (a Monday) to 2025-03-09, plus one payment just before and one just after."""
    paid, cancelled, failed, ready = PaymentStatus.PAID, PaymentStatus.CANCELLED, PaymentStatus.FAILED, PaymentStatus.READY
    return [
        made(merchant_id, at("2025-03-02", 23, 59), 99_000, paid),  # the day before: outside
        made(merchant_id, at("2025-03-03", 10), 50_000, paid, cancelled=12_000),  # partly cancelled
        made(merchant_id, at("2025-03-03", 23, 30), 20_000, paid, pg="kcp"),  # 14:30 UTC, still the 3rd in Seoul
        made(merchant_id, at("2025-03-04", 0, 30), 7_000, cancelled, pg="kcp", cancelled=7_000),  # 15:30 UTC on the 3rd
        made(merchant_id, at("2025-03-04", 9), 3_000, failed, pg="kcp"),
        made(merchant_id, at("2025-03-05", 12), 0, paid),  # a billing-key registration
        made(merchant_id, at("2025-03-05", 13), 9_000, ready, method="vbank"),  # awaiting its deposit
        made(merchant_id, at("2025-03-06", 8), 30_000, paid, method="vbank"),
        made(merchant_id, at("2025-03-10", 0), 88_000, paid),  # the day after: outside
    ]


def bars(html: str) -> list[tuple[str, str, int, int, int, str]]:
    return [(first, last, int(gross), int(refunds), int(net), unescape(title))
            for first, last, gross, refunds, net, title in BAR.findall(html)]


def test_the_bars_are_the_sums_of_each_korean_day(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    seed(gateway, the_week_of_march_3(account.shop.merchant.id))
    page = console.get("/console", params={"date_from": "2025-03-03", "date_to": "2025-03-09"}).text

    assert 'data-testid="chart" data-unit="day"' in page
    assert [bar[:5] for bar in bars(page)] == [
        ("2025-03-03", "2025-03-03", 70_000, 12_000, 58_000),
        ("2025-03-04", "2025-03-04", 7_000, 7_000, 0),
        ("2025-03-05", "2025-03-05", 0, 0, 0),  # the 0-won registration and the unpaid order add nothing
        ("2025-03-06", "2025-03-06", 30_000, 0, 30_000),
        ("2025-03-07", "2025-03-07", 0, 0, 0),
        ("2025-03-08", "2025-03-08", 0, 0, 0),
        ("2025-03-09", "2025-03-09", 0, 0, 0),
    ]
    assert bars(page)[0][5] == "2025-03-03: 결제 70,000원 · 환불 12,000원 · 순매출 58,000원"
    assert 'data-testid="period-gross" data-amount="107000"' in page
    assert 'data-testid="period-refunds" data-amount="19000"' in page
    assert 'data-testid="period-billing-keys">1<' in page
    # the y axis is labelled in won up to a round amount above the highest bar
    ticks = re.findall(r'data-testid="chart-tick" data-amount="(\d+)">([^<]*)<', page)
    assert ticks == [("0", "0원"), ("20000", "20,000원"), ("40000", "40,000원"), ("60000", "60,000원"), ("80000", "80,000원")]
    assert "가장 많은 구간: 2025-03-03 (70,000원)." in unescape(page)
    table = re.findall(r'<tr><td>([^<]*)</td><td class="num">([\d,]+원)</td><td class="num">([\d,]+원)</td><td class="num">([\d,-]+원)</td></tr>', page)
    assert table[:2] == [("2025-03-03", "70,000원", "12,000원", "58,000원"), ("2025-03-04", "7,000원", "7,000원", "0원")] and len(table) == 7

    empty = console.get("/console", params={"date_from": "2024-03-03", "date_to": "2024-03-09"}).text
    assert re.findall(r'data-testid="chart-tick" data-amount="(\d+)"', empty) == ["0"]
    assert "이 기간에는 결제가 없습니다." in empty

    english = console.get("/console", params={"date_from": "2025-03-03", "date_to": "2025-03-09", "lang": "en"}).text
    assert bars(english)[0][5] == "2025-03-03: gross KRW 70,000, refunds KRW 12,000, net KRW 58,000"
    assert 'data-amount="80000">KRW 80,000<' in english


def test_ninety_days_are_drawn_by_week_and_a_year_by_month(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    seed(gateway, the_week_of_march_3(account.shop.merchant.id))
    weekly = console.get("/console", params={"date_from": "2025-01-06", "date_to": "2025-04-05"}).text  # 90 days
    assert 'data-unit="week"' in weekly
    weeks = bars(weekly)
    assert len(weeks) == 13 and (weeks[0][0], weeks[-1][:2]) == ("2025-01-06", ("2025-03-31", "2025-04-05"))
    by_week = {first: (last, gross, refunds) for first, last, gross, refunds, _net, _title in weeks}
    assert by_week["2025-02-24"] == ("2025-03-02", 99_000, 0)
    assert by_week["2025-03-03"] == ("2025-03-09", 107_000, 19_000)
    assert by_week["2025-03-10"] == ("2025-03-16", 88_000, 0)
    assert sum(gross for _f, _l, gross, *_ in weeks) == 294_000
    assert "2025-03-03 ~ 2025-03-09: 결제 107,000원 · 환불 19,000원 · 순매출 88,000원" in {bar[5] for bar in weeks}

    yearly = console.get("/console", params={"date_from": "2025-01-15", "date_to": "2026-01-14"}).text
    assert 'data-unit="month"' in yearly
    months = bars(yearly)
    assert [(first, last) for first, last, *_ in months][:3] == [
        ("2025-01-15", "2025-01-31"), ("2025-02-01", "2025-02-28"), ("2025-03-01", "2025-03-31")]
    assert len(months) == 13 and months[-1][:2] == ("2026-01-01", "2026-01-14")
    assert months[1][2:4] == (0, 0) and months[2][2:4] == (294_000, 19_000)


def old_python_summary(payments: list[Payment], first: date, last: date) -> RangeSummary:
    """What the dashboard computed before the database summed (commit 5408f54): a fold over every payment."""
    summary = RangeSummary(first=first, last=last)
    for payment in payments:
        if payment.amount == 0:
            summary.billing_keys += 1 if payment.paid_at else 0
            continue
        for row in (summary.total, summary.by_pg.setdefault(payment.pg_provider, RangeRow()),
                    summary.by_method.setdefault(payment.pay_method, RangeRow())):
            if payment.paid_at:
                row.paid_count += 1
                row.gross += payment.amount
                row.refunds += payment.cancel_amount
            elif payment.status is PaymentStatus.FAILED:
                row.failed_count += 1
    summary.by_pg = dict(sorted(summary.by_pg.items()))
    summary.by_method = dict(sorted(summary.by_method.items()))
    return summary


def mixed(merchant_id: int, count: int) -> list[Payment]:
    """Payments of every kind at random times of a two-month stretch (seeded: the same each run)."""
    chance = random.Random(14)
    start = at("2025-05-20", 0)
    found = []
    for _ in range(count):
        status = chance.choice(list(PaymentStatus))
        amount = chance.choice([0, 100, 1_000, 4_900, 55_000, 1_234_567])
        cancelled = 0
        if status is PaymentStatus.CANCELLED:
            cancelled = amount
        elif status is PaymentStatus.PAID and chance.random() < 0.3:
            cancelled = amount // 3
        found.append(made(merchant_id, start + chance.randrange(70 * 86400), amount, status,
                          pg=chance.choice(["html5_inicis", "kcp", "kakaopay", "tosspayments"]),
                          method=chance.choice(["card", "vbank", "trans", "phone"]), cancelled=cancelled))
    return found


def test_the_database_sums_what_the_python_fold_summed(gateway: GatewayServer, account: ConsoleAccount) -> None:
    merchant: Merchant = account.shop.merchant
    seed(gateway, mixed(merchant.id, 400))
    first, last = date(2025, 6, 1), date(2025, 7, 15)

    async def every_payment(runtime) -> list[Payment]:  # type: ignore[no-untyped-def]
        wanted = PaymentFilter(started_from=at("2025-06-01", 0), started_before=at("2025-07-16", 0))
        async with runtime.database.reading() as connection:
            return [payment for _id, payment in await report_store.payments_after(connection, merchant.id, wanted, None, 10_000)]

    expected = old_python_summary(gateway.call(every_payment), first, last)
    got = gateway.call(lambda runtime: reports.range_summary(runtime, merchant, first, last))
    assert expected.total.paid_count > 50 and expected.billing_keys > 5 and len(expected.by_pg) == 4
    assert replace(got, unit="day", series=[]) == expected
    assert got.unit == "day" and len(got.series) == 45
    assert sum(bucket.gross for bucket in got.series) == expected.total.gross
    assert sum(bucket.refunds for bucket in got.series) == expected.total.refunds


# Measured in the page: the x labels a person sees, the y axis labels, and the chart's own box.
MEASURE_CHART = """() => {
  const box = document.querySelector('[data-testid="chart"]').getBoundingClientRect();
  const axis = document.querySelector('.chart-y').getBoundingClientRect();
  const shown = [...document.querySelectorAll('[data-testid="chart-label"]')]
    .filter(e => getComputedStyle(e).display !== 'none').map(e => e.getBoundingClientRect());
  const ticks = [...document.querySelectorAll('[data-testid="chart-tick"]')].map(e => e.getBoundingClientRect());
  return {
    labels: shown.length,
    collisions: shown.slice(1).filter((r, i) => r.left < shown[i].right + 2).length,
    outside: shown.filter(r => r.left < box.left - 1 || r.right > box.right + 1).length,
    ticks_cut: ticks.filter(r => r.left < axis.left - 1 || r.right > axis.right + 1).length,
    bars_drawn: document.querySelectorAll('[data-testid="chart-bar"] rect.net').length,
  };
}"""


@pytest.mark.slow
def test_labels_never_collide_on_a_laptop_or_a_phone(chromium: Any, gateway: GatewayServer, account: ConsoleAccount) -> None:
    merchant_id = account.shop.merchant.id
    big = [made(merchant_id, at((date(2025, 1, 1) + timedelta(days=n)).isoformat(), 12), 1_234_567_890 - n * 1_000_000,
                PaymentStatus.PAID, cancelled=n * 100_000) for n in range(0, 366, 5)]
    seed(gateway, big)
    periods = {"day": ("2025-01-01", "2025-03-03"), "week": ("2025-01-01", "2025-03-31"), "month": ("2025-01-01", "2026-01-01")}
    for size, viewport in (("1366", {"width": 1366, "height": 900}), ("390", PHONE["viewport"])):
        context = chromium.new_context(locale="ko-KR", viewport=viewport)
        page = context.new_page()
        sign_in(page, gateway, account)
        for lang, (unit, (first, last)) in ((lang, period) for lang in ("ko", "en") for period in periods.items()):
            page.goto(f"{gateway.base_url}/console?date_from={first}&date_to={last}&lang={lang}")
            assert page.get_by_test_id("chart").get_attribute("data-unit") == unit
            measured = page.evaluate(MEASURE_CHART)
            page.get_by_test_id("chart").screenshot(path=str(SCREENSHOTS / f"dashboard-chart-{unit}-{size}-{lang}.png"))
            assert measured["labels"] >= 2 and measured["bars_drawn"] > 0, (lang, unit, size, measured)
            assert (measured["collisions"], measured["outside"], measured["ticks_cut"]) == (0, 0, 0), (lang, unit, size, measured)
            page.get_by_test_id("chart-table").locator("summary").click()
            assert page.evaluate(MEASURE) == [], (lang, unit, size)  # the table's cells fit their words
        context.close()


def test_the_period_query_reads_the_merchant_started_at_index(gateway: GatewayServer, account: ConsoleAccount) -> None:
    """No full scan of every merchant's payments: both databases search an index by merchant and
    start time (PostgreSQL's planner may prefer a scan of a tiny test table, so scans are ruled out here)."""
    statement = report_store.period_query(account.shop.merchant.id, at("2025-03-03", 0), at("2025-03-10", 0), 9 * 3600)

    async def plan(runtime) -> str:  # type: ignore[no-untyped-def]
        async with runtime.database.transaction() as connection:
            sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
            if gateway.backend == "sqlite":
                return "\n".join(str(row[-1]) for row in await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            return "\n".join(str(row[0]) for row in await connection.exec_driver_sql("EXPLAIN " + sql))

    found = gateway.call(plan)
    if gateway.backend == "sqlite":
        assert "SEARCH payments USING INDEX ix_payments_merchant_id_started_at" in found, found
    else:  # on a big table it picks ix_payments_merchant_id_started_at (checked with 40k rows), on a tiny one any merchant_id index
        assert re.search(r"Index Cond: \(\(merchant_id = \d+\) AND \(started_at >= ", found), found
    assert "Seq Scan" not in found and "SCAN payments" not in found, found

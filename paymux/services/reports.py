"""What the console reads: payment search, CSV export rows, billing keys, the dashboard.

Days are Korean days (UTC+9, no daylight saving): "today" on a Korean merchant's dashboard starts
at midnight in Seoul, whatever the server's zone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from paymux.domain.channel import Channel
from paymux.domain.customer import Customer
from paymux.domain.errors import InvalidParameter
from paymux.domain.merchant import Merchant
from paymux.domain.payment import Payment, PaymentStatus
from paymux.services import payments as payment_service
from paymux.services.runtime import Runtime
from paymux.store import customers as customer_store
from paymux.store import merchants as merchant_store
from paymux.store import reports as report_store
from paymux.store.payments import Page
from paymux.store.reports import PaymentFilter
from paymux.webhooks.outbox import MAX_PAGE as WEBHOOK_PAGE
from paymux.webhooks.outbox import WebhookEvent, list_webhook_events

KST = timezone(timedelta(hours=9), "KST")
DAY = 86400
PAGE_SIZE = 20
CSV_BATCH = 500

CSV_HEADER = [
    "imp_uid", "merchant_uid", "status", "amount", "cancel_amount", "currency", "pay_method", "pg_provider",
    "pg_id", "name", "buyer_name", "buyer_email", "buyer_tel", "card_name", "card_number",
    "started_at", "paid_at", "failed_at", "cancelled_at", "fail_reason", "cancel_reason",
]


def local_time(unix_seconds: int) -> str:
    """``2025-01-31 14:05:09`` in Korean time; empty for 0 (never happened)."""
    if not unix_seconds:
        return ""
    return datetime.fromtimestamp(unix_seconds, KST).strftime("%Y-%m-%d %H:%M:%S")


def _day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=KST).timestamp())


FIRST_DAY = date(2000, 1, 1)  # the console's searches and periods stay within these days (date arithmetic
LAST_DAY = date(2100, 12, 31)  # a year past either end would overflow, and no payment lies outside them)


def _parse_day(text: str, field_name: str) -> date | None:
    """The day written ``YYYY-MM-DD``; None for empty. Raises InvalidParameter (not a date, or outside
    FIRST_DAY..LAST_DAY)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(field_name, "must be a date written YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidParameter(field_name, f"must be a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    return day


def payment_filter(status: str = "", date_from: str = "", date_to: str = "", merchant_uid: str = "", buyer: str = "") -> PaymentFilter:
    """The console's search form as a filter; dates are inclusive Korean days."""
    status = (status or "").strip()
    if status and status not in {s.value for s in PaymentStatus}:
        raise InvalidParameter("status", "must be ready, paid, cancelled or failed")
    first, last = _parse_day(date_from, "date_from"), _parse_day(date_to, "date_to")
    if first and last and last < first:
        raise InvalidParameter("date_to", "must not be before date_from")
    return PaymentFilter(
        status=status or None,
        started_from=_day_start(first) if first else None,
        started_before=_day_start(last + timedelta(days=1)) if last else None,
        merchant_uid=(merchant_uid or "").strip()[:100],
        buyer=(buyer or "").strip()[:200],
    )


async def search_payments(runtime: Runtime, merchant: Merchant, wanted: PaymentFilter, page: int = 1) -> Page:
    async with runtime.database.reading() as connection:
        return await report_store.search_payments(connection, merchant.id, wanted, max(page, 1), PAGE_SIZE)


def _csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula (buyer names are typed by buyers)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_row(payment: Payment) -> list[str]:
    values: dict[str, object] = {name: getattr(payment, name) for name in CSV_HEADER}
    values["status"] = payment.status.value
    for name in ("started_at", "paid_at", "failed_at", "cancelled_at"):
        values[name] = local_time(getattr(payment, name))
    return [_csv_safe(values[name]) for name in CSV_HEADER]


async def csv_rows(runtime: Runtime, merchant: Merchant, wanted: PaymentFilter) -> AsyncIterator[list[str]]:
    """The header, then every matching payment newest first, read in batches."""
    yield CSV_HEADER
    after: int | None = None
    while True:
        async with runtime.database.reading() as connection:
            batch = await report_store.payments_after(connection, merchant.id, wanted, after, CSV_BATCH)
        for row_id, payment in batch:
            after = row_id
            yield csv_row(payment)
        if len(batch) < CSV_BATCH:
            return


async def list_billing_keys(runtime: Runtime, merchant: Merchant, page: int = 1) -> tuple[int, list[Customer]]:
    async with runtime.database.reading() as connection:
        return await customer_store.list_customer_page(connection, merchant.id, max(page, 1), PAGE_SIZE)


WEBHOOK_SCAN_PAGES = 10  # pages of MAX_PAGE webhooks (newest first) searched for one payment's deliveries


@dataclass(frozen=True)
class TimelineEntry:
    """One moment in a payment's life. ``kind``: created | window | vbank_issued | paid | failed |
    cancelled | webhook_queued | webhook_attempt; ``at`` in unix seconds; ``detail`` what the console shows."""

    at: int
    kind: str
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentSupport:
    """Everything a support person needs about one payment: the payment, the channel that served
    it (deleted channels included), its webhooks with every delivery, and the timeline of all of it."""

    payment: Payment
    channel: Channel | None
    webhooks: list[WebhookEvent]
    timeline: list[TimelineEntry]


async def _webhooks_of(runtime: Runtime, merchant_id: int, imp_uid: str) -> list[WebhookEvent]:
    """The payment's webhooks, oldest first, from the merchant's newest WEBHOOK_SCAN_PAGES pages."""
    found: list[WebhookEvent] = []
    before: int | None = None
    for _ in range(WEBHOOK_SCAN_PAGES):
        page = await list_webhook_events(runtime, merchant_id, limit=WEBHOOK_PAGE, before_id=before)
        found.extend(event for event in page if event.imp_uid == imp_uid)
        if len(page) < WEBHOOK_PAGE:
            break
        before = page[-1].id
    return sorted(found, key=lambda event: event.id)


def _timeline(payment: Payment, webhooks: list[WebhookEvent]) -> list[TimelineEntry]:
    entries = [TimelineEntry(payment.started_at, "created", {"channel": payment.channel})]
    if payment.channel in ("pc", "mobile"):
        entries.append(TimelineEntry(payment.started_at, "window", {"channel": payment.channel}))
    if payment.vbank_issued_at:
        entries.append(TimelineEntry(payment.vbank_issued_at, "vbank_issued",
                                     {"bank": payment.vbank_name, "num": payment.vbank_num, "due": payment.vbank_date}))
    if payment.paid_at:
        entries.append(TimelineEntry(payment.paid_at, "paid", {"apply_num": payment.apply_num, "pg_tid": payment.pg_tid,
                                                               "amount": payment.amount}))
    if payment.failed_at:
        entries.append(TimelineEntry(payment.failed_at, "failed", {"reason": payment.fail_reason}))
    for cancel in payment.cancel_history:
        entries.append(TimelineEntry(cancel.cancelled_at, "cancelled", {"amount": cancel.amount, "reason": cancel.reason,
                                                                         "pg_tid": cancel.pg_tid}))
    for event in webhooks:
        entries.append(TimelineEntry(event.created_at, "webhook_queued", {"event": event.id, "status": event.payload.get("status")}))
        for attempt in event.attempts:
            entries.append(TimelineEntry(attempt.attempted_at, "webhook_attempt", {
                "event": event.id, "status_code": attempt.status_code, "error": attempt.error or "",
                "ok": attempt.status_code is not None and 200 <= attempt.status_code < 300,
            }))
    order = {kind: n for n, kind in enumerate(
        ("created", "window", "vbank_issued", "paid", "failed", "cancelled", "webhook_queued", "webhook_attempt"))}
    return sorted(entries, key=lambda entry: (entry.at, order[entry.kind]))


async def payment_support(runtime: Runtime, merchant: Merchant, imp_uid: str) -> PaymentSupport:
    """The payment detail page's data. Raises NotFound (no such payment of this merchant)."""
    payment = await payment_service.get_payment(runtime, merchant, imp_uid)
    async with runtime.database.reading() as connection:
        channel = await merchant_store.channel_by_id(connection, merchant.id, payment.channel_id) if payment.channel_id else None
    webhooks = await _webhooks_of(runtime, merchant.id, imp_uid)
    return PaymentSupport(payment=payment, channel=channel, webhooks=webhooks, timeline=_timeline(payment, webhooks))


WEBHOOK_STATES = ("pending", "delivered", "dead")


@dataclass(frozen=True)
class WebhookLog:
    """One page of the console's delivery log; ``next_before`` pages back (None: no older events)."""

    events: list[WebhookEvent]
    next_before: int | None


def webhook_filter_state(state: str) -> str:
    """Raises InvalidParameter for a state that is not pending, delivered or dead (empty = any)."""
    if state and state not in WEBHOOK_STATES:
        raise InvalidParameter("state", "must be pending, delivered or dead (상태는 재시도 대기, 전달됨, 전달 포기 중 하나입니다)")
    return state


async def webhook_log(runtime: Runtime, merchant_id: int, *, state: str = "", search: str = "",
                      before: int | None = None) -> WebhookLog:
    """The merchant's webhooks, newest first, PAGE_SIZE at a time, with a state (pending | delivered |
    dead) and an imp_uid / merchant_uid (exact) to match; what ``paymux webhook list`` shows.
    Looks through at most WEBHOOK_SCAN_PAGES pages of MAX_PAGE events per call. Raises InvalidParameter."""
    state = webhook_filter_state(state)
    search = search.strip()
    found: list[WebhookEvent] = []
    cursor = before
    for _ in range(WEBHOOK_SCAN_PAGES):
        page = await list_webhook_events(runtime, merchant_id, limit=WEBHOOK_PAGE, before_id=cursor)
        for event in page:
            if (not state or event.state == state) and (not search or search in (event.imp_uid, event.merchant_uid)):
                found.append(event)
                if len(found) == PAGE_SIZE:
                    return WebhookLog(found, event.id)
        if len(page) < WEBHOOK_PAGE:
            return WebhookLog(found, None)
        cursor = page[-1].id
    return WebhookLog(found, cursor)


MAX_RANGE_DAYS = 366
DEFAULT_DAYS = 30  # the dashboard's period unless one is chosen, and its "last 30 days" tile


@dataclass
class RangeRow:
    """Sums of one PG or one pay method in a date range (KRW; counts of payments)."""

    paid_count: int = 0
    failed_count: int = 0
    gross: int = 0
    refunds: int = 0

    @property
    def net(self) -> int:
        return self.gross - self.refunds

    @property
    def success_rate(self) -> float | None:
        """Paid (then maybe cancelled) over paid + failed attempts, 0 to 1; None when nothing was tried."""
        tried = self.paid_count + self.failed_count
        return self.paid_count / tried if tried else None

    @property
    def failure_rate(self) -> float | None:
        """Failed over paid + failed attempts, 0 to 1; None when nothing was tried."""
        tried = self.paid_count + self.failed_count
        return self.failed_count / tried if tried else None


@dataclass
class Bucket:
    """One bar of the dashboard's chart: payments requested from ``first`` to ``last`` (Korean days,
    inclusive), their gross and refunds in KRW."""

    first: date
    last: date
    gross: int = 0
    refunds: int = 0

    @property
    def net(self) -> int:
        return self.gross - self.refunds


@dataclass
class RangeSummary:
    """The dashboard's period: payments requested from ``first`` to ``last`` (Korean days, inclusive).
    ``billing_keys``: 0-won billing-key registrations, counted apart from payments. ``series``: the
    period cut into ``unit`` buckets (day | week | month), every bucket present, oldest first."""

    first: date
    last: date
    total: RangeRow = field(default_factory=RangeRow)
    billing_keys: int = 0
    by_pg: dict[str, RangeRow] = field(default_factory=dict)
    by_method: dict[str, RangeRow] = field(default_factory=dict)
    unit: str = "day"
    series: list[Bucket] = field(default_factory=list)


def dashboard_range(today: date, date_from: str = "", date_to: str = "") -> tuple[date, date]:
    """The chosen period; the last DEFAULT_DAYS days by default. Raises InvalidParameter."""
    last = _parse_day(date_to, "date_to") or today
    first = _parse_day(date_from, "date_from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise InvalidParameter("date_to", "must not be before date_from (종료일이 시작일보다 빠릅니다)")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InvalidParameter("date_from", f"the period may span at most {MAX_RANGE_DAYS} days (기간은 최대 {MAX_RANGE_DAYS}일입니다)")
    return first, last


DAILY_UP_TO_DAYS = 62  # longer periods are drawn by week
WEEKLY_UP_TO_DAYS = 182  # longer still, by month
_EPOCH = date(1970, 1, 1)


def bucket_unit(first: date, last: date) -> str:
    """day (up to DAILY_UP_TO_DAYS days), week (Monday to Sunday, up to WEEKLY_UP_TO_DAYS) or month."""
    days = (last - first).days + 1
    return "day" if days <= DAILY_UP_TO_DAYS else "week" if days <= WEEKLY_UP_TO_DAYS else "month"


def _bucket_end(day: date, unit: str) -> date:
    if unit == "day":
        return day
    if unit == "week":
        return day + timedelta(days=6 - day.weekday())
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def empty_series(first: date, last: date, unit: str) -> list[Bucket]:
    """The period's buckets, the first and the last cut to the period."""
    series = []
    start = first
    while start <= last:
        end = min(_bucket_end(start, unit), last)
        series.append(Bucket(first=start, last=end))
        start = end + timedelta(days=1)
    return series


def _add_sums(row: RangeRow, sums: report_store.PeriodRow) -> None:
    row.paid_count += sums.paid_count
    row.failed_count += sums.failed_count
    row.gross += sums.gross
    row.refunds += sums.refunds


async def range_summary(runtime: Runtime, merchant: Merchant, first: date, last: date) -> RangeSummary:
    """Gross (paid), refunds (cancelled), net, success rates by PG and by pay method of the payments
    requested in the period, and the same gross and refunds per bucket of the chart; the database
    sums them by Korean day, PG and pay method."""
    unit = bucket_unit(first, last)
    summary = RangeSummary(first=first, last=last, unit=unit, series=empty_series(first, last, unit))
    offset = int(KST.utcoffset(None).total_seconds())
    async with runtime.database.reading() as connection:
        rows = await report_store.period_sums(connection, merchant.id, _day_start(first), _day_start(last + timedelta(days=1)), offset)
    bucket_of = {bucket.first + timedelta(days=n): bucket for bucket in summary.series
                 for n in range((bucket.last - bucket.first).days + 1)}
    for sums in rows:
        summary.billing_keys += sums.billing_keys
        if not sums.requested:  # only 0-won registrations in this group
            continue
        for row in (summary.total, summary.by_pg.setdefault(sums.pg_provider, RangeRow()),
                    summary.by_method.setdefault(sums.pay_method, RangeRow())):
            _add_sums(row, sums)
        bucket = bucket_of[_EPOCH + timedelta(days=sums.day)]
        bucket.gross += sums.gross
        bucket.refunds += sums.refunds
    summary.by_pg = dict(sorted(summary.by_pg.items()))
    summary.by_method = dict(sorted(summary.by_method.items()))
    return summary


@dataclass(frozen=True)
class Tiles:
    """The dashboard's top tiles: today and the last DEFAULT_DAYS days (Korean days, ``today`` the last),
    summed exactly as the period block sums its period (payments by request time, 0-won billing-key
    registrations apart)."""

    today: RangeSummary
    recent: RangeSummary


async def dashboard_tiles(runtime: Runtime, merchant: Merchant, today: date) -> Tiles:
    """Today's and the last DEFAULT_DAYS days' sums of the merchant's payments."""
    recent = await range_summary(runtime, merchant, today - timedelta(days=DEFAULT_DAYS - 1), today)
    return Tiles(today=await range_summary(runtime, merchant, today, today), recent=recent)

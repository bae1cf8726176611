"""The dashboard's chart: the period's gross and refunds per bucket, laid out for inline SVG.

Drawn by the server (the console runs no chart script): the bars live in an SVG stretched to the
plot's width (``preserveAspectRatio="none"``, so a 390 px phone and a 1366 px laptop get the same
bars), while the y axis and the x labels are SVGs of their own whose text keeps its size. A bar's
full height is the bucket's gross; its lower part is the net, its upper part the refunds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from paymux.services.reports import Bucket, RangeSummary

PLOT_HEIGHT = 200  # px, and the plot's viewBox height: y coordinates are pixels
TOP_MARGIN = 8  # px above the highest tick, so its label is not cut
SLOT = 10  # viewBox units per bucket
BAR = 7  # of which the bar
TICK_FONT_PX = 11
LABEL_GAP_PX = 8
# The chart's width on a 390 px phone: the page less main's and the card's padding and borders. X
# labels are spaced for it; a wider screen also shows the labels halfway between ("minor" ones).
PHONE_CHART_PX = 326
MIN_GUTTER_PX = 36  # the first x label, centred on the first bar, may reach this far left

Money = Callable[[int], str]
Translate = Callable[..., str]


@dataclass(frozen=True)
class Bar:
    """One bucket: its column (viewBox units), its two stacked parts (px), and its sums in KRW."""

    slot_x: float
    x: float
    width: float
    net_y: float
    net_height: float
    refund_y: float
    refund_height: float
    bucket: Bucket
    title: str


@dataclass(frozen=True)
class Tick:
    y: float  # px from the plot's top
    amount: int
    text: str


@dataclass(frozen=True)
class XLabel:
    x_percent: float  # the centre of its bar
    text: str
    minor: bool  # hidden on a phone


@dataclass(frozen=True)
class Chart:
    unit: str
    slot: int  # viewBox units per bucket
    width: int  # the plot's viewBox width
    height: int
    gutter: int  # px of the y axis column
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[XLabel]
    summary: str


def nice_step(highest: int, ticks: int = 4) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ won step that covers ``highest`` in ``ticks`` steps (≥ 1)."""
    wanted = max(-(-highest // ticks), 1)
    magnitude = 10 ** (len(str(wanted)) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= wanted)


def _y(amount: int, top: int) -> float:
    return round(TOP_MARGIN + (PLOT_HEIGHT - TOP_MARGIN) * (1 - amount / top), 2)


def _text_width(text: str) -> int:
    """Rough px width of an axis label, a little generous: Hangul a full em, other characters 0.65 em."""
    return round(sum(1.0 if "\uac00" <= ch <= "\ud7a3" else 0.65 for ch in text) * TICK_FONT_PX)


def _period_text(bucket: Bucket) -> str:
    first, last = bucket.first.isoformat(), bucket.last.isoformat()
    return first if first == last else f"{first} ~ {last}"


def _label_text(bucket: Bucket, unit: str) -> str:
    return bucket.first.strftime("%Y-%m") if unit == "month" else bucket.first.strftime("%m-%d")


def _labels(series: list[Bucket], unit: str, gutter: int) -> list[XLabel]:
    """Every ``step``-th bucket's label, centred under its bar, ``step`` chosen so that on a phone
    (every other label hidden when labels are dense) neighbours keep LABEL_GAP_PX apart; none so near
    the right end that it would stick out of the chart."""
    count = len(series)
    texts = [_label_text(bucket, unit) for bucket in series]
    needed = max(_text_width(text) for text in texts) + LABEL_GAP_PX
    bucket_px = max(PHONE_CHART_PX - gutter, 1) / count
    phone_step = -(-needed // max(int(bucket_px), 1)) if bucket_px < needed else 1
    step = -(-phone_step // 2) if phone_step > 1 else 1
    labels = []
    for shown, index in enumerate(range(0, count, step)):
        if index and (count - 0.5 - index) * bucket_px < needed / 2:
            break
        labels.append(XLabel(round((index + 0.5) / count * 100, 3), texts[index], minor=phone_step > 1 and shown % 2 == 1))
    return labels


def period_chart(summary: RangeSummary, money: Money, t: Translate) -> Chart:
    """The chart of ``summary.series``; amounts written with ``money``, words with ``t``."""
    series = summary.series
    highest = max((bucket.gross for bucket in series), default=0)
    step = nice_step(highest)
    top = step * max(-(-highest // step), 1)
    ticks = [Tick(_y(amount, top), amount, money(amount)) for amount in (range(0, top + 1, step) if highest else [0])]
    bars = []
    for n, bucket in enumerate(series):
        net_y, gross_y = _y(bucket.net, top), _y(bucket.gross, top)
        title = t("chart.bar_title", period=_period_text(bucket), gross=money(bucket.gross),
                  refunds=money(bucket.refunds), net=money(bucket.net))
        bars.append(Bar(slot_x=n * SLOT, x=n * SLOT + (SLOT - BAR) / 2, width=BAR, net_y=net_y, net_height=round(PLOT_HEIGHT - net_y, 2),
                        refund_y=gross_y, refund_height=round(net_y - gross_y, 2), bucket=bucket, title=title))
    gutter = max(max(_text_width(tick.text) for tick in ticks) + 8, MIN_GUTTER_PX)
    return Chart(
        unit=summary.unit, slot=SLOT, width=max(len(series), 1) * SLOT, height=PLOT_HEIGHT, gutter=gutter,
        bars=bars, ticks=ticks, labels=_labels(series, summary.unit, gutter), summary=_summary(summary, money, t),
    )


def _summary(summary: RangeSummary, money: Money, t: Translate) -> str:
    """The chart in words, for a screen reader and for a glance."""
    text = t("chart.summary", first=summary.first.isoformat(), last=summary.last.isoformat(),
             unit=t("chart.unit." + summary.unit), gross=money(summary.total.gross),
             refunds=money(summary.total.refunds), net=money(summary.total.net))
    best = max(summary.series, key=lambda bucket: bucket.gross, default=None)
    if best is None or best.gross == 0:
        return text + " " + t("chart.no_sales")
    return text + " " + t("chart.best", period=_period_text(best), gross=money(best.gross))

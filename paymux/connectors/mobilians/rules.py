"""KG Mobilians' phone-billing and cancel rules, checked by paymux **before** any call to the PG.

Sources: seed ``004_…`` (i'mport's Mobilians guide): "Subsequent payments using the billing key must be
for the same amount and on the same day as the initial payment on monthly basis"; PortOne's cancel guide
(shared/docs/pg-live-protocols.md §3.3): phone micropayments are refunded only within the calendar month
they were paid in (a 31 January payment cannot be refunded on 1 February). Mobilians' own codes for the
carrier's side of these rules: ``0060`` (unregistered automatic payment / registered info mismatch) and
``0042`` (cancel period passed) [PO-CODES].

Days and months are Korean time (KST, UTC+9), the carriers' calendar. paymux's reading of "the same
day" for months without that day (the seed does not say): the last day of the month, so a key first
charged on the 31st charges on the 30th in April and on the 28th (29th) in February.

Public API (amounts KRW ``int``, times unix seconds)::

    FirstCharge(amount, day)                      # what the first approved charge fixed
    billing_refusal(first, amount, now) -> str | None
    due_day(first_day, year, month) -> int        # the clamped day of that month
    cancel_refusal(paid_at, now) -> str | None    # phone payments: same KST month only
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

KST = timezone(timedelta(hours=9))

SAME_AMOUNT = (
    "KG모빌리언스 정기결제는 최초 결제와 같은 금액만 가능합니다 "
    "(Mobilians billing charges must repeat the first amount, {amount})"
)
SAME_DAY = (
    "KG모빌리언스 정기결제는 매월 최초 결제일과 같은 날에만 가능합니다 "
    "(Mobilians billing charges must fall on day {day} of the month)"
)
CANCEL_MONTH = (
    "휴대폰 소액결제는 결제한 달 안에만 취소할 수 있습니다 "
    "(phone payments cancel only within their month)"
)


@dataclass(frozen=True)
class FirstCharge:
    """The first approved charge of a billing key: its amount (KRW) and KST day of the month (1–31)."""

    amount: int
    day: int


def kst(now: int | float) -> datetime:
    return datetime.fromtimestamp(now, KST)


def due_day(first_day: int, year: int, month: int) -> int:
    """The day a key first charged on ``first_day`` charges in ``year``/``month`` (month-end clamped)."""
    return min(first_day, calendar.monthrange(year, month)[1])


def first_charge(amount: int, now: int | float) -> FirstCharge:
    return FirstCharge(amount, kst(now).day)


def billing_refusal(first: FirstCharge | None, amount: int, now: int | float) -> str | None:
    """Why a billing charge of ``amount`` at ``now`` breaks Mobilians' rule, or None (also None for
    the first charge, which fixes the rule)."""
    if first is None:
        return None
    if amount != first.amount:
        return SAME_AMOUNT.format(amount=first.amount)
    moment = kst(now)
    day = due_day(first.day, moment.year, moment.month)
    if moment.day != day:
        return SAME_DAY.format(day=day)
    return None


def cancel_refusal(paid_at: int | float, now: int | float) -> str | None:
    """Why a phone payment paid at ``paid_at`` cannot be cancelled at ``now`` (another KST month)."""
    paid, moment = kst(paid_at), kst(now)
    if (paid.year, paid.month) != (moment.year, moment.month):
        return CANCEL_MONTH
    return None

"""PG rules the sandbox enforces, on the connectors themselves (no HTTP, a dict for the ledger)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from paymux.connectors.base import CancelOrder, CancelResult, ChannelContext, ChargeRequest, Outcome
from paymux.connectors.inicis import InicisSandbox
from paymux.connectors.mobilians import MobiliansSandbox
from paymux.connectors.sandbox import CardRefused
from paymux.domain.card import CardDetails
from paymux.domain.channel import Channel, ChannelMode, PayType
from paymux.domain.payment import Payment, PaymentStatus


class DictLedger:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    async def get(self, key: str) -> dict[str, Any] | None:
        return self.data.get(key)

    async def put(self, key: str, value: dict[str, Any]) -> None:
        self.data[key] = value


def _at(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, 12, tzinfo=UTC).timestamp())


def _context(pg: str) -> ChannelContext:
    return ChannelContext(Channel(1, 1, 1, pg, "MID", PayType.SUBSCRIPTION, ChannelMode.TEST, True))


def _card(number: str = "5361-4812-3456-1234") -> CardDetails:
    return CardDetails.parse(number, "2030-12", "820213", "00")


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_mobilians_repeats_only_the_first_amount_on_the_same_day_of_month() -> None:
    mobilians = MobiliansSandbox(DictLedger())
    context = _context("mobilians")
    key = run(mobilians.issue_billing_key(context, _card(), "cust", _at(2026, 1, 5))).billing_key

    def charge(amount: int, when: int):  # type: ignore[no-untyped-def]
        return run(mobilians.charge_billing_key(context, key, ChargeRequest("imp_1", "o", amount, now=when)))

    assert charge(9_900, _at(2026, 1, 15)).outcome is Outcome.APPROVED  # the first charge sets the rule
    assert charge(9_900, _at(2026, 2, 15)).outcome is Outcome.APPROVED
    other_amount = charge(10_000, _at(2026, 3, 15))
    assert other_amount.outcome is Outcome.DECLINED and "first amount" in other_amount.reason
    assert "9900" in other_amount.reason
    other_day = charge(9_900, _at(2026, 3, 16))
    assert other_day.outcome is Outcome.DECLINED and "day 15" in other_day.reason


def test_mobilians_phone_payments_cancel_only_within_their_month() -> None:
    mobilians = MobiliansSandbox(DictLedger())
    payment = Payment(imp_uid="imp_1", merchant_id=1, merchant_uid="o", amount=5_000, pay_method="phone")
    payment.status, payment.paid_at = PaymentStatus.PAID, _at(2026, 4, 30)
    def cancel(now: int) -> CancelResult:
        order = CancelOrder("c1", payment, 5_000, 0, "", remaining_after=0, now=now)
        return run(mobilians.cancel(_context("mobilians"), order))

    assert cancel(_at(2026, 4, 30)).outcome is Outcome.APPROVED
    refused = cancel(_at(2026, 5, 1))
    assert refused.outcome is Outcome.DECLINED and "within their month" in refused.reason


def test_timeout_cards_are_unknown_then_answered_by_inquiry() -> None:
    inicis = InicisSandbox(DictLedger())
    context = _context("html5_inicis")
    now = _at(2026, 1, 1)
    approved = run(inicis.charge_card(context, _card("4000-0000-0000-0119"), ChargeRequest("imp_a", "o", 1_000, now=now)))
    declined = run(inicis.charge_card(context, _card("4000-0000-0000-0101"), ChargeRequest("imp_b", "o", 1_000, now=now)))
    assert approved.outcome is declined.outcome is Outcome.UNKNOWN
    assert run(inicis.inquire(context, "imp_a", now)).outcome is Outcome.APPROVED
    assert run(inicis.inquire(context, "imp_b", now)).outcome is Outcome.DECLINED
    never_sent = run(inicis.inquire(context, "imp_never", now))
    assert never_sent.outcome is Outcome.DECLINED and "no record" in never_sent.reason


@pytest.mark.parametrize(
    ("number", "expected"),
    [("4000-0000-0000-0002", "승인거절"), ("4000-0000-0000-9995", "잔액부족"), ("4000-0000-0000-0069", "유효기간")],
)
def test_decline_table(number: str, expected: str) -> None:
    result = run(InicisSandbox(DictLedger()).charge_card(_context("html5_inicis"), _card(number), ChargeRequest("i", "o", 1_000, now=_at(2026, 1, 1))))
    assert result.outcome is Outcome.DECLINED and expected in result.reason
    assert result.card_number and "*" in result.card_number


def test_billing_keys_of_one_pg_do_not_work_at_another() -> None:
    ledger = DictLedger()
    key = run(InicisSandbox(ledger).issue_billing_key(_context("html5_inicis"), _card(), "c", _at(2026, 1, 1))).billing_key
    result = run(MobiliansSandbox(ledger).charge_billing_key(_context("mobilians"), key, ChargeRequest("i", "o", 1, now=1)))
    assert result.outcome is Outcome.DECLINED


def test_card_authentication_failure_refuses_the_key() -> None:
    with pytest.raises(CardRefused, match="빌키 발급에 실패"):
        run(InicisSandbox(DictLedger()).issue_billing_key(_context("html5_inicis"), _card("4000-0000-0000-0127"), "c", 1))

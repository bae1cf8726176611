"""Money and card rules that every path shares."""

from __future__ import annotations

import pytest

from paymux.domain.card import CardDetails, mask_card_number
from paymux.domain.errors import InvalidParameter, Refused
from paymux.domain.money import check_installments, parse_amount, split_tax
from paymux.domain.payment import Cancellation, Payment, PaymentStatus


@pytest.mark.parametrize(("raw", "amount"), [(3000, 3000), ("3000", 3000), (3000.0, 3000), ("3000.0", 3000), (" 12 ", 12)])
def test_amounts_accept_integral_values(raw: object, amount: int) -> None:
    assert parse_amount(raw) == amount


@pytest.mark.parametrize(
    "raw", [100.5, "100.5", "abc", -1, True, None, float("inf"), "NaN", 10**30, [], {}, "1e3", "1e999999999", "١٢٣"]
)
def test_amounts_refuse_everything_else(raw: object) -> None:
    with pytest.raises(InvalidParameter, match="amount"):
        parse_amount(raw)


def test_installments_only_from_fifty_thousand() -> None:
    assert check_installments(49_999, 1) == 0
    assert check_installments(50_000, 3) == 3
    with pytest.raises(Refused, match="50,000"):
        check_installments(49_999, 2)
    with pytest.raises(InvalidParameter, match="card_quota"):
        check_installments(60_000, 13)


def test_vat_defaults_to_a_tenth_of_the_taxable_gross() -> None:
    assert split_tax(11_000, None) == (0, 1_000)
    assert split_tax(11_000, 1_000) == (1_000, 909)
    with pytest.raises(InvalidParameter, match="tax_free"):
        split_tax(1_000, 2_000)


def test_card_is_masked_and_never_shown_in_repr() -> None:
    card = CardDetails.parse("5361-4812-3456-1234", "2030-12", "820213", "00")
    assert card.masked_number == "536148******1234" == mask_card_number("5361481234561234")
    assert "34561234" not in repr(card) and "820213" not in repr(card)


def _paid(amount: int = 10_000) -> Payment:
    payment = Payment(imp_uid="imp_000000000001", merchant_id=1, merchant_uid="o", amount=amount)
    payment.status = PaymentStatus.PAID
    return payment


def _cancel(payment: Payment, amount: int) -> None:
    payment.record_cancellation(Cancellation("cc", payment.imp_uid, "tid", amount, 0, "r", 100))


def test_partial_cancels_keep_paid_until_the_balance_is_zero() -> None:
    payment = _paid()
    _cancel(payment, payment.plan_cancel(3_000, 0, 10_000))
    assert (payment.status, payment.cancel_amount) == (PaymentStatus.PAID, 3_000)
    _cancel(payment, payment.plan_cancel(None, 0, 7_000))
    assert (payment.status, payment.cancel_amount, payment.cancelled_at) == (PaymentStatus.CANCELLED, 10_000, 100)
    with pytest.raises(Refused, match="이미 전액취소된 주문입니다"):
        payment.plan_cancel(None, 0, None)


def test_cancel_checks_balance_and_checksum() -> None:
    payment = _paid()
    with pytest.raises(Refused, match="exceeds"):
        payment.plan_cancel(10_001, 0, None)
    with pytest.raises(Refused, match="checksum"):
        payment.plan_cancel(1_000, 0, 9_999)

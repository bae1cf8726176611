"""Money rules: integer amounts, installments, tax-free parts. KRW has no minor unit."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from paymux.domain.errors import InvalidParameter, Refused

_DECIMAL_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")

MAX_AMOUNT = 9_999_999_999_999  # fits a signed 64-bit column with room for sums
INSTALLMENT_MINIMUM = 50_000
MAX_INSTALLMENT_MONTHS = 12


def parse_amount(value: object, field: str = "amount") -> int:
    """Read an amount sent as JSON number or form string; refuse fractions, floats with cents, junk.

    iamporter sends amounts as Python floats in forms ("3000.0"), so an integral decimal is accepted;
    anything with a fractional part is an error, never rounded.
    """
    if isinstance(value, bool):
        raise InvalidParameter(field, "must be an integer amount, not a boolean")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.match(text) or len(text) > 40:  # no exponents, no non-ASCII digits
            raise InvalidParameter(field, "must be an integer amount written in digits")
        number = Decimal(text)
    elif isinstance(value, float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise InvalidParameter(field, "must be an integer amount") from None
    else:
        raise InvalidParameter(field, "must be an integer amount")
    if not number.is_finite():
        raise InvalidParameter(field, "must be an integer amount")
    if number.adjusted() >= 16:  # before any integer conversion: 1e999999999 must not cost time
        raise InvalidParameter(field, f"must not exceed {MAX_AMOUNT}")
    if number != number.to_integral_value():
        raise InvalidParameter(field, "must be an integer amount (KRW has no fractions)")
    amount = int(number)
    if amount < 0:
        raise InvalidParameter(field, "must not be negative")
    if amount > MAX_AMOUNT:
        raise InvalidParameter(field, f"must not exceed {MAX_AMOUNT}")
    return amount


def check_installments(amount: int, card_quota: int | None) -> int:
    """Return the installment months to use (0 = lump sum), enforcing the 50,000 KRW minimum."""
    if not card_quota or card_quota == 1:
        return 0
    if card_quota < 0 or card_quota > MAX_INSTALLMENT_MONTHS:
        raise InvalidParameter("card_quota", f"must be between 0 and {MAX_INSTALLMENT_MONTHS} months")
    if amount < INSTALLMENT_MINIMUM:
        raise Refused(
            f"card_quota: installments are only available for payments of {INSTALLMENT_MINIMUM:,} KRW or more "
            "(할부결제는 5만원 이상 결제 시에만 가능합니다)"
        )
    return card_quota


def split_tax(amount: int, tax_free: int | None, vat: int | None = None) -> tuple[int, int]:
    """Return (tax_free, vat): tax_free ≤ amount; VAT defaults to a tenth of the taxable part's gross."""
    tax_free = tax_free or 0
    if tax_free > amount:
        raise InvalidParameter("tax_free", "must not exceed amount")
    if vat is None:
        vat = (2 * (amount - tax_free) + 11) // 22  # (amount - tax_free) / 11, rounded half up
    elif vat > amount - tax_free:
        raise InvalidParameter("vat", "must not exceed the taxable part of amount")
    return tax_free, vat

"""Card data as received for key-in payments and billing-key issuance.

A ``CardDetails`` exists only for the length of one request: it goes to a connector and is never
stored. Its ``repr`` shows the masked number only, so no log line or traceback can carry the card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paymux.domain.banks import BANKS as _KFTC_BANKS
from paymux.domain.errors import InvalidParameter

# KFTC standard card company codes (``card_code``) and names.
CARD_COMPANIES: dict[str, str] = {
    "361": "BC카드", "364": "광주카드", "365": "삼성카드", "366": "신한카드", "367": "현대카드",
    "368": "롯데카드", "369": "수협카드", "370": "씨티카드", "371": "NH카드", "372": "전북카드",
    "373": "제주카드", "374": "하나카드", "381": "KB국민카드", "041": "우리카드", "002": "KDB산업은행",
    "045": "MG새마을금고", "048": "신협", "071": "우체국", "089": "케이뱅크", "090": "카카오뱅크",
    "050": "저축은행", "VIS": "VISA", "MAS": "MASTER", "DIN": "DINERS", "AMX": "AMEX",
    "JCB": "JCB", "UNI": "UnionPay",
}

# KFTC bank codes (``bank_code`` / ``vbank_code``) and names: the one table, in ``domain.banks``.
BANKS = _KFTC_BANKS



def kftc_bank_code(code: str) -> str:
    """The 3-digit KFTC code of a bank given as i'mport's refund example gives it: ``"88"`` (the
    2-digit code KG INICIS uses; 신한은행) is ``"088"``. A code that is no known bank comes back as
    given, for the caller to refuse by name."""
    code = code.strip()
    if len(code) == 2 and code.isdigit() and "0" + code in BANKS:
        return "0" + code
    return code


_CARD_NUMBER = re.compile(r"^\d{4}-?\d{4,6}-?\d{4,5}-?\d{0,4}$")
_EXPIRY = re.compile(r"^(\d{4})-?(\d{2})$")
_BIRTH = re.compile(r"^(\d{6}|\d{10})$")
_PWD_2DIGIT = re.compile(r"^\d{2}$")


def mask_card_number(digits: str) -> str:
    """The only form of a card number paymux ever stores or shows: first six, stars, last four."""
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


@dataclass(frozen=True)
class CardDetails:
    number: str = field(repr=False)
    expiry_year: int = field(repr=False)
    expiry_month: int = field(repr=False)
    birth: str = field(repr=False)
    pwd_2digit: str | None = field(default=None, repr=False)
    masked_number: str = ""

    @classmethod
    def parse(
        cls, card_number: str | None, expiry: str | None, birth: str | None, pwd_2digit: str | None
    ) -> CardDetails:
        """Validate the fields the i'mport API takes; each error names its field, never its value."""
        if not card_number:
            raise InvalidParameter("card_number", "is required (dddd-dddd-dddd-dddd)")
        number = card_number.strip()
        if not _CARD_NUMBER.match(number):
            raise InvalidParameter("card_number", "must look like dddd-dddd-dddd-dddd")
        digits = number.replace("-", "")
        if not 14 <= len(digits) <= 16:
            raise InvalidParameter("card_number", "must have 14 to 16 digits")
        if not expiry:
            raise InvalidParameter("expiry", "is required (YYYY-MM)")
        match = _EXPIRY.match(expiry.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise InvalidParameter("expiry", "must be YYYY-MM")
        if not birth:
            raise InvalidParameter("birth", "is required (YYMMDD, or a 10-digit business number)")
        if not _BIRTH.match(birth.strip()):
            raise InvalidParameter("birth", "must be 6 digits (YYMMDD) or a 10-digit business number")
        if pwd_2digit is not None and pwd_2digit != "" and not _PWD_2DIGIT.match(pwd_2digit.strip()):
            raise InvalidParameter("pwd_2digit", "must be the first 2 digits of the card password")
        return cls(
            number=digits,
            expiry_year=int(match.group(1)),
            expiry_month=int(match.group(2)),
            birth=birth.strip(),
            pwd_2digit=(pwd_2digit or "").strip() or None,
            masked_number=mask_card_number(digits),
        )

    def is_expired(self, year: int, month: int) -> bool:
        return (self.expiry_year, self.expiry_month) < (year, month)

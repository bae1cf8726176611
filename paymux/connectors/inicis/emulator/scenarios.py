"""What the emulated PG decides, from the test data alone (no emulator-only headers).

Cards follow paymux's documented sandbox table (docs/sandbox.md, ``paymux.connectors.sandbox.TEST_CARDS``)
mapped to INICIS's codes; phones ending ``0002`` hit the monthly limit; amount and installment rules follow
INICIS's code workbook (§1.6). See the package docstring for the full trigger table.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from paymux.connectors.inicis import codes
from paymux.connectors.inicis.protocol import kst
from paymux.connectors.sandbox import (
    PHONE_OVER_LIMIT_SUFFIX,
    TEST_CARDS,
    CardBehaviour,
    card_company,
)
from paymux.domain.card import mask_card_number

INSTALLMENT_MIN = 50_000  # installments only from 50,000 KRW (§5.2)
KB_BIN = "457973"  # a KB Kookmin card in the sandbox BIN table; refused for billing keys on test MIDs
LOST_REPLY_MARK = "lost-reply"  # a cancel whose msg contains this is applied, then its reply is held

DECLINE_CODES: dict[CardBehaviour, str] = {
    CardBehaviour.REFUSED: codes.CARD_RESTRICTED,
    CardBehaviour.INSUFFICIENT: codes.CARD_INSUFFICIENT_BALANCE,
    CardBehaviour.EXPIRED: codes.CARD_EXPIRED,
    CardBehaviour.AUTH_FAILED: codes.CARD_WRONG_PASSWORD,
    CardBehaviour.TIMEOUT_THEN_DECLINED: codes.CARD_RESTRICTED,
}
SLOW = frozenset({CardBehaviour.TIMEOUT_THEN_APPROVED, CardBehaviour.TIMEOUT_THEN_DECLINED})

_DIGITS = re.compile(r"^\d+$")
_PHONE = re.compile(r"^01\d{8,9}$")


@dataclass(frozen=True)
class KeyedCard:
    """Card data the buyer typed (window) or the merchant sent (INIAPI). Lives in memory only;
    ``repr`` shows the masked number."""

    number: str = field(repr=False)
    expiry_yymm: str = field(repr=False)
    birth: str = field(repr=False)
    pwd_2digit: str = field(repr=False)
    masked: str = ""

    @property
    def bin(self) -> str:
        return self.number[:6]


def parse_card(number: str, expiry_yymm: str, birth: str, pwd_2digit: str) -> tuple[KeyedCard | None, str | None]:
    """A card from its fields, or the name of the first malformed field (never its value)."""
    digits = number.replace("-", "").replace(" ", "")
    if not (_DIGITS.match(digits) and 14 <= len(digits) <= 16):
        return None, "card_number"
    if not (_DIGITS.match(expiry_yymm) and len(expiry_yymm) == 4 and 1 <= int(expiry_yymm[2:]) <= 12):
        return None, "card_expiry"
    if not (_DIGITS.match(birth) and len(birth) in (6, 10)):
        return None, "card_birth"
    if pwd_2digit and not (_DIGITS.match(pwd_2digit) and len(pwd_2digit) == 2):
        return None, "card_password"
    return KeyedCard(digits, expiry_yymm, birth, pwd_2digit, mask_card_number(digits)), None


def window_expiry_to_yymm(text: str) -> str:
    """The window's ``MM/YY`` (as printed on cards; ``MMYY`` also accepted) as INIAPI's ``YYMM``."""
    digits = text.replace("/", "").replace(" ", "")
    return digits[2:] + digits[:2] if len(digits) == 4 else digits


def behaviour(card: KeyedCard, now: float) -> CardBehaviour:
    """The sandbox behaviour of a card at ``now``: expired by its YYMM (KST), else the test-card table."""
    today = kst(now)
    year, month = 2000 + int(card.expiry_yymm[:2]), int(card.expiry_yymm[2:])
    if (year, month) < (today.year, today.month):
        return CardBehaviour.EXPIRED
    return TEST_CARDS.get(card.number, CardBehaviour.APPROVE)


@dataclass(frozen=True)
class CardProfile:
    """What INICIS reports about a card: its INICIS company code, kind and partial-cancel flag."""

    inicis_code: str
    check_flag: str  # CARD_CheckFlag: 0 credit, 1 check, 2 gift
    partial_cancellable: bool = True


def profile(card: KeyedCard) -> CardProfile:
    """INICIS ``CARD_Code`` from the sandbox BIN table (KFTC) mapped back to INICIS's codes."""
    kftc, _, card_type = card_company(card.number)
    return CardProfile(codes.KFTC_TO_INICIS_CARD.get(kftc, "11"), str(card_type))


def amount_refusal(price: int, *, card: bool, below1000: bool = False) -> str | None:
    """INICIS's minimums: under 100 KRW → 500690; a card under 1,000 KRW → 500608 unless ``below1000``."""
    if price < 100:
        return codes.UNDER_100
    if card and price < 1000 and not below1000:
        return codes.UNDER_1000
    return None


def installment_refusal(price: int, months: int) -> str | None:
    """Installments (2–12 months) only from 50,000 KRW; else 500607 (§5.2, §1.6)."""
    if months == 0:
        return None
    if price < INSTALLMENT_MIN or not 2 <= months <= 12:
        return codes.BAD_INSTALLMENT
    return None


def phone_refusal(phone: str) -> str | None:
    """Phones ending 0002 have used their monthly micropayment limit (docs/sandbox.md)."""
    return codes.LIMIT_MONTHLY if phone.endswith(PHONE_OVER_LIMIT_SUFFIX) else None


def valid_phone(phone: str) -> bool:
    return bool(_PHONE.match(phone))


def billing_key_refusal(card: KeyedCard, behaviour_: CardBehaviour, test_mode: bool) -> str | None:
    """Why a billing key is not issued: a KB card on a test MID [INI-MBILL], or the card fails its
    authentication (expired / wrong password), as the sandbox table says."""
    if test_mode and card.bin == KB_BIN:
        return codes.CARD_RESTRICTED
    if behaviour_ in (CardBehaviour.EXPIRED, CardBehaviour.AUTH_FAILED):
        return DECLINE_CODES[behaviour_]
    return None


def new_tid(prefix: str, mid: str, now: float) -> str:
    """A 40-character-style INICIS tid: ``{prefix}{mid}{yyyymmddhhmmss}{6 random digits}`` (e.g.
    ``StdpayCARDINIpayTest20210101111111111111`` [INI-API])."""
    return f"{prefix}{mid}{kst(now).strftime('%Y%m%d%H%M%S')}{secrets.randbelow(10**6):06d}"


def approval_number() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def new_token() -> str:
    return secrets.token_hex(32)


def sms_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def vacct_number() -> str:
    return "7" + f"{secrets.randbelow(10**13):013d}"

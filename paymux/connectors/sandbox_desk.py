"""The sandbox's answers for the services a PG provides beside payments: cash receipts registered
with the tax office, identity verification by phone. What a real PG would return is generated here,
never at a real PG; live channels are refused by the services before they get here.

Sandbox rules (docs/compat-endpoints.md): every cash receipt is approved with a 9-digit NTS approval
number; the verification text message is never sent and its code is always ``123456``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from paymux.domain.certification import Person

SANDBOX_OTP = "123456"
# Not a secret: it only makes the sandbox's CI/DI stable per person (as the real ones are).
_CI_KEY = b"paymux sandbox CI v1"


@dataclass(frozen=True)
class ReceiptIssued:
    receipt_tid: str  # the PG's id of the receipt
    apply_num: str    # the tax office's approval number


def issue_cash_receipt(now: int) -> ReceiptIssued:
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now))
    return ReceiptIssued(f"CR{stamp}{secrets.token_hex(6).upper()}", f"{secrets.randbelow(10**9):09d}")


def send_otp(person: Person) -> str:
    """The code the carrier would text to ``person.phone``; the sandbox texts nothing."""
    return SANDBOX_OTP


def identity_keys(person: Person, merchant_id: int) -> tuple[str, str]:
    """(CI, DI): CI is 88 characters of base64, the same for one person everywhere; DI is 64
    characters, the same for one person at one merchant (how the real keys behave)."""
    subject = f"{person.name}|{person.birthday}|{person.gender_digit}".encode()
    ci = base64.b64encode(hmac.new(_CI_KEY, subject, hashlib.sha512).digest()).decode()
    di = base64.b64encode(hmac.new(_CI_KEY + str(merchant_id).encode(), ci.encode(), hashlib.sha384).digest()).decode()
    return ci, di


def certification_tid(now: int) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(now)) + secrets.token_hex(5)

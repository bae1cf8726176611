"""Identifiers paymux hands out. Random so they leak no volume; checked for collisions by the DB."""

from __future__ import annotations

import secrets
import string


def new_imp_uid() -> str:
    """``imp_`` + 12 digits, the shape i'mport clients expect."""
    return f"imp_{secrets.randbelow(10**12):012d}"


def new_user_code() -> str:
    """``imp`` + 8 digits, the merchant identity passed to ``IMP.init``."""
    return f"imp{secrets.randbelow(10**8):08d}"


def new_imp_key() -> str:
    return f"{secrets.randbelow(10**16):016d}"


def new_imp_secret() -> str:
    return secrets.token_urlsafe(60)[:80]


def new_tier_code() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(3))


def new_cancellation_id() -> str:
    return "cc_" + secrets.token_hex(10)

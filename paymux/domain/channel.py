"""PG channels (the console's "PG settings") and the one resolver every PG-picking path uses.

The rules come from the seeds: a merchant keeps an ordered list of channels, one is the default;
``pg`` absent or matching nothing → the default; ``pg = "{code}"`` → the first channel in order with
that PG code; ``pg = "{code}.{MID}"`` → exactly that channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from paymux.domain.errors import InvalidParameter, Refused
from paymux.domain.sealed import Sealed


class PayType(StrEnum):
    GENERAL = "general"            # authenticated payment window
    SUBSCRIPTION = "subscription"  # non-authenticated window that issues billing keys
    SIMPLE = "simple"              # simple pay (Kakao Pay …)
    API = "api"                    # server-side key-in and billing-key API


class ChannelMode(StrEnum):
    TEST = "test"
    LIVE = "live"


class Purpose(StrEnum):
    """What a caller needs a channel for; each accepts some pay types."""

    PAYMENT_WINDOW = "payment_window"
    BILLING_WINDOW = "billing_window"
    BILLING_API = "billing_api"


_ACCEPTED_PAY_TYPES: dict[Purpose, frozenset[PayType]] = {
    Purpose.PAYMENT_WINDOW: frozenset({PayType.GENERAL, PayType.SIMPLE}),
    Purpose.BILLING_WINDOW: frozenset({PayType.SUBSCRIPTION, PayType.SIMPLE}),
    Purpose.BILLING_API: frozenset({PayType.API}),
}

# Codes that name the same PG; a channel is stored under the canonical code.
PG_ALIASES: dict[str, str] = {"inicis": "html5_inicis", "kakao": "kakaopay"}


def canonical_pg_code(code: str) -> str:
    code = code.strip().lower()
    return PG_ALIASES.get(code, code)


@dataclass(frozen=True)
class Channel:
    id: int
    merchant_id: int
    position: int
    pg_provider: str
    mid: str
    pay_type: PayType
    mode: ChannelMode
    is_default: bool
    label: str = ""
    endpoint: str | None = None  # the host speaking the PG's protocol for this channel; None = the PG's own
    credentials: Sealed | None = field(default=None, repr=False, compare=False)

    @property
    def pg_string(self) -> str:
        """The ``pg`` value that names exactly this channel in ``IMP.request_pay``."""
        return f"{self.pg_provider}.{self.mid}"

    def serves(self, purpose: Purpose | None) -> bool:
        return purpose is None or self.pay_type in _ACCEPTED_PAY_TYPES[purpose]


def _parse_pg(pg: str | None) -> tuple[str, str | None] | None:
    if pg is None or not pg.strip():
        return None
    code, _, mid = pg.strip().partition(".")
    return canonical_pg_code(code), (mid or None)


def resolve_channel(channels: list[Channel], pg: str | None, purpose: Purpose | None = None) -> Channel:
    """Pick the channel ``IMP.request_pay`` or a billing API call opens for this ``pg`` value.

    ``channels`` must be in console order. With a ``purpose``, only channels serving it are
    candidates; a ``pg`` that explicitly names a channel of the wrong kind is refused with a message
    that says so, rather than silently opening another PG.
    """
    ordered = sorted(channels, key=lambda c: c.position)
    if not ordered:
        raise Refused("No PG channel is configured for this merchant (PG 설정이 없습니다)")
    wanted = _parse_pg(pg)
    if wanted is not None:
        code, mid = wanted
        named = [c for c in ordered if c.pg_provider == code and (mid is None or c.mid == mid)]
        fitting = [c for c in named if c.serves(purpose)]
        if fitting:
            return fitting[0]
        if named:
            raise Refused(
                f"pg '{pg}' names a {named[0].pay_type.value} channel, which cannot be used for "
                f"{purpose.value if purpose else 'this request'}"
            )
    candidates = [c for c in ordered if c.serves(purpose)]
    if not candidates:
        kinds = ", ".join(sorted(t.value for t in _ACCEPTED_PAY_TYPES[purpose])) if purpose else "any"
        raise Refused(f"No PG channel of type {kinds} is configured for this merchant")
    default = next((c for c in ordered if c.is_default), None)
    if default is not None and default.serves(purpose):
        return default
    return candidates[0]


def validate_pg_code(pg: str, field: str = "pg") -> str:
    code = canonical_pg_code(pg)
    if not code or not code.replace("_", "").isalnum():
        raise InvalidParameter(field, "must be a PG code such as html5_inicis, kakaopay, mobilians")
    return code

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
PG_ALIASES: dict[str, str] = {"inicis": "html5_inicis", "kakao": "kakaopay",
                              "nice_v2": "nice"}  # i'mport's code for NICE's new "start" API, which paymux's nice speaks


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


class MatchRule(StrEnum):
    """Which rule of the seeds' matching table picked the channel (shown by the console and CLI)."""

    NAMED = "named"                    # pg = "{code}.{MID}" names exactly this channel
    FIRST_OF_PG = "first_of_pg"        # pg = "{code}": the first channel of that PG in console order
    DEFAULT = "default"                # pg absent or matching nothing: the default channel
    FIRST_FITTING = "first_fitting"    # the default cannot serve this request: the first channel that can


class Fallback(StrEnum):
    """Why a non-empty ``pg`` fell through to the default (None when it did not)."""

    UNKNOWN_PG = "unknown_pg"          # no channel of that PG code
    UNKNOWN_MID = "unknown_mid"        # the PG is configured, but not with that MID


@dataclass(frozen=True)
class Resolution:
    """The answer to "which channel opens for this ``pg``", with the rule that matched.

    ``skipped``: channels of the named PG passed over because their pay type cannot serve the
    purpose (a KCP API-type channel listed before the KCP general one, for a payment window).
    """

    channel: Channel
    rule: MatchRule
    purpose: Purpose | None
    fallback: Fallback | None = None
    skipped: tuple[Channel, ...] = ()


def _parse_pg(pg: str | None) -> tuple[str, str | None] | None:
    if pg is None or not pg.strip():
        return None
    code, _, mid = pg.strip().partition(".")
    return canonical_pg_code(code), (mid or None)


def explain_channel(channels: list[Channel], pg: str | None, purpose: Purpose | None = None) -> Resolution:
    """Pick the channel ``IMP.request_pay`` or a billing API call opens for this ``pg`` value, and say why.

    ``channels`` must be in console order. With a ``purpose``, only channels serving it are
    candidates; a ``pg`` that explicitly names a channel of the wrong kind is refused with a message
    that says so, rather than silently opening another PG. Raises Refused.
    """
    ordered = sorted(channels, key=lambda c: c.position)
    if not ordered:
        raise Refused("No PG channel is configured for this merchant (PG 설정이 없습니다)")
    wanted = _parse_pg(pg)
    fallback: Fallback | None = None
    if wanted is not None:
        code, mid = wanted
        named = [c for c in ordered if c.pg_provider == code and (mid is None or c.mid == mid)]
        fitting = [c for c in named if c.serves(purpose)]
        skipped = tuple(c for c in named if not c.serves(purpose))
        if fitting:
            rule = MatchRule.NAMED if mid is not None else MatchRule.FIRST_OF_PG
            return Resolution(fitting[0], rule, purpose, skipped=tuple(c for c in skipped if c.position < fitting[0].position))
        if named:
            (kind_ko, kind_en), (purpose_ko, purpose_en) = _KIND_WORDS[named[0].pay_type], _PURPOSE_WORDS[purpose]
            raise Refused(f"pg '{pg}'은(는) {kind_ko} 채널이라 {purpose_ko} (pg '{pg}' is {kind_en} channel; {purpose_en})")
        known_pg = any(c.pg_provider == code for c in ordered)
        fallback = Fallback.UNKNOWN_MID if known_pg and mid is not None else Fallback.UNKNOWN_PG
    candidates = [c for c in ordered if c.serves(purpose)]
    if not candidates:
        kinds = ", ".join(sorted(t.value for t in _ACCEPTED_PAY_TYPES[purpose])) if purpose else "any"
        raise Refused(f"No PG channel of type {kinds} is configured for this merchant")
    default = next((c for c in ordered if c.is_default), None)
    if default is not None and default.serves(purpose):
        return Resolution(default, MatchRule.DEFAULT, purpose, fallback)
    return Resolution(candidates[0], MatchRule.FIRST_FITTING, purpose, fallback)


# How the refusal of a channel of the wrong kind names kinds and purposes, e.g. "pg 'kcp'은(는) API 방식(키인/빌링)
# 채널이라 결제창을 열 수 없습니다 (pg 'kcp' is an API channel; it cannot open a payment window)": Korean for the
# buyer (the window shows the Korean), English in parentheses for the developer.
_KIND_WORDS: dict[PayType, tuple[str, str]] = {
    PayType.GENERAL: ("일반결제 방식", "a general"),
    PayType.SUBSCRIPTION: ("정기결제(비인증) 방식", "a subscription"),
    PayType.SIMPLE: ("간편결제 방식", "a simple-pay"),
    PayType.API: ("API 방식(키인/빌링)", "an API"),
}
_PURPOSE_WORDS: dict[Purpose | None, tuple[str, str]] = {
    Purpose.PAYMENT_WINDOW: ("결제창을 열 수 없습니다", "it cannot open a payment window"),
    Purpose.BILLING_WINDOW: ("빌링키 발급창을 열 수 없습니다",
                             "it cannot be used for billing_window, the billing-key window"),
    Purpose.BILLING_API: ("REST API 결제(키인/빌링키)에 쓸 수 없습니다",
                          "it cannot be used for billing_api, server-side key-in and billing-key payments"),
    None: ("이 요청에 쓸 수 없습니다", "it cannot be used for this request"),
}


def resolve_channel(channels: list[Channel], pg: str | None, purpose: Purpose | None = None) -> Channel:
    """The channel :func:`explain_channel` picks. Raises Refused."""
    return explain_channel(channels, pg, purpose).channel


def validate_pg_code(pg: str, field: str = "pg") -> str:
    code = canonical_pg_code(pg)
    if not code or not code.replace("_", "").isalnum():
        raise InvalidParameter(field, "must be a PG code such as html5_inicis, kakaopay, mobilians")
    return code

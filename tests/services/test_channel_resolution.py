"""The seeds' PG matching rules, on the pure resolver every PG-picking path uses."""

from __future__ import annotations

import pytest

from paymux.domain.channel import (
    Channel,
    ChannelMode,
    Fallback,
    MatchRule,
    PayType,
    Purpose,
    explain_channel,
    resolve_channel,
)
from paymux.domain.errors import Refused


def channel(position: int, pg: str, mid: str, pay_type: PayType, default: bool = False) -> Channel:
    return Channel(
        id=position, merchant_id=1, position=position, pg_provider=pg, mid=mid,
        pay_type=pay_type, mode=ChannelMode.TEST, is_default=default,
    )


# The seeds' example (000_…): INICIS MID-a general (default), INICIS MID-b subscription, Kakao Pay MID-c.
SEED_CHANNELS = [
    channel(1, "html5_inicis", "MID-a", PayType.GENERAL, default=True),
    channel(2, "html5_inicis", "MID-b", PayType.SUBSCRIPTION),
    channel(3, "kakaopay", "MID-c", PayType.SIMPLE),
]


@pytest.mark.parametrize(
    ("pg", "expected_mid"),
    [
        ("kakaopay", "MID-c"),             # PG code alone identifies the only Kakao Pay setting
        ("html5_inicis.MID-a", "MID-a"),   # code.MID picks that MID
        ("html5_inicis.MID-b", "MID-b"),
        ("html5_inicis", "MID-a"),         # code alone → first in console order
        (None, "MID-a"),                   # absent → default
        ("", "MID-a"),
        ("nosuchpg", "MID-a"),             # invalid → default
        ("html5_inicis.MID-zzz", "MID-a"),  # unknown MID → default
        ("inicis.MID-b", "MID-b"),         # legacy code of the same PG
        ("kakao", "MID-c"),
    ],
)
def test_seed_matching_rules(pg: str | None, expected_mid: str) -> None:
    assert resolve_channel(SEED_CHANNELS, pg).mid == expected_mid


def test_first_match_follows_console_order_not_insertion() -> None:
    reordered = [
        channel(2, "html5_inicis", "MID-a", PayType.GENERAL, default=True),
        channel(1, "html5_inicis", "MID-b", PayType.SUBSCRIPTION),
    ]
    assert resolve_channel(reordered, "html5_inicis").mid == "MID-b"


def test_billing_window_skips_general_channels_of_the_same_pg() -> None:
    assert resolve_channel(SEED_CHANNELS, "html5_inicis", Purpose.BILLING_WINDOW).mid == "MID-b"


def test_naming_a_channel_of_the_wrong_kind_is_refused_with_a_reason() -> None:
    with pytest.raises(Refused, match="subscription channel"):
        resolve_channel(SEED_CHANNELS, "html5_inicis.MID-b", Purpose.PAYMENT_WINDOW)


def test_purpose_without_fitting_channel_is_refused() -> None:
    with pytest.raises(Refused, match="type api"):
        resolve_channel(SEED_CHANNELS, None, Purpose.BILLING_API)


def test_absent_pg_with_purpose_prefers_default_then_first_fitting() -> None:
    channels = SEED_CHANNELS + [
        channel(4, "kcp", "BA001", PayType.API),
        channel(5, "nice", "nictest04m", PayType.API),
    ]
    assert resolve_channel(channels, None, Purpose.BILLING_API).pg_provider == "kcp"
    assert resolve_channel(channels, "nice", Purpose.BILLING_API).pg_provider == "nice"


def test_no_channels_at_all() -> None:
    with pytest.raises(Refused, match="No PG channel"):
        resolve_channel([], "kakaopay")


# Issue #14 item 1: a KCP general channel added after a KCP API channel (and the same for NICE).
KCP_AND_NICE = SEED_CHANNELS + [
    channel(4, "kcp", "BA001", PayType.API),
    channel(5, "kcp", "T0000", PayType.GENERAL),
    channel(6, "nice", "nictest04m", PayType.API),
    channel(7, "nice", "nictest00m", PayType.GENERAL),
]


@pytest.mark.parametrize(("pg", "window_mid", "api_mid"), [("kcp", "T0000", "BA001"), ("nice", "nictest00m", "nictest04m")])
def test_code_alone_opens_the_first_channel_that_serves_the_call(pg: str, window_mid: str, api_mid: str) -> None:
    window = explain_channel(KCP_AND_NICE, pg, Purpose.PAYMENT_WINDOW)
    assert (window.channel.mid, window.rule) == (window_mid, MatchRule.FIRST_OF_PG)
    assert [c.mid for c in window.skipped] == [api_mid]  # listed first, but an API channel opens no window
    api = explain_channel(KCP_AND_NICE, pg, Purpose.BILLING_API)
    assert (api.channel.mid, api.rule, api.skipped) == (api_mid, MatchRule.FIRST_OF_PG, ())


def test_each_rule_is_named() -> None:
    assert explain_channel(KCP_AND_NICE, "kcp.BA001", Purpose.BILLING_API).rule is MatchRule.NAMED
    assert explain_channel(KCP_AND_NICE, None, Purpose.PAYMENT_WINDOW).rule is MatchRule.DEFAULT
    unknown_pg = explain_channel(KCP_AND_NICE, "nosuchpg", Purpose.PAYMENT_WINDOW)
    assert (unknown_pg.rule, unknown_pg.fallback) == (MatchRule.DEFAULT, Fallback.UNKNOWN_PG)
    unknown_mid = explain_channel(KCP_AND_NICE, "kcp.NOPE", Purpose.PAYMENT_WINDOW)
    assert (unknown_mid.channel.mid, unknown_mid.fallback) == ("MID-a", Fallback.UNKNOWN_MID)
    first_fitting = explain_channel(KCP_AND_NICE, None, Purpose.BILLING_API)
    assert (first_fitting.channel.mid, first_fitting.rule) == ("BA001", MatchRule.FIRST_FITTING)

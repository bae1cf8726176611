"""The seeds' PG matching rules, on the pure resolver every PG-picking path uses."""

from __future__ import annotations

import pytest

from paymux.domain.channel import Channel, ChannelMode, PayType, Purpose, resolve_channel
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

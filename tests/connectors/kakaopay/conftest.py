"""One Kakao Pay emulator (real uvicorn on loopback) shared by this package's tests.

Every test uses its own order ids, so sharing the emulator's memory is safe; a test that moves the
clock or switches the outage puts them back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paymux.clock import OffsetClock
from paymux.connectors.kakaopay.emulator import EmulatorConfig
from tests.connectors.kakaopay.support import KakaoPayEmulatorServer

SLOW_REPLY_SECONDS = 1.5   # a "timeout" order's reply is held this long …
CLIENT_TIMEOUT = 0.5       # … and the tests' client gives up after this


@pytest.fixture(scope="session")
def kakao_clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture(scope="session")
def kakaopay(kakao_clock: OffsetClock) -> Iterator[KakaoPayEmulatorServer]:
    config = EmulatorConfig(slow_reply_seconds=SLOW_REPLY_SECONDS, clock=kakao_clock.now).with_paymux_live()
    server = KakaoPayEmulatorServer()
    server.start(config)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _restore(kakao_clock: OffsetClock) -> Iterator[None]:
    yield
    kakao_clock.reset()

"""One KG INICIS emulator (real uvicorn on loopback) shared by this package's tests.

Every test uses its own order ids, so sharing the emulator's memory is safe; a test that moves the
clock or switches the outage/latency puts them back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paymux.clock import OffsetClock
from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig
from tests.connectors.inicis.support import EmulatorServer, NoticeReceiver

SLOW_REPLY_SECONDS = 1.5   # a "timeout" card's reply is held this long …
CLIENT_TIMEOUT = 0.5       # … and the tests' client gives up after this


@pytest.fixture(scope="session")
def clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture(scope="session")
def emulator(clock: OffsetClock) -> Iterator[EmulatorServer]:
    config = EmulatorConfig(
        slow_reply_seconds=SLOW_REPLY_SECONDS, clock=clock.now, notice_attempts=4, notice_backoff_seconds=0.05,
        notice_timeout_seconds=2.0,
    ).with_merchant(PAYMUX_LIVE_KEYS)
    server = EmulatorServer()
    server.start(config)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _restore(clock: OffsetClock) -> Iterator[None]:
    yield
    clock.reset()


@pytest.fixture
def receiver() -> Iterator[NoticeReceiver]:
    server = NoticeReceiver()
    server.start()
    yield server
    server.stop()

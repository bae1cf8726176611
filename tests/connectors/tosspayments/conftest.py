"""One Toss Payments emulator (real uvicorn on loopback) shared by this package's tests.

Every test uses its own order ids, so sharing the emulator's memory is safe; a test that moves the
clock or switches the outage puts them back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paymux.clock import OffsetClock
from paymux.connectors.tosspayments.emulator import EmulatorConfig
from tests.connectors.tosspayments.support import TossEmulator

SLOW_REPLY_SECONDS = 1.5   # a "timeout" answer is held this long …
CLIENT_TIMEOUT = 0.5       # … and the tests' client gives up after this


@pytest.fixture(scope="session")
def toss_clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture(scope="session")
def toss(toss_clock: OffsetClock) -> Iterator[TossEmulator]:
    server = TossEmulator()
    server.start(EmulatorConfig(slow_reply_seconds=SLOW_REPLY_SECONDS, clock=toss_clock.now).with_paymux_live())
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _restore(toss_clock: OffsetClock, toss: TossEmulator) -> Iterator[None]:
    yield
    toss_clock.reset()
    toss.control("outage", on=False)

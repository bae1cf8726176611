"""One KG Mobilians emulator (real uvicorn on loopback) for this package, sharing the tests' clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paymux.clock import OffsetClock
from paymux.connectors.mobilians.emulator import PAYMUX_LIVE_SERVICE, EmulatorConfig
from tests.connectors.mobilians.support import MobiliansEmulator

SLOW_REPLY_SECONDS = 1.5   # a committed reply is held this long …
CLIENT_TIMEOUT = 0.5       # … and the tests' client gives up after this


@pytest.fixture(scope="session")
def clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture(scope="session")
def mobilians(clock: OffsetClock) -> Iterator[MobiliansEmulator]:
    server = MobiliansEmulator()
    server.start(EmulatorConfig(clock=clock.now, slow_reply_seconds=SLOW_REPLY_SECONDS).with_service(PAYMUX_LIVE_SERVICE))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _restore(clock: OffsetClock) -> Iterator[None]:
    yield
    clock.reset()

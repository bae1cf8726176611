"""One NICE Pay emulator (real uvicorn on loopback) for this package, sharing the tests' clock, with its
webhooks going to a recording receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paymux.clock import OffsetClock
from paymux.connectors.nice.emulator import EmulatorConfig
from tests.connectors.inicis.support import NoticeReceiver
from tests.connectors.nice.support import NiceEmulator

SLOW_REPLY_SECONDS = 1.5   # a committed reply is held this long …
CLIENT_TIMEOUT = 0.5       # … and the tests' client gives up after this


@pytest.fixture(scope="session")
def clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture(scope="session")
def hooks() -> Iterator[NoticeReceiver]:
    receiver = NoticeReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def nice(clock: OffsetClock, hooks: NoticeReceiver) -> Iterator[NiceEmulator]:
    server = NiceEmulator()
    server.start(EmulatorConfig(clock=clock.now, slow_reply_seconds=SLOW_REPLY_SECONDS, hook_url=hooks.url,
                                hook_attempts=2, hook_backoff_seconds=0.05).with_paymux_live())
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _restore(clock: OffsetClock) -> Iterator[None]:
    yield
    clock.reset()

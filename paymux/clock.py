"""Time, injected: services ask a clock instead of the system so tests can move time."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Current time as unix seconds (UTC), the unit the i'mport API speaks."""


class SystemClock:
    def now(self) -> int:
        return int(time.time())


class OffsetClock:
    """The system clock shifted by an offset: a running server whose 'now' a test can push forward."""

    def __init__(self) -> None:
        self.offset = 0

    def now(self) -> int:
        return int(time.time()) + self.offset

    def advance(self, seconds: int) -> None:
        self.offset += seconds

    def reset(self) -> None:
        self.offset = 0

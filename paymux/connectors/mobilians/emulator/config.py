"""The Mobilians emulator's configuration: which services (sid → skey) it knows, and its timing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from paymux.connectors.mobilians.client import MobiliansKeys

# A made-up "live" service for tests and the demo (not a Mobilians value; valid only here).
PAYMUX_LIVE_SERVICE = MobiliansKeys(sid="paymuxmc0001", skey="cGF5bXV4LW1vYmlsaWFucy1saXZlLXNrZXk")


def public_test_services() -> dict[str, str]:
    """Mobilians' published phone test service [MOB-MCP auto_test/config.json]."""
    keys = MobiliansKeys.public_test()
    return {keys.sid: keys.skey}


@dataclass(frozen=True)
class EmulatorConfig:
    """- ``services``: sid → skey; ``clock``: unix seconds (shared with paymux in tests);
    - ``slow_reply_seconds``: how long a committed reply is held for the "timeout" phone and for
      ``/_emulator/drop_reply`` (longer than the caller's timeout);
    - ``latency_ms``: added to every server call; ``base_url``: printed into ``pay_url``."""

    services: dict[str, str] = field(default_factory=public_test_services)
    clock: Callable[[], float] = time.time
    slow_reply_seconds: float = 15.0
    latency_ms: int = 0
    base_url: str | None = None

    def with_service(self, keys: MobiliansKeys) -> EmulatorConfig:
        return replace(self, services={**self.services, keys.sid: keys.skey})

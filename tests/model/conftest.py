"""A paymux of its own for the model-based test, one per database backend.

The machine moves the server's clock forward (schedules come due, virtual accounts expire, lost
answers pass their grace period) and never back, so it does not share the session's server: other
tests reset the shared clock and would see the model's future."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig
from tests.conftest import BACKENDS, gateway_of_its_own
from tests.connectors.inicis.support import EmulatorServer
from tests.harness import GatewayServer
from tests.live.conftest import SLOW_REPLY_SECONDS

# A sequence may open dozens of payment windows within a minute from 127.0.0.1, far beyond what one
# buyer's address does (PAYMUX_WINDOWS_PER_MINUTE, 30 by default; tests/security proves the limit).
MODEL_ENV = {"PAYMUX_WINDOWS_PER_MINUTE": "100000"}


@pytest.fixture(scope="module", params=BACKENDS)
def model_gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    data_dir = tmp_path_factory.mktemp(f"paymux-model-{request.param}")
    with gateway_of_its_own(request.param, data_dir, MODEL_ENV) as server:
        yield server


@pytest.fixture(scope="module")
def model_inicis(model_gateway: GatewayServer) -> Iterator[EmulatorServer]:
    """The KG INICIS emulator on the model gateway's clock (tests/live/conftest.py's settings)."""
    config = EmulatorConfig(
        slow_reply_seconds=SLOW_REPLY_SECONDS, clock=model_gateway.clock.now,
        notice_url=f"{model_gateway.base_url}/pg/html5_inicis/notice",
        notice_attempts=3, notice_backoff_seconds=0.05, notice_timeout_seconds=5.0,
    ).with_merchant(PAYMUX_LIVE_KEYS)
    server = EmulatorServer()
    server.start(config)
    yield server
    server.stop()

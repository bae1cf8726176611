"""A paymux of its own for the model-based test, one per database backend.

The machine moves the server's clock forward (schedules come due, virtual accounts expire, lost
answers pass their grace period) and never back, so it does not share the session's server: other
tests reset the shared clock and would see the model's future."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig
from tests.conftest import BACKENDS
from tests.connectors.inicis.support import EmulatorServer
from tests.harness import GatewayServer
from tests.live.conftest import SLOW_REPLY_SECONDS
from tests.postgres import create_database, drop_database, find_postgres

# A sequence may open dozens of payment windows within a minute from 127.0.0.1, far beyond what one
# buyer's address does (PAYMUX_WINDOWS_PER_MINUTE, 30 by default; tests/security proves the limit).
MODEL_ENV = {"PAYMUX_WINDOWS_PER_MINUTE": "100000"}


@pytest.fixture(scope="module", params=BACKENDS)
def model_gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    backend = request.param
    data_dir = tmp_path_factory.mktemp(f"paymux-model-{backend}")
    if backend == "sqlite":
        server = GatewayServer(backend, f"sqlite:///{data_dir / 'paymux.db'}", data_dir, MODEL_ENV).start()
        yield server
        server.stop()
        return
    postgres = find_postgres()
    if postgres is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI but none is reachable or startable")
        pytest.skip("no PostgreSQL could be started (no server binaries) or reached")
    url = create_database(postgres)
    server = GatewayServer(backend, url, data_dir, MODEL_ENV).start()
    yield server
    server.stop()
    drop_database(postgres, url)


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

"""Fixtures: every API test runs against a real server on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import GatewayServer, TestMerchant, standard_merchant
from tests.postgres import create_database, drop_database, find_postgres

pytest_plugins = ["tests.browser"]

BACKENDS = ["sqlite", "postgresql"]
_ran: set[str] = set()


@pytest.fixture(scope="session", params=BACKENDS)
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    backend = request.param
    data_dir = tmp_path_factory.mktemp(f"paymux-{backend}")
    if backend == "sqlite":
        server = GatewayServer(backend, f"sqlite:///{data_dir / 'paymux.db'}", data_dir).start()
        _ran.add(backend)
        yield server
        server.stop()
        return
    postgres = find_postgres()
    if postgres is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI but none is reachable or startable")
        pytest.skip("no PostgreSQL could be started (no server binaries) or reached")
    url = create_database(postgres)
    server = GatewayServer(backend, url, data_dir).start()
    _ran.add(backend)
    yield server
    server.stop()
    drop_database(postgres, url)


@pytest.fixture
def shop(gateway: GatewayServer) -> TestMerchant:
    return standard_merchant(gateway)


@pytest.fixture
def other_shop(gateway: GatewayServer) -> TestMerchant:
    return standard_merchant(gateway, "other shop")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if find_postgres.cache_info().currsize and (server := find_postgres()) is not None:
        server.stop()  # only a throwaway server is actually stopped


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    ran = ", ".join(sorted(_ran)) or "none"
    missing = sorted(set(BACKENDS) - _ran)
    line = f"paymux database backends exercised: {ran}"
    if missing:
        line += f"  —  NOT RUN: {', '.join(missing)}"
    terminalreporter.write_sep("=", line, bold=True, red=bool(missing), green=not missing)


def pytest_configure(config: pytest.Config) -> None:
    Path("test-output").mkdir(exist_ok=True)

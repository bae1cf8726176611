"""Fixtures: every API test runs against a real server on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.harness import GatewayServer, TestMerchant, standard_merchant
from tests.postgres import create_database, drop_database, find_postgres

pytest_plugins = ["tests.browser"]

BACKENDS = ["sqlite", "postgresql"]
_ran: set[str] = set()


@contextmanager
def gateway_of_its_own(backend: str, data_dir: Path, env: dict[str, str] | None = None) -> Iterator[GatewayServer]:
    """paymux served on a new database of ``backend`` ("sqlite" or "postgresql") with its files under
    ``data_dir``; the PostgreSQL database is dropped on exit. Skips (fails in CI) without PostgreSQL."""
    if backend == "sqlite":
        server = GatewayServer(backend, f"sqlite:///{data_dir / 'paymux.db'}", data_dir, env).start()
        _ran.add(backend)
        try:
            yield server
        finally:
            server.stop()
        return
    postgres = find_postgres()
    if postgres is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI but none is reachable or startable")
        pytest.skip("no PostgreSQL could be started (no server binaries) or reached")
    url = create_database(postgres)
    server = GatewayServer(backend, url, data_dir, env).start()
    _ran.add(backend)
    try:
        yield server
    finally:
        server.stop()
        drop_database(postgres, url)


@pytest.fixture(scope="session", params=BACKENDS)
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    with gateway_of_its_own(request.param, tmp_path_factory.mktemp(f"paymux-{request.param}")) as server:
        yield server


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

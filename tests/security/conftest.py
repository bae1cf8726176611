"""Fixtures of the security tests: more paymux instances on the session's database, with settings of
their own (trusted proxies, real throttle limits), and HTTP clients that connect from a chosen
loopback address (every 127.x.y.z is this machine, so each stands for another client)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.harness import GatewayServer


@pytest.fixture
def instance(gateway: GatewayServer) -> Iterator[Callable[..., GatewayServer]]:
    """``instance(PAYMUX_X="…")`` starts another paymux on the gateway's database and vault."""
    started: list[GatewayServer] = []

    def start(**env: str) -> GatewayServer:
        server = GatewayServer(gateway.backend, gateway.settings.database_url, gateway.data_dir, env=env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def client_from(address: str, **kwargs: object) -> httpx.Client:
    """An HTTP client whose connections come from ``address`` (a loopback address of this machine)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60, **kwargs)  # type: ignore[arg-type]

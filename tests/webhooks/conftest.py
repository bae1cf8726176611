"""Fixtures of the webhook tests: a database of their own, a live receiver, and a shop whose webhook
URL points at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS, gateway_of_its_own
from tests.harness import GatewayServer, TestMerchant
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import HookedShop, drain, hook_up


@pytest.fixture(scope="package", params=BACKENDS)
def gateway(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    """paymux on a database of the webhook tests alone. They move the clock by hours and days, and a
    delivery round at each step would otherwise also retry every other package's leftover events
    (receivers long closed, names that no longer resolve) — 25 s of a full run went there (#15)."""
    data_dir = tmp_path_factory.mktemp(f"paymux-webhooks-{request.param}")
    with gateway_of_its_own(request.param, data_dir) as server:
        yield server


@pytest.fixture
def receiver(gateway: GatewayServer) -> Iterator[Receiver]:
    drain(gateway)  # other tests' webhooks go out before this test's receiver listens
    started = Receiver(gateway.clock.now).start()
    try:
        yield started
    finally:
        gateway.clock.reset()
        started.close()


@pytest.fixture
def hooked(gateway: GatewayServer, shop: TestMerchant, receiver: Receiver) -> HookedShop:
    return hook_up(gateway, shop, receiver.url("/hook"))

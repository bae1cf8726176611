"""Fixtures of the webhook tests: a live receiver, and a shop whose webhook URL points at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import GatewayServer, TestMerchant
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import HookedShop, drain, hook_up


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

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.console.support import (
    ConsoleAccount,
    ConsoleClient,
    console_account,
    signed_in,
)
from tests.harness import GatewayServer, TestMerchant, standard_merchant


@pytest.fixture
def account(gateway: GatewayServer, shop: TestMerchant) -> ConsoleAccount:
    return console_account(gateway, shop)


@pytest.fixture
def console(gateway: GatewayServer, account: ConsoleAccount) -> Iterator[ConsoleClient]:
    client = signed_in(gateway, account)
    yield client
    client.close()


@pytest.fixture
def other_console(gateway: GatewayServer) -> Iterator[ConsoleClient]:
    """Signed in as the user of another merchant."""
    client = signed_in(gateway, console_account(gateway, standard_merchant(gateway, "other shop")))
    yield client
    client.close()

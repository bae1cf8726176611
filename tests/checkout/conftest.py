"""Fixtures of the payment-window tests: a shop site on its own origin and a merchant with the
channels the seeds' examples need (KG INICIS window + billing, Kakao Pay, KG Mobilians + billing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.checkout.shop_site import ShopSite
from tests.harness import GatewayServer, TestMerchant


@pytest.fixture(scope="session")
def shop_site() -> Iterator[ShopSite]:
    site = ShopSite()
    yield site
    site.stop()


@pytest.fixture
def window_shop(gateway: GatewayServer) -> TestMerchant:
    merchant = gateway.create_merchant("window shop")
    merchant.add_channel("html5_inicis", "general", default=True)
    merchant.add_channel("html5_inicis", "subscription")
    merchant.add_channel("kakaopay", "simple")
    merchant.add_channel("mobilians", "general")
    merchant.add_channel("mobilians", "subscription")
    return merchant

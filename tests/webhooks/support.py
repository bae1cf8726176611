"""Helpers of the webhook tests: running the delivery job as the worker would, and reading the log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from paymux.services.merchants import set_webhook_url
from paymux.webhooks.delivery import deliver_due_webhooks
from paymux.webhooks.outbox import WebhookEvent, list_webhook_events, webhook_secret
from tests.harness import GatewayServer, TestMerchant, unique


def drain(gateway: GatewayServer, **options: Any) -> int:
    """Run the delivery job until nothing is due at the gateway's current time, as the worker does."""
    handled = 0
    for _ in range(100):
        taken = gateway.call(lambda rt: deliver_due_webhooks(rt, **options))
        if taken == 0:
            return handled
        handled += taken
    raise AssertionError("the delivery job never ran out of due webhooks")


def events_about(gateway: GatewayServer, shop: TestMerchant, imp_uids: Iterable[str] | None = None) -> list[WebhookEvent]:
    """The shop's webhook events (oldest first), optionally only those about some payments."""
    events = gateway.call(lambda rt: list_webhook_events(rt, shop.merchant.id, limit=200))
    wanted = None if imp_uids is None else set(imp_uids)
    return [e for e in reversed(events) if wanted is None or e.imp_uid in wanted]


@dataclass
class HookedShop:
    """A merchant with a billing key and a webhook URL, and the secret its receiver verifies with."""

    shop: TestMerchant
    customer_uid: str
    secret: str

    def charge(self, amount: int = 3000, **extra: Any) -> dict[str, Any]:
        return self.shop.again(self.customer_uid, unique("order"), amount, **extra).expect_ok()


def hook_up(gateway: GatewayServer, shop: TestMerchant, url: str | None) -> HookedShop:
    gateway.call(lambda rt: set_webhook_url(rt, shop.merchant.id, url))
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    secret = gateway.call(lambda rt: webhook_secret(rt, shop.merchant.id))
    return HookedShop(shop, customer_uid, secret)

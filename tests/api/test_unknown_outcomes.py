"""A PG answer lost in transit is never guessed: the attempt stays pending until inquiry settles it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from paymux.domain import ids
from paymux.domain.payment import Payment
from paymux.services.channels import list_channels
from paymux.services.charging import record_attempt
from paymux.services.merchants import set_webhook_url
from paymux.services.reconcile import settle_pending_outcomes
from paymux.store.schema import webhook_events
from tests.harness import CARD_OK, CARD_TIMEOUT_APPROVED, CARD_TIMEOUT_DECLINED, GatewayServer, TestMerchant, unique


@pytest.fixture(autouse=True)
def _shop_listens_for_webhooks(gateway: GatewayServer, shop: TestMerchant) -> None:
    """Webhook rows are written only where a delivery can happen (issue #15), so the shop whose
    notifications these tests read has a webhook URL (a closed port: nothing needs to answer)."""
    gateway.call(lambda rt: set_webhook_url(rt, shop.merchant.id, "http://127.0.0.1:9/hook"))


def _onetime(shop: TestMerchant, card: str, order: str) -> dict:
    body = {"merchant_uid": order, "amount": 8_800, "name": "단건", "card_number": card, "expiry": "2030-12", "birth": "820213"}
    return shop.api("POST", "/subscribe/payments/onetime", json=body).body


def _settle(gateway: GatewayServer) -> int:
    gateway.clock.advance(gateway.settings.pending_outcome_grace_seconds + 1)
    try:
        return gateway.call(settle_pending_outcomes)
    finally:
        gateway.clock.reset()


def _webhook_statuses(gateway: GatewayServer, imp_uid: str) -> list[str]:
    async def load(runtime):  # type: ignore[no-untyped-def]
        async with runtime.database.reading() as connection:
            rows = await connection.execute(select(webhook_events.c.payload).where(webhook_events.c.imp_uid == imp_uid))
            return [row.payload for row in rows]

    return [json.loads(payload)["status"] for payload in gateway.call(load)]


def test_timeout_then_approved_by_inquiry(gateway: GatewayServer, shop: TestMerchant) -> None:
    order = unique("order")
    reply = _onetime(shop, CARD_TIMEOUT_APPROVED, order)
    assert reply["code"] == -1 and "confirming the outcome" in reply["message"]
    pending = reply["response"]
    assert pending["status"] == "ready"
    # while it is pending the order is claimed: a retry cannot charge it a second time
    assert _onetime(shop, CARD_OK, order)["code"] == -1
    assert _webhook_statuses(gateway, pending["imp_uid"]) == []

    assert _settle(gateway) >= 1
    settled = shop.api("GET", f"/payments/{pending['imp_uid']}").expect_ok()
    assert settled["status"] == "paid" and settled["pg_tid"]
    assert _webhook_statuses(gateway, pending["imp_uid"]) == ["paid"]
    assert _onetime(shop, CARD_OK, order)["code"] == -1  # paid now, for good


def test_timeout_then_declined_frees_the_order(gateway: GatewayServer, shop: TestMerchant) -> None:
    order = unique("order")
    pending = _onetime(shop, CARD_TIMEOUT_DECLINED, order)["response"]
    _settle(gateway)
    settled = shop.api("GET", f"/payments/{pending['imp_uid']}").expect_ok()
    assert settled["status"] == "failed" and "승인거절" in settled["fail_reason"]
    assert _onetime(shop, CARD_OK, order)["response"]["status"] == "paid"


def test_attempt_interrupted_before_the_pg_call_is_failed_by_inquiry(gateway: GatewayServer, shop: TestMerchant) -> None:
    """As after a crash between recording the attempt and calling the PG."""
    channels = gateway.call(lambda rt: list_channels(rt, shop.merchant.id))
    channel = next(c for c in channels if c.pay_type.value == "api")
    now = gateway.clock.now()
    attempt = Payment(
        imp_uid=ids.new_imp_uid(), merchant_id=shop.merchant.id, merchant_uid=unique("order"), amount=1_000,
        channel_id=channel.id, pg_provider=channel.pg_provider, started_at=now, updated_at=now, status_at=now,
        outcome_pending=True,
    )
    gateway.call(lambda rt: record_attempt(rt, attempt))
    retry = shop.issue_key(unique("cust"))
    customer_uid = retry.expect_ok()["customer_uid"]
    assert shop.again(customer_uid, attempt.merchant_uid).code == -1  # the journaled claim holds the order
    gateway.call(settle_pending_outcomes)  # within the grace period the PG is not asked yet
    assert shop.api("GET", f"/payments/{attempt.imp_uid}").status == 404
    _settle(gateway)
    failed = shop.api("GET", f"/payments/{attempt.imp_uid}").expect_ok()
    assert failed["status"] == "failed" and "no record" in failed["fail_reason"]
    assert _webhook_statuses(gateway, attempt.imp_uid) == ["failed"]
    assert shop.again(customer_uid, attempt.merchant_uid).expect_ok()["status"] == "paid"  # released


def test_onetime_with_customer_uid_keeps_its_key_when_approved_by_inquiry(gateway: GatewayServer, shop: TestMerchant) -> None:
    """The key issued for a onetime charge is kept even when the approval is learned later."""
    order, customer_uid = unique("keep"), unique("cust")
    body = {"merchant_uid": order, "amount": 8_800, "name": "첫 달", "card_number": CARD_TIMEOUT_APPROVED, "expiry": "2030-12",
            "birth": "820213", "customer_uid": customer_uid}
    pending = shop.api("POST", "/subscribe/payments/onetime", json=body).body["response"]
    assert pending["status"] == "ready"
    assert shop.api("GET", f"/subscribe/customers/{customer_uid}").status == 404  # not yet: nothing approved
    _settle(gateway)
    assert shop.api("GET", f"/payments/{pending['imp_uid']}").expect_ok()["status"] == "paid"
    key = shop.api("GET", f"/subscribe/customers/{customer_uid}").expect_ok()
    assert key["card_number"] == "400000******0119"
    later = shop.again(customer_uid, unique("next"))  # the kept key reaches the PG (this test card times out again)
    assert (later.code, later.response["status"]) == (-1, "ready")
    charged = shop.api("GET", f"/subscribe/customers/{customer_uid}/payments").expect_ok()
    assert pending["imp_uid"] in [p["imp_uid"] for p in charged["list"]]

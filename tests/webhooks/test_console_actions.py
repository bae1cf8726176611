"""What the console offers a merchant: its signing secret, a test webhook, the log, resending."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from paymux.domain.errors import InvalidParameter, NotFound
from paymux.services.merchants import set_webhook_url
from paymux.store.schema import merchants
from paymux.webhooks.delivery import send_test_webhook
from paymux.webhooks.outbox import list_webhook_events, resend_webhook, webhook_secret
from tests.harness import GatewayServer, TestMerchant
from tests.webhooks.receiver import DOWN, DOWN_BODY, Receiver, verify
from tests.webhooks.support import HookedShop, drain, events_about


def test_the_secret_is_made_once_kept_sealed_and_differs_per_merchant(
    gateway: GatewayServer, shop: TestMerchant, other_shop: TestMerchant
) -> None:
    async def five_at_once(runtime):  # type: ignore[no-untyped-def]
        return await asyncio.gather(*(webhook_secret(runtime, shop.merchant.id) for _ in range(5)))

    first_use = gateway.call(five_at_once)
    assert len(set(first_use)) == 1 and first_use[0].startswith("whsec_")
    assert gateway.call(lambda rt: webhook_secret(rt, shop.merchant.id)) == first_use[0]
    assert gateway.call(lambda rt: webhook_secret(rt, other_shop.merchant.id)) != first_use[0]

    async def stored(runtime):  # type: ignore[no-untyped-def]
        async with runtime.database.reading() as connection:
            query = select(merchants.c.webhook_secret_ciphertext).where(merchants.c.id == shop.merchant.id)
            return (await connection.execute(query)).scalar_one()

    assert first_use[0].removeprefix("whsec_").encode() not in gateway.call(stored)
    with pytest.raises(NotFound):
        gateway.call(lambda rt: webhook_secret(rt, 10**9))


def test_send_test_webhook_reports_what_the_receiver_answered(
    gateway: GatewayServer, hooked: HookedShop, receiver: Receiver
) -> None:
    result = gateway.call(lambda rt: send_test_webhook(rt, hooked.shop.merchant))
    assert (result["ok"], result["status_code"], result["response_excerpt"], result["error"]) == (True, 200, "ok", None)
    assert result["url"] == receiver.url("/hook") and result["latency_ms"] >= 0
    (request,) = [r for r in receiver.requests if r.webhook_id == result["webhook_id"]]
    assert verify(hooked.secret, request)["status"] == "test"

    receiver.answer(DOWN)
    failed = gateway.call(lambda rt: send_test_webhook(rt, hooked.shop.merchant))
    assert (failed["ok"], failed["status_code"], failed["response_excerpt"]) == (False, 503, DOWN_BODY)

    receiver.close()
    unreachable = gateway.call(lambda rt: send_test_webhook(rt, hooked.shop.merchant))
    assert unreachable["status_code"] is None and unreachable["error"] == "could not deliver: no HTTP response"
    assert events_about(gateway, hooked.shop) == []  # a test is not a queued event

    gateway.call(lambda rt: set_webhook_url(rt, hooked.shop.merchant.id, None))
    with pytest.raises(InvalidParameter, match="webhook_url"):
        gateway.call(lambda rt: send_test_webhook(rt, hooked.shop.merchant))


def test_the_log_lists_newest_first_pages_back_and_resend_is_per_merchant(
    gateway: GatewayServer, hooked: HookedShop, other_shop: TestMerchant, receiver: Receiver
) -> None:
    payments = [hooked.charge() for _ in range(3)]
    drain(gateway)
    newest = gateway.call(lambda rt: list_webhook_events(rt, hooked.shop.merchant.id, limit=2))
    assert [e.imp_uid for e in newest] == [payments[2]["imp_uid"], payments[1]["imp_uid"]]
    older = gateway.call(lambda rt: list_webhook_events(rt, hooked.shop.merchant.id, limit=2, before_id=newest[-1].id))
    assert [e.imp_uid for e in older] == [payments[0]["imp_uid"]]
    row = older[0].as_dict()
    assert row["state"] == "delivered" and row["webhook_id"] == f"msg_{row['id']}"
    assert row["attempts"][0]["status_code"] == 200 and row["payload"]["status"] == "paid"
    assert gateway.call(lambda rt: list_webhook_events(rt, other_shop.merchant.id)) == []
    with pytest.raises(InvalidParameter):
        gateway.call(lambda rt: list_webhook_events(rt, hooked.shop.merchant.id, limit=0))

    with pytest.raises(NotFound):
        gateway.call(lambda rt: resend_webhook(rt, other_shop.merchant.id, older[0].id))
    resent = gateway.call(lambda rt: resend_webhook(rt, hooked.shop.merchant.id, older[0].id))
    assert (resent.state, resent.delivered_at) == ("pending", None)
    drain(gateway)
    again = [r for r in receiver.about({payments[0]["imp_uid"]}) if r.answered == 200]
    assert [r.webhook_id for r in again] == [resent.webhook_id] * 2
    assert all(verify(hooked.secret, r)["imp_uid"] == payments[0]["imp_uid"] for r in again)

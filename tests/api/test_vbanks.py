"""Virtual accounts: issued → deposit → paid → refunds, and expiry, each with its webhook."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from paymux.services.merchants import set_webhook_url
from paymux.services.vbanks import expire_due_vbanks
from paymux.store.schema import webhook_events
from tests.harness import GatewayServer, TestMerchant, unique


@pytest.fixture(autouse=True)
def _shop_listens_for_webhooks(gateway: GatewayServer, shop: TestMerchant) -> None:
    """Webhook rows are written only where a delivery can happen (issue #15), so the shop whose
    notifications these tests read has a webhook URL (a closed port: nothing needs to answer)."""
    gateway.call(lambda rt: set_webhook_url(rt, shop.merchant.id, "http://127.0.0.1:9/hook"))

REFUND = {"refund_holder": "홍길동", "refund_bank": "088", "refund_account": "110123456789"}


def _webhooks(gateway: GatewayServer, imp_uid: str) -> list[dict]:
    async def load(runtime):  # type: ignore[no-untyped-def]
        async with runtime.database.reading() as connection:
            rows = await connection.execute(
                select(webhook_events.c.payload).where(webhook_events.c.imp_uid == imp_uid).order_by(webhook_events.c.id)
            )
            return [json.loads(row.payload) for row in rows]

    return gateway.call(load)


def _issue(shop: TestMerchant, gateway: GatewayServer, order: str | None = None, **extra: object):  # type: ignore[no-untyped-def]
    body = {
        "merchant_uid": order or unique("order"), "amount": 25_000, "vbank_code": "004",
        "vbank_due": gateway.clock.now() + 3 * 86_400, "vbank_holder": "페이먹스상점", "name": "가상계좌 주문", **extra,
    }
    return shop.api("POST", "/vbanks", json=body)


def test_issue_deposit_and_refunds_each_send_a_webhook(gateway: GatewayServer, shop: TestMerchant) -> None:
    issued = _issue(shop, gateway).expect_ok()
    assert (issued["status"], issued["pay_method"], issued["amount"]) == ("ready", "vbank", 25_000)
    assert (issued["vbank_code"], issued["vbank_name"], issued["vbank_holder"]) == ("004", "KB국민은행", "페이먹스상점")
    assert len(issued["vbank_num"]) == 14 and issued["vbank_date"] > issued["vbank_issued_at"] > 0
    imp_uid = issued["imp_uid"]
    assert [w["status"] for w in _webhooks(gateway, imp_uid)] == ["ready"]

    paid = shop.api("POST", f"/vbanks/{imp_uid}/deposit", json={"amount": 25_000}).expect_ok()
    assert paid["status"] == "paid" and paid["paid_at"] > 0
    assert shop.api("GET", f"/payments/{imp_uid}").expect_ok()["status"] == "paid"

    no_account = shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 5_000})
    assert no_account.status == 400 and "refund_holder" in no_account.message
    partial = shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 5_000, **REFUND}).expect_ok()
    assert (partial["status"], partial["cancel_amount"]) == ("paid", 5_000)
    rest = shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, **REFUND}).expect_ok()
    assert (rest["status"], rest["cancel_amount"]) == ("cancelled", 25_000)

    hooks = _webhooks(gateway, imp_uid)
    assert [w["status"] for w in hooks] == ["ready", "paid", "paid", "cancelled"]
    assert all("cancellation_id" in w for w in hooks[2:])


def test_expired_account_fails_with_a_webhook_and_frees_the_order(gateway: GatewayServer, shop: TestMerchant) -> None:
    order = unique("order")
    issued = _issue(shop, gateway, order, vbank_due=gateway.clock.now() + 600).expect_ok()
    gateway.call(expire_due_vbanks)  # before the deadline it stays open
    assert shop.api("GET", f"/payments/{issued['imp_uid']}").expect_ok()["status"] == "ready"
    gateway.clock.advance(601)
    try:
        assert gateway.call(expire_due_vbanks) >= 1
        expired = shop.api("GET", f"/payments/{issued['imp_uid']}").expect_ok()
        late = shop.api("POST", f"/vbanks/{issued['imp_uid']}/deposit", json={})
    finally:
        gateway.clock.reset()
    assert expired["status"] == "failed" and "만료" in expired["fail_reason"]
    assert [w["status"] for w in _webhooks(gateway, issued["imp_uid"])] == ["ready", "failed"]
    assert late.code == -1 and "no longer awaiting" in late.message
    assert _issue(shop, gateway, order).expect_ok()["status"] == "ready"  # the order may be paid again


def test_an_order_awaiting_a_deposit_cannot_be_charged_twice(gateway: GatewayServer, shop: TestMerchant) -> None:
    order = unique("order")
    _issue(shop, gateway, order).expect_ok()
    assert _issue(shop, gateway, order).code == -1
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    assert shop.again(uid, order, 25_000).code == -1


def test_revoke_and_change(gateway: GatewayServer, shop: TestMerchant) -> None:
    issued = _issue(shop, gateway).expect_ok()
    imp_uid = issued["imp_uid"]
    new_due = gateway.clock.now() + 7 * 86_400
    changed = shop.api("PUT", f"/vbanks/{imp_uid}", json={"amount": 30_000, "vbank_due": new_due}).expect_ok()
    assert (changed["amount"], changed["vbank_date"], changed["status"]) == (30_000, new_due, "ready")
    wrong = shop.api("POST", f"/vbanks/{imp_uid}/deposit", json={"amount": 25_000})
    assert wrong.code == -1 and "does not match" in wrong.message
    revoked = shop.api("DELETE", f"/vbanks/{imp_uid}").expect_ok()
    assert revoked["status"] == "failed" and "취소" in revoked["fail_reason"]
    assert shop.api("DELETE", f"/vbanks/{imp_uid}").code == -1
    assert [w["status"] for w in _webhooks(gateway, imp_uid)] == ["ready", "failed"]


def test_account_holder_lookup(shop: TestMerchant) -> None:
    assert shop.api("GET", "/vbanks/holder", params={"bank_code": "088", "bank_num": "110-123-456789"}).expect_ok() == {
        "bank_holder": "홍길동"
    }
    missing = shop.api("GET", "/vbanks/holder", params={"bank_code": "088", "bank_num": "1101230000"})
    assert missing.code == -1 and "no such account" in missing.message
    assert shop.api("GET", "/vbanks/holder", params={"bank_code": "8", "bank_num": "1101230000"}).status == 400


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"vbank_due": 100}, 400, "vbank_due"),
        ({"vbank_due": "tomorrow"}, 400, "vbank_due"),
        ({"amount": 10.5}, 400, "amount"),
        ({"vbank_code": None}, 400, "vbank_code"),
        ({"vbank_code": "999"}, 200, "vbank_code"),
    ],
)
def test_bad_vbank_requests(gateway: GatewayServer, shop: TestMerchant, change: dict, status: int, field: str) -> None:
    reply = _issue(shop, gateway, **change)
    assert (reply.status, reply.code, reply.response) == (status, -1, None)
    assert field in reply.message


def test_unknown_and_foreign_accounts_are_404(shop: TestMerchant, other_shop: TestMerchant, gateway: GatewayServer) -> None:
    issued = _issue(shop, gateway).expect_ok()
    assert other_shop.api("POST", f"/vbanks/{issued['imp_uid']}/deposit", json={}).status == 404
    assert other_shop.api("DELETE", f"/vbanks/{issued['imp_uid']}").status == 404
    assert shop.api("PUT", "/vbanks/imp_000000000000", json={"amount": 1}).status == 404


def test_kakaopay_only_merchant_has_no_virtual_accounts(gateway: GatewayServer) -> None:
    merchant = gateway.create_merchant()
    merchant.add_channel("kakaopay", "simple")
    reply = _issue(merchant, gateway)
    assert reply.code == -1 and "virtual accounts" in reply.message

"""A retried or concurrent request never charges twice."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.harness import GatewayServer, TestMerchant, unique
from tests.postgres import run_coroutine


async def _burst(gateway: GatewayServer, token: str, bodies: list[dict]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(bodies))
    async with httpx.AsyncClient(base_url=gateway.base_url, timeout=120, limits=limits) as client:
        return await asyncio.gather(
            *(client.post("/subscribe/payments/again", json=body, headers={"Authorization": token}) for body in bodies)
        )


def test_fifty_concurrent_charges_of_one_order_pay_once(gateway: GatewayServer, shop: TestMerchant) -> None:
    uid, order = unique("cust"), unique("order")
    shop.issue_key(uid).expect_ok()
    body = {"customer_uid": uid, "merchant_uid": order, "amount": 7_700, "name": "race"}
    replies = run_coroutine(_burst(gateway, shop.token(), [body] * 50))

    assert all(reply.status_code == 200 for reply in replies)
    codes = Counter(reply.json()["code"] for reply in replies)
    assert codes == {0: 1, -1: 49}
    winner = next(reply.json()["response"] for reply in replies if reply.json()["code"] == 0)
    stored = shop.api("GET", f"/payments/findAll/{order}").expect_ok()
    assert stored["total"] == 1
    assert stored["list"][0]["imp_uid"] == winner["imp_uid"] and stored["list"][0]["status"] == "paid"
    paid_list = shop.api("GET", "/payments/status/paid", params={"limit": 100}).expect_ok()["list"]
    assert sum(1 for p in paid_list if p["merchant_uid"] == order) == 1


def test_concurrent_charges_of_different_orders_all_pay(gateway: GatewayServer, shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    bodies = [{"customer_uid": uid, "merchant_uid": unique("order"), "amount": 1_000 + i, "name": "주문"} for i in range(30)]
    replies = run_coroutine(_burst(gateway, shop.token(), bodies))
    assert [reply.json()["code"] for reply in replies] == [0] * 30
    history = shop.api("GET", f"/subscribe/customers/{uid}/payments", params={"limit": 100}).expect_ok()
    assert history["total"] == 30
    assert sum(p["amount"] for p in history["list"]) == sum(b["amount"] for b in bodies)


def test_concurrent_partial_cancels_never_exceed_the_amount(gateway: GatewayServer, shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    paid = shop.again(uid, unique("order"), 10_000).expect_ok()

    async def cancel_burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=gateway.base_url, timeout=120) as client:
            return await asyncio.gather(
                *(
                    client.post("/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 3_000},
                                headers={"Authorization": shop.token()})
                    for _ in range(10)
                )
            )

    replies = run_coroutine(cancel_burst())
    assert Counter(reply.json()["code"] for reply in replies) == {0: 3, -1: 7}
    final = shop.api("GET", f"/payments/{paid['imp_uid']}").expect_ok()
    assert (final["cancel_amount"], final["status"], len(final["cancel_history"])) == (9_000, "paid", 3)

"""A virtual account's life as the merchant's webhook receiver sees it, every step signed."""

from __future__ import annotations

from paymux.services.vbanks import expire_due_vbanks
from tests.harness import GatewayServer, unique
from tests.webhooks.receiver import Receiver, verify
from tests.webhooks.support import HookedShop, drain

REFUND = {"refund_holder": "홍길동", "refund_bank": "088", "refund_account": "110123456789"}


def _issue(gateway: GatewayServer, hooked: HookedShop, due_in: int) -> str:
    body = {"merchant_uid": unique("order"), "amount": 40_000, "vbank_code": "088", "vbank_holder": "상점",
            "vbank_due": gateway.clock.now() + due_in}
    return hooked.shop.api("POST", "/vbanks", json=body).expect_ok()["imp_uid"]


def _received(receiver: Receiver, hooked: HookedShop, imp_uid: str) -> list[dict]:
    arrived = receiver.about([imp_uid])
    for request in arrived:
        verify(hooked.secret, request)
    return [request.payload for request in arrived]


def test_issued_deposit_paid_refund_each_reach_the_receiver(gateway: GatewayServer, hooked: HookedShop, receiver: Receiver) -> None:
    imp_uid = _issue(gateway, hooked, 86_400)
    drain(gateway)
    assert [p["status"] for p in _received(receiver, hooked, imp_uid)] == ["ready"]

    hooked.shop.api("POST", f"/vbanks/{imp_uid}/deposit", json={}).expect_ok()
    drain(gateway)
    hooked.shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 10_000, **REFUND}).expect_ok()
    drain(gateway)

    payloads = _received(receiver, hooked, imp_uid)
    assert [p["status"] for p in payloads] == ["ready", "paid", "paid"]
    assert "cancellation_id" in payloads[2]
    reread = hooked.shop.api("GET", f"/payments/{imp_uid}").expect_ok()  # what a receiver does next
    assert (reread["status"], reread["cancel_amount"]) == ("paid", 10_000)


def test_expiry_reaches_the_receiver_as_failed(gateway: GatewayServer, hooked: HookedShop, receiver: Receiver) -> None:
    imp_uid = _issue(gateway, hooked, 3_600)
    drain(gateway)  # the hour before the deadline, in which 'ready' goes out
    gateway.clock.advance(3_601)
    assert gateway.call(expire_due_vbanks) >= 1
    drain(gateway)
    assert [p["status"] for p in _received(receiver, hooked, imp_uid)] == ["ready", "failed"]
    hooked.shop._token = None  # an hour passed: the old access token expired
    assert hooked.shop.api("GET", f"/payments/{imp_uid}").expect_ok()["status"] == "failed"

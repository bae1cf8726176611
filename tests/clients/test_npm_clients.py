"""The four npm i'mport V1 clients, pointed at paymux, call every method they offer (issue #10).

npm ``iamport`` 0.3.4, ``iamport-rest-client-nodejs`` 0.9.12 (i'mport's own), ``iamporter`` 1.4.2 and
``iamport-server-api`` 10.0.0 (samchon's typed SDK) run under the machine's Node.js (``driver.js``),
installed by ``scripts/ensure-npm-clients.sh`` from the committed lock. Each test first asserts that
the methods it calls are exactly the methods the installed package offers (read from its source),
so a method cannot be skipped silently; then every call is asserted on what the client hands its
caller. One paymux per backend (the session's ``gateway``), one merchant and one driver per module.

Sources of the expected answers, by group (cited again where used):
- [REF] i'mport's API reference (api.iamport.kr, PortOne's V1 openapi), as summed up in
  ``../shared/docs/iamport-v1-api.md``, docs/compat-endpoints.md and docs/declines.md;
- [MSG] docs/messages.md (exact messages, each with the client test that compares it);
- [PKG] the client's own source/README (what it sends, how it reports a status or a code).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.clients.node import NodeClients, ensure_installed
from tests.harness import CARD_OK, CARD_REFUSED, GatewayServer, TestMerchant, standard_merchant, unique

CARD = {"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
MASKED = "536148******1234"
UNKNOWN_IMP_UID = "imp_000000000000"
PERSON = {"name": "홍길동", "phone": "010-1234-5678", "birth": "19900115", "gender_digit": "1", "carrier": "SKT"}
SENDER = {"name": "판매자", "tel": "02-123-4567", "addr": "서울 중구", "postcode": "04524"}
RECEIVER = {"name": "구매자", "tel": "010-1234-5678", "addr": "부산 해운대구", "postcode": "48058"}
KST = timezone(timedelta(hours=9))
# [REF] docs/compat-endpoints.md "Refusals": a Naver Pay / PAYCO call on another PG's payment.
NOT_NAVER = "네이버페이 결제건이 아닙니다."
NOT_PAYCO = "페이코 결제건이 아닙니다."


@dataclass
class World:
    gateway: GatewayServer
    shop: TestMerchant
    node: NodeClients
    methods: dict[str, list[str]]


@pytest.fixture(scope="module")
def world(gateway: GatewayServer) -> Iterator[World]:
    ensure_installed()
    shop = standard_merchant(gateway, "npm clients")
    shop.add_channel("kakaopay", "simple", mid="TC0ONETIME")
    node = NodeClients(gateway.base_url, shop.imp_key, shop.imp_secret)
    try:
        yield World(gateway, shop, node, node.methods())
    finally:
        node.close()


class Calls:
    """Calls one client's methods through the driver and remembers which were called."""

    def __init__(self, world: World, client: str) -> None:
        self.world, self.client, self.called = world, client, set[str]()

    def __call__(self, method: str, *args: Any) -> dict[str, Any]:
        self.called.add(method)
        return self.world.node.call(self.client, method, *args)

    def assert_every_method_called(self) -> None:
        assert sorted(self.called) == self.world.methods[self.client]


# ------------------------------------------------------------------------- set-up as a shop would


def paid_vbank(world: World, amount: int = 22_000) -> dict[str, Any]:
    """A virtual account paid in the sandbox (a cash payment, which a cash receipt is for)."""
    issued = world.shop.api("POST", "/vbanks", json={
        "merchant_uid": unique("vb"), "amount": amount, "vbank_code": "088", "name": "현금 주문",
        "vbank_due": world.gateway.clock.now() + 86_400, "vbank_holder": "페이먹스",
    }).expect_ok()
    return world.shop.api("POST", f"/vbanks/{issued['imp_uid']}/deposit", json={"amount": amount}).expect_ok()


def escrow_card_payment(world: World, amount: int = 30_000) -> dict[str, Any]:
    """``IMP.request_pay({escrow: true})`` paid by card: the window's own two form posts."""
    base = world.gateway.base_url
    param = {"pg": "html5_inicis", "pay_method": "card", "merchant_uid": unique("esc"), "name": "에스크로 주문",
             "amount": amount, "escrow": True, "buyer_tel": "010-1234-5678"}
    window = httpx.post(f"{base}/checkout/window", timeout=30, data={
        "origin": "http://127.0.0.1:1", "user_code": world.shop.user_code, "display": "popup",
        "param": json.dumps(param, ensure_ascii=False)})
    ticket = re.search(r'name="ticket" value="([^"]+)"', window.text)
    assert ticket, window.text[:500]
    approved = httpx.post(f"{base}/checkout/approve", timeout=30, data={"ticket": ticket.group(1), "card_company": "367", **CARD})
    rsp = json.loads(re.search(r'id="rsp">(.*?)</script>', approved.text, re.S).group(1))
    assert (rsp["success"], rsp["status"]) == (True, "paid"), rsp
    return rsp


def certified(world: World) -> str:
    imp_uid = world.shop.api("POST", "/certifications/otp/request", json=PERSON).expect_ok()["imp_uid"]
    world.shop.api("POST", f"/certifications/otp/confirm/{imp_uid}", json={"otp": "123456"}).expect_ok()
    return imp_uid


def shipping(company: str = "CJGLS", invoice: str = "123456789012") -> dict[str, Any]:
    return {"sender": SENDER, "receiver": RECEIVER, "logis": {"company": company, "invoice": invoice, "sent_at": 1_760_000_000}}


def today_kst(world: World) -> str:
    return datetime.fromtimestamp(world.gateway.clock.now(), KST).strftime("%Y%m%d")


# ------------------------------------------------------------------------- iamport-rest-client-nodejs


def rc_ok(answer: dict[str, Any]) -> Any:
    """[PKG] the client resolves an axios response whose data is {code: 0, message, response}."""
    assert answer["ok"], answer
    assert (answer["value"]["status"], answer["value"]["data"]["code"]) == (200, 0), answer
    return answer["value"]["data"]["response"]


def rc_refused(answer: dict[str, Any], status: int | None, code: int = -1, text: str | None = None) -> str:
    """[PKG] HTTP errors reject with axios' error (its status); code != 0 on HTTP 200 rejects with
    ``{response: {data}}`` (no status)."""
    assert not answer["ok"], answer
    error = answer["error"]
    assert (error["status"], error["data"]["code"], error["data"]["response"]) == (status, code, None), answer
    if text is not None:
        assert text in error["data"]["message"], answer
    return error["data"]["message"]


def test_iamport_rest_client_nodejs_calls_every_method(world: World) -> None:
    rc = Calls(world, "iamport-rest-client-nodejs")
    now = world.gateway.clock.now()

    # Token [REF]: {access_token, now, expired_at}; a wrong secret is HTTP 401.
    token = rc_ok(rc("Authenticate.getToken", {"imp_key": world.shop.imp_key, "imp_secret": world.shop.imp_secret}))
    assert token["access_token"] and token["expired_at"] and token["now"]  # [PKG] the client makes them Dates
    rc_refused(rc("Authenticate.getToken", {"imp_key": world.shop.imp_key, "imp_secret": "wrong"}), 401)

    # Code tables [REF] (KFTC bank codes; i'mport's card codes); the README's example reads one bank.
    assert {"code": "088", "name": "신한은행"} in rc_ok(rc("Banks.getBanks"))
    assert rc_ok(rc("Banks.getBank", {"code": "023"})) == {"code": "023", "name": "SC제일은행"}
    assert {"code": "367", "name": "현대카드"} in rc_ok(rc("Cards.getCards"))
    assert rc_ok(rc("Cards.getCard", {"code": "361"})) == {"code": "361", "name": "BC카드"}
    rc_refused(rc("Banks.getBank", {"code": "999"}), 404)

    # Billing key [REF]: masked number, the card company the number identifies.
    customer_uid = unique("cu")
    key = rc_ok(rc("Customers.postBillingKey", {"customer_uid": customer_uid, **CARD, "customer_name": "홍길동"}))
    assert (key["customer_uid"], key["card_number"], key["card_code"], key["card_name"]) == (customer_uid, MASKED, "367", "현대카드")
    assert rc_ok(rc("Customers.getBillingKey", {"customer_uid": customer_uid}))["customer_uid"] == customer_uid
    assert [k["customer_uid"] for k in rc_ok(rc("Customers.getBillingKeys", {"customer_uid": [customer_uid]}))] == [customer_uid]

    # Charges [REF]/docs/declines.md: approved → code 0 paid; declined → code 0 with the failed payment.
    order = unique("order")
    paid = rc_ok(rc("Subscribe.again", {"customer_uid": customer_uid, "merchant_uid": order, "amount": 10_000, "name": "월 구독"}))
    assert (paid["status"], paid["amount"], paid["merchant_uid"], paid["customer_uid"]) == ("paid", 10_000, order, customer_uid)
    keyin = rc_ok(rc("Subscribe.onetime", {"merchant_uid": unique("order"), "amount": 5_000, "name": "단건", **CARD}))
    assert (keyin["status"], keyin["amount"], keyin["card_number"]) == ("paid", 5_000, MASKED)
    declined = rc_ok(rc("Subscribe.onetime", {"merchant_uid": unique("order"), "amount": 5_000, "name": "단건",
                                              **CARD, "card_number": CARD_REFUSED}))
    assert declined["status"] == "failed" and declined["fail_reason"]

    # Lookups [REF] (findAll/status are paged collections {total, previous, next, list}).
    assert rc_ok(rc("Payments.getByImpUid", {"imp_uid": paid["imp_uid"]}))["imp_uid"] == paid["imp_uid"]
    rc_refused(rc("Payments.getByImpUid", {"imp_uid": UNKNOWN_IMP_UID}), 404)
    listed = rc_ok(rc("Payments.getByImpUids", {"imp_uid": [paid["imp_uid"], keyin["imp_uid"]]}))
    assert {p["imp_uid"] for p in listed} == {paid["imp_uid"], keyin["imp_uid"]}
    assert rc_ok(rc("Payments.getByMerchantUid", {"merchant_uid": order, "status": "paid"}))["imp_uid"] == paid["imp_uid"]
    found = rc_ok(rc("Payments.getByMerchantUids", {"merchant_uid": order, "status": "paid"}))
    assert (found["total"], [p["imp_uid"] for p in found["list"]]) == (1, [paid["imp_uid"]])
    by_status = rc_ok(rc("Payments.getByStatus", {"status": "paid", "limit": 100}))
    assert paid["imp_uid"] in {p["imp_uid"] for p in by_status["list"]}
    assert rc_ok(rc("Customers.getPayments", {"customer_uid": customer_uid}))["list"][0]["imp_uid"] == paid["imp_uid"]
    assert rc_ok(rc("Payments.getAmountByImpUid", {"imp_uid": paid["imp_uid"]}))["amount"] == 10_000

    # Cancels [REF], and the exact message of a second full cancel [MSG] (code 1 on HTTP 200).
    partial = rc_ok(rc("Payments.cancel", {"imp_uid": paid["imp_uid"], "amount": 3_000, "reason": "부분 환불"}))
    assert (partial["status"], partial["cancel_amount"]) == ("paid", 3_000)
    full = rc_ok(rc("Payments.cancel", {"merchant_uid": order, "reason": "전액 환불"}))
    assert (full["status"], full["cancel_amount"]) == ("cancelled", 10_000)
    assert rc_refused(rc("Payments.cancel", {"imp_uid": paid["imp_uid"]}), None, 1) == "이미 전액취소된 주문입니다."

    # Prepared amount [REF].
    prepared = unique("prep")
    assert rc_ok(rc("Prepare.postAmount", {"merchant_uid": prepared, "amount": 7_000})) == {"merchant_uid": prepared, "amount": 7_000}
    assert rc_ok(rc("Prepare.getAmount", {"merchant_uid": prepared}))["amount"] == 7_000

    # Schedules [REF]: booked, read three ways, unscheduled.
    booked = unique("sched")
    rc_ok(rc("Customers.postBillingKey", {"customer_uid": customer_uid, **CARD}))
    schedules = rc_ok(rc("Subscribe.schedule", {"customer_uid": customer_uid, "schedules": [
        {"merchant_uid": booked, "schedule_at": now + 86_400, "amount": 2_000, "name": "예약"}]}))
    assert [(s["merchant_uid"], s["schedule_status"]) for s in schedules] == [(booked, "scheduled")]
    assert rc_ok(rc("Subscribe.getScheduled", {"merchant_uid": booked}))["amount"] == 2_000
    window = {"from": now, "to": now + 2 * 86_400}
    assert [s["merchant_uid"] for s in rc_ok(rc("Subscribe.getScheduleds", {"customer_uid": customer_uid, **window}))["list"]] == [booked]
    assert [s["merchant_uid"] for s in rc_ok(rc("Customers.getScheduleds", {"customer_uid": customer_uid, **window}))["list"]] == [booked]
    revoked = rc_ok(rc("Subscribe.unschedule", {"customer_uid": customer_uid, "merchant_uid": [booked]}))
    assert [(s["merchant_uid"], s["schedule_status"]) for s in revoked] == [(booked, "revoked")]

    # Key deleted → gone (HTTP 404) [REF].
    assert rc_ok(rc("Customers.deleteBillingKey", {"customer_uid": customer_uid}))["customer_uid"] == customer_uid
    rc_refused(rc("Customers.getBillingKey", {"customer_uid": customer_uid}), 404)

    # Virtual accounts [REF]: issue, change, revoke; the holder lookup.
    vbank = rc_ok(rc("Vbanks.post", {"merchant_uid": unique("vb"), "amount": 9_000, "vbank_code": "088",
                                     "vbank_due": now + 86_400, "vbank_holder": "페이먹스", "name": "가상계좌"}))
    assert (vbank["status"], vbank["pay_method"], vbank["vbank_code"]) == ("ready", "vbank", "088") and vbank["vbank_num"]
    changed = rc_ok(rc("Vbanks.put", {"imp_uid": vbank["imp_uid"], "amount": 8_000, "vbank_due": now + 2 * 86_400}))
    assert changed["amount"] == 8_000
    assert rc_ok(rc("Vbanks.delete", {"imp_uid": vbank["imp_uid"]}))["imp_uid"] == vbank["imp_uid"]
    assert rc_ok(rc("Vbanks.getHolder", {"bank_code": "088", "bank_num": "110123456789"}))["bank_holder"]

    # Cash receipts of a paid virtual account, and of a sale outside i'mport [REF].
    cash = paid_vbank(world, 22_000)
    receipt = rc_ok(rc("Receipts.postReceipt", {"imp_uid": cash["imp_uid"], "identifier": "01012345678", "identifier_type": "phone"}))
    assert (receipt["imp_uid"], receipt["amount"], receipt["vat"], receipt["cancelled_at"]) == (cash["imp_uid"], 22_000, 2_000, 0)
    assert rc_ok(rc("Receipts.getReceipt", {"imp_uid": cash["imp_uid"]}))["apply_num"] == receipt["apply_num"]
    assert rc_ok(rc("Receipts.deleteReceipt", {"imp_uid": cash["imp_uid"]}))["cancelled_at"] != 0
    outside = unique("cash")
    external = rc_ok(rc("External.postReceipt", {"merchant_uid": outside, "name": "현장 판매", "amount": 11_000,
                                                 "identifier": "01012345678", "identifier_type": "phone"}))
    assert (external["merchant_uid"], external["amount"]) == (outside, 11_000)
    assert rc_ok(rc("External.getReceipt", {"merchant_uid": outside}))["apply_num"] == external["apply_num"]
    assert rc_ok(rc("External.deleteReceipt", {"merchant_uid": outside}))["cancelled_at"] != 0

    # Identity verification [REF].
    person = certified(world)
    got = rc_ok(rc("Certifications.getCertification", {"imp_uid": person}))
    assert (got["imp_uid"], got["certified"], got["name"]) == (person, True, "홍길동")
    rc_ok(rc("Certifications.deleteCertification", {"imp_uid": person}))
    rc_refused(rc("Certifications.getCertification", {"imp_uid": person}), 404)

    # Escrow shipping of an escrow payment [REF]: registered, then changed.
    escrow = escrow_card_payment(world)
    logis = rc_ok(rc("Escrows.postEscrow", {"imp_uid": escrow["imp_uid"], **shipping()}))
    assert (logis["company"], logis["invoice"]) == ("CJGLS", "123456789012")
    moved = rc_ok(rc("Escrows.putEscrow", {"imp_uid": escrow["imp_uid"], **shipping("HANJIN", "999")}))
    assert (moved["company"], moved["invoice"]) == ("HANJIN", "999")

    # Kakao Pay's order list of a merchant with a Kakao Pay channel [REF]; i'mport's own clients
    # (this one's KakaoOrder, the PHP client's Kakaopay) read {page, payment_request_date, cid, orders}.
    day = today_kst(world)
    kakao = rc_ok(rc("Kakao.getOrders", {"payment_request_date": day}))
    assert (kakao["cid"], kakao["payment_request_date"], kakao["orders"]) == ("TC0ONETIME", day, [])

    # Naver Pay and PAYCO: paymux connects neither, so a card payment is another PG's [REF].
    card_payment = keyin["imp_uid"]
    for method, extra in [
        ("NaverCo.place", {"product_order_id": []}), ("NaverCo.ship", {"delivery_method": "DELIVERY"}),
        ("NaverCo.shipExchanged", {}), ("NaverCo.requestReturn", {}), ("NaverCo.withholdReturn", {}),
        ("NaverCo.resolveReturn", {"product_order_id": []}), ("NaverCo.rejectReturn", {}),
        ("NaverCo.approveReturn", {}), ("NaverCo.cancel", {"reason": "PRODUCT_UNSATISFIED"}),
        ("NaverCo.getProductOrderIds", {}), ("NaverPay.postPoint", {}), ("NaverPay.postEscrow", {}),
        ("NaverPay.getCashAmount", {}),
    ]:
        rc_refused(rc(method, {"imp_uid": card_payment, **extra}), 400, text=NOT_NAVER)
    rc_refused(rc("Payco.postOrderStatus", {"imp_uid": card_payment, "status": "DELIVERY_START"}), 400, text=NOT_PAYCO)
    rc_refused(rc("NaverCo.getOrderDetail", {"product_order_id": "2026120112345678"}), 404)
    rc_refused(rc("NaverCo.getReviews", {"from": now - 86_400, "to": now}), 400)

    rc.assert_every_method_called()

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

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.clients import shop_steps
from tests.clients.node import NodeClients, ensure_installed
from tests.clients.shop_steps import CARD, PERSON, shipping
from tests.harness import CARD_OK, CARD_REFUSED, GatewayServer, TestMerchant, standard_merchant, unique

MASKED = "536148******1234"
UNKNOWN_IMP_UID = "imp_000000000000"
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


def test_the_installed_clients_are_the_pinned_versions(world: World) -> None:
    assert world.node.versions() == {
        "iamport": "0.3.4", "iamport-rest-client-nodejs": "0.9.12", "iamporter": "1.4.2", "iamport-server-api": "10.0.0",
    }


# ------------------------------------------------------------------------- set-up as a shop would


def paid_vbank(world: World, amount: int = 22_000) -> dict[str, Any]:
    return shop_steps.paid_vbank(world.gateway, world.shop, amount)


def escrow_card_payment(world: World) -> dict[str, Any]:
    return shop_steps.escrow_card_payment(world.gateway, world.shop)


def certified(world: World) -> str:
    return shop_steps.certified(world.shop)


def today_kst(world: World) -> str:
    return datetime.fromtimestamp(world.gateway.clock.now(), KST).strftime("%Y%m%d")


# ------------------------------------------------------------------------- iamport-rest-client-nodejs


def rc_ok(answer: dict[str, Any]) -> Any:
    """[PKG] the client resolves an axios response whose data is {code: 0, message, response}; its
    response class copies the fields i'mport sends: every one it reads must be in paymux's answer."""
    assert answer["ok"], answer
    assert (answer["value"]["status"], answer["value"]["data"]["code"]) == (200, 0), answer
    assert answer["value"]["unset"] == [], answer["value"]["unset"]
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
    # [PKG] its Prepare class copies merchant_uid and amount only (i'mport also sends currency).
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

    # Naver Pay and PAYCO: paymux connects neither, so a card payment is another PG's [REF]: the
    # reference's 400 for cash-amount is "네이버페이 결제형 거래가 아닌 건에 대해 요청하는 경우"; for the other
    # operations it names no status for another PG's payment, and paymux answers the same 400.
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


def test_billing_key_names_its_card_issuer_and_publisher(world: World) -> None:
    """[REF] CustomerAnnotation: card_issuer_*/card_publisher_* only from PGs that support issuer codes,
    not KG INICIS: present and null. (i'mport's Node client reads them, response/Customer.js.)"""
    customer_uid = unique("cu")
    answer = world.node.call("iamport-rest-client-nodejs", "Customers.postBillingKey", {"customer_uid": customer_uid, **CARD})
    assert answer["ok"] and answer["value"]["unset"] == [], answer
    key = answer["value"]["data"]["response"]
    assert [key[name] for name in ("card_issuer_code", "card_issuer_name", "card_publisher_code", "card_publisher_name")] == [None] * 4


# ------------------------------------------------------------------------- iamport (npm, 0.3.4)


def ia_ok(answer: dict[str, Any]) -> Any:
    """[PKG] lib/resource.js resolves ``result.response`` when ``code`` is 0."""
    assert answer["ok"], answer
    return answer["value"]


def ia_refused(answer: dict[str, Any], code: str, text: str | None = None) -> None:
    """[PKG] HTTP 400/401/404 reject with ``code`` ``HTTP_<status>``; any other non-zero code with
    ``IAMPORT_<code>`` and i'mport's message."""
    assert not answer["ok"] and answer["error"]["code"] == code, answer
    if text is not None:
        assert text in answer["error"]["message"], answer


def test_iamport_npm_calls_every_method(world: World) -> None:
    ia = Calls(world, "iamport")
    now = world.gateway.clock.now()

    # Billing keys, through the current and the legacy names [REF].
    customer_uid, legacy_uid = unique("cu"), unique("cu")
    key = ia_ok(ia("subscribe_customer.create", {"customer_uid": customer_uid, **CARD}))
    assert (key["customer_uid"], key["card_number"], key["card_name"]) == (customer_uid, MASKED, "현대카드")
    assert ia_ok(ia("subscribe_customer.createCustomers", {"customer_uid": legacy_uid, **CARD}))["customer_uid"] == legacy_uid
    assert ia_ok(ia("subscribe_customer.get", {"customer_uid": customer_uid})) == key
    assert ia_ok(ia("subscribe_customer.getCustomers", {"customer_uid": legacy_uid}))["customer_uid"] == legacy_uid

    # Charges [REF]; docs/declines.md: a declining card is code 0 with the failed payment.
    order = unique("order")
    paid = ia_ok(ia("subscribe.again", {"customer_uid": customer_uid, "merchant_uid": order, "amount": 10_000, "name": "월 구독"}))
    assert (paid["status"], paid["amount"], paid["customer_uid_usage"]) == ("paid", 10_000, "payment")
    keyin = ia_ok(ia("subscribe.onetime", {"merchant_uid": unique("order"), "amount": 4_000, "name": "단건", **CARD}))
    assert (keyin["status"], keyin["card_number"]) == ("paid", MASKED)
    declined = ia_ok(ia("subscribe.onetime", {"merchant_uid": unique("order"), "amount": 4_000, "name": "단건",
                                              **CARD, "card_number": CARD_REFUSED}))
    assert declined["status"] == "failed" and declined["fail_reason"]
    ia_refused(ia("subscribe.again", {"customer_uid": unique("nobody"), "merchant_uid": unique("order"), "amount": 1_000}),
               "IAMPORT_-1")  # [MSG] unknown customer_uid: code -1

    # Lookups [REF].
    assert ia_ok(ia("payment.getByImpUid", {"imp_uid": paid["imp_uid"]}))["merchant_uid"] == order
    ia_refused(ia("payment.getByImpUid", {"imp_uid": UNKNOWN_IMP_UID}), "HTTP_404")
    assert ia_ok(ia("payment.getByMerchant", {"merchant_uid": order}))["imp_uid"] == paid["imp_uid"]
    assert paid["imp_uid"] in {p["imp_uid"] for p in ia_ok(ia("payment.getByStatus", {"payment_status": "paid", "limit": 100}))["list"]}

    # Prepared amount [REF].
    prepared = unique("prep")
    assert ia_ok(ia("payment.prepare", {"merchant_uid": prepared, "amount": 8_000})) == {"merchant_uid": prepared, "amount": 8_000, "currency": "KRW"}
    assert ia_ok(ia("payment.getPrepare", {"merchant_uid": prepared}))["amount"] == 8_000

    # Cancel with amount 0 = in full (the package README's example sends it); again → [MSG] code 1.
    cancelled = ia_ok(ia("payment.cancel", {"imp_uid": paid["imp_uid"], "amount": 0, "reason": "환불"}))
    assert (cancelled["status"], cancelled["cancel_amount"]) == ("cancelled", 10_000)
    ia_refused(ia("payment.cancel", {"imp_uid": paid["imp_uid"], "reason": "또"}), "IAMPORT_1", "이미 전액취소된 주문입니다.")

    # Schedules [REF], and [MSG] unscheduling nothing is code 1.
    booked = unique("sched")
    schedules = ia_ok(ia("subscribe.schedule", {"customer_uid": customer_uid, "schedules": [
        {"merchant_uid": booked, "schedule_at": now + 86_400, "amount": 3_000}]}))
    assert [(s["merchant_uid"], s["schedule_status"]) for s in schedules] == [(booked, "scheduled")]
    revoked = ia_ok(ia("subscribe.unschedule", {"customer_uid": customer_uid, "merchant_uid": [booked]}))
    assert [s["schedule_status"] for s in revoked] == ["revoked"]
    ia_refused(ia("subscribe.unschedule", {"customer_uid": customer_uid, "merchant_uid": [booked]}),
               "IAMPORT_1", "취소할 예약결제 기록이 존재하지 않습니다.")

    # Keys deleted → 404 [REF].
    assert ia_ok(ia("subscribe_customer.delete", {"customer_uid": customer_uid}))["customer_uid"] == customer_uid
    assert ia_ok(ia("subscribe_customer.deleteCustomers", {"customer_uid": legacy_uid}))["customer_uid"] == legacy_uid
    ia_refused(ia("subscribe_customer.get", {"customer_uid": customer_uid}), "HTTP_404")

    # Identity verification [REF].
    person = certified(world)
    assert ia_ok(ia("certification.get", {"imp_uid": person}))["certified"] is True
    assert ia_ok(ia("certification.delete", {"imp_uid": person}))["imp_uid"] == person
    ia_refused(ia("certification.get", {"imp_uid": person}), "HTTP_404")

    # Virtual account [REF].
    vbank = ia_ok(ia("vbank.create", {"merchant_uid": unique("vb"), "amount": 9_000, "vbank_code": "004",
                                      "vbank_due": now + 86_400, "vbank_holder": "페이먹스", "name": "가상계좌"}))
    assert (vbank["status"], vbank["vbank_code"], vbank["vbank_name"]) == ("ready", "004", "KB국민은행")

    ia.assert_every_method_called()


# ------------------------------------------------------------------------- iamporter (npm, 1.4.2)


def ip_ok(answer: dict[str, Any]) -> Any:
    """[PKG] resolves {status, message, data: response, raw} for code 0 (and for HTTP 404)."""
    assert answer["ok"] and answer["value"]["status"] == 200 and answer["value"]["raw"]["code"] == 0, answer
    return answer["value"]["data"]


def ip_refused(answer: dict[str, Any], status: int | None, text: str | None = None) -> dict[str, Any]:
    """[PKG] rejects with IamporterError(message, {status, data, raw})."""
    assert not answer["ok"] and answer["error"]["status"] == status, answer
    if text is not None:
        assert text in answer["error"]["message"], answer
    return answer["error"]


def ip_missing(answer: dict[str, Any]) -> None:
    """[PKG] an HTTP 404 resolves (``data`` null): "this payment/key does not exist"."""
    assert answer["ok"] and answer["value"]["status"] == 404 and answer["value"]["data"] is None, answer


def test_iamporter_npm_calls_every_method(world: World) -> None:
    ip = Calls(world, "iamporter")
    now = world.gateway.clock.now()

    token = ip_ok(ip("getToken"))
    assert token["access_token"] and token["expired_at"] > token["now"] > 0
    wrong = ip("getToken", world.shop.imp_key, "wrong")
    ip_refused(wrong, 401, "아임포트 API 인증에 실패하였습니다.")  # [PKG] its own text for any 401

    customer_uid = unique("cu")
    key = ip_ok(ip("createSubscription", {"customer_uid": customer_uid, **CARD}))
    assert (key["customer_uid"], key["card_number"]) == (customer_uid, MASKED)
    assert ip_ok(ip("getSubscription", customer_uid)) == key
    assert ip("isExpiredToken")["value"] is False  # the token taken for these calls is still valid

    # paySubscription/payOnetime resolve a paid payment of the amount asked; a decline (code 0,
    # status failed, docs/declines.md) rejects with its fail_reason ([PKG] _validatePayment).
    order = unique("order")
    paid = ip_ok(ip("paySubscription", {"customer_uid": customer_uid, "merchant_uid": order, "amount": 10_000, "name": "구독"}))
    assert (paid["status"], paid["amount"]) == ("paid", 10_000)
    keyin = ip_ok(ip("payOnetime", {"merchant_uid": unique("order"), "amount": 6_000, "name": "단건", **CARD}))
    assert keyin["status"] == "paid"
    refused_order = unique("order")
    declined = ip_refused(ip("payOnetime", {"merchant_uid": refused_order, "amount": 6_000, "name": "단건",
                                            **CARD, "card_number": CARD_REFUSED}), None)
    failed = ip_ok(ip("findByMerchantUid", refused_order))
    assert failed["status"] == "failed" and declined["message"] == failed["fail_reason"]
    # Foreign-card key-in: none of paymux's PGs takes it; refused, code -1 [REF] docs/compat-endpoints.md.
    foreign = ip_refused(ip("payForeign", {"merchant_uid": unique("order"), "amount": 1_000, "card_number": CARD_OK,
                                           "expiry": "2030-12", "cvc": "123"}), 200, "해외카드 결제를 지원하지 않는 PG사입니다.")
    assert foreign["raw"]["code"] == -1 and foreign["data"] is None

    # Lookups [REF]; findAllByMerchantUid sends `/findAll/{uid}/` (its default status "").
    assert ip_ok(ip("findByImpUid", paid["imp_uid"]))["merchant_uid"] == order
    ip_missing(ip("findByImpUid", UNKNOWN_IMP_UID))
    assert ip_ok(ip("findByMerchantUid", order))["imp_uid"] == paid["imp_uid"]
    assert [p["imp_uid"] for p in ip_ok(ip("findAllByMerchantUid", order))["list"]] == [paid["imp_uid"]]
    assert [p["imp_uid"] for p in ip_ok(ip("findAllByMerchantUid", refused_order, {"status": "failed"}))["list"]] == [failed["imp_uid"]]
    assert paid["imp_uid"] in {p["imp_uid"] for p in ip_ok(ip("findAllByStatus", "paid", {"limit": 100}))["list"]}

    # Cancels: partial by imp_uid, partial by merchant_uid, the rest; then [MSG] code 1.
    assert ip_ok(ip("cancelByImpUid", paid["imp_uid"], {"amount": 1_000, "reason": "부분"}))["cancel_amount"] == 1_000
    assert ip_ok(ip("cancelByMerchantUid", order, {"amount": 2_000}))["cancel_amount"] == 3_000
    assert ip_ok(ip("cancel", {"imp_uid": paid["imp_uid"]}))["status"] == "cancelled"
    ip_refused(ip("cancel", {"imp_uid": paid["imp_uid"]}), 200, "이미 전액취소된 주문입니다.")

    prepared = unique("prep")
    assert ip_ok(ip("createPreparedPayment", {"merchant_uid": prepared, "amount": 5_500})) == {"merchant_uid": prepared, "amount": 5_500, "currency": "KRW"}
    assert ip_ok(ip("getPreparedPayment", prepared))["amount"] == 5_500

    assert ip_ok(ip("deleteSubscription", customer_uid))["customer_uid"] == customer_uid
    ip_missing(ip("getSubscription", customer_uid))

    person = certified(world)
    assert ip_ok(ip("getCertification", person))["certified"] is True
    assert ip_ok(ip("deleteCertification", person))["imp_uid"] == person
    ip_missing(ip("getCertification", person))

    vbank = ip_ok(ip("createVbank", {"merchant_uid": unique("vb"), "amount": 9_000, "vbank_code": "020",
                                     "vbank_due": now + 86_400, "vbank_holder": "페이먹스", "name": "가상계좌"}))
    assert (vbank["status"], vbank["vbank_name"]) == ("ready", "우리은행")

    ip.assert_every_method_called()


# ------------------------------------------------------------------------- iamport-server-api (10.0.0)


def sa_ok(answer: dict[str, Any]) -> Any:
    """[PKG] @nestia/fetcher resolves the body of any 200/201: the envelope, code 0."""
    assert answer["ok"] and answer["value"]["code"] == 0, answer
    return answer["value"]["response"]


def sa_refused(answer: dict[str, Any], status: int, text: str | None = None) -> None:
    """[PKG] any other status rejects with HttpError(status, body)."""
    assert not answer["ok"] and answer["error"]["status"] == status, answer
    body = answer["error"]["body"]
    assert (body["code"], body["response"]) == (-1, None), answer
    if text is not None:
        assert text in body["message"], answer


def test_iamport_server_api_calls_every_function(world: World) -> None:
    sa = Calls(world, "iamport-server-api")
    now = world.gateway.clock.now()

    token = sa_ok(sa("users.getToken", {"imp_key": world.shop.imp_key, "imp_secret": world.shop.imp_secret}))
    assert token["access_token"] and token["expired_at"] > token["now"]

    customer_uid = unique("cu")
    key = sa_ok(sa("subscribe.customers.create", customer_uid, {"customer_uid": customer_uid, **CARD}))
    assert (key["customer_uid"], key["card_number"]) == (customer_uid, MASKED)
    assert sa_ok(sa("subscribe.customers.at", customer_uid)) == key

    paid = sa_ok(sa("subscribe.payments.again", {"customer_uid": customer_uid, "merchant_uid": unique("order"),
                                                  "amount": 12_000, "name": "구독"}))
    assert (paid["status"], paid["amount"], paid["pay_method"]) == ("paid", 12_000, "card")
    keyin = sa_ok(sa("subscribe.payments.onetime", {"merchant_uid": unique("order"), "amount": 3_000, "name": "단건", **CARD}))
    assert keyin["status"] == "paid"
    assert sa_ok(sa("payments.at", paid["imp_uid"], {}))["imp_uid"] == paid["imp_uid"]
    sa_refused(sa("payments.at", UNKNOWN_IMP_UID, {}), 404)
    cancelled = sa_ok(sa("payments.cancel", {"imp_uid": paid["imp_uid"], "amount": 2_000, "reason": "부분"}))
    assert (cancelled["status"], cancelled["cancel_amount"], len(cancelled["cancel_history"])) == ("paid", 2_000, 1)
    assert sa_ok(sa("subscribe.customers.erase", customer_uid))["customer_uid"] == customer_uid
    sa_refused(sa("subscribe.customers.at", customer_uid), 404)

    # Identity verification by code (the sandbox's code is 123456, docs/compat-endpoints.md).
    requested = sa_ok(sa("certifications.otp.request", dict(PERSON, birth="19900115")))
    person = sa_ok(sa("certifications.otp.confirm", requested["imp_uid"], {"otp": "123456"}))
    # birthday "YYYY-MM-DD 10자리" [REF] (PortOne V1 openapi CertificationAnnotation; the SDK's own
    # IIamportCertification types it YYYYMMDD, which i'mport does not send).
    assert (person["imp_uid"], person["certified"], person["carrier"], person["birthday"]) == (
        requested["imp_uid"], True, "SKT", "1990-01-15")
    assert sa_ok(sa("certifications.at", person["imp_uid"]))["unique_key"] == person["unique_key"]
    sa_ok(sa("certifications.erase", person["imp_uid"]))
    sa_refused(sa("certifications.at", person["imp_uid"]), 404)

    # Cash receipt of a paid virtual account [REF] (IIamportReceipt).
    cash = paid_vbank(world, 33_000)
    receipt = sa_ok(sa("receipts.create", cash["imp_uid"], {"imp_uid": cash["imp_uid"], "identifier": "01012345678",
                                                            "identifier_type": "phone"}))
    assert (receipt["amount"], receipt["vat"], receipt["receipt_uid"] == receipt["receipt_tid"]) == (33_000, 3_000, True)
    assert sa_ok(sa("receipts.at", cash["imp_uid"]))["apply_num"] == receipt["apply_num"]
    assert sa_ok(sa("receipts.erase", cash["imp_uid"]))["cancelled_at"] > 0

    vbank = sa_ok(sa("vbanks.create", {"merchant_uid": unique("vb"), "amount": 9_000, "vbank_code": "088",
                                       "vbank_due": now + 86_400, "vbank_holder": "페이먹스", "name": "가상계좌"}))
    assert (vbank["status"], vbank["vbank_holder"]) == ("ready", "페이먹스")
    # The SDK's update sends `PUT /vbanks` with imp_uid in the body; i'mport's edit is
    # `PUT /vbanks/{imp_uid}` (API reference; i'mport's Java client `modify_vbank`), so there is no
    # such operation: refused as a method this path does not have.
    sa_refused(sa("vbanks.update", {"imp_uid": vbank["imp_uid"], "amount": 8_000}), 405)
    # `internal.*` exist only in samchon's fake-iamport-server ("실제 아임포트의 서버에는 존재하지 않는
    # API", the package's own doc): no such path, as at i'mport.
    sa_refused(sa("internal.webhook", {"imp_uid": vbank["imp_uid"], "merchant_uid": vbank["merchant_uid"], "status": "paid"}), 404)
    sa_refused(sa("internal.deposit", vbank["imp_uid"]), 404)

    sa.assert_every_method_called()

"""Looking payments up, listing them, cancelling them, and the prepare guard."""

from __future__ import annotations

import pytest

from tests.harness import CARD_REFUSED, GatewayServer, TestMerchant, unique


@pytest.fixture
def customer(shop: TestMerchant) -> str:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    return uid


def test_find_by_imp_uid_merchant_uid_and_several(shop: TestMerchant, customer: str) -> None:
    first = shop.again(customer, unique("order"), 1_000).expect_ok()
    second = shop.again(customer, unique("order"), 2_000).expect_ok()
    assert shop.api("GET", f"/payments/{first['imp_uid']}").expect_ok() == first
    assert shop.api("GET", f"/payments/find/{second['merchant_uid']}").expect_ok()["imp_uid"] == second["imp_uid"]
    assert shop.api("GET", f"/payments/find/{second['merchant_uid']}/paid").expect_ok()["amount"] == 2_000
    assert shop.api("GET", f"/payments/find/{second['merchant_uid']}/failed").status == 404
    several = shop.api("GET", "/payments", params=[("imp_uid[]", second["imp_uid"]), ("imp_uid[]", first["imp_uid"])])
    assert [p["imp_uid"] for p in several.expect_ok()] == [second["imp_uid"], first["imp_uid"]]


def test_unknown_payment_and_order_are_404(shop: TestMerchant) -> None:
    for path in ("/payments/imp_000000000000", "/payments/find/nope", "/payments/findAll/nope", "/payments/prepare/nope"):
        reply = shop.api("GET", path)
        assert (reply.status, reply.code, reply.response) == (404, -1, None), path


def test_status_list_pages_sorts_and_filters_by_time(gateway: GatewayServer) -> None:
    merchant = gateway.create_merchant()
    merchant.add_channel("html5_inicis", "api")
    good, bad = unique("cust"), unique("cust")
    merchant.issue_key(good).expect_ok()
    merchant.issue_key(bad, card_number=CARD_REFUSED).expect_ok()
    paid = []
    gateway.clock.advance(-100)  # start in the past so the default range (last 90 days to now) holds all
    for amount in (100, 200, 300, 400, 500):
        paid.append(merchant.again(good, unique("order"), amount).expect_ok())
        gateway.clock.advance(10)
    merchant.again(bad, unique("order"), 999)
    gateway.clock.reset()

    page1 = merchant.api("GET", "/payments/status/paid", params={"limit": 2, "sorting": "started"}).expect_ok()
    assert (page1["total"], page1["previous"], page1["next"]) == (5, 0, 2)
    assert [p["amount"] for p in page1["list"]] == [100, 200]
    page3 = merchant.api("GET", "/payments/status/paid", params={"limit": 2, "page": 3, "sorting": "started"}).expect_ok()
    assert ([p["amount"] for p in page3["list"]], page3["next"], page3["previous"]) == ([500], 0, 2)
    newest = merchant.api("GET", "/payments/status/paid", params={"limit": 1}).expect_ok()
    assert newest["list"][0]["amount"] == 500  # default sorting is -started

    window = merchant.api(
        "GET", "/payments/status/paid",
        params={"from": paid[1]["paid_at"], "to": paid[3]["paid_at"], "sorting": "paid"},
    ).expect_ok()
    assert [p["amount"] for p in window["list"]] == [200, 300, 400]

    everything = merchant.api("GET", "/payments/status/all").expect_ok()
    assert everything["total"] == 6
    failed = merchant.api("GET", "/payments/status/failed").expect_ok()
    assert [p["amount"] for p in failed["list"]] == [999]


def test_partial_then_full_cancel_with_checksum(shop: TestMerchant, customer: str) -> None:
    paid = shop.again(customer, unique("order"), 10_000).expect_ok()
    partial = shop.api(
        "POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 3_000, "checksum": 10_000, "reason": "일부 환불"}
    ).expect_ok()
    assert (partial["status"], partial["cancel_amount"], partial["cancel_reason"]) == ("paid", 3_000, "일부 환불")
    assert [c["amount"] for c in partial["cancel_history"]] == [3_000]
    assert partial["cancel_history"][0]["pg_tid"] and partial["cancel_history"][0]["cancellation_id"]

    stale = shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 1_000, "checksum": 10_000})
    assert (stale.status, stale.code) == (200, -1) and "checksum" in stale.message

    too_much = shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 7_001})
    assert too_much.code == -1 and "exceeds" in too_much.message

    rest = shop.api("POST", "/payments/cancel", data={"merchant_uid": paid["merchant_uid"], "checksum": "7000"}).expect_ok()
    assert (rest["status"], rest["cancel_amount"]) == ("cancelled", 10_000)
    assert rest["cancelled_at"] > 0
    assert [c["amount"] for c in rest["cancel_history"]] == [3_000, 7_000]
    assert len({c["cancellation_id"] for c in rest["cancel_history"]}) == 2

    again = shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"]})
    assert (again.code, again.message) == (1, "이미 전액취소된 주문입니다.")  # i'mport's exact answer
    assert shop.api("GET", f"/payments/{paid['imp_uid']}").expect_ok() == rest
    assert shop.api("GET", "/payments/status/cancelled").expect_ok()["list"][0]["imp_uid"] == paid["imp_uid"]


def test_cancel_of_unknown_payment_is_code_one(shop: TestMerchant) -> None:
    reply = shop.api("POST", "/payments/cancel", json={"merchant_uid": unique("nothing")})
    assert (reply.status, reply.code, reply.message) == (200, 1, "취소할 결제건이 존재하지 않습니다.")


def test_cancel_of_a_failed_payment_is_refused(shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid, card_number=CARD_REFUSED).expect_ok()
    failed = shop.again(uid, unique("order")).response
    reply = shop.api("POST", "/payments/cancel", json={"imp_uid": failed["imp_uid"]})
    assert reply.code == -1 and "only paid payments" in reply.message


def test_prepare_guards_the_amount(shop: TestMerchant, customer: str) -> None:
    order = unique("order")
    assert shop.api("POST", "/payments/prepare", json={"merchant_uid": order, "amount": 5_000}).expect_ok() == {
        "merchant_uid": order, "amount": 5_000, "currency": "KRW",
    }
    assert shop.api("GET", f"/payments/prepare/{order}").expect_ok()["amount"] == 5_000
    duplicate = shop.api("POST", "/payments/prepare", json={"merchant_uid": order, "amount": 6_000})
    assert duplicate.code == -1 and "already prepared" in duplicate.message

    tampered = shop.again(customer, order, 4_000)
    assert (tampered.status, tampered.code, tampered.response) == (200, -1, None)
    assert "5000" in tampered.message and "4000" in tampered.message
    assert shop.api("GET", f"/payments/find/{order}").status == 404  # nothing was charged

    shop.api("PUT", "/payments/prepare", json={"merchant_uid": order, "amount": 4_000}).expect_ok()
    assert shop.again(customer, order, 4_000).expect_ok()["amount"] == 4_000
    assert shop.api("PUT", "/payments/prepare", json={"merchant_uid": unique("x"), "amount": 1}).status == 404

"""Billing keys and server-side charges through plain HTTP: issue, again, onetime, delete."""

from __future__ import annotations

import pytest

from tests.harness import (
    CARD_AUTH_FAILED,
    CARD_EXPIRED,
    CARD_INSUFFICIENT,
    CARD_OK,
    CARD_REFUSED,
    GatewayServer,
    TestMerchant,
    unique,
)


def test_issue_key_shows_only_the_masked_card(shop: TestMerchant) -> None:
    uid = unique("cust")
    customer = shop.issue_key(uid, customer_name="홍길동", customer_email="gd@example.com").expect_ok()
    assert customer["customer_uid"] == uid
    assert customer["card_number"] == "536148******1234"
    assert (customer["card_code"], customer["card_name"], customer["card_type"]) == ("367", "현대카드", 0)
    assert (customer["pg_provider"], customer["pg_id"]) == ("html5_inicis", "INIBillTst")
    assert customer["customer_name"] == "홍길동"
    assert isinstance(customer["inserted"], int) and customer["inserted"] > 0
    assert shop.api("GET", f"/subscribe/customers/{uid}").expect_ok() == customer


def test_issue_key_picks_the_api_channel_named_by_pg(shop: TestMerchant) -> None:
    uid = unique("cust")
    assert shop.issue_key(uid, pg="kcp").expect_ok()["pg_provider"] == "kcp"
    paid = shop.again(uid, unique("order")).expect_ok()
    assert (paid["pg_provider"], paid["pg_id"]) == ("kcp", "BA001")


@pytest.mark.parametrize("card", [CARD_EXPIRED, CARD_AUTH_FAILED])
def test_issue_key_with_a_bad_card_fails_and_stores_nothing(shop: TestMerchant, card: str) -> None:
    uid = unique("cust")
    reply = shop.issue_key(uid, card_number=card)
    assert (reply.status, reply.code, reply.response) == (200, -1, None)
    assert "카드정보 인증 및 빌키 발급에 실패하였습니다." in reply.message
    assert shop.api("GET", f"/subscribe/customers/{uid}").status == 404


def test_past_expiry_is_an_expired_card(shop: TestMerchant) -> None:
    reply = shop.issue_key(unique("cust"), expiry="2020-01")
    assert reply.code == -1 and "빌키 발급에 실패" in reply.message


def test_again_charges_and_records_every_field(shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    order = unique("order")
    paid = shop.again(
        uid, order, 55_000, card_quota=3, tax_free=5_000, buyer_name="구매자", buyer_tel="010-1234-5678",
        custom_data={"plan": "gold"},
    ).expect_ok()
    assert paid["status"] == "paid" and paid["imp_uid"].startswith("imp_") and len(paid["imp_uid"]) == 16
    assert (paid["amount"], paid["cancel_amount"], paid["card_quota"], paid["currency"]) == (55_000, 0, 3, "KRW")
    assert (paid["customer_uid"], paid["customer_uid_usage"], paid["channel"]) == (uid, "payment", "api")
    assert paid["card_number"] == "536148******1234" and paid["apply_num"] and paid["pg_tid"]
    assert paid["paid_at"] >= paid["started_at"] > 0 and paid["failed_at"] == 0
    assert paid["custom_data"] == '{"plan": "gold"}'
    assert (paid["buyer_name"], paid["buyer_tel"]) == ("구매자", "010-1234-5678")
    assert paid["cancel_history"] == [] and paid["cancel_receipt_urls"] == []


@pytest.mark.parametrize(("card", "reason"), [(CARD_REFUSED, "승인거절"), (CARD_INSUFFICIENT, "잔액부족")])
def test_declined_charge_is_recorded_failed_and_the_order_may_retry(shop: TestMerchant, card: str, reason: str) -> None:
    declined_uid, good_uid = unique("cust"), unique("cust")
    shop.issue_key(declined_uid, card_number=card).expect_ok()
    shop.issue_key(good_uid).expect_ok()
    order = unique("order")
    declined = shop.again(declined_uid, order)
    # A decline is an answer: code 0 with the failed payment (docs/declines.md).
    assert (declined.status, declined.code, declined.message) == (200, 0, None)
    failed = declined.response
    assert (failed["status"], failed["merchant_uid"]) == ("failed", order) and reason in failed["fail_reason"]
    assert failed["failed_at"] > 0 and failed["paid_at"] == 0
    assert (failed["card_code"], failed["card_name"], failed["card_type"]) == ("366", "신한카드", 0)
    assert failed["receipt_url"] is None

    retried = shop.again(good_uid, order).expect_ok()
    assert retried["status"] == "paid" and retried["imp_uid"] != failed["imp_uid"]
    attempts = shop.api("GET", f"/payments/findAll/{order}").expect_ok()
    assert attempts["total"] == 2
    assert {p["status"] for p in attempts["list"]} == {"paid", "failed"}


def test_a_paid_order_cannot_be_paid_again(shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    order = unique("order")
    shop.again(uid, order).expect_ok()
    again = shop.again(uid, order)
    assert (again.status, again.code, again.response) == (200, -1, None)
    assert order in again.message
    assert shop.api("GET", f"/payments/findAll/{order}").expect_ok()["total"] == 1


def test_again_with_an_unknown_customer_is_code_minus_one(shop: TestMerchant) -> None:
    reply = shop.again(unique("nobody"), unique("order"))
    assert (reply.status, reply.code, reply.response) == (200, -1, None)
    assert "등록되지 않은 구매자" in reply.message


def test_installments_below_fifty_thousand_are_refused(shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    reply = shop.again(uid, unique("order"), 49_000, card_quota=2)
    assert (reply.status, reply.code, reply.response) == (200, -1, None)
    assert "card_quota" in reply.message and "50,000" in reply.message


def test_onetime_without_customer_uid_stores_no_key(shop: TestMerchant) -> None:
    order = unique("order")
    body = {"merchant_uid": order, "amount": 12_000, "name": "단건", "card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
    paid = shop.api("POST", "/subscribe/payments/onetime", json=body).expect_ok()
    assert (paid["status"], paid["customer_uid"], paid["card_number"]) == ("paid", None, "536148******1234")


def test_onetime_with_customer_uid_keeps_the_key_for_later(shop: TestMerchant) -> None:
    uid, order = unique("cust"), unique("order")
    body = {
        "merchant_uid": order, "amount": 12_000, "name": "첫 달", "card_number": CARD_OK, "expiry": "2030-12", "birth": "820213",
        "customer_uid": uid, "buyer_name": "김구매", "buyer_email": "buyer@example.com",
    }
    paid = shop.api("POST", "/subscribe/payments/onetime", data=body).expect_ok()  # form body, as iamporter sends
    assert (paid["customer_uid"], paid["customer_uid_usage"]) == (uid, "issue")
    customer = shop.api("GET", f"/subscribe/customers/{uid}").expect_ok()
    assert (customer["customer_name"], customer["customer_email"]) == ("김구매", "buyer@example.com")
    assert shop.again(uid, unique("order")).expect_ok()["status"] == "paid"


def test_onetime_with_a_declined_card_keeps_no_key(shop: TestMerchant) -> None:
    uid = unique("cust")
    body = {"merchant_uid": unique("order"), "amount": 1_000, "name": "첫 달", "card_number": CARD_REFUSED, "expiry": "2030-12",
            "birth": "820213", "customer_uid": uid}
    reply = shop.api("POST", "/subscribe/payments/onetime", json=body)
    assert reply.code == 0 and reply.response["status"] == "failed" and "승인거절" in reply.response["fail_reason"]
    assert shop.api("GET", f"/subscribe/customers/{uid}").status == 404


def test_onetime_with_an_expired_card_says_authentication_failed(shop: TestMerchant) -> None:
    order = unique("order")
    body = {"merchant_uid": order, "amount": 1_000, "name": "단건", "card_number": CARD_EXPIRED, "expiry": "2030-12", "birth": "820213"}
    reply = shop.api("POST", "/subscribe/payments/onetime", json=body)
    # No approval was asked for: a non-zero code and no response (docs/declines.md); the attempt is on record.
    assert (reply.status, reply.code, reply.response) == (200, -1, None)
    assert reply.message.startswith("카드정보 인증에 실패하였습니다.")
    assert shop.api("GET", f"/payments/find/{order}").expect_ok()["status"] == "failed"


def test_delete_key_then_it_is_gone(shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    deleted = shop.api("DELETE", f"/subscribe/customers/{uid}").expect_ok()
    assert deleted["customer_uid"] == uid and deleted["card_number"] == "536148******1234"
    assert shop.api("GET", f"/subscribe/customers/{uid}").status == 404
    assert shop.api("DELETE", f"/subscribe/customers/{uid}").status == 404
    assert shop.again(uid, unique("order")).code == -1


def test_reissuing_a_customer_uid_replaces_the_card(shop: TestMerchant) -> None:
    uid = unique("cust")
    first = shop.issue_key(uid).expect_ok()
    second = shop.issue_key(uid, card_number="4579-7312-3456-7890").expect_ok()
    assert (second["card_number"], second["card_code"]) == ("457973******7890", "381")
    assert second["inserted"] == first["inserted"]


def test_customers_by_list_and_their_payments(shop: TestMerchant) -> None:
    first, second = unique("cust"), unique("cust")
    shop.issue_key(first).expect_ok()
    shop.issue_key(second).expect_ok()
    found = shop.api("GET", "/subscribe/customers", params=[("customer_uid[]", first), ("customer_uid[]", second), ("customer_uid[]", "missing")])
    assert [c["customer_uid"] for c in found.expect_ok()] == [first, second]
    for _ in range(3):
        shop.again(first, unique("order")).expect_ok()
    page = shop.api("GET", f"/subscribe/customers/{first}/payments", params={"limit": 2}).expect_ok()
    assert (page["total"], len(page["list"]), page["next"], page["previous"]) == (3, 2, 2, 0)
    assert all(p["customer_uid"] == first for p in page["list"])


def test_kakaopay_and_mobilians_have_no_key_in(gateway: GatewayServer) -> None:
    merchant = gateway.create_merchant()
    merchant.add_channel("kakaopay", "simple")
    merchant.add_channel("mobilians", "subscription")
    reply = merchant.issue_key(unique("cust"), pg="mobilians")
    assert reply.code == -1 and "cannot be used for billing_api" in reply.message
    reply = merchant.issue_key(unique("cust"))
    assert reply.code == -1 and "type api" in reply.message


def test_live_channel_of_a_pg_without_its_protocol_answers_not_available_yet(gateway: GatewayServer) -> None:
    merchant = gateway.create_merchant()
    merchant.add_channel("kcp", "api", mid="MYLIVEMID", mode="live")
    reply = merchant.issue_key(unique("cust"))
    assert reply.code == -1 and "live mode" in reply.message and "not available yet" in reply.message


def test_live_inicis_channel_without_its_credentials_is_refused_before_the_pg(gateway: GatewayServer) -> None:
    merchant = gateway.create_merchant()
    merchant.add_channel("html5_inicis", "api", mid="MYLIVEMID", mode="live")
    reply = merchant.issue_key(unique("cust"))
    assert reply.code == -1 and reply.response is None
    assert all(name in reply.message for name in ("sign_key", "iniapi_key", "iniapi_iv"))


PAYMENT_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(
        ("amount", "cancel_amount", "card_quota", "vbank_date", "vbank_issued_at", "started_at", "paid_at",
         "failed_at", "cancelled_at"),
        (int,),
    ),
    **dict.fromkeys(("escrow", "cash_receipt_issued"), (bool,)),
    **dict.fromkeys(("cancel_history", "cancel_receipt_urls"), (list,)),
    **dict.fromkeys(("imp_uid", "merchant_uid", "pay_method", "channel", "pg_provider", "currency", "status"), (str,)),
    **dict.fromkeys(
        ("emb_pg_provider", "pg_tid", "pg_id", "apply_num", "bank_code", "bank_name", "card_code", "card_name",
         "card_number", "vbank_code", "vbank_name", "vbank_num", "vbank_holder", "name", "buyer_name", "buyer_email",
         "buyer_tel", "buyer_addr", "buyer_postcode", "custom_data", "user_agent", "fail_reason", "cancel_reason",
         "receipt_url", "customer_uid", "customer_uid_usage", "card_issuer_code", "card_issuer_name",
         "card_publisher_code", "card_publisher_name"),
        (str, type(None)),
    ),
    "card_type": (int, type(None)),
    "promotion": (type(None),),
    "deposit_history": (list,),
}


def test_payment_object_has_every_contract_field_with_its_type(shop: TestMerchant) -> None:
    uid = unique("cust")
    shop.issue_key(uid).expect_ok()
    paid = shop.again(uid, unique("order"), 5_000).expect_ok()
    cancelled = shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 1_000}).expect_ok()
    for payment in (paid, cancelled):
        assert set(payment) == set(PAYMENT_FIELD_TYPES)
        for name, types in PAYMENT_FIELD_TYPES.items():
            assert isinstance(payment[name], types) and not (isinstance(payment[name], bool) and bool not in types), name
    entry = cancelled["cancel_history"][0]
    assert set(entry) == {"pg_tid", "amount", "cancelled_at", "reason", "receipt_url", "cancellation_id"}
    assert isinstance(entry["amount"], int) and isinstance(entry["cancelled_at"], int)

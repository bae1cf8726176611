"""The rest of i'mport's V1 endpoints the clients call (#10 item 5): code tables, a payment's
balance, schedules by customer, escrow shipping, the PG-specific calls (Kakao Pay's order list,
Naver Pay and PAYCO refused as i'mport refuses another PG's payment), foreign-card key-in.
Kakao Pay's order list of a paid Kakao Pay payment: tests/checkout/test_sdk_defaults.py."""

from __future__ import annotations

import pytest

from tests.harness import GatewayServer, TestMerchant, unique


def test_banks_and_cards_list_i_mport_codes(shop: TestMerchant) -> None:
    banks = shop.api("GET", "/banks").expect_ok()
    by_code = {bank["code"]: bank["name"] for bank in banks}
    assert by_code["004"] == "KB국민은행" and by_code["088"] == "신한은행" and by_code["090"] == "카카오뱅크"
    assert all(set(bank) == {"code", "name"} and len(bank["code"]) == 3 for bank in banks)
    assert shop.api("GET", "/banks/088").expect_ok() == {"code": "088", "name": "신한은행"}
    assert shop.api("GET", "/banks/999").status == 404

    cards = {card["code"]: card["name"] for card in shop.api("GET", "/cards").expect_ok()}
    assert (cards["361"], cards["366"], cards["367"], cards["381"], cards["041"]) == (
        "BC카드", "신한카드", "현대카드", "KB국민카드", "우리카드")
    assert shop.api("GET", "/cards/365").expect_ok() == {"code": "365", "name": "삼성카드"}
    assert shop.api("GET", "/cards/000").status == 404
    assert shop.api("GET", "/banks", headers={"Authorization": "wrong"}).status == 401


def test_balance_of_a_card_payment_follows_its_cancels(shop: TestMerchant) -> None:
    shop.issue_key(customer := unique("cu"))
    paid = shop.again(customer, unique("bal"), 11_000, tax_free=1_000).expect_ok()
    shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 5_500, "tax_free": 500}).expect_ok()
    balance = shop.api("GET", f"/payments/{paid['imp_uid']}/balance").expect_ok()
    assert balance["amount"] == 11_000
    # paid 11,000 (tax-free 1,000, VAT 909) less the refund 5,500 (tax-free 500, VAT 455): net of refunds
    assert balance["primary"] == {"tax_free": 500, "supply": 4_546, "vat": 454, "service": 0}
    assert balance["cash_receipt"] == {"tax_free": 0, "supply": 0, "vat": 0, "service": 0}
    assert [h["primary"]["tax_free"] for h in balance["histories"]] == [1_000, -500]
    assert all(h["created"] > 0 for h in balance["histories"])
    assert shop.api("GET", "/payments/imp_000000000001/balance").status == 404


def test_schedules_by_customer_on_i_mports_other_path(gateway: GatewayServer, shop: TestMerchant) -> None:
    shop.issue_key(customer := unique("cu"))
    now = gateway.clock.now()
    booked = shop.api("POST", "/subscribe/payments/schedule", json={"customer_uid": customer, "schedules": [
        {"merchant_uid": unique("s1"), "schedule_at": now + 3_600, "amount": 1_000},
        {"merchant_uid": unique("s2"), "schedule_at": now + 7_200, "amount": 2_000},
    ]}).expect_ok()
    listed = shop.api("GET", f"/subscribe/payments/schedule/customers/{customer}").expect_ok()
    assert listed["total"] == 2 and {s["merchant_uid"] for s in listed["list"]} == {s["merchant_uid"] for s in booked}
    ranged = shop.api("GET", f"/subscribe/payments/schedule/customers/{customer}",
                      params={"from": now + 5_000, "to": now + 9_000, "schedule-status": "scheduled"}).expect_ok()
    assert [s["amount"] for s in ranged["list"]] == [2_000]
    assert shop.api("GET", f"/subscribe/payments/schedule/customers/{customer}", params={"from": "x"}).status == 400


def test_escrow_shipping_is_refused_for_a_payment_paid_without_escrow(shop: TestMerchant) -> None:
    shop.issue_key(customer := unique("cu"))
    paid = shop.again(customer, unique("esc")).expect_ok()
    body = {"sender": {"name": "판매자", "tel": "02-123-4567", "addr": "서울", "postcode": "04524"},
            "receiver": {"name": "구매자", "tel": "010-1234-5678", "addr": "부산", "postcode": "48058"},
            "logis": {"company": "CJGLS", "invoice": "123456789012", "sent_at": 1_760_000_000}}
    for method in ("POST", "PUT"):
        refused = shop.api(method, f"/escrows/logis/{paid['imp_uid']}", json=body)
        assert (refused.status, refused.code) == (400, -1) and "에스크로 결제건이 아닙니다" in refused.message
    assert shop.api("POST", "/escrows/logis/imp_000000000002", json=body).status == 404
    assert shop.api("GET", f"/escrows/logis/{paid['imp_uid']}").status == 404
    no_logis = shop.api("POST", f"/escrows/logis/{paid['imp_uid']}", json={"sender": body["sender"]})
    assert no_logis.status == 400 and "logis" in no_logis.message
    bad_time = shop.api("POST", f"/escrows/logis/{paid['imp_uid']}", json={**body, "logis": {**body["logis"], "sent_at": "soon"}})
    assert bad_time.status == 400 and "sent_at" in bad_time.message


@pytest.mark.parametrize("operation", ["product-orders", "cash-amount"])
def test_naver_pay_reads_are_refused_for_a_payment_of_another_pg(shop: TestMerchant, operation: str) -> None:
    shop.issue_key(customer := unique("cu"))
    paid = shop.again(customer, unique("nv")).expect_ok()
    refused = shop.api("GET", f"/payments/{paid['imp_uid']}/naver/{operation}")
    assert (refused.status, refused.code, refused.response) == (400, -1, None)
    assert refused.message.startswith("네이버페이 결제건이 아닙니다.")


def test_naver_pay_and_payco_changes_are_refused_and_unknown_ones_are_not_found(
    shop: TestMerchant, other_shop: TestMerchant
) -> None:
    shop.issue_key(customer := unique("cu"))
    imp_uid = shop.again(customer, unique("nv")).expect_ok()["imp_uid"]
    for operation in ("place", "ship", "cancel", "confirm", "point"):
        assert shop.api("POST", f"/payments/{imp_uid}/naver/{operation}", json={}).status == 400
    assert shop.api("POST", f"/payments/{imp_uid}/naver/explode").status == 404
    assert other_shop.api("GET", f"/payments/{imp_uid}/naver/product-orders").status == 404

    assert shop.api("GET", "/naver/product-orders/2026120112345678").status == 404
    reviews = shop.api("GET", "/naver/reviews", params={"channel_key": "x", "from": 0, "to": 1, "review_type": "general"})
    assert (reviews.status, reviews.code) == (400, -1) and "네이버페이" in reviews.message

    payco = shop.api("POST", f"/payco/orders/status/{imp_uid}", json={"status": "DELIVERY_START"})
    assert (payco.status, payco.code) == (400, -1) and payco.message.startswith("페이코 결제건이 아닙니다.")
    assert shop.api("POST", f"/payco/orders/status/{imp_uid}", json={"status": "LOST"}).status == 400
    assert shop.api("POST", "/payco/orders/status/imp_000000000003", json={"status": "CANCELED"}).status == 404
    assert other_shop.api("POST", f"/payco/orders/status/{imp_uid}", json={"status": "CANCELED"}).status == 404


def test_kakao_pay_order_list_is_refused_to_a_merchant_without_kakao_pay(shop: TestMerchant) -> None:
    refused = shop.api("GET", "/kakao/payment/orders", params={"payment_request_date": "20261201"})
    assert (refused.status, refused.code) == (400, -1) and "카카오페이" in refused.message


def test_foreign_card_key_in_is_refused_without_charging(shop: TestMerchant) -> None:
    order = unique("fx")
    body = {"merchant_uid": order, "amount": 1_000, "card_number": "4111-1111-1111-1111", "expiry": "2030-12",
            "cvc": "123", "name": "overseas"}
    refused = shop.api("POST", "/subscribe/payments/foreign", json=body)
    assert (refused.status, refused.code, refused.response) == (200, -1, None)
    assert "해외카드" in refused.message and "4111" not in refused.message
    assert shop.api("GET", f"/payments/find/{order}").status == 404  # nothing was recorded or charged
    for missing in ("card_number", "expiry", "merchant_uid", "amount"):
        bad = shop.api("POST", "/subscribe/payments/foreign", json={k: v for k, v in body.items() if k != missing})
        assert bad.status == 400 and missing in bad.message


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/receipts/imp_000000000010", "{not json"),
    ("POST", "/receipts/imp_000000000010", '{"identifier": "010\\u00001234", "identifier_type": "phone"}'),
    ("POST", "/receipts/external/order_1", '{"name": "x", "amount": -5, "identifier": "01012345678"}'),
    ("POST", "/receipts/external/order_1", '{"name": "x", "amount": 1000, "identifier": ["0101"]}'),
    ("POST", "/certifications/otp/request", '["name"]'),
    ("POST", "/certifications/otp/request", '{"name": "' + "가" * 500 + '"}'),
    ("POST", "/certifications/otp/confirm/imp_000000000011", '{"otp": 123456789012}'),
    ("POST", "/escrows/logis/imp_000000000012", '{"sender": "me", "logis": {}}'),
    ("PUT", "/escrows/logis/imp_000000000012", "{}"),
    ("POST", "/payco/orders/status/imp_000000000013", "{not json"),
    ("POST", "/subscribe/payments/foreign", '{"merchant_uid": "a/b", "amount": 1000}'),
])
def test_bad_input_answers_the_envelope_with_400(shop: TestMerchant, method: str, path: str, body: str) -> None:
    reply = shop.api(method, path, content=body.encode(), headers={"Content-Type": "application/json"})
    assert (reply.status, reply.code, reply.response) == (400, -1, None), reply.body
    assert reply.message

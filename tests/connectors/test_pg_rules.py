"""Each PG's documented rules, enforced by its sandbox and seen through HTTP (issue 10 item 8;
docs/sandbox.md "PG rules the sandbox enforces" lists each with its source)."""

from __future__ import annotations

import pytest

from tests.checkout.test_window_rules import _phone_approve, approve, open_window, param, rsp_of
from tests.harness import CARD_OK, GatewayServer, TestMerchant, unique

INICIS_NAME_REQUIRED = "이니시스 빌링결제는 상품명이 필수입니다."
CARD = {"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}


@pytest.fixture
def pg_shop(gateway: GatewayServer) -> TestMerchant:
    merchant = gateway.create_merchant("pg rules shop")
    merchant.add_channel("html5_inicis", "general", default=True)
    merchant.add_channel("html5_inicis", "api")
    merchant.add_channel("kcp", "general")
    merchant.add_channel("kcp", "api")
    merchant.add_channel("nice", "general")
    merchant.add_channel("nice", "api")
    return merchant


@pytest.mark.parametrize("name", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_inicis_refuses_a_billing_or_keyin_charge_without_a_name_before_anything_is_recorded(
    pg_shop: TestMerchant, name: str | None
) -> None:
    customer_uid = unique("cust")
    pg_shop.issue_key(customer_uid).expect_ok()
    order = unique("order")
    named = {} if name is None else {"name": name}
    again = pg_shop.api("POST", "/subscribe/payments/again",
                        json={"customer_uid": customer_uid, "merchant_uid": order, "amount": 3_000, **named})
    keyin = pg_shop.api("POST", "/subscribe/payments/onetime", json={"merchant_uid": order, "amount": 3_000, **named, **CARD})
    kept = pg_shop.api("POST", "/subscribe/payments/onetime",
                       json={"merchant_uid": order, "amount": 3_000, "customer_uid": unique("cust"), **named, **CARD})
    for reply in (again, keyin, kept):
        assert (reply.status, reply.code, reply.message, reply.response) == (400, -1, INICIS_NAME_REQUIRED, None)
    assert pg_shop.api("GET", f"/payments/findAll/{order}").status == 404  # nothing recorded, the order is free
    assert pg_shop.again(customer_uid, order, 3_000).expect_ok()["status"] == "paid"  # with a name it pays


def test_kcp_takes_a_billing_charge_without_a_name(pg_shop: TestMerchant) -> None:
    customer_uid = unique("cust")
    pg_shop.issue_key(customer_uid, pg="kcp").expect_ok()
    paid = pg_shop.api("POST", "/subscribe/payments/again",
                       json={"customer_uid": customer_uid, "merchant_uid": unique("order"), "amount": 3_000}).expect_ok()
    assert (paid["pg_provider"], paid["status"], paid["name"]) == ("kcp", "paid", None)


def test_nice_declines_a_card_charge_under_1000_krw(pg_shop: TestMerchant) -> None:
    customer_uid = unique("cust")
    pg_shop.issue_key(customer_uid, pg="nice").expect_ok()
    small = pg_shop.again(customer_uid, unique("order"), 999)
    assert (small.code, small.response["status"], small.response["pg_provider"]) == (0, "failed", "nice")
    assert small.response["fail_reason"].startswith("[3041]")
    keyin = pg_shop.api("POST", "/subscribe/payments/onetime",
                        json={"merchant_uid": unique("order"), "amount": 500, "pg": "nice", **CARD}).expect_ok()
    assert keyin["status"] == "failed" and keyin["fail_reason"].startswith("[3041]")
    assert pg_shop.again(customer_uid, unique("order"), 1_000).expect_ok()["status"] == "paid"


def test_nice_window_declines_a_card_payment_under_1000_krw(gateway: GatewayServer, pg_shop: TestMerchant) -> None:
    window = open_window(gateway, pg_shop.user_code, param(unique("nice"), pg="nice", amount=900))
    rsp = rsp_of(approve(gateway, window.ticket, card_company="367"))
    assert (rsp["success"], rsp["status"], rsp["error_code"]) == (False, "failed", "F1001")
    assert rsp["error_msg"].startswith("[3041]") and rsp["imp_uid"]


def test_inicis_window_declines_a_card_payment_under_100_krw_and_takes_one_under_1000(
    gateway: GatewayServer, pg_shop: TestMerchant
) -> None:
    tiny = rsp_of(approve(gateway, open_window(gateway, pg_shop.user_code, param(unique("tiny"), amount=99)).ticket))
    assert (tiny["status"], tiny["error_code"]) == ("failed", "F1001") and tiny["error_msg"].startswith("[500690]")
    small = rsp_of(approve(gateway, open_window(gateway, pg_shop.user_code, param(unique("small"), amount=500)).ticket))
    assert (small["success"], small["status"], small["paid_amount"]) == (True, "paid", 500)  # below1000


def test_kcp_window_phone_payment_needs_the_buyers_name(gateway: GatewayServer, pg_shop: TestMerchant) -> None:
    phone = "010-1234-5678"
    nameless = open_window(gateway, pg_shop.user_code, param(unique("kcp"), pg="kcp", pay_method="phone", buyer_name=None))
    refused = rsp_of(_phone_approve(gateway, nameless.ticket, phone))
    assert (refused["status"], refused["error_code"]) == ("failed", "F1001") and "buyer_name" in refused["error_msg"]
    named = open_window(gateway, pg_shop.user_code, param(unique("kcp"), pg="kcp", pay_method="phone"))
    assert rsp_of(_phone_approve(gateway, named.ticket, phone))["status"] == "paid"

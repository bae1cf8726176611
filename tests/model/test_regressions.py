"""Every disagreement between a record and the PG that the model-based test (tests/model/machine.py)
or issue 16's remaining items found, as a named test with the value it must show, on both databases.

1. The last cancel refunds exactly the tax-free part left (found by the machine: a full cancel
   without ``tax_free`` of a payment with a tax-free part recorded 0 tax-free refunded, so the PG was
   asked to refund the tax-free part as taxable, VAT included).
2. No cancel refunds more taxable amount (and so VAT) than is left (found by the machine: cancel 5,500
   with ``tax_free`` 1 of 11,000 with 8,800 tax-free refunded 5,499 taxable of 2,200 paid).
3. A ``/payments/prepare``d amount binds a billing-key window that charges (Kakao Pay with an amount);
   it charged any amount before (found by the machine).
4. A Kakao Pay billing window whose first charge's answer is lost keeps no key and no money: the
   reconciler undoes it at Kakao (the live Kakao Pay connector; checked against the emulator's ledger).
"""

from __future__ import annotations

import httpx
import pytest

from paymux.services.reconcile import settle_pending_outcomes
from tests.checkout.test_window_rules import open_window, param, rsp_of
from tests.harness import CARD_OK, GatewayServer, TestMerchant, unique
from tests.live.conftest import (  # noqa: F401  (fixtures)
    KAKAO_SUBSCRIPTION_CID,
    KakaoShop,
    after_grace,
    kakao_shop,
    kakaopay,
)
from tests.live.test_kakaopay_api import kakao_param, pay
from tests.model.machine import PgTxn, _cancel_is_valid


@pytest.fixture
def paid_11000_with_1000_tax_free(shop: TestMerchant) -> dict:
    customer = unique("cust")
    shop.issue_key(customer).expect_ok()
    return shop.again(customer, unique("tf"), amount=11_000, tax_free=1_000).expect_ok()


def _tax_free_refunded(gateway: GatewayServer, shop: TestMerchant, imp_uid: str) -> list[int]:
    from paymux.services.payments import get_payment
    stored = gateway.call(lambda rt: get_payment(rt, shop.merchant, imp_uid))
    return [c.tax_free for c in stored.cancel_history]


# 1. --------------------------------------------------------------------------------------------------


def test_a_full_cancel_without_tax_free_refunds_the_tax_free_part_left(
    gateway: GatewayServer, shop: TestMerchant, paid_11000_with_1000_tax_free: dict
) -> None:
    imp_uid = paid_11000_with_1000_tax_free["imp_uid"]
    shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 3_000, "tax_free": 400}).expect_ok()
    rest = shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid}).expect_ok()
    assert (rest["status"], rest["cancel_amount"]) == ("cancelled", 11_000)
    assert _tax_free_refunded(gateway, shop, imp_uid) == [400, 600]


def test_the_last_cancel_with_another_tax_free_is_refused(
    gateway: GatewayServer, shop: TestMerchant, paid_11000_with_1000_tax_free: dict
) -> None:
    imp_uid = paid_11000_with_1000_tax_free["imp_uid"]
    shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 3_000, "tax_free": 400}).expect_ok()
    for tax_free in (0, 599, 601):
        refused = shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 8_000, "tax_free": tax_free})
        assert (refused.status, refused.code, refused.response) == (200, -1, None), refused.body
        assert "tax_free" in refused.message and "600" in refused.message
    last = shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 8_000, "tax_free": 600}).expect_ok()
    assert (last["status"], last["cancel_amount"]) == ("cancelled", 11_000)
    assert _tax_free_refunded(gateway, shop, imp_uid) == [400, 600]


# 2. --------------------------------------------------------------------------------------------------


def test_a_cancel_never_refunds_more_taxable_than_is_left(gateway: GatewayServer, shop: TestMerchant) -> None:
    customer = unique("cust")
    shop.issue_key(customer).expect_ok()
    imp_uid = shop.again(customer, unique("tf"), amount=11_000, tax_free=8_800).expect_ok()["imp_uid"]
    over = shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 5_500, "tax_free": 1})
    assert (over.status, over.code, over.response) == (200, -1, None), over.body
    assert "2200 taxable is left" in over.message and "at least 3300" in over.message
    shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 5_500, "tax_free": 3_300}).expect_ok()
    shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 5_500}).expect_ok()  # the last: 5,500 tax-free
    assert _tax_free_refunded(gateway, shop, imp_uid) == [3_300, 5_500]


def test_the_models_cancel_rule_agrees_with_the_examples() -> None:
    """The oracle the machine checks cancels against (tests/model/machine.py) says what paymux does."""
    paid = PgTxn("imp", "o", 11_000, 1_000, approved=True)
    assert _cancel_is_valid(paid, 11_000, None) == (True, 1_000)
    assert _cancel_is_valid(paid, 11_000, 0) == (False, 0)
    assert _cancel_is_valid(paid, 10_500, 0) == (False, 0)  # 10,500 taxable of 10,000
    assert _cancel_is_valid(paid, 10_000, 0) == (True, 0)
    assert _cancel_is_valid(paid, 3_000, 1_001) == (False, 1_001)


# 3. --------------------------------------------------------------------------------------------------


@pytest.fixture
def window_shop(gateway: GatewayServer) -> TestMerchant:
    merchant = gateway.create_merchant("prepared window shop")
    merchant.add_channel("html5_inicis", "general", default=True)
    merchant.add_channel("html5_inicis", "subscription")
    merchant.add_channel("kakaopay", "simple")
    return merchant


def test_a_prepared_amount_binds_a_kakao_pay_billing_window_that_charges(gateway: GatewayServer, window_shop: TestMerchant) -> None:
    order = unique("prep")
    window_shop.api("POST", "/payments/prepare", json={"merchant_uid": order, "amount": 5_900}).expect_ok()
    other = open_window(gateway, window_shop.user_code, param(order, pg="kakaopay", amount=59_000, customer_uid=unique("sid")))
    assert other.ticket is None
    refused = rsp_of(other.reply)
    assert (refused["success"], refused["error_code"], refused["imp_uid"]) == (False, "F422", None)
    assert "5900" in refused["error_msg"].replace(",", "")
    customer_uid = unique("sid")
    window = open_window(gateway, window_shop.user_code, param(order, pg="kakaopay", amount=5_900, customer_uid=customer_uid))
    assert window.ticket, window.reply.text[:300]
    rsp = rsp_of(httpx.post(gateway.base_url + "/checkout/approve", data={"ticket": window.ticket}, timeout=30))
    assert (rsp["success"], rsp["paid_amount"]) == (True, 5_900)
    window_shop.api("GET", f"/subscribe/customers/{customer_uid}").expect_ok()


def test_a_prepared_amount_does_not_bind_a_billing_window_that_charges_nothing(
    gateway: GatewayServer, window_shop: TestMerchant
) -> None:
    order = unique("prep")
    window_shop.api("POST", "/payments/prepare", json={"merchant_uid": order, "amount": 5_900}).expect_ok()
    window = open_window(gateway, window_shop.user_code, param(order, amount=5_900, customer_uid=unique("key")))
    assert window.ticket, window.reply.text[:300]
    rsp = rsp_of(httpx.post(gateway.base_url + "/checkout/approve", data={
        "ticket": window.ticket, "card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"},
        timeout=30))
    assert (rsp["success"], rsp["paid_amount"]) == (True, 0)  # KG INICIS issues the key only


# 4. --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_kakao_billing_window_whose_first_charge_is_lost_keeps_no_key_and_no_money(
    gateway: GatewayServer, kakao_shop: KakaoShop  # noqa: F811
) -> None:
    customer = unique("cust")
    body = kakao_param(unique("order"), pg=f"kakaopay.{KAKAO_SUBSCRIPTION_CID}", pay_method="card", customer_uid=customer,
                       amount=10_119, name="정기구독 첫 결제")  # ≡ 0119: Kakao approves, its answer comes too late
    rsp = pay(gateway, kakao_shop, body, method="CARD_KB")
    assert rsp["success"] is False
    pending = kakao_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert pending["status"] == "ready"
    [charged] = kakao_shop.approved_at_pg(rsp["imp_uid"])  # Kakao did charge it
    after_grace(gateway, settle_pending_outcomes)
    settled = kakao_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (settled["status"], settled["amount"], settled["cancel_amount"]) == ("failed", 10_119, 0)
    at_kakao = kakao_shop.at_pg(charged["tid"])
    assert at_kakao is not None and at_kakao["status"] == "CANCEL_PAYMENT"  # and Kakao refunded it
    assert kakao_shop.merchant.api("GET", f"/subscribe/customers/{customer}").code != 0  # no key kept

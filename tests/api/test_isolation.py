"""One merchant's token never reaches another merchant's payments, customers or orders."""

from __future__ import annotations

from tests.harness import TestMerchant, unique


def test_merchants_cannot_see_each_other(shop: TestMerchant, other_shop: TestMerchant) -> None:
    customer_uid = unique("cust")
    order = unique("order")
    shop.issue_key(customer_uid).expect_ok()
    paid = shop.again(customer_uid, order).expect_ok()
    shop.api("POST", "/payments/prepare", json={"merchant_uid": unique("prep"), "amount": 100}).expect_ok()

    # the other merchant sees nothing of shop's
    assert other_shop.api("GET", f"/payments/{paid['imp_uid']}").status == 404
    assert other_shop.api("GET", f"/payments/find/{order}").status == 404
    assert other_shop.api("GET", f"/payments/findAll/{order}").status == 404
    assert other_shop.api("GET", "/payments", params={"imp_uid[]": paid["imp_uid"]}).expect_ok() == []
    assert other_shop.api("GET", f"/subscribe/customers/{customer_uid}").status == 404
    assert other_shop.api("GET", "/subscribe/customers", params={"customer_uid[]": customer_uid}).expect_ok() == []
    assert other_shop.api("GET", f"/subscribe/customers/{customer_uid}/payments").status == 404
    listed = other_shop.api("GET", "/payments/status/all").expect_ok()
    assert paid["imp_uid"] not in {p["imp_uid"] for p in listed["list"]}
    # nor act on it
    cancel = other_shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"]})
    assert (cancel.status, cancel.code) == (200, 1)
    charge = other_shop.again(customer_uid, unique("order"))
    assert charge.code == -1 and charge.response is None
    assert other_shop.api("DELETE", f"/subscribe/customers/{customer_uid}").status == 404

    # and shop's data is untouched
    mine = shop.api("GET", f"/payments/{paid['imp_uid']}").expect_ok()
    assert (mine["status"], mine["cancel_amount"]) == ("paid", 0)
    assert shop.api("GET", f"/subscribe/customers/{customer_uid}").expect_ok()["customer_uid"] == customer_uid


def test_same_customer_uid_and_merchant_uid_are_independent_per_merchant(shop: TestMerchant, other_shop: TestMerchant) -> None:
    customer_uid, order = unique("cust"), unique("order")
    for merchant in (shop, other_shop):
        merchant.issue_key(customer_uid).expect_ok()
        assert merchant.again(customer_uid, order).expect_ok()["status"] == "paid"

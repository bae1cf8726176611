from tests.harness import TestMerchant, unique


def test_issue_charge_and_find(shop: TestMerchant) -> None:
    shop.issue_key("cust").expect_ok()
    order = unique("order")
    paid = shop.again("cust", order, 4500).expect_ok()
    assert paid["status"] == "paid"
    assert shop.api("GET", f"/payments/{paid['imp_uid']}").expect_ok()["amount"] == 4500

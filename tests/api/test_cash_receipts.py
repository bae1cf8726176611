"""Cash receipts (#10 item 5): ``/receipts/{imp_uid}`` for a paid virtual account, the external
kind, their printable page, the payment's ``cash_receipt_issued`` and balance, refusals, isolation."""

from __future__ import annotations

import httpx

from tests.harness import GatewayServer, TestMerchant, unique

PHONE = "010-1234-5678"


def _paid_vbank(shop: TestMerchant, gateway: GatewayServer, amount: int = 22_000, **extra: object) -> dict:  # type: ignore[type-arg]
    issued = shop.api("POST", "/vbanks", json={
        "merchant_uid": unique("vb"), "amount": amount, "vbank_code": "088", "name": "현금 주문",
        "vbank_due": gateway.clock.now() + 86_400, "vbank_holder": "페이먹스", **extra,
    }).expect_ok()
    return shop.api("POST", f"/vbanks/{issued['imp_uid']}/deposit", json={"amount": amount}).expect_ok()


def test_receipt_for_a_paid_virtual_account_is_issued_read_printed_and_cancelled(
    gateway: GatewayServer, shop: TestMerchant
) -> None:
    paid = _paid_vbank(shop, gateway, 22_000)
    imp_uid = paid["imp_uid"]
    assert paid["cash_receipt_issued"] is False

    issued = shop.api("POST", f"/receipts/{imp_uid}", json={"identifier": PHONE, "identifier_type": "phone"}).expect_ok()
    assert (issued["imp_uid"], issued["type"], issued["amount"], issued["vat"]) == (imp_uid, "person", 22_000, 2_000)
    assert len(issued["apply_num"]) == 9 and issued["applied_at"] > 0 and issued["cancelled_at"] == 0
    assert shop.api("GET", f"/payments/{imp_uid}").expect_ok()["cash_receipt_issued"] is True
    assert shop.api("GET", f"/receipts/{imp_uid}").expect_ok() == issued

    page = httpx.get(issued["receipt_url"], timeout=10)
    assert page.status_code == 200 and issued["apply_num"] in page.text and "22,000원" in page.text
    assert PHONE.replace("-", "") not in page.text and "010****5678" in page.text  # masked, never whole

    again = shop.api("POST", f"/receipts/{imp_uid}", json={"identifier": PHONE})
    assert (again.status, again.code) == (400, -1) and "이미 현금영수증이 발급된" in again.message

    cancelled = shop.api("DELETE", f"/receipts/{imp_uid}").expect_ok()
    assert cancelled["cancelled_at"] > 0 and cancelled["apply_num"] == issued["apply_num"]
    assert shop.api("GET", f"/payments/{imp_uid}").expect_ok()["cash_receipt_issued"] is False
    assert 'data-status="cancelled"' in httpx.get(issued["receipt_url"], timeout=10).text
    twice = shop.api("DELETE", f"/receipts/{imp_uid}")
    assert twice.status == 400 and "이미 취소된" in twice.message

    company = shop.api("POST", f"/receipts/{imp_uid}", json={"identifier": "123-45-67890", "type": "company"}).expect_ok()
    assert company["type"] == "company" and company["cancelled_at"] == 0 and company["apply_num"] != issued["apply_num"]


def test_receipt_covers_the_balance_left_after_a_partial_refund_and_shows_in_the_balance(
    gateway: GatewayServer, shop: TestMerchant
) -> None:
    paid = _paid_vbank(shop, gateway, 33_000)
    imp_uid = paid["imp_uid"]
    refund = {"refund_holder": "홍길동", "refund_bank": "088", "refund_account": "110123456789"}
    shop.api("POST", "/payments/cancel", json={"imp_uid": imp_uid, "amount": 11_000, **refund}).expect_ok()
    issued = shop.api("POST", f"/receipts/{imp_uid}", json={"identifier": "01098765432"}).expect_ok()
    assert (issued["amount"], issued["vat"]) == (22_000, 2_000)

    balance = shop.api("GET", f"/payments/{imp_uid}/balance").expect_ok()
    assert balance["amount"] == 33_000
    assert balance["primary"] == {"tax_free": 0, "supply": 20_000, "vat": 2_000, "service": 0}
    assert balance["cash_receipt"] == {"tax_free": 0, "supply": 20_000, "vat": 2_000, "service": 0}
    assert balance["secondary"] == balance["discount"] == {"tax_free": 0, "supply": 0, "vat": 0, "service": 0}
    primaries = [h["primary"]["supply"] + h["primary"]["vat"] for h in balance["histories"]]
    assert primaries == [33_000, -11_000, 0] and [h["cash_receipt"]["vat"] for h in balance["histories"]] == [0, 0, 2_000]


def test_receipts_are_refused_for_cards_unpaid_payments_and_bad_identifiers(
    gateway: GatewayServer, shop: TestMerchant
) -> None:
    shop.issue_key(customer := unique("cu"))
    card = shop.again(customer, unique("card")).expect_ok()
    refused = shop.api("POST", f"/receipts/{card['imp_uid']}", json={"identifier": PHONE})
    assert refused.status == 400 and "pay_method 'card'" in refused.message

    ready = shop.api("POST", "/vbanks", json={
        "merchant_uid": unique("vb"), "amount": 5_000, "vbank_code": "004", "vbank_due": gateway.clock.now() + 86_400,
        "vbank_holder": "페이먹스",
    }).expect_ok()
    unpaid = shop.api("POST", f"/receipts/{ready['imp_uid']}", json={"identifier": PHONE})
    assert unpaid.status == 400 and "not paid" in unpaid.message

    paid = _paid_vbank(shop, gateway)
    for body, field in (({}, "identifier"), ({"identifier": "12ab"}, "identifier"),
                        ({"identifier": PHONE, "identifier_type": "passport"}, "identifier_type"),
                        ({"identifier": "0101234567890", "identifier_type": "phone"}, "identifier"),
                        ({"identifier": PHONE, "type": "friend"}, "type"),
                        ({"identifier": PHONE, "tax_free": 99_999_999}, "tax_free"),
                        ({"identifier": PHONE, "tax_free": "1.5"}, "tax_free")):
        bad = shop.api("POST", f"/receipts/{paid['imp_uid']}", json=body)
        assert (bad.status, bad.code) == (400, -1) and field in bad.message, body
    assert shop.api("GET", f"/receipts/{paid['imp_uid']}").status == 404  # nothing was issued
    assert shop.api("DELETE", f"/receipts/{paid['imp_uid']}").status == 400
    assert shop.api("POST", "/receipts/imp_000000000000", json={"identifier": PHONE}).status == 404


def test_external_receipt_for_a_cash_sale_outside_paymux(shop: TestMerchant) -> None:
    order = unique("shop_cash")
    body = {"name": "매장 현금판매", "amount": 15_000, "identifier": "1234567890", "identifier_type": "business",
            "type": "company", "tax_free": 4_000, "buyer_name": "홍길동"}
    issued = shop.api("POST", f"/receipts/external/{order}", json=body).expect_ok()
    assert (issued["merchant_uid"], issued["amount"], issued["vat"], issued["type"]) == (order, 15_000, 1_000, "company")
    assert shop.api("GET", f"/receipts/external/{order}").expect_ok() == issued
    again = shop.api("POST", f"/receipts/external/{order}", json=body)
    assert again.status == 400
    assert shop.api("DELETE", f"/receipts/external/{order}").expect_ok()["cancelled_at"] > 0
    assert shop.api("GET", f"/receipts/external/{unique('none')}").status == 404
    for missing in ("name", "amount", "identifier"):
        bad = shop.api("POST", f"/receipts/external/{unique('o')}", json={k: v for k, v in body.items() if k != missing})
        assert bad.status == 400 and missing in bad.message


def test_another_merchant_cannot_see_issue_or_cancel_a_receipt(
    gateway: GatewayServer, shop: TestMerchant, other_shop: TestMerchant
) -> None:
    paid = _paid_vbank(shop, gateway)
    imp_uid = paid["imp_uid"]
    shop.api("POST", f"/receipts/{imp_uid}", json={"identifier": PHONE}).expect_ok()
    order = unique("ext")
    shop.api("POST", f"/receipts/external/{order}", json={"name": "x", "amount": 1_000, "identifier": PHONE}).expect_ok()

    assert other_shop.api("GET", f"/receipts/{imp_uid}").status == 404
    assert other_shop.api("DELETE", f"/receipts/{imp_uid}").status == 404
    assert other_shop.api("POST", f"/receipts/{imp_uid}", json={"identifier": PHONE}).status == 404
    assert other_shop.api("GET", f"/payments/{imp_uid}/balance").status == 404
    assert other_shop.api("GET", f"/receipts/external/{order}").status == 404
    assert other_shop.api("DELETE", f"/receipts/external/{order}").status == 400
    assert shop.api("GET", f"/receipts/{imp_uid}").expect_ok()["cancelled_at"] == 0
    assert shop.api("GET", f"/receipts/external/{order}").expect_ok()["cancelled_at"] == 0


def test_concurrent_issues_of_one_receipt_issue_it_once(gateway: GatewayServer, shop: TestMerchant) -> None:
    from concurrent.futures import ThreadPoolExecutor

    paid = _paid_vbank(shop, gateway)
    token = shop.token()
    url = f"{gateway.base_url}/receipts/{paid['imp_uid']}"

    def issue(_: int) -> int:
        with httpx.Client(timeout=30) as client:
            return client.post(url, json={"identifier": PHONE}, headers={"Authorization": token}).json()["code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(issue, range(8)))
    assert sorted(codes) == [-1] * 7 + [0]
    assert shop.api("GET", f"/receipts/{paid['imp_uid']}").expect_ok()["cancelled_at"] == 0

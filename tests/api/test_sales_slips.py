"""Fields as i'mport sends them (issue 10 item 6): ``receipt_url`` (the sales slip of a paid card
payment and of each cancel), a billing key's ``card_type`` (0 credit / 1 check), the card of a
declined payment. Each through HTTP on both databases; the slip page rendered in Chromium."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from tests.browser import browser, page, screenshot  # noqa: F401  (fixtures)
from tests.checkout.test_window_rules import approve, open_window, param, rsp_of
from tests.harness import CARD_OK, CARD_REFUSED, GatewayServer, TestMerchant, unique
from tests.live.conftest import LiveShop, inicis, live_shop  # noqa: F401  (fixtures)

CHECK_CARD = "9490-9412-3456-7890"  # NH check card in the sandbox's BIN table (docs/sandbox.md)
INICIS_SLIP = "https://iniweb.inicis.com/DefaultWebApp/mall/cr/cm/mCmReceipt_head.jsp?noTid={tid}&noMethod=1"


def _paid(shop: TestMerchant, amount: int = 33_000, card: str = CARD_OK) -> dict:
    customer_uid = unique("cust")
    shop.issue_key(customer_uid, card_number=card).expect_ok()
    return shop.again(customer_uid, unique("order"), amount, buyer_name="홍길동").expect_ok()


def test_a_paid_card_payment_links_its_printable_sales_slip(gateway: GatewayServer, shop: TestMerchant) -> None:
    paid = _paid(shop)
    url = paid["receipt_url"]
    assert url.startswith(f"{gateway.base_url}/sales-slips/{paid['imp_uid']}?sig=")
    assert shop.api("GET", f"/payments/{paid['imp_uid']}").expect_ok()["receipt_url"] == url  # stored, not made up per read

    slip = httpx.get(url, timeout=30)  # no token: the URL is the key
    assert slip.status_code == 200 and slip.headers["content-type"].startswith("text/html")
    for shown in ("신용카드 매출전표", paid["merchant_uid"], paid["imp_uid"], paid["pg_tid"], "33,000원", "536148******1234",
                  "현대카드", "홍길동", "TEST"):
        assert shown in slip.text
    assert "5361481234561234" not in slip.text.replace("-", "")


def test_a_slip_url_cannot_be_altered_or_guessed(gateway: GatewayServer, shop: TestMerchant, other_shop: TestMerchant) -> None:
    mine, theirs = _paid(shop), _paid(other_shop)
    signature = parse_qs(urlsplit(mine["receipt_url"]).query)["sig"][0]
    for url in (
        f"{gateway.base_url}/sales-slips/{theirs['imp_uid']}?sig={signature}",  # my signature, their payment
        mine["receipt_url"][:-2] + ("AA" if not mine["receipt_url"].endswith("AA") else "BB"),
        f"{gateway.base_url}/sales-slips/{mine['imp_uid']}",
        mine["receipt_url"] + "&cancellation_id=nope",
    ):
        refused = httpx.get(url, timeout=30)
        assert refused.status_code == 404 and theirs["merchant_uid"] not in refused.text


def test_each_cancel_has_its_own_slip(gateway: GatewayServer, shop: TestMerchant) -> None:
    paid = _paid(shop, 10_000)
    shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 3_000, "reason": "일부 환불"}).expect_ok()
    cancelled = shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "reason": "전액 환불"}).expect_ok()
    urls = [c["receipt_url"] for c in cancelled["cancel_history"]]
    assert len(set(urls)) == 2 and cancelled["cancel_receipt_urls"] == urls
    assert cancelled["receipt_url"] == paid["receipt_url"]  # the sale's own slip stays
    for entry, amount, reason in zip(cancelled["cancel_history"], ("3,000원", "7,000원"), ("일부 환불", "전액 환불"), strict=True):
        slip = httpx.get(entry["receipt_url"], timeout=30)
        assert slip.status_code == 200
        assert "신용카드 취소전표" in slip.text and amount in slip.text and reason in slip.text and entry["pg_tid"] in slip.text


def test_a_failed_payment_has_no_slip_but_names_its_card(shop: TestMerchant) -> None:
    customer_uid = unique("cust")
    shop.issue_key(customer_uid, card_number=CARD_REFUSED).expect_ok()
    failed = shop.again(customer_uid, unique("order"), 9_900).expect_ok()
    assert (failed["status"], failed["receipt_url"]) == ("failed", None)
    assert (failed["card_code"], failed["card_name"], failed["card_type"], failed["card_number"]) == (
        "366", "신한카드", 0, "400000******0002")


def test_a_billing_keys_card_type_is_i_mports_0_credit_or_1_check(shop: TestMerchant) -> None:
    credit, check = unique("cust"), unique("cust")
    assert shop.issue_key(credit).expect_ok()["card_type"] == 0
    issued = shop.issue_key(check, card_number=CHECK_CARD).expect_ok()
    assert (issued["card_type"], issued["card_code"], issued["card_name"]) == (1, "371", "NH카드")
    assert shop.api("GET", f"/subscribe/customers/{check}").expect_ok()["card_type"] == 1
    paid = shop.again(check, unique("order"), 5_000).expect_ok()
    assert (paid["card_type"], paid["card_code"]) == (1, "371")


def test_a_window_card_payment_has_a_slip(gateway: GatewayServer, shop: TestMerchant) -> None:
    window = open_window(gateway, shop.user_code, param(unique("window")))
    rsp = rsp_of(approve(gateway, window.ticket))
    assert rsp["success"] and rsp["receipt_url"].startswith(f"{gateway.base_url}/sales-slips/{rsp['imp_uid']}?sig=")
    assert httpx.get(rsp["receipt_url"], timeout=30).status_code == 200


def test_a_live_inicis_payment_links_inicis_own_slip(live_shop: LiveShop) -> None:
    customer_uid = unique("cust")
    live_shop.issue_key(customer_uid).expect_ok()
    paid = live_shop.merchant.again(customer_uid, unique("order"), 12_000).expect_ok()
    assert paid["receipt_url"] == INICIS_SLIP.format(tid=paid["pg_tid"])
    cancelled = live_shop.merchant.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 2_000}).expect_ok()
    (entry,) = cancelled["cancel_history"]
    assert entry["receipt_url"] == INICIS_SLIP.format(tid=entry["pg_tid"])


def test_the_slip_renders_and_prints_in_chromium(gateway: GatewayServer, shop: TestMerchant, page, request) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    paid = _paid(shop, 55_000)
    page.goto(paid["receipt_url"])
    slip = page.get_by_test_id("sales-slip")
    assert slip.is_visible() and slip.get_attribute("data-kind") == "sale"
    assert page.get_by_test_id("amount").inner_text() == "55,000원"
    assert page.get_by_test_id("card-number").inner_text() == "536148******1234"
    assert page.get_by_test_id("sandbox-badge").is_visible()
    assert page.get_by_test_id("print").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_test_id("print").is_visible()  # the print view is the slip alone
    screenshot(page, request, "sales-slip")

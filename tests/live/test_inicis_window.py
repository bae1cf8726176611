"""``IMP.request_pay`` on a live KG INICIS channel, driven over HTTP exactly as the browser does it:
paymux's window hands the buyer to INICIS's own window (the signed INIStdPay form, or the mobile P_
form), INICIS sends the buyer back to paymux, and paymux approves at the authUrl it derives itself.
Each test checks the result the shop gets against ``GET /payments/{imp_uid}`` and the PG's ledger."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from paymux.connectors.inicis import protocol
from paymux.services.reconcile import settle_pending_outcomes
from tests.checkout.test_window_rules import SHOP_ORIGIN, param, rsp_of
from tests.checkout.test_window_rules import open_window as open_paymux_window
from tests.connectors.inicis.support import attrs_of, forms, text_of
from tests.harness import CARD_OK, CARD_TIMEOUT_APPROVED, GatewayServer, unique
from tests.live.conftest import LIVE_MID, LiveShop, after_grace


def open_window(gateway: GatewayServer, user_code: str, body: Any, **kwargs: Any) -> httpx.Response:
    """The SDK's form post to paymux's window: the page the buyer's browser gets."""
    return open_paymux_window(gateway, user_code, body, **kwargs).reply


CARD_INPUTS = {"card_number": CARD_OK, "card_expiry": "12/30", "card_birth": "820213", "card_password": "00"}


def launch_fields(reply: httpx.Response) -> tuple[dict[str, str], dict[str, str] | None]:
    """The form paymux's launch page submits to INICIS, and the page's attributes."""
    form = forms(reply.text)["pg-launch-form"]
    return form.fields, attrs_of(reply.text, "pg-launch")


def inicis_window(live_shop: LiveShop, fields: dict[str, str], *, mobile: bool = False) -> httpx.Response:
    if mobile:
        body = protocol.encode_form(fields, protocol.EUC_KR)
        return httpx.post(live_shop.inicis.base_url + "/smart/payment/", content=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    return httpx.post(live_shop.inicis.base_url + "/payMain/pay", data=fields)


def pay_in_window(live_shop: LiveShop, window: httpx.Response, **inputs: str) -> dict[str, str]:
    """Fill INICIS's window and press 결제하기: the fields INICIS posts back to paymux's return URL."""
    form = forms(window.text)["window-form"]
    result = httpx.post(urljoin(live_shop.inicis.base_url + "/", form.action), data={**form.fields, "pay": "1", **inputs})
    returned = forms(result.text)["return-form"]
    assert returned.action.startswith(live_shop.merchant.server.base_url + "/checkout/pg/return?ticket=")
    return {"action": returned.action, **returned.fields}


def back_to_paymux(returned: dict[str, str], **kwargs: Any) -> httpx.Response:
    action = returned.pop("action")
    return httpx.post(action, data=returned, timeout=30, **kwargs)


def pay(gateway: GatewayServer, live_shop: LiveShop, body: dict[str, Any], **inputs: str) -> dict[str, Any]:
    fields, _ = launch_fields(open_window(gateway, live_shop.merchant.user_code, body))
    returned = pay_in_window(live_shop, inicis_window(live_shop, fields), **(inputs or CARD_INPUTS))
    return rsp_of(back_to_paymux(returned))


def test_the_seed_inicis_example_pays_through_inicis_own_window(gateway: GatewayServer, live_shop: LiveShop) -> None:
    reply = open_window(gateway, live_shop.merchant.user_code, param(unique("order_no"), name="주문명:결제테스트", amount=1004))
    fields, page = launch_fields(reply)
    assert page is not None and page["data-mode"] == "live" and attrs_of(reply.text, "test-badge") is None
    assert (fields["mid"], fields["price"], fields["gopaymethod"]) == (LIVE_MID, "1004", "Card")
    assert f'src="{live_shop.inicis.base_url}/stdjs/INIStdPay.js"' in reply.text
    window = inicis_window(live_shop, fields)
    assert attrs_of(window.text, "inicis-window") is not None and text_of(window.text, "order-amount") is not None
    rsp = rsp_of(back_to_paymux(pay_in_window(live_shop, window, **CARD_INPUTS)))
    assert rsp["success"] is True and rsp["paid_amount"] == 1004 and rsp["pg_provider"] == "html5_inicis"
    stored = live_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["pg_tid"]) == ("paid", 1004, rsp["pg_tid"])
    assert live_shop.payment_at_pg(rsp["imp_uid"])["price"] == 1004


def test_a_tampered_amount_gets_inicis_own_error_and_charges_nothing(gateway: GatewayServer, live_shop: LiveShop) -> None:
    fields, _ = launch_fields(open_window(gateway, live_shop.merchant.user_code, param(unique("order"), amount=50_000)))
    window = inicis_window(live_shop, {**fields, "price": "100"})  # the buyer edits the form
    assert attrs_of(window.text, "inicis-window") is None and text_of(window.text, "error-code")
    assert live_shop.payment_at_pg(fields["oid"]) is None


def test_a_forged_return_with_another_auth_url_is_refused(gateway: GatewayServer, live_shop: LiveShop) -> None:
    fields, _ = launch_fields(open_window(gateway, live_shop.merchant.user_code, param(unique("order"))))
    returned = pay_in_window(live_shop, inicis_window(live_shop, fields), **CARD_INPUTS)
    returned["authUrl"] = "http://127.0.0.1:9/api/payAuth"  # an attacker's approval endpoint
    rsp = rsp_of(back_to_paymux(returned))
    assert rsp["success"] is False and "authUrl" in rsp["error_msg"]
    assert live_shop.payment_at_pg(fields["oid"]) is None


def test_closing_inicis_window_fails_the_payment_as_cancelled_by_the_buyer(gateway: GatewayServer, live_shop: LiveShop) -> None:
    fields, _ = launch_fields(open_window(gateway, live_shop.merchant.user_code, param(unique("order"))))
    window = inicis_window(live_shop, fields)
    form = forms(window.text)["window-form"]
    closed = httpx.post(urljoin(live_shop.inicis.base_url + "/", form.action), data={**form.fields, "cancel": "1"}, follow_redirects=True)
    rsp = rsp_of(closed)
    assert rsp["success"] is False and rsp["error_code"] == "F1002"
    assert live_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["status"] == "failed"


def test_a_declined_card_in_inicis_window_is_a_failed_payment(gateway: GatewayServer, live_shop: LiveShop) -> None:
    rsp = pay(gateway, live_shop, param(unique("order")), **{**CARD_INPUTS, "card_number": "4000-0000-0000-9995"})
    assert rsp["success"] is False and "120054" in rsp["error_msg"]
    assert live_shop.payment_at_pg(rsp["imp_uid"]) is None


def test_the_billing_key_window_stores_inicis_key_and_later_charges_use_it(gateway: GatewayServer, live_shop: LiveShop) -> None:
    customer = unique("cust")
    body = param(unique("order_monthly"), name="최초인증결제", amount=0, customer_uid=customer,
                 buyer_email="iamport@siot.do", buyer_tel="02-1234-1234")
    fields, _ = launch_fields(open_window(gateway, live_shop.merchant.user_code, body))
    assert "BILLAUTH(Card)" in fields["acceptmethod"]
    rsp = rsp_of(back_to_paymux(pay_in_window(live_shop, inicis_window(live_shop, fields), **CARD_INPUTS)))
    assert rsp["success"] is True and rsp["customer_uid"] == customer and rsp["paid_amount"] == 0
    key = live_shop.merchant.api("GET", f"/subscribe/customers/{customer}").expect_ok()
    assert key["card_number"] == "536148******1234" and key["pg_id"] == LIVE_MID
    charged = live_shop.merchant.again(customer, unique("order"), 3_000).expect_ok()
    assert charged["status"] == "paid" and live_shop.payment_at_pg(charged["imp_uid"])["price"] == 3_000


def test_a_mobile_window_returns_to_m_redirect_url(gateway: GatewayServer, live_shop: LiveShop) -> None:
    body = param(unique("order"), m_redirect_url=f"{SHOP_ORIGIN}/complete?cart=1")
    reply = open_window(gateway, live_shop.merchant.user_code, body, display="redirect")
    fields, _ = launch_fields(reply)
    assert 'accept-charset="euc-kr"' in reply.text and fields["P_MID"] == LIVE_MID
    returned = pay_in_window(live_shop, inicis_window(live_shop, fields, mobile=True), **CARD_INPUTS)
    done = back_to_paymux(returned, follow_redirects=False)
    assert done.status_code == 303
    target = urlsplit(done.headers["location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{SHOP_ORIGIN}/complete"
    assert query["imp_success"] == ["true"] and query["cart"] == ["1"]
    stored = live_shop.merchant.api("GET", f"/payments/{query['imp_uid'][0]}").expect_ok()
    assert (stored["status"], stored["channel"]) == ("paid", "mobile")


def test_a_virtual_account_from_the_window_is_paid_by_inicis_notice(gateway: GatewayServer, live_shop: LiveShop) -> None:
    rsp = pay(gateway, live_shop, param(unique("order"), pay_method="vbank", amount=25_000), bank="04")
    assert rsp["success"] is True and rsp["status"] == "ready" and rsp["vbank_num"]
    notice = live_shop.inicis.deposit(rsp["pg_tid"])
    assert notice["notice"]["acknowledged"], notice
    paid = live_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (paid["status"], paid["amount"]) == ("paid", 25_000)


def test_an_approval_whose_answer_is_lost_is_net_cancelled_by_the_reconciler(gateway: GatewayServer, live_shop: LiveShop) -> None:
    rsp = pay(gateway, live_shop, param(unique("order"), amount=7_000), **{**CARD_INPUTS, "card_number": CARD_TIMEOUT_APPROVED})
    assert rsp["success"] is False and rsp["status"] == "ready"  # the answer was lost: confirming
    assert live_shop.payment_at_pg(rsp["imp_uid"])["status"] == "approved"
    after_grace(gateway, settle_pending_outcomes)
    stored = live_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert stored["status"] == "failed" and "net-cancelled" in stored["fail_reason"]
    assert live_shop.payment_at_pg(rsp["imp_uid"])["status"] == "cancelled"  # nothing stays charged


def test_a_live_channel_without_its_keys_is_refused_before_any_card_is_asked_for(gateway: GatewayServer) -> None:
    merchant = gateway.create_merchant("half-configured shop")
    merchant.add_channel("html5_inicis", "general", mid="MYLIVEMID", mode="live", default=True)
    reply = open_window(gateway, merchant.user_code, param(unique("order")))
    assert attrs_of(reply.text, "pg-launch") is None and attrs_of(reply.text, "payment-window") is None
    rsp = rsp_of(reply)
    assert rsp["success"] is False and "sign_key" in rsp["error_msg"]


def test_a_test_mode_channel_pointed_at_the_emulator_shows_the_test_badge(gateway: GatewayServer, live_shop: LiveShop) -> None:
    merchant = gateway.create_merchant("test-mode window shop")
    merchant.add_channel("html5_inicis", "general", default=True, endpoint=live_shop.inicis.base_url)  # INIpayTest
    reply = open_window(gateway, merchant.user_code, param(unique("order")))
    fields, page = launch_fields(reply)
    assert page is not None and page["data-mode"] == "test" and attrs_of(reply.text, "test-badge") is not None
    assert fields["mid"] == "INIpayTest"
    rsp = rsp_of(back_to_paymux(pay_in_window(live_shop, inicis_window(live_shop, fields), **CARD_INPUTS)))
    assert rsp["success"] is True and json.dumps(rsp)


def test_paymux_sandbox_screens_cannot_approve_a_payment_made_in_inicis_window(gateway: GatewayServer, live_shop: LiveShop) -> None:
    fields, _ = launch_fields(open_window(gateway, live_shop.merchant.user_code, param(unique("order"))))
    ticket = parse_qs(urlsplit(fields["returnUrl"]).query)["ticket"][0]
    forged = httpx.post(f"{gateway.base_url}/checkout/approve", data={
        "ticket": ticket, "card_company": "367", "card_number": CARD_OK, "expiry": "2030-12", "birth": "820213"})
    assert forged.status_code == 404
    assert live_shop.payment_at_pg(fields["oid"]) is None
    waiting = live_shop.merchant.api("GET", f"/payments/{fields['oid']}").expect_ok()
    assert waiting["status"] == "ready"  # the buyer can still pay in INICIS's window


def test_an_authentication_approved_too_late_is_refused_by_inicis_and_charges_nothing(gateway: GatewayServer, live_shop: LiveShop) -> None:
    fields, _ = launch_fields(open_window(gateway, live_shop.merchant.user_code, param(unique("order"))))
    returned = pay_in_window(live_shop, inicis_window(live_shop, fields), **CARD_INPUTS)
    gateway.clock.advance(11 * 60)  # INICIS's authToken lives 10 minutes (the emulator's clock is paymux's)
    try:
        rsp = rsp_of(back_to_paymux(returned))
    finally:
        gateway.clock.reset()
    assert rsp["success"] is False and "V804" in rsp["error_msg"]
    assert live_shop.payment_at_pg(fields["oid"]) is None


def test_a_buyer_whose_inicis_window_never_opens_can_close_paymux_launch_page(gateway: GatewayServer, live_shop: LiveShop) -> None:
    reply = open_window(gateway, live_shop.merchant.user_code, param(unique("order")))
    close = forms(reply.text)["pg-launch-close-form"]  # shown after a few seconds if INICIS's script never ran
    rsp = rsp_of(httpx.post(urljoin(gateway.base_url + "/", close.action), timeout=30))
    assert rsp["success"] is False and rsp["error_code"] == "F1002"

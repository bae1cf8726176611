"""``IMP.request_pay`` on a live KG Mobilians channel over HTTP, exactly as the browser does it: paymux's
window registers the trade at Mobilians and hands the buyer to Mobilians' phone window; the buyer
confirms the SMS code; Mobilians posts the result to paymux's ok_url and paymux approves (TID mode).
Each test checks what the shop gets against ``GET /payments/{imp_uid}`` and the PG's own ledger.
Both databases (the ``gateway`` fixture), the emulator on loopback sharing the gateway's clock."""

from __future__ import annotations

from typing import Any

import httpx

from paymux.connectors.mobilians.emulator import PAYMUX_LIVE_SERVICE
from tests.checkout.test_window_rules import open_window as open_paymux_window
from tests.checkout.test_window_rules import param, rsp_of
from tests.connectors.inicis.support import attrs_of, forms
from tests.connectors.mobilians.support import MobiliansEmulator, authenticate
from tests.harness import GatewayServer, TestMerchant, unique


def seed_param(order: str, **overrides: Any) -> dict[str, Any]:
    """Seed 004's authenticated example (pg 'mobilians', phone, 14,000 KRW, buyer_tel required)."""
    body = param(order, pg="mobilians", pay_method="phone", name="Order name: Test payment request", amount=14_000,
                 buyer_email="buyer@example.com", buyer_name="John Doe", buyer_tel="010-1234-5678",
                 buyer_addr="Shinsa-dong, Gangnam-gu, Seoul", buyer_postcode="123-456")
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def launch(gateway: GatewayServer, merchant: TestMerchant, body: dict[str, Any]) -> tuple[httpx.Response, str, str]:
    """paymux's launch page, the Mobilians window URL it goes to, and the registered tid."""
    reply = open_paymux_window(gateway, merchant.user_code, body).reply
    form = forms(reply.text)["pg-launch-form"]
    return reply, form.action, form.fields["tid"]


def back_to_paymux(returned: dict[str, str], **kwargs: Any) -> httpx.Response:
    fields = dict(returned)
    action = fields.pop("action")
    return httpx.post(action, data=fields, timeout=30, **kwargs)


def pay(gateway: GatewayServer, mobilians: MobiliansEmulator, merchant: TestMerchant, body: dict[str, Any],
        phone: str = "01012345678") -> dict[str, Any]:
    _, url, tid = launch(gateway, merchant, body)
    return rsp_of(back_to_paymux(authenticate(mobilians, url, tid, phone)))


def issue_key(gateway: GatewayServer, mobilians: MobiliansEmulator, merchant: TestMerchant, customer_uid: str,
              phone: str = "01012345678") -> dict[str, Any]:
    """Seed 004's non-authenticated example: the phone billing-key window (amount 0, display only)."""
    body = seed_param(unique("issue_billingkey_monthly"), name="Initial billing key request", amount=0,
                      customer_uid=customer_uid, buyer_tel="02-1234-1234")
    return pay(gateway, mobilians, merchant, body, phone)


def test_the_seed_mobilians_example_pays_through_mobilians_phone_window(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant
) -> None:
    reply, url, tid = launch(gateway, mobilians_shop, seed_param(unique("order_no")))
    page = attrs_of(reply.text, "pg-launch")
    assert page is not None and page["data-pg"] == "mobilians" and page["data-mode"] == "live"
    assert url == f"{mobilians_pg.base_url}/MUP/api/payment.mcash"
    returned = authenticate(mobilians_pg, url, tid)
    assert returned["action"].startswith(gateway.base_url + "/checkout/pg/return?ticket=~")
    rsp = rsp_of(back_to_paymux(returned))
    assert rsp["success"] is True, rsp.get("error_msg")
    assert (rsp["paid_amount"], rsp["pg_provider"], rsp["pay_method"]) == (14_000, "mobilians", "phone")
    stored = mobilians_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["pg_id"]) == ("paid", 14_000, PAYMUX_LIVE_SERVICE.sid)
    at_pg = mobilians_pg.payment(rsp["imp_uid"])
    assert at_pg is not None and (at_pg["amount"], at_pg["pay_token"]) == (14_000, stored["pg_tid"])
    registered = mobilians_pg.requests_for(rsp["imp_uid"], "registration")[0]["body"]
    assert len(registered["ok_url"]) <= 128 and registered["pay_options"]["mc_no"] == "01012345678"


def test_a_phone_over_its_limit_is_declined_with_mobilians_code(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant
) -> None:
    rsp = pay(gateway, mobilians_pg, mobilians_shop, seed_param(unique("order")), "01012340031")
    assert rsp["success"] is False and "[0031]" in rsp["error_msg"]
    assert mobilians_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["status"] == "failed"
    assert mobilians_pg.payment(rsp["imp_uid"]) is None


def test_closing_mobilians_window_fails_the_payment_as_cancelled_by_the_buyer(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant
) -> None:
    _, _, tid = launch(gateway, mobilians_shop, seed_param(unique("order")))
    closed = httpx.post(f"{mobilians_pg.base_url}/MUP/api/payment.mcash/close", data={"tid": tid}, follow_redirects=True)
    rsp = rsp_of(closed)
    assert rsp["success"] is False and rsp["error_code"] == "F1002"


def test_a_tampered_amount_is_refused_and_nothing_is_approved(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant
) -> None:
    _, url, tid = launch(gateway, mobilians_shop, seed_param(unique("order"), amount=50_000))
    returned = {**authenticate(mobilians_pg, url, tid), "amount": "100"}
    rsp = rsp_of(back_to_paymux(returned))
    assert rsp["success"] is False and "HMAC" in rsp["error_msg"]
    assert mobilians_pg.requests_for(rsp["imp_uid"], "approval") == []


def test_card_through_mobilians_is_refused_before_the_window(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant
) -> None:
    reply = open_paymux_window(gateway, mobilians_shop.user_code, seed_param(unique("order"), pay_method="card")).reply
    rsp = rsp_of(reply)
    assert rsp["success"] is False and "does not offer pay_method 'card'" in rsp["error_msg"]
    registered = [r for r in mobilians_pg.ledger()["requests"] if r["path"] == "registration"]
    assert all(r["body"]["trade_id"] != rsp.get("imp_uid") for r in registered)


def test_the_billing_key_window_keeps_mobilians_key_and_charges_nothing(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant
) -> None:
    customer = unique("gildong")
    rsp = issue_key(gateway, mobilians_pg, mobilians_shop, customer)
    assert rsp["success"] is True and (rsp["customer_uid"], rsp["paid_amount"]) == (customer, 0)
    assert mobilians_pg.payment(rsp["imp_uid"]) is None  # seed 004: no payment at key issue
    key = mobilians_shop.api("GET", f"/subscribe/customers/{customer}").expect_ok()
    assert key["pg_provider"] == "mobilians" and key["pg_id"] == PAYMUX_LIVE_SERVICE.sid

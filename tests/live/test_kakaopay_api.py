"""Kakao Pay through paymux's REST API and window on live-mode channels pointed at the Kakao Pay
emulator, over real HTTP, on SQLite and PostgreSQL: ``IMP.request_pay`` → paymux calls ``ready`` →
the buyer's browser goes to Kakao's page → Kakao sends it back to paymux with ``pg_token`` → paymux
approves. Billing keys are SIDs of the subscription CID (issued with or without a first charge), later
charged through ``/subscribe/payments/again`` and deactivated when the key is deleted. Every test checks
what paymux answered against the emulator's own ledger."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from paymux.services.cancels import settle_pending_cancellations
from paymux.services.reconcile import settle_pending_outcomes
from tests.checkout.test_window_rules import open_window as open_paymux_window
from tests.checkout.test_window_rules import param, rsp_of
from tests.connectors.inicis.support import attrs_of, forms
from tests.connectors.kakaopay.support import Buyer, KakaoPayEmulatorServer
from tests.harness import GatewayServer, unique
from tests.live.conftest import KAKAO_CID, KAKAO_SUBSCRIPTION_CID, KakaoShop, after_grace


def kakao_param(order: str, **overrides: Any) -> dict[str, Any]:
    return param(order, **{"pg": "kakaopay", "pay_method": "kakaopay", "name": "주문명:결제테스트", **overrides})


def kakao_page(gateway: GatewayServer, shop: KakaoShop, body: dict[str, Any]) -> str:
    """Open paymux's window; the URL of Kakao's page paymux's launch page sends the browser to (a GET form)."""
    reply = open_paymux_window(gateway, shop.merchant.user_code, body).reply
    page = attrs_of(reply.text, "pg-launch")
    assert page is not None and (page["data-pg"], page["data-mode"]) == ("kakaopay", "live"), reply.text[:400]
    form = forms(reply.text)["pg-launch-form"]
    assert form.action.startswith(shop.kakaopay.base_url + "/mockup/v1/")
    return form.action + ("?" + urlencode(form.fields) if form.fields else "")


def on_kakaos_page(gateway: GatewayServer, url: str, action: str = "approve", method: str = "MONEY") -> str:
    """The buyer presses ``action``; where Kakao sends the browser (paymux's return or close URL)."""
    buyer = Buyer()
    assert buyer.open(url).status_code == 200
    location = buyer.press(action, method).headers["location"]
    assert location.startswith(gateway.base_url + "/checkout/pg/")
    assert len(location.split("&pg_token=")[0]) <= 255  # what paymux gave Kakao fits Kakao's limit
    return location


def pay(gateway: GatewayServer, shop: KakaoShop, body: dict[str, Any], method: str = "MONEY", action: str = "approve",
        ) -> dict[str, Any]:
    location = on_kakaos_page(gateway, kakao_page(gateway, shop, body), action, method)
    return rsp_of(httpx.get(location, timeout=30))


def test_a_one_time_payment_goes_through_kakaos_ready_page_and_approve(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    order = unique("order")
    rsp = pay(gateway, kakao_shop, kakao_param(order, amount=1004), method="CARD_SHINHAN")
    assert (rsp["success"], rsp["paid_amount"], rsp["merchant_uid"], rsp["pg_provider"]) == (True, 1004, order, "kakaopay")
    stored = kakao_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["pg_id"], stored["pg_tid"]) == ("paid", 1004, KAKAO_CID, rsp["pg_tid"])
    assert (stored["card_code"], stored["card_name"], stored["card_type"]) == ("366", "신한카드", 1)
    [at_pg] = kakao_shop.approved_at_pg(rsp["imp_uid"])
    assert (at_pg["tid"], at_pg["total"], at_pg["status"], at_pg["cid"]) == (rsp["pg_tid"], 1004, "SUCCESS_PAYMENT", KAKAO_CID)
    assert at_pg["partner_user_id"] == order


def test_the_buyers_cancel_on_kakaos_page_fails_the_payment_and_charges_nothing(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    rsp = pay(gateway, kakao_shop, kakao_param(unique("order")), action="cancel")
    assert (rsp["success"], rsp["status"], rsp["error_code"]) == (False, "failed", "F1002")
    assert kakao_shop.approved_at_pg(rsp["imp_uid"]) == []


def test_kakaos_decline_is_a_failed_payment_with_kakaos_code(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    rsp = pay(gateway, kakao_shop, kakao_param(unique("order")), method="MONEY_LOW")
    assert rsp["success"] is False and "-780" in rsp["error_msg"] and "NOT_ENOUGH_BALANCE" in rsp["error_msg"]
    stored = kakao_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert stored["status"] == "failed" and kakao_shop.approved_at_pg(rsp["imp_uid"]) == []


def test_a_billing_key_with_a_first_charge_then_sid_charges_and_cancels(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    shop, customer = kakao_shop.merchant, unique("cust")
    body = kakao_param(unique("order"), pg=f"kakaopay.{KAKAO_SUBSCRIPTION_CID}", pay_method="card", customer_uid=customer,
                       amount=9_900, name="정기구독 첫 결제")
    first = pay(gateway, kakao_shop, body, method="CARD_KB")
    assert (first["success"], first["paid_amount"], first["customer_uid"]) == (True, 9_900, customer)
    key = shop.api("GET", f"/subscribe/customers/{customer}").expect_ok()
    assert (key["pg_provider"], key["pg_id"], key["card_code"]) == ("kakaopay", KAKAO_SUBSCRIPTION_CID, "381")
    [issued] = kakao_shop.approved_at_pg(first["imp_uid"])
    assert (issued["total"], issued["status"]) == (9_900, "SUCCESS_PAYMENT") and issued["sid"].startswith("S")

    again = shop.again(customer, unique("order"), 4_900).expect_ok()
    [charged] = kakao_shop.approved_at_pg(again["imp_uid"])
    assert (again["status"], again["pg_tid"], charged["total"], charged["sid"]) == ("paid", charged["tid"], 4_900, issued["sid"])

    partial = shop.api("POST", "/payments/cancel", json={"imp_uid": again["imp_uid"], "amount": 1_000, "checksum": 4_900}).expect_ok()
    assert (partial["status"], partial["cancel_amount"]) == ("paid", 1_000)
    at_pg = kakao_shop.at_pg(charged["tid"])
    assert at_pg is not None and (at_pg["status"], at_pg["canceled_total"], at_pg["cancel_available_amount"]) == ("PART_CANCEL_PAYMENT", 1_000, 3_900)
    rest = shop.api("POST", "/payments/cancel", json={"imp_uid": again["imp_uid"]}).expect_ok()
    assert (rest["status"], rest["cancel_amount"], len(rest["cancel_history"])) == ("cancelled", 4_900, 2)
    at_pg = kakao_shop.at_pg(charged["tid"])
    assert at_pg is not None and (at_pg["status"], at_pg["canceled_total"]) == ("CANCEL_PAYMENT", 4_900)
    assert [c["amount"] for c in rest["cancel_history"]] == [a["amount"] for a in at_pg["actions"] if a["payment_action_type"] == "CANCEL"]
    twice = shop.api("POST", "/payments/cancel", json={"imp_uid": again["imp_uid"]})
    assert twice.code != 0 and kakao_shop.at_pg(charged["tid"])["canceled_total"] == 4_900  # type: ignore[index]


def test_a_key_only_billing_window_then_deleting_the_key_deactivates_the_sid(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    shop, customer = kakao_shop.merchant, unique("cust")
    body = kakao_param(unique("order"), pg=f"kakaopay.{KAKAO_SUBSCRIPTION_CID}", customer_uid=customer, amount=0)
    rsp = pay(gateway, kakao_shop, body)
    assert (rsp["success"], rsp["paid_amount"]) == (True, 0)
    [issued] = [p for p in kakao_shop.kakaopay.ledger()["payments"] if p["partner_order_id"] == rsp["imp_uid"]]
    assert (issued["status"], issued["total"]) == ("ISSUED_SID", 0)
    sid = kakao_shop.kakaopay.sid(issued["sid"])
    assert sid is not None and sid["status"] == "ACTIVE"
    shop.api("DELETE", f"/subscribe/customers/{customer}").expect_ok()
    assert kakao_shop.kakaopay.sid(issued["sid"])["status"] == "INACTIVE"  # type: ignore[index]
    assert shop.api("GET", f"/subscribe/customers/{customer}").code != 0


def test_a_declined_sid_charge_is_a_failed_payment_and_charges_nothing(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    customer = unique("cust")
    body = kakao_param(unique("order"), pg=f"kakaopay.{KAKAO_SUBSCRIPTION_CID}", customer_uid=customer, amount=0)
    assert pay(gateway, kakao_shop, body)["success"] is True
    reply = kakao_shop.merchant.again(customer, unique("order"), 19_995)
    assert reply.response["status"] == "failed" and "-780" in reply.response["fail_reason"]
    assert kakao_shop.approved_at_pg(reply.response["imp_uid"]) == []


def test_a_window_approval_whose_answer_is_lost_is_settled_by_kakaos_order(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    location = on_kakaos_page(gateway, kakao_page(gateway, kakao_shop, kakao_param(unique("order"), amount=10_119)))
    rsp = rsp_of(httpx.get(location, timeout=30))  # paymux gave up waiting for approve's answer
    stored = kakao_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert stored["status"] == "ready"  # pending: never guessed
    after_grace(gateway, settle_pending_outcomes)
    settled = kakao_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    [at_pg] = kakao_shop.approved_at_pg(rsp["imp_uid"])
    assert (settled["status"], settled["amount"], settled["pg_tid"]) == ("paid", 10_119, at_pg["tid"])


def test_a_cancel_whose_answer_is_lost_is_recorded_once_after_kakaos_order(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    rsp = pay(gateway, kakao_shop, kakao_param(unique("order"), amount=8_000))
    lost = kakao_shop.merchant.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"], "reason": "lost-reply test"})
    assert lost.code == -1 and "confirming" in lost.message
    assert kakao_shop.at_pg(rsp["pg_tid"])["status"] == "CANCEL_PAYMENT"  # type: ignore[index]  # Kakao did refund
    after_grace(gateway, settle_pending_cancellations)
    settled = kakao_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (settled["status"], settled["cancel_amount"], len(settled["cancel_history"])) == ("cancelled", 8_000, 1)
    assert [a["payment_action_type"] for a in kakao_shop.at_pg(rsp["pg_tid"])["actions"]] == ["PAYMENT", "CANCEL"]  # type: ignore[index]


def test_a_lost_sid_charge_stays_pending_because_kakao_cannot_be_asked_by_order_id(
    gateway: GatewayServer, kakao_shop: KakaoShop
) -> None:
    customer = unique("cust")
    body = kakao_param(unique("order"), pg=f"kakaopay.{KAKAO_SUBSCRIPTION_CID}", customer_uid=customer, amount=0)
    assert pay(gateway, kakao_shop, body)["success"] is True
    order = unique("order")
    kakao_shop.merchant.again(customer, order, 10_119)
    pending = kakao_shop.merchant.api("GET", f"/payments/find/{order}").expect_ok()
    after_grace(gateway, settle_pending_outcomes)
    still = kakao_shop.merchant.api("GET", f"/payments/{pending['imp_uid']}").expect_ok()
    assert still["status"] == "ready" and len(kakao_shop.approved_at_pg(pending["imp_uid"])) == 1


def test_the_launch_url_paymux_gives_kakao_is_short_and_resolves_to_the_window(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    """paymux's window ticket is far longer than Kakao's 255-character URL limit: Kakao gets a stand-in."""
    order = unique("order")
    url = kakao_page(gateway, kakao_shop, kakao_param(order, custom_data={"note": "x" * 300}))
    [ready] = [r for r in kakao_shop.kakaopay.ledger()["requests"] if r["operation"] == "ready"
               and kakao_shop.kakaopay.payment(next(p["tid"] for p in kakao_shop.kakaopay.ledger()["payments"]
                                                    if p["partner_order_id"] == r["partner_order_id"]))["partner_user_id"] == order]
    location = on_kakaos_page(gateway, url)
    assert urlsplit(location).query.startswith("ticket=~")
    assert rsp_of(httpx.get(location, timeout=30))["success"] is True
    assert ready["auth"] == "SECRET_KEY"


def test_on_a_phone_the_buyer_goes_to_kakaos_mobile_page_and_lands_on_m_redirect_url(
    gateway: GatewayServer, kakao_shop: KakaoShop
) -> None:
    order = unique("order")
    body = kakao_param(order, amount=2_500, m_redirect_url="https://shop.example/complete?from=shop")
    reply = open_paymux_window(gateway, kakao_shop.merchant.user_code, body, display="redirect").reply
    form = forms(reply.text)["pg-launch-form"]
    assert form.action.endswith("/mInfo")
    buyer = Buyer()
    buyer.open(form.action)
    assert buyer.window()["data-device"] == "mobile"
    location = buyer.press("approve").headers["location"]
    landed = httpx.get(location, timeout=30)
    assert landed.status_code == 303
    target = urlsplit(landed.headers["location"])
    query = dict(pair.split("=", 1) for pair in target.query.split("&"))
    assert (target.netloc, target.path, query["from"], query["imp_success"]) == ("shop.example", "/complete", "shop", "true")
    stored = kakao_shop.merchant.api("GET", f"/payments/{query['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["channel"]) == ("paid", 2_500, "mobile")
    assert [p["total"] for p in kakao_shop.approved_at_pg(query["imp_uid"])] == [2_500]


def test_kakao_pay_in_maintenance_fails_the_window_before_the_buyer_leaves(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    order = unique("order")
    kakao_shop.kakaopay.outage(True)
    try:
        reply = open_paymux_window(gateway, kakao_shop.merchant.user_code, kakao_param(order)).reply
    finally:
        kakao_shop.kakaopay.outage(False)
    rsp = rsp_of(reply)
    assert rsp["success"] is False and "카카오페이" in rsp["error_msg"] and "try again" in rsp["error_msg"]
    assert not [p for p in kakao_shop.kakaopay.ledger()["payments"] if p["partner_user_id"] == order]


def test_a_live_kakao_pay_channel_without_its_secret_key_is_refused_before_kakao(
    gateway: GatewayServer, kakaopay: KakaoPayEmulatorServer
) -> None:
    merchant = gateway.create_merchant("Kakao shop without keys")
    merchant.add_channel("kakaopay", "simple", mid=KAKAO_CID, mode="live", default=True, endpoint=kakaopay.base_url)
    calls_before = len(kakaopay.ledger()["requests"])
    rsp = rsp_of(open_paymux_window(gateway, merchant.user_code, kakao_param(unique("order"))).reply)
    assert rsp["success"] is False and "secret_key" in rsp["error_msg"]
    assert len(kakaopay.ledger()["requests"]) == calls_before  # Kakao was never called


def test_the_legacy_pg_code_kakao_opens_the_same_kakao_pay_channel(gateway: GatewayServer, kakao_shop: KakaoShop) -> None:
    rsp = pay(gateway, kakao_shop, kakao_param(unique("order"), pg="kakao", amount=1_200))
    assert (rsp["success"], rsp["pg_provider"], rsp["paid_amount"]) == (True, "kakaopay", 1_200)
    assert kakao_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["pg_id"] == KAKAO_CID

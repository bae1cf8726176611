"""Toss Payments through paymux's REST API and window on live-mode channels pointed at the Toss Payments
emulator, over real HTTP, on SQLite and PostgreSQL: ``IMP.request_pay`` → paymux's launch page loads
Toss's SDK (the emulator's stand-in) with the order's fields → the buyer pays in Toss's window → Toss
sends the browser to paymux's successUrl with ``paymentKey``/``orderId``/``amount`` → paymux checks the
amount and confirms. Billing keys come from the billing-auth window's ``authKey`` (or key-in), cancels
carry an Idempotency-Key, lost answers are settled by inquiry by order id, and a virtual account is paid
by Toss's DEPOSIT_CALLBACK webhook. Every test checks what paymux answered against the emulator's ledger.

The buyer's browser is played with plain HTTP here: the launch page's hidden fields are what paymux's
``script_call`` hands to ``TossPayments(clientKey).requestPayment``; the SDK stand-in turns them into the
window URL (:meth:`tests.connectors.tosspayments.support.Buyer.window_url`)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from paymux.connectors.tosspayments.emulator import PAYMUX_LIVE_MERCHANT
from paymux.services.cancels import settle_pending_cancellations
from paymux.services.reconcile import settle_pending_outcomes
from tests.checkout.test_window_rules import open_window, param, rsp_of
from tests.connectors.inicis.support import attrs_of, forms
from tests.connectors.tosspayments.support import Buyer, TossEmulator, query_of
from tests.harness import GatewayServer, TestMerchant, unique
from tests.live.conftest import after_grace

MID = PAYMUX_LIVE_MERCHANT.mid


def toss_param(order: str, **overrides: Any) -> dict[str, Any]:
    return param(order, **{"pg": "tosspayments", "name": "토스 결제 테스트", "buyer_email": "buyer@example.com", **overrides})


def toss_window(gateway: GatewayServer, shop: TestMerchant, toss: TossEmulator, body: dict[str, Any]) -> str:
    """Open paymux's window; the URL of Toss's window that the launch page's SDK call opens."""
    reply = open_window(gateway, shop.user_code, body).reply
    page = attrs_of(reply.text, "pg-launch")
    assert page is not None and (page["data-pg"], page["data-mode"]) == ("tosspayments", "live"), reply.text[:400]
    assert re.search(r'<script nonce="[^"]+" src="' + re.escape(toss.base_url + "/js/v1/payment") + '"', reply.text)
    fields = forms(reply.text)["pg-launch-form"].fields
    assert fields["clientKey"] == PAYMUX_LIVE_MERCHANT.client_key and "secret_key" not in str(fields)
    return Buyer(toss.base_url).window_url("billing" if "customerKey" in fields else "payment", fields)


def pay(gateway: GatewayServer, shop: TestMerchant, toss: TossEmulator, body: dict[str, Any], action: str = "pay",
        choice: str | None = None, tamper: dict[str, str] | None = None) -> dict[str, Any]:
    location = Buyer(toss.base_url).pay(toss_window(gateway, shop, toss, body), action, choice)
    assert location.startswith(gateway.base_url + "/checkout/pg/return")
    if tamper:
        query = {**query_of(location), **tamper}
        location = location.split("?")[0] + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return rsp_of(httpx.get(location, timeout=30))


def test_a_card_payment_is_confirmed_by_paymux_after_tosss_window(gateway: GatewayServer, toss_shop: TestMerchant,
                                                                  toss_pg: TossEmulator) -> None:
    order = unique("order")
    rsp = pay(gateway, toss_shop, toss_pg, toss_param(order, amount=1004), choice="HYUNDAI_CHECK")
    assert (rsp["success"], rsp["paid_amount"], rsp["merchant_uid"], rsp["pg_provider"]) == (True, 1004, order, "tosspayments")
    stored = toss_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["pg_id"], stored["card_code"]) == ("paid", 1004, MID, "367")
    [at_pg] = toss_pg.payments_for(rsp["imp_uid"])
    assert (at_pg["payment_key"], at_pg["status"], at_pg["total"]) == (stored["pg_tid"], "DONE", 1004)


def test_a_refused_card_and_a_buyer_who_leaves_end_in_failed_payments(gateway: GatewayServer, toss_shop: TestMerchant,
                                                                     toss_pg: TossEmulator) -> None:
    refused = pay(gateway, toss_shop, toss_pg, toss_param(unique("order")), choice="REJECT")
    assert refused["success"] is False and "REJECT_CARD_COMPANY" in refused["error_msg"]
    left = pay(gateway, toss_shop, toss_pg, toss_param(unique("order")), action="cancel")
    assert left["success"] is False and "PAY_PROCESS_CANCELED" in left["error_msg"]
    assert toss_pg.money_moved(refused["imp_uid"]) == 0 and toss_pg.payments_for(left["imp_uid"]) == []


def test_an_amount_tampered_on_the_way_back_is_never_confirmed(gateway: GatewayServer, toss_shop: TestMerchant,
                                                               toss_pg: TossEmulator) -> None:
    rsp = pay(gateway, toss_shop, toss_pg, toss_param(unique("order"), amount=50000), tamper={"amount": "100"})
    assert rsp["success"] is False
    assert toss_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["status"] == "failed"
    assert [p["status"] for p in toss_pg.payments_for(rsp["imp_uid"])] == ["IN_PROGRESS"]  # Toss lets it expire


def test_a_confirm_whose_answer_is_lost_is_settled_by_inquiry_by_order_id(gateway: GatewayServer, toss_shop: TestMerchant,
                                                                          toss_pg: TossEmulator) -> None:
    rsp = pay(gateway, toss_shop, toss_pg, toss_param(unique("order"), amount=10119))
    assert toss_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["status"] == "ready"  # pending, never guessed
    after_grace(gateway, settle_pending_outcomes)
    settled = toss_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    [at_pg] = toss_pg.payments_for(rsp["imp_uid"])
    assert (settled["status"], settled["amount"], settled["pg_tid"]) == ("paid", 10119, at_pg["payment_key"])
    assert toss_pg.money_moved(rsp["imp_uid"]) == 10119


def test_partial_and_full_cancels_match_tosss_ledger_and_a_second_full_cancel_is_refused(
    gateway: GatewayServer, toss_shop: TestMerchant, toss_pg: TossEmulator
) -> None:
    rsp = pay(gateway, toss_shop, toss_pg, toss_param(unique("order"), amount=5000))
    partial = toss_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"], "amount": 1200, "checksum": 5000}).expect_ok()
    assert (partial["status"], partial["cancel_amount"]) == ("paid", 1200)
    [at_pg] = toss_pg.payments_for(rsp["imp_uid"])
    assert (at_pg["status"], at_pg["balance"]) == ("PARTIAL_CANCELED", 3800)
    rest = toss_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"]}).expect_ok()
    assert (rest["status"], rest["cancel_amount"], len(rest["cancel_history"])) == ("cancelled", 5000, 2)
    [at_pg] = toss_pg.payments_for(rsp["imp_uid"])
    assert [c["cancelAmount"] for c in at_pg["cancels"]] == [c["amount"] for c in rest["cancel_history"]] == [1200, 3800]
    assert [c["transactionKey"] for c in at_pg["cancels"]] == [c["pg_tid"] for c in rest["cancel_history"]]
    assert toss_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"]}).code != 0
    assert toss_pg.money_moved(rsp["imp_uid"]) == 0
    sent = [r for r in toss_pg.ledger()["requests"] if r["path"] == f"/v1/payments/{at_pg['payment_key']}/cancel"]
    assert len(sent) == 2 and all(r["idempotency_key"].startswith("cancel-") for r in sent)
    assert len({r["idempotency_key"] for r in sent}) == 2


def test_a_cancel_whose_answer_is_lost_is_refunded_once(gateway: GatewayServer, toss_shop: TestMerchant, toss_pg: TossEmulator) -> None:
    rsp = pay(gateway, toss_shop, toss_pg, toss_param(unique("order"), amount=8000))
    lost = toss_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"], "reason": "lost-reply test"})
    assert lost.code == -1 and "confirming" in lost.message
    assert toss_pg.money_moved(rsp["imp_uid"]) == 0  # Toss did refund
    after_grace(gateway, settle_pending_cancellations)
    settled = toss_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (settled["status"], settled["cancel_amount"], len(settled["cancel_history"])) == ("cancelled", 8000, 1)
    assert [e["amount"] for e in toss_pg.events_for(rsp["imp_uid"], "cancel")] == [-8000]  # refunded exactly once


def test_a_billing_key_from_tosss_billing_window_is_charged_by_again(gateway: GatewayServer, toss_shop: TestMerchant,
                                                                      toss_pg: TossEmulator) -> None:
    customer = unique("cust")
    rsp = pay(gateway, toss_shop, toss_pg, toss_param(unique("order"), customer_uid=customer, amount=0))
    assert (rsp["success"], rsp["customer_uid"]) == (True, customer)
    key = toss_shop.api("GET", f"/subscribe/customers/{customer}").expect_ok()
    assert (key["pg_provider"], key["pg_id"], key["card_code"]) == ("tosspayments", MID, "366")
    charged = toss_shop.again(customer, unique("order"), 4900).expect_ok()
    [at_pg] = toss_pg.payments_for(charged["imp_uid"])
    assert (charged["status"], charged["pg_tid"], at_pg["type"], at_pg["total"]) == ("paid", at_pg["payment_key"], "BILLING", 4900)
    declined = toss_shop.again(customer, unique("order"), 19001)
    assert declined.response["status"] == "failed" and "REJECT_CARD_COMPANY" in declined.response["fail_reason"]


def test_key_in_billing_keys_and_a_lost_billing_charge_settled_by_order_id(gateway: GatewayServer, toss_shop: TestMerchant,
                                                                           toss_pg: TossEmulator) -> None:
    customer = unique("cust")
    toss_shop.issue_key(customer).expect_ok()
    order = unique("order")
    toss_shop.again(customer, order, 10119)
    pending = toss_shop.api("GET", f"/payments/find/{order}").expect_ok()
    assert pending["status"] == "ready"
    after_grace(gateway, settle_pending_outcomes)
    settled = toss_shop.api("GET", f"/payments/{pending['imp_uid']}").expect_ok()
    assert (settled["status"], toss_pg.money_moved(pending["imp_uid"])) == ("paid", 10119)


def test_a_virtual_account_is_paid_by_tosss_deposit_callback(gateway: GatewayServer, toss_shop: TestMerchant,
                                                             toss_pg: TossEmulator) -> None:
    rsp = pay(gateway, toss_shop, toss_pg, toss_param(unique("order"), pay_method="vbank", amount=25000), choice="88")
    assert (rsp["success"], rsp["status"]) == (True, "ready")
    issued = toss_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    [waiting] = toss_pg.payments_for(rsp["imp_uid"])
    assert (issued["status"], issued["vbank_code"], issued["vbank_num"]) == ("ready", "088", waiting["account_number"])
    assert waiting["status"] == "WAITING_FOR_DEPOSIT" and toss_pg.money_moved(rsp["imp_uid"]) == 0
    sent = toss_pg.control("deposit", orderId=rsp["imp_uid"])
    assert sent["attempts"] == [200]  # paymux answered the webhook with HTTP 200
    stored = toss_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"]) == ("paid", 25000)
    forged = httpx.post(gateway.base_url + "/pg/tosspayments/notice", timeout=30,
                        json={**sent["callback"], "secret": "ps_forged"})
    assert forged.status_code == 400
    assert toss_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["status"] == "paid"

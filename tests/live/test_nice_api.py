"""NICE Pay through paymux's REST API and window on live-mode channels pointed at the NICE emulator, over
real HTTP, on SQLite and PostgreSQL: ``IMP.request_pay`` → paymux's launch page calls
``AUTHNICE.requestPay`` → NICE's window → NICE POSTs the authentication to paymux's returnUrl → paymux
checks it and approves server-side. Cancels, billing keys (BID) and their charges go through the REST
API; lost answers are settled by NICE's lookups; a virtual account's deposit arrives as NICE's webhook.
Every test checks what paymux answered against the emulator's own ledger."""

from __future__ import annotations

from typing import Any

import httpx

from paymux.connectors.base import WindowLaunch
from paymux.connectors.nice.emulator import PAYMUX_LIVE
from paymux.services.cancels import settle_pending_cancellations
from paymux.services.reconcile import settle_pending_outcomes
from tests.checkout.test_window_rules import open_window as open_paymux_window
from tests.checkout.test_window_rules import param, rsp_of
from tests.connectors.inicis.support import attrs_of, forms
from tests.connectors.nice.support import NiceEmulator, authenticate
from tests.harness import CARD_OK, GatewayServer, TestMerchant, unique
from tests.live.conftest import after_grace


def nice_param(order: str, **overrides: Any) -> dict[str, Any]:
    return param(order, **{"pg": "nice", "pay_method": "card", "name": "주문명:결제테스트", "amount": 14_000,
                           "buyer_email": "buyer@example.com", **overrides})


def launch(gateway: GatewayServer, nice_pg: NiceEmulator, merchant: TestMerchant, body: dict[str, Any]) -> WindowLaunch:
    """paymux's launch page, as the NICE SDK on it sees it (the hidden fields handed to requestPay)."""
    reply = open_paymux_window(gateway, merchant.user_code, body).reply
    page = attrs_of(reply.text, "pg-launch")
    assert page is not None and (page["data-pg"], page["data-mode"]) == ("nice", "live"), reply.text[:400]
    script = nice_pg.base_url + "/v1/js/"
    assert f'src="{script}"' in reply.text and "AUTHNICE.requestPay" in reply.text
    return WindowLaunch(url="", fields=forms(reply.text)["pg-launch-form"].fields, script_url=script)


def back_to_paymux(returned: dict[str, str]) -> dict[str, Any]:
    fields = dict(returned)
    return rsp_of(httpx.post(fields.pop("action"), data=fields, timeout=30))


def pay(gateway: GatewayServer, nice_pg: NiceEmulator, merchant: TestMerchant, body: dict[str, Any],
        card: str = "5361-4812-3456-1234", action: str = "pay") -> dict[str, Any]:
    return back_to_paymux(authenticate(launch(gateway, nice_pg, merchant, body), card, action=action))


def test_a_card_payment_goes_through_nices_window_and_server_approval(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    order = unique("order")
    opened = launch(gateway, nice_pg, nice_shop, nice_param(order))
    assert (opened.fields["clientId"], opened.fields["amount"], opened.fields["method"]) == (PAYMUX_LIVE.client_id, "14000", "card")
    returned = authenticate(opened)
    assert returned["action"].startswith(gateway.base_url + "/checkout/pg/return?ticket=")
    rsp = back_to_paymux(returned)
    assert (rsp["success"], rsp["paid_amount"], rsp["merchant_uid"], rsp["pg_provider"]) == (True, 14_000, order, "nice")
    stored = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["pg_id"], stored["pg_tid"]) == ("paid", 14_000, PAYMUX_LIVE.mid, returned["tid"])
    assert stored["card_number"] == "536148******1234" and stored["apply_num"]
    at_pg = nice_pg.payment(returned["tid"])
    assert at_pg is not None and (at_pg["order_id"], at_pg["status"], at_pg["balance"]) == (rsp["imp_uid"], "paid", 14_000)


def test_nices_decline_is_a_failed_payment_with_nices_code(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order")), "4000-0000-0000-0002")
    assert rsp["success"] is False and "[3095]" in rsp["error_msg"]
    assert nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["status"] == "failed"
    assert nice_pg.charged(rsp["imp_uid"]) == 0


def test_the_buyers_cancel_in_nices_window_fails_the_payment(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order")), action="cancel")
    assert rsp["success"] is False
    assert nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["status"] == "failed"
    assert nice_pg.payments_for(rsp["imp_uid"]) == []


def test_a_tampered_amount_is_refused_and_nothing_is_approved(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    returned = authenticate(launch(gateway, nice_pg, nice_shop, nice_param(unique("order"), amount=50_000)))
    rsp = back_to_paymux({**returned, "amount": "100"})
    assert rsp["success"] is False and "signature" in rsp["error_msg"]
    assert nice_pg.payment(returned["tid"])["status"] == "ready"  # type: ignore[index]  # authenticated, never approved
    assert [r for r in nice_pg.ledger()["requests"] if r["path"] == f"/v1/payments/{returned['tid']}"] == []


def test_card_under_1000_krw_is_refused_by_nice(gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant) -> None:
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order"), amount=900))
    assert rsp["success"] is False and "[3041]" in rsp["error_msg"]


def test_cancel_partial_then_rest_against_nices_ledger(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order"), amount=30_000))
    partial = nice_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"], "amount": 10_000, "checksum": 30_000}).expect_ok()
    assert (partial["status"], partial["cancel_amount"]) == ("paid", 10_000)
    at_pg = nice_pg.payment(rsp["pg_tid"])
    assert at_pg is not None and (at_pg["status"], at_pg["balance"]) == ("partialCancelled", 20_000)
    rest = nice_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"]}).expect_ok()
    assert (rest["status"], rest["cancel_amount"], len(rest["cancel_history"])) == ("cancelled", 30_000, 2)
    at_pg = nice_pg.payment(rsp["pg_tid"])
    assert at_pg is not None and (at_pg["status"], at_pg["balance"]) == ("cancelled", 0)
    assert [c["amount"] for c in rest["cancel_history"]] == [c["amount"] for c in at_pg["cancels"]]
    assert [c["pg_tid"] for c in rest["cancel_history"]] == [c["tid"] for c in at_pg["cancels"]]
    twice = nice_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"]})
    assert twice.code != 0 and nice_pg.charged(rsp["imp_uid"]) == 0


def test_a_window_approval_whose_answer_is_lost_is_settled_by_nices_lookup(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order")), "4000-0000-0000-0119")
    stored = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert stored["status"] == "ready"  # pending: never guessed
    after_grace(gateway, settle_pending_outcomes)
    settled = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    [at_pg] = nice_pg.payments_for(rsp["imp_uid"])
    assert (settled["status"], settled["amount"], settled["pg_tid"]) == ("paid", 14_000, at_pg["tid"])
    assert nice_pg.charged(rsp["imp_uid"]) == 14_000


def test_a_lost_decline_is_settled_as_failed(gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant) -> None:
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order")), "4000-0000-0000-0101")
    after_grace(gateway, settle_pending_outcomes)
    settled = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert settled["status"] == "failed" and nice_pg.charged(rsp["imp_uid"]) == 0


def test_a_cancel_whose_answer_is_lost_is_recorded_once_after_nices_lookup(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order"), amount=8_000))
    lost = nice_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"], "reason": "lost-reply test"})
    assert lost.code == -1 and "confirming" in str(lost.message)
    assert nice_pg.payment(rsp["pg_tid"])["status"] == "cancelled"  # type: ignore[index]  # NICE did refund
    after_grace(gateway, settle_pending_cancellations)
    settled = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (settled["status"], settled["cancel_amount"], len(settled["cancel_history"])) == ("cancelled", 8_000, 1)
    assert len(nice_pg.payment(rsp["pg_tid"])["cancels"]) == 1  # type: ignore[index]


def test_billing_key_by_api_then_charges_and_delete(gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant) -> None:
    customer = unique("cust")
    key = nice_shop.issue_key(customer, CARD_OK).expect_ok()
    assert key["customer_uid"] == customer and key["pg_provider"] == "nice" and key["card_number"] == "536148******1234"
    order = unique("order")
    charged = nice_shop.again(customer, order, 9_900).expect_ok()
    assert (charged["status"], charged["amount"], charged["pg_provider"]) == ("paid", 9_900, "nice")
    assert nice_pg.charged(charged["imp_uid"]) == 9_900
    bid = nice_pg.payments_for(charged["imp_uid"])[0]["bid"]
    assert next(k for k in nice_pg.ledger()["billing_keys"] if k["bid"] == bid)["card_number"] == "53614812****1234"
    declined = nice_shop.again(customer, unique("order"), 900).expect_ok()
    assert declined["status"] == "failed" and "[3041]" in declined["fail_reason"]
    nice_shop.api("DELETE", f"/subscribe/customers/{customer}").expect_ok()
    assert next(k for k in nice_pg.ledger()["billing_keys"] if k["bid"] == bid)["status"] == "expired"


def test_a_lost_billing_charge_is_settled_by_nices_order_lookup(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    customer = unique("cust")
    nice_shop.issue_key(customer, "4000-0000-0000-0119").expect_ok()
    order = unique("order")
    nice_shop.again(customer, order, 10_000)
    pending = nice_shop.api("GET", f"/payments/find/{order}").expect_ok()
    assert pending["status"] == "ready"
    after_grace(gateway, settle_pending_outcomes)
    settled = nice_shop.api("GET", f"/payments/{pending['imp_uid']}").expect_ok()
    assert (settled["status"], settled["amount"]) == ("paid", 10_000) and nice_pg.charged(pending["imp_uid"]) == 10_000


def test_keyin_onetime_charges_through_a_one_off_bid(gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant) -> None:
    order = unique("order")
    body = {"merchant_uid": order, "amount": 12_000, "card_number": CARD_OK, "expiry": "2030-12", "birth": "820213",
            "pwd_2digit": "00", "name": "키인 결제"}
    paid = nice_shop.api("POST", "/subscribe/payments/onetime", json=body).expect_ok()
    assert (paid["status"], paid["amount"], paid["pg_provider"]) == ("paid", 12_000, "nice")
    [at_pg] = nice_pg.payments_for(paid["imp_uid"])
    assert next(k for k in nice_pg.ledger()["billing_keys"] if k["bid"] == at_pg["bid"])["status"] == "expired"


def test_a_virtual_account_deposit_arrives_as_nices_webhook(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order"), pay_method="vbank", amount=25_000))
    assert rsp["success"] is True and rsp["status"] == "ready" and rsp["vbank_num"]
    stored = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["vbank_code"], stored["vbank_num"]) == ("ready", "004", rsp["vbank_num"])
    nice_pg.control("deposit", tid=rsp["pg_tid"]).raise_for_status()
    hooks = nice_pg.hooks_for(rsp["imp_uid"], status="paid")
    assert [h["accepted"] for h in hooks if h["status"] == "paid"] == [True]
    deposited = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (deposited["status"], deposited["amount"]) == ("paid", 25_000)


def test_a_forged_webhook_is_refused(gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant) -> None:
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order"), pay_method="vbank", amount=25_000))
    forged = {"resultCode": "0000", "tid": rsp["pg_tid"], "orderId": rsp["imp_uid"], "payMethod": "vbank", "status": "paid",
              "amount": 25_000, "ediDate": "2026-01-01T00:00:00.000+0900", "signature": "ab" * 32}
    reply = httpx.post(f"{gateway.base_url}/pg/nice/notice", json=forged, timeout=30)
    assert reply.status_code != 200 and reply.text != "OK"
    assert nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["status"] == "ready"


def test_nice_in_maintenance_leaves_an_authenticated_payment_pending(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    returned = authenticate(launch(gateway, nice_pg, nice_shop, nice_param(unique("order"))))
    nice_pg.control("outage", on=True)
    try:
        rsp = back_to_paymux(returned)
    finally:
        nice_pg.control("outage", on=False)
    stored = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert stored["status"] == "ready"  # unknown: never guessed
    after_grace(gateway, settle_pending_outcomes)
    assert nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()["status"] == "failed"  # NICE: never approved
    assert nice_pg.charged(rsp["imp_uid"]) == 0


def test_a_live_nice_channel_without_its_keys_is_refused_before_nice(gateway: GatewayServer, nice_pg: NiceEmulator) -> None:
    merchant = gateway.create_merchant("NICE shop without keys")
    merchant.add_channel("nice", "general", mid=PAYMUX_LIVE.mid, mode="live", default=True, endpoint=nice_pg.base_url,
                         credentials={"client_id": PAYMUX_LIVE.client_id})
    rsp = rsp_of(open_paymux_window(gateway, merchant.user_code, nice_param(unique("order"))).reply)
    assert rsp["success"] is False and "secret_key" in rsp["error_msg"]


def test_imports_nice_v2_code_opens_the_same_nice_channel(gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant) -> None:
    """i'mport names NICE's new (start API) module ``nice_v2``; paymux's ``nice`` speaks that API."""
    for pg in ("nice_v2", f"nice_v2.{PAYMUX_LIVE.mid}"):
        rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order"), pg=pg))
        assert (rsp["success"], rsp["pg_provider"]) == (True, "nice"), rsp.get("error_msg")


def test_nices_hooks_of_paymuxs_own_approval_and_cancel_are_acknowledged(
    gateway: GatewayServer, nice_pg: NiceEmulator, nice_shop: TestMerchant
) -> None:
    """NICE hooks every approval and cancel [api/hook.md] and resends until answered ``OK``: those of
    changes paymux made itself are verified and acknowledged once, and change nothing."""
    rsp = pay(gateway, nice_pg, nice_shop, nice_param(unique("order"), amount=30_000))
    paid_hooks = nice_pg.hooks_for(rsp["imp_uid"], status="paid")
    assert [h["accepted"] for h in paid_hooks if h["status"] == "paid"] == [True]
    nice_shop.api("POST", "/payments/cancel", json={"imp_uid": rsp["imp_uid"], "amount": 10_000}).expect_ok()
    partial_hooks = nice_pg.hooks_for(rsp["imp_uid"], status="partialCancelled")
    assert [h["accepted"] for h in partial_hooks if h["status"] == "partialCancelled"] == [True]
    stored = nice_shop.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["cancel_amount"], len(stored["cancel_history"])) == ("paid", 10_000, 1)

"""The REST API over live KG INICIS channels: every PG call goes from paymux's connector to the INICIS
emulator over real HTTP (INIAPI form posts, hashData, AES ``[ENC]`` fields), and every test checks
what paymux answered against what the PG itself recorded — on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from paymux.services.cancels import settle_pending_cancellations
from paymux.services.reconcile import settle_pending_outcomes
from tests.harness import (
    CARD_OK,
    CARD_REFUSED,
    CARD_TIMEOUT_APPROVED,
    CARD_TIMEOUT_DECLINED,
    GatewayServer,
    unique,
)
from tests.live.conftest import LIVE_MID, LiveShop, after_grace


def _open_account(gateway: GatewayServer, live_shop: LiveShop, amount: int, bank: str = "004") -> dict:  # type: ignore[type-arg]
    """``POST /vbanks`` on the live channel: an account INICIS opened, awaiting its deposit."""
    return live_shop.merchant.api("POST", "/vbanks", json={
        "merchant_uid": unique("order"), "amount": amount, "vbank_code": bank, "vbank_due": gateway.clock.now() + 86_400,
        "vbank_holder": "홍길동", "name": "가상계좌 주문"}).expect_ok()


def _issue_and_charge(live_shop: LiveShop, amount: int, card: str = CARD_OK, **extra: object) -> dict:  # type: ignore[type-arg]
    customer = unique("cust")
    live_shop.issue_key(customer, card).expect_ok()
    return live_shop.merchant.again(customer, unique("order"), amount, **extra).body


def test_billing_key_charge_and_refunds_move_the_same_money_at_inicis(live_shop: LiveShop) -> None:
    shop = live_shop.merchant
    customer = unique("cust")
    key = live_shop.issue_key(customer).expect_ok()
    assert (key["pg_provider"], key["pg_id"], key["card_number"]) == ("html5_inicis", LIVE_MID, "536148******1234")
    assert key["card_code"] == "367" and key["card_name"] == "현대카드"
    assert any(k["mid"] == LIVE_MID for k in live_shop.inicis.ledger()["billing_keys"])

    paid = shop.again(customer, unique("order"), 10_000).expect_ok()
    at_pg = live_shop.payment_at_pg(paid["imp_uid"])
    assert at_pg is not None and (at_pg["price"], at_pg["status"], at_pg["tid"]) == (10_000, "approved", paid["pg_tid"])
    assert paid["status"] == "paid" and paid["apply_num"] == at_pg["auth_no"]

    partial = shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 3_000, "checksum": 10_000}).expect_ok()
    assert (partial["status"], partial["cancel_amount"]) == ("paid", 3_000)
    assert live_shop.payment_at_pg(paid["imp_uid"])["balance"] == 7_000
    rest = shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"]}).expect_ok()
    assert (rest["status"], rest["cancel_amount"], len(rest["cancel_history"])) == ("cancelled", 10_000, 2)
    final = live_shop.payment_at_pg(paid["imp_uid"])
    assert (final["balance"], final["cancelled_amount"]) == (0, 10_000)
    assert [c["amount"] for c in rest["cancel_history"]] == [c["amount"] for c in final["cancels"]]


def test_a_declined_charge_is_a_failed_payment_with_inicis_code(live_shop: LiveShop) -> None:
    reply = _issue_and_charge(live_shop, 3_000, CARD_REFUSED)
    assert reply["code"] == 0 and reply["response"]["status"] == "failed"  # a decline is an answer (docs/declines.md)
    assert "120001" in reply["response"]["fail_reason"]
    assert live_shop.payment_at_pg(reply["response"]["imp_uid"]) is None  # nothing charged at the PG


def test_a_billing_charge_with_no_buyer_anywhere_is_refused_as_inicis_refuses_it(live_shop: LiveShop) -> None:
    customer = unique("cust")
    live_shop.merchant.issue_key(customer).expect_ok()  # no customer_name / email / tel on the key
    reply = live_shop.merchant.api("POST", "/subscribe/payments/again", json={
        "customer_uid": customer, "merchant_uid": unique("order"), "amount": 3_000, "name": "정기결제"})
    assert reply.code == 0 and reply.response["status"] == "failed" and "ER0102" in reply.response["fail_reason"]


def test_a_billing_charge_takes_the_buyer_from_the_billing_key_when_the_request_has_none(live_shop: LiveShop) -> None:
    """An ``again`` body with no buyer: INICIS gets the billing key's customer as buyer; the record
    keeps exactly what the merchant sent. Without ``name`` the charge is refused before INICIS, as
    i'mport refuses it (docs/sandbox.md, docs/declines.md)."""
    customer = unique("cust")
    live_shop.issue_key(customer).expect_ok()
    order = unique("order")
    nameless = live_shop.merchant.api("POST", "/subscribe/payments/again", json={
        "customer_uid": customer, "merchant_uid": order, "amount": 3_000})
    assert (nameless.status, nameless.code, nameless.message) == (400, -1, "이니시스 빌링결제는 상품명이 필수입니다.")
    paid = live_shop.merchant.api("POST", "/subscribe/payments/again", json={
        "customer_uid": customer, "merchant_uid": order, "amount": 3_000, "name": "정기결제"}).expect_ok()
    assert paid["status"] == "paid" and paid["buyer_name"] is None and paid["name"] == "정기결제"
    assert live_shop.payment_at_pg(paid["imp_uid"])["goodname"] == "정기결제"


def test_a_charge_whose_answer_is_lost_is_settled_by_asking_inicis(gateway: GatewayServer, live_shop: LiveShop) -> None:
    reply = _issue_and_charge(live_shop, 5_000, CARD_TIMEOUT_APPROVED)
    pending = reply["response"]
    assert reply["code"] == -1 and pending["status"] == "ready"
    assert live_shop.payment_at_pg(pending["imp_uid"])["status"] == "approved"  # the PG did charge
    after_grace(gateway, settle_pending_outcomes)
    settled = live_shop.merchant.api("GET", f"/payments/{pending['imp_uid']}").expect_ok()
    assert (settled["status"], settled["amount"]) == ("paid", 5_000)
    assert settled["pg_tid"] == live_shop.payment_at_pg(pending["imp_uid"])["tid"]
    again = live_shop.merchant.again(pending["customer_uid"], pending["merchant_uid"], 5_000)
    assert again.code == -1 and len([p for p in live_shop.inicis.ledger()["payments"] if p["oid"] == pending["imp_uid"]]) == 1


def test_a_lost_answer_of_a_declined_charge_ends_failed_after_inquiry(gateway: GatewayServer, live_shop: LiveShop) -> None:
    reply = _issue_and_charge(live_shop, 5_000, CARD_TIMEOUT_DECLINED)
    assert reply["response"]["status"] == "ready"
    after_grace(gateway, settle_pending_outcomes)
    settled = live_shop.merchant.api("GET", f"/payments/{reply['response']['imp_uid']}").expect_ok()
    assert settled["status"] == "failed" and live_shop.payment_at_pg(settled["imp_uid"]) is None


def test_a_cancel_whose_answer_is_lost_is_recorded_once_after_inquiry(gateway: GatewayServer, live_shop: LiveShop) -> None:
    paid = _issue_and_charge(live_shop, 8_000)["response"]
    lost = live_shop.merchant.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "reason": "lost-reply test"})
    assert lost.code == -1 and "confirming" in lost.message
    assert live_shop.payment_at_pg(paid["imp_uid"])["status"] == "cancelled"  # the PG did refund
    meanwhile = live_shop.merchant.api("GET", f"/payments/{paid['imp_uid']}").expect_ok()
    assert (meanwhile["status"], meanwhile["cancel_amount"]) == ("paid", 0)
    second = live_shop.merchant.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 1_000})
    assert second.code == -1  # the whole balance is reserved by the cancel in flight: nothing is refunded twice
    after_grace(gateway, settle_pending_cancellations)
    settled = live_shop.merchant.api("GET", f"/payments/{paid['imp_uid']}").expect_ok()
    assert (settled["status"], settled["cancel_amount"], len(settled["cancel_history"])) == ("cancelled", 8_000, 1)
    refunds = [e for e in live_shop.events_at_pg(paid["imp_uid"]) if e["kind"] in ("cancel", "partial_cancel")]
    assert len(refunds) == 1


def test_onetime_key_in_pays_through_inicis_and_keeps_no_card(live_shop: LiveShop) -> None:
    body = {"merchant_uid": unique("order"), "amount": 2_000, "card_number": CARD_OK, "expiry": "2030-12",
            "birth": "820213", "name": "단건 결제", "buyer_name": "홍길동", "buyer_email": "buyer@example.com",
            "buyer_tel": "010-1234-5678"}
    paid = live_shop.merchant.api("POST", "/subscribe/payments/onetime", json=body).expect_ok()
    assert paid["status"] == "paid" and paid["card_number"] == "536148******1234"
    assert live_shop.payment_at_pg(paid["imp_uid"])["price"] == 2_000


def test_a_virtual_account_is_opened_at_inicis_and_paid_by_its_deposit_notice(gateway: GatewayServer, live_shop: LiveShop) -> None:
    issued = _open_account(gateway, live_shop, 12_000)
    assert issued["status"] == "ready" and issued["vbank_num"] and issued["vbank_code"] == "004"
    at_pg = live_shop.payment_at_pg(issued["imp_uid"])
    assert at_pg["status"] == "vbank_waiting" and at_pg["vacct_num"] == issued["vbank_num"]

    delivered = live_shop.inicis.deposit(issued["pg_tid"])
    assert delivered["http_status"] == 200 and delivered["notice"]["acknowledged"], delivered
    paid = live_shop.merchant.api("GET", f"/payments/{issued['imp_uid']}").expect_ok()
    assert (paid["status"], paid["amount"]) == ("paid", 12_000)


def test_a_forged_deposit_notice_from_another_address_changes_nothing(gateway: GatewayServer, live_shop: LiveShop) -> None:
    issued = _open_account(gateway, live_shop, 9_000, bank="088")
    forged = {"NO_TID": issued["pg_tid"], "NO_OID": issued["imp_uid"], "ID_MERCHANT": LIVE_MID, "AMT_INPUT": "9000"}
    transport = httpx.HTTPTransport(local_address="127.0.0.2")  # not INICIS, not the channel's endpoint host
    with httpx.Client(transport=transport) as client:
        answer = client.post(f"{gateway.base_url}/pg/html5_inicis/notice", data=forged)
    assert (answer.status_code, answer.text) != (200, "OK")
    still = live_shop.merchant.api("GET", f"/payments/{issued['imp_uid']}").expect_ok()
    assert still["status"] == "ready"


def test_concurrent_issues_of_one_customer_uid_never_answer_500(live_shop: LiveShop) -> None:
    import concurrent.futures

    customer = unique("cust")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: live_shop.issue_key(customer), range(8)))
    assert all(reply.status == 200 for reply in replies)
    assert any(reply.code == 0 for reply in replies)
    key = live_shop.merchant.api("GET", f"/subscribe/customers/{customer}").expect_ok()
    assert key["customer_uid"] == customer


def test_a_test_mode_channel_pointed_at_the_emulator_uses_inicis_public_test_keys(gateway: GatewayServer, live_shop: LiveShop) -> None:
    merchant = gateway.create_merchant("test-mode INICIS shop")
    merchant.add_channel("html5_inicis", "api", mode="test", endpoint=live_shop.inicis.base_url)  # INIBillTst
    customer = unique("cust")
    assert merchant.issue_key(customer, customer_name="홍길동", customer_email="b@example.com",
                              customer_tel="010-1111-2222").expect_ok()["pg_id"] == "INIBillTst"
    paid = merchant.again(customer, unique("order"), 1_500).expect_ok()
    at_pg = live_shop.payment_at_pg(paid["imp_uid"])
    assert at_pg is not None and (at_pg["mid"], at_pg["price"]) == ("INIBillTst", 1_500)


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9/", "http://10.0.0.1/", "http://localhost:8700", "http://[::1]/"])
def test_the_console_refuses_a_private_endpoint_unless_the_operator_allows_it(gateway: GatewayServer, endpoint: str) -> None:
    from paymux.domain.errors import InvalidParameter
    from paymux.services import channels as channel_service

    merchant = gateway.create_merchant("endpoint shop")
    with pytest.raises(InvalidParameter, match="public host"):
        gateway.call(lambda rt: channel_service.add_channel(
            rt, merchant.merchant.id, pg="html5_inicis", mid=None, pay_type="api", mode="test", endpoint=endpoint))



def test_a_resent_deposit_notice_is_acknowledged_again_and_changes_nothing(gateway: GatewayServer, live_shop: LiveShop) -> None:
    issued = _open_account(gateway, live_shop, 4_000)
    assert live_shop.inicis.deposit(issued["pg_tid"])["notice"]["acknowledged"]
    resent = {"NO_TID": issued["pg_tid"], "NO_OID": issued["imp_uid"], "ID_MERCHANT": LIVE_MID, "AMT_INPUT": "4000"}
    answer = httpx.post(f"{gateway.base_url}/pg/html5_inicis/notice", data=resent)  # from the endpoint's own host
    assert (answer.status_code, answer.text) == (200, "OK")
    paid = live_shop.merchant.api("GET", f"/payments/{issued['imp_uid']}").expect_ok()
    assert (paid["status"], paid["paid_at"] > 0) == ("paid", True)


SEED_CARD = "1234-1234-1234-1234"  # the seeds' curl card number (seed 003)


def test_the_seeds_three_rest_calls_get_what_inicis_answers_them(live_shop: LiveShop) -> None:
    """Seed 003's curls, bodies exactly as written: the key-in one has no ``name``, which i'mport
    refuses for INICIS before calling it (HTTP 400); with a name, the expired card (2019-01) is
    declined by INICIS (code 0, failed); the key's expiry (2025-12) has passed too, so nothing is stored."""
    shop = live_shop.merchant
    seed_onetime = {"merchant_uid": unique("order_id"), "card_number": SEED_CARD, "expiry": "2019-01", "birth": "123456", "amount": 3000}
    refused = shop.api("POST", "/subscribe/payments/onetime", json=seed_onetime)
    assert (refused.status, refused.code, refused.message) == (400, -1, "이니시스 빌링결제는 상품명이 필수입니다.")
    onetime = shop.api("POST", "/subscribe/payments/onetime", json={**seed_onetime, "name": "단건"})
    assert onetime.code == 0 and onetime.response["status"] == "failed" and "120004" in onetime.response["fail_reason"]
    customer = unique("your-customer-unique-id")
    issue = shop.api("POST", f"/subscribe/customers/{customer}", json={
        "card_number": SEED_CARD, "expiry": "2025-12", "birth": "820213", "pwd_2digit": "00"})
    assert issue.code == -1 and "120004" in issue.message
    again = shop.api("POST", "/subscribe/payments/again", json={
        "customer_uid": customer, "merchant_uid": unique("order_id"), "amount": 3000})
    assert again.code == -1 and again.response is None  # no billing key was stored
    assert live_shop.payment_at_pg(onetime.response["imp_uid"]) is None


def test_the_seeds_rest_calls_with_a_card_still_valid_pay_at_inicis(live_shop: LiveShop) -> None:
    """The same three calls with a card that has not expired (and, for INICIS's billing charge, the
    order name and the customer's contact that INICIS requires)."""
    shop = live_shop.merchant
    onetime = shop.api("POST", "/subscribe/payments/onetime", json={
        "merchant_uid": unique("order_id"), "card_number": SEED_CARD, "expiry": "2030-01", "birth": "123456", "amount": 3000,
        "name": "단건", "buyer_name": "홍길동", "buyer_email": "b@example.com", "buyer_tel": "010-1234-5678"}).expect_ok()
    customer = unique("your-customer-unique-id")
    shop.api("POST", f"/subscribe/customers/{customer}", json={
        "card_number": SEED_CARD, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00",
        "customer_name": "홍길동", "customer_email": "b@example.com", "customer_tel": "010-1234-5678"}).expect_ok()
    again = shop.api("POST", "/subscribe/payments/again", json={
        "customer_uid": customer, "merchant_uid": unique("order_id"), "amount": 3000, "name": "정기결제"}).expect_ok()
    assert [live_shop.payment_at_pg(p["imp_uid"])["price"] for p in (onetime, again)] == [3000, 3000]


def test_revoking_a_virtual_account_closes_it_at_inicis_first(gateway: GatewayServer, live_shop: LiveShop) -> None:
    issued = _open_account(gateway, live_shop, 6_000)
    revoked = live_shop.merchant.api("DELETE", f"/vbanks/{issued['imp_uid']}").expect_ok()
    assert revoked["status"] == "failed"
    assert live_shop.payment_at_pg(issued["imp_uid"])["status"] == "vbank_cancelled"
    late = live_shop.inicis.deposit(issued["pg_tid"])
    assert late["http_status"] == 409  # INICIS takes no deposit into a closed account


def test_an_issued_inicis_account_cannot_be_changed_and_says_so(gateway: GatewayServer, live_shop: LiveShop) -> None:
    issued = _open_account(gateway, live_shop, 6_000)
    changed = live_shop.merchant.api("PUT", f"/vbanks/{issued['imp_uid']}", json={"amount": 7_000})
    assert changed.code == -1 and "cannot change" in changed.message
    assert live_shop.merchant.api("GET", f"/payments/{issued['imp_uid']}").expect_ok()["amount"] == 6_000


def test_an_account_deadline_at_inicis_is_the_one_paymux_shows(gateway: GatewayServer, live_shop: LiveShop) -> None:
    due = gateway.clock.now() + 2 * 86_400
    issued = live_shop.merchant.api("POST", "/vbanks", json={
        "merchant_uid": unique("order"), "amount": 5_000, "vbank_code": "004", "vbank_due": due,
        "vbank_holder": "홍길동"}).expect_ok()
    assert issued["vbank_date"] == due
    from datetime import datetime, timedelta, timezone
    kst = datetime.fromtimestamp(due, timezone(timedelta(hours=9))).strftime("%Y%m%d%H%M")
    assert live_shop.payment_at_pg(issued["imp_uid"])["vacct_due"].startswith(kst)


def test_a_charge_during_an_inicis_outage_is_unknown_then_settled_when_inicis_is_back(gateway: GatewayServer, live_shop: LiveShop) -> None:
    customer = unique("cust")
    live_shop.issue_key(customer).expect_ok()
    live_shop.inicis.outage(True)
    try:
        reply = live_shop.merchant.again(customer, unique("order"), 2_000)
        assert reply.code == -1 and reply.response["status"] == "ready"  # an HTTP 500 is not a decline
        after_grace(gateway, settle_pending_outcomes)  # INICIS still down: nothing is guessed
        assert live_shop.merchant.api("GET", f"/payments/{reply.response['imp_uid']}").expect_ok()["status"] == "ready"
    finally:
        live_shop.inicis.outage(False)
    after_grace(gateway, settle_pending_outcomes)
    settled = live_shop.merchant.api("GET", f"/payments/{reply.response['imp_uid']}").expect_ok()
    assert settled["status"] == "failed" and live_shop.payment_at_pg(settled["imp_uid"]) is None
    again = live_shop.merchant.again(customer, settled["merchant_uid"], 2_000).expect_ok()  # the order is free again
    assert live_shop.payment_at_pg(again["imp_uid"])["price"] == 2_000


def test_concurrent_cancels_never_refund_more_at_inicis_than_paymux_records(gateway: GatewayServer, live_shop: LiveShop) -> None:
    import concurrent.futures

    paid = _issue_and_charge(live_shop, 10_000)["response"]
    amounts = [3_000, 3_000, 7_000, 3_000, 10_000, 1_000]
    with concurrent.futures.ThreadPoolExecutor(len(amounts)) as pool:
        replies = list(pool.map(lambda amount: live_shop.merchant.api(
            "POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": amount}), amounts))
    assert all(reply.status == 200 for reply in replies)
    recorded = live_shop.merchant.api("GET", f"/payments/{paid['imp_uid']}").expect_ok()
    at_pg = live_shop.payment_at_pg(paid["imp_uid"])
    assert recorded["cancel_amount"] == at_pg["cancelled_amount"] <= 10_000
    assert sum(c["amount"] for c in recorded["cancel_history"]) == recorded["cancel_amount"]
    assert recorded["cancel_amount"] == sum(a for a, r in zip(amounts, replies, strict=True) if r.code == 0)

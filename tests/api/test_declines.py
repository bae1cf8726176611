"""Declines are answers, not errors (issue 10 item 1; the decision table is docs/declines.md).

Every charge path answers a card company's decline with ``code`` 0 and the failed payment, so the
code shops copied from i'mport's subscription guide takes its ``failed`` branch, and the official
Python client returns the failed payment instead of raising. A non-zero ``code`` is kept for what
never got an answer to an approval request: a card that failed authentication, a refusal before the
PG, an answer that was lost.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from iamport import Iamport

from paymux.services.merchants import set_webhook_url
from tests.api.test_schedules import run_scheduler
from tests.harness import (
    CARD_EXPIRED,
    CARD_INSUFFICIENT,
    CARD_OK,
    CARD_REFUSED,
    GatewayServer,
    TestMerchant,
    unique,
)
from tests.webhooks.support import events_about

GUIDE = Path(__file__).with_name("guide_subscription_again.js")
CARD = {"expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}


def run_guide(gateway: GatewayServer, shop: TestMerchant, customer_uid: str, merchant_uid: str, amount: int) -> dict:
    """Run the guide's server code under Node.js against paymux: only the host and the keys change."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to run i'mport's guide sample (apt-get install nodejs)")
    source = (
        GUIDE.read_text(encoding="utf-8")
        .replace("https://api.iamport.kr", gateway.base_url)
        .replace('"imp_apikey"', json.dumps(shop.imp_key))
        .replace('"imp_secret", // REST API Secret', json.dumps(shop.imp_secret) + ", // REST API Secret")
    )
    done = subprocess.run(
        [node, "--input-type=commonjs", "-", customer_uid, merchant_uid, str(amount)],
        input=source, capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_guides_subscription_code_takes_the_paid_then_the_failed_branch(gateway: GatewayServer, shop: TestMerchant) -> None:
    approving, declining = unique("cust"), unique("cust")
    shop.issue_key(approving).expect_ok()
    shop.issue_key(declining, card_number=CARD_INSUFFICIENT).expect_ok()

    paid = run_guide(gateway, shop, approving, unique("order_monthly"), 8900)
    assert (paid["branch"], paid["code"], paid["status"], paid["fail_reason"]) == ("paid", 0, "paid", None)

    declined_order = unique("order_monthly")
    failed = run_guide(gateway, shop, declining, declined_order, 8900)
    assert (failed["branch"], failed["code"], failed["status"]) == ("failed", 0, "failed")
    assert "잔액부족" in failed["fail_reason"]
    # The failed attempt is the one on record, and the order stays open for the next try.
    recorded = shop.api("GET", f"/payments/{failed['imp_uid']}").expect_ok()
    assert (recorded["status"], recorded["merchant_uid"], recorded["fail_reason"]) == ("failed", declined_order, failed["fail_reason"])
    assert run_guide(gateway, shop, approving, declined_order, 8900)["branch"] == "paid"


def test_the_guides_code_takes_its_request_failed_branch_when_nothing_reached_the_card_company(
    gateway: GatewayServer, shop: TestMerchant
) -> None:
    taken = run_guide(gateway, shop, unique("nobody"), unique("order_monthly"), 8900)  # no such billing key
    assert (taken["branch"], taken["code"], taken["status"]) == ("request failed", -1, None)


def test_the_official_python_client_returns_the_failed_payment(gateway: GatewayServer, shop: TestMerchant) -> None:
    iamport = Iamport(imp_key=shop.imp_key, imp_secret=shop.imp_secret, imp_url=gateway.base_url + "/")
    customer_uid = unique("cust")
    iamport.customer_create(customer_uid=customer_uid, card_number=CARD_REFUSED, **CARD)
    failed = iamport.pay_again(customer_uid=customer_uid, merchant_uid=unique("order"), amount=9_900, name="월 구독")
    assert (failed["status"], failed["paid_at"]) == ("failed", 0) and "승인거절" in failed["fail_reason"]
    assert (failed["card_code"], failed["card_name"], failed["card_number"]) == ("366", "신한카드", "400000******0002")
    assert failed["receipt_url"] is None  # a failed payment has no sales slip

    declined_keyin = iamport.pay_onetime(
        merchant_uid=unique("order"), amount=5_000, name="단건", card_number=CARD_INSUFFICIENT, **CARD
    )
    assert declined_keyin["status"] == "failed" and "잔액부족" in declined_keyin["fail_reason"]
    assert (declined_keyin["card_code"], declined_keyin["card_name"], declined_keyin["card_type"]) == ("366", "신한카드", 0)


def test_a_keyin_card_that_fails_authentication_is_code_minus_one_without_a_response(shop: TestMerchant) -> None:
    order = unique("order")
    body = {"merchant_uid": order, "amount": 5_000, "name": "단건", "card_number": CARD_EXPIRED, **CARD}
    reply = shop.api("POST", "/subscribe/payments/onetime", json=body)
    assert (reply.status, reply.code, reply.response) == (200, -1, None)
    assert reply.message.startswith("카드정보 인증에 실패하였습니다.")
    attempt = shop.api("GET", f"/payments/find/{order}").expect_ok()
    assert (attempt["status"], attempt["card_code"], attempt["card_name"]) == ("failed", "366", "신한카드")


def test_onetime_with_customer_uid_declined_is_code_zero_and_keeps_no_key(shop: TestMerchant) -> None:
    customer_uid = unique("cust")
    body = {"merchant_uid": unique("order"), "amount": 5_000, "name": "첫 달", "customer_uid": customer_uid,
            "card_number": CARD_REFUSED, **CARD}
    reply = shop.api("POST", "/subscribe/payments/onetime", json=body)
    assert (reply.code, reply.response["status"], reply.response["customer_uid_usage"]) == (0, "failed", "issue")
    assert shop.api("GET", f"/subscribe/customers/{customer_uid}").status == 404


def test_a_scheduled_decline_is_recorded_and_announced_as_failed(gateway: GatewayServer, shop: TestMerchant) -> None:
    gateway.call(lambda rt: set_webhook_url(rt, shop.merchant.id, "https://shop.example.com/iamport-callback/schedule"))
    customer_uid = unique("cust")
    shop.issue_key(customer_uid, card_number=CARD_REFUSED).expect_ok()
    item = {"merchant_uid": unique("sched"), "schedule_at": gateway.clock.now() + 60, "amount": 9_900, "name": "월 구독"}
    shop.api("POST", "/subscribe/payments/schedule", json={"customer_uid": customer_uid, "schedules": [item]}).expect_ok()
    run_scheduler(gateway, 61)

    executed = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (executed["schedule_status"], executed["payment_status"]) == ("executed", "failed")
    assert "승인거절" in executed["fail_reason"] and executed["imp_uid"]
    # The guide's webhook handler re-reads the payment and takes its "retry" branch on a non-paid status.
    payment = shop.api("GET", f"/payments/{executed['imp_uid']}").expect_ok()
    assert (payment["status"], payment["fail_reason"], payment["customer_uid_usage"]) == (
        "failed", executed["fail_reason"], "payment.scheduled")
    assert [e.payload["status"] for e in events_about(gateway, shop, [executed["imp_uid"]])] == ["failed"]


def test_a_schedule_the_pg_refuses_by_its_rules_is_recorded_failed_without_a_payment(
    gateway: GatewayServer, shop: TestMerchant
) -> None:
    """KG INICIS refuses a billing charge without ``name``; the run records why and charges nothing."""
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    item = {"merchant_uid": unique("sched"), "schedule_at": gateway.clock.now() + 60, "amount": 9_900}
    shop.api("POST", "/subscribe/payments/schedule", json={"customer_uid": customer_uid, "schedules": [item]}).expect_ok()
    run_scheduler(gateway, 61)
    executed = shop.api("GET", f"/subscribe/payments/schedule/{item['merchant_uid']}").expect_ok()
    assert (executed["payment_status"], executed["imp_uid"]) == ("failed", None)
    assert executed["fail_reason"] == "이니시스 빌링결제는 상품명이 필수입니다."
    assert shop.api("GET", f"/payments/findAll/{item['merchant_uid']}").status == 404


def test_an_approving_and_a_declining_card_through_again_answer_code_zero(shop: TestMerchant) -> None:
    for card, status in ((CARD_OK, "paid"), (CARD_REFUSED, "failed"), (CARD_INSUFFICIENT, "failed")):
        customer_uid = unique("cust")
        shop.issue_key(customer_uid, card_number=card).expect_ok()
        reply = shop.again(customer_uid, unique("order"), 9_900)
        assert (reply.status, reply.code, reply.message, reply.response["status"]) == (200, 0, None, status)

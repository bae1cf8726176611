"""Every answer object the clients read carries every field i'mport's own API reference lists for it.

``iamport_v1_fields.json`` holds the field names of each answer object of PortOne's i'mport V1
reference (``src/schema/v1.openapi.json`` of portone-io/developers.portone.io, commit in the file).
Each object below is fetched from paymux over HTTP (what every client receives) and compared with
its reference object. Fields paymux does not send yet are listed in ``GAPS`` with the reason; the
comparison is exact, so closing a gap (or opening a new one) fails until ``GAPS`` says so.
Extra fields paymux adds for other clients are allowed (e.g. ``receipt_uid`` of iamport-server-api).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.clients.shop_steps import CARD, certified, escrow_card_payment, paid_vbank, shipping
from tests.harness import GatewayServer, TestMerchant, unique

REFERENCE = json.loads((Path(__file__).parent / "iamport_v1_fields.json").read_text(encoding="utf-8"))["fields"]

# Fields of i'mport's current reference that paymux does not answer yet, each with why.
GAPS: dict[str, dict[str, str]] = {
    "PaymentAnnotation": {"sandbox": "whether the payment's channel is a test channel: not in the payment view yet"},
    "CustomerAnnotation": {"sandbox": "whether the key's channel is a test channel: not in the billing key view yet"},
}


def assert_reference_fields(name: str, answer: dict[str, Any]) -> None:
    missing = set(REFERENCE[name]) - set(answer)
    assert missing == set(GAPS.get(name, {})), f"{name}: missing {sorted(missing)}"


def test_answers_carry_every_field_of_i_mports_reference(gateway: GatewayServer, shop: TestMerchant) -> None:
    token = shop.api("POST", "/users/getToken", json={"imp_key": shop.imp_key, "imp_secret": shop.imp_secret}).expect_ok()
    assert_reference_fields("AuthAnnotation", token)
    assert_reference_fields("StandardCodeAnnotation", shop.api("GET", "/banks/088").expect_ok())
    assert_reference_fields("StandardCodeAnnotation", shop.api("GET", "/cards/367").expect_ok())

    customer_uid = unique("cu")
    assert_reference_fields("CustomerAnnotation", shop.api("POST", f"/subscribe/customers/{customer_uid}", json=CARD).expect_ok())
    paid = shop.again(customer_uid, unique("order"), 10_000).expect_ok()
    assert_reference_fields("PaymentAnnotation", paid)
    cancelled = shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 1_000}).expect_ok()
    assert_reference_fields("PaymentCancelAnnotation", cancelled["cancel_history"][0])

    balance = shop.api("GET", f"/payments/{paid['imp_uid']}/balance").expect_ok()
    assert_reference_fields("PaymentBalanceResponseAnnotation", balance)
    assert_reference_fields("PaymentBalanceHistoriesAnnotation", balance["histories"][0])
    assert_reference_fields("PaymentBalanceAnnotation", balance["primary"])

    prepared = unique("prep")
    assert_reference_fields("PaymentPrepareAnnotation", shop.api("POST", "/payments/prepare", json={"merchant_uid": prepared, "amount": 1_000}).expect_ok())
    assert_reference_fields("PaymentPrepareAnnotation", shop.api("GET", f"/payments/prepare/{prepared}").expect_ok())

    [booked] = shop.api("POST", "/subscribe/payments/schedule", json={"customer_uid": customer_uid, "schedules": [
        {"merchant_uid": unique("sched"), "schedule_at": gateway.clock.now() + 3_600, "amount": 1_000}]}).expect_ok()
    assert_reference_fields("ScheduleResultAnnotation", booked)

    requested = shop.api("POST", "/certifications/otp/request", json={"name": "김인증", "phone": "01098765432", "birth": "19851231",
                                                                      "gender_digit": "2", "carrier": "KT"}).expect_ok()
    assert_reference_fields("CertificationOTPAnnotation", requested)
    assert_reference_fields("CertificationAnnotation", shop.api("GET", f"/certifications/{certified(shop)}").expect_ok())

    cash = paid_vbank(gateway, shop)
    assert_reference_fields("PaymentAnnotation", cash)
    receipt = shop.api("POST", f"/receipts/{cash['imp_uid']}", json={"identifier": "01012345678"}).expect_ok()
    assert_reference_fields("ReceiptAnnotation", receipt)
    external = shop.api("POST", f"/receipts/external/{unique('cash')}", json={"identifier": "01012345678", "name": "현장", "amount": 5_000}).expect_ok()
    assert_reference_fields("ExternalReceiptAnnotation", external)
    holder = shop.api("GET", "/vbanks/holder", params={"bank_code": "088", "bank_num": "110123456789"}).expect_ok()
    assert_reference_fields("VbankHolderAnnotation", holder)

    escrow = escrow_card_payment(gateway, shop)
    assert_reference_fields("EscrowLogisAnnotation", shop.api("POST", f"/escrows/logis/{escrow['imp_uid']}", json=shipping()).expect_ok())

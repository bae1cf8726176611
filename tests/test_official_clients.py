"""The two official Python clients of i'mport V1 work against paymux by changing only the base URL.

* ``iamport-rest-client`` (module ``iamport``): sends JSON, asks for a new token before every call,
  raises ``Iamport.HttpError`` for a non-200 status and ``Iamport.ResponseError`` for a non-zero code.
* ``iamporter``: sends ``application/x-www-form-urlencoded`` bodies (amounts as Python numbers, e.g.
  ``"10000.0"``), takes one token when built, raises ``ImpUnAuthorized`` for a 401 and ``ImpApiError``
  (carrying ``.response.status``/``.code``/``.message``) for anything else that is not a success.

Nothing here talks to paymux except through those libraries, save where a library has no method for
a call (iamporter has no ``prepare``): then the library's own request machinery is used.

Each client goes through one billing scenario, step by step:
token (implicit) → billing key → charge it → find by imp_uid / merchant_uid → partial cancel → cancel
the rest → key-in without and with customer_uid → prepare + tamper guard → delete the key; plus the
errors a user of the client sees.
"""

from __future__ import annotations

import inspect
import json
from importlib.metadata import version
from typing import Any

import pytest
import requests
from iamport import Iamport
from iamporter import Iamporter
from iamporter.api import Payments, Subscribe
from iamporter.base import BaseApi
from iamporter.errors import ImpApiError, ImpUnAuthorized

from tests.harness import CARD_EXPIRED, CARD_OK, CARD_REFUSED, GatewayServer, TestMerchant, unique

CARD_OK_MASKED = "536148******1234"
CARD_EXPIRED_MASKED = "400000******0069"
CARD = {"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
UNKNOWN_IMP_UID = "imp_000000000000"


def history_unordered(payment: dict[str, Any]) -> dict[str, Any]:
    """The payment with its cancellations in a fixed order, for comparing two reads of it.

    paymux may return the cancellations of one second in either order on a re-read; that is checked
    (and marked as a known paymux bug) in test_iamport_cancel_history_keeps_the_order_of_the_cancels.
    """
    history = sorted(payment["cancel_history"], key=lambda c: c["cancellation_id"])
    return {**payment, "cancel_history": history, "cancel_receipt_urls": sorted(payment["cancel_receipt_urls"])}


def assert_no_full_card_number(data: Any) -> None:
    """What a client sees never carries a full card number, in any field."""
    text = json.dumps(data, ensure_ascii=False)
    for card in (CARD_OK, CARD_EXPIRED):
        assert card not in text and card.replace("-", "") not in text


# --------------------------------------------------------------------------------------------------
# iamport-rest-client (JSON bodies)
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def iamport(gateway: GatewayServer, shop: TestMerchant) -> Iamport:
    # The only change from production code: imp_url. (The library joins paths without a slash.)
    return Iamport(imp_key=shop.imp_key, imp_secret=shop.imp_secret, imp_url=gateway.base_url + "/")


def test_iamport_billing_key_charge_find_and_cancel(iamport: Iamport) -> None:
    customer_uid, merchant_uid = unique("cust"), unique("order")

    # 1. Issue a billing key (the token is taken implicitly before every call).
    customer = iamport.customer_create(customer_uid=customer_uid, customer_name="홍길동", **CARD)
    assert customer["customer_uid"] == customer_uid
    assert customer["card_number"] == CARD_OK_MASKED
    assert (customer["card_code"], customer["card_name"]) == ("367", "현대카드")
    assert customer["pg_provider"] == "html5_inicis" and customer["customer_name"] == "홍길동"
    assert iamport.customer_get(customer_uid) == customer

    # 2. Charge it.
    paid = iamport.pay_again(customer_uid=customer_uid, merchant_uid=merchant_uid, amount=10_000, name="월 구독")
    imp_uid = paid["imp_uid"]
    assert imp_uid.startswith("imp_") and len(imp_uid) == 16
    assert (paid["status"], paid["amount"], paid["cancel_amount"]) == ("paid", 10_000, 0)
    assert (paid["merchant_uid"], paid["name"], paid["pay_method"]) == (merchant_uid, "월 구독", "card")
    assert (paid["customer_uid"], paid["customer_uid_usage"]) == (customer_uid, "payment")
    assert paid["card_number"] == CARD_OK_MASKED and paid["apply_num"] and paid["pg_tid"]
    assert paid["paid_at"] > 0 and paid["cancel_history"] == []

    # 3. Find it by imp_uid and by merchant_uid (three ways the library offers).
    assert iamport.find_by_imp_uid(imp_uid) == paid
    assert iamport.find(imp_uid=imp_uid) == paid
    assert iamport.find(merchant_uid=merchant_uid) == paid
    assert iamport.is_paid(10_000, imp_uid=imp_uid)
    assert not iamport.is_paid(9_999, merchant_uid=merchant_uid)

    # 4. Partial cancel by imp_uid: still paid, one cancellation.
    partial = iamport.cancel("부분 환불", imp_uid=imp_uid, amount=3_000)
    assert (partial["status"], partial["amount"], partial["cancel_amount"]) == ("paid", 10_000, 3_000)
    assert [c["amount"] for c in partial["cancel_history"]] == [3_000]
    assert partial["cancel_history"][0]["reason"] == "부분 환불"

    # 5. Cancel the rest by merchant_uid, with the balance as checksum: cancelled in full.
    full = iamport.cancel("전액 환불", merchant_uid=merchant_uid, checksum=7_000)
    assert (full["status"], full["cancel_amount"], full["amount"]) == ("cancelled", 10_000, 10_000)
    assert [c["amount"] for c in full["cancel_history"]] == [3_000, 7_000]
    assert full["cancelled_at"] > 0 and len(full["cancel_receipt_urls"]) == 2
    assert history_unordered(iamport.find(imp_uid=imp_uid)) == history_unordered(full)
    assert not iamport.is_paid(10_000, imp_uid=imp_uid)

    # Nothing left to cancel.
    with pytest.raises(Iamport.ResponseError) as refused:
        iamport.cancel("또 환불", imp_uid=imp_uid)
    assert refused.value.code != 0 and refused.value.message

    assert_no_full_card_number([customer, paid, partial, full])


def test_iamport_cancel_history_keeps_the_order_of_the_cancels(iamport: Iamport) -> None:
    customer_uid = unique("cust")
    iamport.customer_create(customer_uid=customer_uid, **CARD)
    imp_uid = iamport.pay_again(customer_uid=customer_uid, merchant_uid=unique("order"), amount=1_000, name="x")["imp_uid"]

    # Partial cancels of 1 KRW until two made in the same second have cancellation_ids that sort
    # against the order they happened in (each try has an even chance; the newest is always last
    # in the cancel's own answer).
    happened: list[dict[str, Any]] = []
    for _ in range(40):
        happened.append(iamport.cancel("1원 환불", imp_uid=imp_uid, amount=1)["cancel_history"][-1])
        if len(happened) >= 2:
            earlier, later = happened[-2], happened[-1]
            if earlier["cancelled_at"] == later["cancelled_at"] and later["cancellation_id"] < earlier["cancellation_id"]:
                break
    else:
        pytest.skip("no two same-second cancellations with inverted ids were produced")

    reread = iamport.find(imp_uid=imp_uid)
    assert reread["cancel_amount"] == len(happened)
    assert [c["cancellation_id"] for c in reread["cancel_history"]] == [c["cancellation_id"] for c in happened]
    assert reread["cancel_receipt_urls"] == [c["receipt_url"] for c in happened]


def test_iamport_onetime_without_and_with_customer_uid(iamport: Iamport) -> None:
    # Key-in without customer_uid: paid, no key kept.
    paid = iamport.pay_onetime(merchant_uid=unique("order"), amount=12_000, name="단건", **CARD)
    assert (paid["status"], paid["amount"], paid["customer_uid"]) == ("paid", 12_000, None)
    assert paid["card_number"] == CARD_OK_MASKED

    # Key-in with customer_uid: paid, and the key is stored for later charges.
    customer_uid = unique("cust")
    kept = iamport.pay_onetime(
        merchant_uid=unique("order"), amount=15_000, name="첫 결제", customer_uid=customer_uid,
        buyer_name="김구매", buyer_email="buyer@example.com", **CARD,
    )
    assert (kept["status"], kept["amount"]) == ("paid", 15_000)
    assert (kept["customer_uid"], kept["customer_uid_usage"]) == (customer_uid, "issue")
    customer = iamport.customer_get(customer_uid)
    assert (customer["customer_uid"], customer["card_number"]) == (customer_uid, CARD_OK_MASKED)
    assert (customer["customer_name"], customer["customer_email"]) == ("김구매", "buyer@example.com")
    again = iamport.pay_again(customer_uid=customer_uid, merchant_uid=unique("order"), amount=15_000, name="2회차")
    assert (again["status"], again["customer_uid_usage"]) == ("paid", "payment")

    assert_no_full_card_number([paid, kept, customer, again])


def test_iamport_prepared_order_is_paid_only_its_amount(iamport: Iamport) -> None:
    customer_uid, merchant_uid = unique("cust"), unique("order")
    iamport.customer_create(customer_uid=customer_uid, **CARD)

    assert iamport.prepare(merchant_uid, 20_000) == {"merchant_uid": merchant_uid, "amount": 20_000, "currency": "KRW"}
    assert iamport.prepare_validate(merchant_uid, 20_000)
    assert not iamport.prepare_validate(merchant_uid, 100)

    # Another amount is refused (tamper guard) ...
    with pytest.raises(Iamport.ResponseError) as tampered:
        iamport.pay_again(customer_uid=customer_uid, merchant_uid=merchant_uid, amount=100, name="변조")
    assert tampered.value.code == -1
    assert "20000" in tampered.value.message and "100" in tampered.value.message

    # ... the prepared amount is paid.
    paid = iamport.pay_again(customer_uid=customer_uid, merchant_uid=merchant_uid, amount=20_000, name="정상")
    assert (paid["status"], paid["amount"], paid["merchant_uid"]) == ("paid", 20_000, merchant_uid)
    assert iamport.is_paid(20_000, merchant_uid=merchant_uid)


def test_iamport_find_by_merchant_uid_returns_the_paid_retry(iamport: Iamport) -> None:
    expired = {**CARD, "card_number": CARD_EXPIRED}
    # Orders with a failed attempt then a paid retry, until one has both in the same second and the
    # retry's imp_uid sorting below the failed one's (each try has an even chance).
    for _ in range(40):
        merchant_uid = unique("order")
        with pytest.raises(Iamport.ResponseError):
            iamport.pay_onetime(merchant_uid=merchant_uid, amount=1_000, name="단건", **expired)
        failed = iamport.find(merchant_uid=merchant_uid)  # the only attempt so far
        retried = iamport.pay_onetime(merchant_uid=merchant_uid, amount=1_000, name="단건", **CARD)
        if failed["started_at"] == retried["started_at"] and retried["imp_uid"] < failed["imp_uid"]:
            break
    else:
        pytest.skip("no same-second retry with an imp_uid sorting below the failed attempt's was produced")

    # The order is paid: its latest attempt is the paid retry, and the library's is_paid says so.
    assert iamport.find(merchant_uid=merchant_uid)["imp_uid"] == retried["imp_uid"]
    assert iamport.is_paid(1_000, merchant_uid=merchant_uid)


def test_iamport_deleted_billing_key_is_gone(iamport: Iamport) -> None:
    customer_uid = unique("cust")
    iamport.customer_create(customer_uid=customer_uid, **CARD)

    deleted = iamport.customer_delete(customer_uid)
    assert (deleted["customer_uid"], deleted["card_number"]) == (customer_uid, CARD_OK_MASKED)

    with pytest.raises(Iamport.HttpError) as gone:
        iamport.customer_get(customer_uid)
    assert gone.value.code == 404
    with pytest.raises(Iamport.ResponseError) as unpaid:
        iamport.pay_again(customer_uid=customer_uid, merchant_uid=unique("order"), amount=1_000, name="삭제 후")
    assert unpaid.value.code == -1


def test_iamport_wrong_secret_is_http_401(gateway: GatewayServer, shop: TestMerchant) -> None:
    for key, secret in [(shop.imp_key, shop.imp_secret + "x"), ("no-such-key", shop.imp_secret)]:
        client = Iamport(imp_key=key, imp_secret=secret, imp_url=gateway.base_url + "/")
        with pytest.raises(Iamport.HttpError) as denied:
            client.find(imp_uid=UNKNOWN_IMP_UID)
        assert (denied.value.code, denied.value.reason) == (401, "Unauthorized")


def test_iamport_unknown_payment_is_http_404(iamport: Iamport) -> None:
    with pytest.raises(Iamport.HttpError) as missing:
        iamport.find(imp_uid=UNKNOWN_IMP_UID)
    assert (missing.value.code, missing.value.reason) == (404, "Not Found")
    with pytest.raises(Iamport.HttpError) as missing:
        iamport.find(merchant_uid=unique("never"))
    assert missing.value.code == 404


def test_iamport_cancel_of_unknown_payment_is_code_1(iamport: Iamport) -> None:
    with pytest.raises(Iamport.ResponseError) as refused:
        iamport.cancel("환불", imp_uid=UNKNOWN_IMP_UID)
    assert refused.value.code == 1
    assert "취소할 결제건이 존재하지 않습니다." in refused.value.message
    with pytest.raises(Iamport.ResponseError) as refused:
        iamport.cancel("환불", merchant_uid=unique("never"))
    assert refused.value.code == 1


def test_iamport_again_with_unknown_customer_is_code_minus_1(iamport: Iamport) -> None:
    with pytest.raises(Iamport.ResponseError) as refused:
        iamport.pay_again(customer_uid=unique("nobody"), merchant_uid=unique("order"), amount=1_000, name="x")
    assert refused.value.code == -1
    assert refused.value.message


def test_iamport_onetime_with_expired_card_fails_authentication(iamport: Iamport) -> None:
    merchant_uid = unique("order")
    with pytest.raises(Iamport.ResponseError) as refused:
        iamport.pay_onetime(merchant_uid=merchant_uid, amount=1_000, name="단건", **{**CARD, "card_number": CARD_EXPIRED})
    assert refused.value.code == -1
    assert "카드정보 인증에 실패하였습니다" in refused.value.message

    # The attempt is on record as failed, with the card masked; the order may be retried.
    failed = iamport.find(merchant_uid=merchant_uid)
    assert (failed["status"], failed["card_number"]) == ("failed", CARD_EXPIRED_MASKED)
    assert failed["failed_at"] > 0 and failed["paid_at"] == 0
    retried = iamport.pay_onetime(merchant_uid=merchant_uid, amount=1_000, name="단건", **CARD)
    assert retried["status"] == "paid" and retried["imp_uid"] != failed["imp_uid"]

    # A past expiry date is an expired card too.
    with pytest.raises(Iamport.ResponseError) as refused:
        iamport.pay_onetime(merchant_uid=unique("order"), amount=1_000, name="단건", **{**CARD, "expiry": "2020-01"})
    assert refused.value.code == -1 and "카드정보 인증에 실패하였습니다" in refused.value.message
    assert_no_full_card_number(failed)


# --------------------------------------------------------------------------------------------------
# iamporter (form-encoded bodies)
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def iamporter(gateway: GatewayServer, shop: TestMerchant) -> Iamporter:
    # The only change from production code: imp_url. The token is taken here, once.
    return Iamporter(imp_key=shop.imp_key, imp_secret=shop.imp_secret, imp_url=gateway.base_url)


def test_iamporter_takes_a_token_when_built(iamporter: Iamporter) -> None:
    assert isinstance(iamporter.imp_auth.token, str) and iamporter.imp_auth.token


def test_iamporter_billing_key_charge_find_and_cancel(iamporter: Iamporter) -> None:
    customer_uid, merchant_uid = unique("cust"), unique("order")

    # 1. Issue a billing key.
    customer = iamporter.create_billkey(
        customer_uid=customer_uid, card_number=CARD_OK, expiry="2030-12", birth="820213", pwd_2digit="00",
        customer_info={"name": "홍길동", "email": "gd@example.com"},
    )
    assert (customer["customer_uid"], customer["card_number"]) == (customer_uid, CARD_OK_MASKED)
    assert (customer["card_code"], customer["card_name"]) == ("367", "현대카드")
    assert (customer["customer_name"], customer["customer_email"]) == ("홍길동", "gd@example.com")
    assert iamporter.find_billkey(customer_uid=customer_uid) == customer

    # 2. Charge it (customer_uid without card data = "again"); iamporter documents amounts as floats.
    paid = iamporter.create_payment(
        merchant_uid=merchant_uid, customer_uid=customer_uid, name="월 구독", amount=10_000.0,
        buyer_info={"name": "홍길동", "tel": "010-1234-5678"}, custom_data="plan=gold",
    )
    imp_uid = paid["imp_uid"]
    assert imp_uid.startswith("imp_") and len(imp_uid) == 16
    assert (paid["status"], paid["amount"], paid["cancel_amount"]) == ("paid", 10_000, 0)
    assert (paid["customer_uid"], paid["customer_uid_usage"]) == (customer_uid, "payment")
    assert (paid["buyer_name"], paid["buyer_tel"], paid["custom_data"]) == ("홍길동", "010-1234-5678", "plan=gold")
    assert paid["card_number"] == CARD_OK_MASKED and paid["paid_at"] > 0

    # 3. Find it by imp_uid and by merchant_uid.
    assert iamporter.find_payment(imp_uid=imp_uid) == paid
    assert iamporter.find_payment(merchant_uid=merchant_uid) == paid

    # 4. Partial cancel by merchant_uid: still paid, one cancellation.
    partial = iamporter.cancel_payment(merchant_uid=merchant_uid, amount=4_000.0, reason="부분 환불")
    assert (partial["status"], partial["amount"], partial["cancel_amount"]) == ("paid", 10_000, 4_000)
    assert [c["amount"] for c in partial["cancel_history"]] == [4_000]

    # 5. Cancel the rest by imp_uid (no amount = everything left): cancelled in full.
    full = iamporter.cancel_payment(imp_uid=imp_uid, reason="전액 환불")
    assert (full["status"], full["cancel_amount"], full["amount"]) == ("cancelled", 10_000, 10_000)
    assert [c["amount"] for c in full["cancel_history"]] == [4_000, 6_000]
    assert full["cancel_history"][1]["reason"] == "전액 환불" and full["cancelled_at"] > 0
    assert history_unordered(iamporter.find_payment(imp_uid=imp_uid)) == history_unordered(full)

    with pytest.raises(ImpApiError) as refused:
        iamporter.cancel_payment(imp_uid=imp_uid, reason="또 환불")
    assert refused.value.response.status == 200 and refused.value.response.code != 0

    assert_no_full_card_number([customer, paid, partial, full])


def test_iamporter_onetime_without_and_with_customer_uid(iamporter: Iamporter) -> None:
    # Card data without customer_uid: key-in, nothing kept.
    paid = iamporter.create_payment(
        merchant_uid=unique("order"), name="단건", amount=12_000, card_number=CARD_OK, expiry="2030-12",
        birth="820213", pwd_2digit="00",
    )
    assert (paid["status"], paid["amount"], paid["customer_uid"]) == ("paid", 12_000, None)
    assert paid["card_number"] == CARD_OK_MASKED

    # Card data with customer_uid: key-in, and the key is kept with the buyer as its customer.
    customer_uid = unique("cust")
    kept = iamporter.create_payment(
        merchant_uid=unique("order"), customer_uid=customer_uid, name="첫 결제", amount=15_000,
        card_number=CARD_OK, expiry="2030-12", birth="820213", pwd_2digit="00",
        buyer_info={"name": "김구매", "email": "buyer@example.com"},
    )
    assert (kept["status"], kept["customer_uid"], kept["customer_uid_usage"]) == ("paid", customer_uid, "issue")
    customer = iamporter.find_billkey(customer_uid=customer_uid)
    assert (customer["customer_uid"], customer["card_number"]) == (customer_uid, CARD_OK_MASKED)
    assert (customer["customer_name"], customer["customer_email"]) == ("김구매", "buyer@example.com")
    again = iamporter.create_payment(merchant_uid=unique("order"), customer_uid=customer_uid, name="2회차", amount=15_000)
    assert (again["status"], again["customer_uid_usage"]) == ("paid", "payment")

    assert_no_full_card_number([paid, kept, customer, again])


def test_iamporter_prepared_order_is_paid_only_its_amount(iamporter: Iamporter) -> None:
    merchant_uid = unique("order")
    # iamporter has no prepare method; its own request machinery sends the form, as a user would.
    prepared = iamporter._process_response(
        Payments(**iamporter._api_kwargs)._post("/prepare", merchant_uid=merchant_uid, amount=30_000)
    )
    assert prepared == {"merchant_uid": merchant_uid, "amount": 30_000, "currency": "KRW"}

    card = {"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
    with pytest.raises(ImpApiError) as tampered:
        iamporter.create_payment(merchant_uid=merchant_uid, name="변조", amount=300, **card)
    assert (tampered.value.response.status, tampered.value.response.code) == (200, -1)
    assert "30000" in tampered.value.response.message

    paid = iamporter.create_payment(merchant_uid=merchant_uid, name="정상", amount=30_000, **card)
    assert (paid["status"], paid["amount"], paid["merchant_uid"]) == ("paid", 30_000, merchant_uid)
    assert iamporter.find_payment(merchant_uid=merchant_uid)["imp_uid"] == paid["imp_uid"]


def test_iamporter_deleted_billing_key_is_gone(iamporter: Iamporter) -> None:
    customer_uid = unique("cust")
    iamporter.create_billkey(customer_uid=customer_uid, card_number=CARD_OK, expiry="2030-12", birth="820213")

    deleted = iamporter.delete_billkey(customer_uid=customer_uid)
    assert (deleted["customer_uid"], deleted["card_number"]) == (customer_uid, CARD_OK_MASKED)

    with pytest.raises(ImpApiError) as gone:
        iamporter.find_billkey(customer_uid=customer_uid)
    assert gone.value.response.status == 404 and gone.value.response.data is None
    with pytest.raises(ImpApiError) as gone:
        iamporter.delete_billkey(customer_uid=customer_uid)
    assert gone.value.response.status == 404
    with pytest.raises(ImpApiError) as unpaid:
        iamporter.create_payment(merchant_uid=unique("order"), customer_uid=customer_uid, name="삭제 후", amount=1_000)
    assert (unpaid.value.response.status, unpaid.value.response.code) == (200, -1)


def test_iamporter_wrong_secret_is_unauthorized(gateway: GatewayServer, shop: TestMerchant) -> None:
    for key, secret in [(shop.imp_key, shop.imp_secret + "x"), ("no-such-key", shop.imp_secret)]:
        with pytest.raises(ImpUnAuthorized) as denied:
            Iamporter(imp_key=key, imp_secret=secret, imp_url=gateway.base_url)
        assert denied.value.message  # paymux's explanation reaches the user


def test_iamporter_unknown_payment_is_404(iamporter: Iamporter) -> None:
    with pytest.raises(ImpApiError) as missing:
        iamporter.find_payment(imp_uid=UNKNOWN_IMP_UID)
    assert missing.value.response.status == 404 and missing.value.response.message
    with pytest.raises(ImpApiError) as missing:
        iamporter.find_payment(merchant_uid=unique("never"))
    assert missing.value.response.status == 404


def test_iamporter_cancel_of_unknown_payment_is_code_1(iamporter: Iamporter) -> None:
    with pytest.raises(ImpApiError) as refused:
        iamporter.cancel_payment(imp_uid=UNKNOWN_IMP_UID, reason="환불")
    assert (refused.value.response.status, refused.value.response.code) == (200, 1)
    assert "취소할 결제건이 존재하지 않습니다." in refused.value.response.message


def test_iamporter_again_with_unknown_customer_is_code_minus_1(iamporter: Iamporter) -> None:
    with pytest.raises(ImpApiError) as refused:
        iamporter.create_payment(merchant_uid=unique("order"), customer_uid=unique("nobody"), name="x", amount=1_000)
    assert (refused.value.response.status, refused.value.response.code) == (200, -1)


def test_iamporter_onetime_with_expired_card_fails_authentication(iamporter: Iamporter) -> None:
    merchant_uid = unique("order")
    with pytest.raises(ImpApiError) as refused:
        iamporter.create_payment(
            merchant_uid=merchant_uid, name="만료", amount=1_000, card_number=CARD_EXPIRED, expiry="2030-12",
            birth="820213", pwd_2digit="00",
        )
    assert (refused.value.response.status, refused.value.response.code) == (200, -1)
    assert "카드정보 인증에 실패하였습니다" in refused.value.response.message
    assert refused.value.response.data is None  # no approval was asked for: response null (docs/declines.md)
    failed = iamporter.find_payment(merchant_uid=merchant_uid)  # the attempt is on record
    assert (failed["status"], failed["merchant_uid"], failed["card_number"]) == ("failed", merchant_uid, CARD_EXPIRED_MASKED)
    assert_no_full_card_number(failed)


# --------------------------------------------------------------------------------------------------
# Every public method of both clients (issue #10, done-when 1). The methods called are compared with
# the methods the installed package offers (inspect), so a new one cannot be skipped silently.
# Sources: [REF] i'mport's API reference (../shared/docs/iamport-v1-api.md, docs/compat-endpoints.md,
# docs/declines.md); [MSG] docs/messages.md; [PKG] the client's own source.
# --------------------------------------------------------------------------------------------------

PERSON = {"name": "홍길동", "phone": "010-1234-5678", "birth": "19900115", "gender_digit": "1", "carrier": "SKT"}


def test_the_installed_clients_are_the_versions_issue_10_names() -> None:
    assert (version("iamport-rest-client"), version("iamporter")) == ("0.9.0", "0.2.4")


def public_methods(cls: type) -> list[str]:
    return sorted(name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_"))


def certified(shop: TestMerchant) -> str:
    imp_uid = shop.api("POST", "/certifications/otp/request", json=PERSON).expect_ok()["imp_uid"]
    shop.api("POST", f"/certifications/otp/confirm/{imp_uid}", json={"otp": "123456"}).expect_ok()
    return imp_uid


def issued_vbank(gateway: GatewayServer, shop: TestMerchant) -> dict[str, Any]:
    return shop.api("POST", "/vbanks", json={
        "merchant_uid": unique("vb"), "amount": 9_000, "vbank_code": "088", "name": "가상계좌",
        "vbank_due": gateway.clock.now() + 86_400, "vbank_holder": "페이먹스",
    }).expect_ok()


def test_iamport_calls_every_public_method(gateway: GatewayServer, shop: TestMerchant, iamport: Iamport) -> None:
    called: set[str] = set()

    def use(name: str) -> Any:
        called.add(name)
        return getattr(iamport, name)

    now = gateway.clock.now()
    headers = use("get_headers")()
    assert set(headers) == {"Authorization"} and headers["Authorization"]
    # [PKG] get_response reads any i'mport reply: the code table of banks [REF].
    banks = use("get_response")(requests.get(gateway.base_url + "/banks", headers=headers, timeout=30))
    assert {"code": "088", "name": "신한은행"} in banks

    customer_uid = unique("cust")
    assert use("customer_create")(customer_uid=customer_uid, **CARD)["card_number"] == CARD_OK_MASKED
    assert use("customer_get")(customer_uid)["customer_uid"] == customer_uid

    order = unique("order")
    paid = use("pay_again")(customer_uid=customer_uid, merchant_uid=order, amount=10_000, name="구독")
    assert (paid["status"], paid["amount"]) == ("paid", 10_000)
    keyin = use("pay_onetime")(merchant_uid=unique("order"), amount=2_000, name="단건", **CARD)
    assert keyin["status"] == "paid"
    # docs/declines.md: a decline is code 0 with the failed payment, which the client returns.
    declined = iamport.pay_onetime(merchant_uid=unique("order"), amount=2_000, name="단건", **{**CARD, "card_number": CARD_REFUSED})
    assert declined["status"] == "failed" and declined["fail_reason"]
    # Foreign-card key-in is refused (code -1): none of paymux's PGs takes it [REF].
    with pytest.raises(Iamport.ResponseError) as foreign:
        use("pay_foreign")(merchant_uid=unique("order"), amount=1_000, card_number=CARD_OK, expiry="2030-12", cvc="123")
    assert foreign.value.code == -1 and "해외카드 결제를 지원하지 않는 PG사입니다." in foreign.value.message

    assert use("find")(imp_uid=paid["imp_uid"])["merchant_uid"] == order
    assert use("find_by_imp_uid")(paid["imp_uid"])["merchant_uid"] == order
    assert use("find_by_merchant_uid")(order)["imp_uid"] == paid["imp_uid"]
    assert use("is_paid")(10_000, imp_uid=paid["imp_uid"])
    # [PKG] find_by_status passes `params=` to its own `_get(url, payload)`: it raises TypeError
    # before sending anything, against i'mport as against paymux (iamport-rest-client 0.9.0 bug).
    with pytest.raises(TypeError, match="params"):
        use("find_by_status")("paid")

    prepared = unique("prep")
    assert use("prepare")(prepared, 6_000) == {"merchant_uid": prepared, "amount": 6_000, "currency": "KRW"}
    assert use("prepare_validate")(prepared, 6_000) and not iamport.prepare_validate(prepared, 6_001)

    assert use("cancel_by_imp_uid")(paid["imp_uid"], "부분", amount=1_000)["cancel_amount"] == 1_000
    assert use("cancel_by_merchant_uid")(order, "부분", amount=2_000)["cancel_amount"] == 3_000
    assert use("cancel")("나머지", imp_uid=paid["imp_uid"])["status"] == "cancelled"
    with pytest.raises(Iamport.ResponseError) as twice:
        iamport.cancel("또", imp_uid=paid["imp_uid"])
    assert (twice.value.code, twice.value.message) == (1, "이미 전액취소된 주문입니다.")  # [MSG]

    booked = unique("sched")
    scheduled = use("pay_schedule")(customer_uid=customer_uid, schedules=[
        {"merchant_uid": booked, "schedule_at": now + 86_400, "amount": 3_000, "name": "예약"}])
    assert [(s["merchant_uid"], s["schedule_status"]) for s in scheduled] == [(booked, "scheduled")]
    assert use("pay_schedule_get")(booked)["amount"] == 3_000
    between = use("pay_schedule_get_between")(schedule_from=now, schedule_to=now + 2 * 86_400)
    assert booked in {s["merchant_uid"] for s in between["list"]}
    revoked = use("pay_unschedule")(customer_uid=customer_uid, merchant_uid=[booked])
    assert [s["schedule_status"] for s in revoked] == ["revoked"]
    with pytest.raises(Iamport.ResponseError) as nothing:
        iamport.pay_unschedule(customer_uid=customer_uid, merchant_uid=[booked])
    assert nothing.value.code == 1 and "취소할 예약결제 기록이 존재하지 않습니다." in nothing.value.message  # [MSG]

    assert use("customer_delete")(customer_uid)["customer_uid"] == customer_uid

    vbank = issued_vbank(gateway, shop)
    revoked_vbank = use("revoke_vbank_by_imp_uid")(vbank["imp_uid"])
    assert (revoked_vbank["imp_uid"], revoked_vbank["status"]) == (vbank["imp_uid"], "failed")  # docs/sandbox.md

    person = certified(shop)
    assert use("find_certification")(person)["certified"] is True
    assert use("cancel_certification")(person)["imp_uid"] == person
    with pytest.raises(Iamport.HttpError) as gone:
        iamport.find_certification(person)
    assert gone.value.code == 404

    assert sorted(called) == public_methods(Iamport)


def iamporter_api_methods() -> list[str]:
    """The api-level classes' own public methods (iamporter.api), e.g. ``Payments.get_balance``."""
    return sorted(f"{cls.__name__}.{name}" for cls in BaseApi.__subclasses__() for name, value in vars(cls).items()
                  if inspect.isfunction(value) and not name.startswith("_"))


def test_iamporter_calls_every_public_method(gateway: GatewayServer, shop: TestMerchant, iamporter: Iamporter) -> None:
    called: set[str] = set()

    def use(name: str) -> Any:
        called.add(name)
        return getattr(iamporter, name)

    def api(cls: type[BaseApi], name: str) -> Any:
        called.add(f"{cls.__name__}.{name}")
        return getattr(cls(**iamporter._api_kwargs), name)

    customer_uid, order = unique("cust"), unique("order")
    key = use("create_billkey")(customer_uid=customer_uid, card_number=CARD_OK, expiry="2030-12", birth="820213", pwd_2digit="00")
    assert use("find_billkey")(customer_uid=customer_uid) == key
    paid = use("create_payment")(merchant_uid=order, customer_uid=customer_uid, name="구독", amount=10_000)
    assert use("find_payment")(imp_uid=paid["imp_uid"])["merchant_uid"] == order
    assert use("cancel_payment")(imp_uid=paid["imp_uid"], amount=1_000, reason="부분")["cancel_amount"] == 1_000

    # The api level: each returns an IamportResponse (status, code, message, data) [PKG].
    balance = api(Payments, "get_balance")(paid["imp_uid"])
    assert (balance.status, balance.code, balance.data["amount"]) == (200, 0, 10_000)
    assert api(Payments, "get")(paid["imp_uid"]).data["cancel_amount"] == 1_000
    assert api(Payments, "get_find")(order, payment_status="paid").data["imp_uid"] == paid["imp_uid"]
    assert [p["imp_uid"] for p in api(Payments, "get_findall")(order).data["list"]] == [paid["imp_uid"]]
    assert paid["imp_uid"] in {p["imp_uid"] for p in api(Payments, "get_status")("paid", limit=100).data["list"]}
    rest = api(Payments, "post_cancel")(merchant_uid=order, reason="나머지")
    assert (rest.code, rest.data["status"], rest.data["cancel_amount"]) == (0, "cancelled", 10_000)

    other_uid = unique("cust")
    issued = api(Subscribe, "post_customers")(other_uid, CARD_OK, "2030-12", "820213", pwd_2digit="00", customer_name="김구매")
    assert (issued.code, issued.data["customer_name"]) == (0, "김구매")
    assert api(Subscribe, "get_customers")(other_uid).data["card_number"] == CARD_OK_MASKED
    again = api(Subscribe, "post_payments_again")(other_uid, unique("order"), 4_000, "2회차")
    assert (again.code, again.data["status"]) == (0, "paid")
    onetime = api(Subscribe, "post_payments_onetime")(unique("order"), 3_000, CARD_OK, "2030-12", birth="820213", name="단건")
    assert (onetime.code, onetime.data["status"]) == (0, "paid")
    history = api(Subscribe, "get_customers_payments")(other_uid, page=1)
    assert [p["imp_uid"] for p in history.data["list"]] == [again.data["imp_uid"]]
    assert api(Subscribe, "delete_customers")(other_uid).data["customer_uid"] == other_uid
    assert use("delete_billkey")(customer_uid=customer_uid)["customer_uid"] == customer_uid

    assert sorted(called) == sorted(public_methods(Iamporter) + iamporter_api_methods())

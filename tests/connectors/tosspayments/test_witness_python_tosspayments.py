"""A witness no one here wrote: PyPI ``python-tosspayments`` 1.1.0 (a third-party Toss Payments client,
``tosspayments.main.TossPayments``) runs its documented flows against paymux's Toss emulator over real HTTP.

How it is pointed at the emulator: the client hard-codes ``https://api.tosspayments.com/`` in the private
attribute ``__base_url`` (name-mangled to ``_TossPayments__base_url``); the test sets that attribute to the
emulator's base URL with its trailing slash. Nothing else of the client is touched: its own Basic header
(secret key + ``:``), JSON bodies, ``Idempotency-Key`` header and error handling (``__HttpError(status,
code, message)`` for any non-200) run unchanged.

Where the client's README and Toss's API disagree, Toss's API wins and the test says so: the README's
``cancel_data`` uses snake_case keys (``cancel_reason``), but Toss (and so the emulator) reads
``cancelReason`` — the documented snake_case body is refused with ``INVALID_REQUEST``, as Toss would.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

tosspayments = pytest.importorskip("tosspayments.main")

from paymux.connectors.tosspayments import codes  # noqa: E402
from tests.connectors.tosspayments.support import LIVE_KEYS, Buyer, TossEmulator, query_of  # noqa: E402

SUCCESS, FAIL = "https://shop.example/success", "https://shop.example/fail"


def witness(toss: TossEmulator, secret_key: str = LIVE_KEYS["secret_key"]) -> Any:
    client = tosspayments.TossPayments(secret_key)
    client._TossPayments__base_url = toss.base_url + "/"  # the only change: Toss's host → the emulator
    return client


def http_error(call: Any) -> tuple[int, str, str]:
    with pytest.raises(Exception) as raised:
        call()
    error = raised.value
    assert type(error).__name__ == "__HttpError"
    return error.code, error.error_type, error.reason


def window_payment(toss: TossEmulator, amount: int, choice: str = "SHINHAN") -> dict[str, str]:
    order_id = "order-" + secrets.token_hex(6)
    url = Buyer(toss.base_url).window_url("payment", {
        "clientKey": LIVE_KEYS["client_key"], "method": codes.CARD, "amount": str(amount), "orderId": order_id,
        "orderName": "생수 외 1건", "successUrl": SUCCESS, "failUrl": FAIL})
    location = Buyer(toss.base_url).pay(url, choice=choice)
    assert location.startswith(SUCCESS)
    return query_of(location)


def test_confirm_then_lookups_by_payment_key_and_by_order_id(toss: TossEmulator) -> None:
    returned = window_payment(toss, 15000)
    client = witness(toss)
    confirmed = client.confirm(returned["paymentKey"], returned["orderId"], 15000, idempotency_key="witness-" + returned["orderId"])
    assert (confirmed["status"], confirmed["totalAmount"], confirmed["method"]) == ("DONE", 15000, "카드")
    assert client.get_payment_by_payment_key(returned["paymentKey"])["orderId"] == returned["orderId"]
    assert client.get_payment_by_order_id(returned["orderId"])["paymentKey"] == returned["paymentKey"]
    again = client.confirm(returned["paymentKey"], returned["orderId"], 15000, idempotency_key="witness-" + returned["orderId"])
    assert again == confirmed  # the same Idempotency-Key: Toss's first answer, nothing charged again
    assert http_error(lambda: client.confirm(returned["paymentKey"], returned["orderId"], 15000))[:2] == (400, "ALREADY_PROCESSED_PAYMENT")
    assert toss.money_moved(returned["orderId"]) == 15000


def test_its_errors_carry_tosss_status_and_code(toss: TossEmulator) -> None:
    returned = window_payment(toss, 19001)
    client = witness(toss)
    assert http_error(lambda: client.confirm(returned["paymentKey"], returned["orderId"], 19001))[:2] == (403, "REJECT_CARD_COMPANY")
    assert http_error(lambda: client.get_payment_by_order_id("order-nobody"))[:2] == (404, "NOT_FOUND_PAYMENT")
    assert http_error(lambda: witness(toss, "live_sk_notakey").get_payment_by_order_id(returned["orderId"]))[:2] == (401, "UNAUTHORIZED_KEY")


def test_partial_and_full_cancel_with_idempotency_keys(toss: TossEmulator) -> None:
    returned = window_payment(toss, 10000)
    client = witness(toss)
    client.confirm(returned["paymentKey"], returned["orderId"], 10000)
    documented = {"cancel_reason": "단순변심", "cancel_amount": 1000}  # the README's snake_case body
    assert http_error(lambda: client.cancel(returned["paymentKey"], documented))[:2] == (400, "INVALID_REQUEST")
    partial = client.cancel(returned["paymentKey"], {"cancelReason": "단순변심", "cancelAmount": 4000}, idempotency_key="w-cancel-1")
    assert (partial["status"], partial["balanceAmount"]) == ("PARTIAL_CANCELED", 6000)
    replay = client.cancel(returned["paymentKey"], {"cancelReason": "단순변심", "cancelAmount": 4000}, idempotency_key="w-cancel-1")
    assert replay == partial
    full = client.cancel(returned["paymentKey"], {"cancelReason": "전액 취소"}, idempotency_key="w-cancel-2")
    assert (full["status"], full["balanceAmount"], len(full["cancels"])) == ("CANCELED", 0, 2)
    assert http_error(lambda: client.cancel(returned["paymentKey"], {"cancelReason": "again"}))[:2] == (400, "ALREADY_CANCELED_PAYMENT")
    assert toss.money_moved(returned["orderId"]) == 0


def test_key_in_payment(toss: TossEmulator) -> None:
    order_id = "keyin-" + secrets.token_hex(6)
    paid = witness(toss).pay_with_card_number({
        "amount": 1000, "orderId": order_id, "cardNumber": "4330123412341234", "cardExpirationYear": "99",
        "cardExpirationMonth": "12", "orderName": "생수 외 1건", "customerIdentityNumber": "881212"})
    assert (paid["status"], paid["totalAmount"], paid["card"]["issuerCode"]) == ("DONE", 1000, "61")


def test_card_billing_key_and_billing_charge(toss: TossEmulator) -> None:
    client = witness(toss)
    billing = client.create_billing_key({
        "cardNumber": "4330123412341234", "cardExpirationYear": "99", "cardExpirationMonth": "12", "cardPassword": "12",
        "customerIdentityNumber": "881212", "customerKey": "witness-customer-1"})
    assert billing["customerKey"] == "witness-customer-1" and billing["billingKey"] and billing["method"] == "카드"
    order_id = "bill-" + secrets.token_hex(6)
    paid = client.pay_with_billing_key(billing["billingKey"], {
        "amount": 4900, "orderName": "음악 스트리밍 구독", "orderId": order_id, "customerKey": "witness-customer-1"})
    assert (paid["status"], paid["type"], paid["totalAmount"]) == ("DONE", "BILLING", 4900)
    other = {"amount": 4900, "orderName": "x", "orderId": "bill-" + secrets.token_hex(6), "customerKey": "someone-else"}
    assert http_error(lambda: client.pay_with_billing_key(billing["billingKey"], other))[:2] == (403, "NOT_MATCHES_CUSTOMER_KEY")

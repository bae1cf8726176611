"""What i'mport's clients send and compare, as they see it over HTTP (issue 10 items 2-4).

- Paths: npm ``iamporter`` sends ``/payments/findAll/{merchant_uid}/`` (its ``status`` defaults to
  ``""``); other clients end every path with ``/``. Every route answers the same with and without a
  trailing slash, without a redirect, and an empty last segment means that segment is absent.
- Inputs: ``amount: 0`` cancels in full (npm ``iamport`` README); an empty ``imp_uid`` is absent;
  ``refund_bank`` takes i'mport's 2-digit example codes (``"88"``); the token may come in
  ``X-ImpTokenHeader`` (PyPI ``iamporter``, the .NET client, i'mport's REST guide).
- Messages: where the real service's text is known it is answered exactly (docs/messages.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from paymux.domain import messages
from paymux.store import payments as payment_store
from tests.harness import CARD_OK, CARD_REFUSED, Envelope, GatewayServer, TestMerchant, request, unique

FORM = {"content-type": "application/x-www-form-urlencoded"}
REFUND = {"refund_holder": "홍길동", "refund_account": "56211105948400"}


def ok(reply: Envelope) -> Any:
    assert (reply.status, reply.code, reply.message) == (200, 0, None), reply.body
    return reply.response


def refused(reply: Envelope, status: int, *fields: str, code: int = -1) -> str:
    assert (reply.status, reply.code, reply.response) == (status, code, None), reply.body
    assert isinstance(reply.message, str)
    for name in fields:
        assert name in reply.message, reply.body
    return reply.message


def paid(shop: TestMerchant, amount: int = 10_000, merchant_uid: str | None = None) -> dict[str, Any]:
    customer_uid = unique("cust")
    ok(shop.issue_key(customer_uid))
    return ok(shop.again(customer_uid, merchant_uid or unique("order"), amount))


def paid_vbank(shop: TestMerchant, gateway: GatewayServer, amount: int = 25_000) -> dict[str, Any]:
    body = {
        "merchant_uid": unique("order"), "amount": amount, "vbank_code": "004",
        "vbank_due": gateway.clock.now() + 3 * 86_400, "vbank_holder": "페이먹스상점", "name": "가상계좌 주문",
    }
    issued = ok(shop.api("POST", "/vbanks", json=body))
    return ok(shop.api("POST", f"/vbanks/{issued['imp_uid']}/deposit", json={"amount": amount}))


def stored_refund_banks(gateway: GatewayServer, shop: TestMerchant, imp_uid: str) -> list[str | None]:
    async def load(runtime):  # type: ignore[no-untyped-def]
        async with runtime.database.reading() as connection:
            return await payment_store.get_payment(connection, shop.merchant.id, imp_uid)

    return [c.refund_bank for c in gateway.call(load).cancel_history]


# --------------------------------------------------------------------------- item 2: paths


def test_iamporter_find_all_with_its_default_empty_status(shop: TestMerchant) -> None:
    order = unique("order")
    card = {"expiry": "2030-12", "birth": "820213", "pwd_2digit": "00", "merchant_uid": order, "amount": 1000, "name": "주문"}
    declined = shop.api("POST", "/subscribe/payments/onetime", json={**card, "card_number": CARD_REFUSED})
    first = declined.response or ok(shop.api("GET", f"/payments/find/{order}/failed"))
    second = ok(shop.api("POST", "/subscribe/payments/onetime", json={**card, "card_number": CARD_OK}))
    bare = ok(shop.api("GET", f"/payments/findAll/{order}"))
    slashed = ok(shop.api("GET", f"/payments/findAll/{order}/"))  # iamporter: `${uid}/${status=""}`
    assert slashed == bare and bare["total"] == 2
    assert {p["imp_uid"] for p in slashed["list"]} == {first["imp_uid"], second["imp_uid"]}
    paid_only = ok(shop.api("GET", f"/payments/findAll/{order}/paid/"))
    assert [p["imp_uid"] for p in paid_only["list"]] == [second["imp_uid"]]
    assert ok(shop.api("GET", f"/payments/findAll/{order}//?page=1&limit=20")) == bare


@pytest.mark.parametrize("template", [
    "/payments/{imp_uid}", "/payments/find/{merchant_uid}", "/payments/find/{merchant_uid}/paid",
    "/payments?imp_uid[]={imp_uid}", "/payments/status/paid?limit=1",
])
def test_every_get_answers_the_same_with_a_trailing_slash(shop: TestMerchant, template: str) -> None:
    payment = paid(shop)
    path = template.format(**payment)
    path_with_slash = path.replace("?", "/?") if "?" in path else path + "/"
    bare, slashed = shop.api("GET", path), shop.api("GET", path_with_slash)
    assert (slashed.status, slashed.body) == (bare.status, bare.body) and bare.status == 200


def test_posts_with_a_trailing_slash_keep_their_body_and_are_not_redirected(shop: TestMerchant) -> None:
    token = request(shop.server, "POST", "/users/getToken/", json={"imp_key": shop.imp_key, "imp_secret": shop.imp_secret})
    assert ok(token)["access_token"]
    customer_uid, order = unique("cust"), unique("order")
    card = {"card_number": "4092-0230-1234-5678", "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
    ok(shop.api("POST", f"/subscribe/customers/{customer_uid}/", json=card))
    charged = ok(shop.api("POST", "/subscribe/payments/again/", json={
        "customer_uid": customer_uid, "merchant_uid": order, "amount": 3000, "name": "slash",
    }))
    assert (charged["status"], charged["merchant_uid"]) == ("paid", order)
    cancelled = ok(shop.api("POST", "/payments/cancel/", content=f"merchant_uid={order}&reason=slash", headers=FORM))
    assert cancelled["status"] == "cancelled"


def test_paths_that_are_not_routes_stay_clear_404s(shop: TestMerchant) -> None:
    payment = paid(shop)
    for path in ("/no/such/path/", "/payments/findAll/", "/payments/find//paid"):
        reply = shop.api("GET", path)
        assert reply.status in (400, 404, 405) and reply.code == -1 and reply.response is None, (path, reply.body)
    # an encoded slash at the end is part of the id, not a separator: never read as another order
    encoded = shop.api("GET", f"/payments/find/{payment['merchant_uid']}%2F")
    assert encoded.status in (400, 404) and encoded.code == -1 and encoded.response is None, encoded.body


# --------------------------------------------------------------------------- item 3: inputs


@pytest.mark.parametrize("send", ["json", "form"])
def test_amount_zero_is_a_full_cancel(shop: TestMerchant, send: str) -> None:
    payment = paid(shop, 12_000)
    body = {"imp_uid": payment["imp_uid"], "amount": 0, "reason": "고객 요청"}
    reply = (shop.api("POST", "/payments/cancel", json=body) if send == "json" else
             shop.api("POST", "/payments/cancel", content=f"imp_uid={payment['imp_uid']}&amount=0", headers=FORM))
    cancelled = ok(reply)
    assert (cancelled["status"], cancelled["cancel_amount"]) == ("cancelled", 12_000)


def test_amount_zero_after_a_partial_cancel_cancels_the_rest(shop: TestMerchant) -> None:
    payment = paid(shop, 12_000)
    ok(shop.api("POST", "/payments/cancel", json={"imp_uid": payment["imp_uid"], "amount": 2_000}))
    rest = ok(shop.api("POST", "/payments/cancel", json={"imp_uid": payment["imp_uid"], "amount": 0}))
    assert (rest["status"], rest["cancel_amount"]) == ("cancelled", 12_000)


@pytest.mark.parametrize("send", ["json", "form"])
def test_empty_imp_uid_is_absent_and_merchant_uid_is_used(shop: TestMerchant, send: str) -> None:
    payment = paid(shop)
    order = payment["merchant_uid"]
    reply = (shop.api("POST", "/payments/cancel", json={"imp_uid": "", "merchant_uid": order}) if send == "json" else
             shop.api("POST", "/payments/cancel", content=f"imp_uid=&merchant_uid={order}", headers=FORM))
    cancelled = ok(reply)
    assert (cancelled["imp_uid"], cancelled["status"]) == (payment["imp_uid"], "cancelled")


def test_both_ids_empty_is_still_a_clear_400(shop: TestMerchant) -> None:
    refused(shop.api("POST", "/payments/cancel", json={"imp_uid": "", "merchant_uid": " "}), 400, "imp_uid")


@pytest.mark.parametrize(("given", "stored"), [("88", "088"), ("088", "088"), ("04", "004"), ("4", None)])
def test_refund_bank_takes_two_and_three_digit_codes(
    gateway: GatewayServer, shop: TestMerchant, given: str, stored: str | None
) -> None:
    payment = paid_vbank(shop, gateway)
    reply = shop.api("POST", "/payments/cancel", json={"imp_uid": payment["imp_uid"], "refund_bank": given, **REFUND})
    if stored is None:
        refused(reply, 400, "refund_bank")
        return
    assert ok(reply)["status"] == "cancelled"
    assert stored_refund_banks(gateway, shop, payment["imp_uid"]) == [stored]


def test_unknown_two_digit_bank_is_refused_by_name(gateway: GatewayServer, shop: TestMerchant) -> None:
    payment = paid_vbank(shop, gateway)
    reply = shop.api("POST", "/payments/cancel", json={"imp_uid": payment["imp_uid"], "refund_bank": "99", **REFUND})
    refused(reply, 400, "refund_bank")


def test_token_in_x_imp_token_header(shop: TestMerchant) -> None:
    payment = paid(shop)
    path = f"/payments/{payment['imp_uid']}"
    headers = {"X-ImpTokenHeader": shop.token()}
    assert ok(request(shop.server, "GET", path, headers=headers))["imp_uid"] == payment["imp_uid"]
    # the header name is case-insensitive, as HTTP's are
    assert ok(request(shop.server, "GET", path, headers={"x-imptokenheader": shop.token()}))["amount"] == payment["amount"]
    # a POST with it too
    cancelled = ok(request(shop.server, "POST", "/payments/cancel", json={"imp_uid": payment["imp_uid"]}, headers=headers))
    assert cancelled["status"] == "cancelled"


def test_bad_or_missing_token_in_either_header_is_401(shop: TestMerchant) -> None:
    refused(request(shop.server, "GET", "/payments/imp_000"), 401, "X-ImpTokenHeader")
    refused(request(shop.server, "GET", "/payments/imp_000", headers={"X-ImpTokenHeader": "nonsense"}), 401)
    refused(request(shop.server, "GET", "/payments/imp_000", headers={"X-ImpTokenHeader": ""}), 401)
    # X-ImpTokenHeader names i'mport's own token header, so it is the one read when both are sent
    both = {"X-ImpTokenHeader": shop.token(), "Authorization": "stale"}
    assert request(shop.server, "GET", "/payments/imp_000", headers=both).status == 404


def test_empty_customer_uid_of_a_key_in_payment_is_absent(shop: TestMerchant) -> None:
    body = {
        "merchant_uid": unique("order"), "amount": 1000, "name": "key-in", "customer_uid": "",
        "card_number": "4092-0230-1234-5678", "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00",
    }
    charged = ok(shop.api("POST", "/subscribe/payments/onetime", json=body))
    assert charged["status"] == "paid" and charged["customer_uid"] is None


CARD_BODY = {"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}


def _schedule_body(gateway: GatewayServer, customer_uid: str, **card: str) -> dict[str, Any]:
    item = {"merchant_uid": unique("sched"), "schedule_at": gateway.clock.now() + 3600, "amount": 9900,
            "name": "월 구독", "buyer_name": "구독자"}
    return {"customer_uid": customer_uid, "schedules": [item], **card}


def test_schedule_with_card_fields_issues_the_key_first(gateway: GatewayServer, shop: TestMerchant) -> None:
    """i'mport's schedule reference: card_number/expiry/birth/pwd_2digit issue the key of a customer_uid
    that has none, then the schedules are booked on it."""
    customer = unique("cust")
    booked = ok(shop.api("POST", "/subscribe/payments/schedule", json=_schedule_body(gateway, customer, **CARD_BODY)))
    assert booked[0]["customer_uid"] == customer and booked[0]["schedule_status"] == "scheduled"
    key = ok(shop.api("GET", f"/subscribe/customers/{customer}"))
    assert key["card_number"].endswith("1234") and "5361-4812-3456-1234" not in str(key)


def test_schedule_with_card_fields_keeps_an_existing_key(gateway: GatewayServer, shop: TestMerchant) -> None:
    customer = unique("cust")
    first = ok(shop.issue_key(customer))
    ok(shop.api("POST", "/subscribe/payments/schedule",
                json=_schedule_body(gateway, customer, **{**CARD_BODY, "card_number": "4092-0230-1234-5678"})))
    assert ok(shop.api("GET", f"/subscribe/customers/{customer}"))["card_number"] == first["card_number"]


def test_schedule_with_a_refused_card_books_nothing(gateway: GatewayServer, shop: TestMerchant) -> None:
    customer = unique("cust")
    body = _schedule_body(gateway, customer, **{**CARD_BODY, "card_number": "4000-0000-0000-0127"})
    reply = shop.api("POST", "/subscribe/payments/schedule", json=body)
    assert reply.code != 0 and reply.response is None
    merchant_uid = body["schedules"][0]["merchant_uid"]
    assert shop.api("GET", f"/subscribe/payments/schedule/{merchant_uid}").status == 404
    assert shop.api("GET", f"/subscribe/customers/{customer}").code != 0


def test_schedule_checking_amount_is_refused_by_name(gateway: GatewayServer, shop: TestMerchant) -> None:
    reply = shop.api("POST", "/subscribe/payments/schedule",
                     json={**_schedule_body(gateway, unique("cust"), **CARD_BODY), "checking_amount": 1000})
    assert reply.status == 400 and "checking_amount" in (reply.message or "")


# --------------------------------------------------------------------------- item 4: messages

def test_cancel_of_no_payment_answers_i_mports_exact_message(shop: TestMerchant) -> None:
    reply = shop.api("POST", "/payments/cancel", json={"merchant_uid": unique("none")})
    assert (reply.status, reply.code, reply.message, reply.response) == (200, 1, messages.NO_PAYMENT_TO_CANCEL, None)


def test_cancel_of_a_fully_cancelled_payment_answers_i_mports_exact_message(shop: TestMerchant) -> None:
    payment = paid(shop)
    ok(shop.api("POST", "/payments/cancel", json={"imp_uid": payment["imp_uid"]}))
    again = shop.api("POST", "/payments/cancel", json={"imp_uid": payment["imp_uid"]})
    assert (again.status, again.code, again.message) == (200, 1, messages.ALREADY_FULLY_CANCELLED)


def test_unscheduling_nothing_answers_i_mports_exact_message(shop: TestMerchant) -> None:
    shop.issue_key(customer := unique("cust")).expect_ok()
    reply = shop.api("POST", "/subscribe/payments/unschedule", json={"customer_uid": customer})
    assert (reply.status, reply.code, reply.message) == (200, 1, messages.NOTHING_SCHEDULED_TO_REVOKE)

"""Bad input, as a client sees it: a clear envelope error with the right status, never a 500.

Contract (docs/iamport-v1-api.md §1): malformed parameters are HTTP 400, a missing/invalid token or
wrong credentials HTTP 401, an unknown id on a GET HTTP 404, a business refusal HTTP 200 with a
non-zero code; every body is ``{"code", "message", "response"}`` and the message names the field.
"""

from __future__ import annotations

import base64
import json
import random
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.harness import CARD_OK, Envelope, GatewayServer, TestMerchant, request, unique

ENVELOPE_KEYS = {"code", "message", "response"}
CARD = {"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
MISSING = object()
NO_PAYMENT_TO_CANCEL = "취소할 결제건이 존재하지 않습니다."
SERVER_ERROR_MARKS = ("unexpected error", "Traceback", "Exception in ASGI application")


# --------------------------------------------------------------------------- helpers


def refused(reply: Envelope, status: int, *fields: str, code: int = -1) -> str:
    """The reply is a clear error: this status and code, response null, a message naming each field."""
    assert set(reply.body) == ENVELOPE_KEYS, reply.body
    assert (reply.status, reply.code, reply.response) == (status, code, None), reply.body
    assert isinstance(reply.message, str) and reply.message.strip(), reply.body
    for field in fields:
        assert field in reply.message, f"{field!r} is not named in {reply.message!r}"
    return reply.message


def succeeded(reply: Envelope) -> Any:
    assert set(reply.body) == ENVELOPE_KEYS, reply.body
    assert (reply.status, reply.code, reply.message) == (200, 0, None), reply.body
    return reply.response


def dumps(body: Any) -> bytes:
    """JSON as a client may send it; lone surrogates become ``\\ud800`` escapes, NaN stays NaN."""
    return json.dumps(body, ensure_ascii=True).encode()


def send_json(shop: TestMerchant, method: str, path: str, body: Any) -> Envelope:
    return shop.api(method, path, content=dumps(body), headers=JSON)


def quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="", errors="surrogatepass")


def paid_payment(shop: TestMerchant, amount: int = 10_000, merchant_uid: str | None = None) -> dict[str, Any]:
    customer_uid = unique("cust")
    succeeded(shop.issue_key(customer_uid))
    return succeeded(shop.again(customer_uid, merchant_uid or unique("order"), amount))


def charge_body(shop: TestMerchant, **fields: Any) -> dict[str, Any]:
    customer_uid = unique("cust")
    succeeded(shop.issue_key(customer_uid))
    return {"customer_uid": customer_uid, "merchant_uid": unique("order"), "amount": 3000, "name": "order", **fields}


def _log_size(gateway: GatewayServer) -> int:
    return gateway.log_path.stat().st_size if gateway.log_path.exists() else 0


def server_errors_since(gateway: GatewayServer, offset: int) -> list[str]:
    with open(gateway.log_path, "rb") as log:
        log.seek(offset)
        text = log.read().decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if any(mark in line for mark in SERVER_ERROR_MARKS)]


@pytest.fixture(autouse=True)
def no_server_errors(gateway: GatewayServer) -> Iterator[None]:
    """Whatever a test sends, the server log must not show an unhandled error or a traceback."""
    offset = _log_size(gateway)
    yield
    errors = server_errors_since(gateway, offset)
    assert not errors, f"server logged errors during this test (see {gateway.log_path}): {errors[:5]}"


# --------------------------------------------------------------------------- getToken


@pytest.mark.parametrize("encoding", ["json", "data"])
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["imp_key", "imp_secret"]),
        ({"imp_key": "key"}, ["imp_secret"]),
        ({"imp_secret": "secret"}, ["imp_key"]),
        ({"imp_key": "key\x00", "imp_secret": "secret"}, ["imp_key"]),
        ({"imp_key": "k" * 101, "imp_secret": "secret"}, ["imp_key"]),
        ({"imp_key": "key", "imp_secret": ["a", "b"]}, ["imp_secret"]),
    ],
    ids=["nothing", "no-secret", "no-key", "nul-in-key", "long-key", "secret-list"],
)
def test_get_token_with_missing_or_malformed_fields_is_400(
    gateway: GatewayServer, encoding: str, body: dict[str, Any], fields: list[str]
) -> None:
    refused(request(gateway, "POST", "/users/getToken", **{encoding: body}), 400, *fields)


@pytest.mark.parametrize("encoding", ["json", "data"])
@pytest.mark.parametrize("wrong", ["secret", "key", "both-empty"])
def test_get_token_with_wrong_credentials_is_401(
    shop: TestMerchant, gateway: GatewayServer, encoding: str, wrong: str
) -> None:
    body = {
        "secret": {"imp_key": shop.imp_key, "imp_secret": shop.imp_secret + "x"},
        "key": {"imp_key": "0000000000000000", "imp_secret": shop.imp_secret},
        "both-empty": {"imp_key": "", "imp_secret": ""},
    }[wrong]
    refused(request(gateway, "POST", "/users/getToken", **{encoding: body}), 401, "imp_key", "imp_secret")


@pytest.mark.parametrize("encoding", ["json", "data"])
def test_get_token_accepts_json_and_form_bodies(shop: TestMerchant, gateway: GatewayServer, encoding: str) -> None:
    body = {"imp_key": shop.imp_key, "imp_secret": shop.imp_secret}
    token = succeeded(request(gateway, "POST", "/users/getToken", **{encoding: body}))
    assert token["expired_at"] - token["now"] == 1800
    listed = request(gateway, "GET", "/payments/status/all", headers={"Authorization": token["access_token"]})
    assert succeeded(listed)["list"] == []


# --------------------------------------------------------------------------- Authorization


def _tampered_payload(token: str) -> str:
    """Same MAC, payload pointing at another merchant id with a far expiry."""
    encoded, _, mac = token.partition(".")
    merchant_id, version, _expiry = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode().split(".")
    payload = f"{int(merchant_id) + 1}.{version}.9999999999".encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + mac


def _tampered_mac(token: str) -> str:
    return token[:-1] + ("0" if token[-1] != "0" else "1")


AUTH_HEADERS: dict[str, Callable[[str], list[tuple[str, str | bytes]]]] = {
    "missing": lambda _t: [],
    "empty": lambda _t: [("Authorization", "")],
    "garbage": lambda _t: [("Authorization", "garbage")],
    "garbage-with-dot": lambda _t: [("Authorization", "!!!.###")],
    "bearer-only": lambda _t: [("Authorization", "Bearer")],
    "tampered-mac": lambda t: [("Authorization", _tampered_mac(t))],
    "tampered-payload": lambda t: [("Authorization", _tampered_payload(t))],
    "other-scheme": lambda t: [("Authorization", f"Basic {t}")],
    "non-ascii-bytes": lambda _t: [("Authorization", b"\xff\xfe\xfd")],
}


@pytest.mark.parametrize("case", list(AUTH_HEADERS))
def test_bad_authorization_is_401(shop: TestMerchant, gateway: GatewayServer, case: str) -> None:
    headers = AUTH_HEADERS[case](shop.token())
    message = refused(request(gateway, "GET", "/payments/status/all", headers=headers), 401)
    assert "token" in message.lower()


def test_unauthenticated_caller_with_a_bad_body_gets_401_not_400(gateway: GatewayServer) -> None:
    reply = request(gateway, "POST", "/payments/prepare", json={"merchant_uid": "\x00", "amount": "abc"})
    assert "token" in refused(reply, 401).lower()


def test_over_long_garbage_token_is_401(gateway: GatewayServer) -> None:
    reply = request(gateway, "GET", "/payments/status/all", headers={"Authorization": "x" * 3000})
    refused(reply, 401)


@pytest.mark.parametrize("form", ["{}", "Bearer {}", "bearer {}", "BEARER {}", "Bearer   {}"])
def test_token_is_accepted_bare_and_with_bearer_prefix(shop: TestMerchant, gateway: GatewayServer, form: str) -> None:
    reply = request(gateway, "GET", "/payments/status/all", headers={"Authorization": form.format(shop.token())})
    assert succeeded(reply)["total"] >= 0


# --------------------------------------------------------------------------- amount

BAD_AMOUNTS = [
    pytest.param("abc", id="letters"),
    pytest.param("", id="empty-string"),
    pytest.param(100.5, id="fraction"),
    pytest.param("100.5", id="fraction-string"),
    pytest.param(-1, id="negative"),
    pytest.param(1e30, id="1e30"),
    pytest.param(10**30, id="huge-int"),
    pytest.param(float("nan"), id="NaN"),
    pytest.param(float("inf"), id="Infinity"),
    pytest.param(True, id="true"),
    pytest.param(None, id="null"),
    pytest.param(MISSING, id="missing"),
    pytest.param([3000], id="list"),
    pytest.param({"value": 3000}, id="object"),
]


def _amount_body(shop: TestMerchant, path: str, amount: Any) -> dict[str, Any]:
    if path == "/subscribe/payments/again":
        body = charge_body(shop)
    elif path == "/subscribe/payments/onetime":
        body = {**CARD, "merchant_uid": unique("order"), "amount": 3000, "name": "order"}
    else:
        body = {"merchant_uid": unique("order"), "amount": 3000}
    if amount is MISSING:
        del body["amount"]
    else:
        body["amount"] = amount
    return body


@pytest.mark.parametrize("path", ["/subscribe/payments/again", "/subscribe/payments/onetime", "/payments/prepare"])
@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_bad_amount_is_400_and_records_nothing(shop: TestMerchant, path: str, amount: Any) -> None:
    body = _amount_body(shop, path, amount)
    refused(send_json(shop, "POST", path, body), 400, "amount")
    lookup = "/payments/prepare/" if path == "/payments/prepare" else "/payments/find/"
    refused(shop.api("GET", lookup + body["merchant_uid"]), 404, "merchant_uid")


@pytest.mark.parametrize("encoding", ["json", "data"])
@pytest.mark.parametrize("amount", [3000, "3000", 3000.0, "3000.0", " 3000 "], ids=repr)
def test_amount_as_form_string_or_integral_float_is_accepted(shop: TestMerchant, encoding: str, amount: Any) -> None:
    """iamporter sends amounts as form strings and floats ("3000.0"); both mean 3000."""
    if encoding == "data" and not isinstance(amount, str):
        amount = str(amount)
    body = charge_body(shop, amount=amount)
    paid = succeeded(shop.api("POST", "/subscribe/payments/again", **{encoding: body}))
    assert paid["amount"] == 3000 and type(paid["amount"]) is int and paid["status"] == "paid"
    assert succeeded(shop.api("GET", f"/payments/{paid['imp_uid']}"))["amount"] == 3000
    prepared = succeeded(shop.api("POST", "/payments/prepare", **{encoding: {"merchant_uid": unique("p"), "amount": amount}}))
    assert prepared["amount"] == 3000 and type(prepared["amount"]) is int


@pytest.mark.parametrize(("encoding", "field"), [("json", "amount"), ("data", "card_quota")])
def test_number_with_huge_exponent_is_refused_without_being_computed(shop: TestMerchant, encoding: str, field: str) -> None:
    """1e999999999 as an integer is a billion digits (~400 MB, minutes of CPU): a server that computed
    it would not answer. paymux refuses it by its shape, naming the field, and goes on answering."""
    body = charge_body(shop, **{field: "1e999999999"})
    refused(shop.api("POST", "/subscribe/payments/again", **{encoding: body}), 400, field)
    assert shop.api("GET", "/payments/status/paid").code == 0


# --------------------------------------------------------------------------- card data

BAD_CARDS = [
    pytest.param("card_number", MISSING, id="card_number-missing"),
    pytest.param("card_number", "", id="card_number-empty"),
    pytest.param("card_number", "1234", id="card_number-short"),
    pytest.param("card_number", "5361-4812", id="card_number-half"),
    pytest.param("card_number", "abcd-efgh-ijkl-mnop", id="card_number-letters"),
    pytest.param("card_number", "5361-4812-3456-123x", id="card_number-one-letter"),
    pytest.param("card_number", "5361481234561234567", id="card_number-19-digits"),
    pytest.param("card_number", ["5361-4812-3456-1234"], id="card_number-list"),
    pytest.param("expiry", MISSING, id="expiry-missing"),
    pytest.param("expiry", "2030-13", id="expiry-month-13"),
    pytest.param("expiry", "2030-00", id="expiry-month-0"),
    pytest.param("expiry", "12/30", id="expiry-mm/yy"),
    pytest.param("expiry", "2030", id="expiry-year-only"),
    pytest.param("birth", MISSING, id="birth-missing"),
    pytest.param("birth", "12345", id="birth-5-digits"),
    pytest.param("birth", "abcdef", id="birth-letters"),
    pytest.param("birth", "12345678", id="birth-8-digits"),
    pytest.param("pwd_2digit", "1", id="pwd_2digit-1-digit"),
    pytest.param("pwd_2digit", "ab", id="pwd_2digit-letters"),
    pytest.param("pwd_2digit", "123", id="pwd_2digit-3-digits"),
]


@pytest.mark.parametrize(("field", "value"), BAD_CARDS)
def test_bad_card_data_on_issue_is_400_naming_the_field(shop: TestMerchant, field: str, value: Any) -> None:
    body = dict(CARD)
    if value is MISSING:
        del body[field]
    else:
        body[field] = value
    customer_uid = unique("cust")
    message = refused(send_json(shop, "POST", f"/subscribe/customers/{customer_uid}", body), 400, field)
    assert "5361" not in message, "an error message must never carry card data"
    refused(shop.api("GET", f"/subscribe/customers/{customer_uid}"), 404, "customer_uid")


@pytest.mark.parametrize(("field", "value"), BAD_CARDS)
def test_bad_card_data_on_onetime_is_400_naming_the_field(shop: TestMerchant, field: str, value: Any) -> None:
    body: dict[str, Any] = {**CARD, "merchant_uid": unique("order"), "amount": 3000, "customer_uid": unique("cust")}
    if value is MISSING:
        del body[field]
    else:
        body[field] = value
    message = refused(send_json(shop, "POST", "/subscribe/payments/onetime", body), 400, field)
    assert "5361" not in message, "an error message must never carry card data"
    refused(shop.api("GET", f"/payments/find/{body['merchant_uid']}"), 404, "merchant_uid")
    refused(shop.api("GET", f"/subscribe/customers/{body['customer_uid']}"), 404, "customer_uid")


# --------------------------------------------------------------------------- installments


def _quota_request(shop: TestMerchant, path: str, amount: int, card_quota: Any) -> Envelope:
    if path == "/subscribe/payments/again":
        body = charge_body(shop, amount=amount, card_quota=card_quota)
    else:
        body = {**CARD, "merchant_uid": unique("order"), "amount": amount, "card_quota": card_quota}
    return send_json(shop, "POST", path, body)


@pytest.mark.parametrize("path", ["/subscribe/payments/again", "/subscribe/payments/onetime"])
def test_installments_below_50000_are_refused(shop: TestMerchant, path: str) -> None:
    reply = _quota_request(shop, path, 49_999, 3)
    assert set(reply.body) == ENVELOPE_KEYS
    assert (reply.status, reply.code) == (200, -1), reply.body
    assert "card_quota" in reply.message and ("할부" in reply.message or "installment" in reply.message)
    assert reply.response is None or reply.response["status"] == "failed"


@pytest.mark.parametrize("path", ["/subscribe/payments/again", "/subscribe/payments/onetime"])
def test_installments_below_50000_are_not_charged(shop: TestMerchant, path: str) -> None:
    """Whatever the status, the message explains the 50,000 KRW rule and nothing is paid."""
    reply = _quota_request(shop, path, 49_999, 3)
    assert reply.code != 0 and reply.status < 500
    assert "card_quota" in reply.message and ("할부" in reply.message or "installment" in reply.message)
    assert reply.response is None or reply.response["status"] == "failed"


@pytest.mark.parametrize("path", ["/subscribe/payments/again", "/subscribe/payments/onetime"])
@pytest.mark.parametrize("card_quota", [13, -1, 1.5, "abc", True, [3], 10**30], ids=repr)
def test_impossible_card_quota_is_400(shop: TestMerchant, path: str, card_quota: Any) -> None:
    refused(_quota_request(shop, path, 60_000, card_quota), 400, "card_quota")


@pytest.mark.parametrize("card_quota", [0, 1, 3, "3", 12])
def test_installments_from_50000_are_charged(shop: TestMerchant, card_quota: Any) -> None:
    paid = succeeded(_quota_request(shop, "/subscribe/payments/again", 50_000, card_quota))
    assert paid["card_quota"] == (0 if int(card_quota) <= 1 else int(card_quota))


# --------------------------------------------------------------------------- strings

CONTROL_CHARACTERS = ["\x00", "\x01", "\x08", "\x1b", "\x1f", "\x7f"]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["merchant_uid", "customer_uid", "name", "buyer_name", "custom_data"])
def test_control_character_in_a_charge_field_is_400(shop: TestMerchant, field: str, char: str) -> None:
    body = charge_body(shop)
    body[field] = f"a{char}b"
    refused(send_json(shop, "POST", "/subscribe/payments/again", body), 400, field)
    if field != "merchant_uid":
        refused(shop.api("GET", f"/payments/find/{body['merchant_uid']}"), 404, "merchant_uid")


@pytest.mark.parametrize("encoding", ["json", "data"])
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/payments/prepare", "merchant_uid"),
        ("/payments/cancel", "imp_uid"),
        ("/payments/cancel", "merchant_uid"),
        ("/payments/cancel", "reason"),
        ("/subscribe/payments/onetime", "customer_uid"),
        ("/subscribe/payments/onetime", "pg"),
    ],
)
def test_nul_byte_in_a_body_field_is_400(shop: TestMerchant, encoding: str, path: str, field: str) -> None:
    body: dict[str, Any] = {"merchant_uid": unique("order"), "amount": 3000, "imp_uid": "imp_000000000000", **CARD}
    body[field] = "x\x00y"
    refused(shop.api("POST", path, **{encoding: body}), 400, field)


@pytest.mark.parametrize(
    ("method", "template", "field"),
    [
        ("GET", "/payments/{}", "imp_uid"),
        ("GET", "/payments/find/{}", "merchant_uid"),
        ("GET", "/payments/find/{}/paid", "merchant_uid"),
        ("GET", "/payments/findAll/{}", "merchant_uid"),
        ("GET", "/payments/prepare/{}", "merchant_uid"),
        ("GET", "/subscribe/customers/{}", "customer_uid"),
        ("GET", "/subscribe/customers/{}/payments", "customer_uid"),
        ("DELETE", "/subscribe/customers/{}", "customer_uid"),
        ("POST", "/subscribe/customers/{}", "customer_uid"),
    ],
)
@pytest.mark.parametrize("escape", ["%00", "%01", "%1B", "%7F"])
def test_control_character_in_a_url_path_is_400(
    shop: TestMerchant, method: str, template: str, field: str, escape: str
) -> None:
    kwargs = {"json": CARD} if method == "POST" else {}
    refused(shop.api(method, template.format(f"ab{escape}cd"), **kwargs), 400, field)


@pytest.mark.parametrize("field", ["merchant_uid", "customer_uid", "name", "buyer_email", "custom_data"])
def test_lone_surrogate_in_json_is_400(shop: TestMerchant, field: str) -> None:
    body = charge_body(shop)
    body[field] = "abc\ud800def"
    assert b"\\ud800" in dumps(body)
    refused(send_json(shop, "POST", "/subscribe/payments/again", body), 400, field)


def test_lone_surrogate_in_a_json_object_key_of_custom_data_is_400(shop: TestMerchant) -> None:
    body = charge_body(shop, custom_data={"\udfff": 1})
    refused(send_json(shop, "POST", "/subscribe/payments/again", body), 400, "custom_data")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/subscribe/payments/again", "merchant_uid"),
        ("/subscribe/payments/again", "customer_uid"),
        ("/subscribe/payments/again", "name"),
        ("/payments/prepare", "merchant_uid"),
        ("/payments/cancel", "merchant_uid"),
        ("/payments/cancel", "imp_uid"),
    ],
)
def test_ten_thousand_character_string_is_400(shop: TestMerchant, path: str, field: str) -> None:
    body = charge_body(shop) if path == "/subscribe/payments/again" else {"merchant_uid": unique("o"), "amount": 1}
    body[field] = "x" * 10_000
    refused(shop.api("POST", path, json=body), 400, field)


@pytest.mark.parametrize(
    ("method", "template", "field"),
    [
        ("GET", "/payments/{}", "imp_uid"),
        ("GET", "/payments/find/{}", "merchant_uid"),
        ("GET", "/payments/prepare/{}", "merchant_uid"),
        ("GET", "/subscribe/customers/{}", "customer_uid"),
        ("POST", "/subscribe/customers/{}", "customer_uid"),
    ],
)
def test_ten_thousand_character_path_id_is_400(shop: TestMerchant, method: str, template: str, field: str) -> None:
    kwargs = {"json": CARD} if method == "POST" else {}
    refused(shop.api(method, template.format("x" * 10_000), **kwargs), 400, field)


def test_korean_ids_work_end_to_end(shop: TestMerchant) -> None:
    customer_uid = "고객_" + unique("k")
    merchant_uid = "주문번호_" + unique("k")
    customer = succeeded(shop.issue_key(customer_uid, customer_name="홍길동"))
    assert customer["customer_uid"] == customer_uid
    assert succeeded(shop.api("GET", f"/subscribe/customers/{quote(customer_uid)}"))["customer_name"] == "홍길동"
    listed = succeeded(shop.api("GET", "/subscribe/customers", params={"customer_uid[]": customer_uid}))
    assert [c["customer_uid"] for c in listed] == [customer_uid]

    assert succeeded(shop.api("POST", "/payments/prepare", data={"merchant_uid": merchant_uid, "amount": "5000"})) == {
        "merchant_uid": merchant_uid,
        "amount": 5000,
        "currency": "KRW",
    }
    assert succeeded(shop.api("GET", f"/payments/prepare/{quote(merchant_uid)}"))["amount"] == 5000
    paid = succeeded(shop.again(customer_uid, merchant_uid, 5000, name="한글 상품명 🎁"))
    assert (paid["merchant_uid"], paid["name"], paid["customer_uid"]) == (merchant_uid, "한글 상품명 🎁", customer_uid)
    assert succeeded(shop.api("GET", f"/payments/find/{quote(merchant_uid)}/paid"))["imp_uid"] == paid["imp_uid"]
    cancelled = succeeded(shop.api("POST", "/payments/cancel", json={"merchant_uid": merchant_uid, "reason": "고객 요청"}))
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "고객 요청")


@pytest.mark.parametrize("char", ["\t", "\n", "\r"], ids=["tab", "LF", "CR"])
def test_whitespace_control_character_in_an_identifier_is_400(shop: TestMerchant, char: str) -> None:
    bad = f"ab{char}cd"
    body = charge_body(shop, merchant_uid=bad)
    refused(shop.api("POST", "/subscribe/payments/again", json=body), 400, "merchant_uid")
    refused(shop.api("POST", "/payments/prepare", data={"merchant_uid": bad, "amount": "1000"}), 400, "merchant_uid")
    refused(shop.api("POST", f"/subscribe/customers/{quote(bad)}", json=CARD), 400, "customer_uid")


@pytest.mark.parametrize("where", ["form-merchant_uid", "form-name", "path-customer_uid"])
def test_invalid_utf8_is_400_not_silently_replaced(shop: TestMerchant, where: str) -> None:
    if where == "form-merchant_uid":
        reply = shop.api("POST", "/payments/prepare", content=b"merchant_uid=%B1%DB" + unique("").encode() + b"&amount=1000", headers=FORM)
        field = "merchant_uid"
    elif where == "form-name":
        body = charge_body(shop)
        raw = urllib.parse.urlencode({k: str(v) for k, v in body.items() if k != "name"}).encode() + b"&name=%C7%D1%B1%DB"
        reply = shop.api("POST", "/subscribe/payments/again", content=raw, headers=FORM)
        field = "name"
    else:
        reply = shop.api("POST", "/subscribe/customers/" + unique("c") + "%FF", json=CARD)
        field = "customer_uid"
    refused(reply, 400, field)


# --------------------------------------------------------------------------- body shapes

POST_ENDPOINTS = [
    ("/users/getToken", "imp_key"),
    ("/payments/prepare", "merchant_uid"),
    ("/payments/cancel", "imp_uid"),
    ("/subscribe/payments/again", "customer_uid"),
    ("/subscribe/payments/onetime", "merchant_uid"),
    ("/subscribe/customers/shape_check", "card_number"),
]


def _post(shop: TestMerchant, gateway: GatewayServer, path: str, **kwargs: Any) -> Envelope:
    if path == "/users/getToken":
        return request(gateway, "POST", path, **kwargs)
    return shop.api("POST", path, **kwargs)


BAD_SHAPES = {
    "json-array": (b'[{"merchant_uid": "x"}]', JSON),
    "json-string": (b'"merchant_uid=x"', JSON),
    "json-number": (b"42", JSON),
    "json-null": (b"null", JSON),
    "invalid-json": (b'{"merchant_uid": ', JSON),
    "trailing-garbage": (b'{"merchant_uid": "x"} xyz', JSON),
    "invalid-utf8-json": (b'{"merchant_uid": "\xff\xfe"}', JSON),
    "deep-nesting": (b"[" * 10_000 + b"]" * 10_000, JSON),
    "text-plain": (b"merchant_uid is x", {"content-type": "text/plain"}),
    "no-content-type": (b"hello", {}),
    "xml": (b"<merchant_uid>x</merchant_uid>", {"content-type": "application/xml"}),
    "multipart": (b"--b\r\n\r\nx\r\n--b--", {"content-type": "multipart/form-data; boundary=b"}),
}


@pytest.mark.parametrize("shape", list(BAD_SHAPES))
@pytest.mark.parametrize(("path", "_first"), POST_ENDPOINTS, ids=[p for p, _ in POST_ENDPOINTS])
def test_body_that_is_not_a_json_object_is_400(
    shop: TestMerchant, gateway: GatewayServer, path: str, _first: str, shape: str
) -> None:
    content, headers = BAD_SHAPES[shape]
    refused(_post(shop, gateway, path, content=content, headers=headers), 400, "body")


@pytest.mark.parametrize("content_type", [None, "application/json", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize(("path", "first"), POST_ENDPOINTS, ids=[p for p, _ in POST_ENDPOINTS])
def test_empty_body_is_400_naming_a_required_field(
    shop: TestMerchant, gateway: GatewayServer, path: str, first: str, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    refused(_post(shop, gateway, path, content=b"", headers=headers), 400, first)


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(("path", "_first"), POST_ENDPOINTS, ids=[p for p, _ in POST_ENDPOINTS])
def test_two_megabyte_body_is_413(shop: TestMerchant, gateway: GatewayServer, path: str, _first: str, streamed: bool) -> None:
    blob = dumps({"merchant_uid": "x", "name": "y" * (2 << 20)})
    chunk = 64 << 10

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(blob), chunk):
            yield blob[start : start + chunk]

    reply = _post(shop, gateway, path, content=chunks() if streamed else blob, headers=JSON)
    assert "body" in refused(reply, 413)


def test_form_body_with_name_brackets_is_400_naming_the_field(shop: TestMerchant) -> None:
    body = charge_body(shop)
    del body["name"]
    reply = shop.api("POST", "/subscribe/payments/again", data={**body, "name[]": ["a", "b"]})
    refused(reply, 400, "name")
    refused(shop.api("POST", "/payments/prepare", data={"merchant_uid[]": "x", "amount": "1"}), 400, "merchant_uid")
    refused(shop.api("POST", "/payments/cancel", data={"imp_uid[]": ["a", "b"]}), 400, "imp_uid")


def test_form_body_with_a_list_field_in_brackets_is_accepted(shop: TestMerchant) -> None:
    body = charge_body(shop)
    reply = shop.api("POST", "/subscribe/payments/again", data={**body, "notice_url[]": ["https://a.example/hook", "https://b.example/hook"]})
    assert succeeded(reply)["status"] == "paid"


def test_json_body_sent_as_text_plain_is_still_read(shop: TestMerchant) -> None:
    """paymux is lenient here: a body that is a JSON object is read as JSON whatever its content type."""
    body = dumps({"merchant_uid": unique("p"), "amount": 700})
    assert succeeded(shop.api("POST", "/payments/prepare", content=body, headers={"content-type": "text/plain"}))["amount"] == 700


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("merchant_uid", {"nested": ["x"]}),
        ("customer_uid", [1, 2]),
        ("name", {"a": 1}),
        ("buyer_tel", ["010"]),
        ("notice_url", {"url": "https://a.example"}),
        ("notice_url", ["https://a.example"] * 6),
        ("notice_url", "ftp://a.example"),
        ("tax_free", 5000),
        ("vat", 5000),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_wrongly_typed_or_inconsistent_field_is_400(shop: TestMerchant, field: str, value: Any) -> None:
    body = charge_body(shop, amount=3000)
    body[field] = value
    refused(shop.api("POST", "/subscribe/payments/again", json=body), 400, field)


# --------------------------------------------------------------------------- query parameters


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=", "page"),
        ("page=1.5", "page"),
        ("page=99999999999999999999", "page"),
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("limit=-3", "limit"),
        ("from=-5", "from"),
        ("from=abc", "from"),
        ("to=99999999999999999999", "to"),
        ("from=2000000000&to=1000000000", "from"),
        ("sorting=bogus", "sorting"),
        ("sorting=", "sorting"),
    ],
)
def test_bad_list_query_is_400_naming_the_parameter(shop: TestMerchant, query: str, field: str) -> None:
    refused(shop.api("GET", f"/payments/status/all?{query}"), 400, field)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/payments/status/bogus", "status"),
        ("/payments/status/PAID", "status"),
        ("/payments/find/some_order/bogus", "status"),
        ("/payments/findAll/some_order/bogus", "status"),
        ("/payments/find/some_order?sorting=bogus", "sorting"),
        ("/payments/findAll/some_order?page=0", "page"),
        ("/payments/findAll/some_order?limit=101", "limit"),
        ("/subscribe/customers/some_customer/payments?page=abc", "page"),
        ("/subscribe/customers/some_customer/payments?limit=0", "limit"),
    ],
)
def test_bad_status_or_paging_elsewhere_is_400(shop: TestMerchant, path: str, field: str) -> None:
    refused(shop.api("GET", path), 400, field)


@pytest.mark.parametrize("path,name", [("/payments", "imp_uid"), ("/subscribe/customers", "customer_uid")])
@pytest.mark.parametrize(
    "values",
    [[], [""], ["ok", ""], ["a\x00b"], ["x" * 101], [f"id_{i}" for i in range(101)]],
    ids=["none", "empty", "one-empty", "nul", "too-long", "101-values"],
)
def test_bad_id_list_is_400(shop: TestMerchant, path: str, name: str, values: list[str]) -> None:
    refused(shop.api("GET", path, params={f"{name}[]": values}), 400, name)


@pytest.mark.parametrize("path,name", [("/payments", "imp_uid"), ("/subscribe/customers", "customer_uid")])
def test_one_hundred_ids_are_fine(shop: TestMerchant, path: str, name: str) -> None:
    assert succeeded(shop.api("GET", path, params={f"{name}[]": [f"id_{i}" for i in range(100)]})) == []


# --------------------------------------------------------------------------- paths and methods


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/nope"),
        ("POST", "/nope"),
        ("GET", "/v2/payments"),
        ("GET", "/payments/a/b/c/d"),
        ("POST", "/payments/imp_000000000000/cancel"),
        ("DELETE", "/subscribe/payments/again/extra"),
        ("GET", "/users/getToken/extra"),
    ],
)
def test_unknown_path_is_a_404_envelope(shop: TestMerchant, method: str, path: str) -> None:
    refused(shop.api(method, path, json={}), 404, "path")


def test_unknown_path_without_a_token_is_still_a_404_envelope(gateway: GatewayServer) -> None:
    refused(request(gateway, "GET", "/no/such/thing"), 404, "path")


@pytest.mark.parametrize(
    "method,path",
    [
        ("PATCH", "/payments/cancel"),
        ("PUT", "/payments/cancel"),
        ("DELETE", "/payments/prepare"),
        ("GET", "/users/getToken"),
        ("PUT", "/subscribe/payments/again"),
        ("PATCH", "/subscribe/customers/some_customer"),
        ("POST", "/payments/status/all"),
        ("TRACE", "/payments/status/all"),
        ("OPTIONS", "/payments/cancel"),
    ],
)
def test_wrong_method_is_a_405_envelope(shop: TestMerchant, method: str, path: str) -> None:
    refused(shop.api(method, path, json={}), 405, "method")


def test_a_405_says_which_methods_the_path_allows(shop: TestMerchant) -> None:
    """RFC 9110 §15.5.6: a 405 carries Allow, so a client (and schemathesis) learns the right method."""
    reply = httpx.put(shop.server.base_url + "/payments/cancel", headers={"Authorization": shop.token()}, json={})
    assert reply.status_code == 405 and reply.json()["code"] == -1
    assert "POST" in reply.headers["Allow"]
    # a path served by several routes (one per method) names them all
    both = httpx.request("OPTIONS", shop.server.base_url + "/vbanks/imp_000000000000", headers={"Authorization": shop.token()})
    assert both.status_code == 405 and {"DELETE", "PUT"} <= {m.strip() for m in both.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/payments/imp_000000000000", "imp_uid"),
        ("/payments/find/no_such_order", "merchant_uid"),
        ("/payments/findAll/no_such_order", "merchant_uid"),
        ("/payments/prepare/no_such_order", "merchant_uid"),
        ("/subscribe/customers/no_such_customer", "customer_uid"),
        ("/subscribe/customers/no_such_customer/payments", "customer_uid"),
    ],
)
def test_unknown_id_on_a_get_is_404_naming_it(shop: TestMerchant, path: str, field: str) -> None:
    refused(shop.api("GET", path), 404, field)


# --------------------------------------------------------------------------- cancel


@pytest.mark.parametrize("encoding", ["json", "data"])
@pytest.mark.parametrize("body", [{}, {"reason": "why"}, {"amount": 100}, {"imp_uid": None, "merchant_uid": None}], ids=repr)
def test_cancel_without_imp_uid_or_merchant_uid_is_400(shop: TestMerchant, encoding: str, body: dict[str, Any]) -> None:
    if encoding == "data":
        body = {k: v for k, v in body.items() if v is not None}
    refused(shop.api("POST", "/payments/cancel", **{encoding: body}), 400, "imp_uid", "merchant_uid")


@pytest.mark.parametrize("encoding", ["json", "data"])
@pytest.mark.parametrize("key", ["imp_uid", "merchant_uid"])
def test_cancel_of_an_unknown_payment_is_code_1(shop: TestMerchant, encoding: str, key: str) -> None:
    reply = shop.api("POST", "/payments/cancel", **{encoding: {key: "imp_000000000000" if key == "imp_uid" else unique("none")}})
    assert NO_PAYMENT_TO_CANCEL in refused(reply, 200, code=1)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        # amount 0 is a full cancel as i'mport reads it: tests/api/test_client_compat.py
        ({"amount": -1}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": 100.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 100, "tax_free": 200}, "tax_free"),
        ({"amount": 100, "tax_free": -1}, "tax_free"),
        ({"checksum": "abc"}, "checksum"),
        ({"reason": "r" * 501}, "reason"),
        ({"refund_bank": "x" * 11}, "refund_bank"),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else v,
)
def test_cancel_with_a_malformed_parameter_is_400_and_cancels_nothing(
    shop: TestMerchant, extra: dict[str, Any], field: str
) -> None:
    paid = paid_payment(shop)
    refused(shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], **extra}), 400, field)
    after = succeeded(shop.api("GET", f"/payments/{paid['imp_uid']}"))
    assert (after["status"], after["cancel_amount"], after["cancel_history"]) == ("paid", 0, [])


def test_cancel_beyond_the_balance_is_refused(shop: TestMerchant) -> None:
    paid = paid_payment(shop, 10_000)
    succeeded(shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 4_000}))
    message = refused(shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 6_001}), 200)
    assert "6001" in message and "6000" in message
    after = succeeded(shop.api("GET", f"/payments/{paid['imp_uid']}"))
    assert (after["status"], after["cancel_amount"]) == ("paid", 4_000)


@pytest.mark.parametrize("encoding", ["json", "data"])
def test_cancel_with_a_stale_checksum_is_refused(shop: TestMerchant, encoding: str) -> None:
    paid = paid_payment(shop, 10_000)
    body = {"imp_uid": paid["imp_uid"], "amount": "1000", "checksum": "9999"}
    message = refused(shop.api("POST", "/payments/cancel", **{encoding: body}), 200)
    assert "checksum" in message
    after = succeeded(shop.api("GET", f"/payments/{paid['imp_uid']}"))
    assert after["cancel_amount"] == 0
    body["checksum"] = "10000"
    assert succeeded(shop.api("POST", "/payments/cancel", **{encoding: body}))["cancel_amount"] == 1000


def test_cancel_of_a_fully_cancelled_payment_is_refused(shop: TestMerchant) -> None:
    paid = paid_payment(shop, 10_000)
    succeeded(shop.api("POST", "/payments/cancel", data={"imp_uid": paid["imp_uid"], "amount": ""}))
    message = refused(shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"]}), 200, code=1)
    assert message == "이미 전액취소된 주문입니다."  # i'mport's exact words (docs/messages.md)


# --------------------------------------------------------------------------- the storm

STORM_SEED = 20240917
STORM_REQUESTS = 800
STORM_CHARS = (
    "abcXYZ019_-.:~ "
    "\x00\x01\x07\x08\t\n\r\x1b\x1f\x7f\x80\x9f\xa0\xad"
    "\"'\\/%&=?#+;,<>{}[]|`$*@!"
    "한글주문가나다"
    "\u200b\u200e\u2028\u2029\ufeff\ufffd\uffff"
    "\ud800\udbff\udc00\udfff"
    "😀🎁𝕏"
)
NUMBERISH = ["3000", "3000.0", " 12 ", "1e3", "1e-3", "0x10", "1_000", "١٢٣", "+5", "--1", "", "NaN", "Infinity", "1e99", "-0", "00012", "9" * 40]
NUMBERS: list[Any] = [0, -1, 1, 2, 12, 13, 3000, 49_999, 50_000, 2**31, 2**63, -(2**63), 10**30, 9_999_999_999_999, 10_000_000_000_000]
FLOATS = [0.5, -0.0, 1e308, 1e-300, 3000.0, 100.5, float("nan"), float("inf"), float("-inf")]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(STORM_CHARS) for _ in range(rng.choice([0, 1, 3, 8, 20, 60])))


def _hostile(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(12 if depth < 3 else 8)
    if kind == 0:
        return _text(rng)
    if kind == 1:
        return rng.choice("x가\x00") * rng.choice([99, 100, 101, 201, 1001, 10_001])
    if kind == 2:
        return rng.choice(NUMBERS)
    if kind == 3:
        return rng.choice(FLOATS)
    if kind == 4:
        return rng.choice([True, False])
    if kind == 5:
        return None
    if kind == 6:
        return rng.choice(NUMBERISH)
    if kind == 7:
        return unique("ok")
    if kind in (8, 9):
        return [_hostile(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 10:
        return {_text(rng): _hostile(rng, depth + 1) for _ in range(rng.randrange(4))}
    nested: Any = rng.choice([1, "x", None])
    for _ in range(rng.choice([50, 500])):
        nested = [nested] if rng.random() < 0.5 else {"k": nested}
    return nested


def _segment(rng: random.Random) -> str:
    segment = rng.choice([_text(rng), unique("seg"), "imp_000000000000", "x" * 101, "..", "%", "all", "paid", "bogus"])
    return quote(segment or "empty").replace("%2F", "%252F") + "x"  # never an empty or trailing-slash segment


def _form(body: dict[str, Any]) -> bytes:
    pairs: list[tuple[str, str]] = []
    for key, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key if not isinstance(value, list) else f"{key}[]", item if isinstance(item, str) else json.dumps(item)))
    return urllib.parse.urlencode(pairs, errors="surrogatepass").encode()


def _storm_request(
    rng: random.Random, token: str, bases: dict[tuple[str, str], dict[str, Any]]
) -> tuple[str, str, dict[str, Any]]:
    headers: dict[str, Any] = {}
    roll = rng.random()
    if roll < 0.85:
        headers["Authorization"] = token if rng.random() < 0.5 else f"Bearer {token}"
    elif roll < 0.95:
        headers["Authorization"] = rng.choice(["garbage", token[:-2], "Bearer", "x.y.z", _segment(rng)])
    if rng.random() < 0.25:
        path = rng.choice(
            [
                "/payments/{}", "/payments/find/{}", "/payments/find/{}/{}", "/payments/findAll/{}/{}",
                "/payments/status/{}", "/payments/prepare/{}", "/subscribe/customers/{}",
                "/subscribe/customers/{}/payments", "/{}", "/payments/{}/{}/{}", "/users/{}",
            ]
        )
        path = path.format(*(_segment(rng) for _ in range(path.count("{}"))))
        value = quote(str(_hostile(rng))[:300])
        query = rng.choice(["", f"?page={value}", f"?limit={value}", f"?from={value}&to=5", f"?sorting={value}", f"?imp_uid[]={value}"])
        return rng.choice(["GET", "GET", "DELETE", "PATCH"]), path + query, {"headers": headers}
    method, template = rng.choice(list(bases))
    body: dict[str, Any] = dict(bases[(method, template)])
    path = template.format(_segment(rng) if rng.random() < 0.5 else unique("cust"))
    for field in rng.sample(sorted(body), k=rng.randint(1, min(3, len(body)))):
        if rng.random() < 0.15:
            del body[field]
        else:
            body[field] = _hostile(rng)
    encoding = rng.random()
    if encoding < 0.6:
        headers["content-type"] = "application/json"
        content = dumps(body)
    elif encoding < 0.85:
        headers["content-type"] = "application/x-www-form-urlencoded"
        content = _form(body)
    elif encoding < 0.95:
        headers["content-type"] = rng.choice(["application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"])
        content = dumps(_hostile(rng))
    else:
        headers["content-type"] = rng.choice(["application/json", "text/plain", "application/x-www-form-urlencoded"])
        content = bytes(rng.randrange(256) for _ in range(rng.choice([1, 16, 300])))
    return method, path, {"headers": headers, "content": content}


def _envelope_problem(reply: httpx.Response) -> str | None:
    if reply.status_code >= 500:
        return f"HTTP {reply.status_code}"
    if not reply.headers.get("content-type", "").startswith("application/json"):
        return f"content-type {reply.headers.get('content-type')!r}, HTTP {reply.status_code}"
    try:
        body = reply.json()
    except ValueError:
        return "body is not JSON"
    if not isinstance(body, dict) or set(body) != ENVELOPE_KEYS:
        return f"not an envelope: {str(body)[:120]}"
    code, message = body["code"], body["message"]
    if not isinstance(code, int) or isinstance(code, bool):
        return f"code {code!r} is not an integer"
    if reply.status_code != 200 and (code == 0 or body["response"] is not None):
        return f"HTTP {reply.status_code} with code {code} and a response"
    if code != 0 and not (isinstance(message, str) and message.strip()):
        return f"code {code} without a message"
    if code == 0 and (reply.status_code != 200 or message is not None):
        return f"code 0 with HTTP {reply.status_code} and message {message!r}"
    return None


def test_storm_of_hostile_requests_never_breaks_the_envelope(shop: TestMerchant, gateway: GatewayServer) -> None:
    rng = random.Random(STORM_SEED)
    customer_uid = unique("storm")
    succeeded(shop.issue_key(customer_uid))
    paid = succeeded(shop.again(customer_uid, unique("storm"), 1_000_000))
    bases: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/users/getToken"): {"imp_key": shop.imp_key, "imp_secret": shop.imp_secret},
        ("POST", "/payments/prepare"): {"merchant_uid": unique("storm"), "amount": 1000},
        ("PUT", "/payments/prepare"): {"merchant_uid": unique("storm"), "amount": 1000},
        ("POST", "/payments/cancel"): {"imp_uid": paid["imp_uid"], "amount": 10, "checksum": 1_000_000, "reason": "storm", "tax_free": 0},
        ("POST", "/subscribe/payments/again"): {
            "customer_uid": customer_uid, "merchant_uid": unique("storm"), "amount": 1000, "name": "storm",
            "card_quota": 0, "tax_free": 0, "buyer_email": "a@b.c", "custom_data": {"k": "v"}, "notice_url": "https://a.example",
        },
        ("POST", "/subscribe/payments/onetime"): {
            **CARD, "merchant_uid": unique("storm"), "amount": 1000, "customer_uid": unique("storm"), "pg": "kcp", "name": "storm",
        },
        ("POST", "/subscribe/customers/{}"): {**CARD, "customer_name": "storm", "pg": "html5_inicis"},
    }
    token = shop.token()
    problems: list[str] = []
    statuses: dict[int, int] = {}
    started = time.monotonic()
    with httpx.Client(base_url=gateway.base_url, timeout=30) as client:
        for number in range(STORM_REQUESTS):
            method, path, kwargs = _storm_request(rng, token, bases)
            reply = client.request(method, path, **kwargs)
            statuses[reply.status_code] = statuses.get(reply.status_code, 0) + 1
            problem = _envelope_problem(reply)
            if problem:
                problems.append(f"#{number} {method} {path[:80]} {str(kwargs.get('content', b''))[:120]} -> {problem}")
    elapsed = time.monotonic() - started
    assert not problems, f"{len(problems)} bad responses, e.g.:\n" + "\n".join(problems[:10])
    assert {200, 400, 401, 404} <= set(statuses), statuses  # the storm reached past validation too
    print(f"storm: {STORM_REQUESTS} requests in {elapsed:.1f}s, statuses {sorted(statuses.items())}")

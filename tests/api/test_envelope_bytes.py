"""The envelope's bytes: compact JSON, UTF-8 text unescaped, the same whichever encoder wrote it."""

from __future__ import annotations

import json

import httpx

from paymux.api.envelope import EnvelopeResponse
from tests.harness import TestMerchant, unique


def test_a_payment_answers_in_compact_utf8_json(shop: TestMerchant) -> None:
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    paid = shop.again(customer_uid, unique("order"), 4500, name="한글 상품명 \"따옴표\"").expect_ok()

    reply = httpx.get(f"{shop.server.base_url}/payments/{paid['imp_uid']}", headers={"Authorization": shop.token()})
    assert reply.headers["content-type"] == "application/json"
    raw = reply.content
    assert raw.startswith(b'{"code":0,"message":null,"response":{')
    assert '"name":"한글 상품명 \\"따옴표\\""'.encode() in raw  # UTF-8 as is, quotes escaped, no \uXXXX
    assert b'", "' not in raw and b'": ' not in raw
    assert json.loads(raw)["response"]["amount"] == 4500
    assert int(reply.headers["content-length"]) == len(raw)


def test_what_orjson_refuses_is_still_written() -> None:
    # An integer beyond 64 bits and a non-string key: orjson raises on both; the envelope falls back.
    content = {"code": 0, "message": None, "response": {"big": 2**70, 7: "seven", "text": "원"}}
    raw = EnvelopeResponse(content).body
    assert raw == '{"code":0,"message":null,"response":{"big":1180591620717411303424,"7":"seven","text":"원"}}'.encode()

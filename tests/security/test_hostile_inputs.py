"""Inputs that once answered 500 (issue 11 item 6): each now gets a 4xx (or the window's error rsp)
with a clear message, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import httpx

from tests.checkout.test_window_rules import SHOP_ORIGIN, param, rsp_of
from tests.harness import GatewayServer, TestMerchant, unique


def _window(gateway: GatewayServer, shop: TestMerchant, raw_param: str) -> httpx.Response:
    return httpx.post(gateway.base_url + "/checkout/window", timeout=30, data={
        "user_code": shop.user_code, "param": raw_param, "origin": SHOP_ORIGIN, "display": "popup"})


def test_a_lone_surrogate_in_the_window_param_is_refused_by_name(gateway: GatewayServer, shop: TestMerchant) -> None:
    for field in ("merchant_uid", "name", "custom_data"):
        raw = json.dumps({**param(unique("order")), field: "a\ud800b"})  # JSON's escape of a lone surrogate
        reply = _window(gateway, shop, raw)
        assert reply.status_code < 500
        rsp = rsp_of(reply)
        assert rsp["success"] is False and field in rsp["error_msg"], (field, rsp)


def test_a_nul_in_custom_data_is_refused_by_name(shop: TestMerchant) -> None:
    customer = unique("cust")
    shop.issue_key(customer).expect_ok()
    reply = shop.again(customer, unique("order"), 1_000, custom_data="a\u0000b")
    assert (reply.status, reply.code) == (400, -1) and "custom_data" in reply.message


def test_a_non_ascii_authorization_header_is_a_401(gateway: GatewayServer) -> None:
    reply = httpx.get(gateway.base_url + "/payments/imp_1", headers={"Authorization": "토큰".encode()})  # type: ignore[dict-item]
    assert reply.status_code == 401 and reply.json()["code"] == -1


def test_a_non_ascii_csrf_token_is_refused_not_a_500(gateway: GatewayServer) -> None:
    reply = httpx.post(gateway.base_url + "/console/login", data={"email": "a@b.c", "password": "x", "csrf_token": "토큰"})
    assert 400 <= reply.status_code < 500

"""Tokens, Tier headers and the IP whitelist, as a client sees them."""

from __future__ import annotations

from paymux.services import merchants as merchant_service
from tests.harness import GatewayServer, TestMerchant, request, unique


def test_get_token_with_json_and_with_form(shop: TestMerchant, gateway: GatewayServer) -> None:
    credentials = {"imp_key": shop.imp_key, "imp_secret": shop.imp_secret}
    by_json = request(gateway, "POST", "/users/getToken", json=credentials).expect_ok()
    by_form = request(gateway, "POST", "/users/getToken", data=credentials).expect_ok()
    for token in (by_json, by_form):
        assert token["expired_at"] - token["now"] == 1800
        assert isinstance(token["access_token"], str) and token["access_token"]


def test_wrong_secret_is_401(shop: TestMerchant, gateway: GatewayServer) -> None:
    reply = request(gateway, "POST", "/users/getToken", json={"imp_key": shop.imp_key, "imp_secret": "nope"})
    assert (reply.status, reply.code, reply.response) == (401, -1, None)
    assert "imp_secret" in reply.message


def test_token_works_bare_and_as_bearer(shop: TestMerchant) -> None:
    token = shop.token()
    assert shop.api("GET", "/payments/status/all", headers={"Authorization": token}).status == 200
    assert shop.api("GET", "/payments/status/all", headers={"Authorization": f"Bearer {token}"}).status == 200


def test_expired_token_is_401(shop: TestMerchant, gateway: GatewayServer) -> None:
    token = shop.token()
    gateway.clock.advance(1801)
    try:
        reply = shop.api("GET", "/payments/status/all", headers={"Authorization": token})
    finally:
        gateway.clock.reset()
    assert reply.status == 401 and "expired" in reply.message


def test_regenerated_secret_revokes_old_tokens(gateway: GatewayServer) -> None:
    merchant = gateway.create_merchant()
    old_token = merchant.token()
    new_secret = gateway.call(lambda rt: merchant_service.regenerate_secret(rt, merchant.merchant.id))
    assert merchant.api("GET", "/payments/status/all", headers={"Authorization": old_token}).status == 401
    old = request(gateway, "POST", "/users/getToken", json={"imp_key": merchant.imp_key, "imp_secret": merchant.imp_secret})
    assert old.status == 401
    fresh = request(gateway, "POST", "/users/getToken", json={"imp_key": merchant.imp_key, "imp_secret": new_secret})
    assert fresh.status == 200


def test_whitelist_refuses_callers_outside_it(shop: TestMerchant, gateway: GatewayServer) -> None:
    token = shop.token()
    gateway.call(lambda rt: merchant_service.set_ip_whitelist(rt, shop.merchant.id, ["10.1.2.0/24"]))
    try:
        refused = shop.api("GET", "/payments/status/all")
        refused_token = request(gateway, "POST", "/users/getToken", json={"imp_key": shop.imp_key, "imp_secret": shop.imp_secret})
        gateway.call(lambda rt: merchant_service.set_ip_whitelist(rt, shop.merchant.id, ["10.1.2.0/24", "127.0.0.0/8"]))
        allowed = shop.api("GET", "/payments/status/all", headers={"Authorization": token})
    finally:
        gateway.call(lambda rt: merchant_service.set_ip_whitelist(rt, shop.merchant.id, []))
    assert (refused.status, refused.code, refused.response) == (403, -1, None)
    assert "whitelist" in refused.message
    assert refused_token.status == 403
    assert allowed.status == 200


def test_parent_acts_for_its_sub_merchant_only_through_tier(gateway: GatewayServer) -> None:
    parent = gateway.create_merchant("agency")
    child = gateway.create_merchant("tenant", parent=parent.user_code)
    child.add_channel("html5_inicis", "api")
    tier = child.merchant.tier_code
    assert tier
    child.issue_key("tenant_cust").expect_ok()
    paid = child.again("tenant_cust", unique("order")).expect_ok()

    through_tier = parent.api("GET", f"/payments/{paid['imp_uid']}", tier=tier)
    assert through_tier.expect_ok()["imp_uid"] == paid["imp_uid"]
    assert parent.api("GET", f"/payments/{paid['imp_uid']}").status == 404  # not without Tier
    assert parent.api("GET", "/subscribe/customers/tenant_cust").status == 404

    stranger = gateway.create_merchant("stranger")
    foreign = stranger.api("GET", f"/payments/{paid['imp_uid']}", tier=tier)
    assert foreign.status == 403  # a tier code of someone else's sub-merchant
    assert child.api("GET", f"/payments/{paid['imp_uid']}", tier="ZZZ").status == 403  # sub has no subs


def test_the_token_headers_are_read_as_documented(shop: TestMerchant, gateway: GatewayServer) -> None:
    """``X-ImpTokenHeader`` wins over ``Authorization`` when both carry a value; a ``Tier`` longer
    than 40 characters is a 400 naming the header; /openapi.json lists the three headers on every
    operation that needs a token and on none that does not."""
    token = shop.token()
    both = shop.api("GET", "/payments/status/all", headers={"X-ImpTokenHeader": token, "Authorization": "wrong"})
    assert both.status == 200
    blank = shop.api("GET", "/payments/status/all", headers={"X-ImpTokenHeader": "", "Authorization": token})
    assert blank.status == 200
    wrong = shop.api("GET", "/payments/status/all", headers={"X-ImpTokenHeader": "wrong", "Authorization": token})
    assert wrong.status == 401
    long_tier = shop.api("GET", "/payments/status/all", headers={"Authorization": token, "Tier": "t" * 41})
    assert (long_tier.status, long_tier.code) == (400, -1)
    assert long_tier.message == "tier: String should have at most 40 characters"

    paths = request(gateway, "GET", "/openapi.json").body["paths"]
    headers = {"authorization", "X-ImpTokenHeader", "tier"}

    def documented(path: str, method: str) -> set[str]:
        return {p["name"] for p in paths[path][method].get("parameters", []) if p["in"] == "header"}

    assert documented("/payments/{imp_uid}", "get") == headers
    assert documented("/subscribe/payments/again", "post") == headers
    assert documented("/users/getToken", "post") == set()
    tier = next(p for p in paths["/payments/{imp_uid}"]["get"]["parameters"] if p["name"] == "tier")
    assert tier["schema"]["anyOf"][0]["maxLength"] == 40

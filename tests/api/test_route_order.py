"""Routes are tried in the order the app includes its routers and each router declares them, and the
hottest are tried first (the billing-key charge right after /users/getToken, then the lookup; issue #15):
no route may be unreachable because one tried before it takes every request it would answer, and /docs
keeps its reading order."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute, iter_route_contexts

from tests.harness import GatewayServer, request


def test_no_api_route_is_shadowed_by_one_tried_before_it(gateway: GatewayServer) -> None:
    routes = [(context.original_route, context.path_format) for context in iter_route_contexts(gateway.app.routes)
              if isinstance(context.original_route, APIRoute)]
    paths = [path for _, path in routes]
    assert paths.index("/payments/{imp_uid}") < paths.index("/payments/status/{payment_status}")
    assert paths.index("/subscribe/payments/again") < paths.index("/subscribe/customers/{customer_uid}")
    shadowed = []
    for position, (route, path) in enumerate(routes):
        sample = re.sub(r"\{[^}]+\}", "1", path)  # a request this route answers
        for earlier, earlier_path in routes[:position]:
            if earlier.path_regex.match(sample) and (earlier.methods or set()) & (route.methods or set()):
                shadowed.append(f"{sorted(route.methods or ())} {path} is taken by {earlier_path}")
    assert shadowed == []


def test_the_billing_key_charge_and_the_lookup_are_among_the_first_routes_tried(gateway: GatewayServer) -> None:
    paths = [context.path_format for context in iter_route_contexts(gateway.app.routes)
             if isinstance(context.original_route, APIRoute)]
    assert paths[:2] == ["/users/getToken", "/subscribe/payments/again"]
    assert paths.index("/payments/{imp_uid}") == 2


def test_the_docs_list_the_groups_in_reading_order_whatever_the_routes_order(gateway: GatewayServer) -> None:
    document = request(gateway, "GET", "/openapi.json").body
    assert [tag["name"] for tag in document["tags"]][:3] == ["auth", "payments", "subscribe"]
    first_seen: list[str] = []
    for operations in document["paths"].values():
        for operation in operations.values():
            first_seen += [tag for tag in operation.get("tags", []) if tag not in first_seen]
    assert sorted(first_seen) == sorted(tag["name"] for tag in document["tags"])  # every group is named

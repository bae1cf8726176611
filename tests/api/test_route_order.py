"""Routes are tried in declaration order, and the hottest are declared first (the lookup and the
billing-key charge, issue #15): no route may be unreachable because one tried before it takes every
request it would answer."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute, iter_route_contexts

from tests.harness import GatewayServer


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

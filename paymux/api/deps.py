"""Per-request dependencies: the runtime and the authenticated merchant."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from paymux.domain.merchant import Merchant
from paymux.observability.context import annotate_request
from paymux.services.auth import Authenticator
from paymux.services.runtime import Runtime

TIER_MAX_LENGTH = 40

# The headers ``current_merchant`` reads, as /openapi.json documents them on every operation that
# needs a token (``docs_page``). They are read from the request directly rather than declared as
# FastAPI ``Header`` parameters: FastAPI validates each declared parameter through pydantic on every
# request, and these three cost a lookup about an eighth of its CPU (issue #15, bench/profile_charge.py).
AUTH_HEADERS: list[dict[str, Any]] = [
    {"name": "authorization", "in": "header", "required": False,
     "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Authorization"}},
    {"name": "X-ImpTokenHeader", "in": "header", "required": False,
     "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "X-Imptokenheader"}},
    {"name": "tier", "in": "header", "required": False,
     "schema": {"anyOf": [{"maxLength": TIER_MAX_LENGTH, "type": "string"}, {"type": "null"}], "title": "Tier"}},
]


def app_runtime(request: Request) -> Runtime:
    """The runtime of the app serving ``request``. The two hottest routes call this rather than
    declare ``RuntimeDep``: each dependency FastAPI solves per request costs about 4 % of a lookup."""
    return request.app.state.runtime


async def runtime_of(request: Request) -> Runtime:
    """``async`` so FastAPI calls it on the loop: a plain ``def`` dependency costs a thread hop per request."""
    return request.app.state.runtime


def client_ip(request: Request) -> str | None:
    """The client address as uvicorn put it in the ASGI scope: the TCP peer, or — only when the peer
    is one of ``PAYMUX_TRUSTED_PROXIES`` — the address that proxy forwarded. Never read from headers
    here: a header is whatever the sender wrote."""
    return request.client.host if request.client else None


async def current_merchant(request: Request) -> Merchant:
    """The merchant of the request's token (``AUTH_HEADERS``). The token comes in ``Authorization``
    or, as i'mport also accepts and PyPI ``iamporter``, the .NET client and older official samples
    send it, in ``X-ImpTokenHeader``. A client that names i'mport's own header means it, so that one
    wins when both carry a value. ``Tier`` names a sub-merchant (at most 40 characters, else 400 as
    any malformed parameter)."""
    headers = request.headers
    tier = headers.get("tier")
    if tier is not None and len(tier) > TIER_MAX_LENGTH:
        raise RequestValidationError([{"type": "string_too_long", "loc": ("header", "tier"),
                                       "msg": f"String should have at most {TIER_MAX_LENGTH} characters"}])
    imp_token = headers.get("x-imptokenheader")
    token = imp_token if imp_token and imp_token.strip() else headers.get("authorization")
    authenticator: Authenticator = request.app.state.authenticator
    merchant = await authenticator.authenticate(token, tier, client_ip(request))
    annotate_request(merchant=merchant.user_code)  # on this request's log lines (observability.context)
    return merchant


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
MerchantDep = Annotated[Merchant, Depends(current_merchant)]

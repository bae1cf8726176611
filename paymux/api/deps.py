"""Per-request dependencies: the runtime and the authenticated merchant."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from paymux.domain.merchant import Merchant
from paymux.observability.context import annotate_request
from paymux.services.auth import Authenticator
from paymux.services.runtime import Runtime


async def runtime_of(request: Request) -> Runtime:
    """``async`` so FastAPI calls it on the loop: a plain ``def`` dependency costs a thread hop per request."""
    return request.app.state.runtime


def client_ip(request: Request) -> str | None:
    """The client address as uvicorn put it in the ASGI scope: the TCP peer, or — only when the peer
    is one of ``PAYMUX_TRUSTED_PROXIES`` — the address that proxy forwarded. Never read from headers
    here: a header is whatever the sender wrote."""
    return request.client.host if request.client else None


async def current_merchant(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    imp_token: Annotated[str | None, Header(alias="X-ImpTokenHeader")] = None,
    tier: Annotated[str | None, Header(max_length=40)] = None,
) -> Merchant:
    """The token comes in ``Authorization`` or, as i'mport also accepts and PyPI ``iamporter``, the
    .NET client and older official samples send it, in ``X-ImpTokenHeader``. A client that names
    i'mport's own header means it, so that one wins when both carry a value."""
    authenticator: Authenticator = request.app.state.authenticator
    token = imp_token if imp_token and imp_token.strip() else authorization
    merchant = await authenticator.authenticate(token, tier, client_ip(request))
    annotate_request(merchant=merchant.user_code)  # on this request's log lines (observability.context)
    return merchant


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
MerchantDep = Annotated[Merchant, Depends(current_merchant)]

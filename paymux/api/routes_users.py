"""``/users/getToken``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from paymux.api.deps import client_ip
from paymux.api.envelope import EnvelopeResponse, error, ok
from paymux.api.params import TokenBody
from paymux.services.throttle import Throttled

router = APIRouter(tags=["auth"])


@router.post(
    "/users/getToken", summary="Issue a 30-minute access token",
    responses={429: {"description": "Too many refused token requests from this address: retry after `Retry-After` seconds"}},
)
async def get_token(body: TokenBody, request: Request) -> EnvelopeResponse:
    try:
        token = await request.app.state.authenticator.issue_token(body.imp_key, body.imp_secret, client_ip(request))
    except Throttled as throttled:
        reply = error(429, throttled.message)
        reply.headers["Retry-After"] = str(throttled.retry_after)
        return reply
    return ok({"access_token": token.access_token, "now": token.now, "expired_at": token.expired_at})

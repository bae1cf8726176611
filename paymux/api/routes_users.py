"""``/users/getToken``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from paymux.api.deps import client_ip
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import TokenBody

router = APIRouter(tags=["auth"])


@router.post("/users/getToken", summary="Issue a 30-minute access token")
async def get_token(body: TokenBody, request: Request) -> EnvelopeResponse:
    token = await request.app.state.authenticator.issue_token(body.imp_key, body.imp_secret, client_ip(request))
    return ok({"access_token": token.access_token, "now": token.now, "expired_at": token.expired_at})

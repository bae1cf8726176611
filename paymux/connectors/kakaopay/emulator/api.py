"""Kakao Pay's server API in both generations, over the same decisions (:mod:`.core`).

- current: ``POST /online/v1/payment/{operation}``, ``Authorization: SECRET_KEY {secret key}``, JSON body;
  errors ``{"error_code", "error_message", "extras"}`` [KK-NEW], [KK-ERRFMT];
- older: ``POST /v1/payment/{operation}`` (``kapi.kakao.com``), ``Authorization: KakaoAK {app admin key}``,
  ``application/x-www-form-urlencoded`` body — parameters in the query string are read too, as the
  older host accepted them; errors ``{"code", "msg", "extras"}`` [KK-OLD].

Statuses: 200 with the JSON reply; 400 for Kakao's refusals; 401 (``-401``) for a missing or wrong key;
503 (``-9798``) during an outage. A "slow" answer is committed first, then held past the caller's timeout.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paymux.connectors.kakaopay import codes
from paymux.connectors.kakaopay.emulator import core
from paymux.connectors.kakaopay.emulator.config import EmulatorMerchant

CURRENT, OLDER = "current", "older"
CURRENT_PREFIX, OLDER_PREFIX = "/online/v1/payment/", "/v1/payment/"

Operation = Callable[[core.Emulator, EmulatorMerchant, dict[str, Any]], core.Answer]
OPERATIONS: dict[str, Operation] = {
    "approve": core.approve, "order": core.order, "cancel": core.cancel, "subscription": core.subscription,
    "manage/subscription/inactive": core.inactive, "manage/subscription/status": core.sid_status,
}
NAMES = ("ready", *OPERATIONS)


def error_body(generation: str, code: int, message: str, extras: dict[str, str] | None = None) -> dict[str, Any]:
    if generation == CURRENT:
        return {"error_code": code, "error_message": message, "extras": extras or {}}
    return {"code": code, "msg": message, "extras": extras or {}}


def _fail(generation: str, failure: core.KakaoFail) -> Response:
    return JSONResponse(error_body(generation, failure.code, failure.message, failure.extras), status_code=failure.status)


async def _params(request: Request, generation: str) -> dict[str, Any]:
    """The call's fields: a JSON object (current API), or form body + query string (older API)."""
    body = await request.body()
    if generation == CURRENT:
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise core.KakaoFail(codes.INVALID_PARAMETER, "Content-Type must be application/json")
        try:
            data = json.loads(body or b"null")
        except ValueError:
            raise core.KakaoFail(codes.INVALID_PARAMETER, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise core.KakaoFail(codes.INVALID_PARAMETER, "the body must be a JSON object")
        return data
    params: dict[str, Any] = dict(parse_qsl(request.url.query, keep_blank_values=True))
    params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _merchant(emu: core.Emulator, request: Request, generation: str, params: dict[str, Any]) -> EmulatorMerchant:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    expected = "SECRET_KEY" if generation == CURRENT else "KakaoAK"
    if scheme != expected or not key:
        raise core.KakaoFail(codes.UNAUTHORIZED, f"Authorization: {expected} {{key}} is required", status=401)
    merchant = emu.config.merchants.get(str(params.get("cid") or ""))
    if merchant is None:
        raise core.KakaoFail(codes.INVALID_CID)
    accepted = merchant.accepts_secret_key(key) if generation == CURRENT else merchant.accepts_admin_key(key)
    if not accepted:
        raise core.KakaoFail(codes.UNAUTHORIZED, status=401)
    return merchant


def own_path(scope: Any) -> str:
    """The request's path inside the emulator (without the prefix it is mounted under)."""
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    return path[len(root):] if root and path.startswith(root) else path


async def endpoint(request: Request) -> Response:
    """Any API operation of either generation."""
    emu = core.emulator_of(request)
    path = own_path(request.scope)
    generation = CURRENT if path.startswith(CURRENT_PREFIX) else OLDER
    name = path[len(CURRENT_PREFIX if generation == CURRENT else OLDER_PREFIX):].strip("/")
    try:
        params = await _params(request, generation)
        with emu.state.lock:
            emu.state.requests.append({
                "generation": generation, "operation": name, "auth": request.headers.get("authorization", "").split(" ")[0],
                "content_type": request.headers.get("content-type", ""), "fields": sorted(params),
                "partner_order_id": str(params.get("partner_order_id") or ""), "tid": str(params.get("tid") or ""),
            })
            merchant = _merchant(emu, request, generation, params)
            if name == "ready":
                answer = core.ready(emu, merchant, params, emu.base_url(request))
            else:
                answer = OPERATIONS[name](emu, merchant, params)
    except core.KakaoFail as failure:
        if failure.slow:
            await asyncio.sleep(emu.config.slow_reply_seconds)
        return _fail(generation, failure)
    if answer.slow:
        await asyncio.sleep(emu.config.slow_reply_seconds)
    return JSONResponse(answer.body)


def outage_response(path: str) -> Response:
    generation = CURRENT if path.startswith(CURRENT_PREFIX) else OLDER
    return JSONResponse(error_body(generation, codes.MAINTENANCE, codes.message(codes.MAINTENANCE)), status_code=503)

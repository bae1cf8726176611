"""NICE Pay's server API: the same paths, Basic auth, JSON bodies, ``resultCode``/``resultMsg`` and HTTP
statuses as ``api.nicepay.co.kr`` [NICE common/api.md, common/code.md], over :mod:`.core`'s decisions.

Statuses: 200 with the JSON reply for successes and NICE's business refusals (a ``resultCode`` other than
``0000``); 401 (``A114``, paymux's choice of code) for a missing or wrong ``Authorization: Basic``; 503
during an outage. A "slow" answer is committed first, then held past the caller's timeout. Webhooks for
approvals, virtual accounts and cancels go to the configured ``hook_url`` after the answer.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paymux.connectors.nice import codes
from paymux.connectors.nice.emulator import core
from paymux.connectors.nice.emulator.config import EmulatorMerchant

API_PREFIXES = ("/v1/payments", "/v1/subscribe")


def own_path(scope: Any) -> str:
    """The request's path inside the emulator (without the prefix it is mounted under)."""
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    return path[len(root):] if root and path.startswith(root) else path


def fail_body(failure: core.NiceFail) -> dict[str, Any]:
    return {"resultCode": failure.code, "resultMsg": failure.message, **failure.extra}


def merchant_of(emu: core.Emulator, request: Request) -> EmulatorMerchant:
    """``Authorization: Basic base64(clientId:secretKey)`` [common/api.md Basic auth]; Bearer tokens
    (``/v1/access-token``) are not emulated and answer 401 like a wrong key."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        raise core.NiceFail(codes.MID_INVALID, "Authorization: Basic base64(clientId:secretKey) is required", status=401)
    try:
        client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise core.NiceFail(codes.MID_INVALID, status=401) from None
    merchant = emu.config.merchants.get(client_id)
    if merchant is None or merchant.secret_key != secret:
        raise core.NiceFail(codes.MID_INVALID, "clientId 또는 secretKey가 올바르지 않습니다", status=401)
    return merchant


async def _params(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        return dict(request.query_params)
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise core.NiceFail(core.DATA_FORMAT, "Content-Type must be application/json")
    return core.parse_json(await request.body())


def _route(emu: core.Emulator, merchant: EmulatorMerchant, method: str, path: str, params: dict[str, Any]) -> core.Answer:
    parts = path.strip("/").split("/")  # v1, payments|subscribe, …
    if parts[1] == "payments":
        if method == "POST" and parts[2:] == ["netcancel"]:
            return core.net_cancel(emu, merchant, params)
        if method == "GET" and len(parts) == 4 and parts[2] == "find":
            return core.find(emu, merchant, parts[3], params)
        if method == "GET" and len(parts) == 3:
            return core.lookup(emu, merchant, parts[2])
        if method == "POST" and len(parts) == 3:
            return core.approve(emu, merchant, parts[2], params)
        if method == "POST" and len(parts) == 4 and parts[3] == "cancel":
            return core.cancel(emu, merchant, parts[2], params)
    if parts[1] == "subscribe" and method == "POST":
        if parts[2:] == ["regist"]:
            return core.regist(emu, merchant, params)
        if len(parts) == 4 and parts[3] == "payments":
            return core.subscribe_pay(emu, merchant, parts[2], params)
        if len(parts) == 4 and parts[3] == "expire":
            return core.expire(emu, merchant, parts[2], params)
    raise core.NiceFail("A118", "요청한 리소스가 존재하지 않습니다 (no such API)", status=404)


async def endpoint(request: Request) -> Response:
    """Every API path of NICE's start API."""
    emu = core.emulator_of(request)
    path = own_path(request.scope)
    hooks: list[dict[str, Any]] = []
    try:
        params = await _params(request)
        with emu.state.lock:
            emu.state.requests.append({
                "method": request.method, "path": path, "auth": request.headers.get("authorization", "").split(" ")[0],
                "content_type": request.headers.get("content-type", ""), "fields": sorted(params),
                "orderId": str(params.get("orderId") or ""),
                "body": {k: v for k, v in params.items() if k not in ("encData", "signData")},
            })
            merchant = merchant_of(emu, request)
            answer = _route(emu, merchant, request.method, path, params)
            hooks = answer.hooks
    except core.NiceFail as failure:
        if failure.slow:
            await asyncio.sleep(emu.config.slow_reply_seconds)
        return JSONResponse(fail_body(failure), status_code=failure.status)
    if answer.slow:
        await asyncio.sleep(emu.config.slow_reply_seconds)
    return JSONResponse(answer.body, background=BackgroundTask(send_hooks, emu, hooks) if hooks else None)


def outage_response() -> Response:
    return JSONResponse({"resultCode": codes.OUTAGE, "resultMsg": "서비스 점검 중입니다 (emulated outage)"}, status_code=503)


async def send_hooks(emu: core.Emulator, bodies: list[dict[str, Any]]) -> None:
    """POST each webhook (JSON) to ``hook_url`` until it answers HTTP 200 with ``OK`` [api/hook.md]."""
    url = emu.config.hook_url
    if not url:
        return
    async with httpx.AsyncClient(timeout=5.0) as client:
        for body in bodies:
            for attempt in range(1, emu.config.hook_attempts + 1):
                try:
                    reply = await client.post(url, content=json.dumps(body, ensure_ascii=False).encode(),
                                              headers={"Content-Type": "application/json;charset=utf-8"})
                    status, ok = reply.status_code, reply.status_code == 200 and "OK" in reply.text
                except httpx.HTTPError:
                    status, ok = 0, False
                with emu.state.lock:
                    emu.state.hooks.append({"tid": body.get("tid"), "orderId": body.get("orderId"),
                                            "status": body.get("status"), "attempt": attempt, "http_status": status,
                                            "accepted": ok})
                if ok:
                    break
                await asyncio.sleep(emu.config.hook_backoff_seconds)

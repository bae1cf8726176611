"""``create_emulator(config) -> Starlette``: NICE's API, the JS SDK and window, and ``/_emulator/``."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from paymux.connectors.nice.emulator import api, core, window
from paymux.connectors.nice.emulator.config import EmulatorConfig

_TRUE = {"1", "true", "on", "yes", "y"}


class PgConditions:
    """ASGI middleware: the outage switch (HTTP 503, nothing applied) and the configured latency on every
    API path. The SDK, the window and ``/_emulator/`` are never affected."""

    def __init__(self, app: ASGIApp, emulator: core.Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = api.own_path(scope) if scope["type"] == "http" else ""
        if path.startswith(api.API_PREFIXES):
            state = self.emulator.state
            if state.outage:
                await api.outage_response()(scope, receive, send)
                return
            if state.latency_ms:
                await asyncio.sleep(state.latency_ms / 1000)
        await self.app(scope, receive, send)


async def _params(request: Request) -> dict[str, Any]:
    body = await request.body()
    if body.strip().startswith(b"{"):
        data = json.loads(body)
        return data if isinstance(data, dict) else {}
    params: dict[str, Any] = dict(request.query_params)
    params.update(parse_qsl(body.decode("utf-8", "replace")))
    return params


async def index(request: Request) -> Response:
    emu = core.emulator_of(request)
    lines = [
        "paymux NICE Pay emulator (not NICE; for tests and demos)",
        f"base URL: {emu.base_url(request)}",
        ("API: POST /v1/payments/{tid}, /v1/payments/{tid}/cancel, /v1/payments/netcancel; GET /v1/payments/{tid}, "
         "/v1/payments/find/{orderId}; POST /v1/subscribe/regist, /v1/subscribe/{bid}/payments, "
         "/v1/subscribe/{bid}/expire (Authorization: Basic base64(clientId:secretKey), JSON)"),
        "JS SDK: GET /v1/js/ (AUTHNICE.requestPay)",
        "client keys: " + ", ".join(f"{c} (MID {m.mid})" for c, m in sorted(emu.config.merchants.items())),
        "ledger: GET /_emulator/transactions; POST /_emulator/outage, /_emulator/latency, /_emulator/deposit",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")


async def transactions(request: Request) -> Response:
    """``GET /_emulator/transactions``: payments (with ``balance``), events (KRW ``amount``: + charged,
    − refunded), billing keys, webhooks sent and API requests received (no keys, no card data)."""
    return JSONResponse(core.emulator_of(request).state.snapshot())


async def outage(request: Request) -> Response:
    emu, params = core.emulator_of(request), await _params(request)
    value = params.get("on", True)
    on = value if isinstance(value, bool) else str(value).lower() in _TRUE
    with emu.state.lock:
        emu.state.outage = on
    return JSONResponse({"outage": on})


async def latency(request: Request) -> Response:
    emu, params = core.emulator_of(request), await _params(request)
    try:
        ms = max(0, int(params.get("ms", 0)))
    except (TypeError, ValueError):
        return JSONResponse({"error": "ms must be an integer"}, status_code=400)
    with emu.state.lock:
        emu.state.latency_ms = ms
    return JSONResponse({"latency_ms": ms})


async def deposit(request: Request) -> Response:
    """``POST /_emulator/deposit`` (``tid``): the buyer paid into the virtual account; NICE's webhook follows."""
    emu, params = core.emulator_of(request), await _params(request)
    try:
        with emu.state.lock:
            answer = core.deposit(emu, str(params.get("tid") or ""))
    except core.NiceFail as failure:
        return JSONResponse(api.fail_body(failure), status_code=failure.status)
    await api.send_hooks(emu, answer.hooks)
    return JSONResponse(answer.body)


def create_emulator(config: EmulatorConfig | None = None) -> Starlette:
    """The emulator as an ASGI app. State lives in the app (one process, in memory)."""
    emulator = core.Emulator(config or EmulatorConfig())
    routes = [
        Route("/_emulator/", index, methods=["GET"]),
        Route("/_emulator/transactions", transactions, methods=["GET"]),
        Route("/_emulator/outage", outage, methods=["POST"]),
        Route("/_emulator/latency", latency, methods=["POST"]),
        Route("/_emulator/deposit", deposit, methods=["POST"]),
        Route("/v1/js/", window.sdk, methods=["GET"]),
        Route("/v1/js", window.sdk, methods=["GET"]),
        Route("/v1/pay/window", window.page, methods=["POST"]),
        Route("/v1/pay/auth", window.submit, methods=["POST"]),
        Route("/v1/payments/{rest:path}", api.endpoint, methods=["GET", "POST"]),
        Route("/v1/subscribe/{rest:path}", api.endpoint, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    app.add_middleware(PgConditions, emulator=emulator)
    return app

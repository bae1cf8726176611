"""``create_emulator(config) -> Starlette``: every Mobilians path on one base URL, plus ``/_emulator/``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from paymux.connectors.mobilians import codes, protocol
from paymux.connectors.mobilians.emulator import api, window
from paymux.connectors.mobilians.emulator.config import EmulatorConfig
from paymux.connectors.mobilians.emulator.core import Emulator, emulator_of
from paymux.connectors.mobilians.emulator.state import EmulatorState

SERVER_PATHS = (protocol.REGISTRATION, protocol.APPROVAL, protocol.CANCELLATION)
_TRUE = {"1", "true", "on", "yes", "y"}


class PgConditions:
    """The outage switch (HTTP 503 + ``0099``, nothing applied: paymux's choice, Mobilians publishes
    no outage answer) on every Mobilians path, and the latency before every server call."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app, self.emulator = app, emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        root = scope.get("root_path", "")
        path = path[len(root):] if root and path.startswith(root) else path
        if path.startswith("/MUP/"):
            if self.emulator.state.outage:
                body = json.dumps({"code": codes.BUSY, "message": codes.message(codes.BUSY)}, ensure_ascii=False)
                await Response(body, status_code=503, media_type="application/json")(scope, receive, send)
                return
            if self.emulator.state.latency_ms and path in SERVER_PATHS:
                await asyncio.sleep(self.emulator.state.latency_ms / 1000)
        await self.app(scope, receive, send)


async def _params(request: Request) -> dict[str, Any]:
    body = await request.body()
    params: dict[str, Any] = dict(request.query_params)
    if body.strip().startswith(b"{"):
        data = json.loads(body)
        params.update(data if isinstance(data, dict) else {})
    elif body:
        params.update((await request.form()).items())
    return params


async def index(request: Request) -> Response:
    emu = emulator_of(request)
    lines = ["paymux KG Mobilians emulator (not Mobilians; for tests and demos)", f"base URL: {emu.base_url(request)}",
             "service ids: " + ", ".join(sorted(emu.config.services)), "ledger: GET /_emulator/transactions"]
    return PlainTextResponse("\n".join(lines) + "\n")


async def transactions(request: Request) -> Response:
    return JSONResponse(emulator_of(request).state.snapshot())


async def outage(request: Request) -> Response:
    emu, params = emulator_of(request), await _params(request)
    value = params.get("on", True)
    on = value if isinstance(value, bool) else str(value).lower() in _TRUE
    with emu.state.lock:
        emu.state.outage = on
    return JSONResponse({"outage": on})


async def latency(request: Request) -> Response:
    emu, params = emulator_of(request), await _params(request)
    ms = max(0, int(params.get("ms", 0) or 0))
    with emu.state.lock:
        emu.state.latency_ms = ms
    return JSONResponse({"latency_ms": ms})


async def drop_reply(request: Request) -> Response:
    """``POST /_emulator/drop_reply`` (``path``: registration/approval/cancellation, ``count``): the next
    calls to that path are applied, then their reply is held ``slow_reply_seconds`` (a lost answer)."""
    emu, params = emulator_of(request), await _params(request)
    path, count = str(params.get("path", "approval")), max(0, int(params.get("count", 1) or 0))
    with emu.state.lock:
        emu.state.drop_replies[path] = count
    return JSONResponse({"path": path, "count": count})


def create_emulator(config: EmulatorConfig | None = None) -> Starlette:
    """The emulator as an ASGI app; state lives in the app (one process, in memory)."""
    config = config or EmulatorConfig()
    emulator = Emulator(config, EmulatorState(config.latency_ms))
    routes = [
        Route("/_emulator/", index, methods=["GET"]),
        Route("/_emulator/transactions", transactions, methods=["GET"]),
        Route("/_emulator/outage", outage, methods=["POST"]),
        Route("/_emulator/latency", latency, methods=["POST"]),
        Route("/_emulator/drop_reply", drop_reply, methods=["POST"]),
        Route(protocol.REGISTRATION, api.registration, methods=["POST"]),
        Route(protocol.APPROVAL, api.approval, methods=["POST"]),
        Route(protocol.CANCELLATION, api.cancellation, methods=["POST"]),
        Route(protocol.PAYMENT_WINDOW, window.window, methods=["GET", "POST"]),
        Route(protocol.PAYMENT_WINDOW + "/sms", window.send_code, methods=["POST"]),
        Route(protocol.PAYMENT_WINDOW + "/confirm", window.confirm, methods=["POST"]),
        Route(protocol.PAYMENT_WINDOW + "/close", window.close, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    app.add_middleware(PgConditions, emulator=emulator)
    return app

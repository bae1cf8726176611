"""``create_emulator(config) -> Starlette``: every INICIS path on one base URL, plus ``/_emulator/``."""

from __future__ import annotations

import asyncio
import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from paymux.connectors.inicis import codes
from paymux.connectors.inicis.emulator import approval, control, iniapi, window
from paymux.connectors.inicis.emulator.config import EmulatorConfig
from paymux.connectors.inicis.emulator.core import Emulator, emulator_of

# Server-to-server calls (latency applies to these): approval, net cancel, INIAPI.
SERVER_PATHS = ("/api/", "/smart/payReq.ini", "/smart/payNetCancel.ini")


class PgConditions:
    """ASGI middleware: the outage switch (HTTP 500, nothing applied) on every INICIS path, and the
    configured latency before every server call. ``/_emulator/`` is never affected."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path and not path.startswith("/_emulator"):
            state = self.emulator.state
            if state.outage:
                await self._outage(path)(scope, receive, send)
                return
            if state.latency_ms and path.startswith(SERVER_PATHS):
                await asyncio.sleep(state.latency_ms / 1000)
        await self.app(scope, receive, send)

    @staticmethod
    def _outage(path: str) -> Response:
        if path.startswith("/api/"):
            body = {"resultCode": codes.COMMS_ERROR, "resultMsg": codes.message(codes.COMMS_ERROR)}
            return Response(json.dumps(body, ensure_ascii=False), status_code=500, media_type="application/json")
        return PlainTextResponse(codes.message(codes.COMMS_ERROR), status_code=500)


async def index(request: Request) -> Response:
    """``GET /_emulator/``: what this emulator is and which MIDs it knows."""
    emu = emulator_of(request)
    lines = [
        "paymux KG INICIS emulator (not INICIS; for tests and demos)",
        f"base URL: {emu.base_url(request)}",
        "MIDs: " + ", ".join(sorted(emu.config.merchants)),
        "ledger: GET /_emulator/transactions",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")


def create_emulator(config: EmulatorConfig | None = None) -> Starlette:
    """The emulator as an ASGI app. State lives in the app (one process, in memory)."""
    emulator = Emulator(config or EmulatorConfig())
    routes = [
        Route("/_emulator/", index, methods=["GET"]),
        Route("/stdjs/INIStdPay.js", window.std_script, methods=["GET"]),
        Route("/payMain/pay", window.std_pay, methods=["POST"]),
        Route("/payMain/submit", window.submit, methods=["POST"]),
        Route("/smart/payment/", window.mobile_pay, methods=["POST"]),
        Route("/smart/payment", window.mobile_pay, methods=["POST"]),
        Route("/smart/submit", window.submit, methods=["POST"]),
        Route("/api/payAuth", approval.pay_auth, methods=["POST"]),
        Route("/api/netCancel", approval.net_cancel, methods=["POST"]),
        Route("/smart/payReq.ini", approval.mobile_approve, methods=["POST"]),
        Route("/smart/payNetCancel.ini", approval.mobile_net_cancel, methods=["POST"]),
        *(Route(f"/api/v1/{service}{slash}", iniapi.endpoint, methods=["POST"])
          for service in ("billing", "formpay", "refund", "extra") for slash in ("", "/")),
        Route("/_emulator/transactions", control.transactions, methods=["GET"]),
        Route("/_emulator/outage", control.outage, methods=["POST"]),
        Route("/_emulator/latency", control.latency, methods=["POST"]),
        Route("/_emulator/vbank/deposit", control.deposit, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    app.add_middleware(PgConditions, emulator=emulator)
    return app

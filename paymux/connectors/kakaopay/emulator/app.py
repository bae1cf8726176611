"""``create_emulator(config) -> Starlette``: Kakao Pay's API (both generations), the buyer page, ``/_emulator/``."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from paymux.connectors.kakaopay.emulator import api, control, window
from paymux.connectors.kakaopay.emulator.config import EmulatorConfig
from paymux.connectors.kakaopay.emulator.core import Emulator

API_PATHS = (api.CURRENT_PREFIX, api.OLDER_PREFIX)


class PgConditions:
    """ASGI middleware: the outage switch (HTTP 503 ``-9798``, nothing applied) and the configured
    latency on every API path. The buyer page and ``/_emulator/`` are never affected."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = api.own_path(scope) if scope["type"] == "http" else ""
        if path.startswith(API_PATHS):
            state = self.emulator.state
            if state.outage:
                await api.outage_response(path)(scope, receive, send)
                return
            if state.latency_ms:
                await asyncio.sleep(state.latency_ms / 1000)
        await self.app(scope, receive, send)


def create_emulator(config: EmulatorConfig | None = None) -> Starlette:
    """The emulator as an ASGI app. State lives in the app (one process, in memory)."""
    emulator = Emulator(config or EmulatorConfig())
    routes = [
        Route("/_emulator/", control.index, methods=["GET"]),
        Route("/_emulator/transactions", control.transactions, methods=["GET"]),
        Route("/_emulator/outage", control.outage, methods=["POST"]),
        Route("/_emulator/latency", control.latency, methods=["POST"]),
        Route("/mockup/v1/{token}/submit", window.submit, methods=["POST"]),
        Route("/mockup/v1/{token}/{kind}", window.page, methods=["GET"]),
        *(Route(f"{prefix}{name}", api.endpoint, methods=["POST"]) for prefix in API_PATHS for name in api.NAMES),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    app.add_middleware(PgConditions, emulator=emulator)
    return app

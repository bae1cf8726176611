"""The emulator-only surface, under ``/_emulator/``: the ledger and the outage and latency switches."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from paymux.connectors.kakaopay.emulator.core import emulator_of

_TRUE = {"1", "true", "on", "yes", "y"}


async def _params(request: Request) -> dict[str, Any]:
    """A control call's parameters: JSON object, form, or query string."""
    body = await request.body()
    if body.strip().startswith(b"{"):
        data = json.loads(body)
        return data if isinstance(data, dict) else {}
    params: dict[str, Any] = dict(request.query_params)
    params.update(parse_qsl(body.decode("utf-8", "replace")))
    return params


async def index(request: Request) -> Response:
    """``GET /_emulator/``: what this emulator is and which CIDs it knows."""
    emu = emulator_of(request)
    lines = [
        "paymux Kakao Pay emulator (not Kakao Pay; for tests and demos)",
        f"base URL: {emu.base_url(request)}",
        "API: POST /online/v1/payment/{ready,approve,order,cancel,subscription,manage/subscription/inactive,"
        "manage/subscription/status} (SECRET_KEY, JSON) and the same under /v1/payment/ (KakaoAK, form)",
        "CIDs: " + ", ".join(f"{cid}{' (subscription)' if m.subscription else ''}" for cid, m in sorted(emu.config.merchants.items())),
        "ledger: GET /_emulator/transactions",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")


async def transactions(request: Request) -> Response:
    """``GET /_emulator/transactions``: payments (with ``cancel_available_amount``), the event ledger
    (KRW ``amount`` per event: + charged, − refunded), SIDs and the API requests received."""
    return JSONResponse(emulator_of(request).state.snapshot())


async def outage(request: Request) -> Response:
    """``POST /_emulator/outage`` (``on``): every API path answers HTTP 503 ``-9798``, nothing is applied."""
    emu, params = emulator_of(request), await _params(request)
    value = params.get("on", True)
    on = value if isinstance(value, bool) else str(value).lower() in _TRUE
    with emu.state.lock:
        emu.state.outage = on
    return JSONResponse({"outage": on})


async def latency(request: Request) -> Response:
    """``POST /_emulator/latency`` (``ms``): added to every API call from now on."""
    emu, params = emulator_of(request), await _params(request)
    try:
        ms = max(0, int(params.get("ms", 0)))
    except (TypeError, ValueError):
        return JSONResponse({"error": "ms must be an integer"}, status_code=400)
    with emu.state.lock:
        emu.state.latency_ms = ms
    return JSONResponse({"latency_ms": ms})

"""The request line and request metrics: one ASGI middleware, outermost, so every answer counts —
including a 413 from the body middleware and a 500 from an unexpected error.

Starlette writes the matched route into the scope the router is given; a middleware further in may
have copied the scope (``api.paths`` does, to strip a trailing slash), so the route template is read
by :class:`RouteTemplateMiddleware`, innermost, and handed out through the request record.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paymux.observability import metrics
from paymux.observability.context import (
    REQUEST_ID_HEADER,
    RequestRecord,
    accepted_request_id,
    close_request,
    open_request,
)
from paymux.observability.logs import get_logger

log = get_logger("paymux.http")

UNMATCHED = "unmatched"
# Any token is a method to HTTP; label values stay bounded whatever clients send.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
_RECORD_KEY = "paymux.request"
# Path parameters worth a field on the request line (identifiers, never secrets).
_ID_PARAMS = ("imp_uid", "merchant_uid", "customer_uid")


def route_template(scope: Scope) -> str:
    """``/payments/{imp_uid}`` for a routed request, ``/pg-emulator/inicis/{path}`` under a mount,
    ``unmatched`` otherwise: a bounded set of label values whatever clients send."""
    route = scope.get("route") or _plain_route(scope)
    if route is None:
        return UNMATCHED
    path = getattr(route, "path", None) or UNMATCHED
    return path.rstrip("/") + "/{path}" if isinstance(route, Mount) else path


def _plain_route(scope: Scope) -> object | None:
    """The router's plain Starlette route that answered (FastAPI's own ``/openapi.json``): such a
    route puts only its endpoint in the scope, not itself."""
    endpoint, router = scope.get("endpoint"), scope.get("router")
    if endpoint is None or router is None:
        return None
    return next((route for route in router.routes if getattr(route, "endpoint", None) is endpoint), None)


class RouteTemplateMiddleware:
    """Innermost: after routing, note the route template and identifier path parameters."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            record: RequestRecord | None = scope.get(_RECORD_KEY)
            if record is not None and scope["type"] == "http":
                record.fields.setdefault("route", route_template(scope))
                params = scope.get("path_params") or {}
                for name in _ID_PARAMS:
                    if isinstance(params.get(name), str) and params[name]:
                        record.fields.setdefault(name, params[name])


class RequestObservingMiddleware:
    """Outermost: request id in and out (``X-Request-Id``), one ``http.request`` line, and the
    request counter and latency histogram by route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER.encode())
        record, token = open_request(accepted_request_id(incoming))
        scope[_RECORD_KEY] = record
        status = 500
        header = (REQUEST_ID_HEADER.encode(), record.request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = record.fields.pop("route", UNMATCHED)
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            metrics.count_request(method, route, status, seconds)
            _log_request(scope, route, status, seconds, record)
            close_request(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            try:
                return value.decode("ascii")
            except UnicodeDecodeError:
                return None
    return None


def _log_request(scope: Scope, route: str, status: int, seconds: float, record: RequestRecord) -> None:
    """Method, path (never the query string: it may carry a token), route, status, latency, and what
    inner layers learned (merchant, imp_uid); never a body."""
    fields: dict[str, Any] = {
        "method": scope["method"], "path": scope["path"], "route": route, "status": status,
        "latency_ms": round(seconds * 1000, 1), **record.fields,
    }
    client = scope.get("client")
    if client:
        fields["client"] = client[0]
    level = log.error if status >= 500 else log.info
    level("http.request", **fields)

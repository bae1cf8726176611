"""The i'mport envelope ``{code, message, response}`` and the one place errors become HTTP statuses."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.responses import Response

from paymux.api.views import payment_view
from paymux.domain.errors import (
    Conflict,
    Forbidden,
    InvalidParameter,
    NotAuthenticated,
    NotFound,
    PaymuxError,
    Refused,
)
from paymux.domain.payment import Payment
from paymux.observability.logs import get_logger

log = get_logger("paymux.api")

HTTP_STATUS: dict[type[PaymuxError], int] = {
    InvalidParameter: 400,
    NotAuthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Refused: 200,
}


class EnvelopeResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Compact UTF-8 JSON. orjson: the envelope of a payment took a fifth of a lookup's CPU
        through ``json.dumps`` (issue #15); what orjson refuses (an integer beyond 64 bits, a
        non-string key) is written by ``json`` as before."""
        try:
            return orjson.dumps(content)
        except TypeError:  # orjson.JSONEncodeError
            return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def ok(response: Any) -> EnvelopeResponse:
    return EnvelopeResponse({"code": 0, "message": None, "response": response})


def error(status: int, message: str, code: int = -1, response: Any = None) -> EnvelopeResponse:
    return EnvelopeResponse({"code": code, "message": message, "response": response}, status_code=status)


def _status_of(exc: PaymuxError) -> int:
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400


def _describe_validation(exc: RequestValidationError) -> str:
    problems = []
    for item in exc.errors()[:3]:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "header")]
        field = ".".join(location) or "body"
        message = str(item.get("msg", "is invalid")).removeprefix("Value error, ")
        if item.get("type") == "missing":
            message = "is required"
        elif item.get("type") == "json_invalid":
            field, message = "body", "is not valid JSON"
        problems.append(f"{field}: {message}")
    return "; ".join(problems) or "request is malformed"


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _methods_of_path(request: Request) -> list[str]:
    """The methods the API documents at this request's path (``/openapi.json``): FastAPI makes one
    route per method, and Starlette's 405 names only the first route that matched the path."""
    table = getattr(request.app.state, "allowed_methods", None)
    if table is None:
        table = {
            path: (re.compile("^" + re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(path)) + "$"),
                   {method.upper() for method in operations if method in _HTTP_METHODS})
            for path, operations in request.app.openapi()["paths"].items()
        }
        request.app.state.allowed_methods = table
    path = request.url.path
    if path in table:  # a literal path (/payments/cancel) is not also /payments/{imp_uid}
        return sorted(table[path][1])
    return sorted(set().union(*(methods for pattern, methods in table.values() if pattern.match(path))))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PaymuxError)
    async def _paymux_error(_request: Request, exc: PaymuxError) -> Response:
        response = payment_view(exc.response) if isinstance(exc.response, Payment) else exc.response
        return error(_status_of(exc), exc.message, exc.code, response)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
        return error(400, _describe_validation(exc))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        messages = {404: "no such API path", 405: "method not allowed on this path"}
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code not in messages else None
        reply = error(exc.status_code, detail or messages.get(exc.status_code, "request refused"))
        for name, value in (exc.headers or {}).items():
            reply.headers[name] = value
        if exc.status_code == 405:  # RFC 9110 §15.5.6: every method the path has, not one route's
            reply.headers["Allow"] = ", ".join(_methods_of_path(request))
        return reply

    @app.exception_handler(PoolTimeout)
    async def _at_capacity(_request: Request, _exc: PoolTimeout) -> Response:
        reply = error(503, "paymux is at capacity: no database connection was free; retry after the Retry-After "
                           "seconds (요청이 많아 잠시 후 다시 시도해주세요)")
        reply.headers["Retry-After"] = "1"
        return reply

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> Response:
        log.error("api.unexpected_error", error=type(exc).__name__, exc_info=exc)
        return error(500, "internal error; the request was not completed (서버 오류)")

"""``/docs``: Swagger UI over ``/openapi.json``, served entirely by paymux; and what ``/openapi.json``
says every operation answers (the i'mport envelope, with its HTTP statuses).

FastAPI's own page loads swagger-ui from a CDN and starts it with an inline script: blank offline,
and impossible under a strict Content-Security-Policy. Here the page, its start-up script and
swagger-ui's files (from the ``fastapi-offline`` package, which ships swagger-ui's dist bundle) all
come from paymux, so ``/docs`` works offline under ``script-src 'self'`` (``paymux.security_headers``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.responses import FileResponse, HTMLResponse, Response

from paymux.api.deps import AUTH_HEADERS, current_merchant
from paymux.domain.errors import NotFound

SWAGGER_DIST = Path(fastapi_offline.__file__).parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>paymux API (i'mport V1)</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/start.js"></script>
</body>
</html>
"""

# No validator badge (it would load an image from swagger.io) and no OAuth redirect page.
_START = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
});
"""


@router.get("/docs")
async def docs() -> HTMLResponse:
    return HTMLResponse(_PAGE)


@router.get("/docs/assets/{name}")
async def docs_asset(name: str) -> Response:
    if name == "start.js":
        return Response(_START, media_type="application/javascript; charset=utf-8",
                        headers={"cache-control": "public, max-age=3600"})
    if name not in ASSETS:
        raise NotFound("no such file")
    return FileResponse(SWAGGER_DIST / name, media_type=ASSETS[name], headers={"cache-control": "public, max-age=86400"})


# The i'mport envelope every API answer is: code 0 with the response, or a non-zero code and a message.
ENVELOPE = {
    "type": "object",
    "required": ["code", "message", "response"],
    "properties": {
        "code": {"type": "integer", "description": "0 on success; -1 (or a PG's code) otherwise"},
        "message": {"type": ["string", "null"], "description": "why it failed, naming the parameter or rule"},
        "response": {"description": "the result (object, list or null)"},
    },
}
ERROR_STATUSES = {
    "400": "A parameter is missing, malformed or out of range",
    "401": "No access token, or an expired, malformed or revoked one; wrong imp_key/imp_secret",
    "403": "Outside the merchant's IP whitelist, or a Tier that is not a sub-merchant",
    "404": "No such payment, order, customer, schedule or path for this merchant",
    "409": "Collides with existing state",
    "429": "Too many requests of this kind from this address: retry after Retry-After seconds",
    "503": "paymux is at capacity: retry after Retry-After seconds",
}


def describe_envelopes(document: dict[str, Any]) -> dict[str, Any]:
    """Make ``/openapi.json`` say what the API answers: every operation's 200 and its error statuses
    carry the envelope (paymux answers 400, never FastAPI's 422), and a path parameter is never null.
    Mutates and returns ``document``."""
    document.setdefault("components", {}).setdefault("schemas", {})["Envelope"] = ENVELOPE
    envelope = {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.pop("422", None)
            responses.setdefault("200", {"description": "Successful Response"})["content"] = envelope
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(status, {"description": description})["content"] = envelope
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path":
                    parameter["schema"] = _path_segment(parameter.get("schema", {}))
    return document


# What api/params.py accepts in a path identifier (imp_uid, merchant_uid, customer_uid, a bank code):
# no control characters, no '/', no U+FFFD (what decoding leaves of bytes that were not UTF-8), and not
# blank, in Python's sense of blank (str.strip), which is wider than a regex's \\s.
_ALLOWED = "[^\\x00-\\x1f\\x7f/\\ufffd]"
_VISIBLE = "[^\\x00-\\x20\\x7f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000/\\ufffd]"
_IDENTIFIER = f"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"


def _path_segment(schema: dict[str, Any]) -> dict[str, Any]:
    """A path parameter is never null, and a free-text one is an identifier."""
    if "anyOf" in schema:
        choices = [choice for choice in schema["anyOf"] if choice.get("type") != "null"]
        if len(choices) == 1:
            schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **choices[0]}
    if schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema:
        schema = {**schema, "pattern": _IDENTIFIER}
    return schema


def _needs_token(dependant: Dependant) -> bool:
    return any(sub.call is current_merchant or _needs_token(sub) for sub in dependant.dependencies)


def document_auth_headers(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """Add the headers ``current_merchant`` reads (``api.deps.AUTH_HEADERS``) to the parameters of
    every operation whose route depends on it. Mutates and returns ``document``."""
    for route in iter_route_contexts(app.routes):  # included routers' routes with their full paths
        original = route.original_route
        if not (isinstance(original, APIRoute) and original.include_in_schema and _needs_token(original.dependant)):
            continue
        operations = document.get("paths", {}).get(route.path_format, {})
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation is not None:
                operation.setdefault("parameters", []).extend(copy.deepcopy(AUTH_HEADERS))
    return document


def install_openapi(app: FastAPI) -> None:
    """``app.openapi`` with ``document_auth_headers`` and ``describe_envelopes`` applied once."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if not getattr(app.state, "openapi_described", False):
            app.openapi_schema = describe_envelopes(document_auth_headers(app, build()))
            app.state.openapi_described = True
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]

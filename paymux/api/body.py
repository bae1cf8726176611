"""Request bodies as i'mport accepts them: JSON, or ``application/x-www-form-urlencoded``.

iamporter sends forms and the official Python client sends JSON. Rather than parse twice in every
route, this ASGI middleware turns a form body into the equivalent JSON object before routing, so each
route declares one Pydantic model and the OpenAPI description stays exact. ``name[]`` keys and
repeated keys become lists. It also caps body size, so no route reads an unbounded body.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1 << 20
# Browser faces (payment window, console, demo shop) read their own HTML forms, and PG notices
# (``/pg/{pg}/notice``) are read in the charset each PG declares.
PAGE_PATH_PREFIXES = ("/checkout", "/console", "/demo", "/pg/", "/pg-emulator/")


def form_to_object(body: bytes) -> dict[str, object]:
    """Bytes that are not UTF-8 (e.g. EUC-KR) become U+FFFD here, which every text parameter
    refuses by name (api/params.py), so distinct ids can never collide through replacement."""
    result: dict[str, object] = {}
    for key, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        is_list = key.endswith("[]")
        key = key.removesuffix("[]")
        if key in result:
            existing = result[key]
            result[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            result[key] = [value] if is_list else value
    return result


async def _send_error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"code": -1, "message": message, "response": None}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


class RequestBodyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") or scope["path"].startswith(PAGE_PATH_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await _send_error(send, 413, f"request body is larger than {MAX_BODY_BYTES} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                await _send_error(send, 413, f"request body is larger than {MAX_BODY_BYTES} bytes")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if content_type == b"application/x-www-form-urlencoded":
            body = json.dumps(form_to_object(body)).encode()
            content_type = b"application/json"
        elif content_type != b"application/json" and body.strip():
            if not body.lstrip().startswith((b"{", b"[")):
                await _send_error(send, 400, "body must be JSON or application/x-www-form-urlencoded")
                return
            content_type = b"application/json"
        elif not body.strip():
            body = b"{}"
            content_type = b"application/json"
        scope = dict(scope)
        scope["headers"] = [
            (k, v) for k, v in scope["headers"] if k not in (b"content-type", b"content-length")
        ] + [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

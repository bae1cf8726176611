"""Request paths as i'mport's clients send them: a trailing slash changes nothing.

npm ``iamporter`` builds ``/payments/findAll/{merchant_uid}/{status}`` with ``status`` defaulting to
``""``, so it sends ``/payments/findAll/ORDER/``; other clients append ``/`` to every path
(``/payments/cancel/``). i'mport answers those as the path without the slash, so paymux does too, for
every route at once: this ASGI middleware strips trailing slashes before routing. An empty last
segment therefore means "absent", i.e. the route without that optional segment. There is no redirect
(``redirect_slashes=False`` in ``paymux.app``): a 307 would make clients re-send, and some drop POST
bodies on the way. Only trailing slashes are touched; an empty segment in the middle of a path
(``/payments/find//paid``) is left for routing to refuse, never re-read as another path.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

# Mounted sub-applications that do their own routing (the KG INICIS emulator) keep their paths.
UNTOUCHED_PREFIXES = ("/pg-emulator/",)


def _trailing_slashes(path: str) -> int:
    return len(path) - len(path.rstrip("/"))


class TrailingSlashMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = normalised(scope)
        await self.app(scope, receive, send)


def normalised(scope: Scope) -> Scope:
    path: str = scope["path"]
    if len(path) <= 1 or not path.endswith("/") or path.startswith(UNTOUCHED_PREFIXES):
        return scope
    raw: bytes | None = scope.get("raw_path")
    # Count the slashes the client wrote: an encoded ``%2F`` at the end is data, not a separator.
    count = _trailing_slashes(raw.decode("latin-1")) if raw else _trailing_slashes(path)
    count = min(count, _trailing_slashes(path), len(path) - 1)
    if count == 0:
        return scope
    scope = dict(scope)
    scope["path"] = path[:-count] or "/"
    if raw:
        scope["raw_path"] = raw[:-count] or b"/"
    return scope

"""Security headers on every response: Content-Security-Policy, ``X-Content-Type-Options: nosniff``,
and ``Strict-Transport-Security`` when the configured public URL is https.

Each face has its own policy, chosen by path unless the handler set one itself:

- the API and everything else that is not a page: nothing may load (``default-src 'none'``), nothing
  may frame it;
- the console and ``/docs``: scripts, styles and images only from paymux itself, never framed;
- the payment window (``/checkout/…``) and the demo shop: scripts and styles only with the response's
  nonce (``request.state.csp_nonce``, new for every response), requests only to paymux; framed by any
  shop (the SDK opens it in an overlay iframe), so no ``frame-ancestors``. The PG launch page and the
  window add the PG's and the shop's origins to what they may load and post to (``window_policy``);
- any other HTML page (a sales slip): like the window's, never framed;
- the built-in PG emulators (``/pg-emulator/…``) are a PG's pages, not paymux's: no CSP.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paymux.config import Settings

CSP = "content-security-policy"
NONCE = "csp_nonce"  # key in the ASGI scope's state: request.state.csp_nonce

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Pages of paymux's own, scripts and styles as files: the console and the API docs.
SELF_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HSTS = "max-age=31536000"
_EXEMPT = ("/pg-emulator/",)


def csp_nonce(request: Request) -> str:
    """This response's nonce, for ``<script nonce=…>`` and ``<style nonce=…>`` in templates."""
    return request.scope["state"][NONCE]


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _sibling_hosts(url: str | None) -> str | None:
    """``https://*.inicis.com`` for ``https://stdpay.inicis.com/…``: a PG's window library moves the
    buyer between the PG's own hosts (INICIS: stdpay, ksstdpay, fcstdpay …). None for an address."""
    parts = urlsplit(url or "")
    host = parts.hostname or ""
    labels = host.split(".")
    if parts.scheme != "https" or len(labels) < 3 or host.replace(".", "").isdigit() or ":" in host:
        return None
    return "https://*." + ".".join(labels[1:])


def window_policy(nonce: str, *, pg_urls: Iterable[str | None] = (), redirect_url: str | None = None,
                  framing: bool = False) -> str:
    """The policy of a payment-window page.

    ``pg_urls``: the PG's window and script (the launch page): scripts they load are trusted through
    the nonce (``'strict-dynamic'``), and the page may post to, frame and call those origins. Their
    libraries write inline styles, so the launch page allows them (scripts stay nonce-only).
    ``redirect_url``: the shop's ``m_redirect_url``, which a form posted from this page may be
    redirected to. ``framing``: the page frames paymux's window (the demo shop)."""
    pg = sorted({source for url in pg_urls for source in (_origin(url), _sibling_hosts(url)) if source})
    shop = _origin(redirect_url)
    styles = "'self' 'unsafe-inline'" if pg else f"'nonce-{nonce}'"
    directives = [
        "default-src 'none'",
        f"script-src 'nonce-{nonce}'" + (" 'strict-dynamic'" if pg else ""),
        f"style-src {styles}",
        "img-src 'self' data:" + "".join(f" {source}" for source in pg),
        "connect-src 'self'" + "".join(f" {source}" for source in pg),
        "form-action 'self'" + "".join(f" {source}" for source in [*pg, *([shop] if shop else [])]),
        "base-uri 'none'",
    ]
    if pg or framing:
        directives.append("frame-src " + (" ".join(pg) if pg and not framing else "*"))
    return "; ".join(directives)


def _policy_for(path: str, nonce: str, is_html: bool) -> str | None:
    if path.startswith(_EXEMPT):
        return None
    if path == "/console" or path.startswith(("/console/", "/docs")):
        return SELF_PAGE_POLICY
    if path.startswith("/checkout/"):
        return window_policy(nonce)
    if path.rstrip("/") == "/demo":
        return window_policy(nonce, framing=True)
    if is_html:  # another page of paymux's (a sales slip): its styles and scripts carry the nonce
        return window_policy(nonce) + "; frame-ancestors 'none'"
    return API_POLICY


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response; a handler that set its own CSP keeps it."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hsts = settings.public_url.startswith("https://")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})[NONCE] = nonce
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                is_html = any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in headers)
                policy = _policy_for(path, nonce, is_html)
                if policy and CSP.encode() not in names:
                    headers.append((CSP.encode(), policy.encode()))
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if self.hsts:
                    headers.append((b"strict-transport-security", HSTS.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""The console's HTTP plumbing: templates, language, the session cookie, CSRF, HTML error pages.

Console pages never answer with the API's JSON envelopes: ``ConsoleRoute`` turns every error a
handler raises into a small HTML page (404 for another merchant's objects, 403 for a refused CSRF
token) without touching the API's error handlers.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from paymux.console.error_text import localized_error
from paymux.console.i18n import LANGUAGES, STRINGS, translate
from paymux.domain.console_user import ConsoleSession
from paymux.domain.errors import Forbidden, NotFound, PaymuxError
from paymux.domain.merchant import Merchant
from paymux.observability.logs import get_logger
from paymux.services import console_users as user_service
from paymux.services import merchants as merchant_service
from paymux.services.reports import TimelineEntry, local_time
from paymux.services.runtime import Runtime
from paymux.webhooks.outbox import WebhookAttempt, WebhookEvent

log = get_logger("paymux.console")

SESSION_COOKIE = "paymux_console"
LOGIN_CSRF_COOKIE = "paymux_console_login"
LANG_COOKIE = "paymux_lang"
PREFIX = "/console"

templates = Environment(
    loader=PackageLoader("paymux.console", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["when"] = local_time


class Redirect(Exception):
    def __init__(self, location: str) -> None:
        self.location = location


class CsrfRefused(Exception):
    """A form arrived without the session's CSRF token."""


def is_secure(request: Request) -> bool:
    """Cookies get ``Secure`` when the console is reached over https (directly or as configured)."""
    public_url = request.app.state.runtime.settings.public_url
    return request.url.scheme == "https" or public_url.startswith("https://")


def language_of(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "ko"
    return wanted if wanted in LANGUAGES else "ko"


@dataclass
class Console:
    """One console request: who is signed in, for which merchant, in which language."""

    request: Request
    runtime: Runtime
    lang: str
    session: ConsoleSession | None = None
    merchant: Merchant | None = None
    _form: FormData | None = field(default=None, repr=False)

    def t(self, key: str, **values: Any) -> str:
        return translate(self.lang, key, **values)

    def money(self, amount: int | None) -> str:
        """An amount in KRW as the console's language writes it: ``1,000원`` or ``KRW 1,000``."""
        figure = f"{int(amount or 0):,}"
        return f"KRW {figure}" if self.lang == "en" else f"{figure}원"

    def pg_name(self, pg_provider: str) -> str:
        """A PG's name as the console's language writes it (``KG이니시스`` / ``KG INICIS``); the code if unknown."""
        key = f"pgname.{pg_provider}"
        name = self.t(key)
        return pg_provider if name == key else name

    def error_text(self, error: PaymuxError) -> str:
        """A service error's message in the console's language (``paymux.console.error_text``)."""
        return localized_error(self.lang, error.message, getattr(error, "field", None))

    def webhook_events(self, events: list[WebhookEvent]) -> list[WebhookEvent]:
        """Webhook events as the console shows them: each delivery try's error in the console's language."""
        return [replace(event, attempts=tuple(self._attempt(attempt) for attempt in event.attempts)) for event in events]

    def timeline(self, entries: list[TimelineEntry]) -> list[TimelineEntry]:
        """A payment's timeline with each webhook try's error in the console's language."""
        return [replace(entry, detail={**entry.detail, "error": localized_error(self.lang, str(entry.detail["error"]))})
                if entry.kind == "webhook_attempt" and entry.detail.get("error") else entry for entry in entries]

    def _attempt(self, attempt: WebhookAttempt) -> WebhookAttempt:
        return replace(attempt, error=localized_error(self.lang, attempt.error)) if attempt.error else attempt

    @property
    def own(self) -> Merchant:
        assert self.merchant is not None
        return self.merchant

    async def form(self) -> FormData:
        """The posted form, after checking its CSRF token against the session's."""
        if self._form is None:
            form = await self.request.form()
            expected = self.session.csrf_token if self.session else self.request.cookies.get(LOGIN_CSRF_COOKIE, "")
            sent = form.get("csrf_token")
            if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
                raise CsrfRefused()
            self._form = form
        return self._form

    async def scope(self, user_code: str | None) -> Merchant:
        """The merchant a page acts on: the user's own, or one of its sub-merchants; else 404."""
        own = self.own
        if not user_code or user_code == own.user_code:
            return own
        return await merchant_service.get_sub_merchant(self.runtime, own.id, user_code)

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        csrf = self.session.csrf_token if self.session else values.pop("login_csrf", "")
        html = templates.get_template(template).render(
            t=self.t, lang=self.lang, csrf_token=csrf, user=self.session.user if self.session else None,
            merchant=self.merchant, path=self.request.url.path, query=self.request.url.query,
            flash=values.pop("flash", None) or self.flash_message(), money=self.money, pg_name=self.pg_name, **values,
        )
        response = HTMLResponse(html, status_code=status)
        self.remember_language(response)
        response.headers["cache-control"] = "no-store"
        response.headers["x-frame-options"] = "DENY"
        response.headers["referrer-policy"] = "same-origin"
        return response

    def remember_language(self, response: Response) -> None:
        if self.request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(LANG_COOKIE, self.lang, max_age=365 * 86400, path=PREFIX, samesite="lax",
                                secure=is_secure(self.request))

    def flash_message(self) -> dict[str, str] | None:
        """The message of the action that redirected here (``?flash=<key>``; only known keys, so a
        link cannot make the console say something it never says)."""
        key = self.request.query_params.get("flash", "")
        kind = "error" if key.startswith("flash.error.") else "ok"
        return {"text": self.t(key), "kind": kind, "key": key} if key.startswith("flash.") and key in STRINGS else None

    def redirect(self, location: str, flash: str | None = None) -> RedirectResponse:
        """303 to ``location``; with ``flash`` (a ``flash.*`` string key) the page shows that message."""
        if flash:
            location += ("&" if "?" in location else "?") + f"flash={flash}"
        return RedirectResponse(location, status_code=303)


async def anonymous(request: Request) -> Console:
    return Console(request=request, runtime=request.app.state.runtime, lang=language_of(request))


async def signed_in(request: Request) -> Console:
    """The console for a signed-in user, or a redirect to the login page."""
    console = await anonymous(request)
    session = await user_service.session_for(console.runtime, request.cookies.get(SESSION_COOKIE))
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise Redirect(f"{PREFIX}/login?next={quote(target)}")
    console.session = session
    console.merchant = await merchant_service.merchant_by_id(console.runtime, session.user.merchant_id)
    return console


def error_page(request: Request, status: int, message_key: str, error: PaymuxError | None = None) -> HTMLResponse:
    """The HTML error page; with ``error``, its message (in the page's language) follows the sentence."""
    console = Console(request=request, runtime=request.app.state.runtime, lang=language_of(request))
    message = console.t(message_key) + (" " + console.error_text(error) if error is not None else "")
    return console.render("error.html", status=status, status_code=status, message=message)


class ConsoleRoute(APIRoute):
    """Every console handler's errors become HTML pages (never the API's JSON envelope)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Redirect as redirect:
                return RedirectResponse(redirect.location, status_code=303)
            except CsrfRefused:
                return error_page(request, 403, "error.csrf")
            except NotFound:
                return error_page(request, 404, "error.not_found")
            except Forbidden:
                return error_page(request, 403, "error.forbidden")
            except RequestValidationError:
                return error_page(request, 404, "error.not_found")
            except HTTPException as error:
                return error_page(request, error.status_code, "error.not_found" if error.status_code == 404 else "error.generic")
            except PaymuxError as error:
                return error_page(request, 400, "error.generic", error)
            except Exception as error:  # noqa: BLE001 - a page, never a stack trace
                log.error("console.unexpected_error", error=type(error).__name__, exc_info=error)
                return error_page(request, 500, "error.internal")

        return console_handler


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def field_of(error: PaymuxError, default: str = "form") -> str:
    return getattr(error, "field", None) or default

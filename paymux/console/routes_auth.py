"""Signing in and out, the dashboard, and the console's stylesheet."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import FileResponse, Response

from paymux.console.chart import period_chart
from paymux.console.web import (
    LOGIN_CSRF_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    Console,
    ConsoleRoute,
    anonymous,
    field_of,
    is_secure,
    new_login_csrf,
    signed_in,
)
from paymux.domain.console_user import SESSION_SECONDS, LoginFailed, LoginLocked
from paymux.domain.errors import InvalidParameter, NotFound
from paymux.services import console_users as user_service
from paymux.services import reports
from paymux.services.throttle import Throttled

router = APIRouter(route_class=ConsoleRoute)
Anonymous = Annotated[Console, Depends(anonymous)]
SignedIn = Annotated[Console, Depends(signed_in)]
STATIC = Path(__file__).parent / "static"


def _safe_next(target: str | None) -> str:
    """Only a console path: never an open redirect to another site."""
    if target and target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX


def _login_page(console: Console, status: int = 200, **values: object) -> Response:
    token = console.request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
    response = console.render("login.html", status=status, login_csrf=token, **values)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", path=PREFIX,
                        secure=is_secure(console.request))
    return response


@router.get(PREFIX + "/login")
async def login_page(console: Anonymous) -> Response:
    session = await user_service.session_for(console.runtime, console.request.cookies.get(SESSION_COOKIE))
    if session is not None:
        return console.redirect(_safe_next(console.request.query_params.get("next")))
    return _login_page(console, email="", next=console.request.query_params.get("next", ""))


@router.post(PREFIX + "/login")
async def login(console: Anonymous) -> Response:
    form = await console.form()
    email, password, target = str(form.get("email", "")), str(form.get("password", "")), str(form.get("next", ""))
    client = console.request.client  # the address uvicorn set: the peer, or a trusted proxy's X-Forwarded-For
    try:
        token, _session = await user_service.login(console.runtime, email, password, client.host if client else None)
    except Throttled as throttled:
        response = _login_page(console, 429, email=email, next=target,
                               error=console.t("login.throttled", seconds=throttled.retry_after))
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    except LoginLocked as locked:
        until = reports.local_time(locked.until)[11:16]
        return _login_page(console, 429, email=email, next=target, error=console.t("login.locked", until=until))
    except LoginFailed:
        return _login_page(console, 400, email=email, next=target, error=console.t("login.failed"))
    response = console.redirect(_safe_next(target))
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_SECONDS, httponly=True, samesite="lax",
                        path=PREFIX, secure=is_secure(console.request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post(PREFIX + "/logout")
async def logout(console: SignedIn) -> Response:
    await console.form()
    await user_service.logout(console.runtime, console.request.cookies.get(SESSION_COOKIE))
    response = console.redirect(PREFIX + "/login")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get(PREFIX)
async def dashboard(console: SignedIn) -> Response:
    """The tiles (today, the last 30 days) and the chosen period; a refused period shows its error
    and the dates as entered, and no period figures."""
    merchant = await console.scope(console.request.query_params.get("merchant"))
    today = datetime.fromtimestamp(console.runtime.now(), reports.KST).date()
    tiles = await reports.dashboard_tiles(console.runtime, merchant, today)
    params = console.request.query_params
    period = {"date_from": params.get("date_from", ""), "date_to": params.get("date_to", "")}
    errors: dict[str, str] = {}
    summary = chart = None
    try:
        first, last = reports.dashboard_range(today, **period)
    except InvalidParameter as error:
        errors[field_of(error)] = console.error_text(error)
    else:
        recent = tiles.recent
        same = (first, last) == (recent.first, recent.last)
        summary = recent if same else await reports.range_summary(console.runtime, merchant, first, last)
        chart = period_chart(summary, console.money, console.t)
        period = {"date_from": period["date_from"] or first.isoformat(), "date_to": period["date_to"] or last.isoformat()}
    return console.render(
        "dashboard.html", status=400 if errors else 200, tiles=tiles, chart=chart, scope=merchant,
        today=today.isoformat(), summary=summary, errors=errors, period=period,
    )


@router.get(PREFIX + "/static/{name}")
async def static(name: str, request: Request) -> Response:
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise NotFound("no such file")
    return FileResponse(path, headers={"cache-control": "public, max-age=3600"})

"""The console's one router, mounted by ``app.py``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from paymux.console import (
    routes_auth,
    routes_channels,
    routes_payments,
    routes_settings,
)
from paymux.console.web import PREFIX, ConsoleRoute, error_page

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
for module in (routes_auth, routes_channels, routes_settings, routes_payments):
    router.include_router(module.router)


@router.api_route(PREFIX + "/{rest:path}", methods=["GET", "POST"])
async def not_found(rest: str, request: Request) -> Response:
    if rest == "" and request.method == "GET":
        return RedirectResponse(PREFIX, status_code=303)
    return error_page(request, 404, "error.not_found")

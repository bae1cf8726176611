"""HTTP face of the payment window: the SDK script, the window pages, the demo shop.

The SDK posts an ordinary HTML form into an overlay iframe (PC) or the page itself (mobile), so no
cross-origin request is made and no CORS is needed; the result goes back by ``postMessage`` to the
shop's origin, or by a redirect to ``m_redirect_url``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from fastapi.templating import Jinja2Templates

from paymux.checkout import views
from paymux.demo import DEMO_USER_CODE
from paymux.domain.errors import InvalidParameter, NotFound, PaymuxError
from paymux.domain.payment import Payment, PaymentStatus
from paymux.security_headers import CSP, csp_nonce, window_policy
from paymux.services import checkout, pg_notices, pg_window, throttle
from paymux.services.charging import OrderClaimed
from paymux.services.reports import local_time
from paymux.services.runtime import Runtime

HERE = Path(__file__).parent
SDK_PATH = HERE / "static" / "iamport.js"
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)
NOTICE_MAX_BYTES = 64 * 1024  # a PG notice is a few hundred bytes
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _decoded_form(body: bytes, content_type: str) -> dict[str, str]:
    """A url-encoded body in the charset it declares; Korean PGs' notices default to EUC-KR (INI-VBANK)."""
    charset = "euc-kr"
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        "".encode(charset)
    except LookupError:
        charset = "euc-kr"
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding=charset, errors="replace")
    return dict(pairs)


def _json_notice(body: bytes) -> dict[str, str]:
    """A JSON notice (Toss Payments' webhooks) as flat text fields: top-level scalars as they are, one
    nested object's scalars as ``{name}.{field}``. Unreadable JSON is an empty notice (refused as such)."""
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    fields: dict[str, str] = {}
    for name, value in (data.items() if isinstance(data, dict) else []):
        inner = value.items() if isinstance(value, dict) else [("", value)]
        for sub, item in inner:
            if isinstance(item, (str, int, float, bool)):
                fields[f"{name}.{sub}" if sub else name] = str(item).lower() if isinstance(item, bool) else str(item)
    return fields


def _error_code(error: PaymuxError) -> str:
    if isinstance(error, InvalidParameter):
        return views.INVALID_PARAMETER
    if isinstance(error, NotFound):
        return views.UNKNOWN_MERCHANT
    if isinstance(error, OrderClaimed):
        return "F409"
    return views.REFUSED


def _result(request: Request, rsp: dict[str, Any], display: str, origin: str, m_redirect_url: str | None,
            status_code: int = 200) -> Response:
    """Hand the result to the shop: redirect to m_redirect_url (mobile) or postMessage (iframe)."""
    if display == checkout.DisplayMode.REDIRECT.value and m_redirect_url:
        return RedirectResponse(views.redirect_target(m_redirect_url, rsp), status_code=303)
    shown = views.buyer_text(rsp.get("error_msg") or "")
    return templates.TemplateResponse(request, "result.html", {"rsp": rsp, "origin": origin, "shown": shown},
                                      status_code=status_code)


def _redirect_url(param: object) -> str | None:
    url = param.get("m_redirect_url") if isinstance(param, dict) else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


@router.get("/v1/iamport.js")
@router.get("/js/iamport.payment-1.2.0.js")
async def sdk() -> FileResponse:
    return FileResponse(
        SDK_PATH, media_type="application/javascript; charset=utf-8", headers={"Cache-Control": "public, max-age=300"}
    )


@router.get("/checkout/window")
async def window_again(request: Request) -> Response:
    """The window of a ticket shown again: where the browser's Back (or a reload) lands, as the window
    page replaces its URL with this one. A window whose payment is settled shows its result (on a
    phone: m_redirect_url again), never a window that could pay the order twice (#14 item 7)."""
    try:
        ticket, window, payment = await checkout.reopen(_runtime(request), request.query_params.get("ticket", ""))
    except NotFound as missing:
        return HTMLResponse(missing.message, status_code=404)
    if window is None:
        return _settled(request, ticket, payment)
    return _window_page(request, window)


@router.post("/checkout/window")
async def open_window(request: Request) -> Response:
    """The SDK's form post: check the request, record the ready payment, show the PG's window."""
    form = await _form(request)
    origin = form.get("origin", "")
    if not _ORIGIN.match(origin):
        return HTMLResponse("origin: the shop page's origin is required (load /v1/iamport.js)", status_code=400)
    display = form.get("display", "popup")
    if display not in {mode.value for mode in checkout.DisplayMode}:
        display = checkout.DisplayMode.POPUP.value
    try:
        param = json.loads(form.get("param") or "null")
    except ValueError:
        param = None
    merchant_uid = param.get("merchant_uid") if isinstance(param, dict) else None
    merchant_uid = merchant_uid if isinstance(merchant_uid, str) else None
    runtime = _runtime(request)
    try:
        merchant = await checkout.find_merchant(runtime, form.get("user_code"), form.get("tier_code") or None)
    except PaymuxError as error:  # no merchant vouches for m_redirect_url: answer here, never redirect to it
        rsp = views.error_rsp(_error_code(error), error.message, merchant_uid)
        return _result(request, rsp, display, origin, None)
    try:
        client = request.client  # as uvicorn set it: the peer, or a trusted proxy's X-Forwarded-For
        await throttle.hit(runtime, throttle.windows(runtime.settings), client.host if client else None,
                           merchant.user_code)
    except throttle.Throttled as throttled:
        reply = _result(request, views.error_rsp(views.REFUSED, throttled.message, merchant_uid), display, origin,
                        None, status_code=429)
        reply.headers["Retry-After"] = str(throttled.retry_after)
        return reply
    try:
        if not isinstance(param, dict):
            raise InvalidParameter("param", "IMP.request_pay needs an object of parameters")
        window = await checkout.open_window(
            runtime, merchant, param, display=checkout.DisplayMode(display), origin=origin,
            user_agent=request.headers.get("user-agent"),
        )
        window = await pg_window.launch(runtime, window)
    except PaymuxError as error:
        rsp = views.error_rsp(_error_code(error), error.message, merchant_uid)
        return _result(request, rsp, display, origin, _redirect_url(param))
    return _window_page(request, window)


def _window_page(request: Request, window: checkout.OpenWindow, errors: dict[str, str] | None = None,
                 values: dict[str, str] | None = None) -> HTMLResponse:
    redirect_url = window.request.m_redirect_url if window.display == checkout.DisplayMode.REDIRECT else None
    if window.launch is not None:  # the PG shows its own window: hand the buyer to it
        page = templates.TemplateResponse(request, "pg_launch.html", {"w": window})
        pg_urls: tuple[str | None, ...] = (window.launch.url, window.launch.script_url)
    else:
        page = templates.TemplateResponse(
            request, "window.html", {"w": window, "errors": errors or {}, "values": values or {}},
            status_code=400 if errors else 200,
        )
        pg_urls = ()
    page.headers[CSP] = window_policy(csp_nonce(request), pg_urls=pg_urls, redirect_url=redirect_url)
    page.headers["cache-control"] = "no-store"  # Back asks the server again (GET /checkout/window)
    return page


def _settled(request: Request, ticket: checkout.WindowTicket, payment: Payment) -> Response:
    rsp = views.payment_rsp(payment)
    if rsp["success"] and payment.status is PaymentStatus.READY and payment.pay_method == "vbank":
        return _vbank_issued(request, rsp, payment, ticket)
    return _result(request, rsp, ticket.display.value, ticket.origin, _redirect_url(ticket.param))


def _vbank_issued(request: Request, rsp: dict[str, Any], payment: Payment, ticket: checkout.WindowTicket) -> Response:
    """An issued virtual account stays on screen (account, bank, holder, amount, due date) until the
    buyer presses OK; then the result goes to the shop as usual (#14 item 7)."""
    redirect_url = _redirect_url(ticket.param)
    continue_url = (views.redirect_target(redirect_url, rsp)
                    if ticket.display is checkout.DisplayMode.REDIRECT and redirect_url else None)
    vbank = {"bank": payment.vbank_name, "num": payment.vbank_num, "holder": payment.vbank_holder,
             "amount": f"{payment.amount:,}", "due": local_time(payment.vbank_date)}
    return templates.TemplateResponse(request, "result.html", {"rsp": rsp, "origin": ticket.origin, "vbank": vbank,
                                                               "continue_url": continue_url})


@router.post("/checkout/approve")
async def approve(request: Request) -> Response:
    """The buyer's approve: correctable mistakes re-show the window; anything else ends it."""
    form = await _form(request)
    runtime = _runtime(request)
    ticket_text = form.get("ticket", "")
    buyer_input = checkout.BuyerInput(
        card_number=form.get("card_number"), expiry=form.get("expiry"), birth=form.get("birth"),
        pwd_2digit=form.get("pwd_2digit"), card_company=form.get("card_company"), card_quota=form.get("card_quota"),
        bank_code=form.get("bank_code"), phone=form.get("phone"), phone_code=form.get("phone_code"),
    )
    try:
        ticket, payment = await checkout.submit(runtime, ticket_text, buyer_input)
    except InvalidParameter as mistake:
        ticket, window, payment = await checkout.reopen(runtime, ticket_text)
        if window is None:
            return _settled(request, ticket, payment)
        kept = {k: v for k, v in form.items() if k in ("card_company", "card_quota", "bank_code", "phone")}
        return _window_page(request, window, {mistake.field: views.buyer_text(mistake.message)}, kept)
    except NotFound as missing:
        return HTMLResponse(missing.message, status_code=404)
    return _settled(request, ticket, payment)


@router.post("/checkout/close")
async def close(request: Request) -> Response:
    form = await _form(request)
    try:
        ticket, payment = await checkout.close(_runtime(request), form.get("ticket", ""))
    except NotFound as missing:
        return HTMLResponse(missing.message, status_code=404)
    return _settled(request, ticket, payment)


@router.api_route("/checkout/pg/return", methods=["GET", "POST"])
async def pg_return(request: Request) -> Response:
    """Where the PG sends the buyer back with its authentication result (a form post, or a query)."""
    returned = dict(request.query_params)
    if request.method == "POST":
        returned.update(await _form(request))
    ticket_text = returned.pop("ticket", "")
    try:
        ticket, payment = await pg_window.finish(_runtime(request), ticket_text, returned)
    except NotFound as missing:
        return HTMLResponse(missing.message, status_code=404)
    return _settled(request, ticket, payment)


@router.api_route("/checkout/pg/close", methods=["GET", "POST"])
async def pg_close(request: Request) -> Response:
    """The PG's close page: the buyer closed the PG's window."""
    try:
        ticket, payment = await pg_window.close(_runtime(request), request.query_params.get("ticket", ""))
    except NotFound as missing:
        return HTMLResponse(missing.message, status_code=404)
    return _settled(request, ticket, payment)


@router.post("/pg/{pg_code}/notice")
async def pg_notice(pg_code: str, request: Request) -> Response:
    """A PG's own notice (a virtual account's deposit), answered in the PG's expected format."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > NOTICE_MAX_BYTES:
            return Response("notice too large", status_code=413, media_type="text/plain")
    content_type = request.headers.get("content-type", "")
    form = _json_notice(body) if content_type.startswith("application/json") else _decoded_form(body, content_type)
    remote = request.client.host if request.client else ""
    reply = await pg_notices.receive(_runtime(request), pg_code, form, remote)
    return Response(reply.body, status_code=reply.status_code, media_type=reply.media_type)


@router.post("/checkout/phone-code")
async def phone_code(request: Request) -> JSONResponse:
    """The sandbox's SMS: the window shows the code it 'sent' to the test phone."""
    form = await _form(request)
    try:
        code = await checkout.send_phone_code(_runtime(request), form.get("ticket", ""), form.get("phone"))
    except InvalidParameter as mistake:
        return JSONResponse({"field": mistake.field, "message": views.buyer_text(mistake.message)}, status_code=400)
    except NotFound as missing:
        return JSONResponse({"field": "ticket", "message": missing.message}, status_code=404)
    return JSONResponse({"sent": True, "code": code})


@router.get("/demo")
async def demo(request: Request) -> HTMLResponse:
    """A shop page a merchant can copy: each button is one published i'mport example."""
    user_code = request.query_params.get("user_code") or DEMO_USER_CODE
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", user_code):
        user_code = DEMO_USER_CODE
    return templates.TemplateResponse(request, "demo.html", {"user_code": user_code})

"""Pages for ``IMP.certification`` (the sandbox's phone verification window) and the printable
cash receipt behind a ``receipt_url``.

The window is three plain forms in the SDK's overlay iframe (or the whole page on a phone): the
person's details, the code "texted" to the phone, then the result, handed to the shop's callback by
``postMessage`` or to ``m_redirect_url`` by a redirect, as the payment window does. Each page sets
its own Content-Security-Policy: its styles by nonce, no scripts, forms to paymux and (when the
result goes there) to the shop's ``m_redirect_url``.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paymux.checkout import views
from paymux.checkout.routes import templates
from paymux.domain.certification import Certification, CertificationRefused
from paymux.domain.errors import InvalidParameter, NotFound, PaymuxError
from paymux.services import certifications, checkout, receipts
from paymux.services.certifications import CertificationWindow, WindowParam
from paymux.services.runtime import Runtime

router = APIRouter(include_in_schema=False)
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")
CSP = "content-security-policy"


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _origin_of(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200,
          redirect_url: str | None = None) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    page = templates.TemplateResponse(request, name, {**context, "nonce": nonce}, status_code=status_code)
    shop = _origin_of(redirect_url)
    page.headers[CSP] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        f"form-action 'self'{' ' + shop if shop else ''}; base-uri 'none'"
    )
    return page


def certification_rsp(certification: Certification) -> dict[str, Any]:
    """What IMP.certification's callback receives on success (the shop then reads
    GET /certifications/{imp_uid} on its server)."""
    return {
        "success": True, "imp_success": True, "imp_uid": certification.imp_uid,
        "merchant_uid": certification.merchant_uid, "pg_provider": certification.pg_provider,
        "pg_type": "certification", "error_code": None, "error_msg": None,
    }


def _failure(code: str, message: str, param: WindowParam | None, imp_uid: str | None = None) -> dict[str, Any]:
    rsp = views.error_rsp(code, message, param.merchant_uid if param else None)
    rsp.update(imp_uid=imp_uid, pg_type="certification")
    return rsp


def _result(request: Request, rsp: dict[str, Any], display: str, origin: str, param: WindowParam | None) -> Response:
    redirect_url = param.m_redirect_url if param else None
    if display == checkout.DisplayMode.REDIRECT.value and redirect_url:
        return RedirectResponse(views.redirect_target(redirect_url, rsp), status_code=303)
    return templates.TemplateResponse(request, "result.html", {"rsp": rsp, "origin": origin})


def _window_page(request: Request, window: CertificationWindow, step: str, error: dict[str, str] | None = None,
                 values: dict[str, str] | None = None) -> HTMLResponse:
    redirect_url = window.param.m_redirect_url if window.display == checkout.DisplayMode.REDIRECT.value else None
    context = {"w": window, "step": step, "error": error or {}, "values": values or {}}
    return _page(request, "certification.html", context, 400 if error else 200, redirect_url)


@router.post("/checkout/certification/open")
async def open_certification(request: Request) -> Response:
    """The SDK's form post for IMP.certification: the person's details form."""
    form = await _form(request)
    origin = form.get("origin", "")
    if not _ORIGIN.match(origin):
        return HTMLResponse("origin: the shop page's origin is required (load /v1/iamport.js)", status_code=400)
    display = form.get("display", "popup")
    if display not in {mode.value for mode in checkout.DisplayMode}:
        display = checkout.DisplayMode.POPUP.value
    try:
        raw = json.loads(form.get("param") or "null")
    except ValueError:
        raw = None
    runtime = _runtime(request)
    try:
        merchant = await checkout.find_merchant(runtime, form.get("user_code"), form.get("tier_code") or None)
    except PaymuxError as error:  # no merchant vouches for m_redirect_url: answer by postMessage only
        return _result(request, _failure(views.UNKNOWN_MERCHANT, error.message, None), "popup", origin, None)
    try:
        window = await certifications.open_window(runtime, merchant, raw, checkout.DisplayMode(display), origin)
    except InvalidParameter as mistake:
        uid = raw.get("merchant_uid") if isinstance(raw, dict) else None
        param = WindowParam(merchant_uid=uid if isinstance(uid, str) else None)
        return _result(request, _failure(views.INVALID_PARAMETER, mistake.message, param), "popup", origin, None)
    values = {"name": window.param.name or "", "phone": window.param.phone or "", "carrier": window.param.carrier or ""}
    return _window_page(request, window, "details", values=values)


@router.post("/checkout/certification/request")
async def request_code(request: Request) -> Response:
    """The person's details: text the code (the sandbox shows it) and ask for it."""
    form = await _form(request)
    runtime = _runtime(request)
    ticket_text = form.get("ticket", "")
    try:
        window = await certifications.window_request(
            runtime, ticket_text, form.get("name"), form.get("phone"), form.get("birth"), form.get("gender_digit"),
            form.get("carrier"), form.get("is_mvno") == "true",
        )
    except InvalidParameter as mistake:
        ticket, _merchant = await certifications.read_ticket(runtime, ticket_text)
        window = CertificationWindow(ticket_text, WindowParam.parse(ticket.param), ticket.display.value, ticket.origin)
        return _window_page(request, window, "details", {mistake.field: mistake.message}, form)
    except CertificationRefused as refused:
        ticket, _merchant = await certifications.read_ticket(runtime, ticket_text)
        param = WindowParam.parse(ticket.param)
        return _result(request, _failure(views.REFUSED, refused.message, param), ticket.display.value, ticket.origin, param)
    except NotFound as missing:
        return HTMLResponse(missing.message, status_code=404)
    return _window_page(request, window, "code")


@router.post("/checkout/certification/confirm")
async def confirm_code(request: Request) -> Response:
    """The code the person typed: the result goes to the shop, or the code is asked again."""
    form = await _form(request)
    runtime = _runtime(request)
    ticket_text = form.get("ticket", "")
    try:
        ticket, certification = await certifications.window_confirm(runtime, ticket_text, form.get("otp") or "")
    except CertificationRefused as refused:
        ticket, _merchant = await certifications.read_ticket(runtime, ticket_text)
        window = CertificationWindow(ticket_text, WindowParam.parse(ticket.param), ticket.display.value, ticket.origin,
                                     ticket.imp_uid, None)
        return _window_page(request, window, "code", {"otp": refused.message})
    except NotFound as missing:
        return HTMLResponse(missing.message, status_code=404)
    param = WindowParam.parse(ticket.param)
    return _result(request, certification_rsp(certification), ticket.display.value, ticket.origin, param)


@router.post("/checkout/certification/close")
async def close_certification(request: Request) -> Response:
    form = await _form(request)
    try:
        ticket, _merchant = await certifications.read_ticket(_runtime(request), form.get("ticket", ""))
    except NotFound as missing:
        return HTMLResponse(missing.message, status_code=404)
    param = WindowParam.parse(ticket.param)
    rsp = _failure(views.CLOSED_BY_BUYER, "본인인증을 취소하셨습니다. (the person closed the verification window)",
                   param, ticket.imp_uid or None)
    return _result(request, rsp, ticket.display.value, ticket.origin, param)


@router.get("/checkout/cash-receipts/{token}")
async def cash_receipt(token: str, request: Request) -> Response:
    """The printable cash receipt a ``receipt_url`` points at (a public link, as i'mport's are)."""
    try:
        receipt = await receipts.receipt_page(_runtime(request), token[:64])
    except NotFound as missing:
        return HTMLResponse(missing.message, status_code=404)
    return _page(request, "cash_receipt.html", {"r": receipt})

"""The buyer's side: the page ``next_redirect_pc_url`` / ``…_mobile_url`` / ``…_app_url`` open, where the
buyer approves (choosing Kakao Money or a card), cancels, or fails.

Approve → 303 to ``approval_url`` with ``pg_token`` added to its query; cancel → 303 to ``cancel_url``
(order ``QUIT_PAYMENT``); fail → 303 to ``fail_url`` (order ``FAIL_PAYMENT``) [KK-OLD], pg-live-protocols
§2.2. Real Kakao shows a QR code on PC and hands over to KakaoTalk on a phone; this page stands for both.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from paymux.connectors.kakaopay import codes
from paymux.connectors.kakaopay.emulator import core
from paymux.connectors.kakaopay.emulator.state import Payment

PAGE_KINDS = {"info": "pc", "mInfo": "mobile", "aInfo": "app", "order": "app"}


def _payment(emu: core.Emulator, token: str) -> Payment | None:
    tid = emu.state.pages.get(token)
    return emu.state.payments.get(tid) if tid else None


def _with_query(url: str, **fields: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(fields)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _error(emu: core.Emulator, code: int, status: int) -> HTMLResponse:
    return HTMLResponse(emu.render("error.html", code=code, message=codes.message(code)), status_code=status)


async def page(request: Request) -> Response:
    """``GET /mockup/v1/{token}/{info|mInfo|aInfo|order}``: the approval page."""
    emu = core.emulator_of(request)
    token, kind = request.path_params["token"], request.path_params["kind"]
    with emu.state.lock:
        payment = _payment(emu, token)
        if payment is None or kind not in PAGE_KINDS:
            return _error(emu, codes.TID_NOT_FOUND, 404)
        if emu.expired(payment):
            return _error(emu, codes.PAYMENT_EXPIRED, 410)
        if payment.pg_token or payment.status in (codes.QUIT_PAYMENT, codes.FAIL_PAYMENT) or payment.approved_at:
            return _error(emu, codes.STATE_FORBIDS_APPROVAL, 409)
        payment.status = codes.OPEN_PAYMENT
        merchant = emu.config.merchants.get(payment.cid)
        html = emu.render(
            "buyer.html", payment=payment, device=PAGE_KINDS[kind], merchant=merchant.name if merchant else payment.cid,
            methods=core.METHOD_LABELS, action=f"{emu.base_url(request)}/mockup/v1/{token}/submit",
        )
    return HTMLResponse(html)


async def submit(request: Request) -> Response:
    """``POST /mockup/v1/{token}/submit`` (``action`` approve/cancel/fail, ``method``)."""
    emu = core.emulator_of(request)
    form = await request.form()
    action, method = str(form.get("action", "")), str(form.get("method", "MONEY"))
    with emu.state.lock:
        payment = _payment(emu, request.path_params["token"])
        if payment is None:
            return _error(emu, codes.TID_NOT_FOUND, 404)
        if emu.expired(payment):
            return _error(emu, codes.PAYMENT_EXPIRED, 410)
        if payment.pg_token or payment.approved_at or payment.status in (codes.QUIT_PAYMENT, codes.FAIL_PAYMENT):
            return _error(emu, codes.STATE_FORBIDS_APPROVAL, 409)
        now = emu.now()
        if action == "cancel":
            payment.status = codes.QUIT_PAYMENT
            emu.state.record("buyer_cancel", now, tid=payment.tid, cid=payment.cid, partner_order_id=payment.partner_order_id, amount=0)
            return RedirectResponse(payment.cancel_url, status_code=303)
        if action == "fail":
            payment.status = codes.FAIL_PAYMENT
            emu.state.record("buyer_fail", now, tid=payment.tid, cid=payment.cid, partner_order_id=payment.partner_order_id, amount=0)
            return RedirectResponse(payment.fail_url, status_code=303)
        if action != "approve" or method not in core.METHODS:
            return _error(emu, codes.INVALID_PARAMETER, 400)
        payment.choice = method
        payment.method, payment.card, _ = core.METHODS[method]
        payment.pg_token = secrets.token_hex(10)
        payment.status = codes.AUTH_PASSWORD
        return RedirectResponse(_with_query(payment.approval_url, pg_token=payment.pg_token), status_code=303)

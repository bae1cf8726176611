"""``create_emulator(config) -> Starlette``: Toss's API v1, the buyer's window with its SDK stand-in, ``/_emulator/``.

API rules (as Toss): ``Authorization: Basic base64("{secret key}:")`` (401 ``UNAUTHORIZED_KEY``
otherwise), JSON bodies (``Content-Type: application/json``), errors ``{"code", "message"}`` with the
code's HTTP status, 500 ``FAILED_INTERNAL_SYSTEM_PROCESSING`` during an outage (nothing applied).
``Idempotency-Key`` (≤ 300 characters) on a POST: the first answer (200 or 4xx) is kept per
(merchant, method, path, key) and replayed unchanged to a repeat, which is never applied again [TOSS-IDEM].
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from paymux.connectors.tosspayments import codes
from paymux.connectors.tosspayments.emulator import core
from paymux.connectors.tosspayments.emulator.config import EmulatorConfig, EmulatorMerchant

_TRUE = {"1", "true", "on", "yes", "y"}
SDK_SCRIPT = """/* paymux Toss Payments emulator: a stand-in for js.tosspayments.com/v1/payment (not Toss's SDK) */
(function () {
  var src = document.currentScript && document.currentScript.src;
  var base = src ? src.replace(/\\/js\\/v1\\/payment.*$/, "") : "";
  function go(kind, fields) {
    var query = new URLSearchParams();
    Object.keys(fields).forEach(function (k) { if (fields[k] !== undefined && fields[k] !== null) query.set(k, String(fields[k])); });
    window.location.href = base + "/window/" + kind + "?" + query.toString();
  }
  window.TossPayments = function (clientKey) {
    return {
      requestPayment: function (method, p) { go("payment", Object.assign({ clientKey: clientKey, method: method }, p || {})); },
      requestBillingAuth: function (method, p) { go("billing", Object.assign({ clientKey: clientKey, method: method }, p || {})); }
    };
  };
})();
"""


def own_path(scope: Any) -> str:
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    return path[len(root):] if root and path.startswith(root) else path


def _fail(failure: core.TossFail) -> JSONResponse:
    return JSONResponse(failure.body(), status_code=failure.status)


class PgConditions:
    """ASGI middleware: the outage switch (HTTP 500, nothing applied) and the latency on every ``/v1/`` path."""

    def __init__(self, app: ASGIApp, emulator: core.Emulator) -> None:
        self.app, self.emulator = app, emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and own_path(scope).startswith("/v1/"):
            state = self.emulator.state
            if state.outage:
                await _fail(core.TossFail(codes.FAILED_INTERNAL_SYSTEM_PROCESSING))(scope, receive, send)
                return
            if state.latency_ms:
                await asyncio.sleep(state.latency_ms / 1000)
        await self.app(scope, receive, send)


def _merchant(emu: core.Emulator, request: Request) -> EmulatorMerchant:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme != "Basic" or not token:
        raise core.TossFail(codes.UNAUTHORIZED_KEY)
    try:
        user, colon, _password = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise core.TossFail(codes.UNAUTHORIZED_KEY) from None
    merchant = emu.config.merchant_by_secret(user) if colon else None
    if merchant is None:
        raise core.TossFail(codes.UNAUTHORIZED_KEY)
    return merchant


async def _json(request: Request) -> dict[str, Any]:
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise core.TossFail(codes.INVALID_REQUEST, "Content-Type은 application/json 이어야 합니다")
    try:
        data = json.loads(await request.body() or b"null")
    except ValueError:
        raise core.TossFail(codes.INVALID_REQUEST, "요청 본문이 JSON이 아닙니다") from None
    if not isinstance(data, dict):
        raise core.TossFail(codes.INVALID_REQUEST, "요청 본문은 JSON 객체여야 합니다")
    return data


Operation = Callable[[core.Emulator, EmulatorMerchant, dict[str, Any], dict[str, Any]], core.Answer]


def _api(operation: Operation, *, post: bool = True) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        emu = core.emulator_of(request)
        path = own_path(request.scope)
        key = request.headers.get("idempotency-key", "")
        slow = False
        try:
            params = await _json(request) if post else {}
            with emu.state.lock:
                emu.state.requests.append({"method": request.method, "path": path, "fields": sorted(params),
                                           "idempotency_key": key, "order_id": str(params.get("orderId") or "")})
                merchant = _merchant(emu, request)
                if len(key) > 300:
                    raise core.TossFail(codes.INVALID_REQUEST, "Idempotency-Key는 300자 이하여야 합니다")
                scope = (merchant.mid, request.method, path, key)
                if post and key and scope in emu.state.idempotent:
                    status, body = emu.state.idempotent[scope]
                    emu.state.record("idempotent_replay", emu.now(), path=path, idempotency_key=key, amount=0)
                    return JSONResponse(body, status_code=status)
                try:
                    answer = operation(emu, merchant, dict(request.path_params), params)
                    status, body, slow = 200, answer.body, answer.slow
                except core.TossFail as failure:
                    status, body, slow = failure.status, failure.body(), failure.slow
                if post and key:
                    emu.state.idempotent[scope] = (status, body)
        except core.TossFail as failure:
            return _fail(failure)
        if slow:
            await asyncio.sleep(emu.config.slow_reply_seconds)
        return JSONResponse(body, status_code=status)
    return endpoint


# --- API routes -------------------------------------------------------------------------------------

API: list[tuple[str, Operation, str]] = [
    ("/v1/payments/confirm", lambda e, m, p, b: core.confirm(e, m, b), "POST"),
    ("/v1/payments/key-in", lambda e, m, p, b: core.key_in(e, m, b), "POST"),
    ("/v1/payments/orders/{orderId}", lambda e, m, p, b: core.lookup_order(e, m, p["orderId"]), "GET"),
    ("/v1/payments/{paymentKey}/cancel", lambda e, m, p, b: core.cancel(e, m, p["paymentKey"], b), "POST"),
    ("/v1/payments/{paymentKey}", lambda e, m, p, b: core.lookup(e, m, p["paymentKey"]), "GET"),
    ("/v1/virtual-accounts", lambda e, m, p, b: core.virtual_account(e, m, b), "POST"),
    ("/v1/billing/authorizations/issue", lambda e, m, p, b: core.issue_billing(e, m, b), "POST"),
    ("/v1/billing/authorizations/card", lambda e, m, p, b: core.issue_billing_by_card(e, m, b), "POST"),
    ("/v1/billing/{billingKey}", lambda e, m, p, b: core.charge_billing(e, m, p["billingKey"], b), "POST"),
]


# --- the buyer's window -------------------------------------------------------------------------------


def _with_query(url: str, **fields: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(fields)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _error_page(emu: core.Emulator, failure: core.TossFail) -> HTMLResponse:
    return HTMLResponse(emu.render("error.html", code=failure.code, message=failure.message), status_code=failure.status)


async def sdk(request: Request) -> Response:
    """``GET /js/v1/payment``: the stand-in of Toss's SDK (``TossPayments(clientKey).requestPayment`` /
    ``requestBillingAuth`` open this emulator's window)."""
    return Response(SDK_SCRIPT, media_type="application/javascript")


async def window_page(request: Request) -> Response:
    """``GET /window/{payment|billing}?clientKey&method&…&successUrl&failUrl``: Toss's window."""
    emu = core.emulator_of(request)
    kind = request.path_params["kind"]
    params = dict(request.query_params)
    try:
        merchant = emu.config.merchant_by_client(params.get("clientKey", ""))
        if merchant is None:
            raise core.TossFail(codes.UNAUTHORIZED_KEY)
        for name in ("successUrl", "failUrl"):
            core.text(params, name, limit=2000)
        if kind == "billing":
            if not core.CUSTOMER_KEY.match(core.text(params, "customerKey", limit=300)):
                raise core.TossFail(codes.INVALID_REQUEST, "customerKey 형식이 올바르지 않습니다")
        elif kind == "payment":
            core.order_id(params)
            core.number(params, "amount", minimum=1)
            core.text(params, "orderName")
        else:
            raise core.TossFail(codes.INVALID_REQUEST)
    except core.TossFail as failure:
        return _error_page(emu, failure)
    return HTMLResponse(emu.render("window.html", kind=kind, params=params, merchant=merchant, cards=core.CHOICES,
                                   banks=core.BANKS, method=params.get("method", codes.CARD), codes=codes))


async def window_submit(request: Request) -> Response:
    """``POST /window/submit``: pay → successUrl (``paymentKey``, ``orderId``, ``amount``; billing: ``customerKey``,
    ``authKey``); cancel → failUrl ``PAY_PROCESS_CANCELED``; fail → failUrl ``PAY_PROCESS_ABORTED``."""
    emu = core.emulator_of(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    action, kind = form.get("action", ""), form.get("kind", "payment")
    try:
        merchant = emu.config.merchant_by_client(form.get("clientKey", ""))
        if merchant is None:
            raise core.TossFail(codes.UNAUTHORIZED_KEY)
        success, fail = core.text(form, "successUrl", limit=2000), core.text(form, "failUrl", limit=2000)
        if action in ("cancel", "fail"):
            code = codes.PAY_PROCESS_CANCELED if action == "cancel" else codes.PAY_PROCESS_ABORTED
            fields = {"code": code, "message": codes.message(code)}
            if form.get("orderId"):
                fields["orderId"] = form["orderId"]
            return RedirectResponse(_with_query(fail, **fields), status_code=303)
        with emu.state.lock:
            if kind == "billing":
                auth = core.billing_auth(emu, merchant, core.text(form, "customerKey", limit=300), form.get("choice", "SHINHAN"))
                return RedirectResponse(_with_query(success, customerKey=auth.customer_key, authKey=auth.auth_key), status_code=303)
            payment = core.window_payment(emu, merchant, form, form.get("choice", "SHINHAN"))
        return RedirectResponse(_with_query(success, paymentType="NORMAL", orderId=payment.order_id,
                                            paymentKey=payment.payment_key, amount=str(payment.total)), status_code=303)
    except core.TossFail as failure:
        return _error_page(emu, failure)


# --- control -------------------------------------------------------------------------------------------


async def _params(request: Request) -> dict[str, Any]:
    body = await request.body()
    if body.strip().startswith(b"{"):
        data = json.loads(body)
        return data if isinstance(data, dict) else {}
    return {**dict(request.query_params), **{k: v for k, v in (await request.form()).items()}}


async def index(request: Request) -> Response:
    emu = core.emulator_of(request)
    lines = [
        "paymux Toss Payments emulator (not Toss Payments; for tests and demos)",
        "API: /v1/payments/confirm, /v1/payments/{paymentKey}[/cancel], /v1/payments/orders/{orderId}, /v1/payments/key-in,",
        "     /v1/virtual-accounts, /v1/billing/authorizations/{issue,card}, /v1/billing/{billingKey} (Basic secret key)",
        "window: GET /js/v1/payment (SDK stand-in), /window/payment, /window/billing",
        "keys: any test_ck_…/test_sk_… (mId tvivarepublica); " + ", ".join(m.mid for m in emu.config.merchants.values()),
        "ledger: GET /_emulator/transactions; POST /_emulator/deposit (orderId); /_emulator/outage (on); /_emulator/latency (ms)",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")


async def transactions(request: Request) -> Response:
    return JSONResponse(core.emulator_of(request).state.snapshot())


async def outage(request: Request) -> Response:
    emu, params = core.emulator_of(request), await _params(request)
    value = params.get("on", True)
    on = value if isinstance(value, bool) else str(value).lower() in _TRUE
    with emu.state.lock:
        emu.state.outage = on
    return JSONResponse({"outage": on})


async def latency(request: Request) -> Response:
    emu, params = core.emulator_of(request), await _params(request)
    try:
        ms = max(0, int(params.get("ms", 0)))
    except (TypeError, ValueError):
        return JSONResponse({"error": "ms must be an integer"}, status_code=400)
    with emu.state.lock:
        emu.state.latency_ms = ms
    return JSONResponse({"latency_ms": ms})


async def deposit(request: Request) -> Response:
    """``POST /_emulator/deposit`` (``orderId`` or ``paymentKey``): the buyer pays into the virtual account;
    Toss's ``DEPOSIT_CALLBACK`` goes to ``config.webhook_url`` (or ``webhookUrl`` given here), retried
    until HTTP 200. Answers the callback sent and the HTTP status of each attempt."""
    emu, params = core.emulator_of(request), await _params(request)
    with emu.state.lock:
        payment = emu.state.payments.get(str(params.get("paymentKey") or "")) or next(
            (p for p in emu.state.payments.values()
             if p.order_id == str(params.get("orderId") or "") and p.status == codes.WAITING_FOR_DEPOSIT), None)
        if payment is None or payment.status != codes.WAITING_FOR_DEPOSIT:
            return JSONResponse({"error": "no virtual account waiting for a deposit"}, status_code=404)
        callback = core.deposit(emu, payment)
    url = str(params.get("webhookUrl") or emu.config.webhook_url or "")
    attempts: list[int] = []
    if url:
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            for attempt in range(emu.config.webhook_attempts):
                try:
                    reply = await client.post(url, json=callback)
                    attempts.append(reply.status_code)
                    if reply.status_code == 200:
                        break
                except httpx.HTTPError:
                    attempts.append(0)
                await asyncio.sleep(emu.config.webhook_backoff_seconds * (4 ** attempt))
    with emu.state.lock:
        emu.state.webhooks.append({"eventType": "DEPOSIT_CALLBACK", "url": url, "body": {**callback, "secret": "…"},
                                   "attempts": attempts})
    return JSONResponse({"callback": callback, "attempts": attempts})


def create_emulator(config: EmulatorConfig | None = None) -> Starlette:
    """The emulator as an ASGI app. State lives in the app (one process, in memory)."""
    emulator = core.Emulator(config or EmulatorConfig())
    routes = [
        Route("/_emulator/", index, methods=["GET"]),
        Route("/_emulator/transactions", transactions, methods=["GET"]),
        Route("/_emulator/outage", outage, methods=["POST"]),
        Route("/_emulator/latency", latency, methods=["POST"]),
        Route("/_emulator/deposit", deposit, methods=["POST"]),
        Route("/js/v1/payment", sdk, methods=["GET"]),
        Route("/window/submit", window_submit, methods=["POST"]),
        Route("/window/{kind}", window_page, methods=["GET"]),
        *(Route(path, _api(operation, post=method == "POST"), methods=[method]) for path, operation, method in API),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    app.add_middleware(PgConditions, emulator=emulator)
    return app

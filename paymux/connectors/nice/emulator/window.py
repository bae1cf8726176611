"""The buyer's side: the stand-in of NICE's JS SDK (``AUTHNICE.requestPay``) and its payment window.

``GET /v1/js/`` defines ``AUTHNICE.requestPay(options)``, which POSTs the options to this emulator's
window (``POST /v1/pay/window``; the real window is NICE's own page on ``pay.nicepay.co.kr``). The
buyer enters a card (or picks a bank for a virtual account) and NICE POSTs the authentication result to
``returnUrl`` as ``application/x-www-form-urlencoded``: ``authResultCode``, ``authResultMsg``, ``tid``,
``clientId``, ``orderId``, ``amount``, ``mallReserved``, ``authToken``, ``signature``
[payment-window-server.md 응답 명세]. A buyer who cancels, or a request NICE refuses, is POSTed to
``returnUrl`` with another ``authResultCode`` (the user's cancel as ``9999`` is paymux's choice).
"""

from __future__ import annotations

import html
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from paymux.connectors.nice import codes
from paymux.connectors.nice.emulator import core

SDK = """(function () {
  var base = %(base)s;
  function post(action, fields) {
    var form = document.createElement("form");
    form.method = "POST"; form.action = action; form.acceptCharset = "utf-8";
    Object.keys(fields).forEach(function (name) {
      var value = fields[name];
      if (value === undefined || value === null || typeof value === "function") { return; }
      var input = document.createElement("input");
      input.type = "hidden"; input.name = name; input.value = String(value);
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }
  window.AUTHNICE = {
    requestPay: function (options) {
      var o = options || {};
      if (!o.clientId || !o.method || !o.orderId || !o.amount || !o.goodsName || !o.returnUrl) {
        if (typeof o.fnError === "function") { o.fnError({ errorMsg: "필수 파라미터가 누락되었습니다" }); }
        return;
      }
      post(base + "/v1/pay/window", o);
    }
  };
})();
"""

PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>NICEPAY 결제창 (emulator)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:420px;margin:24px auto;padding:0 16px}
.banner{background:#fff3cd;padding:6px 10px;border-radius:6px;font-size:12px}
label{display:block;margin:10px 0 4px}input,select,button{font:inherit;padding:8px;width:100%%;box-sizing:border-box}
button{margin-top:12px}</style></head><body>
<div class="banner" data-testid="emulator-banner">paymux NICE Pay emulator — not NICE, no money moves</div>
<h1 data-testid="nice-window" data-method="%(method)s" data-order-id="%(order_id)s">NICEPAY</h1>
<p data-testid="merchant-name">%(merchant)s</p>
<p data-testid="goods-name">%(goods)s</p>
<p data-testid="order-amount" data-amount="%(amount)s">%(amount_text)s원</p>
<form method="post" action="%(action)s" data-testid="window-form" id="window-form">
<input type="hidden" name="token" value="%(token)s">
%(inputs)s
<button type="submit" name="action" value="pay" data-testid="pay">결제하기</button>
<button type="submit" name="action" value="cancel" data-testid="cancel">취소</button>
</form></body></html>"""

CARD_INPUTS = """<label for="cardNo">카드번호 (card number)</label>
<input id="cardNo" name="cardNo" data-testid="card-number" value="5361-4812-3456-1234" autocomplete="off">
<label for="cardQuota">할부 (installment)</label>
<select id="cardQuota" name="cardQuota" data-testid="card-quota">%(quotas)s</select>"""
VBANK_INPUTS = """<label for="bank">입금 은행 (bank)</label>
<select id="bank" name="bank" data-testid="vbank-bank"><option value="004">국민은행</option></select>"""

RETURN = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>NICEPAY</title></head><body>
<p data-testid="nice-return" data-code="%(code)s">%(message)s</p>
<form method="post" action="%(action)s" id="return-form" data-testid="return-form" accept-charset="utf-8">%(fields)s
<noscript><button type="submit">계속 (continue)</button></noscript></form>
<script>document.getElementById("return-form").submit();</script></body></html>"""


def _return_page(return_url: str, fields: dict[str, str]) -> HTMLResponse:
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in fields.items())
    return HTMLResponse(RETURN % {"code": html.escape(fields.get("authResultCode", "")),
                                  "message": html.escape(fields.get("authResultMsg", "")),
                                  "action": html.escape(return_url), "fields": inputs})


def _refused(fields: dict[str, Any], failure: core.NiceFail) -> Response:
    """A refusal in the window goes back to ``returnUrl`` with NICE's code (no tid, no signature)."""
    return_url = str(fields.get("returnUrl") or "")
    if not return_url.startswith(("http://", "https://")):
        return HTMLResponse(f"<p data-testid='nice-error' data-code='{failure.code}'>{html.escape(failure.message)}</p>",
                            status_code=400)
    return _return_page(return_url, {"authResultCode": failure.code, "authResultMsg": failure.message,
                                     "clientId": str(fields.get("clientId") or ""), "orderId": str(fields.get("orderId") or ""),
                                     "amount": str(fields.get("amount") or ""), "mallReserved": str(fields.get("mallReserved") or "")})


async def sdk(request: Request) -> Response:
    """``GET /v1/js/``: the stand-in of NICE's JS SDK."""
    base = core.emulator_of(request).base_url(request)
    return Response(SDK % {"base": json.dumps(base)}, media_type="application/javascript")


async def page(request: Request) -> Response:
    """``POST /v1/pay/window``: the window ``AUTHNICE.requestPay`` opens."""
    emu = core.emulator_of(request)
    fields = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    with emu.state.lock:
        try:
            merchant, fields = core.open_window(emu, fields)
        except core.NiceFail as failure:
            return _refused(fields, failure)
        import secrets

        token = secrets.token_urlsafe(16)
        emu.state.windows[token] = {**fields, "_mobile": "Mobile" in request.headers.get("user-agent", "")}
    amount = int(fields["amount"])
    if fields["method"] == "card":
        quotas = ['<option value="0">일시불</option>'] + [
            f'<option value="{m}">{m}개월</option>' for m in (2, 3, 6, 12)]
        inputs = CARD_INPUTS % {"quotas": "".join(quotas)}
    else:
        inputs = VBANK_INPUTS
    return HTMLResponse(PAGE % {
        "method": html.escape(fields["method"]), "order_id": html.escape(fields["orderId"]),
        "merchant": html.escape(merchant.name), "goods": html.escape(fields["goodsName"]), "amount": amount,
        "amount_text": f"{amount:,}", "action": html.escape(f"{emu.base_url(request)}/v1/pay/auth"),
        "token": token, "inputs": inputs,
    })


async def submit(request: Request) -> Response:
    """``POST /v1/pay/auth`` (``action`` pay/cancel): the authentication result, POSTed to ``returnUrl``."""
    emu = core.emulator_of(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    with emu.state.lock:
        fields = emu.state.windows.pop(form.get("token", ""), None)
        if fields is None:
            return HTMLResponse("<p data-testid='nice-error' data-code='A210'>인증 요청내역이 존재하지 않습니다</p>", status_code=404)
        merchant = emu.config.merchants[str(fields["clientId"])]
        if form.get("action") != "pay":
            emu.state.record("buyer_cancel", emu.now(), orderId=fields["orderId"], amount=0)
            return _refused(fields, core.NiceFail(codes.USER_CANCEL, "사용자가 결제를 취소하였습니다"))
        try:
            quota = int(form.get("cardQuota") or 0)
            returned = core.authenticate(emu, merchant, fields, form.get("cardNo", ""), quota, bool(fields.get("_mobile")))
        except (core.NiceFail, ValueError) as failure:
            refusal = failure if isinstance(failure, core.NiceFail) else core.NiceFail(core.DATA_FORMAT)
            return _refused(fields, refusal)
    return _return_page(str(fields["returnUrl"]), returned)

"""Mobilians' phone payment window (``/MUP/api/payment.mcash?tid=…``): carrier, phone number, the SMS
code, then the result POSTed to ``ok_url`` (``fail_url`` for a failure when set) as an auto-submitting
EUC-KR form [MOB-MCP auth-response.md]. "취소" sends the browser to ``close_url``.

The emulator shows the SMS code on the page itself (``data-testid="sms-code-value"``): no SMS is sent.
"""

from __future__ import annotations

import html
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from paymux.connectors.mobilians import codes, protocol
from paymux.connectors.mobilians.emulator import api
from paymux.connectors.mobilians.emulator.core import AT_AUTHENTICATION, Emulator, digits, emulator_of, suffix_code
from paymux.connectors.mobilians.emulator.state import BillKey, Registration

STYLE = ("body{font-family:sans-serif;background:#f4f5f7;margin:0}.w{max-width:390px;margin:0 auto;background:#fff;"
         "min-height:100vh;padding:20px}h1{font-size:18px;color:#e6007e}label{display:block;margin:10px 0 4px}"
         "input,select{width:100%;padding:8px;box-sizing:border-box}button{margin-top:14px;padding:10px;width:49%}"
         ".err{color:#c00}.banner{background:#fffbe6;border:1px solid #e6c200;padding:6px;font-size:12px}")


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang=ko><meta charset=utf-8><title>MOBILPAY 휴대폰결제</title>"
                        f"<style>{STYLE}</style><body><div class=w>{body}</div></body></html>", status_code=status)


def error_page(code: str, message: str) -> HTMLResponse:
    return _page(f'<div data-testid="window-error-page"><h1>결제 오류</h1><p data-testid="error-code">{html.escape(code)}</p>'
                 f'<p data-testid="error-message">{html.escape(message)}</p></div>', 400)


def _open(emu: Emulator, tid: str) -> Registration | HTMLResponse:
    registration = emu.state.registrations.get(tid)
    if registration is None:
        return error_page(codes.BAD_PARAMETER, "유효하지 않은 parameter (tid)")
    if registration.used or registration.pay_token:
        return error_page(codes.DUPLICATE_PAYMENT, codes.message(codes.DUPLICATE_PAYMENT))
    stamp = protocol.parse_time_stamp(registration.time_stamp)
    if registration.time_stamp != "99999999999999" and (stamp is None or emu.now() > stamp + protocol.WINDOW_VALID_SECONDS):
        return error_page(codes.BAD_PARAMETER, "결제 유효시간(time_stamp + 10분)이 지났습니다 (the window expired)")
    return registration


def _window(base: str, registration: Registration, *, phone: str = "", carrier: str = "SKT", sms_code: str = "", error: str = "") -> HTMLResponse:
    esc = html.escape
    options = "".join(f'<option value="{c}"{" selected" if c == carrier else ""}>{esc(n)}</option>' for c, n in codes.CARRIERS.items())
    code_step = ""
    if registration.sms_code:
        code_step = (f'<p>인증번호 (emulator: no SMS is sent) <b data-testid="sms-code-value">{esc(registration.sms_code)}</b></p>'
                     f'<label>인증번호<input name="sms_code" data-testid="sms-code" inputmode="numeric" value="{esc(sms_code)}"></label>'
                     f'<button name="confirm" value="1" data-testid="approve" formaction="{esc(base)}/MUP/api/payment.mcash/confirm">'
                     f'{"등록하기" if registration.auto_pay else "결제하기"}</button>')
    mode = "billing" if registration.auto_pay else "pay"
    note = '<p data-testid="billing-note">자동결제 등록: 매월 같은 날 같은 금액으로 결제됩니다 (nothing is charged now)</p>' if registration.auto_pay else ""
    body = (
        f'<div data-testid="mobilians-window" data-mode="{mode}"><div class=banner data-testid="emulator-banner">'
        f'paymux KG Mobilians emulator — not Mobilians; no money moves</div><h1>휴대폰 결제</h1>'
        f'<p data-testid="order-name">{esc(registration.product_name)}</p>'
        f'<p data-testid="order-amount" data-amount="{registration.amount}">{registration.amount:,}원</p>{note}'
        + (f'<p class=err data-testid="window-error">{esc(error)}</p>' if error else "")
        + f'<form method=post action="{esc(base)}/MUP/api/payment.mcash/sms" data-testid="window-form">'
        f'<input type=hidden name=tid value="{esc(registration.tid)}">'
        f'<label>통신사<select name=carrier data-testid="carrier">{options}</select></label>'
        f'<label>휴대폰 번호<input name=phone data-testid="phone" inputmode="numeric" value="{esc(phone or registration.phone)}"></label>'
        f'<button name="send" value="1" data-testid="send-code">인증번호 받기</button>'
        f'<button name="cancel" value="1" data-testid="cancel" formaction="{esc(base)}/MUP/api/payment.mcash/close">취소</button>{code_step}</form></div>'
    )
    return _page(body)


def _handoff(url: str, fields: dict[str, Any]) -> HTMLResponse:
    inputs = "".join(f'<input type=hidden name="{html.escape(k)}" value="{html.escape(str(v))}">' for k, v in fields.items())
    return _page(f'<form method=post action="{html.escape(url)}" accept-charset="euc-kr" data-testid="return-form" id=r>{inputs}'
                 f'<button data-testid="return-continue">계속</button></form><script>document.getElementById("r").submit()</script>')


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def window(request: Request) -> Response:
    """``GET|POST /MUP/api/payment.mcash?tid=…`` [MOB-MCP payment-window.md]."""
    emu = emulator_of(request)
    tid = request.query_params.get("tid") or (await _form(request)).get("tid", "")
    with emu.state.lock:
        found = _open(emu, tid)
        return found if isinstance(found, HTMLResponse) else _window(emu.base_url(request), found)


async def send_code(request: Request) -> Response:
    emu, form = emulator_of(request), await _form(request)
    phone, carrier = "".join(ch for ch in form.get("phone", "") if ch.isdigit()), form.get("carrier", "")
    with emu.state.lock:
        found = _open(emu, form.get("tid", ""))
        if isinstance(found, HTMLResponse):
            return found
        if carrier not in codes.CARRIERS or not (phone.startswith("01") and len(phone) in (10, 11)):
            return _window(emu.base_url(request), found, phone=phone, carrier=carrier,
                           error="휴대폰 번호와 통신사를 확인하세요 (check the phone number and carrier)")
        found.sms_code, found.authenticated_phone = digits(6), phone
        return _window(emu.base_url(request), found, phone=phone, carrier=carrier)


async def confirm(request: Request) -> Response:
    emu, form = emulator_of(request), await _form(request)
    with emu.state.lock:
        found = _open(emu, form.get("tid", ""))
        if isinstance(found, HTMLResponse):
            return found
        phone = "".join(ch for ch in form.get("phone", "") if ch.isdigit())
        if not found.sms_code or phone != found.authenticated_phone or form.get("sms_code", "").strip() != found.sms_code:
            return _window(emu.base_url(request), found, phone=phone, carrier=form.get("carrier", ""), sms_code=form.get("sms_code", ""),
                           error=codes.refusal(codes.WRONG_OTP))
        return _authenticated(emu, found, phone)


def _authenticated(emu: Emulator, registration: Registration, phone: str) -> HTMLResponse:
    skey = emu.skey(registration.sid) or ""
    base = {"sid": registration.sid, "tid": registration.tid, "trade_id": registration.trade_id,
            "cash_code": protocol.CASH_PHONE, "amount": str(registration.amount), "mstr": ""}
    if (refused := suffix_code(AT_AUTHENTICATION, phone)) is not None:
        registration.used = True
        emu.state.record("auth_refused", emu.now(), sid=registration.sid, trade_id=registration.trade_id, amount=0, code=refused)
        return _handoff(registration.fail_url or registration.ok_url, {"code": refused, "message": codes.message(refused), **base})
    registration.pay_token, registration.mc_user_key = api.pay_token(), "MU" + digits(13)
    fields: dict[str, Any] = {"code": codes.OK, "message": codes.message(codes.OK), **base, "pay_token": registration.pay_token,
                              "mc_user_key": registration.mc_user_key,
                              "hmac": protocol.result_hmac(skey, registration.amount, registration.ok_url, registration.trade_id,
                                                           registration.time_stamp)}
    if registration.auto_pay:
        key = BillKey("MB" + secrets.token_hex(16), registration.sid, registration.mc_user_key, phone, int(emu.now()))
        emu.state.bill_keys[key.bill_key] = key
        emu.state.record("bill_key", emu.now(), sid=registration.sid, trade_id=registration.trade_id, amount=0)
        fields["mc_bill_key"] = key.bill_key
    emu.state.record("authentication", emu.now(), sid=registration.sid, trade_id=registration.trade_id, amount=0)
    if not registration.hybrid and not registration.auto_pay:  # 일반결제: the window approves too
        reply, _slow = api._approve_tid(emu, {"sid": registration.sid, "tid": registration.tid, "pay_token": registration.pay_token,
                                              "amount": str(registration.amount), "mc_user_key": registration.mc_user_key})
        fields = {**fields, **reply}
    return _handoff(registration.ok_url, fields)


async def close(request: Request) -> Response:
    emu, form = emulator_of(request), await _form(request)
    with emu.state.lock:
        registration = emu.state.registrations.get(form.get("tid", ""))
        if registration is None:
            return error_page(codes.BAD_PARAMETER, "유효하지 않은 parameter (tid)")
        registration.used = True
        emu.state.record("closed", emu.now(), sid=registration.sid, trade_id=registration.trade_id, amount=0)
        target = registration.close_url
    if not target:
        return _page('<p data-testid="window-closed">결제가 취소되었습니다</p><script>window.close()</script>')
    return RedirectResponse(target, status_code=303)

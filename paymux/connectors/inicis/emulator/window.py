"""INICIS's payment windows: the web-standard window (``/stdjs/INIStdPay.js`` → ``/payMain/pay``) and the
mobile window (``/smart/payment/``). Both render one server-side page (``templates/window.html``) and,
once the buyer's details are well-formed, hand the authentication result back to the merchant with an
auto-submitting form. Nothing is charged here: approval is the merchant server's call.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from paymux.connectors.inicis import codes, protocol
from paymux.connectors.inicis.emulator import scenarios
from paymux.connectors.inicis.emulator.core import Emulator, duplicate_order, emulator_of, vbank_due
from paymux.connectors.inicis.emulator.state import Authentication, WindowSession

METHODS = ("Card", "DirectBank", "VBank", "HPP")
METHOD_LABELS = {"Card": "신용카드 (card)", "DirectBank": "계좌이체 (transfer)", "VBank": "가상계좌 (virtual account)",
                 "HPP": "휴대폰 (phone)"}
CARRIERS = (("SKT", "SKT"), ("KTF", "KT"), ("LGT", "LG U+"), ("MVNO", "알뜰폰 (MVNO)"))
_VBANK_OPTION = re.compile(r"^vbank\((\d{8}(?:\d{4})?)\)$", re.IGNORECASE)
FIELD_ERRORS = {
    "card_number": "카드번호를 확인해 주세요 (check the card number: 14-16 digits)",
    "card_expiry": "유효기간을 MM/YY로 입력해 주세요 (expiry as MM/YY)",
    "card_birth": "생년월일 6자리 또는 사업자번호 10자리 (birth YYMMDD or 10-digit business number)",
    "card_password": "비밀번호 앞 2자리를 입력해 주세요 (first 2 PIN digits)",
    "installment": "선택할 수 없는 할부개월입니다 (installment not offered)",
    "bank": "은행을 선택해 주세요 (choose a bank)",
    "phone": "휴대폰 번호를 확인해 주세요 (check the phone number)",
    "phone_code": "인증번호가 일치하지 않습니다 (wrong SMS code)",
}


def error_page(emu: Emulator, code: str, text: str | None = None, status: int = 400) -> HTMLResponse:
    """INICIS's refusal before (or instead of) a window: a page, no window, nothing to return."""
    return HTMLResponse(emu.render("error.html", code=code, message=text or codes.message(code)), status_code=status)


def render_window(
    emu: Emulator, request: Request, session: WindowSession, errors: dict[str, str] | None = None
) -> HTMLResponse:
    """The window page; its form posts to the emulator's own base URL, so it also works mounted
    under a path (``paymux demo`` serves it at ``/pg-emulator/inicis``)."""
    due = vbank_due(emu.now(), session.vbank_due)
    html = emu.render(
        "window.html",
        session=session,
        method=session.method,
        method_labels=[(name, METHOD_LABELS[name]) for name in session.methods],
        price_text=f"{session.price:,}",
        quotas=list(session.quotabase) if session.price >= scenarios.INSTALLMENT_MIN else [],
        banks=sorted(codes.INICIS_BANK_NAMES.items()),
        carriers=CARRIERS,
        errors=errors or {},
        submit_url=emu.base_url(request) + ("/payMain/submit" if session.channel == "std" else "/smart/submit"),
        vbank_due_text=f"{due[:4]}-{due[4:6]}-{due[6:8]} {due[8:10]}:{due[10:12]}",
    )
    return HTMLResponse(html)


def autosubmit(emu: Emulator, action: str, fields: list[tuple[str, str]], charset: str, note: str) -> HTMLResponse:
    """The page that POSTs the result to the merchant (``accept-charset`` as INICIS sends it)."""
    label = "EUC-KR" if charset == protocol.EUC_KR else "UTF-8"
    return HTMLResponse(emu.render("autosubmit.html", action=action, fields=fields, charset=label, note=note))


async def std_script(request: Request) -> Response:
    """``GET /stdjs/INIStdPay.js``."""
    emu = emulator_of(request)
    body = emu.render("INIStdPay.js", base=emu.base_url(request))
    return Response(body, media_type="application/javascript; charset=utf-8")


def _quotabase(text: str) -> tuple[int, ...]:
    months = sorted({int(part) for part in re.split(r"[:,]", text) if part.isdigit() and 2 <= int(part) <= 12})
    return tuple(months)


def _common_refusal(
    emu: Emulator, mid: str, oid: str, price: int, methods: tuple[str, ...], below1000: bool
) -> tuple[str | None, tuple[str, ...]]:
    """Amount and duplicate-order rules shared by both windows; returns (refusal, methods left)."""
    if price < 100:
        return codes.UNDER_100, methods
    if price < 1000 and not below1000 and "Card" in methods:
        methods = tuple(name for name in methods if name != "Card")
        if not methods:
            return codes.UNDER_1000, methods
    if duplicate_order(emu, mid, oid):
        return codes.DUPLICATE_ORDER, methods
    return None, methods


async def std_pay(request: Request) -> Response:
    """``POST /payMain/pay``: check the merchant's signed form, then show the window."""
    emu = emulator_of(request)
    form = protocol.decode_form(await request.body())
    mid, oid, price_text, stamp = (form.get(name, "") for name in ("mid", "oid", "price", "timestamp"))
    merchant = emu.merchant(mid)
    if merchant is None:
        return error_page(emu, codes.REQUEST_INVALID, f"등록되지 않은 상점아이디입니다 (unknown mid {mid!r})")
    if not oid or not form.get("returnUrl", "").startswith(("http://", "https://")):
        return error_page(emu, codes.REQUEST_INVALID, "oid와 returnUrl은 필수입니다 (oid and returnUrl are required)")
    if not price_text.isdigit():
        return error_page(emu, codes.REQUEST_INVALID, "price는 숫자만 가능합니다 (price must be digits only)")
    if not (stamp.isdigit() and len(stamp) == 13) or abs(int(stamp) / 1000 - emu.now()) > 86_400:
        return error_page(emu, codes.REQUEST_INVALID, "timestamp 오류 (timestamp must be current epoch milliseconds)")
    keys = merchant.keys
    if form.get("signature") != protocol.std_signature(oid, price_text, stamp):
        return error_page(emu, codes.SIGNATURE_MISMATCH)
    if form.get("mKey") != protocol.mkey(keys.sign_key):
        return error_page(emu, codes.SIGNATURE_MISMATCH, "mKey 검증 실패 (mKey is not sha256 of this MID's signKey)")
    verification = protocol.std_verification(oid, price_text, keys.sign_key, stamp)
    if form.get("use_chkfake") == "Y" and form.get("verification") != verification:
        return error_page(emu, codes.SIGNATURE_MISMATCH, "verification 검증 실패 (verification mismatch: amount tampered?)")
    options = [part for part in form.get("acceptmethod", "").split(":") if part]
    billing = "BILLAUTH(Card)" in options
    requested = [name for name in form.get("gopaymethod", "").split(":") if name]
    methods = ("Card",) if billing else (tuple(n for n in requested if n in METHODS) if requested else METHODS)
    if not methods:
        return error_page(emu, codes.REQUEST_INVALID, "지원하지 않는 결제수단입니다 (gopaymethod offers nothing this window has)")
    price, below1000 = int(price_text), "below1000" in options
    due = next((match.group(1) for part in options if (match := _VBANK_OPTION.match(part))), "")
    with emu.state.lock:
        if not billing:
            refusal, methods = _common_refusal(emu, mid, oid, price, methods, below1000)
            if refusal:
                return error_page(emu, refusal)
        session = WindowSession(
            id=scenarios.new_token(), channel="std", mid=mid, oid=oid, price=price, goodname=form.get("goodname", ""),
            buyername=form.get("buyername", ""), buyertel=form.get("buyertel", ""), buyeremail=form.get("buyeremail", ""),
            methods=methods, return_url=form["returnUrl"], close_url=form.get("closeUrl", ""),
            merchant_data=form.get("merchantData", ""), created_at=emu.now(), quotabase=_quotabase(form.get("quotabase", "")),
            billing=billing, below1000=below1000, vbank_due=due, center_cd="centerCd(Y)" in options,
            sms_code=scenarios.sms_code(), method=methods[0],
        )
        emu.state.sessions[session.id] = session
    return render_window(emu, request, session)


async def mobile_pay(request: Request) -> Response:
    """``POST /smart/payment/``: the mobile window request (EUC-KR form of P_ fields) [INI-M]."""
    emu = emulator_of(request)
    form = protocol.decode_form(await request.body())
    mid, oid, amount = form.get("P_MID", ""), form.get("P_OID", ""), form.get("P_AMT", "")
    if emu.merchant(mid) is None:
        return error_page(emu, codes.REQUEST_INVALID, f"등록되지 않은 상점아이디입니다 (unknown P_MID {mid!r})")
    if not amount:
        return error_page(emu, codes.MOBILE_AMOUNT_MISSING)
    if not amount.isdigit():
        return error_page(emu, codes.REQUEST_INVALID, "P_AMT는 숫자만 가능합니다 (P_AMT must be digits only)")
    method = codes.MOBILE_TO_STD.get(form.get("P_INI_PAYMENT", "").upper())
    if method is None:
        return error_page(emu, codes.REQUEST_INVALID, "P_INI_PAYMENT 오류 (CARD, BANK, VBANK or MOBILE)")
    if not oid or not form.get("P_NEXT_URL", "").startswith(("http://", "https://")):
        return error_page(emu, codes.REQUEST_INVALID, "P_OID와 P_NEXT_URL은 필수입니다 (P_OID and P_NEXT_URL are required)")
    if method == "VBank" and not form.get("P_NOTI_URL"):
        return error_page(emu, codes.REQUEST_INVALID, "가상계좌는 P_NOTI_URL이 필수입니다 (vbank needs P_NOTI_URL)")
    reserved = {part.partition("=")[0]: part.partition("=")[2] for part in form.get("P_RESERVED", "").split("&") if part}
    charset = "utf-8" if form.get("P_CHARSET", "").lower() in ("utf8", "utf-8") else protocol.EUC_KR
    with emu.state.lock:
        refusal, methods = _common_refusal(emu, mid, oid, int(amount), (method,), reserved.get("below1000") == "Y")
        if refusal:
            return error_page(emu, refusal)
        session = WindowSession(
            id=scenarios.new_token(), channel="mobile", mid=mid, oid=oid, price=int(amount), goodname=form.get("P_GOODS", ""),
            buyername=form.get("P_UNAME", ""), buyertel=form.get("P_MOBILE", ""), buyeremail=form.get("P_EMAIL", ""),
            methods=methods, return_url=form["P_NEXT_URL"], close_url="", merchant_data=form.get("P_NOTI", ""),
            created_at=emu.now(), quotabase=_quotabase(form.get("P_QUOTABASE", "")), below1000=reserved.get("below1000") == "Y",
            vbank_due=form.get("P_VBANK_DT", "") + form.get("P_VBANK_TM", ""), noti_url=form.get("P_NOTI_URL", ""),
            result_charset=charset, center_cd=reserved.get("centerCd") == "Y", sms_code=scenarios.sms_code(), method=method,
        )
        emu.state.sessions[session.id] = session
    return render_window(emu, request, session)


def _authenticate(emu: Emulator, session: WindowSession, form: dict[str, str]) -> tuple[dict[str, str], Authentication | None]:
    """Check what the buyer typed; the errors by field, or the authentication to hand back."""
    method, now = session.method, emu.now()
    token = scenarios.new_token() if session.channel == "std" else scenarios.new_tid("INIMX_AUTH", session.mid, now)
    auth = Authentication(token=token, session=session, method=method, issued_at=now)
    errors: dict[str, str] = {}
    if method == "Card":
        card, bad = scenarios.parse_card(
            form.get("card_number", ""), scenarios.window_expiry_to_yymm(form.get("card_expiry", "")),
            form.get("card_birth", ""), form.get("card_password", ""),
        )
        if bad is None and not form.get("card_password"):
            bad = "card_password"
        if bad:
            errors[bad] = FIELD_ERRORS[bad]
        auth.card = card
        quota_text = form.get("installment", "0") or "0"
        auth.quota = int(quota_text) if quota_text.isdigit() else -1
        offered = session.quotabase if session.price >= scenarios.INSTALLMENT_MIN else ()
        if auth.quota != 0 and (session.billing or auth.quota not in offered):
            errors["installment"] = FIELD_ERRORS["installment"]
    elif method in ("DirectBank", "VBank"):
        auth.bank_code = form.get("bank", "")
        if auth.bank_code not in codes.INICIS_BANK_NAMES:
            errors["bank"] = FIELD_ERRORS["bank"]
    else:
        auth.phone = form.get("phone", "").replace("-", "").strip()
        if not scenarios.valid_phone(auth.phone):
            errors["phone"] = FIELD_ERRORS["phone"]
        elif form.get("phone_code", "").strip() != session.sms_code:
            errors["phone_code"] = FIELD_ERRORS["phone_code"]
    return errors, (None if errors else auth)


def _result_fields(emu: Emulator, request: Request, auth: Authentication) -> list[tuple[str, str]]:
    session, base = auth.session, emu.base_url(request)
    if session.channel == "std":
        fields = [
            ("resultCode", codes.WINDOW_OK), ("resultMsg", "인증 성공 (authenticated)"), ("mid", session.mid),
            ("orderNumber", session.oid), ("authToken", auth.token), ("authUrl", base + "/api/payAuth"),
            ("netCancelUrl", base + "/api/netCancel"), ("charset", "UTF-8"), ("merchantData", session.merchant_data),
        ]
    else:
        fields = [
            ("P_STATUS", codes.API_OK), ("P_RMESG1", "인증 성공 (authenticated)"), ("P_TID", auth.token),
            ("P_REQ_URL", base + "/smart/payReq.ini"), ("P_NOTI", session.merchant_data), ("P_AMT", str(session.price)),
        ]
    if session.center_cd:
        fields.append(("idc_name", "stg"))
    return fields


async def submit(request: Request) -> Response:
    """``POST /payMain/submit`` and ``/smart/submit``: the buyer's click in the window."""
    emu = emulator_of(request)
    form = protocol.decode_form(await request.body())
    with emu.state.lock:
        session = emu.state.sessions.get(form.get("session", ""))
    if session is None:
        return error_page(emu, codes.REQUEST_INVALID, "결제창 정보가 없습니다 (no such window)", status=404)
    if emu.now() - session.created_at > emu.config.window_ttl_seconds:
        return error_page(emu, codes.AUTH_TOKEN_EXPIRED, "결제창 유효시간이 지났습니다 (the window expired)")
    if "cancel" in form:
        return _close(emu, session)
    if "choose" in form:
        with emu.state.lock:
            if form["choose"] in session.methods:
                session.method = form["choose"]
        return render_window(emu, request, session)
    errors, auth = _authenticate(emu, session, form)
    if auth is None:
        return render_window(emu, request, session, errors)
    with emu.state.lock:
        emu.state.auths[auth.token] = auth
        emu.state.sessions.pop(session.id, None)
    charset = "utf-8" if session.channel == "std" else session.result_charset
    return autosubmit(emu, session.return_url, _result_fields(emu, request, auth), charset, "인증 완료 (authenticated)")


def _close(emu: Emulator, session: WindowSession) -> Response:
    """"취소": the web-standard window loads ``closeUrl`` (GET, as INICIS's close page does); the mobile
    window posts ``P_STATUS=01`` to ``P_NEXT_URL`` (paymux's reading of INICIS's cancel result)."""
    with emu.state.lock:
        emu.state.sessions.pop(session.id, None)
    if session.channel == "std":
        if session.close_url:
            return RedirectResponse(session.close_url, status_code=303)
        return error_page(emu, "CLOSED", "결제창을 닫았습니다 (window closed)", status=200)
    fields = [("P_STATUS", codes.MOBILE_FAILED), ("P_RMESG1", "사용자가 결제를 취소하였습니다 (cancelled by the buyer)"),
              ("P_TID", ""), ("P_NOTI", session.merchant_data), ("P_AMT", str(session.price))]
    return autosubmit(emu, session.return_url, fields, session.result_charset, "취소 (cancelled)")

"""Server-side approval of what a window authenticated, and its net cancel.

Web standard: ``POST /api/payAuth`` and ``/api/netCancel`` (form in, JSON out — the emulator answers JSON
whatever ``format`` says; INICIS also offers XML and NVP) [INI-STD-ADD], [INICISJS].
Mobile: ``POST /smart/payReq.ini`` and ``/smart/payNetCancel.ini`` (form in, ``key=value&…`` text out) [INI-M].
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paymux.connectors.inicis import codes, protocol
from paymux.connectors.inicis.emulator.core import (
    ChargeOutcome,
    Emulator,
    approve_authentication,
    cancel_whole,
    emulator_of,
)
from paymux.connectors.inicis.emulator.state import Authentication, Payment
from paymux.connectors.inicis.protocol import kst


def _refusal(code: str, **extra: str) -> dict[str, Any]:
    return {"resultCode": code, "resultMsg": codes.message(code), **extra}


def _check_std(emu: Emulator, form: dict[str, str]) -> tuple[Authentication | None, dict[str, Any] | None]:
    """The checks payAuth and netCancel share: known MID, signature, known token of that MID."""
    mid, token, stamp = form.get("mid", ""), form.get("authToken", ""), form.get("timestamp", "")
    if emu.merchant(mid) is None or not token or not stamp:
        return None, _refusal(codes.REQUEST_INVALID)
    if form.get("signature") != protocol.auth_request_signature(token, stamp):
        return None, _refusal(codes.SIGNATURE_MISMATCH)
    auth = emu.state.auths.get(token)
    if auth is None or auth.session.channel != "std" or auth.session.mid != mid:
        return None, _refusal(codes.AUTH_TOKEN_INVALID)
    return auth, None


def _std_reply(emu: Emulator, auth: Authentication, outcome: ChargeOutcome, stamp: str) -> dict[str, Any]:
    session = auth.session
    if outcome.code != codes.WINDOW_OK:
        return _refusal(outcome.code, mid=session.mid, MOID=session.oid, TotPrice=str(session.price), payMethod=auth.method)
    payment, key = outcome.payment, outcome.billing_key
    moment = kst(payment.approved_at if payment else key.issued_at if key else emu.now())
    reply: dict[str, Any] = {
        "resultCode": codes.WINDOW_OK, "resultMsg": codes.message(codes.WINDOW_OK),
        "tid": payment.tid if payment else f"StdpayBILL{session.mid}{moment:%Y%m%d%H%M%S}000000",
        "mid": session.mid, "MOID": session.oid, "TotPrice": str(session.price), "goodName": session.goodname,
        "payMethod": auth.method, "applNum": payment.auth_no if payment else "", "applDate": f"{moment:%Y%m%d}",
        "applTime": f"{moment:%H%M%S}", "EventCode": "", "buyerName": session.buyername,
        "buyerTel": session.buyertel, "buyerEmail": session.buyeremail, "currency": "WON",
        "authSignature": protocol.auth_signature(session.mid, stamp, session.oid, session.price),
    }
    if auth.method == "Card" and auth.card is not None:
        card_code = payment.card_code if payment else key.card_code if key else ""
        reply.update({
            "CARD_Num": auth.card.masked, "CARD_Quota": f"{auth.quota:02d}", "CARD_Interest": "0",
            "CARD_Code": card_code, "CARD_BankCode": card_code,
            "CARD_CheckFlag": payment.check_flag if payment else key.check_flag if key else "0",
            "CARD_CorpFlag": "0", "CARD_PRTC_CODE": "1" if not payment or payment.partial_cancellable else "0",
        })
        if key is not None:
            reply["CARD_BillKey"] = key.key
    elif payment is not None and auth.method == "VBank":
        reply.update({
            "VACT_Num": payment.vacct_num, "VACT_BankCode": payment.bank_code,
            "vactBankName": codes.INICIS_BANK_NAMES.get(payment.bank_code, ""), "VACT_Name": payment.vacct_name,
            "VACT_InputName": session.buyername, "VACT_Date": payment.vacct_due[:8], "VACT_Time": payment.vacct_due[8:14],
        })
    elif payment is not None and auth.method == "DirectBank":
        reply.update({"ACCT_BankCode": payment.bank_code, "CSHR_ResultCode": "", "CSHR_Type": ""})
    elif payment is not None and auth.method == "HPP":
        reply.update({"HPP_Num": payment.phone, "HPP_Corp": ""})
    return reply


async def pay_auth(request: Request) -> Response:
    """``POST /api/payAuth``: approve once; the authToken is single-use and lives
    ``auth_token_ttl_seconds`` (10 min by default, paymux's choice); ``price`` must be the window's."""
    emu = emulator_of(request)
    form = protocol.decode_form(await request.body())
    with emu.state.lock:
        auth, refusal = _check_std(emu, form)
        if auth is None:
            assert refusal is not None
            return JSONResponse(refusal)
        if auth.used or auth.net_cancelled:
            return JSONResponse(_refusal(codes.AUTH_TOKEN_INVALID))
        if emu.now() - auth.issued_at > emu.config.auth_token_ttl_seconds:
            return JSONResponse(_refusal(codes.AUTH_TOKEN_EXPIRED))
        price = form.get("price", "")
        if price and price != str(auth.session.price):
            return JSONResponse(_refusal(codes.PRICE_MISMATCH))
        outcome = approve_authentication(emu, auth, codes.WINDOW_OK)
        reply = _std_reply(emu, auth, outcome, form["timestamp"])
    if outcome.slow:
        await asyncio.sleep(emu.config.slow_reply_seconds)
    return JSONResponse(reply)


def _net_cancel(emu: Emulator, auth: Authentication) -> str:
    """Cancel what ``auth`` approved; idempotent; a token never approved has nothing to cancel (success).
    Either way the token can no longer be approved."""
    auth.net_cancelled = True
    if auth.approved_tid and (payment := emu.state.payments.get(auth.approved_tid)) is not None:
        if payment.status not in ("cancelled", "vbank_cancelled"):
            cancel_whole(emu, payment, "net_cancel")
            return "망취소 완료 (net cancel applied)"
        return "이미 취소된 거래입니다 (already cancelled; nothing more to do)"
    if auth.billing_key and emu.state.billing_keys.pop(auth.billing_key, None) is not None:
        emu.state.record("billing_key_net_cancel", emu.now(), mid=auth.session.mid, amount=0, billKey=auth.billing_key)
        return "빌링키 발급 취소 (billing key withdrawn)"
    return "취소할 승인 거래가 없습니다 (no approval to cancel)"


async def net_cancel(request: Request) -> Response:
    """``POST /api/netCancel``: the approval request's fields; cancels the approval made with that token."""
    emu = emulator_of(request)
    form = protocol.decode_form(await request.body())
    with emu.state.lock:
        auth, refusal = _check_std(emu, form)
        if auth is None:
            assert refusal is not None
            return JSONResponse(refusal)
        text = _net_cancel(emu, auth)
    return JSONResponse({"resultCode": codes.WINDOW_OK, "resultMsg": text})


def _kv(items: list[tuple[str, str]], charset: str) -> Response:
    label = "EUC-KR" if charset == protocol.EUC_KR else "UTF-8"
    return Response(protocol.format_kv_reply(items, charset), media_type=f"text/plain; charset={label}")


def _mobile_failure(code: str, charset: str, tid: str = "") -> Response:
    return _kv([("P_STATUS", codes.MOBILE_FAILED), ("P_RMESG1", f"[{code}] {codes.message(code)}"), ("P_TID", tid)], charset)


def _mobile_items(auth: Authentication, payment: Payment) -> list[tuple[str, str]]:
    session = auth.session
    moment = kst(payment.approved_at)
    items = [
        ("P_STATUS", codes.API_OK), ("P_RMESG1", codes.message(codes.API_OK)), ("P_TID", payment.tid),
        ("P_TYPE", codes.STD_TO_MOBILE[payment.method]), ("P_AUTH_DT", f"{moment:%Y%m%d%H%M%S}"),
        ("P_AUTH_NO", payment.auth_no), ("P_MID", session.mid), ("P_OID", session.oid), ("P_AMT", str(session.price)),
        ("P_UNAME", session.buyername), ("P_NOTI", session.merchant_data), ("P_NEXT_URL", session.return_url),
        ("P_NOTEURL", session.noti_url),
    ]
    if payment.method == "Card":
        items += [
            ("P_CARD_NUM", payment.card_number), ("P_CARD_ISSUER_CODE", payment.card_code),
            ("P_CARD_PURCHASE_CODE", payment.card_code), ("P_CARD_PRTC_CODE", "1" if payment.partial_cancellable else "0"),
            ("P_CARD_INTEREST", "0"), ("P_CARD_CHECKFLAG", payment.check_flag), ("P_RMESG2", f"{payment.card_quota:02d}"),
            ("P_FN_CD1", payment.card_code), ("P_FN_NM", codes.INICIS_CARD_NAMES.get(payment.card_code, "")),
        ]
    elif payment.method == "VBank":
        items += [
            ("P_VACT_NUM", payment.vacct_num), ("P_VACT_BANK_CODE", payment.bank_code), ("P_VACT_NAME", payment.vacct_name),
            ("P_VACT_DATE", payment.vacct_due[:8]), ("P_VACT_TIME", payment.vacct_due[8:14]),
            ("P_FN_NM", codes.INICIS_BANK_NAMES.get(payment.bank_code, "")),
        ]
    elif payment.method == "DirectBank":
        items += [("P_FN_CD1", payment.bank_code), ("P_FN_NM", codes.INICIS_BANK_NAMES.get(payment.bank_code, ""))]
    else:
        items += [("P_HPP_CORP", ""), ("P_HPP_NUM", payment.phone)]
    return items


async def mobile_approve(request: Request) -> Response:
    """``POST /smart/payReq.ini`` (``P_MID``, ``P_TID``): approve and answer ``key=value&…`` text."""
    emu = emulator_of(request)
    form = protocol.decode_form(await request.body())
    mid, token = form.get("P_MID", ""), form.get("P_TID", "")
    with emu.state.lock:
        auth = emu.state.auths.get(token)
        charset = auth.session.result_charset if auth else protocol.EUC_KR
        if not mid or auth is None or auth.session.channel != "mobile" or auth.session.mid != mid:
            return _mobile_failure(codes.MOBILE_REQUEST_INVALID, charset, token)
        if auth.used or auth.net_cancelled:
            return _mobile_failure(codes.AUTH_TOKEN_INVALID, charset, token)
        if emu.now() - auth.issued_at > emu.config.auth_token_ttl_seconds:
            return _mobile_failure(codes.AUTH_TOKEN_EXPIRED, charset, token)
        outcome = approve_authentication(emu, auth, codes.API_OK)
        payment = outcome.payment
        if outcome.code == codes.API_OK and payment is not None:
            response = _kv(_mobile_items(auth, payment), charset)
        else:
            response = _mobile_failure(outcome.code, charset, token)
    if outcome.slow:
        await asyncio.sleep(emu.config.slow_reply_seconds)
    return response


async def mobile_net_cancel(request: Request) -> Response:
    """``POST /smart/payNetCancel.ini`` (``P_MID``, ``P_TID`` — the authentication P_TID or the approval
    tid —, ``P_AMT``, ``P_OID``). The reply format is not published: paymux answers like payReq.ini."""
    emu = emulator_of(request)
    form = protocol.decode_form(await request.body())
    mid, tid = form.get("P_MID", ""), form.get("P_TID", "")
    with emu.state.lock:
        auth = emu.state.auths.get(tid) or next(
            (a for a in emu.state.auths.values() if a.approved_tid == tid and a.session.channel == "mobile"), None
        )
        charset = auth.session.result_charset if auth else protocol.EUC_KR
        if auth is None or auth.session.mid != mid or auth.session.channel != "mobile":
            return _mobile_failure(codes.MOBILE_REQUEST_INVALID, charset, tid)
        if form.get("P_AMT") not in (None, "", str(auth.session.price)):
            return _mobile_failure(codes.PRICE_MISMATCH, charset, tid)
        text = _net_cancel(emu, auth)
    return _kv([("P_STATUS", codes.API_OK), ("P_RMESG1", text), ("P_TID", tid)], charset)

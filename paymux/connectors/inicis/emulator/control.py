"""The emulator-only surface, under ``/_emulator/``: the ledger, the outage and latency switches, and the
"buyer deposits into the virtual account" trigger that makes the emulator send INICIS's deposit notice.

Deposit notices: web-standard and INIAPI accounts get INICIS's ``NO_TID…`` EUC-KR form [INI-VBANK] at
``config.notice_url`` (INICIS configures this URL in its merchant console); mobile accounts get the
``P_STATUS=02`` form [INICISJS MobpayVbankNoti] at their ``P_NOTI_URL``. The receiver must answer exactly
``OK`` (no whitespace) [INI-VBANK], code index 6810816805; otherwise the emulator retries
``notice_attempts`` times with doubling backoff and reports every attempt in its answer.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paymux.connectors.inicis import codes, protocol
from paymux.connectors.inicis.emulator.core import Emulator, emulator_of
from paymux.connectors.inicis.emulator.state import Payment
from paymux.connectors.inicis.protocol import kst

_TRUE = {"1", "true", "on", "yes", "y"}


async def _params(request: Request) -> dict[str, Any]:
    """A control call's parameters: JSON object, form, or query string."""
    body = await request.body()
    if body.strip().startswith(b"{"):
        data = json.loads(body)
        return data if isinstance(data, dict) else {}
    params: dict[str, Any] = dict(request.query_params)
    params.update(protocol.decode_form(body))
    return params


async def transactions(request: Request) -> Response:
    """``GET /_emulator/transactions``: payments (with balances and cancels), the event ledger (every
    approval, cancel, key, deposit, decline with KRW ``amount``), billing keys (masked) and notices."""
    return JSONResponse(emulator_of(request).state.snapshot())


async def outage(request: Request) -> Response:
    """``POST /_emulator/outage`` (``on``: true/false): every PG path answers HTTP 500, nothing is applied."""
    emu, params = emulator_of(request), await _params(request)
    value = params.get("on", True)
    on = value if isinstance(value, bool) else str(value).lower() in _TRUE
    with emu.state.lock:
        emu.state.outage = on
    return JSONResponse({"outage": on})


async def latency(request: Request) -> Response:
    """``POST /_emulator/latency`` (``ms``): added to every server call from now on."""
    emu, params = emulator_of(request), await _params(request)
    try:
        ms = max(0, int(params.get("ms", 0)))
    except (TypeError, ValueError):
        return JSONResponse({"error": "ms must be an integer"}, status_code=400)
    with emu.state.lock:
        emu.state.latency_ms = ms
    return JSONResponse({"latency_ms": ms})


def _std_notice(payment: Payment, depositor: str, now: float) -> dict[str, str]:
    """INICIS's vbank deposit notice fields [INI-VBANK]; values INICIS does not publish (CD_DEAL, the
    sequence numbers, TYPE_MSG ``0200`` = deposit) are paymux's choice."""
    moment = kst(now)
    day, time_ = f"{moment:%Y%m%d}", f"{moment:%H%M%S}"
    return {
        "NO_TID": payment.tid, "NO_OID": payment.oid, "ID_MERCHANT": payment.mid, "CD_BANK": payment.bank_code,
        "CD_DEAL": payment.bank_code, "DT_TRANS": day, "TM_TRANS": time_, "NO_MSGSEQ": f"{int(now) % 10**10:010d}",
        "CD_JOINORG": "", "DT_TRANSBASE": day, "NO_TRANSEQ": f"{int(now) % 10**6:06d}", "TYPE_MSG": "0200",
        "CL_CLOSE": "0", "CL_KOR": "2", "NO_MSGMANAGE": "", "NO_VACCT": payment.vacct_num,
        "AMT_INPUT": str(payment.price), "AMT_CHECK": "0",
        "NM_INPUTBANK": codes.INICIS_BANK_NAMES.get(payment.bank_code, ""), "NM_INPUT": depositor,
        "DT_INPUTSTD": day, "DT_CALCULSTD": day, "FLG_CLOSE": "0",
    }


def _mobile_notice(payment: Payment, now: float) -> dict[str, str]:
    """The mobile vbank deposit notice (``P_STATUS=02``) [INICISJS MobpayVbankNoti]."""
    return {
        "P_STATUS": "02", "P_TID": payment.tid, "P_TYPE": "VBANK", "P_AUTH_DT": f"{kst(now):%Y%m%d%H%M%S}",
        "P_MID": payment.mid, "P_OID": payment.oid, "P_FN_CD1": payment.bank_code, "P_FN_CD2": "",
        "P_FN_NM": codes.INICIS_BANK_NAMES.get(payment.bank_code, ""), "P_AMT": str(payment.price),
        "P_UNAME": payment.buyer_name, "P_RMESG1": f"{payment.vacct_num}|{payment.vacct_due[:8]}", "P_RMESG2": "",
        "P_NOTI": payment.merchant_data, "P_AUTH_NO": "",
    }


async def deliver_notice(emu: Emulator, url: str, fields: dict[str, str]) -> dict[str, Any]:
    """POST the EUC-KR notice until the body is exactly ``OK``, at most ``notice_attempts`` times."""
    body = protocol.encode_form(fields, protocol.EUC_KR)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=EUC-KR"}
    attempts: list[dict[str, Any]] = []
    config = emu.config
    async with httpx.AsyncClient(timeout=config.notice_timeout_seconds) as http:
        for number in range(config.notice_attempts):
            try:
                answer = await http.post(url, content=body, headers=headers)
                attempts.append({"status": answer.status_code, "body": answer.content[:200].decode("utf-8", "replace")})
                if answer.status_code == 200 and answer.content == b"OK":
                    return {"url": url, "acknowledged": True, "attempts": attempts}
            except httpx.HTTPError as error:
                attempts.append({"status": None, "error": type(error).__name__})
            if number + 1 < config.notice_attempts:
                await asyncio.sleep(config.notice_backoff_seconds * 2**number)
    return {"url": url, "acknowledged": False, "attempts": attempts}


async def deposit(request: Request) -> Response:
    """``POST /_emulator/vbank/deposit`` (``tid``; optional ``amount`` — must equal the amount due —,
    ``depositor``, ``notice_url`` to override where the notice goes): the deposit is applied, then the
    notice is delivered; the answer reports both."""
    emu, params = emulator_of(request), await _params(request)
    now = emu.now()
    with emu.state.lock:
        payment = emu.state.payments.get(str(params.get("tid", "")))
        if payment is None or payment.method != "VBank":
            return JSONResponse({"error": "no virtual account with this tid"}, status_code=404)
        if payment.status != "vbank_waiting":
            return JSONResponse({"error": f"the account is {payment.status}, not waiting for a deposit"}, status_code=409)
        if f"{kst(now):%Y%m%d%H%M%S}" > payment.vacct_due:
            return JSONResponse({"error": "입금기한이 지났습니다 (the deposit deadline has passed)"}, status_code=409)
        amount = params.get("amount")
        if amount not in (None, "") and str(amount) != str(payment.price):
            return JSONResponse({"error": f"the amount due is {payment.price}"}, status_code=400)
        payment.status, payment.balance = "vbank_deposited", payment.price
        payment.depositor = str(params.get("depositor") or payment.depositor or "홍길동")
        emu.state.record("deposit", now, tid=payment.tid, mid=payment.mid, oid=payment.oid, amount=payment.price,
                         method="VBank")
        mobile = payment.notice_format == "mobile"
        fields = _mobile_notice(payment, now) if mobile else _std_notice(payment, payment.depositor, now)
        url = str(params.get("notice_url") or payment.notice_url or emu.config.notice_url or "")
    notice = await deliver_notice(emu, url, fields) if url else None
    if notice is not None:
        with emu.state.lock:
            emu.state.notices.append({"tid": payment.tid, "at": int(now), **notice})
    return JSONResponse({"tid": payment.tid, "deposited": True, "amount": payment.price, "notice": notice})

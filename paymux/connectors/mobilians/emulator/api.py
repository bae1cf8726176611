"""The server-to-server paths: ``/MUP/api/registration``, ``/MUP/api/approval`` (TID and MOBILID
``M002``) and ``/MUP/api/cancellation`` — JSON in, JSON out, HTTP 200 with ``code`` for every business
answer (Mobilians' examples show no other status)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paymux.connectors.mobilians import codes, protocol, rules
from paymux.connectors.mobilians.emulator.core import (
    AT_APPROVAL,
    SLOW_SUFFIX,
    Emulator,
    digits,
    emulator_of,
    new_tid,
    suffix_code,
    transaction_id,
)
from paymux.connectors.mobilians.emulator.state import Payment, Registration

SECRET_FIELDS = ("hmac", "bill_key", "mc_user_key", "pay_token")


def answer(code: str, message: str = "", **fields: Any) -> dict[str, Any]:
    return {"code": code, "message": message or codes.message(code), **fields}


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        data = json.loads(await request.body())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()


async def _reply(emu: Emulator, path: str, payload: dict[str, Any], *, slow: bool = False) -> Response:
    """Send ``payload``; after a committed decision that must look lost, hold it past the caller's timeout."""
    with emu.state.lock:
        dropped = emu.state.drop_replies.get(path, 0)
        if dropped:
            emu.state.drop_replies[path] = dropped - 1
    if slow or dropped:
        await asyncio.sleep(emu.config.slow_reply_seconds)
    return JSONResponse(payload)


def _log(emu: Emulator, path: str, body: dict[str, Any]) -> None:
    masked = {k: ("***" if k in SECRET_FIELDS else v) for k, v in body.items()}
    emu.state.requests.append({"path": path, "at": int(emu.now()), "body": masked})


async def registration(request: Request) -> Response:
    emu, body = emulator_of(request), await _body(request)
    if body is None:
        return JSONResponse(answer(codes.BAD_PARAMETER))
    with emu.state.lock:
        _log(emu, "registration", body)
        payload = _register(emu, request, body)
    return await _reply(emu, "registration", payload)


def _register(emu: Emulator, request: Request, body: dict[str, Any]) -> dict[str, Any]:
    sid, trade_id, ok_url = _text(body, "sid"), _text(body, "trade_id"), _text(body, "ok_url")
    skey = emu.skey(sid)
    if skey is None:
        return answer(codes.UNKNOWN_SERVICE)
    amount_field = body.get("amount")
    total = amount_field.get("total") if isinstance(amount_field, dict) else None
    options = given if isinstance(given := body.get("pay_options"), dict) else {}
    auto_pay = str(options.get("mc_auto_pay", "")).upper() == "Y"
    call_type = _text(body, "call_type") or "P"
    missing = [name for name in ("cash_code", "product_name", "trade_id", "site_url", "ok_url") if not _text(body, name)]
    if missing or not isinstance(total, int | str) or not str(total).isdigit():
        return answer(codes.BAD_PARAMETER, f"유효하지 않은 parameter ({', '.join(missing) or 'amount.total'})")
    if _text(body, "cash_code") != protocol.CASH_PHONE:
        return answer(codes.BAD_PARAMETER, "유효하지 않은 parameter (cash_code: this emulator speaks MC only)")
    if int(total) <= 0 and not auto_pay or len(trade_id) > 40 or len(_text(body, "site_url")) > 20:
        return answer(codes.BAD_PARAMETER, "유효하지 않은 parameter (amount.total / trade_id / site_url)")
    if any(len(_text(body, name)) > 128 for name in ("ok_url", "close_url", "fail_url", "noti_url")):
        return answer(codes.BAD_PARAMETER, "유효하지 않은 parameter (ok_url/close_url/fail_url/noti_url: 128자 이내)")
    if call_type in ("S", "I") and not _text(body, "close_url"):
        return answer(codes.BAD_PARAMETER, "유효하지 않은 parameter (close_url: required for call_type S/I)")
    stamp = _text(body, "time_stamp") or protocol.time_stamp(emu.now())
    if protocol.parse_time_stamp(stamp) is None and stamp != "99999999999999":
        return answer(codes.BAD_PARAMETER, "유효하지 않은 parameter (time_stamp)")
    if (sid, trade_id) in emu.state.payments:
        return answer(codes.DUPLICATE_TRADE_ID)
    tid = new_tid(emu.now())
    emu.state.registrations[tid] = Registration(
        tid=tid, sid=sid, trade_id=trade_id, amount=int(total), product_name=_text(body, "product_name"), ok_url=ok_url,
        close_url=_text(body, "close_url"), fail_url=_text(body, "fail_url"), time_stamp=stamp,
        hybrid=_text(body, "hybrid_pay").upper() == "Y", auto_pay=auto_pay, phone=str(options.get("mc_no", "")),
    )
    emu.state.record("registration", emu.now(), sid=sid, trade_id=trade_id, tid=tid, amount=0)
    base = emu.base_url(request)
    return answer(codes.OK, sid=sid, tid=tid, pay_url=f"{base}{protocol.PAYMENT_WINDOW}?tid={tid}",
                  qrcode_url=f"{base}/MUP/api/qr-code.mcash?tid={tid}",
                  hmac=protocol.result_hmac(skey, int(total), ok_url, trade_id, stamp), time_stamp=stamp)


async def approval(request: Request) -> Response:
    emu, body = emulator_of(request), await _body(request)
    if body is None:
        return JSONResponse(answer(codes.BAD_PARAMETER))
    with emu.state.lock:
        _log(emu, "approval", body)
        payload, slow = _approve_bill_key(emu, body) if _text(body, "mode") else _approve_tid(emu, body)
    return await _reply(emu, "approval", payload, slow=slow)


def _approve_tid(emu: Emulator, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """TID mode [MOB-MCP approval-tid.md]: the window's authentication becomes a payment, once."""
    sid, now = _text(body, "sid"), emu.now()
    skey = emu.skey(sid)
    registration = emu.state.registrations.get(_text(body, "tid"))
    if skey is None:
        return answer(codes.UNKNOWN_SERVICE), False
    if registration is None or registration.sid != sid or not registration.pay_token:
        return answer(codes.BAD_PARAMETER, "유효하지 않은 parameter (tid)"), False
    # mc_user_key: "Y" in the manual's table, absent from its example and sent only when present by
    # Mobilians' own test harness [MOB-MCP auto_test/server/app.ts]: checked when given.
    if _text(body, "pay_token") != registration.pay_token or _text(body, "mc_user_key") not in ("", registration.mc_user_key):
        return answer(codes.BAD_PARAMETER, "유효하지 않은 parameter (pay_token / mc_user_key)"), False
    if _text(body, "amount") != str(registration.amount):
        return answer(codes.BAD_PRICE), False
    if registration.used:
        return answer(codes.DUPLICATE_PAYMENT), False
    if (sid, registration.trade_id) in emu.state.payments:
        return answer(codes.DUPLICATE_TRADE_ID), False
    registration.used = True
    phone = registration.authenticated_phone
    if (refused := suffix_code(AT_APPROVAL, phone)) is not None:
        emu.state.record("decline", now, sid=sid, trade_id=registration.trade_id, amount=0, code=refused)
        return answer(refused), False
    payment = Payment(trade_id=registration.trade_id, sid=sid, pay_token=registration.pay_token, amount=registration.amount,
                      balance=registration.amount, phone=phone, approved_at=int(now),
                      transaction_id=transaction_id(now, "4"), kind="window")
    payment.reply = answer(
        codes.OK, sid=sid, sign_date=protocol.time_stamp(now), tid=registration.tid, trade_id=registration.trade_id,
        cash_code=protocol.CASH_PHONE, pay_token=registration.pay_token, product_name=registration.product_name,
        amount=str(registration.amount), phone_no=phone, mc_user_key=registration.mc_user_key,
        hmac=protocol.result_hmac(skey, registration.amount, registration.ok_url, registration.trade_id, registration.time_stamp),
        transaction_id=payment.transaction_id,
    )
    _commit(emu, payment)
    return payment.reply, phone.endswith(SLOW_SUFFIX)


def _approve_bill_key(emu: Emulator, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """MOBILID ``M002`` (자동결제) [MOB-MCP approval-mobilid.md], with the carrier's rule (``0060``):
    the first charge's amount, on its day of the month (month-end clamped). A request repeated with
    the same ``trade_id``, key and amount gets the first answer again (paymux's choice, unverified)."""
    sid, trade_id, now = _text(body, "sid"), _text(body, "trade_id"), emu.now()
    skey = emu.skey(sid)
    if skey is None:
        return answer(codes.UNKNOWN_SERVICE), False
    if _text(body, "mode") != "M002":
        return answer(codes.BAD_PARAMETER, "유효하지 않은 parameter (mode: this emulator approves M002 only)"), False
    missing = [n for n in ("cash_code", "site_url", "product_name", "amount", "trade_id", "bill_key", "mc_user_key") if not _text(body, n)]
    if missing or not _text(body, "amount").isdigit():
        return answer(codes.BAD_PARAMETER, f"유효하지 않은 parameter ({', '.join(missing) or 'amount'})"), False
    amount = int(_text(body, "amount"))
    key = emu.state.bill_keys.get(_text(body, "bill_key"))
    if key is None or key.sid != sid or key.mc_user_key != _text(body, "mc_user_key"):
        return answer(codes.NO_AUTO_PAYMENT), False
    earlier = emu.state.payments.get((sid, trade_id))
    if earlier is not None:
        if earlier.bill_key == key.bill_key and earlier.amount == amount:
            emu.state.record("replay", now, sid=sid, trade_id=trade_id, amount=0)
            return earlier.reply, False
        return answer(codes.DUPLICATE_TRADE_ID), False
    if key.first_amount and rules.billing_refusal(rules.FirstCharge(key.first_amount, key.first_day), amount, now):
        emu.state.record("decline", now, sid=sid, trade_id=trade_id, amount=0, code=codes.NO_AUTO_PAYMENT)
        return answer(codes.NO_AUTO_PAYMENT), False
    if (refused := suffix_code(AT_APPROVAL, key.phone)) is not None:
        emu.state.record("decline", now, sid=sid, trade_id=trade_id, amount=0, code=refused)
        return answer(refused), False
    mobil_id = new_tid(now)
    payment = Payment(trade_id=trade_id, sid=sid, pay_token=mobil_id, amount=amount, balance=amount, phone=key.phone,
                      approved_at=int(now), transaction_id=transaction_id(now, "6"), kind="billing", bill_key=key.bill_key)
    payment.reply = answer(
        codes.OK, sid=sid, sign_date=protocol.time_stamp(now), trade_id=trade_id, cash_code=protocol.CASH_PHONE,
        mobil_id=mobil_id, amount=str(amount), mc_bill_key=key.bill_key, mc_user_key=key.mc_user_key,
        hmac=protocol.hmac_b64(skey, f"{amount}{trade_id}"), transaction_id=payment.transaction_id,
    )
    if not key.first_amount:
        first = rules.first_charge(amount, now)
        key.first_amount, key.first_day = first.amount, first.day
    _commit(emu, payment)
    return payment.reply, key.phone.endswith(SLOW_SUFFIX)


def _commit(emu: Emulator, payment: Payment) -> None:
    emu.state.payments[(payment.sid, payment.trade_id)] = payment
    emu.state.record("approval", payment.approved_at, sid=payment.sid, trade_id=payment.trade_id, amount=payment.amount,
                     kind_of=payment.kind, transaction_id=payment.transaction_id)


async def cancellation(request: Request) -> Response:
    emu, body = emulator_of(request), await _body(request)
    if body is None:
        return JSONResponse(answer(codes.BAD_PARAMETER))
    with emu.state.lock:
        _log(emu, "cancellation", body)
        payload = _cancel(emu, body)
    return await _reply(emu, "cancellation", payload)


def _cancel(emu: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    """[MOB-MCP cancellation.md] with the phone rules: same KST month only (``0042``); a partial
    cancel's ``amount`` is the balance left after it; a full cancel's the original amount."""
    sid, trade_id, pay_token, amount_text = _text(body, "sid"), _text(body, "trade_id"), _text(body, "pay_token"), _text(body, "amount")
    skey, now = emu.skey(sid), emu.now()
    if skey is None:
        return answer(codes.UNKNOWN_SERVICE)
    missing = [n for n in ("trade_id", "cash_code", "pay_token", "amount", "cancel_type", "part_cancel", "hmac") if not _text(body, n)]
    if missing or not amount_text.isdigit() or _text(body, "cancel_type") != "C" or _text(body, "part_cancel") not in ("Y", "N"):
        return answer(codes.BAD_PARAMETER, f"유효하지 않은 parameter ({', '.join(missing) or 'amount/cancel_type/part_cancel'})")
    if not protocol.same(protocol.cancellation_hmac(skey, sid, trade_id, pay_token, amount_text), _text(body, "hmac")):
        return answer(codes.BAD_HMAC)
    payment = emu.state.payments.get((sid, trade_id))
    if payment is None or payment.pay_token != pay_token:
        return answer(codes.NO_SUCH_TRANSACTION)
    if payment.status == "cancelled":
        return answer(codes.ALREADY_CANCELLED)
    if rules.cancel_refusal(payment.approved_at, now) is not None:
        return answer(codes.CANCEL_PERIOD_PASSED)
    amount = int(amount_text)
    if _text(body, "part_cancel") == "N":
        if amount != payment.amount:
            return answer(codes.CANCEL_MISMATCH)
        returned, payment.balance, payment.status = payment.balance, 0, "cancelled"
    else:
        if amount == payment.balance:
            return answer(codes.ALREADY_CANCELLED, "이미 취소된 거래입니다 (the balance is already at that amount)")
        if not 0 <= amount < payment.balance:
            return answer(codes.CANCEL_MISMATCH)
        returned, payment.balance = payment.balance - amount, amount
        payment.status = "cancelled" if amount == 0 else payment.status
    cancel_id = transaction_id(now, "5")
    payment.cancels.append({"amount": returned, "at": int(now), "transaction_id": cancel_id})
    emu.state.record("cancel", now, sid=sid, trade_id=trade_id, amount=-returned, transaction_id=cancel_id)
    return answer(codes.OK, sid=sid, cash_code=_text(body, "cash_code"), pay_token=pay_token, amount=amount_text,
                  transaction_id=cancel_id)


def pay_token() -> str:
    return "19" + digits(17)  # 19 digits like the manual's 1904258548577654668

"""Payments (search, detail with cancel history, full/partial cancel, CSV) and billing keys."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from paymux.console.web import PREFIX, Console, ConsoleRoute, field_of, signed_in
from paymux.domain.banks import BANKS
from paymux.domain.errors import InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.payment import Cancellation, PaymentStatus
from paymux.services import billing as billing_service
from paymux.services import cancels as cancel_service
from paymux.services import payments as payment_service
from paymux.services import reports
from paymux.services import vbanks as vbank_service
from paymux.services.cancels import CancelRequest
from paymux.services.reports import TimelineEntry
from paymux.webhooks.outbox import resend_webhook

router = APIRouter(route_class=ConsoleRoute)
SignedIn = Annotated[Console, Depends(signed_in)]
FILTERS = ("status", "date_from", "date_to", "merchant_uid", "buyer")


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and 0 < len(text) < 7 else 1


def _scope_suffix(merchant: Merchant, console: Console, first: str = "?") -> str:
    return "" if merchant.id == console.own.id else f"{first}merchant={merchant.user_code}"


@router.get(PREFIX + "/payments")
async def payment_list(console: SignedIn) -> Response:
    params = console.request.query_params
    merchant = await console.scope(params.get("merchant"))
    values = {name: params.get(name, "") for name in FILTERS}
    page = _page_number(params.get("page"))
    try:
        wanted = reports.payment_filter(**values)
    except InvalidParameter as error:
        return console.render("payments.html", status=400, scope=merchant, values=values, statuses=list(PaymentStatus),
                              errors={field_of(error): console.error_text(error)}, found=None, page=1, pages=0)
    found = await reports.search_payments(console.runtime, merchant, wanted, page)
    pages = max(1, -(-found.total // reports.PAGE_SIZE))
    query = "&".join(f"{k}={v}" for k, v in values.items() if v) + _scope_suffix(merchant, console, "&")
    return console.render("payments.html", scope=merchant, values=values, statuses=list(PaymentStatus), errors={},
                          found=found, page=page, pages=pages, filter_query=query.lstrip("&"))


@router.get(PREFIX + "/payments.csv")
async def payment_csv(console: SignedIn) -> Response:
    params = console.request.query_params
    merchant = await console.scope(params.get("merchant"))
    try:
        wanted = reports.payment_filter(**{name: params.get(name, "") for name in FILTERS})
    except InvalidParameter as error:  # refused as the list page refuses it, never every payment instead
        return PlainTextResponse(console.error_text(error) + "\n", status_code=400, headers={"cache-control": "no-store"})

    async def lines() -> AsyncIterator[str]:
        yield "\ufeff"  # so spreadsheet programs read the Korean text as UTF-8
        async for row in reports.csv_rows(console.runtime, merchant, wanted):
            buffer = io.StringIO()
            csv.writer(buffer).writerow(row)
            yield buffer.getvalue()

    filename = f"payments-{merchant.user_code}.csv"
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"})


async def _detail(console: Console, merchant: Merchant, imp_uid: str, status: int = 200, **values: Any) -> Response:
    found = await reports.payment_support(console.runtime, merchant, imp_uid)
    support = replace(found, webhooks=console.webhook_events(found.webhooks), timeline=console.timeline(found.timeline))
    values.setdefault("errors", {})
    values.setdefault("values", {})
    if values["errors"]:
        values.setdefault("flash", {"text": console.t("flash.error.form"), "kind": "error", "key": "flash.error.form"})
    refunds = {c.cancellation_id: _refund_text(c) for c in support.payment.cancel_history if c.refund_account}
    support = replace(support, timeline=_with_refunds(support.timeline, support.payment.cancel_history))
    return console.render("payment.html", status=status, scope=merchant, payment=support.payment, support=support,
                          banks=list(BANKS.items()), refunds=refunds, scope_query=_scope_suffix(merchant, console), **values)


def mask_account(account: str) -> str:
    """A refund account as the console shows it: first 3 and last 4 digits (``110-***-6789``)."""
    digits = "".join(ch for ch in account if ch.isdigit())
    return f"{digits[:3]}-***-{digits[-4:]}" if len(digits) >= 7 else "***"


def _refund_text(cancel: Cancellation) -> str:
    bank = BANKS.get(cancel.refund_bank or "", cancel.refund_bank or "")
    return " · ".join(part for part in (bank, cancel.refund_holder or "", mask_account(cancel.refund_account or "")) if part)


def _with_refunds(timeline: list[TimelineEntry], cancels: list[Cancellation]) -> list[TimelineEntry]:
    """Each cancel's timeline entry with the refund account it went to (matched by time, amount, tid)."""
    waiting = [c for c in cancels if c.refund_account]
    entries = []
    for entry in timeline:
        match = next((c for c in waiting if entry.kind == "cancelled" and (c.cancelled_at, c.amount, c.pg_tid) == (
            entry.at, entry.detail.get("amount"), entry.detail.get("pg_tid"))), None)
        if match is not None:
            waiting.remove(match)
            entry = replace(entry, detail={**entry.detail, "refund": _refund_text(match)})
        entries.append(entry)
    return entries


def _refund_errors(console: Console, values: dict[str, str]) -> dict[str, str]:
    """The refund account's field errors (holder 1–40 chars, bank from the list, 6–20 digits with hyphens)."""
    errors = {}
    if not 1 <= len(values["refund_holder"]) <= 40:
        errors["refund_holder"] = console.t("payment.refund_holder_bad")
    if values["refund_bank"] not in BANKS:
        errors["refund_bank"] = console.t("payment.refund_bank_bad")
    account = values["refund_account"]
    digits = account.replace("-", "")
    if not (digits.isascii() and digits.isdigit() and 6 <= len(digits) <= 20) or "--" in account or account.strip("-") != account:
        errors["refund_account"] = console.t("payment.refund_account_bad")
    return errors


@router.get(PREFIX + "/payments/{imp_uid}")
async def payment_detail(imp_uid: str, console: SignedIn) -> Response:
    merchant = await console.scope(console.request.query_params.get("merchant"))
    return await _detail(console, merchant, imp_uid)


@router.post(PREFIX + "/payments/{imp_uid}/cancel")
async def payment_cancel(imp_uid: str, console: SignedIn) -> Response:
    form = await console.form()
    merchant = await console.scope(str(form.get("merchant", "")))
    payment = await payment_service.get_payment(console.runtime, merchant, imp_uid)  # 404 before anything else
    values = {name: str(form.get(name, "")).strip() for name in ("amount", "reason", "refund_holder", "refund_bank", "refund_account")}
    errors = _refund_errors(console, values) if payment.pay_method == "vbank" else {}
    if values["amount"] and not values["amount"].isdigit():
        errors["amount"] = console.t("payment.bad_amount")
    if errors:
        return await _detail(console, merchant, imp_uid, 400, values=values, errors=errors)
    request = CancelRequest(
        imp_uid=imp_uid, merchant_uid=None, amount=int(values["amount"]) if values["amount"] else None, tax_free=None,
        checksum=None, reason=values["reason"][:500] or "콘솔에서 취소",
        refund_holder=values["refund_holder"] or None, refund_bank=values["refund_bank"] or None,
        refund_account=values["refund_account"] or None,
    )
    try:
        await cancel_service.cancel_payment(console.runtime, merchant, request)
    except (InvalidParameter, Refused) as error:
        where = field_of(error, "amount") if isinstance(error, InvalidParameter) else "amount"
        return await _detail(console, merchant, imp_uid, 400, values=values, errors={where: console.error_text(error)})
    return console.redirect(f"{PREFIX}/payments/{imp_uid}{_scope_suffix(merchant, console)}", flash="flash.cancelled")


@router.post(PREFIX + "/payments/{imp_uid}/deposit")
async def payment_deposit(imp_uid: str, console: SignedIn) -> Response:
    form = await console.form()
    merchant = await console.scope(str(form.get("merchant", "")))
    await payment_service.get_payment(console.runtime, merchant, imp_uid)
    try:
        await vbank_service.deposit(console.runtime, merchant, imp_uid, None)
    except Refused as error:
        return await _detail(console, merchant, imp_uid, 400, errors={"deposit": console.error_text(error)})
    return console.redirect(f"{PREFIX}/payments/{imp_uid}{_scope_suffix(merchant, console)}", flash="flash.deposited")


@router.post(PREFIX + "/payments/{imp_uid}/webhooks/{event_id}/resend")
async def payment_webhook_resend(imp_uid: str, event_id: str, console: SignedIn) -> Response:
    """Queue one of this payment's webhooks again, due now (what ``paymux webhook resend`` does)."""
    form = await console.form()
    merchant = await console.scope(str(form.get("merchant", "")))
    support = await reports.payment_support(console.runtime, merchant, imp_uid)
    if not event_id.isdigit() or int(event_id) not in {event.id for event in support.webhooks}:
        raise NotFound("no such webhook of this payment")
    await resend_webhook(console.runtime, merchant.id, int(event_id))
    return console.redirect(f"{PREFIX}/payments/{imp_uid}{_scope_suffix(merchant, console)}", flash="flash.webhook_resent")


@router.get(PREFIX + "/billing-keys")
async def billing_keys(console: SignedIn) -> Response:
    merchant = await console.scope(console.request.query_params.get("merchant"))
    page = _page_number(console.request.query_params.get("page"))
    total, customers = await reports.list_billing_keys(console.runtime, merchant, page)
    return console.render("billing_keys.html", scope=merchant, total=total, customers=customers, page=page,
                          pages=max(1, -(-total // reports.PAGE_SIZE)))


@router.post(PREFIX + "/billing-keys/{customer_uid}/delete")
async def billing_key_delete(customer_uid: str, console: SignedIn) -> Response:
    form = await console.form()
    merchant = await console.scope(str(form.get("merchant", "")))
    await billing_service.delete_customer(console.runtime, merchant, customer_uid)
    return console.redirect(f"{PREFIX}/billing-keys{_scope_suffix(merchant, console)}", flash="flash.billing_key_deleted")

"""The PG's own payment window, for channels that speak a PG's real protocol (live, or an endpoint).

``IMP.request_pay`` opens paymux's window as for a sandbox channel (same checks, same ``ready``
payment, same ticket); instead of paymux's sandbox screens the window then hands the buyer to the
PG (``launch``: a signed form, or a redirect). The PG authenticates the buyer and sends them back
to ``/checkout/pg/return``, where :func:`finish` approves server-side through the journaled path:

1. the PG's answer is checked (``window_reference``) and the order claimed with the reference a lost
   answer needs (authentication token, net-cancel URL) — one transaction, before any approval call;
2. the approval call is made holding no connection (``finish_window``);
3. the outcome (paid, a billing key, a virtual account, or declined) and its webhook are recorded;
   if recording fails after the PG approved, the approval is net-cancelled. A crash in between leaves
   the claim charging with its reference, and the reconciler net-cancels (or inquires) it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import ChargeResult, Outcome, WindowOutcome, WindowStart
from paymux.domain.errors import Refused
from paymux.domain.payment import Payment
from paymux.observability.logs import get_logger
from paymux.observability.pg import PgCallSubject, observed
from paymux.services import billing, vbanks
from paymux.services import channels as channel_service
from paymux.services import merchants as merchant_service
from paymux.services.charging import (
    ALREADY_PAID,
    OrderClaimed,
    PaymentSettledMeanwhile,
    check_prepared_amount,
    record_attempt,
    record_outcome,
)
from paymux.services.checkout import (
    USER_CANCELLED,
    OpenWindow,
    WindowTicket,
    charges,
    fail_open,
    quota_choices,
    reopen,
    stored,
)
from paymux.services.pg_calls import guarded
from paymux.services.runtime import Runtime
from paymux.store import customers as customer_store
from paymux.store import payments as payment_store
from paymux.store import pg_window_tickets as ticket_store

log = get_logger("paymux.pg_window")


def window_start(runtime: Runtime, window: OpenWindow, now: int | None = None) -> WindowStart:
    """The window as the PG is asked to open it; rebuilt the same way on the buyer's return, with
    ``now`` (unix seconds) the time of the approval call (INICIS wants a fresh timestamp on it)."""
    base = runtime.settings.public_url
    ticket = quote(window.ticket, safe="")
    payment = window.payment
    request = billing.charge_request(payment, now if now is not None else payment.started_at)
    return WindowStart(
        request=request, pay_method=window.request.pay_method, mobile=window.display.value == "redirect",
        issues_billing_key=window.issues_billing_key, return_url=f"{base}/checkout/pg/return?ticket={ticket}",
        close_url=f"{base}/checkout/pg/close?ticket={ticket}", notice_url=f"{base}/pg/{payment.pg_provider}/notice",
        quota_months=tuple(quota_choices(window.request)),
        vbank_due=window.request.vbank_deadline(payment.started_at) if window.request.pay_method == "vbank" else 0,
        pg_tid=payment.pg_tid or "",
    )


async def launch(runtime: Runtime, window: OpenWindow) -> OpenWindow:
    """Attach the PG's launch (the form the window page submits) to an open window; a sandbox
    channel's window is returned as it is. Raises Refused when the PG refuses to open it."""
    connector = runtime.connectors.for_channel(window.channel)
    if not connector.has_pg_window:
        return window
    context = channel_service.channel_context(runtime, window.channel)
    start = window_start(runtime, window)
    if connector.return_url_limit and len(start.return_url) > connector.return_url_limit:
        start = await _short_urls(runtime, window, start)
    started = await guarded(
        runtime, lambda: connector.start_window(context, start),
        unknown=lambda reason: Refused(f"{connector.display_name} did not answer ({reason}); try again"),
        declined=Refused, about=PgCallSubject.of(connector, "start_window", window.payment),
    )
    if isinstance(started, Refused):
        await fail_open(runtime, window.payment, started.message)
        raise started
    if started.reference.get("pg_tid"):  # a PG that opened the window server-side (Kakao Pay ready's tid)
        await _keep_pg_tid(runtime, window.payment, started.reference["pg_tid"])
    return OpenWindow(**{**window.__dict__, "launch": started})


async def _short_urls(runtime: Runtime, window: OpenWindow, start: WindowStart) -> WindowStart:
    """The window's return and close URLs with a short stand-in for its ticket (``~{token}``)."""
    token = secrets.token_urlsafe(18)
    async with runtime.database.transaction() as connection:
        await ticket_store.save_ticket(connection, token, window.ticket, runtime.now())
    base = runtime.settings.public_url
    return replace(start, return_url=f"{base}/checkout/pg/return?ticket=~{token}",
                   close_url=f"{base}/checkout/pg/close?ticket=~{token}")


async def _full_ticket(runtime: Runtime, ticket_text: str) -> str:
    """The signed ticket behind a short stand-in; any other text is returned as it is."""
    if not ticket_text.startswith("~"):
        return ticket_text
    async with runtime.database.reading() as connection:
        return await ticket_store.ticket_for(connection, ticket_text[1:]) or ""


async def _keep_pg_tid(runtime: Runtime, payment: Payment, pg_tid: str) -> None:
    """Store the PG's transaction id on the open payment: the approval on the buyer's return needs it."""
    payment.pg_tid = pg_tid
    async with runtime.database.transaction() as connection:
        await payment_store.save_if_open(connection, payment)


async def close(runtime: Runtime, ticket_text: str) -> tuple[WindowTicket, Payment]:
    """The PG's close page (INICIS ``closeUrl``): the buyer closed the PG's window."""
    ticket, window, payment = await reopen(runtime, await _full_ticket(runtime, ticket_text))
    if window is None:
        return ticket, payment
    return ticket, await fail_open(runtime, payment, USER_CANCELLED)


async def finish(runtime: Runtime, ticket_text: str, returned: Mapping[str, str]) -> tuple[WindowTicket, Payment]:
    """The PG sent the buyer back: approve, record, and return the settled (or pending) payment."""
    ticket, window, payment = await reopen(runtime, await _full_ticket(runtime, ticket_text))
    if window is None:
        return ticket, payment
    connector = runtime.connectors.for_channel(window.channel)
    context = channel_service.channel_context(runtime, window.channel)
    start = window_start(runtime, window, runtime.now())
    if ticket_text.startswith("~"):  # the PG was given the short stand-in: it signs the URLs it was given (Mobilians ok_url)
        base = runtime.settings.public_url
        start = replace(start, return_url=f"{base}/checkout/pg/return?ticket={ticket_text}",
                        close_url=f"{base}/checkout/pg/close?ticket={ticket_text}")
    try:
        reference = connector.window_reference(context, start, returned)
        if charges(payment, window.issues_billing_key):
            await check_prepared_amount(runtime, payment.merchant_id, payment.merchant_uid, payment.amount)
        await record_attempt(runtime, payment, row_exists=True, pg_reference=reference)
    except OrderClaimed:  # authenticated at the PG but never approved: nothing was charged
        return ticket, await fail_open(runtime, payment, ALREADY_PAID.format(uid=payment.merchant_uid))
    except PaymentSettledMeanwhile:
        return ticket, await stored(runtime, payment)
    except Refused as refusal:
        return ticket, await fail_open(runtime, payment, refusal.message)
    outcome = await guarded(
        runtime, lambda: connector.finish_window(context, start, returned),
        unknown=lambda reason: WindowOutcome(ChargeResult.unknown(reason), reference=reference),
        declined=lambda reason: WindowOutcome(ChargeResult.declined(reason), reference=reference),
        about=PgCallSubject.of(connector, "finish_window", payment),
    )
    try:
        return ticket, await _record(runtime, window, payment, outcome)
    except Exception:
        if outcome.result.outcome is Outcome.APPROVED:
            log.exception("window.record_failed", imp_uid=payment.imp_uid, action="net-cancelling the approved payment")
            await observed(
                PgCallSubject.of(connector, "net_cancel", payment),
                lambda: connector.net_cancel(context, outcome.reference or reference, payment.amount, runtime.now()),
            )
        raise


async def _record(runtime: Runtime, window: OpenWindow, payment: Payment, outcome: WindowOutcome) -> Payment:
    result = outcome.result
    if outcome.vbank is not None and result.outcome is Outcome.APPROVED:
        return await vbanks.record_account(runtime, payment, outcome.vbank, outcome.vbank_due, row_exists=True)
    if outcome.billing_key is None or result.outcome is not Outcome.APPROVED:
        return await record_outcome(runtime, payment, result, payment_row_exists=True)
    merchant = await merchant_service.merchant_by_id(runtime, payment.merchant_id)
    customer_uid = window.request.customer_uid
    assert customer_uid is not None
    info = billing.CustomerInfo(payment.buyer_name, payment.buyer_tel, payment.buyer_email, payment.buyer_addr,
                                payment.buyer_postcode)
    customer = billing.customer_record(runtime, merchant, customer_uid, window.channel, outcome.billing_key, info)

    async def keep_billing_key(connection: AsyncConnection, _paid: Payment) -> None:
        await customer_store.save_customer(connection, customer)

    return await record_outcome(runtime, payment, result, keep_billing_key, payment_row_exists=True)

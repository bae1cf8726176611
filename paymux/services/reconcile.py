"""Settling charges whose outcome is unknown: a PG that timed out, or a crash mid-charge.

Works from the order-claims journal: every claim still ``charging`` past the grace period is an
attempt whose answer never got recorded.

paymux never guesses. It asks the PG about the order (inquiry) and records what the PG says, with
the webhook, exactly as if the answer had arrived in time.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import Outcome
from paymux.domain.payment import Payment
from paymux.services import channels as channel_service
from paymux.services.charging import OnApproved, call_pg, record_outcome
from paymux.services.runtime import Runtime
from paymux.store import claims as claim_store
from paymux.store import customers as customer_store
from paymux.store import merchants as merchant_store
from paymux.store.claims import JournaledAttempt

log = logging.getLogger("paymux.reconcile")


def _keeper(attempt: JournaledAttempt) -> OnApproved | None:
    """What the charge would have done on approval: keep the billing key it issued (onetime with
    ``customer_uid``)."""
    if attempt.keeps_customer is None:
        return None
    customer = customer_store.from_journal(attempt.keeps_customer)

    async def keep_billing_key(connection: AsyncConnection, _paid: Payment) -> None:
        await customer_store.save_customer(connection, customer)

    return keep_billing_key


async def settle_pending_outcomes(runtime: Runtime, *, batch: int = 100) -> int:
    """Inquire every attempt pending longer than the grace period; return how many got settled."""
    cutoff = runtime.now() - runtime.settings.pending_outcome_grace_seconds
    async with runtime.database.reading() as connection:
        pending = await claim_store.charging_attempts(connection, cutoff, batch)
    settled = 0
    for attempt in pending:
        payment = attempt.payment
        async with runtime.database.reading() as connection:
            channel = await merchant_store.channel_by_id(connection, payment.merchant_id, payment.channel_id or 0)
        if channel is None:
            continue
        connector = runtime.connectors.for_channel(channel)
        context = channel_service.channel_context(runtime, channel)
        result = await call_pg(runtime, lambda: connector.inquire(context, payment.imp_uid, runtime.now()))
        if result.outcome is Outcome.UNKNOWN:
            continue
        await record_outcome(runtime, payment, result, _keeper(attempt), payment_row_exists=attempt.row_exists)
        settled += 1
        log.info("settled pending payment %s as %s", payment.imp_uid, result.outcome.value)
    return settled

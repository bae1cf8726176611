"""Settling charges whose outcome is unknown: a PG that timed out, or a crash mid-charge.

Works from the order-claims journal: every claim still ``charging`` past the grace period is an
attempt whose answer never got recorded.

paymux never guesses. It asks the PG about the order (inquiry) and records what the PG says, with
the webhook, exactly as if the answer had arrived in time.
"""

from __future__ import annotations

import logging

from paymux.connectors.base import Outcome
from paymux.services import channels as channel_service
from paymux.services.charging import call_pg, record_outcome
from paymux.services.runtime import Runtime
from paymux.store import claims as claim_store
from paymux.store import merchants as merchant_store

log = logging.getLogger("paymux.reconcile")


async def settle_pending_outcomes(runtime: Runtime, *, batch: int = 100) -> int:
    """Inquire every attempt pending longer than the grace period; return how many got settled."""
    cutoff = runtime.now() - runtime.settings.pending_outcome_grace_seconds
    async with runtime.database.reading() as connection:
        pending = await claim_store.charging_attempts(connection, cutoff, batch)
    settled = 0
    for payment, row_exists in pending:
        async with runtime.database.reading() as connection:
            channel = await merchant_store.channel_by_id(connection, payment.merchant_id, payment.channel_id or 0)
        if channel is None:
            continue
        connector = runtime.connectors.for_channel(channel)
        context = channel_service.channel_context(runtime, channel)
        result = await call_pg(runtime, lambda: connector.inquire(context, payment.imp_uid, runtime.now()))
        if result.outcome is Outcome.UNKNOWN:
            continue
        await record_outcome(runtime, payment, result, payment_row_exists=row_exists)
        settled += 1
        log.info("settled pending payment %s as %s", payment.imp_uid, result.outcome.value)
    return settled

"""Settling charges whose outcome is unknown: a PG that timed out, or a crash mid-charge.

Works from the order-claims journal: every claim still ``charging`` past the grace period is an
attempt whose answer never got recorded.

paymux never guesses. It asks the PG about the order (inquiry) and records what the PG says, with
the webhook, exactly as if the answer had arrived in time.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import Outcome
from paymux.domain.errors import NotFound, Refused
from paymux.domain.payment import Payment, PaymentStatus
from paymux.observability.logs import get_logger
from paymux.observability.pg import PgCallSubject
from paymux.services import billing, pg_calls, vbanks
from paymux.services import channels as channel_service
from paymux.services import merchants as merchant_service
from paymux.services.charging import OnApproved, call_pg, record_outcome
from paymux.services.runtime import Runtime
from paymux.store import claims as claim_store
from paymux.store import customers as customer_store
from paymux.store import merchants as merchant_store
from paymux.store import payments as payment_store
from paymux.store import pg_calls as pg_call_store
from paymux.store.claims import JournaledAttempt

log = get_logger("paymux.reconcile")


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
        reference = attempt.pg_reference
        result = await call_pg(
            runtime,
            lambda: connector.inquire(context, payment.imp_uid, runtime.now(), reference),  # noqa: B023 - awaited in this iteration
            PgCallSubject.of(connector, "inquire", payment),
        )
        if result.outcome is Outcome.UNKNOWN:
            continue
        await record_outcome(runtime, payment, result, _keeper(attempt), payment_row_exists=attempt.row_exists)
        settled += 1
        log.info("reconcile.payment_settled", imp_uid=payment.imp_uid, outcome=result.outcome.value)
    return settled


async def settle_journaled_pg_calls(runtime: Runtime, *, batch: int = 50) -> int:
    """Settle billing-key issues and deletes and account closes whose answer was lost (or whose
    process died).

    A lost *issue* is failed: no key was stored here, so nothing can charge it, and INICIS and the
    PGs like it have no call to look a key up (the journal frees the customer_uid for a retry).
    A lost *delete* or *close* is sent again — both are harmless twice at every PG that has the call —
    and once the PG confirms, it is applied here.
    """
    cutoff = runtime.now() - runtime.settings.pending_outcome_grace_seconds
    async with runtime.database.reading() as connection:
        calls = await pg_call_store.unsettled(connection, cutoff, batch)
    settled = 0
    for call in calls:
        merchant_id, subject, call_id = int(call["merchant_id"]), str(call["subject"]), int(call["id"])  # type: ignore[call-overload]
        if call["kind"] == pg_calls.KEY_ISSUE:
            settled += await _set_call_state(runtime, call_id, pg_call_store.FAILED)
        elif call["kind"] == pg_calls.KEY_DELETE:
            settled += await _retry_key_delete(runtime, merchant_id, subject, call_id)
        elif call["kind"] == pg_calls.VBANK_CLOSE:
            settled += await _retry_vbank_close(runtime, merchant_id, subject, call_id)
    return settled


async def _set_call_state(runtime: Runtime, call_id: int, state: str) -> int:
    async with runtime.database.transaction() as connection:
        return int(await pg_call_store.set_state(connection, call_id, state, runtime.now()))


async def _retry_vbank_close(runtime: Runtime, merchant_id: int, imp_uid: str, call_id: int) -> int:
    """Close again an account whose close answer was lost, while it still awaits its deposit; a
    payment that was paid or expired meanwhile ends the call (nothing more to close here)."""
    async with runtime.database.reading() as connection:
        payment = await payment_store.get_payment(connection, merchant_id, imp_uid)
    if payment is None or payment.status is not PaymentStatus.READY:
        return await _set_call_state(runtime, call_id, pg_call_store.FAILED)
    merchant = await merchant_service.merchant_by_id(runtime, merchant_id)
    try:
        await vbanks.revoke_journaled(runtime, merchant, imp_uid, call_id)
    except (NotFound, Refused):
        return 0  # revoke_journaled recorded the PG's answer on the call (failed, or unknown: next round)
    return 1


async def _retry_key_delete(runtime: Runtime, merchant_id: int, customer_uid: str, call_id: int) -> int:
    async with runtime.database.reading() as connection:
        customer = await customer_store.get_customer(connection, merchant_id, customer_uid)
        channel = await merchant_store.channel_by_id(connection, merchant_id, customer.channel_id) if customer else None
    if customer is None or channel is None:
        return await _set_call_state(runtime, call_id, pg_call_store.DONE)
    outcome = await billing.delete_at_pg(runtime, channel, customer)
    if outcome is Outcome.APPROVED:
        try:
            await billing.forget_customer(runtime, merchant_id, customer_uid, call_id)
        except NotFound:
            pass
        log.info("reconcile.billing_key_deleted", customer_uid=customer_uid)
        return 1
    if outcome is Outcome.DECLINED:
        return await _set_call_state(runtime, call_id, pg_call_store.FAILED)
    await _set_call_state(runtime, call_id, pg_call_store.UNKNOWN)  # still unknown: try again next round
    return 0

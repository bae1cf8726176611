"""One way to call a PG: journaled before, guarded during, settled after.

Every PG call goes through three steps, whatever its kind:

1. **journal** — the attempt is committed before the PG is called: charges and window approvals
   claim their order in ``order_claims``, cancels reserve their amount as a pending cancellation,
   billing-key issues and deletes write a ``pg_calls`` row (one pending call per customer_uid);
2. **call** — the PG is called holding no transaction and no database connection, through
   :func:`guarded`, which turns a timeout or a transport failure into an *unknown* outcome and a
   PG refusal into a *declined* one: nothing raised by a connector is ever taken for a decline
   unless the PG said so;
3. **settle** — the outcome and its webhook are written in one transaction, conditional on the
   journal entry still being open, so a late answer never overwrites what the reconciler settled.

An unknown outcome stays journaled; ``services.reconcile`` settles it by asking the PG (inquiry,
or net cancel for a window approval), never by guessing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from paymux.connectors.http import PgTransportError
from paymux.domain.errors import Refused
from paymux.observability.logs import get_logger
from paymux.observability.pg import PgCallSubject, failure_reason, observed
from paymux.services.runtime import Runtime
from paymux.store import pg_calls as pg_call_store

log = get_logger("paymux.pg_calls")

R = TypeVar("R")
F = TypeVar("F")  # what guarded() makes of a refusal or a lost answer, when not an R

KEY_ISSUE, KEY_DELETE, VBANK_CLOSE = "key_issue", "key_delete", "vbank_close"
CALL_IN_FLIGHT = (
    "같은 대상에 대한 요청이 처리 중입니다 (a request for '{subject}' is already with the PG; retry when it has finished)"
)


class CallInFlight(Refused):
    """Another PG call of the same kind for the same subject is journaled and not settled yet."""


async def guarded(
    runtime: Runtime,
    call: Callable[[], Awaitable[R]],
    *,
    unknown: Callable[[str], F],
    declined: Callable[[str], F],
    about: PgCallSubject | None = None,
) -> R | F:
    """Step 2: run ``call`` within the connector timeout.

    A timeout, a dropped connection or a connector bug → ``unknown(reason)``; a ``Refused`` raised by
    the connector (the PG's refusal) → ``declined(message)``. Never raises. Every call, whatever its
    outcome, writes one ``pg.call`` log line and counts in ``paymux_pg_calls_total`` with its latency
    (``about`` names the PG, the operation and the payment: ``observability.pg``).
    """
    try:
        return await observed(about, call, timeout=runtime.settings.connector_timeout_seconds)
    except Refused as refusal:
        return declined(refusal.message)
    except PgTransportError as error:
        log.warning("pg.transport_error", error=str(error), action="outcome left to the reconciler")
        return unknown(failure_reason(error))
    except Exception as error:  # a timeout, or a connector bug: the reconciler will ask the PG
        if not isinstance(error, TimeoutError):
            log.exception("pg.connector_error", action="outcome left to the reconciler")
        return unknown(failure_reason(error))


@dataclass(frozen=True)
class JournaledCall:
    """A ``pg_calls`` row: one billing-key issue or delete, written before the PG is called."""

    id: int
    merchant_id: int
    kind: str
    subject: str
    channel_id: int | None
    detail: dict[str, Any]


async def journal(
    runtime: Runtime, merchant_id: int, kind: str, subject: str, channel_id: int | None, detail: dict[str, Any]
) -> JournaledCall:
    """Step 1 for calls that are not charges or cancels. Raises CallInFlight while another call of
    this kind for this subject is pending (a concurrent issue of one customer_uid)."""
    try:
        async with runtime.database.transaction() as connection:
            call_id = await pg_call_store.add(
                connection, merchant_id=merchant_id, kind=kind, subject=subject, channel_id=channel_id,
                detail=json.dumps(detail, ensure_ascii=False), now=runtime.now(),
            )
    except IntegrityError:
        raise CallInFlight(CALL_IN_FLIGHT.format(subject=subject)) from None
    return JournaledCall(call_id, merchant_id, kind, subject, channel_id, detail)


async def mark(runtime: Runtime, call: JournaledCall, state: str) -> None:
    """Settle a journaled call on its own (``failed``, or ``unknown`` for the reconciler)."""
    async with runtime.database.transaction() as connection:
        await pg_call_store.set_state(connection, call.id, state, runtime.now())

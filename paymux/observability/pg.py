"""The PG-call line and metrics, written once for every PG call by :func:`observed`: around the
calls whose failures become outcomes (``services.pg_calls.guarded``) and the few whose errors the
caller lets through (a notice's confirmation, an account-holder lookup, a net cancel)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from paymux.connectors.http import PgTransportError
from paymux.domain.errors import Refused
from paymux.observability import metrics
from paymux.observability.context import annotate_request
from paymux.observability.logs import get_logger

log = get_logger("paymux.pg")

APPROVED, DECLINED, UNKNOWN = "approved", "declined", "unknown"
R = TypeVar("R")


@dataclass(frozen=True)
class PgCallSubject:
    """What a PG call is: the PG (``kcp``, ``html5_inicis``…), the connector operation
    (``charge_billing_key``, ``cancel``, ``inquire``…) and, when known, whose payment it is."""

    pg: str
    operation: str
    merchant_id: int | None = None
    imp_uid: str | None = None

    @classmethod
    def of(cls, connector: Any, operation: str, payment: Any = None, *, merchant_id: int | None = None,
           imp_uid: str | None = None) -> PgCallSubject:
        """From the connector called (its ``pg_provider``) and, if given, the payment concerned."""
        if payment is not None:
            merchant_id = merchant_id if merchant_id is not None else payment.merchant_id
            imp_uid = imp_uid or payment.imp_uid
        return cls(getattr(connector, "pg_provider", "unlabelled"), operation, merchant_id, imp_uid)


UNLABELLED = PgCallSubject("unlabelled", "unlabelled")


def outcome_of(result: Any) -> str:
    """``approved`` | ``declined`` | ``unknown`` for what a connector returned: an ``Outcome``, a
    result carrying one (``ChargeResult``, ``CancelResult``, ``WindowOutcome.result``), or anything
    else the PG handed back without refusing (an issued key, a window launch, an account)."""
    for candidate in (result, getattr(result, "outcome", None), getattr(getattr(result, "result", None), "outcome", None)):
        value = getattr(candidate, "value", None)
        if value in (APPROVED, DECLINED, UNKNOWN):
            return value
    return APPROVED


def observe_pg_call(subject: PgCallSubject | None, outcome: str, seconds: float, reason: str | None = None) -> None:
    """One ``pg.call`` line (with the request id from the context) and the PG-call counter and
    latency histogram. ``reason``: why it was not approved (the PG's message, or the timeout)."""
    subject = subject or UNLABELLED
    annotate_request(imp_uid=subject.imp_uid)  # the request line then names the payment too
    metrics.count_pg_call(subject.pg, subject.operation, outcome, seconds)
    fields: dict[str, Any] = {
        "pg": subject.pg, "operation": subject.operation, "outcome": outcome, "latency_ms": round(seconds * 1000, 1),
    }
    if subject.merchant_id is not None:
        fields["merchant_id"] = subject.merchant_id
    if subject.imp_uid:
        fields["imp_uid"] = subject.imp_uid
    if reason:
        fields["reason"] = reason
    (log.warning if outcome == UNKNOWN else log.info)("pg.call", **fields)


def failure_reason(error: Exception) -> str:
    """Why a PG call that raised (other than a refusal) has an unknown outcome, as logged."""
    if isinstance(error, TimeoutError):
        return "PG call timed out"
    if isinstance(error, PgTransportError):
        return "PG call failed in transit"
    return "PG call failed"


async def observed(subject: PgCallSubject | None, call: Callable[[], Awaitable[R]], *,
                   timeout: float | None = None) -> R:
    """Await ``call`` (one PG call), within ``timeout`` seconds if given (then ``TimeoutError``),
    and observe it — one ``pg.call`` line, the PG-call counter and latency — but let its exception
    through unchanged: a ``Refused`` (the PG's refusal, a notice found invalid) is observed as
    ``declined`` with its message, any other exception as ``unknown`` (:func:`failure_reason`).
    A result is observed by :func:`outcome_of`."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            result = await call()
    except Refused as refusal:
        observe_pg_call(subject, DECLINED, time.perf_counter() - started, refusal.message)
        raise
    except Exception as error:
        observe_pg_call(subject, UNKNOWN, time.perf_counter() - started, failure_reason(error))
        raise
    observe_pg_call(subject, outcome_of(result), time.perf_counter() - started, getattr(result, "reason", None) or None)
    return result

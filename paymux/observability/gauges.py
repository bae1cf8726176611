"""Gauges read from the database at scrape time: the same answer whichever instance is scraped.

Each is one aggregate over a partial or composite index (see ``store.schema``): the pending webhook
events (``ix_webhook_events_due``), the scheduled charges (``schedule_status, schedule_at``), the
charges, cancels and key/account calls whose outcome the reconciler still has to ask the PG about
(``ix_order_claims_charging``, ``ix_cancellations_pending``, ``ix_pg_calls_unsettled``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.store.plans import constant  # fixed states in the SQL text: partial indexes serve cached plans
from paymux.store.schema import cancellations, order_claims, pg_calls, schedules, webhook_events


async def database_families(connection: AsyncConnection, now: int, grace_seconds: int) -> list[Any]:
    """``now`` in unix seconds; ``grace_seconds``: how long an attempt stays open before the
    reconciler takes it (``PAYMUX_PENDING_GRACE_SECONDS``)."""
    from prometheus_client.core import GaugeMetricFamily

    families: list[Any] = []

    def gauge(name: str, documentation: str, value: float, labels: dict[str, str] | None = None) -> None:
        existing = next((f for f in families if f.name == name), None)
        family = existing or GaugeMetricFamily(name, documentation, labels=list(labels or {}))
        family.add_metric(list((labels or {}).values()), value)
        if existing is None:
            families.append(family)

    pending = webhook_events.c.state == constant("pending")
    due = (await connection.execute(
        select(func.count(), func.min(webhook_events.c.next_attempt_at))
        .where(pending, webhook_events.c.next_attempt_at <= now)
    )).one()
    waiting = (await connection.execute(
        select(func.count()).where(pending, webhook_events.c.next_attempt_at > now)
    )).scalar_one()
    depth_doc = "Webhook events not delivered yet: due now, or waiting for their next retry"
    gauge("paymux_webhook_queue_depth", depth_doc, due[0], {"state": "due"})
    gauge("paymux_webhook_queue_depth", depth_doc, waiting, {"state": "waiting"})
    gauge("paymux_webhook_queue_oldest_age_seconds",
          "How long the longest-waiting due webhook event has been due (0 when none is)",
          max(0, now - due[1]) if due[1] is not None else 0)

    scheduled = schedules.c.schedule_status == constant("scheduled")
    schedule_row = (await connection.execute(
        select(func.count(), func.min(schedules.c.schedule_at)).where(scheduled, schedules.c.schedule_at <= now)
    )).one()
    gauge("paymux_schedules_due", "Scheduled charges whose time has come and that have not run yet", schedule_row[0])
    gauge("paymux_scheduler_lag_seconds",
          "How far the scheduler is behind: seconds since the oldest due, not yet run charge was due (0 when none is)",
          max(0, now - schedule_row[1]) if schedule_row[1] is not None else 0)

    cutoff = now - grace_seconds
    unknown_doc = "PG calls whose outcome is unknown and waits for the reconciler to ask the PG, by kind"
    charges = (await connection.execute(
        select(func.count()).where(order_claims.c.state == constant("charging"), order_claims.c.created_at <= cutoff)
    )).scalar_one()
    cancels = (await connection.execute(
        select(func.count()).where(cancellations.c.state == constant("pending"), cancellations.c.cancelled_at <= cutoff)
    )).scalar_one()
    calls = (await connection.execute(
        select(func.count()).where(pg_calls.c.state.in_((constant("pending"), constant("unknown"))), pg_calls.c.updated_at <= cutoff)
    )).scalar_one()
    gauge("paymux_unknown_outcomes", unknown_doc, charges, {"kind": "charge"})
    gauge("paymux_unknown_outcomes", unknown_doc, cancels, {"kind": "cancel"})
    gauge("paymux_unknown_outcomes", unknown_doc, calls, {"kind": "pg_call"})
    return families

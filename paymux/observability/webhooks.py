"""The webhook lines and counter.

- ``webhook.queued``: written when an outbox row is actually written (``store.webhooks`` and the
  settle statements of ``store.claims``), inside the request or job that changed the payment, so it
  carries that request's id next to the payment's imp_uid and status; a payment with nowhere to send
  a webhook (no ``notice_url``, no merchant webhook URL) has none;
- ``webhook.delivery``: one per try of an event by the delivery worker (a background job): it names
  the event's ``webhook_id`` (shared with the queued line's imp_uid and the receiver's ``webhook-id``
  header) and the ``request_id`` of the request that caused the event, kept on the outbox row; and
  ``paymux_webhook_deliveries_total{outcome}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from paymux.observability import metrics
from paymux.observability.logs import get_logger

if TYPE_CHECKING:
    from paymux.webhooks.outbox import WebhookAttempt

log = get_logger("paymux.webhooks")

DELIVERED, RETRYING, DEAD = metrics.WEBHOOK_OUTCOMES


class OutboxEvent(Protocol):
    """What the delivery line reads of a ``webhook_events`` row."""

    @property
    def id(self) -> int: ...
    @property
    def merchant_id(self) -> int: ...
    @property
    def imp_uid(self) -> str | None: ...
    @property
    def attempts(self) -> int: ...
    @property
    def request_id(self) -> str | None: ...


def observe_queued(row: Mapping[str, Any]) -> None:
    """``row``: the outbox row just written (``store.orders.webhook_row``: merchant_id, imp_uid,
    merchant_uid, payload as JSON text, target_urls)."""
    payload = json.loads(row["payload"])
    log.info(
        "webhook.queued", merchant_id=row["merchant_id"], imp_uid=row["imp_uid"], merchant_uid=row["merchant_uid"],
        status=payload.get("status"), target="notice_url" if row["target_urls"] else "webhook_url",
    )


def observe_try(event: OutboxEvent, state: str | None, attempts: Sequence[WebhookAttempt]) -> None:
    """After one try of ``event`` (a ``webhook_events`` row) to all its targets: ``state`` is the
    row's new state (``delivered`` | ``dead``, or None while it waits for a retry); ``attempts``:
    the ``WebhookAttempt`` of each target."""
    outcome = DELIVERED if state == DELIVERED else DEAD if state == DEAD else RETRYING
    metrics.count_webhook_delivery(outcome)
    fields: dict[str, Any] = {
        "webhook_id": f"msg_{event.id}", "merchant_id": event.merchant_id, "outcome": outcome,
        "attempt": event.attempts + 1, "targets": len(attempts),
        "latency_ms": max((a.latency_ms for a in attempts), default=0),
        "status_codes": [a.status_code for a in attempts],
    }
    if event.imp_uid:
        fields["imp_uid"] = event.imp_uid
    if event.request_id:
        fields["request_id"] = event.request_id
    (log.info if outcome == DELIVERED else log.warning)("webhook.delivery", **fields)

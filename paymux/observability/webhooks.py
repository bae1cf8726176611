"""The webhook lines and counter.

- ``webhook.queued``: written where an outbox row is built (``store.orders.webhook_row``), inside the
  request or job that changed the payment, so it carries that request's id next to the payment's
  imp_uid and status;
- ``webhook.delivery``: one per try of an event by the delivery worker (a background job, so no
  request id of its own: it names the event's ``webhook_id`` and imp_uid, which the queued line and
  the receiver's ``webhook-id`` header share), and ``paymux_webhook_deliveries_total{outcome}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paymux.observability import metrics
from paymux.observability.logs import get_logger

log = get_logger("paymux.webhooks")

DELIVERED, RETRYING, DEAD = metrics.WEBHOOK_OUTCOMES


def observe_queued(merchant_id: int, payload: Mapping[str, Any], has_notice_url: bool) -> None:
    """``payload``: the i'mport webhook body (imp_uid, merchant_uid, status)."""
    log.info(
        "webhook.queued", merchant_id=merchant_id, imp_uid=payload.get("imp_uid"),
        merchant_uid=payload.get("merchant_uid"), status=payload.get("status"),
        target="notice_url" if has_notice_url else "the merchant's webhook URL, if one is set (else no row is kept)",
    )


def observe_try(event: Any, state: str | None, attempts: Sequence[Any]) -> None:
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
    request_id = getattr(event, "request_id", None)  # once the outbox row records its request
    if request_id:
        fields["request_id"] = request_id
    (log.info if outcome == DELIVERED else log.warning)("webhook.delivery", **fields)

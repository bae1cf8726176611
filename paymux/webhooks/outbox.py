"""What a merchant does with its webhooks: its signing secret, the delivery log, and resending.

The console and the CLI call these; the delivery worker is in ``delivery``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from paymux.domain.errors import InvalidParameter, NotFound
from paymux.domain.sealed import Sealed
from paymux.services.runtime import Runtime
from paymux.store import webhooks as webhook_store
from paymux.webhooks.signing import new_secret

MAX_PAGE = 200


def webhook_id(event_id: int) -> str:
    """The ``webhook-id`` header of an event: the same on every try, so receivers can deduplicate."""
    return f"msg_{event_id}"


def secret_context(merchant_id: int) -> str:
    return f"webhook-secret:{merchant_id}"


def open_secret(runtime: Runtime, merchant_id: int, sealed: Sealed) -> str:
    return runtime.vault.open(sealed, secret_context(merchant_id)).decode()


async def webhook_secret(runtime: Runtime, merchant_id: int) -> str:
    """The merchant's signing secret (``whsec_…``), created on first use.

    Two first uses at once agree: the secret is stored only where none exists, and the loser of the
    race reads the winner's.
    """
    async with runtime.database.reading() as connection:
        exists, sealed = await webhook_store.sealed_webhook_secret(connection, merchant_id)
    if not exists:
        raise NotFound(f"no merchant with id {merchant_id}")
    if sealed is not None:
        return open_secret(runtime, merchant_id, sealed)
    secret = new_secret()
    async with runtime.database.transaction() as connection:
        fresh = runtime.vault.seal(secret.encode(), secret_context(merchant_id))
        if await webhook_store.store_webhook_secret_if_absent(connection, merchant_id, fresh):
            return secret
        _, sealed = await webhook_store.sealed_webhook_secret(connection, merchant_id)
    assert sealed is not None
    return open_secret(runtime, merchant_id, sealed)


async def rotate_webhook_secret(runtime: Runtime, merchant_id: int) -> str:
    """A new signing secret (``whsec_…``), in force for every delivery from now on; the old one signs
    nothing more, so the receiver must switch at once (the secret is shown once, here).

    Raises NotFound for an unknown merchant.
    """
    secret = new_secret()
    async with runtime.database.transaction() as connection:
        sealed = runtime.vault.seal(secret.encode(), secret_context(merchant_id))
        if not await webhook_store.replace_webhook_secret(connection, merchant_id, sealed):
            raise NotFound(f"no merchant with id {merchant_id}")
    return secret


WEBHOOK_FORMATS = webhook_store.FORMATS  # "json" | "form"


async def webhook_format(runtime: Runtime, merchant_id: int) -> str:
    """How the merchant's webhook bodies are encoded: ``json`` (the default) or ``form``."""
    async with runtime.database.reading() as connection:
        settings = await webhook_store.merchant_webhook_settings(connection, [merchant_id])
    if merchant_id not in settings:
        raise NotFound(f"no merchant with id {merchant_id}")
    return settings[merchant_id].format


async def set_webhook_format(runtime: Runtime, merchant_id: int, body_format: str) -> None:
    """Choose how webhook bodies are encoded, as i'mport's console offers: ``json``
    (``application/json``) or ``form`` (``application/x-www-form-urlencoded``, for handlers that
    read ``$_POST['imp_uid']``). Applies to every try from now on, including retries of earlier
    events; the signature always covers the exact bytes sent. Raises InvalidParameter, NotFound."""
    if body_format not in WEBHOOK_FORMATS:
        raise InvalidParameter("webhook_format", f"must be one of {', '.join(WEBHOOK_FORMATS)}")
    async with runtime.database.transaction() as connection:
        if not await webhook_store.set_webhook_format(connection, merchant_id, body_format):
            raise NotFound(f"no merchant with id {merchant_id}")


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of one event to one URL."""

    url: str
    attempted_at: int
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> str:
        return f"{self.url}: " + (f"HTTP {self.status_code}" if self.status_code is not None else str(self.error))


@dataclass(frozen=True)
class WebhookEvent:
    """A notification of one payment status change, with its delivery log (oldest attempt first)."""

    id: int
    webhook_id: str
    imp_uid: str | None
    merchant_uid: str | None
    payload: dict[str, Any]
    target_urls: list[str] | None  # None: the merchant's webhook URL at delivery time
    state: str  # pending | delivered | dead
    attempt_count: int
    created_at: int
    next_attempt_at: int
    delivered_at: int | None
    last_error: str | None
    attempts: tuple[WebhookAttempt, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["attempts"] = [asdict(attempt) for attempt in self.attempts]
        return data


def _event(row: Any, attempts: list[WebhookAttempt]) -> WebhookEvent:
    return WebhookEvent(
        id=row.id,
        webhook_id=webhook_id(row.id),
        imp_uid=row.imp_uid,
        merchant_uid=row.merchant_uid,
        payload=json.loads(row.payload),
        target_urls=json.loads(row.target_urls) if row.target_urls else None,
        state=row.state,
        attempt_count=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
        attempts=tuple(attempts),
    )


def _attempt(row: Any) -> WebhookAttempt:
    return WebhookAttempt(
        url=row.url,
        attempted_at=row.attempted_at,
        status_code=row.status_code,
        latency_ms=row.latency_ms,
        response_excerpt=row.response_excerpt,
        error=row.error,
    )


async def list_webhook_events(
    runtime: Runtime, merchant_id: int, *, limit: int = 50, before_id: int | None = None
) -> list[WebhookEvent]:
    """A merchant's webhooks, newest first, each with its attempts; ``before_id`` pages back."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidParameter("limit", f"must be between 1 and {MAX_PAGE}")
    async with runtime.database.reading() as connection:
        rows = await webhook_store.list_events(connection, merchant_id, limit=limit, before_id=before_id)
        attempt_rows = await webhook_store.attempts_of(connection, [row.id for row in rows])
    by_event: dict[int, list[WebhookAttempt]] = {}
    for attempt_row in attempt_rows:
        by_event.setdefault(attempt_row.event_id, []).append(_attempt(attempt_row))
    return [_event(row, by_event.get(row.id, [])) for row in rows]


async def get_webhook_event(runtime: Runtime, merchant_id: int, event_id: int) -> WebhookEvent:
    async with runtime.database.reading() as connection:
        row = await webhook_store.event_by_id(connection, merchant_id, event_id)
        if row is None:
            raise NotFound(f"no webhook {event_id} for this merchant")
        attempt_rows = await webhook_store.attempts_of(connection, [row.id])
    return _event(row, [_attempt(r) for r in attempt_rows])


async def resend_webhook(runtime: Runtime, merchant_id: int, event_id: int) -> WebhookEvent:
    """Queue an event again, due now, whatever its state (delivered, dead or waiting to retry).

    It is sent with the same ``webhook-id``. If it fails it is retried for what is left of its three
    days from creation; past them, one failed try makes it dead again.
    """
    async with runtime.database.transaction() as connection:
        if not await webhook_store.make_due_again(connection, merchant_id, event_id, runtime.now()):
            raise NotFound(f"no webhook {event_id} for this merchant")
    return await get_webhook_event(runtime, merchant_id, event_id)

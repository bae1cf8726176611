"""The delivery worker: POSTs due webhook events to their URLs, retrying failures for three days.

Runs as a background job (``workers.py``), never inside an API request, so a slow or dead receiver
costs the API nothing. Events are taken with a lease (``store.leases``) so N instances share the
queue and never send one event at the same time; after a crash the lease expires and the event is
sent again, which is why delivery is at-least-once and every request carries a stable
``webhook-id`` (a retry goes to every target of the event again, under the same id).

A try sends the event to all its targets: the payment's ``notice_url`` list, or else the merchant's
webhook URL as it is when the try happens. The event is delivered when every target answered 2xx.
Otherwise it waits ``retry_delay`` (5 s doubling to about an hour, with jitter) and tries again,
until three days after it was created; the last try is made at that mark, and then it is dead.
Every POST is recorded in ``webhook_attempts`` for the console's delivery log.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import secrets
import ssl
import time
from typing import Any

import httpx

from paymux import __version__
from paymux.domain.errors import InvalidParameter, NotFound
from paymux.domain.merchant import Merchant
from paymux.domain.net import user_url_problem
from paymux.services.runtime import Runtime
from paymux.store import webhooks as webhook_store
from paymux.webhooks.outbox import (
    WebhookAttempt,
    open_secret,
    webhook_id,
    webhook_secret,
)
from paymux.webhooks.signing import signed_headers
from paymux.webhooks.targets import NOT_DELIVERED, PinnedTransport, TargetRefused, peer_is_public

log = logging.getLogger("paymux.webhooks")

REQUEST_TIMEOUT_SECONDS = 10.0
RETRY_WINDOW_SECONDS = 3 * 24 * 3600
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 3600
BATCH_SIZE = 50
CONCURRENCY = 10
EXCERPT_CHARS = 500
_READ_BYTES = 4 * EXCERPT_CHARS
_USER_AGENT = f"paymux-webhooks/{__version__}"
NO_URL = "no webhook URL: the merchant has none set and the payment has no notice_url"


def retry_delay(attempts: int, rng: random.Random | None = None) -> int:
    """Seconds to wait after the ``attempts``-th failed try: 5 s doubling up to an hour, plus up to a
    quarter more at random, so events that failed together (a receiver outage) do not all come back
    in the same second."""
    base = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** min(max(attempts, 1) - 1, 20))
    return base + int((rng or random).uniform(0, base / 4))


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Built once: loading the CA store costs milliseconds, too much to pay every round."""
    return ssl.create_default_context()


def _client(timeout_seconds: float, *, allow_private: bool) -> httpx.AsyncClient:
    """No redirects, no proxies from the environment, and every connection through the SSRF policy
    (``targets.PinnedTransport``)."""
    return httpx.AsyncClient(
        timeout=timeout_seconds, follow_redirects=False, headers={"user-agent": _USER_AGENT}, trust_env=False,
        transport=PinnedTransport(allow_private=allow_private, verify=_tls_context()),
    )


async def _excerpt(response: httpx.Response) -> str:
    """The start of the answer, read no further than needed (a receiver may answer with megabytes)."""
    received = bytearray()
    async for chunk in response.aiter_bytes():
        received += chunk
        if len(received) >= _READ_BYTES:
            break
    try:
        text = bytes(received).decode(response.charset_encoding or "utf-8", errors="replace")
    except LookupError:
        text = bytes(received).decode("utf-8", errors="replace")
    return text.replace("\x00", "")[:EXCERPT_CHARS]


async def post_signed(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], timeout_seconds: float, attempted_at: int,
    *, allow_private: bool = False,
) -> WebhookAttempt:
    """POST once; every outcome, including a timeout or a refused connection, is an attempt.

    The error says only that the try was refused by the SSRF policy, or that no HTTP answer came
    (timeout, refused or reset connection, TLS, not HTTP alike: which one would tell a port scanner
    about the port). The answer's excerpt is kept only from a public address, or from a private one
    when the operator allows private targets (``allow_private``, which must match the client's)."""
    started = time.monotonic()
    status_code: int | None = None
    excerpt: str | None = None
    error: str | None = None
    try:
        problem = user_url_problem(url, allow_private=allow_private)
        if problem is not None:  # before httpx parses it: some spellings it would reject as malformed
            raise TargetRefused(f"refused: the URL {problem}")
        async with asyncio.timeout(timeout_seconds):  # the whole exchange, not each read
            async with client.stream("POST", url, content=body, headers=headers) as response:
                status_code = response.status_code
                if allow_private or peer_is_public(response):
                    excerpt = await _excerpt(response)
    except TargetRefused as refusal:
        error = str(refusal)
    except (TimeoutError, httpx.TimeoutException):
        error = f"{NOT_DELIVERED} within {timeout_seconds:g} s"
    except Exception:  # connection refused, DNS, TLS, not HTTP, a malformed URL: all worth a retry
        error = NOT_DELIVERED
    latency_ms = int((time.monotonic() - started) * 1000)
    return WebhookAttempt(url, attempted_at, status_code, latency_ms, excerpt, error[:EXCERPT_CHARS] if error else None)


def _targets(event: Any, merchant_url: str | None) -> list[str]:
    urls = json.loads(event.target_urls) if event.target_urls else [merchant_url] if merchant_url else []
    return list(dict.fromkeys(urls))  # a URL listed twice is called once


async def deliver_due_webhooks(
    runtime: Runtime, *, batch: int = BATCH_SIZE, timeout_seconds: float = REQUEST_TIMEOUT_SECONDS
) -> int:
    """Send every due event (up to ``batch``) once; return how many were taken."""
    now = runtime.now()
    await webhook_store.give_up_targetless(runtime.database, now=now, reason=NO_URL)
    waves = -(-batch // CONCURRENCY)
    lease_seconds = int(timeout_seconds * (waves + 1)) + 60  # outlives the slowest batch
    events = await webhook_store.lease_due_events(runtime.database, now=now, lease_seconds=lease_seconds, limit=batch)
    if not events:
        return 0
    async with runtime.database.reading() as connection:
        settings = await webhook_store.merchant_webhook_settings(connection, {e.merchant_id for e in events})
    targets = {event.id: _targets(event, settings.get(event.merchant_id, (None, None))[0]) for event in events}
    secrets_by_merchant: dict[int, str] = {}

    async def secret_of(merchant_id: int) -> str:
        if merchant_id not in secrets_by_merchant:
            sealed = settings[merchant_id][1]
            secrets_by_merchant[merchant_id] = (
                open_secret(runtime, merchant_id, sealed) if sealed else await webhook_secret(runtime, merchant_id)
            )
        return secrets_by_merchant[merchant_id]

    slots = asyncio.Semaphore(CONCURRENCY)

    for event in events:
        if not targets[event.id]:  # enqueued after this round's bulk give-up
            await webhook_store.finish_delivery(
                runtime.database, event.id, event.lease_until, [], state=webhook_store.DEAD, last_error=NO_URL
            )
    deliverable = [event for event in events if targets[event.id]]
    if not deliverable:
        return len(events)

    async def deliver(event: Any) -> None:
        async with slots:
            secret = await secret_of(event.merchant_id)
            await _try_event(runtime, client, event, targets[event.id], secret, timeout_seconds)

    async with _client(timeout_seconds, allow_private=runtime.settings.webhook_allow_private) as client:
        outcomes = await asyncio.gather(*(deliver(event) for event in deliverable), return_exceptions=True)
    for event, outcome in zip(deliverable, outcomes):
        if isinstance(outcome, BaseException):  # its lease runs out and a later round takes it again
            log.error("webhook %s could not be processed", event.id, exc_info=outcome)
    return len(events)


async def _try_event(
    runtime: Runtime, client: httpx.AsyncClient, event: Any, targets: list[str], secret: str, timeout_seconds: float
) -> None:
    body = event.payload.encode()
    sent_at = runtime.now()
    headers = {"content-type": "application/json", **signed_headers(secret, webhook_id(event.id), sent_at, body)}
    show = runtime.settings.webhook_allow_private
    results = await asyncio.gather(
        *(post_signed(client, url, body, headers, timeout_seconds, sent_at, allow_private=show) for url in targets)
    )
    finished_at = runtime.now()
    attempt_rows = [
        {
            "event_id": event.id,
            "merchant_id": event.merchant_id,
            "url": result.url,
            "attempted_at": result.attempted_at,
            "status_code": result.status_code,
            "latency_ms": result.latency_ms,
            "response_excerpt": result.response_excerpt,
            "error": result.error,
        }
        for result in results
    ]
    count = event.attempts + 1
    failures = [result for result in results if not result.succeeded]
    if not failures:
        outcome: dict[str, Any] = {"state": webhook_store.DELIVERED, "delivered_at": finished_at, "last_error": None}
    else:
        problem = "; ".join(result.describe() for result in failures)[:EXCERPT_CHARS]
        give_up_at = event.created_at + RETRY_WINDOW_SECONDS
        if finished_at >= give_up_at:
            outcome = {"state": webhook_store.DEAD, "last_error": f"gave up after {count} tries: {problem}"[:EXCERPT_CHARS]}
            log.warning("webhook %s is dead after %d tries: %s", event.id, count, problem)
        else:
            outcome = {"next_attempt_at": min(finished_at + retry_delay(count), give_up_at), "last_error": problem}
    await webhook_store.finish_delivery(runtime.database, event.id, event.lease_until, attempt_rows, attempts=count, **outcome)


TEST_PAYLOAD = {"imp_uid": None, "merchant_uid": None, "status": "test"}


async def send_test_webhook(runtime: Runtime, merchant: Merchant) -> dict[str, Any]:
    """POST a signed test payload to the merchant's webhook URL now, and say how the receiver answered.

    For the console's "send test webhook": it is not queued, retried or logged as an event.
    """
    async with runtime.database.reading() as connection:
        settings = await webhook_store.merchant_webhook_settings(connection, [merchant.id])
    if merchant.id not in settings:
        raise NotFound(f"no merchant with id {merchant.id}")
    url = settings[merchant.id][0]
    if not url:
        raise InvalidParameter("webhook_url", "is not set; save a webhook URL before sending a test webhook")
    secret = await webhook_secret(runtime, merchant.id)
    message_id = "msg_test_" + secrets.token_hex(8)
    body = json.dumps(TEST_PAYLOAD).encode()
    headers = {"content-type": "application/json", **signed_headers(secret, message_id, runtime.now(), body)}
    allow_private = runtime.settings.webhook_allow_private
    async with _client(REQUEST_TIMEOUT_SECONDS, allow_private=allow_private) as client:
        result = await post_signed(
            client, url, body, headers, REQUEST_TIMEOUT_SECONDS, runtime.now(), allow_private=allow_private
        )
    return {
        "url": url,
        "webhook_id": message_id,
        "ok": result.succeeded,
        "status_code": result.status_code,
        "latency_ms": result.latency_ms,
        "response_excerpt": result.response_excerpt,
        "error": result.error,
    }

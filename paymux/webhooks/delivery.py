"""The delivery worker: POSTs due webhook events to their URLs, retrying failures for three days.

Runs as a background job (``workers.py``), never inside an API request, so a slow or dead receiver
costs the API nothing. Events are taken with a lease (``store.leases``) so N instances share the
queue and never send one event at the same time; after a crash the lease expires and the event is
sent again, which is why delivery is at-least-once and every request carries a stable
``webhook-id`` (a retry goes to every target of the event again, under the same id).

A try sends the event to all its targets: the payment's ``notice_url`` list (at most five), or else
the merchant's webhook URL as it is when the try happens, as JSON or as a form (the merchant's
choice), signed over the exact bytes sent. The event is delivered when every target answered 2xx.
Otherwise it waits ``retry_delay`` (5 s doubling to about an hour, with jitter) and tries again,
until three days after it was created; the last try is made at that mark, and then it is dead.
Every POST is recorded in ``webhook_attempts`` for the console's delivery log.

Fairness (issue #11: tarpit ``notice_url``s once delayed other merchants' webhooks by a minute): a
round takes events round-robin over lanes (``store.webhooks.lease_due_events``) and tries them all
at once (the worker does not wait for them: ``deliver_webhooks_in_background``); an endpoint
(``scheme://host:port``) has at most PER_ENDPOINT tries in flight, the rest wait untried; an
endpoint that failed CIRCUIT_FAILURES times in a row has its circuit opened (``webhook_endpoints``),
and its events are rescheduled untried until it closes, then one try (half-open) decides. Circuits live in the database, so every instance honours them; the
per-endpoint limit is per instance.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import secrets
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from paymux import __version__
from paymux.domain.errors import InvalidParameter, NotFound
from paymux.domain.merchant import Merchant
from paymux.domain.net import user_url_problem
from paymux.observability.logs import get_logger
from paymux.observability.webhooks import observe_try
from paymux.services.runtime import Runtime
from paymux.store import webhooks as webhook_store
from paymux.webhooks.outbox import (
    WebhookAttempt,
    open_secret,
    webhook_id,
    webhook_secret,
)
from paymux.webhooks.signing import signed_headers
from paymux.webhooks.targets import NOT_DELIVERED, CheckedResolver, TargetRefused, canonical_url, peer_is_public

log = get_logger("paymux.webhooks")

REQUEST_TIMEOUT_SECONDS = 10.0
RETRY_WINDOW_SECONDS = 3 * 24 * 3600
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 3600
BATCH_SIZE = 50  # events per round, all tried at once
PER_LANE = 16  # events per round from one lane (a merchant's own URL, or its notice_urls)
PER_ENDPOINT = 8  # tries in flight to one endpoint (scheme://host:port) at once
CIRCUIT_FAILURES = 5  # failed tries in a row that open an endpoint's circuit
CIRCUIT_FIRST_SECONDS = 30  # how long it first stays open; doubles each time it opens again
MAX_NOTICE_URLS = 5  # notice_urls sent per payment (the API and the window refuse more)
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


def _client(timeout_seconds: float, *, allow_private: bool) -> aiohttp.ClientSession:
    """No redirects (per request), no proxies from the environment, no DNS cache, and every name
    resolved through the SSRF policy (``targets.CheckedResolver``). aiohttp rather than httpx: under
    concurrency httpx spent about 15x the CPU per request (``connectors/http.py``)."""
    connector = aiohttp.TCPConnector(
        resolver=CheckedResolver(allow_private=allow_private), use_dns_cache=False, ssl=_tls_context(), limit=0,
    )
    return aiohttp.ClientSession(
        connector=connector, headers={"User-Agent": _USER_AGENT}, trust_env=False,
        timeout=aiohttp.ClientTimeout(total=timeout_seconds),
    )


async def _excerpt(response: aiohttp.ClientResponse) -> str:
    """The start of the answer, read no further than needed (a receiver may answer with megabytes)."""
    received = bytearray()
    while len(received) < _READ_BYTES:
        chunk = await response.content.read(_READ_BYTES - len(received))
        if not chunk:
            break
        received += chunk
    try:
        text = bytes(received).decode(response.charset or "utf-8", errors="replace")
    except LookupError:
        text = bytes(received).decode("utf-8", errors="replace")
    return text.replace("\x00", "")[:EXCERPT_CHARS]


def _peer(response: aiohttp.ClientResponse) -> Any:
    connection = response.connection
    transport = connection.transport if connection is not None else None
    return transport.get_extra_info("peername") if transport is not None else None


async def post_signed(
    client: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str], timeout_seconds: float,
    attempted_at: int, *, allow_private: bool = False,
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
        if problem is not None:  # before aiohttp parses it: some spellings it would read otherwise
            raise TargetRefused(f"refused: the URL {problem}")
        async with asyncio.timeout(timeout_seconds):  # the whole exchange, not each read
            async with client.post(canonical_url(url), data=body, headers=headers, allow_redirects=False) as response:
                status_code = response.status
                if allow_private or peer_is_public(_peer(response)):
                    excerpt = await _excerpt(response)
    except TargetRefused as refusal:
        error = str(refusal)
    except TimeoutError:
        error = f"{NOT_DELIVERED} within {timeout_seconds:g} s"
    except Exception:  # connection refused, DNS, TLS, not HTTP, a malformed URL: all worth a retry
        error = NOT_DELIVERED
    latency_ms = int((time.monotonic() - started) * 1000)
    return WebhookAttempt(url, attempted_at, status_code, latency_ms, excerpt, error[:EXCERPT_CHARS] if error else None)


def endpoint_of(url: str) -> str:
    """The endpoint a URL is sent to, ``scheme://host:port``: the unit of concurrency limits and
    circuits (one server, whatever path or query each ``notice_url`` adds)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"[:300]
    except ValueError:
        return url[:300]


def _targets(event: Any, merchant_url: str | None) -> list[str]:
    urls = json.loads(event.target_urls) if event.target_urls else [merchant_url] if merchant_url else []
    return list(dict.fromkeys(urls))[:MAX_NOTICE_URLS]  # a URL listed twice is called once


def encode_body(payload: dict[str, Any], body_format: str) -> tuple[bytes, str]:
    """The body and its content type: JSON, or a form (``imp_uid=…&merchant_uid=…&status=…``) for
    merchants that chose it, as i'mport's console offers. The signature covers these exact bytes."""
    if body_format == webhook_store.FORM:
        fields = {key: "" if value is None else value for key, value in payload.items()}
        return urlencode(fields).encode(), "application/x-www-form-urlencoded"
    return json.dumps(payload, ensure_ascii=False).encode(), "application/json"


@dataclass
class _Round:
    """One delivery round: which events are tried now, which wait for their endpoint."""

    now: int
    circuits: dict[str, webhook_store.Circuit]
    in_flight: Counter[str] = field(default_factory=Counter)

    def open_until(self, origins: set[str]) -> int | None:
        """When the last open circuit among ``origins`` closes, or None if none is open."""
        times = [c.open_until for o in origins if (c := self.circuits.get(o)) and c.open_until and c.open_until > self.now]
        return max(times) if times else None

    def admits(self, origins: set[str]) -> bool:
        """A slot free at every endpoint: PER_ENDPOINT at once, one while a circuit is half-open."""
        def limit(origin: str) -> int:
            circuit = self.circuits.get(origin)
            return 1 if circuit is not None and circuit.failures >= CIRCUIT_FAILURES else PER_ENDPOINT

        if any(self.in_flight[origin] >= limit(origin) for origin in origins):
            return False
        self.in_flight.update(origins)
        return True


def circuit_after(previous: webhook_store.Circuit | None, failed: int, finished_at: int) -> webhook_store.Circuit:
    """An endpoint's circuit after ``failed`` more failed tries in a row: open once they reach
    CIRCUIT_FAILURES, for CIRCUIT_FIRST_SECONDS doubling each time it opens again (an hour at most)."""
    failures = (previous.failures if previous else 0) + failed
    if failures < CIRCUIT_FAILURES:
        return webhook_store.Circuit(failures, 0, None)
    opened = (previous.opened if previous else 0) + 1
    pause = min(MAX_RETRY_SECONDS, CIRCUIT_FIRST_SECONDS * 2 ** min(opened - 1, 20))
    return webhook_store.Circuit(failures, opened, finished_at + pause)


@dataclass
class _InFlight:
    """The tries this process started and has not finished (rounds that run on in the background)."""

    per_endpoint: Counter[str] = field(default_factory=Counter)
    events: int = 0
    rounds: set[asyncio.Task[None]] = field(default_factory=set)


_IN_FLIGHT: dict[int, _InFlight] = {}  # by id(runtime): one per process and database


def _in_flight(runtime: Runtime) -> _InFlight:
    return _IN_FLIGHT.setdefault(id(runtime), _InFlight())


async def deliver_due_webhooks(
    runtime: Runtime, *, batch: int = BATCH_SIZE, timeout_seconds: float = REQUEST_TIMEOUT_SECONDS, wait: bool = True
) -> int:
    """Send due events (up to ``batch``, taken round-robin over merchants' lanes) once; return how
    many were handled (tried, paused or given up; not those left for a later round).

    Fair to every receiver: an event whose endpoint already has PER_ENDPOINT tries in flight waits
    for a later round untried, so a slow endpoint holds a few slots, never the queue; an endpoint
    whose circuit is open has its events rescheduled to when it closes, untried. All tries of a
    round run at once. With ``wait`` the call returns when they are done (at most one
    ``timeout_seconds``); without it (the worker, ``deliver_webhooks_in_background``) the round's
    tries run on in the background and still hold their endpoints' slots, so the next round, a
    second later, serves every other endpoint while a tarpit keeps its few.
    """
    flight = _in_flight(runtime)
    room = batch - flight.events
    if room <= 0:
        return 0
    now = runtime.now()
    lease_seconds = int(timeout_seconds * 2) + 60  # outlives the round
    events = await webhook_store.lease_due_events(
        runtime.database, now=now, lease_seconds=lease_seconds, limit=room, per_lane=PER_LANE
    )
    if not events:
        return 0
    async with runtime.database.reading() as connection:
        settings = await webhook_store.merchant_webhook_settings(connection, {e.merchant_id for e in events})
        targets = {e.id: _targets(e, settings[e.merchant_id].url if e.merchant_id in settings else None) for e in events}
        origins = {event_id: {endpoint_of(url) for url in urls} for event_id, urls in targets.items()}
        circuits = await webhook_store.circuits(connection, set().union(*origins.values()))
    state = _Round(now, circuits, Counter(flight.per_endpoint))
    chosen: list[Any] = []
    handled = len(events)
    for event in events:
        if not targets[event.id]:  # the merchant removed its webhook URL after the event was written
            await webhook_store.finish_delivery(
                runtime.database, event.id, event.lease_until, [], state=webhook_store.DEAD, last_error=NO_URL
            )
        elif (closes_at := state.open_until(origins[event.id])) is not None and now < _give_up_at(event):
            await _postpone(runtime, event, closes_at)
        elif state.admits(origins[event.id]):
            chosen.append(event)
        else:  # its endpoint is busy: back in the queue, untried, for a later round
            await webhook_store.finish_delivery(runtime.database, event.id, event.lease_until, [])
            handled -= 1
    if not chosen:
        return handled
    for event in chosen:
        flight.per_endpoint.update(origins[event.id])
    flight.events += len(chosen)
    tries = _send_round(runtime, state, chosen, targets, settings, timeout_seconds)

    async def run_and_release() -> None:
        try:
            await tries
        finally:
            for event in chosen:
                flight.per_endpoint.subtract(origins[event.id])
            flight.per_endpoint += Counter()  # drops endpoints at zero
            flight.events -= len(chosen)

    if wait:
        await run_and_release()
    else:
        task = asyncio.create_task(run_and_release(), name="webhook round")
        flight.rounds.add(task)
        task.add_done_callback(flight.rounds.discard)
    return handled


async def deliver_webhooks_in_background(runtime: Runtime) -> int:
    """The worker's job: one round whose tries run on after it returns (see ``deliver_due_webhooks``).

    When every due event waits for an endpoint busy with this process's tries, it waits (a second
    at most) for one of its rounds to finish and reports it, so the worker goes again at once: an
    endpoint's events flow at the speed it answers, PER_ENDPOINT at a time, not one round a second.
    """
    handled = await deliver_due_webhooks(runtime, wait=False)
    rounds = set(_in_flight(runtime).rounds)
    if handled or not rounds:
        return handled
    done, _ = await asyncio.wait(rounds, timeout=1, return_when=asyncio.FIRST_COMPLETED)
    return len(done)


async def _send_round(
    runtime: Runtime, state: _Round, chosen: list[Any], targets: dict[int, list[str]],
    settings: dict[int, webhook_store.MerchantHooks], timeout_seconds: float,
) -> None:
    """Try every chosen event at once, record each, then every endpoint's circuit."""
    secrets_by_merchant: dict[int, str] = {}

    async def secret_of(merchant_id: int) -> str:
        if merchant_id not in secrets_by_merchant:
            sealed = settings[merchant_id].sealed_secret
            secrets_by_merchant[merchant_id] = (
                open_secret(runtime, merchant_id, sealed) if sealed else await webhook_secret(runtime, merchant_id)
            )
        return secrets_by_merchant[merchant_id]

    async def deliver(event: Any) -> list[WebhookAttempt]:
        secret = await secret_of(event.merchant_id)
        hooks = settings[event.merchant_id]
        return await _try_event(runtime, client, event, targets[event.id], secret, hooks.format, timeout_seconds)

    async with _client(timeout_seconds, allow_private=runtime.settings.webhook_allow_private) as client:
        outcomes = await asyncio.gather(*(deliver(event) for event in chosen), return_exceptions=True)
    tried: list[WebhookAttempt] = []
    for event, outcome in zip(chosen, outcomes, strict=True):
        if isinstance(outcome, BaseException):  # its lease runs out and a later round takes it again
            log.error("webhook.processing_failed", webhook_id=webhook_id(event.id), exc_info=outcome)
        else:
            tried.extend(outcome)
    await _record_circuits(runtime, state, tried)


def _give_up_at(event: Any) -> int:
    """The last try is made at this mark (three days after the event), open circuit or not."""
    return int(event.created_at) + RETRY_WINDOW_SECONDS


async def _postpone(runtime: Runtime, event: Any, closes_at: int) -> None:
    """An event for an endpoint whose circuit is open: rescheduled to when it closes, not tried."""
    why = f"not tried: its endpoint failed {CIRCUIT_FAILURES} or more times in a row; paused until {closes_at}"
    await webhook_store.finish_delivery(
        runtime.database, event.id, event.lease_until, [], next_attempt_at=min(closes_at, _give_up_at(event)), last_error=why
    )


async def _record_circuits(runtime: Runtime, state: _Round, tried: list[WebhookAttempt]) -> None:
    failed: Counter[str] = Counter()
    answered: set[str] = set()
    for attempt in tried:
        origin = endpoint_of(attempt.url)
        if attempt.succeeded:
            answered.add(origin)
        elif attempt.status_code is None and attempt.error and attempt.error.startswith("refused"):
            continue  # refused by the SSRF policy before any connection: not the endpoint's fault
        else:
            failed[origin] += 1
    finished_at = runtime.now()
    outcomes: dict[str, webhook_store.Circuit | None] = {origin: None for origin in answered}
    for origin, count in failed.items():
        if origin not in answered:
            outcomes[origin] = circuit_after(state.circuits.get(origin), count, finished_at)
    if outcomes:
        await webhook_store.record_endpoint_outcomes(
            runtime.database, outcomes, now=finished_at, forget_before=finished_at - RETRY_WINDOW_SECONDS
        )


async def _try_event(
    runtime: Runtime, client: aiohttp.ClientSession, event: Any, targets: list[str], secret: str, body_format: str,
    timeout_seconds: float,
) -> list[WebhookAttempt]:
    body, content_type = encode_body(json.loads(event.payload), body_format)
    sent_at = runtime.now()
    headers = {"content-type": content_type, **signed_headers(secret, webhook_id(event.id), sent_at, body)}
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
        give_up_at = _give_up_at(event)
        if finished_at >= give_up_at:
            outcome = {"state": webhook_store.DEAD, "last_error": f"gave up after {count} tries: {problem}"[:EXCERPT_CHARS]}
            log.warning("webhook.dead", webhook_id=webhook_id(event.id), attempts=count, problem=problem)
        else:
            outcome = {"next_attempt_at": min(finished_at + retry_delay(count), give_up_at), "last_error": problem}
    await webhook_store.finish_delivery(runtime.database, event.id, event.lease_until, attempt_rows, attempts=count, **outcome)
    observe_try(event, outcome.get("state"), results)  # the webhook.delivery line and counter (paymux.observability)
    return list(results)


TEST_PAYLOAD = {"imp_uid": None, "merchant_uid": None, "status": "test"}


async def send_test_webhook(runtime: Runtime, merchant: Merchant) -> dict[str, Any]:
    """POST a signed test payload to the merchant's webhook URL now, and say how the receiver answered.

    For the console's "send test webhook": it is not queued, retried or logged as an event.
    """
    async with runtime.database.reading() as connection:
        settings = await webhook_store.merchant_webhook_settings(connection, [merchant.id])
    if merchant.id not in settings:
        raise NotFound(f"no merchant with id {merchant.id}")
    url = settings[merchant.id].url
    if not url:
        raise InvalidParameter("webhook_url", "is not set; save a webhook URL before sending a test webhook")
    secret = await webhook_secret(runtime, merchant.id)
    message_id = "msg_test_" + secrets.token_hex(8)
    body, content_type = encode_body(TEST_PAYLOAD, settings[merchant.id].format)
    headers = {"content-type": content_type, **signed_headers(secret, message_id, runtime.now(), body)}
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

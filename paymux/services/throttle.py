"""Throttles per client address, shared by every instance through the database.

Each rule is a fixed window of one minute per key, counted by one atomic upsert
(``paymux.store.throttle``). Three rules use it (limits per minute in ``Settings``, 0 turns one off):

- ``console_logins``: every console sign-in attempt of an address, counted *before* the password
  is checked, so parallel guesses are refused once the limit is reached, not after they were checked.
- ``token_failures``: refused ``POST /users/getToken`` of an address. Only refusals count, because
  i'mport's official clients ask for a token before every call; while the address is at its limit
  every request is refused before the secret is compared. A burst sent in parallel is refused as soon
  as its failures are counted (imp_secret is 80 random characters: the limit stops hammering, the
  secret's length stops guessing).
- ``windows``: payment windows one user code opens for one address (the window is anonymous: anyone
  who knows a user code can open it, and each can carry ``notice_url``s).

Why a counter table and not the ``limits`` library: the atomic step has to be an SQL upsert either
way, and ``limits``' strategies read the wall clock and cannot take back a hit, while paymux's clock
is injected; its fixed window in one statement is shorter than an adapter to ``limits``' storage API.

Addresses are the client address uvicorn put in the ASGI scope: the TCP peer, or the address a
trusted proxy forwarded (``PAYMUX_TRUSTED_PROXIES``). IPv6 clients are counted per /64, the block one
subscriber gets, so rotating addresses inside it does not reset the count.
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
from dataclasses import dataclass

from paymux.config import Settings
from paymux.domain.errors import PaymuxError
from paymux.services.runtime import Runtime
from paymux.store import throttle as counter_store

log = logging.getLogger("paymux.throttle")

WINDOW_SECONDS = 60
_PURGE_EVERY = 500  # hits of this process between two deletions of expired windows
_hits = itertools.count(1)


class Throttled(PaymuxError):
    """Too many requests of this kind from this address: HTTP 429 with ``Retry-After: retry_after``
    (seconds until the current window ends)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(f"{message}; retry after {retry_after} seconds (요청이 너무 많습니다. 잠시 후 다시 시도해주세요)")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rule:
    name: str  # the key's prefix
    limit: int  # hits per window; 0: off
    refusal: str  # what the Throttled message says was too many


def console_logins(settings: Settings) -> Rule:
    return Rule("console-login", settings.console_logins_per_minute, "too many sign-in attempts from this address")


def token_failures(settings: Settings) -> Rule:
    return Rule("token-failures", settings.token_failures_per_minute, "too many refused token requests from this address")


def windows(settings: Settings) -> Rule:
    return Rule("window", settings.windows_per_minute, "too many payment windows opened from this address")


def address_key(address: str | None) -> str:
    """The part of a key that names the client: the IPv4 address, or the /64 of an IPv6 one."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _key(rule: Rule, parts: tuple[str, ...], address: str | None) -> str:
    return ":".join((rule.name, *parts, address_key(address)))[:200]


async def hit(runtime: Runtime, rule: Rule, address: str | None, *parts: str) -> None:
    """Count one request; raises ``Throttled`` when it is over the rule's limit."""
    if rule.limit <= 0:
        return
    now = runtime.now()
    async with runtime.database.transaction() as connection:
        window = await counter_store.hit(connection, _key(rule, parts, address), now, WINDOW_SECONDS)
        if next(_hits) % _PURGE_EVERY == 0:
            await counter_store.forget_expired(connection, now - WINDOW_SECONDS)
    if window.hits > rule.limit:
        raise Throttled(rule.refusal, max(1, window.expires_at - now))


async def check(runtime: Runtime, rule: Rule, address: str | None, *parts: str) -> None:
    """Raises ``Throttled`` when the address already reached the rule's limit; counts nothing."""
    if rule.limit <= 0:
        return
    now = runtime.now()
    async with runtime.database.reading() as connection:
        window = await counter_store.current(connection, _key(rule, parts, address), now)
    if window is not None and window.hits >= rule.limit:
        raise Throttled(rule.refusal, max(1, window.expires_at - now))


async def count(runtime: Runtime, rule: Rule, address: str | None, *parts: str) -> None:
    """Count one request (a refusal the rule counts) without refusing it."""
    try:
        await hit(runtime, rule, address, *parts)
    except Throttled:
        pass

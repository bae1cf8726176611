"""Settings from the environment (``PAYMUX_*``), with defaults that run out of the box.

With nothing set, paymux keeps everything under ``./.paymux``: the SQLite database and the vault key
file. Operators point ``PAYMUX_DATABASE_URL`` at PostgreSQL to run several instances.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _normalise_database_url(url: str) -> str:
    """Accept the URLs operators write (``postgresql://``, ``sqlite:///``) and pick our async drivers."""
    for prefix, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    vault_keys: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    token_ttl_seconds: int = 1800
    merchant_cache_seconds: float = 2.0
    connector_timeout_seconds: float = 10.0
    pending_outcome_grace_seconds: int = 60
    run_workers: bool = True
    database_pool_size: int = 20
    # How long a request waits for a pooled connection before it is answered 503 with Retry-After.
    database_pool_timeout_seconds: float = 10.0
    job_lease_seconds: int = 120
    # Console users may point a channel at a private or loopback host (an emulator on the intranet)
    # only when the operator allows it; the CLI may always.
    pg_endpoint_allow_private: bool = False
    # Serve the PG emulators inside paymux (``/pg-emulator/inicis``): ``paymux demo`` turns it on so
    # the demo shows a real PG protocol offline. Never for production.
    pg_emulators: bool = False
    # This server's public IP as PGs see it (INICIS INIAPI ``clientIp``; some PGs allow-list it).
    pg_client_ip: str = "127.0.0.1"
    # Webhooks and ``notice_url``s go only to public addresses unless the operator allows private,
    # loopback and link-local ones (tests, intranet deployments): see ``paymux.webhooks.targets``.
    webhook_allow_private: bool = False
    # GET /metrics (paymux.observability): off unless a bearer token is set (then on the API's port)
    # or an address to listen on (``host:port``, a separate listener for the scraper only).
    metrics_token: str | None = None
    metrics_bind: str | None = None
    # Reverse proxies (addresses or CIDRs) whose X-Forwarded-For / X-Forwarded-Proto paymux believes;
    # empty: the TCP peer is the client, whatever headers it sends (README "Behind a reverse proxy").
    trusted_proxies: tuple[str, ...] = ()
    # Throttles per client address, counted in the database so every instance shares them (paymux.throttle);
    # a fixed one-minute window each, 0 turns one off.
    console_logins_per_minute: int = 20  # console sign-in attempts per address
    token_failures_per_minute: int = 20  # refused POST /users/getToken per address
    windows_per_minute: int = 30  # payment windows one user code opens for one address

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("PAYMUX_DATA_DIR", ".paymux")).resolve()
        database_url = env.get("PAYMUX_DATABASE_URL") or f"sqlite:///{data_dir / 'paymux.db'}"
        return cls(
            data_dir=data_dir,
            database_url=_normalise_database_url(database_url),
            vault_keys=env.get("PAYMUX_VAULT_KEYS") or None,
            public_url=env.get("PAYMUX_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            token_ttl_seconds=int(env.get("PAYMUX_TOKEN_TTL_SECONDS", "1800")),
            merchant_cache_seconds=float(env.get("PAYMUX_MERCHANT_CACHE_SECONDS", "2")),
            connector_timeout_seconds=float(env.get("PAYMUX_CONNECTOR_TIMEOUT_SECONDS", "10")),
            pending_outcome_grace_seconds=int(env.get("PAYMUX_PENDING_GRACE_SECONDS", "60")),
            run_workers=env.get("PAYMUX_RUN_WORKERS", "1") not in ("0", "false", "no"),
            database_pool_size=int(env.get("PAYMUX_DB_POOL_SIZE", "20")),
            database_pool_timeout_seconds=float(env.get("PAYMUX_DB_POOL_TIMEOUT_SECONDS", "10")),
            job_lease_seconds=int(env.get("PAYMUX_JOB_LEASE_SECONDS", "120")),
            pg_endpoint_allow_private=env.get("PAYMUX_PG_ENDPOINT_ALLOW_PRIVATE", "0") in ("1", "true", "yes"),
            pg_emulators=env.get("PAYMUX_PG_EMULATORS", "0") in ("1", "true", "yes"),
            pg_client_ip=env.get("PAYMUX_PG_CLIENT_IP", "127.0.0.1"),
            webhook_allow_private=webhook_allow_private_from_env(env),
            metrics_token=env.get("PAYMUX_METRICS_TOKEN") or None,
            metrics_bind=env.get("PAYMUX_METRICS_BIND") or None,
            trusted_proxies=parse_trusted_proxies(env.get("PAYMUX_TRUSTED_PROXIES", "")),
            console_logins_per_minute=int(env.get("PAYMUX_CONSOLE_LOGINS_PER_MINUTE", "20")),
            token_failures_per_minute=int(env.get("PAYMUX_TOKEN_FAILURES_PER_MINUTE", "20")),
            windows_per_minute=int(env.get("PAYMUX_WINDOWS_PER_MINUTE", "30")),
        )


def parse_trusted_proxies(value: str) -> tuple[str, ...]:
    """``PAYMUX_TRUSTED_PROXIES``: comma-separated addresses or CIDRs (``10.0.0.5, 10.1.0.0/16``).
    Raises ``ValueError`` naming the entry that is neither, so a typo stops the server at start."""
    proxies = []
    for entry in (part.strip() for part in value.split(",")):
        if entry:
            try:
                proxies.append(str(ipaddress.ip_network(entry, strict=False)))
            except ValueError:
                raise ValueError(f"PAYMUX_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR") from None
    return tuple(proxies)


def uvicorn_proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for forwarding headers: honoured only from ``settings.trusted_proxies``.
    uvicorn's own default trusts ``X-Forwarded-For`` from 127.0.0.1, which would let any local
    process (or a same-host proxy passing the header on) pick the client address the API whitelist,
    the console and the throttles see; so with no trusted proxy the headers are not read at all."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(settings.trusted_proxies)}


WEBHOOK_ALLOW_PRIVATE = "PAYMUX_WEBHOOK_ALLOW_PRIVATE"


def webhook_allow_private_from_env(env: dict[str, str] | None = None) -> bool:
    """``PAYMUX_WEBHOOK_ALLOW_PRIVATE``, read where no ``Settings`` is at hand: request-body
    validators refusing a literal private ``notice_url`` before anything is stored. The delivery
    worker and the console use ``Settings.webhook_allow_private``, read from the same variable."""
    value = (os.environ if env is None else env).get(WEBHOOK_ALLOW_PRIVATE, "0")
    return value.strip().lower() in ("1", "true", "yes")

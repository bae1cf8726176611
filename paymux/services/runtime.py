"""What every use case needs, built once per process by ``app.py`` or the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from paymux.clock import Clock, SystemClock
from paymux.config import Settings
from paymux.connectors.registry import ConnectorRegistry
from paymux.store.database import Database
from paymux.store.ledger import DatabaseSandboxLedger
from paymux.vault import Vault


@dataclass
class Runtime:
    settings: Settings
    database: Database
    vault: Vault
    connectors: ConnectorRegistry
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        clock = clock or SystemClock()
        database = Database(
            settings.database_url, pool_size=settings.database_pool_size, pool_timeout=settings.database_pool_timeout_seconds
        )
        vault = Vault.load(settings.vault_keys, settings.data_dir)
        connectors = ConnectorRegistry(
            DatabaseSandboxLedger(database, clock), timeout_seconds=settings.connector_timeout_seconds,
            client_ip=settings.pg_client_ip,
        )
        return cls(settings=settings, database=database, vault=vault, connectors=connectors, clock=clock)

    def now(self) -> int:
        return self.clock.now()

    async def close(self) -> None:
        await self.connectors.close()
        await self.database.dispose()

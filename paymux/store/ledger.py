"""The sandbox PGs' ledger on our database, written in its own transactions like a remote party."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from paymux.clock import Clock
from paymux.store.database import Database
from paymux.store.schema import sandbox_ledger


class DatabaseSandboxLedger:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def get(self, key: str) -> dict[str, Any] | None:
        async with self._database.reading() as connection:
            value = (await connection.execute(select(sandbox_ledger.c.value).where(sandbox_ledger.c.key == key))).scalar()
        return json.loads(value) if value is not None else None

    async def put(self, key: str, value: dict[str, Any]) -> None:
        encoded = json.dumps(value)
        async with self._database.transaction() as connection:
            try:
                async with connection.begin_nested():
                    await connection.execute(
                        insert(sandbox_ledger).values(key=key, value=encoded, created_at=self._clock.now())
                    )
            except IntegrityError:
                await connection.execute(update(sandbox_ledger).where(sandbox_ledger.c.key == key).values(value=encoded))

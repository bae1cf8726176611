"""Every sealed value paymux stores, in one registry, and re-sealing them all under the vault's
current key so that an old key can be retired (``paymux vault rotate``).

A value sealed by the vault (``Vault.seal``) rests either in a pair of columns (key id, ciphertext)
or inside a JSON text column (a journal entry carrying a sealed billing key). Each place is listed
once in ``SEALED_VALUES`` with the vault context that opens it; rotation walks the list, and a test
(``tests/security/test_vault_registry.py``) fails when the schema gains a ``*_ciphertext`` column
the list does not name.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.sealed import Sealed
from paymux.services.billing import billing_key_context
from paymux.services.channels import credentials_context
from paymux.services.runtime import Runtime
from paymux.store.schema import channels, customers, merchants, order_claims
from paymux.vault import Vault, VaultError
from paymux.webhooks.outbox import secret_context

BATCH = 500


@dataclass(frozen=True)
class SealedColumns:
    """A sealed value in two columns of a table: the key id and the ciphertext (nullable or not)."""

    name: str
    table: Table
    key_id: str
    ciphertext: str
    context: Callable[[Any], str]  # the row (with every column) -> vault context


@dataclass(frozen=True)
class SealedInJson:
    """A sealed value inside a JSON text column: ``json[path…]`` is an object holding the key id and
    the base64 ciphertext under ``key_id`` and ``ciphertext``."""

    name: str
    table: Table
    column: str
    path: tuple[str, ...]
    key_id: str
    ciphertext: str
    context: Callable[[dict[str, Any]], str]  # the object at ``path`` -> vault context


SealedPlace = SealedColumns | SealedInJson

SEALED_VALUES: tuple[SealedPlace, ...] = (
    SealedColumns(
        "billing keys", customers, "billing_key_key_id", "billing_key_ciphertext",
        lambda row: billing_key_context(row.merchant_id, row.customer_uid),
    ),
    SealedColumns(
        "channel credentials", channels, "credentials_key_id", "credentials_ciphertext",
        lambda row: credentials_context(row.id),
    ),
    SealedColumns(
        "webhook signing secrets", merchants, "webhook_secret_key_id", "webhook_secret_ciphertext",
        lambda row: secret_context(row.id),
    ),
    # A charge that issues a billing key journals it (``store.claims._KEEPS_CUSTOMER``) so that an
    # approval learned later by the reconciler still keeps it; the journal entry stays after.
    SealedInJson(
        "billing keys journaled with charge attempts", order_claims, "attempt", ("_keeps_customer",),
        "billing_key_key_id", "billing_key_ciphertext",
        lambda customer: billing_key_context(customer["merchant_id"], customer["customer_uid"]),
    ),
)


async def reseal_all(runtime: Runtime) -> int:
    """Re-encrypt every sealed value not sealed by the current key; return how many were.

    Works in batches, each its own transaction, so it can run beside live traffic and be resumed.
    Raises ``VaultError`` (naming the place) if a value does not open with the loaded keys.
    """
    resealed = 0
    for place in SEALED_VALUES:
        if isinstance(place, SealedColumns):
            resealed += await _reseal_columns(runtime, place)
        else:
            resealed += await _reseal_json(runtime, place)
    return resealed


def _reseal(vault: Vault, place: SealedPlace, sealed: Sealed, context: str) -> Sealed:
    try:
        return vault.reseal(sealed, context)
    except VaultError as error:
        raise VaultError(f"{place.name}: {error}") from None


async def _reseal_columns(runtime: Runtime, place: SealedColumns) -> int:
    vault, table = runtime.vault, place.table
    key_id, ciphertext = table.c[place.key_id], table.c[place.ciphertext]
    keys = list(table.primary_key.columns)
    resealed = 0
    while True:
        async with runtime.database.transaction() as connection:
            rows = (
                await connection.execute(
                    select(table)
                    .where(ciphertext.is_not(None), key_id != vault.current_key_id)
                    .order_by(*keys)
                    .limit(BATCH)
                    .with_for_update()
                )
            ).all()
            for row in rows:
                sealed = _reseal(vault, place, Sealed(getattr(row, place.key_id), getattr(row, place.ciphertext)), place.context(row))
                await connection.execute(
                    update(table)
                    .where(*(column == getattr(row, column.name) for column in keys))
                    .values({place.key_id: sealed.key_id, place.ciphertext: sealed.ciphertext})
                )
        resealed += len(rows)
        if len(rows) < BATCH:
            return resealed


async def _reseal_json(runtime: Runtime, place: SealedInJson) -> int:
    """JSON cannot be filtered by key id portably: walk the rows that mention the path, in key order."""
    table, column = place.table, place.table.c[place.column]
    keys = list(table.primary_key.columns)
    after: tuple[Any, ...] | None = None
    resealed = 0
    while True:
        async with runtime.database.transaction() as connection:
            query = select(*keys, column).where(column.like(f'%"{place.path[-1]}"%')).order_by(*keys).limit(BATCH)
            if after is not None:
                query = query.where(tuple_(*keys) > tuple_(*after))
            rows = (await connection.execute(query.with_for_update())).all()
            for row in rows:
                resealed += await _reseal_json_row(runtime.vault, connection, place, row)
        if len(rows) < BATCH:
            return resealed
        after = tuple(getattr(rows[-1], key.name) for key in keys)


async def _reseal_json_row(vault: Vault, connection: AsyncConnection, place: SealedInJson, row: Any) -> int:
    document = json.loads(getattr(row, place.column))
    holder: Any = document
    for step in place.path:
        holder = holder.get(step) if isinstance(holder, dict) else None
    if not isinstance(holder, dict) or holder.get(place.key_id) in (None, vault.current_key_id):
        return 0
    sealed = Sealed(holder[place.key_id], base64.b64decode(holder[place.ciphertext]))
    fresh = _reseal(vault, place, sealed, place.context(holder))
    holder[place.key_id], holder[place.ciphertext] = fresh.key_id, base64.b64encode(fresh.ciphertext).decode()
    keys = list(place.table.primary_key.columns)
    await connection.execute(
        update(place.table)
        .where(*(column == getattr(row, column.name) for column in keys))
        .values({place.column: json.dumps(document, ensure_ascii=False)})
    )
    return 1

"""Re-sealing every secret under the vault's current key, so an old key can be retired."""

from __future__ import annotations

from sqlalchemy import select, update

from paymux.domain.sealed import Sealed
from paymux.services.billing import billing_key_context
from paymux.services.channels import credentials_context
from paymux.services.runtime import Runtime
from paymux.store.schema import channels, customers

BATCH = 500


async def reseal_all(runtime: Runtime) -> int:
    """Re-encrypt billing keys and channel credentials not sealed by the current key.

    Works in batches, each its own transaction, so it can run beside live traffic and be resumed.
    Returns how many records were re-sealed.
    """
    vault = runtime.vault
    resealed = 0
    while True:
        async with runtime.database.transaction() as connection:
            rows = (
                await connection.execute(
                    select(customers.c.id, customers.c.merchant_id, customers.c.customer_uid,
                           customers.c.billing_key_key_id, customers.c.billing_key_ciphertext)
                    .where(customers.c.billing_key_key_id != vault.current_key_id)
                    .limit(BATCH)
                    .with_for_update()
                )
            ).all()
            for row in rows:
                sealed = vault.reseal(
                    Sealed(row.billing_key_key_id, row.billing_key_ciphertext),
                    billing_key_context(row.merchant_id, row.customer_uid),
                )
                await connection.execute(
                    update(customers)
                    .where(customers.c.id == row.id)
                    .values(billing_key_key_id=sealed.key_id, billing_key_ciphertext=sealed.ciphertext)
                )
        resealed += len(rows)
        if len(rows) < BATCH:
            break
    async with runtime.database.transaction() as connection:
        rows = (
            await connection.execute(
                select(channels.c.id, channels.c.credentials_key_id, channels.c.credentials_ciphertext).where(
                    channels.c.credentials_ciphertext.is_not(None), channels.c.credentials_key_id != vault.current_key_id
                )
            )
        ).all()
        for row in rows:
            sealed = vault.reseal(Sealed(row.credentials_key_id, row.credentials_ciphertext), credentials_context(row.id))
            await connection.execute(
                update(channels)
                .where(channels.c.id == row.id)
                .values(credentials_key_id=sealed.key_id, credentials_ciphertext=sealed.ciphertext)
            )
        resealed += len(rows)
    return resealed

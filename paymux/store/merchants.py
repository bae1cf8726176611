"""Queries on merchants and their channels."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.channel import Channel, ChannelMode, PayType
from paymux.domain.merchant import Merchant
from paymux.domain.sealed import Sealed
from paymux.store.schema import channels, customers, merchants, payments


def _merchant(row: Any) -> Merchant:
    return Merchant(
        id=row.id,
        user_code=row.user_code,
        name=row.name,
        imp_key=row.imp_key,
        credentials_version=row.credentials_version,
        ip_whitelist=tuple(json.loads(row.ip_whitelist)),
        parent_id=row.parent_id,
        tier_code=row.tier_code,
        webhook_url=row.webhook_url,
    )


async def insert_merchant(connection: AsyncConnection, **values: Any) -> int:
    result = await connection.execute(insert(merchants).values(**values).returning(merchants.c.id))
    return result.scalar_one()


async def merchant_by_id(connection: AsyncConnection, merchant_id: int) -> Merchant | None:
    row = (await connection.execute(select(merchants).where(merchants.c.id == merchant_id))).first()
    return _merchant(row) if row else None


async def merchant_by_user_code(connection: AsyncConnection, user_code: str) -> Merchant | None:
    row = (await connection.execute(select(merchants).where(merchants.c.user_code == user_code))).first()
    return _merchant(row) if row else None


async def merchant_and_secret_by_imp_key(connection: AsyncConnection, imp_key: str) -> tuple[Merchant, str] | None:
    row = (await connection.execute(select(merchants).where(merchants.c.imp_key == imp_key))).first()
    return (_merchant(row), row.imp_secret_hash) if row else None


async def sub_merchant(connection: AsyncConnection, parent_id: int, tier_code: str) -> Merchant | None:
    row = (
        await connection.execute(
            select(merchants).where(merchants.c.parent_id == parent_id, merchants.c.tier_code == tier_code)
        )
    ).first()
    return _merchant(row) if row else None


async def update_merchant(connection: AsyncConnection, merchant_id: int, **values: Any) -> None:
    await connection.execute(update(merchants).where(merchants.c.id == merchant_id).values(**values))


def channel_from_row(row: Any) -> Channel:
    return Channel(
        id=row.id,
        merchant_id=row.merchant_id,
        position=row.position,
        pg_provider=row.pg_provider,
        mid=row.mid,
        pay_type=PayType(row.pay_type),
        mode=ChannelMode(row.mode),
        is_default=bool(row.is_default),
        label=row.label,
        endpoint=row.endpoint,
        credentials=(
            Sealed(key_id=row.credentials_key_id, ciphertext=row.credentials_ciphertext)
            if row.credentials_ciphertext is not None
            else None
        ),
    )


async def list_channels(connection: AsyncConnection, merchant_id: int) -> list[Channel]:
    """The merchant's channels in matching order; deleted ones are not listed."""
    rows = await connection.execute(
        select(channels)
        .where(channels.c.merchant_id == merchant_id, channels.c.deleted_at.is_(None))
        .order_by(channels.c.position, channels.c.id)
    )
    return [channel_from_row(r) for r in rows]


async def channel_by_id(connection: AsyncConnection, merchant_id: int, channel_id: int) -> Channel | None:
    row = (
        await connection.execute(
            select(channels).where(channels.c.merchant_id == merchant_id, channels.c.id == channel_id)
        )
    ).first()
    return channel_from_row(row) if row else None


async def set_channel_credentials(connection: AsyncConnection, channel_id: int, sealed: Sealed) -> None:
    await connection.execute(
        update(channels)
        .where(channels.c.id == channel_id)
        .values(credentials_key_id=sealed.key_id, credentials_ciphertext=sealed.ciphertext)
    )


async def next_channel_position(connection: AsyncConnection, merchant_id: int) -> int:
    current = await connection.execute(
        select(func.max(channels.c.position)).where(channels.c.merchant_id == merchant_id)
    )
    return (current.scalar_one() or 0) + 1


async def insert_channel(connection: AsyncConnection, **values: Any) -> int:
    result = await connection.execute(insert(channels).values(**values).returning(channels.c.id))
    return result.scalar_one()


async def clear_default_channel(connection: AsyncConnection, merchant_id: int) -> None:
    await connection.execute(
        update(channels).where(channels.c.merchant_id == merchant_id).values(is_default=False)
    )


async def listed_channel_by_id(connection: AsyncConnection, merchant_id: int, channel_id: int) -> Channel | None:
    """A channel still in the merchant's list (not deleted)."""
    row = (
        await connection.execute(
            select(channels).where(
                channels.c.merchant_id == merchant_id, channels.c.id == channel_id, channels.c.deleted_at.is_(None)
            )
        )
    ).first()
    return channel_from_row(row) if row else None


async def deleted_channel_id(connection: AsyncConnection, merchant_id: int, pg_provider: str, mid: str, pay_type: str) -> int | None:
    row = (
        await connection.execute(
            select(channels.c.id).where(
                channels.c.merchant_id == merchant_id,
                channels.c.pg_provider == pg_provider,
                channels.c.mid == mid,
                channels.c.pay_type == pay_type,
                channels.c.deleted_at.is_not(None),
            )
        )
    ).first()
    return row.id if row else None


async def update_channel(connection: AsyncConnection, channel_id: int, **values: Any) -> None:
    await connection.execute(update(channels).where(channels.c.id == channel_id).values(**values))


async def channel_in_use(connection: AsyncConnection, channel_id: int) -> bool:
    """Whether a payment or a billing key points at the channel (then it cannot be removed for good)."""
    query = select(
        or_(
            exists().where(payments.c.channel_id == channel_id),
            exists().where(customers.c.channel_id == channel_id),
        )
    )
    return bool((await connection.execute(query)).scalar_one())


async def delete_channel(connection: AsyncConnection, channel_id: int) -> None:
    await connection.execute(delete(channels).where(channels.c.id == channel_id))


async def list_merchants(connection: AsyncConnection) -> list[Merchant]:
    """Every merchant, oldest first (the operators' ``paymux merchant list``)."""
    rows = await connection.execute(select(merchants).order_by(merchants.c.id))
    return [_merchant(r) for r in rows]


async def list_sub_merchants(connection: AsyncConnection, parent_id: int) -> list[Merchant]:
    rows = await connection.execute(
        select(merchants).where(merchants.c.parent_id == parent_id).order_by(merchants.c.id)
    )
    return [_merchant(r) for r in rows]

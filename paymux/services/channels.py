"""Channels (PG settings): adding them, listing them in matching order, and resolving ``pg`` values."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.exc import IntegrityError

from paymux.connectors.base import ChannelContext
from paymux.domain.channel import (
    Channel,
    ChannelMode,
    PayType,
    Purpose,
    resolve_channel,
    validate_pg_code,
)
from paymux.domain.errors import Conflict, InvalidParameter
from paymux.services.runtime import Runtime
from paymux.store import merchants as merchant_store


def credentials_context(channel_id: int) -> str:
    return f"channel:{channel_id}:credentials"


async def add_channel(
    runtime: Runtime,
    merchant_id: int,
    *,
    pg: str,
    mid: str | None,
    pay_type: str,
    mode: str,
    default: bool = False,
    label: str = "",
    credentials: dict[str, Any] | None = None,
) -> Channel:
    """Append a channel to the merchant's list. The first channel becomes the default."""
    code = validate_pg_code(pg)
    connector = runtime.connectors.describe(code)
    try:
        kind = PayType(pay_type)
    except ValueError:
        raise InvalidParameter("type", "must be one of general, subscription, simple, api") from None
    try:
        channel_mode = ChannelMode(mode)
    except ValueError:
        raise InvalidParameter("mode", "must be test or live") from None
    if kind not in connector.pay_types:
        allowed = ", ".join(sorted(t.value for t in connector.pay_types))
        hint = " (KG모빌리언스는 API 방식 비인증결제를 지원하지 않습니다)" if code == "mobilians" and kind is PayType.API else ""
        raise InvalidParameter("type", f"{connector.display_name} supports {allowed} channels, not {kind.value}{hint}")
    mid = (mid or "").strip() or (connector.test_mids.get(kind, "") if channel_mode is ChannelMode.TEST else "")
    if not mid:
        raise InvalidParameter("mid", "is required for a live channel (the Merchant ID the PG issued)")
    if len(mid) > 100 or "." in mid:
        raise InvalidParameter("mid", "must be at most 100 characters and contain no '.'")
    now = runtime.now()
    async with runtime.database.transaction() as connection:
        existing = await merchant_store.list_channels(connection, merchant_id)
        is_default = default or not existing
        if is_default:
            await merchant_store.clear_default_channel(connection, merchant_id)
        try:
            async with connection.begin_nested():
                channel_id = await merchant_store.insert_channel(
                    connection,
                    merchant_id=merchant_id,
                    position=await merchant_store.next_channel_position(connection, merchant_id),
                    pg_provider=code,
                    mid=mid,
                    pay_type=kind.value,
                    mode=channel_mode.value,
                    is_default=is_default,
                    label=label,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise Conflict(f"a {code} channel with MID {mid} and type {kind.value} already exists (이미 등록된 상점아이디입니다)") from None
        if credentials:
            sealed = runtime.vault.seal(json.dumps(credentials).encode(), credentials_context(channel_id))
            await merchant_store.set_channel_credentials(connection, channel_id, sealed)
        channel = await merchant_store.channel_by_id(connection, merchant_id, channel_id)
    assert channel is not None
    return channel


async def list_channels(runtime: Runtime, merchant_id: int) -> list[Channel]:
    async with runtime.database.reading() as connection:
        return await merchant_store.list_channels(connection, merchant_id)


async def resolve(runtime: Runtime, merchant_id: int, pg: str | None, purpose: Purpose | None = None) -> Channel:
    return resolve_channel(await list_channels(runtime, merchant_id), pg, purpose)


def channel_context(runtime: Runtime, channel: Channel) -> ChannelContext:
    """The channel with its credentials opened from the vault, for one connector call."""
    if channel.credentials is None:
        return ChannelContext(channel=channel)
    credentials = json.loads(runtime.vault.open(channel.credentials, credentials_context(channel.id)))
    return ChannelContext(channel=channel, credentials=credentials)

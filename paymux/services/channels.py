"""Channels (PG settings): adding, editing, deleting and reordering them, picking the default,
assigning them to sub-merchants, and resolving ``pg`` values."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import ChannelContext
from paymux.domain.channel import (
    Channel,
    ChannelMode,
    PayType,
    Purpose,
    Resolution,
    explain_channel,
    validate_pg_code,
)
from paymux.domain.errors import Conflict, InvalidParameter, NotFound, Refused
from paymux.domain.net import is_public_address
from paymux.domain.sealed import Sealed
from paymux.services.runtime import Runtime
from paymux.store import merchants as merchant_store


def credentials_context(channel_id: int) -> str:
    return f"channel:{channel_id}:credentials"


def _validated(runtime: Runtime, pg: str, mid: str | None, pay_type: str, mode: str) -> tuple[str, str, PayType, ChannelMode]:
    """(code, mid, pay type, mode) checked against what the PG's connector supports."""
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
    return code, mid, kind, channel_mode


async def checked_endpoint(endpoint: str | None, *, allow_private: bool) -> str | None:
    """A channel endpoint: an http(s) base URL with no userinfo, query or fragment. Unless
    ``allow_private``, its host must resolve only to public addresses (paymux never calls an
    internal address a console user chose). None clears it. Raises InvalidParameter."""
    if endpoint is None or not endpoint.strip():
        return None
    text = endpoint.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
            or parts.query or parts.fragment or len(text) > 500:
        raise InvalidParameter("endpoint", "must be an http(s) base URL such as https://pg-staging.example.com (no user, query or fragment)")
    if allow_private:
        return text
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        raise InvalidParameter("endpoint", f"host {parts.hostname} does not resolve") from None
    if not infos or not all(is_public_address(str(info[4][0])) for info in infos):
        raise InvalidParameter(
            "endpoint", "must be a public host; private and loopback hosts need PAYMUX_PG_ENDPOINT_ALLOW_PRIVATE=1 "
            "(or `paymux channel add --endpoint`)"
        )
    return text


def _duplicate(code: str, mid: str, kind: PayType) -> Conflict:
    return Conflict(f"a {code} channel with MID {mid} and type {kind.value} already exists (이미 등록된 상점아이디입니다)")


def _seal_credentials(runtime: Runtime, channel_id: int, credentials: dict[str, Any]) -> Sealed:
    return runtime.vault.seal(json.dumps(credentials).encode(), credentials_context(channel_id))


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
    endpoint: str | None = None,
    allow_private_endpoint: bool = False,
) -> Channel:
    """Append a channel to the merchant's list. The first channel becomes the default.

    ``endpoint``: where the PG's protocol is spoken for this channel (an emulator or staging host);
    None = the PG's own hosts (live) or the built-in sandbox (test). Raises InvalidParameter, Conflict.
    """
    code, mid, kind, channel_mode = _validated(runtime, pg, mid, pay_type, mode)
    endpoint = await checked_endpoint(endpoint, allow_private=allow_private_endpoint)
    async with runtime.database.transaction() as connection:
        channel_id = await _append(
            runtime, connection, merchant_id, code, mid, kind, channel_mode, default, label.strip()[:200], credentials,
            endpoint,
        )
        channel = await merchant_store.channel_by_id(connection, merchant_id, channel_id)
    assert channel is not None
    return channel


async def _append(
    runtime: Runtime,
    connection: AsyncConnection,
    merchant_id: int,
    code: str,
    mid: str,
    kind: PayType,
    channel_mode: ChannelMode,
    default: bool,
    label: str,
    credentials: dict[str, Any] | None,
    endpoint: str | None = None,
) -> int:
    """Insert at the end of the list, or revive the deleted channel with the same PG, MID and type."""
    now = runtime.now()
    existing = await merchant_store.list_channels(connection, merchant_id)
    is_default = default or not existing
    if is_default:
        await merchant_store.clear_default_channel(connection, merchant_id)
    values = {
        "position": await merchant_store.next_channel_position(connection, merchant_id),
        "mode": channel_mode.value,
        "is_default": is_default,
        "label": label,
        "endpoint": endpoint,
        "updated_at": now,
    }
    revived = await merchant_store.deleted_channel_id(connection, merchant_id, code, mid, kind.value)
    if revived is not None:
        channel_id = revived
        await merchant_store.update_channel(connection, channel_id, deleted_at=None, **values)
    else:
        try:
            async with connection.begin_nested():
                channel_id = await merchant_store.insert_channel(
                    connection, merchant_id=merchant_id, pg_provider=code, mid=mid, pay_type=kind.value,
                    created_at=now, **values,
                )
        except IntegrityError:
            raise _duplicate(code, mid, kind) from None
    if credentials:
        await merchant_store.set_channel_credentials(connection, channel_id, _seal_credentials(runtime, channel_id, credentials))
    return channel_id


async def get_channel(runtime: Runtime, merchant_id: int, channel_id: int) -> Channel:
    async with runtime.database.reading() as connection:
        channel = await merchant_store.listed_channel_by_id(connection, merchant_id, channel_id)
    if channel is None:
        raise NotFound(f"no channel {channel_id} for this merchant")
    return channel


async def _listed(connection: AsyncConnection, merchant_id: int, channel_id: int) -> Channel:
    channel = await merchant_store.listed_channel_by_id(connection, merchant_id, channel_id)
    if channel is None:
        raise NotFound(f"no channel {channel_id} for this merchant")
    return channel


async def update_channel(
    runtime: Runtime,
    merchant_id: int,
    channel_id: int,
    *,
    mid: str | None,
    pay_type: str,
    mode: str,
    label: str = "",
    credentials: dict[str, Any] | None = None,
    endpoint: str | None = None,
    allow_private_endpoint: bool = False,
) -> Channel:
    """Change a channel's MID, type, mode, label, endpoint or credentials (the PG code stays; add a
    new channel for another PG). Credentials left empty keep the stored ones; an empty endpoint
    clears it (an endpoint the operator set stays allowed while it is unchanged)."""
    current = await get_channel(runtime, merchant_id, channel_id)
    unchanged = (endpoint or "").strip().rstrip("/") == (current.endpoint or "")
    endpoint = await checked_endpoint(endpoint, allow_private=allow_private_endpoint or unchanged)
    async with runtime.database.transaction() as connection:
        current = await _listed(connection, merchant_id, channel_id)
        _, mid, kind, channel_mode = _validated(runtime, current.pg_provider, mid, pay_type, mode)
        try:
            async with connection.begin_nested():
                await merchant_store.update_channel(
                    connection, channel_id, mid=mid, pay_type=kind.value, mode=channel_mode.value,
                    label=label.strip()[:200], endpoint=endpoint, updated_at=runtime.now(),
                )
        except IntegrityError:
            raise _duplicate(current.pg_provider, mid, kind) from None
        if credentials:
            await merchant_store.set_channel_credentials(connection, channel_id, _seal_credentials(runtime, channel_id, credentials))
        channel = await _listed(connection, merchant_id, channel_id)
    return channel


async def delete_channel(runtime: Runtime, merchant_id: int, channel_id: int, new_default_id: int | None = None) -> None:
    """Remove a channel from the list. The default one can go only with a new default named among
    the rest. A channel that payments or billing keys use is kept out of sight, for their cancels."""
    async with runtime.database.transaction() as connection:
        channel = await _listed(connection, merchant_id, channel_id)
        others = [c for c in await merchant_store.list_channels(connection, merchant_id) if c.id != channel_id]
        if channel.is_default and others:
            if new_default_id is None:
                raise InvalidParameter(
                    "new_default", "choose the new default channel before deleting the default one (새 기본 PG를 선택하세요)"
                )
            if new_default_id not in {c.id for c in others}:
                raise InvalidParameter("new_default", "must be one of the remaining channels")
            await merchant_store.clear_default_channel(connection, merchant_id)
            await merchant_store.update_channel(connection, new_default_id, is_default=True, updated_at=runtime.now())
        if await merchant_store.channel_in_use(connection, channel_id):
            await merchant_store.update_channel(connection, channel_id, deleted_at=runtime.now(), is_default=False)
        else:
            await merchant_store.delete_channel(connection, channel_id)


async def move_channel(runtime: Runtime, merchant_id: int, channel_id: int, direction: str) -> list[Channel]:
    """Move a channel one place up or down the matching order."""
    if direction not in ("up", "down"):
        raise InvalidParameter("direction", "must be up or down")
    async with runtime.database.transaction() as connection:
        await _listed(connection, merchant_id, channel_id)
        ordered = await merchant_store.list_channels(connection, merchant_id)
        index = next(i for i, c in enumerate(ordered) if c.id == channel_id)
        target = index - 1 if direction == "up" else index + 1
        if 0 <= target < len(ordered):
            ordered[index], ordered[target] = ordered[target], ordered[index]
            for position, channel in enumerate(ordered, start=1):
                if channel.position != position:
                    await merchant_store.update_channel(connection, channel.id, position=position)
        return await merchant_store.list_channels(connection, merchant_id)


async def set_default_channel(runtime: Runtime, merchant_id: int, channel_id: int) -> None:
    async with runtime.database.transaction() as connection:
        await _listed(connection, merchant_id, channel_id)
        await merchant_store.clear_default_channel(connection, merchant_id)
        await merchant_store.update_channel(connection, channel_id, is_default=True, updated_at=runtime.now())


async def assign_channel(runtime: Runtime, parent_id: int, channel_id: int, sub_merchant_id: int) -> Channel:
    """Give a sub-merchant one of its parent's channels: the same PG, MID, type and credentials,
    appended to the sub-merchant's own list (it keeps its own order and default)."""
    async with runtime.database.transaction() as connection:
        channel = await _listed(connection, parent_id, channel_id)
        sub = await merchant_store.merchant_by_id(connection, sub_merchant_id)
        if sub is None or sub.parent_id != parent_id:
            raise NotFound("no such sub-merchant")
        credentials = channel_context(runtime, channel).credentials or None
        copied_id = await _append(
            runtime, connection, sub.id, channel.pg_provider, channel.mid, channel.pay_type, channel.mode,
            False, channel.label, credentials, channel.endpoint,
        )
        copied = await merchant_store.channel_by_id(connection, sub.id, copied_id)
    assert copied is not None
    return copied


async def list_channels(runtime: Runtime, merchant_id: int) -> list[Channel]:
    async with runtime.database.reading() as connection:
        return await merchant_store.list_channels(connection, merchant_id)


async def explain(runtime: Runtime, merchant_id: int, pg: str | None, purpose: Purpose | None = None) -> Resolution:
    """The one answer to "which channel opens for this ``pg``": the window (``IMP.request_pay``,
    purpose PAYMENT_WINDOW, or BILLING_WINDOW with ``customer_uid``), the REST API (BILLING_API), the
    console's "pg 값 확인" and ``paymux channel resolve`` all call this, with the rule that matched.
    Raises Refused (no channel fits)."""
    return explain_channel(await list_channels(runtime, merchant_id), pg, purpose)


async def resolve(runtime: Runtime, merchant_id: int, pg: str | None, purpose: Purpose | None = None) -> Channel:
    """The channel :func:`explain` picks. Raises Refused."""
    return (await explain(runtime, merchant_id, pg, purpose)).channel


def channel_context(runtime: Runtime, channel: Channel) -> ChannelContext:
    """The channel with its credentials opened from the vault, for one connector call."""
    if channel.credentials is None:
        return ChannelContext(channel=channel)
    credentials = json.loads(runtime.vault.open(channel.credentials, credentials_context(channel.id)))
    return ChannelContext(channel=channel, credentials=credentials)


INCOMPLETE_CHANNEL = (
    "{pg} 실연동 채널({mid})의 인증정보가 입력되지 않았습니다: {missing} "
    "(the channel lacks the PG credentials {missing}; enter them in the console's PG settings)"
)


def require_credentials(runtime: Runtime, channel: Channel) -> None:
    """Refuse (before any card is asked for) a channel whose PG credentials are incomplete."""
    connector = runtime.connectors.for_channel(channel)
    missing = connector.missing_credentials(channel_context(runtime, channel))
    if missing:
        raise Refused(INCOMPLETE_CHANNEL.format(pg=connector.display_name, mid=channel.mid, missing=", ".join(missing)))

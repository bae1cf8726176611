"""Notices a PG sends paymux on its own (a virtual account's deposit), at ``/pg/{pg}/notice``.

Each is verified before it changes anything: the sender must be one of the PG's published
addresses or the host of the channel's own endpoint (an emulator, a staging proxy); the notice must
name a virtual-account payment of that PG and MID awaiting exactly that amount. It is idempotent —
PGs resend until acknowledged — so a deposit already recorded is acknowledged again, unchanged.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit

from paymux.connectors.base import ChannelContext, Connector, InvalidNotice, NoticeReply, PgNotice
from paymux.domain.channel import Channel
from paymux.domain.errors import Refused
from paymux.domain.net import address_in
from paymux.domain.payment import Payment, PaymentStatus
from paymux.observability.logs import get_logger
from paymux.observability.pg import PgCallSubject, observed
from paymux.services import channels as channel_service
from paymux.services import vbanks
from paymux.services.runtime import Runtime
from paymux.store import merchants as merchant_store
from paymux.store import payments as payment_store

log = get_logger("paymux.pg_notices")


async def receive(runtime: Runtime, pg_code: str, form: Mapping[str, str], remote_addr: str) -> NoticeReply:
    """Handle one notice; return the answer the PG expects (INICIS: ``OK`` when taken)."""
    connector = runtime.connectors.protocol(pg_code)
    if connector is None:
        return NoticeReply(404, "no such PG")
    try:
        notice = connector.parse_notice(form)
        async with runtime.database.reading() as connection:
            payment = await payment_store.payment_by_imp_uid(connection, notice.order_id)
            channel = (
                await merchant_store.channel_by_id(connection, payment.merchant_id, payment.channel_id)
                if payment is not None and payment.channel_id else None
            )
        if payment is None or channel is None or channel.pg_provider != connector.pg_provider:
            raise InvalidNotice(f"notice for an order paymux did not open at {connector.pg_provider}")
        if not address_in(remote_addr, [*connector.notice_sources, *await _endpoint_addresses(channel)]):
            raise InvalidNotice(f"notice from {remote_addr}, which is not an address of {connector.display_name}")
        notice = await _confirmed(connector, channel_service.channel_context(runtime, channel), notice, payment)
        if notice.kind == PgNotice.STATUS_ECHO and notice.mid == channel.mid and notice.pg_tid == payment.pg_tid:
            log.info("pg_notice.status_echo", pg=pg_code, imp_uid=payment.imp_uid, status=payment.status.value)
            return connector.notice_reply(True)  # paymux's own approval or cancel, repeated by the PG
        if notice.kind != PgNotice.DEPOSIT or notice.mid != channel.mid or payment.pay_method != "vbank":
            raise InvalidNotice("notice names another MID, or a payment that is not a virtual account")
        if payment.status is PaymentStatus.PAID and payment.pg_tid == notice.pg_tid:
            return connector.notice_reply(True)  # a resend of a deposit already recorded
        if payment.status is not PaymentStatus.READY or notice.pg_tid != payment.pg_tid:
            raise InvalidNotice(f"payment {payment.imp_uid} is {payment.status.value}, not awaiting this deposit")
        await vbanks.record_deposit(runtime, payment, notice.amount)
    except Refused as refusal:
        log.warning("pg_notice.refused", pg=pg_code, remote_addr=remote_addr, reason=refusal.message)
        return connector.notice_reply(False)
    log.info("pg_notice.deposit", pg=pg_code, merchant_uid=notice.order_id)
    return connector.notice_reply(True)


async def _confirmed(connector: Connector, context: ChannelContext, notice: PgNotice, payment: Payment) -> PgNotice:
    """The notice as the PG confirms it (``Connector.confirm_notice``); observed as a PG call
    (``confirm_notice``) when the connector asks its PG, not when it keeps the notice as parsed."""
    if type(connector).confirm_notice is Connector.confirm_notice:
        return notice
    return await observed(
        PgCallSubject.of(connector, "confirm_notice", payment), lambda: connector.confirm_notice(context, notice)
    )


async def _endpoint_addresses(channel: Channel) -> list[str]:
    """The addresses of the channel's endpoint host: the emulator or proxy the operator pointed it at."""
    host = urlsplit(channel.endpoint or "").hostname
    if not host:
        return []
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]

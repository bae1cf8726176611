"""Virtual accounts: issue one for an order, change or revoke it, take its deposit, let it expire.

An issued account claims its order (state ``awaiting`` in the order-claims journal) and leaves the
payment ``ready``; the deposit makes it ``paid``, the deadline or a revoke makes it ``failed``. Each
change is one transaction with its webhook, and each is conditional on the payment still awaiting,
so a deposit racing an expiry — or two instances expiring the same account — settle it once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from paymux.connectors.base import Buyer, CancelResult, ChargeRequest, ChargeResult, Outcome, VbankIssued
from paymux.domain import ids
from paymux.domain.channel import Channel, ChannelMode, Purpose
from paymux.domain.errors import InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.money import split_tax
from paymux.domain.payment import Approval, Payment, PaymentStatus
from paymux.observability.pg import PgCallSubject, observed
from paymux.services import channels as channel_service
from paymux.services import pg_calls
from paymux.services.charging import (
    PENDING_MESSAGE,
    check_prepared_amount,
    record_attempt,
    record_outcome,
    webhook_payload,
)
from paymux.services.pg_calls import guarded
from paymux.services.runtime import Runtime
from paymux.store import claims as claim_store
from paymux.store import merchants as merchant_store
from paymux.store import orders as order_store
from paymux.store import payments as payment_store
from paymux.store import pg_calls as pg_call_store

EXPIRED_REASON = "가상계좌 입금기한이 만료되었습니다 (the deposit deadline passed)"
REVOKED_REASON = "가상계좌 발급이 취소되었습니다 (the virtual account was revoked)"


@dataclass(frozen=True)
class VbankRequest:
    merchant_uid: str
    amount: int
    bank_code: str
    due: int
    holder: str
    pg: str | None = None
    name: str | None = None
    buyer: Buyer = field(default_factory=Buyer)
    custom_data: str | None = None
    notice_url: list[str] | None = None


def attach_account(payment: Payment, account: VbankIssued, due: int, now: int) -> None:
    """Put an account the PG opened on its payment, which then awaits the deposit."""
    payment.pg_tid = account.pg_tid
    payment.vbank_code, payment.vbank_name = account.bank_code, account.bank_name
    payment.vbank_num, payment.vbank_holder = account.account_number, account.holder
    payment.vbank_date, payment.vbank_issued_at = due, now
    payment.outcome_pending = True
    payment.updated_at = now


async def issue(runtime: Runtime, merchant: Merchant, request: VbankRequest) -> Payment:
    """``POST /vbanks``: open an account at the PG and record the order as awaiting its deposit."""
    if request.amount <= 0:
        raise InvalidParameter("amount", "must be greater than 0")
    now = runtime.now()
    if request.due <= now:
        raise InvalidParameter("vbank_due", "must be in the future (unix seconds)")
    channel = await channel_service.resolve(runtime, merchant.id, request.pg, Purpose.PAYMENT_WINDOW)
    connector = runtime.connectors.for_channel(channel)
    await check_prepared_amount(runtime, merchant.id, request.merchant_uid, request.amount)
    tax_free, vat = split_tax(request.amount, None)
    payment = Payment(
        imp_uid=ids.new_imp_uid(), merchant_id=merchant.id, merchant_uid=request.merchant_uid,
        amount=request.amount, tax_free=tax_free, vat=vat, channel_id=channel.id, pay_method="vbank",
        channel="api", pg_provider=channel.pg_provider, pg_id=channel.mid, name=request.name,
        buyer_name=request.buyer.name, buyer_email=request.buyer.email, buyer_tel=request.buyer.tel,
        buyer_addr=request.buyer.addr, buyer_postcode=request.buyer.postcode, custom_data=request.custom_data,
        notice_url=request.notice_url, started_at=now, updated_at=now, status_at=now, outcome_pending=True,
    )
    charge_request = ChargeRequest(order_id=payment.imp_uid, merchant_uid=payment.merchant_uid, amount=payment.amount,
                                   tax_free=payment.tax_free, vat=payment.vat, name=payment.name, buyer=request.buyer, now=now)
    context = channel_service.channel_context(runtime, channel)
    opened = await open_account(
        runtime, payment, request.due,
        lambda: connector.issue_vbank(context, charge_request, request.bank_code, request.due, request.holder),
    )
    if opened.status is PaymentStatus.FAILED:
        raise Refused(opened.fail_reason or "가상계좌 발급에 실패하였습니다")
    if opened.vbank_num is None:
        raise Refused(PENDING_MESSAGE, response=opened)
    return opened


VBANK_REFERENCE = {"kind": "vbank"}


async def open_account(
    runtime: Runtime, payment: Payment, due: int, issue: Callable[[], Awaitable[VbankIssued]], *, row_exists: bool = False
) -> Payment:
    """Open a virtual account through the journaled path: claim the order (the journal) → ask the PG
    holding no connection → record the account, the awaited payment and its webhook in one
    transaction. A refusal fails the payment and frees the order; a lost answer leaves the payment
    ``ready`` and pending for the reconciler, which asks the PG (and closes an account it cannot see).

    ``row_exists``: the window already recorded the ``ready`` payment. Raises OrderClaimed when the
    order is paid or in flight.
    """
    payment.outcome_pending = True
    await record_attempt(runtime, payment, pg_reference=VBANK_REFERENCE, row_exists=row_exists)
    outcome = await guarded(runtime, issue, unknown=ChargeResult.unknown, declined=ChargeResult.declined,
                            about=PgCallSubject(payment.pg_provider, "issue_vbank", payment.merchant_id, payment.imp_uid))
    if isinstance(outcome, VbankIssued):
        return await record_account(runtime, payment, outcome, due, row_exists)
    return await record_outcome(runtime, payment, outcome, payment_row_exists=row_exists)


async def record_account(runtime: Runtime, payment: Payment, account: VbankIssued, due: int, row_exists: bool) -> Payment:
    """Record an account the PG opened on its journaled (charging) attempt: the claim moves to
    awaiting the deposit, the payment stays ``ready`` with the account, and its webhook is queued."""
    now = runtime.now()
    attach_account(payment, account, due, now)
    async with runtime.database.transaction() as connection:
        if not await claim_store.await_deposit(connection, payment, now):
            return await _stored(runtime, payment)
        if row_exists:
            await payment_store.save_payment(connection, payment)
        else:
            await payment_store.insert_payment(connection, payment)
        await order_store.enqueue_webhook(
            connection, merchant_id=payment.merchant_id, payload=webhook_payload(payment),
            target_urls=payment.notice_url, now=now,
        )
    return payment


async def _stored(runtime: Runtime, payment: Payment) -> Payment:
    async with runtime.database.reading() as connection:
        return await payment_store.get_payment(connection, payment.merchant_id, payment.imp_uid) or payment


async def _awaiting(runtime: Runtime, merchant: Merchant, imp_uid: str) -> Payment:
    async with runtime.database.reading() as connection:
        payment = await payment_store.get_payment(connection, merchant.id, imp_uid)
    if payment is None or payment.pay_method != "vbank":
        raise NotFound(f"imp_uid '{imp_uid}' is not a virtual-account payment (존재하지 않는 가상계좌 결제건입니다)")
    if payment.status is not PaymentStatus.READY:
        raise Refused(f"virtual account of {imp_uid} is {payment.status.value}, no longer awaiting a deposit")
    return payment


async def _settle(runtime: Runtime, payment: Payment, now: int) -> bool:
    webhook = order_store.webhook_row(payment.merchant_id, webhook_payload(payment), payment.notice_url, now)
    async with runtime.database.transaction() as connection:
        return await claim_store.settle_existing(connection, payment, webhook, now, claim_store.AWAITING_DEPOSIT)


async def deposit(runtime: Runtime, merchant: Merchant, imp_uid: str, amount: int | None) -> Payment:
    """A simulated deposit of a test-mode account: the console button or the sandbox endpoint.
    Live deposits arrive as the PG's notice (``services.pg_notices``)."""
    payment = await _awaiting(runtime, merchant, imp_uid)
    async with runtime.database.reading() as connection:
        channel = await merchant_store.channel_by_id(connection, merchant.id, payment.channel_id or 0)
    if channel is None or channel.mode is not ChannelMode.TEST or channel.endpoint:
        raise Refused("deposits can be simulated only for sandboxed test channels; other deposits come from the PG")
    return await record_deposit(runtime, payment, amount)


async def record_deposit(runtime: Runtime, payment: Payment, amount: int | None) -> Payment:
    """The buyer paid into the account: ``ready`` → ``paid`` with its webhook, once. Raises Refused
    when the amount differs from what is due or the account was settled meanwhile."""
    if amount is not None and amount != payment.amount:
        raise Refused(f"deposit of {amount} does not match the amount due {payment.amount} (입금액 불일치)")
    now = runtime.now()
    payment.approve(
        Approval(pg_tid=payment.pg_tid or "", bank_code=payment.vbank_code, bank_name=payment.vbank_name), now
    )
    if not await _settle(runtime, payment, now):
        raise Refused(f"virtual account of {payment.imp_uid} was settled meanwhile")
    return payment


async def revoke(runtime: Runtime, merchant: Merchant, imp_uid: str) -> Payment:
    """``DELETE /vbanks/{imp_uid}``: close the account at the PG before any deposit (journaled), then
    here; the order is free again. Raises Refused when the PG refuses or its answer is lost (the
    reconciler then asks again), NotFound when there is no such awaiting account."""
    await _awaiting(runtime, merchant, imp_uid)
    journaled = await pg_calls.journal(runtime, merchant.id, pg_calls.VBANK_CLOSE, imp_uid, None, {})
    return await revoke_journaled(runtime, merchant, imp_uid, journaled.id)


async def revoke_journaled(runtime: Runtime, merchant: Merchant, imp_uid: str, call_id: int) -> Payment:
    """Close the account of a journaled ``vbank_close`` call at the PG, then here, settling the call."""
    payment = await _awaiting(runtime, merchant, imp_uid)
    channel = await _channel_of(runtime, payment)
    connector = runtime.connectors.for_channel(channel)
    context = channel_service.channel_context(runtime, channel)
    closed = await guarded(runtime, lambda: connector.close_vbank(context, payment, runtime.now()),
                           unknown=CancelResult.unknown, declined=CancelResult.refused,
                           about=PgCallSubject.of(connector, "close_vbank", payment))
    if closed.outcome is not Outcome.APPROVED:
        state = pg_call_store.FAILED if closed.outcome is Outcome.DECLINED else pg_call_store.UNKNOWN
        async with runtime.database.transaction() as connection:
            await pg_call_store.set_state(connection, call_id, state, runtime.now())
        raise Refused(closed.reason or "PG사에서 가상계좌 발급취소를 확인하지 못했습니다 (the PG did not confirm closing the account)")
    now = runtime.now()
    payment.fail(REVOKED_REASON, now)
    settled = await _settle(runtime, payment, now)
    async with runtime.database.transaction() as connection:
        await pg_call_store.set_state(connection, call_id, pg_call_store.DONE, now)
    if not settled:
        raise Refused(f"virtual account of {imp_uid} was settled meanwhile")
    return payment


async def _channel_of(runtime: Runtime, payment: Payment) -> Channel:
    async with runtime.database.reading() as connection:
        channel = await merchant_store.channel_by_id(connection, payment.merchant_id, payment.channel_id or 0)
    if channel is None:
        raise Refused(f"the PG channel of payment {payment.imp_uid} was removed; change it at the PG")
    return channel


async def change(runtime: Runtime, merchant: Merchant, imp_uid: str, amount: int | None, due: int | None) -> Payment:
    """``PUT /vbanks/{imp_uid}``: a new amount or deadline while the deposit is awaited."""
    if amount is None and due is None:
        raise InvalidParameter("amount", "give amount or vbank_due to change")
    payment = await _awaiting(runtime, merchant, imp_uid)
    channel = await _channel_of(runtime, payment)
    if not runtime.connectors.for_channel(channel).changes_vbank:
        raise Refused(f"{channel.pg_provider} cannot change an issued virtual account; revoke it and issue a new one "
                      "(발급된 가상계좌를 변경할 수 없는 PG사입니다)")
    now = runtime.now()
    if amount is not None:
        if amount <= 0:
            raise InvalidParameter("amount", "must be greater than 0")
        payment.amount = amount
        payment.tax_free, payment.vat = split_tax(amount, None)
    if due is not None:
        if due <= now:
            raise InvalidParameter("vbank_due", "must be in the future (unix seconds)")
        payment.vbank_date = due
    payment.updated_at = now
    async with runtime.database.transaction() as connection:
        if not await payment_store.save_payment(connection, payment, only_if_pending=True):
            raise Refused(f"virtual account of {imp_uid} was settled meanwhile")
    return payment


async def account_holder(runtime: Runtime, merchant: Merchant, bank_code: str, account_number: str) -> str:
    """``GET /vbanks/holder``: asked of the first channel whose PG offers virtual accounts (one
    ``account_holder`` PG call, observed). Raises Refused when none does, or the PG refuses."""
    channel = next(
        (c for c in await channel_service.list_channels(runtime, merchant.id)
         if "vbank" in runtime.connectors.for_channel(c).pay_methods),
        None,
    )
    if channel is None:
        raise Refused("no channel of this merchant offers virtual accounts")
    connector = runtime.connectors.for_channel(channel)
    context = channel_service.channel_context(runtime, channel)
    return await observed(
        PgCallSubject.of(connector, "account_holder", merchant_id=merchant.id),
        lambda: connector.account_holder(context, bank_code, account_number),
    )


async def expire_due_vbanks(runtime: Runtime, *, batch: int = 100) -> int:
    """Fail every account whose deadline passed without a deposit. Safe on N instances: each
    settlement is conditional on the account still awaiting, so only one instance wins."""
    now = runtime.now()
    async with runtime.database.reading() as connection:
        due = await payment_store.due_virtual_accounts(connection, now, batch)
    expired = 0
    for merchant_id, imp_uid in due:
        async with runtime.database.reading() as connection:
            payment = await payment_store.get_payment(connection, merchant_id, imp_uid)
        if payment is None or payment.status is not PaymentStatus.READY:
            continue
        payment.fail(EXPIRED_REASON, now)
        expired += await _settle(runtime, payment, now)
    return expired

"""Scheduled payments: registering them, revoking them, and executing them when due.

Execution goes through the billing-key charge path, so a schedule inherits its guarantees: the
order claim admits one charge per merchant_uid, which makes a schedule execute at most once even if
two instances lease it one after the other, or one crashes mid-charge and its lease expires. Before
charging, an execution looks for an earlier attempt of the order (left by such a crash) and records
that instead — only its own attempt: an order paid some other way between booking and the run is
recorded as a failed run with its reason, never as this schedule's payment (issue 16).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import Buyer
from paymux.connectors.sandbox import PgRuleRefusal
from paymux.domain import messages
from paymux.domain.card import CardDetails
from paymux.domain.errors import InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.payment import (
    NEVER_REACHED_PG,
    CustomerUidUsage,
    Payment,
    PaymentStatus,
)
from paymux.domain.schedule import Schedule, ScheduleStatus
from paymux.observability.logs import get_logger
from paymux.services import billing
from paymux.services.billing import PaymentDetails
from paymux.services.charging import ApprovalNotReached, OrderClaimed
from paymux.services.runtime import Runtime
from paymux.store import claims as claim_store
from paymux.store import customers as customer_store
from paymux.store import merchants as merchant_store
from paymux.store import payments as payment_store
from paymux.store import schedules as schedule_store
from paymux.store.schedules import SchedulePage

log = get_logger("paymux.schedules")

UNKNOWN_CUSTOMER = messages.UNREGISTERED_CUSTOMER  # i'mport's words (docs/messages.md)
ALREADY_SCHEDULED = "이미 예약된 merchant_uid입니다 (already scheduled: {uids})"
ORDER_TAKEN = (
    "이미 결제가 완료되었거나 진행 중인 주문번호(merchant_uid)입니다. 동일한 주문번호로 중복결제할 수 없습니다 "
    "(already paid or being paid, cannot be scheduled: {uids})"
)
PAID_ELSEWHERE = (
    "이미 결제된 주문번호(merchant_uid)입니다: 예약결제를 실행하지 않았습니다 "
    "(order {uid} was already paid by {imp_uid} before this schedule ran; nothing was charged)"
)
NOTHING_TO_REVOKE = messages.NOTHING_SCHEDULED_TO_REVOKE


@dataclass(frozen=True)
class KeyFromCard:
    """Card data sent with a schedule: i'mport issues the billing key from it first when the customer_uid
    has none (its ``POST /subscribe/payments/schedule`` reference: card_number, expiry, birth, pwd_2digit,
    pg); a customer_uid that already has a key is charged with that key."""

    card: CardDetails
    pg: str | None
    info: billing.CustomerInfo


async def schedule_payments(
    runtime: Runtime, merchant: Merchant, customer_uid: str, items: Sequence[Schedule],
    key_from_card: KeyFromCard | None = None,
) -> list[Schedule]:
    """Register charges of a billing key at future times, all or none.

    With ``key_from_card`` and no key yet for ``customer_uid``, the key is issued first (the same
    journaled path as ``POST /subscribe/customers/{customer_uid}``; CardRefused when the PG refuses the
    card). Raises InvalidParameter for a past ``schedule_at`` (unix seconds), an amount ≤ 0 KRW or a
    repeated merchant_uid, Refused for an unknown customer_uid, a scheduled or paid order.
    """
    now = runtime.now()
    for index, item in enumerate(items):
        if item.schedule_at <= now:
            raise InvalidParameter(f"schedules[{index}].schedule_at", "must be in the future (unix seconds)")
        if item.amount <= 0:
            raise InvalidParameter(f"schedules[{index}].amount", "must be greater than 0")
    if len({item.merchant_uid for item in items}) != len(items):
        raise InvalidParameter("schedules", "each merchant_uid may appear once")
    if key_from_card is not None and not await _has_key(runtime, merchant, customer_uid):
        await billing.issue_billing_key(runtime, merchant, customer_uid, key_from_card.card, key_from_card.pg,
                                        key_from_card.info)
    try:
        async with runtime.database.transaction() as connection:
            if await customer_store.get_customer(connection, merchant.id, customer_uid) is None:
                raise Refused(UNKNOWN_CUSTOMER, code=1)
            taken = await schedule_store.by_merchant_uids(connection, merchant.id, [i.merchant_uid for i in items])
            if taken:
                raise Refused(ALREADY_SCHEDULED.format(uids=", ".join(s.merchant_uid for s in taken[:10])))
            paid = [i.merchant_uid for i in items if await claim_store.order_is_claimed(connection, merchant.id, i.merchant_uid)]
            if paid:
                raise Refused(ORDER_TAKEN.format(uids=", ".join(paid[:10])))
            for item in items:
                item.merchant_id, item.customer_uid = merchant.id, customer_uid
                item.created_at = item.updated_at = now
            await schedule_store.insert_schedules(connection, items)
            return await schedule_store.by_merchant_uids(connection, merchant.id, [i.merchant_uid for i in items])
    except IntegrityError:  # scheduled by a concurrent request between our check and our insert
        raise Refused(ALREADY_SCHEDULED.format(uids="one of schedules[].merchant_uid")) from None


async def _has_key(runtime: Runtime, merchant: Merchant, customer_uid: str) -> bool:
    async with runtime.database.reading() as connection:
        return await customer_store.get_customer(connection, merchant.id, customer_uid) is not None


async def get_schedule(runtime: Runtime, merchant: Merchant, merchant_uid: str) -> Schedule:
    async with runtime.database.reading() as connection:
        found = await schedule_store.by_merchant_uids(connection, merchant.id, [merchant_uid])
    if not found:
        raise NotFound(f"merchant_uid '{merchant_uid}' has no schedule (예약결제 정보가 존재하지 않습니다)")
    return found[0]


async def list_schedules(
    runtime: Runtime,
    merchant: Merchant,
    *,
    time_from: int,
    time_to: int,
    status: ScheduleStatus | None,
    customer_uid: str | None = None,
    page_number: int = 1,
    limit: int = 20,
    latest_first: bool = False,
) -> SchedulePage:
    if time_from > time_to:
        raise InvalidParameter("schedule_from", "must not be later than schedule_to")
    async with runtime.database.reading() as connection:
        if customer_uid is not None and not await _customer_known(connection, merchant.id, customer_uid):
            raise NotFound(f"customer_uid '{customer_uid}' has no billing key and no schedules (등록되지 않은 구매자입니다)")
        return await schedule_store.page(
            connection, merchant.id, time_from=time_from, time_to=time_to, status=status,
            customer_uid=customer_uid, page_number=page_number, limit=limit, latest_first=latest_first,
        )


async def _customer_known(connection: AsyncConnection, merchant_id: int, customer_uid: str) -> bool:
    """A key, or schedules left from a deleted key (revoked with it, and still worth listing)."""
    if await customer_store.get_customer(connection, merchant_id, customer_uid) is not None:
        return True
    return await schedule_store.customer_has_schedules(connection, merchant_id, customer_uid)


async def unschedule(runtime: Runtime, merchant: Merchant, customer_uid: str, merchant_uids: Sequence[str] | None) -> list[Schedule]:
    async with runtime.database.transaction() as connection:
        revoked = await schedule_store.revoke(connection, merchant.id, customer_uid, merchant_uids, runtime.now())
    if not revoked:
        raise Refused(NOTHING_TO_REVOKE, code=1)
    return revoked


def _details(schedule: Schedule) -> PaymentDetails:
    return PaymentDetails(
        merchant_uid=schedule.merchant_uid,
        amount=schedule.amount,
        name=schedule.name,
        tax_free=schedule.tax_free,
        buyer=Buyer(schedule.buyer_name, schedule.buyer_email, schedule.buyer_tel, schedule.buyer_addr, schedule.buyer_postcode),
        custom_data=schedule.custom_data,
        notice_url=schedule.notice_url,
    )


def _own_attempt(schedule: Schedule, payment: Payment) -> bool:
    """A merchant_uid is scheduled once, so a ``payment.scheduled`` attempt of it with this key is ours."""
    return (payment.customer_uid_usage == CustomerUidUsage.SCHEDULED.value
            and payment.customer_uid == schedule.customer_uid)


def _settled_by_earlier_attempt(schedule: Schedule, earlier: Payment | None) -> bool:
    """This schedule's own earlier attempt, which this execution should record instead of charging.

    Paid (or pending) means a previous run charged it and crashed before recording. A failed one
    counts only if the PG saw it; an attempt the PG never received (the reconciler's finding after a
    crash) leaves the order free to be charged. Another payment of the order is never adopted.
    """
    if earlier is None or not _own_attempt(schedule, earlier):
        return False
    if earlier.status is PaymentStatus.FAILED:
        return earlier.fail_reason != NEVER_REACHED_PG
    return earlier.status is not PaymentStatus.READY or earlier.outcome_pending


def _paid_elsewhere(schedule: Schedule, paid: Payment | None) -> bool:
    """The order was paid (and maybe refunded since) by a payment that is not this schedule's."""
    return paid is not None and not _own_attempt(schedule, paid)


async def _record(runtime: Runtime, schedule: Schedule, payment: Payment) -> bool:
    if payment.status is PaymentStatus.READY:
        return False  # outcome pending: the lease runs out and a later round records the answer
    failed = payment.status is PaymentStatus.FAILED
    return await schedule_store.record_execution(
        runtime.database, schedule.id or 0, imp_uid=payment.imp_uid,
        payment_status=PaymentStatus.FAILED.value if failed else PaymentStatus.PAID.value,
        fail_reason=payment.fail_reason if failed else None, now=runtime.now(),
    )


async def _execute(runtime: Runtime, schedule: Schedule, held_until: int) -> bool:
    """Charge one schedule; True when it got recorded as executed."""
    lease = runtime.settings.job_lease_seconds
    if not await schedule_store.hold(runtime.database, schedule.id or 0, held_until=held_until, now=runtime.now(), lease_seconds=lease):
        return False  # revoked meanwhile, or our lease ran out and another instance has it
    async with runtime.database.reading() as connection:
        merchant = await merchant_store.merchant_by_id(connection, schedule.merchant_id)
        earlier = await payment_store.find_latest(connection, schedule.merchant_id, schedule.merchant_uid)
        paid = await payment_store.find_latest(
            connection, schedule.merchant_id, schedule.merchant_uid, PaymentStatus.PAID
        ) or await payment_store.find_latest(connection, schedule.merchant_id, schedule.merchant_uid, PaymentStatus.CANCELLED)
    if merchant is None:
        return False
    if _settled_by_earlier_attempt(schedule, earlier):
        assert earlier is not None
        return await _record(runtime, schedule, earlier)
    if _paid_elsewhere(schedule, paid):
        assert paid is not None
        log.warning("schedule.not_run", merchant_uid=schedule.merchant_uid, merchant_id=schedule.merchant_id,
                    paid_by=paid.imp_uid, reason="order already paid")
        return await schedule_store.record_execution(
            runtime.database, schedule.id or 0, imp_uid=None, payment_status=PaymentStatus.FAILED.value,
            fail_reason=PAID_ELSEWHERE.format(uid=schedule.merchant_uid, imp_uid=paid.imp_uid), now=runtime.now(),
        )
    try:  # a declined charge comes back as a failed payment (docs/declines.md)
        payment = await billing.charge_again(
            runtime, merchant, schedule.customer_uid, _details(schedule), usage=CustomerUidUsage.SCHEDULED
        )
    except OrderClaimed:
        return False  # another attempt is in flight (or a crashed one awaits the reconciler): later
    except ApprovalNotReached as refusal:  # failed before any approval: recorded as this run's failure
        payment = refusal.payment
    except (Refused, PgRuleRefusal) as refusal:
        if not isinstance(refusal.response, Payment):  # refused before any PG call: no key, no channel, a PG rule
            return await schedule_store.record_execution(
                runtime.database, schedule.id or 0, imp_uid=None, payment_status=PaymentStatus.FAILED.value,
                fail_reason=refusal.message, now=runtime.now(),
            )
        payment = refusal.response
    return await _record(runtime, schedule, payment)


async def execute_due_schedules(runtime: Runtime, *, batch: int = 50) -> int:
    """Lease due schedules and charge them one by one; return how many were taken.

    Each row is held again just before its charge, so a batch that outlives its lease skips the rows
    another instance has taken meanwhile instead of racing it to the order claim.
    """
    lease = runtime.settings.job_lease_seconds
    now = runtime.now()
    due = await schedule_store.lease_due(runtime.database, now=now, lease_seconds=lease, limit=batch)
    for schedule in due:
        try:
            await _execute(runtime, schedule, held_until=now + lease)
        except Exception:  # its lease runs out and a later round tries again
            log.exception("schedule.failed", merchant_uid=schedule.merchant_uid, merchant_id=schedule.merchant_id)
    return len(due)

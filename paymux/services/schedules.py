"""Scheduled payments: registering them, revoking them, and executing them when due.

Execution goes through the billing-key charge path, so a schedule inherits its guarantees: the
order claim admits one charge per merchant_uid, which makes a schedule execute at most once even if
two instances lease it one after the other, or one crashes mid-charge and its lease expires. Before
charging, an execution looks for an earlier attempt of the order (left by such a crash) and records
that instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from paymux.connectors.base import Buyer
from paymux.domain.errors import InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.payment import CustomerUidUsage, Payment, PaymentStatus
from paymux.domain.schedule import Schedule, ScheduleStatus
from paymux.services import billing
from paymux.services.billing import PaymentDetails
from paymux.services.charging import OrderClaimed
from paymux.services.runtime import Runtime
from paymux.store import customers as customer_store
from paymux.store import merchants as merchant_store
from paymux.store import payments as payment_store
from paymux.store import schedules as schedule_store
from paymux.store.schedules import SchedulePage

log = logging.getLogger("paymux.schedules")

UNKNOWN_CUSTOMER = "등록되지 않은 구매자입니다. (no billing key for customer_uid '{uid}')"


async def schedule_payments(runtime: Runtime, merchant: Merchant, customer_uid: str, items: Sequence[Schedule]) -> list[Schedule]:
    """Register charges of a billing key at future times, all or none."""
    now = runtime.now()
    for index, item in enumerate(items):
        if item.schedule_at <= now:
            raise InvalidParameter(f"schedules[{index}].schedule_at", "must be in the future (unix seconds)")
        if item.amount <= 0:
            raise InvalidParameter(f"schedules[{index}].amount", "must be greater than 0")
    if len({item.merchant_uid for item in items}) != len(items):
        raise InvalidParameter("schedules", "each merchant_uid may appear once")
    try:
        async with runtime.database.transaction() as connection:
            if await customer_store.get_customer(connection, merchant.id, customer_uid) is None:
                raise Refused(UNKNOWN_CUSTOMER.format(uid=customer_uid), code=1)
            for item in items:
                item.merchant_id, item.customer_uid = merchant.id, customer_uid
                item.created_at = item.updated_at = now
            await schedule_store.insert_schedules(connection, items)
            return await schedule_store.by_merchant_uids(connection, merchant.id, [i.merchant_uid for i in items])
    except IntegrityError:
        raise Refused("a merchant_uid in schedules is already scheduled (이미 예약된 merchant_uid입니다)") from None


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
) -> SchedulePage:
    if time_from > time_to:
        raise InvalidParameter("schedule_from", "must not be later than schedule_to")
    if customer_uid is not None:
        await billing.get_customer(runtime, merchant, customer_uid)  # 404 for an unknown customer
    async with runtime.database.reading() as connection:
        return await schedule_store.page(
            connection, merchant.id, time_from=time_from, time_to=time_to, status=status,
            customer_uid=customer_uid, page_number=page_number, limit=limit,
        )


async def unschedule(runtime: Runtime, merchant: Merchant, customer_uid: str, merchant_uids: Sequence[str] | None) -> list[Schedule]:
    async with runtime.database.transaction() as connection:
        revoked = await schedule_store.revoke(connection, merchant.id, customer_uid, merchant_uids, runtime.now())
    if not revoked:
        raise Refused("취소할 예약결제 건이 없습니다 (nothing scheduled to revoke for this customer_uid)", code=1)
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


async def _execute(runtime: Runtime, schedule: Schedule) -> bool:
    """Charge one schedule; True when it got recorded as executed."""
    async with runtime.database.reading() as connection:
        merchant = await merchant_store.merchant_by_id(connection, schedule.merchant_id)
        earlier = await payment_store.find_latest(connection, schedule.merchant_id, schedule.merchant_uid)
    if merchant is None:
        return False
    payment: Payment | None = None
    if earlier is not None and earlier.status is not PaymentStatus.FAILED:
        payment = earlier  # a previous run charged it (and crashed before recording)
    else:
        try:
            payment = await billing.charge_again(
                runtime, merchant, schedule.customer_uid, _details(schedule), usage=CustomerUidUsage.SCHEDULED
            )
        except OrderClaimed:
            return False  # another attempt is in flight (or a crashed one awaits the reconciler): later
        except Refused as refusal:
            if isinstance(refusal.response, Payment):
                payment = refusal.response
            else:
                return await schedule_store.record_execution(
                    runtime.database, schedule.id or 0, imp_uid=None, payment_status=PaymentStatus.FAILED.value,
                    fail_reason=refusal.message, now=runtime.now(),
                )
    if payment.status is PaymentStatus.READY:
        return False  # outcome pending: the lease runs out and a later round records the answer
    return await schedule_store.record_execution(
        runtime.database, schedule.id or 0, imp_uid=payment.imp_uid,
        payment_status=PaymentStatus.PAID.value if payment.status is not PaymentStatus.FAILED else PaymentStatus.FAILED.value,
        fail_reason=payment.fail_reason, now=runtime.now(),
    )


async def execute_due_schedules(runtime: Runtime, *, batch: int = 50) -> int:
    """Lease due schedules and charge them; return how many were taken."""
    lease = runtime.settings.job_lease_seconds
    due = await schedule_store.lease_due(runtime.database, now=runtime.now(), lease_seconds=lease, limit=batch)
    for schedule in due:
        try:
            await _execute(runtime, schedule)
        except Exception:  # its lease runs out and a later round tries again
            log.exception("schedule %s of merchant %s could not be executed", schedule.merchant_uid, schedule.merchant_id)
    return len(due)

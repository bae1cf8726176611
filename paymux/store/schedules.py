"""Queries on scheduled payments. Every query is scoped to one merchant, except taking due work."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.schedule import Schedule, ScheduleStatus
from paymux.store.database import Database
from paymux.store.leases import lease_due_rows
from paymux.store.schema import payments, schedules

_COLUMNS = tuple(f.name for f in fields(Schedule) if f.name != "id")


_ORDER = {
    False: (schedules.c.schedule_at.asc(), schedules.c.id.asc()),
    True: (schedules.c.schedule_at.desc(), schedules.c.id.desc()),
}


@dataclass(frozen=True)
class SchedulePage:
    total: int
    items: list[Schedule]


# What an executed schedule's ``payment_status`` shows: its payment's status now, so a refund after the
# run reads ``cancelled`` (i'mport's schedule object: paid | failed | cancelled "refunded after approval").
_MIRRORED = frozenset({"paid", "failed", "cancelled"})


def schedule_from_row(row: Row[Any]) -> Schedule:
    data = {name: getattr(row, name) for name in _COLUMNS}
    data["schedule_status"] = ScheduleStatus(data["schedule_status"])
    data["notice_url"] = json.loads(data["notice_url"]) if data["notice_url"] else None
    linked = row._mapping.get("linked_payment_status")
    if data["schedule_status"] is ScheduleStatus.EXECUTED and linked in _MIRRORED:
        data["payment_status"] = linked
    return Schedule(id=row.id, **data)


def _row(schedule: Schedule) -> dict[str, Any]:
    row = {name: getattr(schedule, name) for name in _COLUMNS}
    row["schedule_status"] = schedule.schedule_status.value
    row["notice_url"] = json.dumps(schedule.notice_url) if schedule.notice_url else None
    return row


async def insert_schedules(connection: AsyncConnection, items: Sequence[Schedule]) -> None:
    """All or nothing: IntegrityError if any merchant_uid is already scheduled."""
    await connection.execute(insert(schedules), [_row(item) for item in items])


def _of(merchant_id: int) -> Select:
    """The merchant's schedules, each with the current status of the payment its run made."""
    return (
        select(schedules, payments.c.status.label("linked_payment_status"))
        .select_from(
            schedules.outerjoin(
                payments, (payments.c.imp_uid == schedules.c.imp_uid) & (payments.c.merchant_id == schedules.c.merchant_id)
            )
        )
        .where(schedules.c.merchant_id == merchant_id)
    )


async def by_merchant_uids(connection: AsyncConnection, merchant_id: int, merchant_uids: Sequence[str]) -> list[Schedule]:
    """In the order asked for."""
    rows = await connection.execute(_of(merchant_id).where(schedules.c.merchant_uid.in_(list(merchant_uids))))
    found = {row.merchant_uid: schedule_from_row(row) for row in rows}
    return [found[uid] for uid in merchant_uids if uid in found]


async def page(
    connection: AsyncConnection,
    merchant_id: int,
    *,
    time_from: int,
    time_to: int,
    status: ScheduleStatus | None,
    customer_uid: str | None,
    page_number: int,
    limit: int,
    latest_first: bool = False,
) -> SchedulePage:
    """``latest_first``: by ``schedule_at`` newest first (i'mport's default for the schedule list);
    otherwise oldest first (its ``sorting=scheduled``). The row id breaks ties the same way."""
    query = _of(merchant_id).where(schedules.c.schedule_at.between(time_from, time_to))
    if status is not None:
        query = query.where(schedules.c.schedule_status == status.value)
    if customer_uid is not None:
        query = query.where(schedules.c.customer_uid == customer_uid)
    total = (await connection.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await connection.execute(
        query.order_by(*_ORDER[latest_first]).limit(limit).offset((page_number - 1) * limit)
    )
    return SchedulePage(total, [schedule_from_row(row) for row in rows])


async def customer_has_schedules(connection: AsyncConnection, merchant_id: int, customer_uid: str) -> bool:
    """Whether the customer ever had a schedule: its list stays readable after its key is deleted."""
    query = select(exists().where(schedules.c.merchant_id == merchant_id, schedules.c.customer_uid == customer_uid))
    return bool((await connection.execute(query)).scalar())


def _not_in_flight(now: int) -> ColumnElement[bool]:
    """No worker holds the row: a leased schedule may be charging right now, and revoking it then
    would tell the merchant 'revoked' about an order the customer is being charged for."""
    return or_(schedules.c.lease_until.is_(None), schedules.c.lease_until < now)


async def revoke(
    connection: AsyncConnection, merchant_id: int, customer_uid: str, merchant_uids: Sequence[str] | None, now: int
) -> list[Schedule]:
    """Revoke the still-scheduled ones (all of the customer's, or only the named orders) that no
    worker is executing at this moment."""
    query = (
        update(schedules)
        .where(
            schedules.c.merchant_id == merchant_id,
            schedules.c.customer_uid == customer_uid,
            schedules.c.schedule_status == ScheduleStatus.SCHEDULED.value,
            _not_in_flight(now),
        )
        .values(schedule_status=ScheduleStatus.REVOKED.value, revoked_at=now, updated_at=now)
        .returning(*schedules.c)
    )
    if merchant_uids is not None:
        query = query.where(schedules.c.merchant_uid.in_(list(merchant_uids)))
    return [schedule_from_row(row) for row in await connection.execute(query)]


async def lease_due(database: Database, *, now: int, lease_seconds: int, limit: int) -> list[Schedule]:
    rows = await lease_due_rows(
        database,
        schedules,
        due_column="schedule_at",
        now=now,
        lease_seconds=lease_seconds,
        limit=limit,
        conditions=(schedules.c.schedule_status == ScheduleStatus.SCHEDULED.value,),
    )
    return [schedule_from_row(row) for row in rows]


async def hold(database: Database, schedule_id: int, *, held_until: int, now: int, lease_seconds: int) -> bool:
    """Renew this worker's lease on one schedule just before charging it, if it is still scheduled
    and still ours (``lease_until`` as we set it). False when a revoke came first, or the lease ran
    out while the batch was being worked through and another instance took the row."""
    async with database.transaction() as connection:
        result = await connection.execute(
            update(schedules)
            .where(
                schedules.c.id == schedule_id,
                schedules.c.schedule_status == ScheduleStatus.SCHEDULED.value,
                schedules.c.lease_until == held_until,
            )
            .values(lease_until=now + lease_seconds)
        )
        return result.rowcount > 0


async def record_execution(
    database: Database, schedule_id: int, *, imp_uid: str | None, payment_status: str, fail_reason: str | None, now: int
) -> bool:
    """Mark executed, only if still scheduled (a revoke that came first wins)."""
    async with database.transaction() as connection:
        result = await connection.execute(
            update(schedules)
            .where(schedules.c.id == schedule_id, schedules.c.schedule_status == ScheduleStatus.SCHEDULED.value)
            .values(
                schedule_status=ScheduleStatus.EXECUTED.value, imp_uid=imp_uid, payment_status=payment_status,
                fail_reason=fail_reason, executed_at=now, updated_at=now, lease_until=None,
            )
        )
        return result.rowcount > 0

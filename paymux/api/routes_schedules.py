"""``/subscribe/payments/schedule``: scheduled charges of billing keys."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field, model_validator

from paymux.api.deps import MerchantDep, RuntimeDep
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import (
    MAX_UNIX_SECONDS,
    Amount,
    Body,
    BuyerFields,
    CardFields,
    CustomData,
    Limit,
    NoticeUrls,
    OptionalAmount,
    Page,
    Text200,
    Uid,
    UidPath,
    UnixTime,
)
from paymux.api.views import paged
from paymux.domain.card import CardDetails
from paymux.domain.errors import InvalidParameter
from paymux.domain.schedule import Schedule, ScheduleStatus
from paymux.services import schedules as schedule_service
from paymux.services.billing import CustomerInfo
from paymux.store.schedules import SchedulePage

router = APIRouter(tags=["schedules"])

StatusName = Literal["scheduled", "executed", "revoked"]
Seconds = Annotated[int, Query(ge=0, le=MAX_UNIX_SECONDS)]
# i'mport's schedule list: newest ``schedule_at`` first by default, ``sorting=scheduled`` oldest first;
# ``limit`` up to 1000 (default 20).
Sorting = Literal["scheduled", "-scheduled"]
ScheduleLimit = Annotated[int, Query(ge=1, le=1000)]


class ScheduleItem(BuyerFields):
    merchant_uid: Uid
    schedule_at: UnixTime
    amount: Amount
    tax_free: OptionalAmount = None
    name: Text200 | None = None
    custom_data: CustomData = None
    notice_url: NoticeUrls = None

    def schedule(self) -> Schedule:
        return Schedule(
            id=None, merchant_id=0, customer_uid="", merchant_uid=self.merchant_uid, schedule_at=self.schedule_at,
            amount=self.amount, tax_free=self.tax_free or 0, name=self.name, buyer_name=self.buyer_name,
            buyer_email=self.buyer_email, buyer_tel=self.buyer_tel, buyer_addr=self.buyer_addr,
            buyer_postcode=self.buyer_postcode, custom_data=self.custom_data, notice_url=self.notice_url,
        )


_FORM_ITEM_KEY = re.compile(r"schedules\[(\d{1,4})\]\[(\w+)\](\[\])?")


def _schedules_from_form(data: dict[str, Any]) -> list[Any] | None:
    """A form body carries the list as ``schedules[0][merchant_uid]=…`` keys (PHP and qs style), or as
    one ``schedules`` field holding its JSON text."""
    if isinstance(data.get("schedules"), str):
        try:
            return json.loads(data["schedules"])
        except ValueError:
            return None  # left as it is: validation names the field
    items: dict[int, dict[str, Any]] = {}
    for key, value in data.items():
        if match := _FORM_ITEM_KEY.fullmatch(key):
            items.setdefault(int(match[1]), {})[match[2]] = value
    return [items[index] for index in sorted(items)] if items else None


class ScheduleBody(CardFields):
    customer_uid: Uid
    schedules: list[ScheduleItem] = Field(min_length=1, max_length=1000)
    checking_amount: OptionalAmount = None

    def key_from_card(self) -> schedule_service.KeyFromCard | None:
        """Card fields issue the key first when the customer_uid has none (i'mport's schedule reference)."""
        if not self.card_number:
            return None
        first = self.schedules[0]
        info = CustomerInfo(first.buyer_name, first.buyer_tel, first.buyer_email, first.buyer_addr, first.buyer_postcode)
        card = CardDetails.parse(self.card_number, self.expiry, self.birth, self.pwd_2digit)
        return schedule_service.KeyFromCard(card, self.pg, info)

    @model_validator(mode="before")
    @classmethod
    def _form_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and not isinstance(data.get("schedules"), list):
            folded = _schedules_from_form(data)
            if folded is not None:
                return {**data, "schedules": folded}
        return data


class UnscheduleBody(Body):
    customer_uid: Uid
    merchant_uid: Uid | list[Uid] | None = None


def schedule_view(schedule: Schedule) -> dict[str, object]:
    return {
        "customer_uid": schedule.customer_uid,
        "merchant_uid": schedule.merchant_uid,
        "imp_uid": schedule.imp_uid,
        "schedule_at": schedule.schedule_at,
        "executed_at": schedule.executed_at,
        "revoked_at": schedule.revoked_at,
        "amount": schedule.amount,
        "name": schedule.name,
        "buyer_name": schedule.buyer_name,
        "buyer_email": schedule.buyer_email,
        "buyer_tel": schedule.buyer_tel,
        "buyer_addr": schedule.buyer_addr,
        "buyer_postcode": schedule.buyer_postcode,
        "custom_data": schedule.custom_data,
        "schedule_status": schedule.schedule_status.value,
        "payment_status": schedule.payment_status,
        "fail_reason": schedule.fail_reason,
        # i'mport's ScheduleResultAnnotation (PortOne V1 reference): KRW; no buyer id or promotion;
        # pg_provider/pg_id name the PG a "super billing key" routed the charge to (paymux has none).
        "currency": "KRW",
        "customer_id": None,
        "promotion_id": None,
        "pg_provider": None,
        "pg_id": None,
    }


def _page_view(found: SchedulePage, page: int, limit: int) -> dict[str, object]:
    return paged(found.total, [schedule_view(s) for s in found.items], page, limit)


@router.post("/subscribe/payments/schedule", summary="Schedule charges of a billing key")
async def schedule(body: ScheduleBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    if body.checking_amount:  # i'mport charges and at once cancels it to check the card; paymux does not
        raise InvalidParameter("checking_amount", "a card check charge is not supported; send 0 or leave it out")
    created = await schedule_service.schedule_payments(
        runtime, merchant, body.customer_uid, [i.schedule() for i in body.schedules], body.key_from_card()
    )
    return ok([schedule_view(s) for s in created])


@router.get("/subscribe/payments/schedule/{merchant_uid}", summary="One scheduled charge")
async def get_schedule(merchant_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(schedule_view(await schedule_service.get_schedule(runtime, merchant, merchant_uid)))


@router.get("/subscribe/payments/schedule", summary="Scheduled charges in a time range")
async def list_schedules(
    runtime: RuntimeDep,
    merchant: MerchantDep,
    schedule_from: Seconds,
    schedule_to: Seconds,
    schedule_status: StatusName | None = None,
    page: Page = 1,
    limit: ScheduleLimit = 20,
    sorting: Sorting = "-scheduled",
) -> EnvelopeResponse:
    found = await schedule_service.list_schedules(
        runtime, merchant, time_from=schedule_from, time_to=schedule_to,
        status=ScheduleStatus(schedule_status) if schedule_status else None, page_number=page, limit=limit,
        latest_first=sorting == "-scheduled",
    )
    return ok(_page_view(found, page, limit))


@router.post("/subscribe/payments/unschedule", summary="Revoke scheduled charges")
async def unschedule(body: UnscheduleBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    uids = [body.merchant_uid] if isinstance(body.merchant_uid, str) else body.merchant_uid
    revoked = await schedule_service.unschedule(runtime, merchant, body.customer_uid, uids)
    return ok([schedule_view(s) for s in revoked])


@router.get("/subscribe/customers/{customer_uid}/schedules", summary="A billing key's scheduled charges")
async def customer_schedules(
    customer_uid: UidPath,
    runtime: RuntimeDep,
    merchant: MerchantDep,
    time_from: Annotated[int, Query(alias="from", ge=0, le=MAX_UNIX_SECONDS)],
    time_to: Annotated[int, Query(alias="to", ge=0, le=MAX_UNIX_SECONDS)],
    schedule_status: Annotated[StatusName | None, Query(alias="schedule-status")] = None,
    page: Page = 1,
    limit: Limit = 20,
) -> EnvelopeResponse:
    found = await schedule_service.list_schedules(
        runtime, merchant, time_from=time_from, time_to=time_to,
        status=ScheduleStatus(schedule_status) if schedule_status else None,
        customer_uid=customer_uid, page_number=page, limit=limit,
    )
    return ok(_page_view(found, page, limit))


@router.get("/subscribe/payments/schedule/customers/{customer_uid}", summary="A billing key's scheduled charges")
async def schedules_of_customer(
    customer_uid: UidPath,
    runtime: RuntimeDep,
    merchant: MerchantDep,
    time_from: Annotated[int, Query(alias="from", ge=0, le=MAX_UNIX_SECONDS)] = 0,
    time_to: Annotated[int, Query(alias="to", ge=0, le=MAX_UNIX_SECONDS)] = MAX_UNIX_SECONDS,
    schedule_status: Annotated[StatusName | None, Query(alias="schedule-status")] = None,
    page: Page = 1,
    limit: Limit = 20,
) -> EnvelopeResponse:
    """i'mport's other path to a customer's schedules (the PHP, Go and Java clients call it);
    ``from``/``to`` (unix seconds) default to all time."""
    found = await schedule_service.list_schedules(
        runtime, merchant, time_from=time_from, time_to=time_to,
        status=ScheduleStatus(schedule_status) if schedule_status else None,
        customer_uid=customer_uid, page_number=page, limit=limit,
    )
    return ok(_page_view(found, page, limit))

"""``/vbanks``: virtual accounts, and the sandbox's simulated deposit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from paymux.api.deps import MerchantDep, RuntimeDep
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import DepositBody, UidPath, VbankBody, VbankChangeBody
from paymux.api.views import payment_view
from paymux.domain.dates import MAX_UNIX_SECONDS, parse_korean_deadline
from paymux.domain.errors import InvalidParameter
from paymux.services import vbanks
from paymux.services.vbanks import VbankRequest

router = APIRouter(tags=["vbanks"])


def _deadline(value: object) -> int:
    """``vbank_due`` as the window reads it (``domain.dates``): ``YYYYMMDDhhmm`` is Korean time,
    not unix seconds."""
    try:
        due = parse_korean_deadline(value, "vbank_due")
    except InvalidParameter as error:
        raise ValueError(error.message.removeprefix("vbank_due: ")) from None
    if due > MAX_UNIX_SECONDS:
        raise ValueError("is too far in the future")
    return due


Deadline = Annotated[int, BeforeValidator(_deadline)]


class IssueVbankBody(VbankBody):
    vbank_due: Deadline


class ChangeVbankBody(VbankChangeBody):
    vbank_due: Annotated[int | None, BeforeValidator(lambda v: None if v in (None, "") else _deadline(v))] = None


@router.post("/vbanks", summary="Issue a virtual account for an order")
async def issue_vbank(body: IssueVbankBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    request = VbankRequest(
        merchant_uid=body.merchant_uid, amount=body.amount, bank_code=body.vbank_code, due=body.vbank_due,
        holder=body.vbank_holder, pg=body.pg, name=body.name, buyer=body.buyer(), custom_data=body.custom_data,
        notice_url=body.notice_url,
    )
    return ok(payment_view(await vbanks.issue(runtime, merchant, request)))


@router.get("/vbanks/holder", summary="The holder of a bank account")
async def account_holder(
    runtime: RuntimeDep,
    merchant: MerchantDep,
    bank_code: Annotated[str, Query(min_length=3, max_length=3, pattern=r"^\d{3}$")],
    bank_num: Annotated[str, Query(min_length=6, max_length=20, pattern=r"^[0-9-]+$")],
) -> EnvelopeResponse:
    holder = await vbanks.account_holder(runtime, merchant, bank_code, bank_num.replace("-", ""))
    return ok({"bank_holder": holder})


@router.put("/vbanks/{imp_uid}", summary="Change the amount or deadline of an issued account")
async def change_vbank(imp_uid: UidPath, body: ChangeVbankBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(payment_view(await vbanks.change(runtime, merchant, imp_uid, body.amount, body.vbank_due)))


@router.delete("/vbanks/{imp_uid}", summary="Revoke an account before its deposit")
async def revoke_vbank(imp_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(payment_view(await vbanks.revoke(runtime, merchant, imp_uid)))


@router.post("/vbanks/{imp_uid}/deposit", summary="Sandbox: simulate the buyer's deposit (test-mode channels)")
async def simulate_deposit(imp_uid: UidPath, body: DepositBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(payment_view(await vbanks.deposit(runtime, merchant, imp_uid, body.amount)))

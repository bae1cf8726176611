"""``/subscribe``: billing keys (customers) and server-side charges (onetime, again)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from paymux.api.deps import MerchantDep, RuntimeDep, app_runtime
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import (
    AgainBody,
    IssueBillingKeyBody,
    Limit,
    OnetimeBody,
    Page,
    UidPath,
    uid_list,
)
from paymux.api.views import customer_view, page_view, payment_view
from paymux.domain.card import CardDetails
from paymux.services import billing

router = APIRouter(tags=["subscribe"])
# The billing-key charge alone, included by the app right after /users/getToken: FastAPI tries every
# route of each router included before it, twice per request (issue #15).
charge_router = APIRouter(tags=["subscribe"])

_DECLINES = (
    "A card company's decline is an answer, not an error: `code` 0 with the payment in status `failed` and its "
    "`fail_reason` (i'mport's subscription guide branches on `code === 0`, then `response.status`). A non-zero "
    "`code` (with `response` null) means no approval was answered: refused before the PG, a key-in card that "
    "failed authentication, or the PG's answer still being confirmed (docs/declines.md)."
)


@charge_router.post("/subscribe/payments/again", summary="Charge a stored billing key", description=_DECLINES)
async def pay_again(body: AgainBody, request: Request, merchant: MerchantDep) -> EnvelopeResponse:
    payment = await billing.charge_again(app_runtime(request), merchant, body.customer_uid, body.details())
    return ok(payment_view(payment))


@router.get("/subscribe/customers", summary="Several billing keys by customer_uid[]")
async def get_customers(request: Request, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    found = await billing.get_customers(runtime, merchant, uid_list(request, "customer_uid"))
    return ok([customer_view(c) for c in found])


@router.get("/subscribe/customers/{customer_uid}", summary="One billing key (masked card)")
async def get_customer(customer_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(customer_view(await billing.get_customer(runtime, merchant, customer_uid)))


@router.post("/subscribe/customers/{customer_uid}", summary="Issue (or replace) a billing key from card data")
async def issue_billing_key(
    customer_uid: UidPath, body: IssueBillingKeyBody, runtime: RuntimeDep, merchant: MerchantDep
) -> EnvelopeResponse:
    card = CardDetails.parse(body.card_number, body.expiry, body.birth, body.pwd_2digit)
    customer = await billing.issue_billing_key(runtime, merchant, customer_uid, card, body.pg, body.customer_info())
    return ok(customer_view(customer))


@router.delete("/subscribe/customers/{customer_uid}", summary="Delete a billing key")
async def delete_customer(customer_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(customer_view(await billing.delete_customer(runtime, merchant, customer_uid)))


@router.get("/subscribe/customers/{customer_uid}/payments", summary="Payments made with a billing key")
async def customer_payments(
    customer_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep, page: Page = 1, limit: Limit = 20
) -> EnvelopeResponse:
    found = await billing.customer_payments(runtime, merchant, customer_uid, page, limit)
    return ok(page_view(found, page, limit))


@router.post("/subscribe/payments/onetime", summary="Key-in payment; with customer_uid also keeps the key",
             description=_DECLINES)
async def pay_onetime(body: OnetimeBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    card = CardDetails.parse(body.card_number, body.expiry, body.birth, body.pwd_2digit)
    payment = await billing.charge_onetime(
        runtime, merchant, card, body.details(), pg=body.pg, customer_uid=body.customer_uid, info=body.customer_info()
    )
    return ok(payment_view(payment))

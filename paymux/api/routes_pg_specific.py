"""Calls i'mport offers for one PG or one kind of payment: a payment's balance, Kakao Pay's order
list, Naver Pay's and PAYCO's order operations, and foreign-card key-in payments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from paymux.api.deps import MerchantDep, RuntimeDep
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import Body, ChargeFields, Page, Text4, Text10, Text30, Text40, Text140, UidPath
from paymux.services import balances, pg_specific

router = APIRouter(tags=["pg-specific"])

class PaycoStatusBody(Body):
    status: Text40 | None = None


class ForeignBody(ChargeFields):
    card_number: Text30 | None = None
    expiry: Text10 | None = None
    cvc: Text4 | None = None
    pg: Text140 | None = None


@router.get("/payments/{imp_uid}/balance", summary="A payment's amounts per means of payment, and their history")
async def payment_balance(imp_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(await balances.payment_balance(runtime, merchant, imp_uid))


@router.get("/kakao/payment/orders", summary="Kakao Pay's order list of one day")
async def kakao_orders(
    runtime: RuntimeDep,
    merchant: MerchantDep,
    payment_request_date: Annotated[str | None, Query(max_length=8)] = None,
    cid: Annotated[str | None, Query(max_length=100)] = None,
    page: Page = 1,
) -> EnvelopeResponse:
    return ok(await pg_specific.kakao_orders(runtime, merchant, payment_request_date, cid or None, page))


@router.get("/payments/{imp_uid}/naver/{operation}", summary="Naver Pay order operations (read)",
            operation_id="naver_operation_get")
@router.post("/payments/{imp_uid}/naver/{operation}", summary="Naver Pay order operations (change)",
             operation_id="naver_operation_post")
async def naver_operation(imp_uid: UidPath, operation: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    await pg_specific.naver_operation(runtime, merchant, imp_uid, operation)


@router.post("/payco/orders/status/{imp_uid}", summary="Change a PAYCO order's status")
async def payco_status(imp_uid: UidPath, body: PaycoStatusBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    await pg_specific.payco_status(runtime, merchant, imp_uid, body.status)


@router.post("/subscribe/payments/foreign", summary="Key-in payment with a foreign card")
async def pay_foreign(body: ForeignBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    await pg_specific.foreign_card_payment(runtime, merchant, body.card_number, body.expiry, body.pg)


@router.get("/naver/product-orders/{product_order_id}", summary="One Naver Pay product order")
async def naver_product_order(product_order_id: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    await pg_specific.naver_product_order(runtime, merchant, product_order_id)


@router.get("/naver/reviews", summary="Naver Pay buyers' reviews")
async def naver_reviews(runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    await pg_specific.naver_reviews(runtime, merchant)

"""``/receipts``: cash receipts of paid transfers and virtual accounts, and of cash sales outside
paymux (``/receipts/external``). Shapes: PortOne V1 docs ``ReceiptAnnotation`` /
``ExternalReceiptAnnotation``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from paymux.api.deps import MerchantDep, RuntimeDep
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import Amount, Body, OptionalAmount, Text10, Text40, Text140, Text200, UidPath
from paymux.domain.cash_receipt import CashReceipt, ReceiptKind
from paymux.services import receipts
from paymux.services.receipts import ExternalReceiptRequest, ReceiptRequest
from paymux.services.runtime import Runtime

router = APIRouter(tags=["receipts"])


class ReceiptBody(Body):
    identifier: Text40 | None = None
    identifier_type: Text10 | None = None
    type: Text10 | None = None
    tax_free: OptionalAmount = None
    buyer_name: Text200 | None = None
    buyer_email: Text200 | None = None
    buyer_tel: Text40 | None = None

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ReceiptBody.model_fields}


class ExternalReceiptBody(ReceiptBody):
    name: Text200 | None = None
    amount: Amount
    pg: Text140 | None = None


def receipt_view(runtime: Runtime, receipt: CashReceipt) -> dict[str, Any]:
    subject = {"imp_uid": receipt.imp_uid} if receipt.kind is ReceiptKind.PAYMENT else {"merchant_uid": receipt.merchant_uid}
    return {
        **subject,
        "receipt_uid": receipt.receipt_tid,  # iamport-server-api's name for the PG's receipt id
        "receipt_tid": receipt.receipt_tid,
        "apply_num": receipt.apply_num,
        "type": receipt.type.value,
        "amount": receipt.amount,
        "vat": receipt.vat,
        "receipt_url": receipts.receipt_url(runtime, receipt),
        "applied_at": receipt.applied_at,
        "cancelled_at": receipt.cancelled_at,
    }


@router.post("/receipts/{imp_uid}", summary="Issue a cash receipt for a paid transfer or virtual account")
async def issue(imp_uid: UidPath, body: ReceiptBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    receipt = await receipts.issue_for_payment(runtime, merchant, imp_uid, ReceiptRequest(**body.fields()))
    return ok(receipt_view(runtime, receipt))


@router.get("/receipts/{imp_uid}", summary="The cash receipt of a payment")
async def get(imp_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(receipt_view(runtime, await receipts.get_receipt(runtime, merchant, ReceiptKind.PAYMENT, imp_uid)))


@router.delete("/receipts/{imp_uid}", summary="Cancel the cash receipt of a payment")
async def cancel(imp_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(receipt_view(runtime, await receipts.cancel_receipt(runtime, merchant, ReceiptKind.PAYMENT, imp_uid)))


@router.post("/receipts/external/{merchant_uid}", summary="Issue a cash receipt for a cash sale outside paymux")
async def issue_external(
    merchant_uid: UidPath, body: ExternalReceiptBody, runtime: RuntimeDep, merchant: MerchantDep
) -> EnvelopeResponse:
    request = ExternalReceiptRequest(**body.fields(), name=body.name, amount=body.amount, pg=body.pg)
    return ok(receipt_view(runtime, await receipts.issue_external(runtime, merchant, merchant_uid, request)))


@router.get("/receipts/external/{merchant_uid}", summary="The external cash receipt of an order")
async def get_external(merchant_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(receipt_view(runtime, await receipts.get_receipt(runtime, merchant, ReceiptKind.EXTERNAL, merchant_uid)))


@router.delete("/receipts/external/{merchant_uid}", summary="Cancel the external cash receipt of an order")
async def cancel_external(merchant_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(receipt_view(runtime, await receipts.cancel_receipt(runtime, merchant, ReceiptKind.EXTERNAL, merchant_uid)))

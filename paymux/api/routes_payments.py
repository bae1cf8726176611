"""``/payments``: look-ups, lists, cancel, prepare."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from paymux.api.deps import MerchantDep, RuntimeDep, app_runtime
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import (
    CancelBody,
    Limit,
    Page,
    PrepareBody,
    UidPath,
    UnixSeconds,
    uid_list,
)
from paymux.api.views import page_view, payment_view
from paymux.domain.errors import InvalidParameter
from paymux.domain.payment import PaymentStatus
from paymux.services import cancels as cancel_service
from paymux.services import payments as payment_service
from paymux.services import sales_slips
from paymux.services.cancels import CancelRequest

router = APIRouter(tags=["payments"])
_templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_KST = timezone(timedelta(hours=9))

Sorting = Literal["-started", "started", "-paid", "paid", "-updated", "updated"]
StatusName = Literal["ready", "paid", "cancelled", "failed"]
NINETY_DAYS = 90 * 24 * 3600


# The lookup is declared first: routes are tried in declaration order, each try costs CPU, and no
# other GET route here has a single segment after /payments/ for it to shadow (issue #15).
@router.get("/payments/{imp_uid}", summary="One payment")
async def get_payment(imp_uid: UidPath, request: Request, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(payment_view(await payment_service.get_payment(app_runtime(request), merchant, imp_uid)))


@router.get("/payments", summary="Several payments by imp_uid[]")
async def get_payments(request: Request, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    found = await payment_service.get_payments(runtime, merchant, uid_list(request, "imp_uid"))
    return ok([payment_view(p) for p in found])


@router.get("/payments/status/{payment_status}", summary="Payments by status in a time range, paged")
async def list_by_status(
    payment_status: Literal["all", "ready", "paid", "cancelled", "failed"],
    runtime: RuntimeDep,
    merchant: MerchantDep,
    page: Page = 1,
    limit: Limit = 20,
    time_from: Annotated[UnixSeconds, Query(alias="from")] = None,
    time_to: Annotated[UnixSeconds, Query(alias="to")] = None,
    sorting: Sorting = "-started",
) -> EnvelopeResponse:
    to = time_to if time_to is not None else runtime.now()
    since = time_from if time_from is not None else max(0, to - NINETY_DAYS)
    if since > to:
        raise InvalidParameter("from", "must not be later than to")
    status = None if payment_status == "all" else PaymentStatus(payment_status)
    found = await payment_service.list_payments(runtime, merchant, status, since, to, sorting, page, limit)
    return ok(page_view(found, page, limit))


@router.get("/payments/find/{merchant_uid}", summary="Latest payment of an order")
@router.get("/payments/find/{merchant_uid}/{payment_status}", summary="Latest payment of an order in a status")
async def find_payment(
    merchant_uid: UidPath,
    runtime: RuntimeDep,
    merchant: MerchantDep,
    payment_status: StatusName | None = None,
    sorting: Sorting = "-started",
) -> EnvelopeResponse:
    status = PaymentStatus(payment_status) if payment_status else None
    return ok(payment_view(await payment_service.find_payment(runtime, merchant, merchant_uid, status, sorting)))


@router.get("/payments/findAll/{merchant_uid}", summary="All attempts of an order, paged")
@router.get("/payments/findAll/{merchant_uid}/{payment_status}", summary="All attempts of an order in a status")
async def find_all_payments(
    merchant_uid: UidPath,
    runtime: RuntimeDep,
    merchant: MerchantDep,
    payment_status: StatusName | None = None,
    page: Page = 1,
    limit: Limit = 20,
    sorting: Sorting = "-started",
) -> EnvelopeResponse:
    status = PaymentStatus(payment_status) if payment_status else None
    found = await payment_service.find_all_payments(runtime, merchant, merchant_uid, status, sorting, page, limit)
    return ok(page_view(found, page, limit))


@router.post("/payments/cancel", summary="Cancel all or part of a payment")
async def cancel_payment(body: CancelBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    if not body.imp_uid and not body.merchant_uid:
        raise InvalidParameter("imp_uid", "imp_uid or merchant_uid is required")
    request = CancelRequest(
        imp_uid=body.imp_uid,
        merchant_uid=body.merchant_uid,
        amount=body.amount,
        tax_free=body.tax_free,
        checksum=body.checksum,
        reason=body.reason or "",
        refund_holder=body.refund_holder,
        refund_bank=body.refund_bank,
        refund_account=body.refund_account,
    )
    return ok(payment_view(await cancel_service.cancel_payment(runtime, merchant, request)))


def prepared_view(merchant_uid: str, amount: int) -> dict[str, object]:
    """i'mport's PaymentPrepareAnnotation (PortOne V1 reference): ``{merchant_uid, amount, currency}``."""
    return {"merchant_uid": merchant_uid, "amount": amount, "currency": "KRW"}


@router.post("/payments/prepare", summary="Register the amount an order must be paid")
async def prepare(body: PrepareBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    await payment_service.prepare(runtime, merchant, body.merchant_uid, body.amount)
    return ok(prepared_view(body.merchant_uid, body.amount))


@router.put("/payments/prepare", summary="Change the prepared amount of an order")
async def update_prepared(body: PrepareBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    await payment_service.update_prepared(runtime, merchant, body.merchant_uid, body.amount)
    return ok(prepared_view(body.merchant_uid, body.amount))


@router.get("/payments/prepare/{merchant_uid}", summary="The prepared amount of an order")
async def get_prepared(merchant_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    amount = await payment_service.get_prepared(runtime, merchant, merchant_uid)
    return ok(prepared_view(merchant_uid, amount))


@router.get(sales_slips.SLIP_PATH + "/{imp_uid}", include_in_schema=False, response_class=HTMLResponse)
async def sales_slip(
    request: Request, imp_uid: str, runtime: RuntimeDep, sig: str = "", cancellation_id: str | None = None
) -> HTMLResponse:
    """The printable sales slip (매출전표) a payment's ``receipt_url`` points at, or one cancel's
    (``cancel_history[].receipt_url``). No token: the URL's signature is the key (services.sales_slips)."""
    slip = await sales_slips.load_slip(runtime, imp_uid, sig, cancellation_id)
    payment, cancellation = slip.payment, slip.cancellation
    at = cancellation.cancelled_at if cancellation else payment.paid_at
    context = {
        "p": payment, "cancellation": cancellation, "sandbox": slip.test_mode,
        "title": "신용카드 취소전표" if cancellation else "신용카드 매출전표",
        "kind": "cancel" if cancellation else "sale",
        "tid": (cancellation.pg_tid if cancellation else payment.pg_tid) or "",
        "amount": cancellation.amount if cancellation else payment.amount,
        "supply": payment.amount - payment.vat - payment.tax_free,
        "at": datetime.fromtimestamp(at, _KST).strftime("%Y-%m-%d %H:%M:%S"),
        # the Content-Security-Policy nonce of this response (paymux.security_headers), if it set one
        "nonce": request.scope.get("state", {}).get("csp_nonce", ""),
    }
    return _templates.TemplateResponse(request, "sales_slip.html", context)

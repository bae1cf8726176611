"""The i'mport V1 JSON shapes of payments, customers and pages. Internal fields never leave here."""

from __future__ import annotations

from typing import Any

from paymux.domain.customer import Customer
from paymux.domain.payment import Cancellation, Payment, cancel_receipt_url
from paymux.store.payments import Page

_PAYMENT_FIELDS = (
    "imp_uid", "merchant_uid", "pay_method", "channel", "pg_provider", "emb_pg_provider", "pg_tid", "pg_id",
    "escrow", "apply_num", "bank_code", "bank_name", "card_code", "card_name", "card_quota", "card_number",
    "card_type", "vbank_code", "vbank_name", "vbank_num", "vbank_holder", "vbank_date", "vbank_issued_at",
    "name", "amount", "cancel_amount", "currency", "buyer_name", "buyer_email", "buyer_tel", "buyer_addr",
    "buyer_postcode", "custom_data", "user_agent", "started_at", "paid_at", "failed_at", "cancelled_at",
    "fail_reason", "cancel_reason", "receipt_url", "cash_receipt_issued", "customer_uid", "customer_uid_usage",
)

_CUSTOMER_FIELDS = (
    "customer_uid", "pg_provider", "pg_id", "card_name", "card_code", "card_number", "card_type",
    "customer_name", "customer_tel", "customer_email", "customer_addr", "customer_postcode", "inserted", "updated",
)

# i'mport's card issuer (발급사) and publisher (발행사), which its reference (PortOne V1 openapi,
# PaymentAnnotation/CustomerAnnotation) says are "provided only by the PGs that support issuer codes"
# ((new) Toss Payments, KSNET, (new) Smartro, (new) NICE, Welcome…), not by KG INICIS or KCP: null
# until a connector records them. i'mport's Node client reads them on a billing key (Customer.js).
_CARD_ISSUER_FIELDS = ("card_issuer_code", "card_issuer_name", "card_publisher_code", "card_publisher_name")


def cancellation_view(cancellation: Cancellation, payment: Payment | None = None) -> dict[str, Any]:
    """One ``cancel_history`` entry; its ``receipt_url`` is the cancel's sales slip (services.sales_slips)."""
    receipt_url = cancel_receipt_url(payment, cancellation) if payment is not None else cancellation.receipt_url
    return {
        "pg_tid": cancellation.pg_tid,
        "amount": cancellation.amount,
        "cancelled_at": cancellation.cancelled_at,
        "reason": cancellation.reason,
        "receipt_url": receipt_url,
        "cancellation_id": cancellation.cancellation_id,
    }


def payment_view(payment: Payment) -> dict[str, Any]:
    view = {name: getattr(payment, name) for name in _PAYMENT_FIELDS}
    view.update(dict.fromkeys(_CARD_ISSUER_FIELDS))
    view["promotion"] = None  # i'mport's PaymentAnnotation: the PortOne promotion applied; paymux has none
    view["deposit_history"] = []  # deposits to a fixed (unlimited) virtual account; paymux issues none
    view["status"] = payment.status.value
    view["cancel_history"] = [cancellation_view(c, payment) for c in payment.cancel_history]
    view["cancel_receipt_urls"] = [entry["receipt_url"] for entry in view["cancel_history"]]
    return view


def customer_view(customer: Customer) -> dict[str, Any]:
    # customer_id (i'mport's CustomerAnnotation: the buyer's id given with the key) is not kept: null.
    return {**{name: getattr(customer, name) for name in _CUSTOMER_FIELDS}, **dict.fromkeys(_CARD_ISSUER_FIELDS),
            "customer_id": None}


def paged(total: int, items: list[dict[str, Any]], page_number: int, limit: int) -> dict[str, Any]:
    """``{total, previous, next, list}``; previous/next are page numbers, 0 when there is none."""
    last_page = (total + limit - 1) // limit
    return {
        "total": total,
        "previous": page_number - 1 if page_number > 1 else 0,
        "next": page_number + 1 if page_number < last_page else 0,
        "list": items,
    }


def page_view(page: Page, page_number: int, limit: int) -> dict[str, Any]:
    return paged(page.total, [payment_view(p) for p in page.items], page_number, limit)

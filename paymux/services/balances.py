"""``GET /payments/{imp_uid}/balance``: what a payment holds, per means of payment, and each change.

i'mport's shape (PortOne V1 docs "결제 상세내역 조회 API"): ``amount`` (KRW paid), ``primary`` (the
card, transfer, virtual account or phone part), ``secondary`` (PG or card points), ``discount``
(PG or card company discounts), ``cash_receipt`` (the part a cash receipt covers), each as
``{tax_free, supply, vat, service}`` net of refunds, and ``histories``: one entry per change with
its ``created`` time (unix seconds). i'mport fills it for PAYCO; paymux answers it for every
payment from its own records. paymux's PGs have no points or discounts, so ``secondary`` and
``discount`` are zero; each history entry is the change that event made (refunds negative), so the
histories add up to the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paymux.domain.cash_receipt import ReceiptKind
from paymux.domain.merchant import Merchant
from paymux.domain.money import split_tax
from paymux.domain.payment import PaymentStatus
from paymux.services import payments as payment_service
from paymux.services.runtime import Runtime
from paymux.store import receipts as receipt_store


@dataclass(frozen=True)
class Part:
    tax_free: int = 0
    supply: int = 0
    vat: int = 0
    service: int = 0

    @classmethod
    def of(cls, amount: int, tax_free: int, vat: int | None = None) -> Part:
        tax_free, vat = split_tax(amount, tax_free, vat)
        return cls(tax_free=tax_free, supply=amount - tax_free - vat, vat=vat)

    def __neg__(self) -> Part:
        return Part(-self.tax_free, -self.supply, -self.vat, -self.service)

    def __add__(self, other: Part) -> Part:
        return Part(self.tax_free + other.tax_free, self.supply + other.supply, self.vat + other.vat,
                    self.service + other.service)

    def view(self) -> dict[str, int]:
        return {"tax_free": self.tax_free, "supply": self.supply, "vat": self.vat, "service": self.service}


ZERO = Part()


def _entry(created: int, primary: Part = ZERO, cash_receipt: Part = ZERO) -> dict[str, Any]:
    return {"cash_receipt": cash_receipt, "primary": primary, "secondary": ZERO, "discount": ZERO, "created": created}


async def payment_balance(runtime: Runtime, merchant: Merchant, imp_uid: str) -> dict[str, Any]:
    """The balance view. Raises NotFound for an unknown imp_uid (HTTP 404, as i'mport)."""
    payment = await payment_service.get_payment(runtime, merchant, imp_uid)
    async with runtime.database.reading() as connection:
        receipt = await receipt_store.get_receipt(connection, merchant.id, ReceiptKind.PAYMENT, imp_uid)
    histories: list[dict[str, Any]] = []
    if payment.status in (PaymentStatus.PAID, PaymentStatus.CANCELLED):
        histories.append(_entry(payment.paid_at, primary=Part.of(payment.amount, payment.tax_free, payment.vat)))
        for cancel in payment.cancel_history:
            histories.append(_entry(cancel.cancelled_at, primary=-Part.of(cancel.amount, cancel.tax_free)))
    if receipt is not None:
        issued = Part.of(receipt.amount, receipt.tax_free, receipt.vat)
        histories.append(_entry(receipt.applied_at, cash_receipt=issued))
        if not receipt.active:
            histories.append(_entry(receipt.cancelled_at, cash_receipt=-issued))
    histories.sort(key=lambda entry: entry["created"])
    totals = {name: sum((entry[name] for entry in histories), ZERO) for name in ("cash_receipt", "primary", "secondary", "discount")}
    return {
        "amount": payment.amount if histories and payment.paid_at else 0,
        **{name: part.view() for name, part in totals.items()},
        "histories": [{**{k: (v.view() if isinstance(v, Part) else v) for k, v in entry.items()}} for entry in histories],
    }

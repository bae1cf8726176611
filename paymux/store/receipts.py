"""Cash receipts (``cash_receipts``) and the payment's ``cash_receipt_issued`` flag beside them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.cash_receipt import CashReceipt, Identifier, ReceiptKind, ReceiptType
from paymux.store.schema import cash_receipts, payments


def _row(receipt: CashReceipt) -> dict[str, Any]:
    return {
        "merchant_id": receipt.merchant_id, "kind": receipt.kind.value, "subject": receipt.subject,
        "imp_uid": receipt.imp_uid, "merchant_uid": receipt.merchant_uid, "channel_id": receipt.channel_id,
        "pg_provider": receipt.pg_provider, "receipt_tid": receipt.receipt_tid, "apply_num": receipt.apply_num,
        "type": receipt.type.value, "identifier_type": receipt.identifier.kind,
        "identifier_masked": receipt.identifier.masked, "name": receipt.name, "amount": receipt.amount,
        "vat": receipt.vat, "tax_free": receipt.tax_free, "buyer_name": receipt.buyer_name,
        "buyer_email": receipt.buyer_email, "buyer_tel": receipt.buyer_tel, "receipt_token": receipt.receipt_token,
        "applied_at": receipt.applied_at, "cancelled_at": receipt.cancelled_at, "updated_at": receipt.applied_at,
    }


def _receipt(row: Any) -> CashReceipt:
    return CashReceipt(
        merchant_id=row.merchant_id, kind=ReceiptKind(row.kind), subject=row.subject, imp_uid=row.imp_uid,
        merchant_uid=row.merchant_uid, channel_id=row.channel_id, pg_provider=row.pg_provider,
        receipt_tid=row.receipt_tid, apply_num=row.apply_num, type=ReceiptType(row.type),
        identifier=Identifier(masked=row.identifier_masked, kind=row.identifier_type), name=row.name,
        amount=row.amount, vat=row.vat, tax_free=row.tax_free, buyer_name=row.buyer_name,
        buyer_email=row.buyer_email, buyer_tel=row.buyer_tel, receipt_token=row.receipt_token,
        applied_at=row.applied_at, cancelled_at=row.cancelled_at,
    )


async def get_receipt(connection: AsyncConnection, merchant_id: int, kind: ReceiptKind, subject: str) -> CashReceipt | None:
    row = (
        await connection.execute(
            select(cash_receipts).where(
                cash_receipts.c.merchant_id == merchant_id, cash_receipts.c.kind == kind.value,
                cash_receipts.c.subject == subject,
            )
        )
    ).first()
    return _receipt(row) if row else None


async def receipt_by_token(connection: AsyncConnection, token: str) -> CashReceipt | None:
    row = (await connection.execute(select(cash_receipts).where(cash_receipts.c.receipt_token == token))).first()
    return _receipt(row) if row else None


async def insert_receipt(connection: AsyncConnection, receipt: CashReceipt) -> None:
    """Raises IntegrityError when the subject already has a receipt row (issued concurrently)."""
    await connection.execute(insert(cash_receipts).values(**_row(receipt)))


async def reissue_receipt(connection: AsyncConnection, receipt: CashReceipt) -> bool:
    """Issue into the row of a cancelled receipt; False when that receipt is active again meanwhile."""
    values = _row(receipt)
    result = await connection.execute(
        update(cash_receipts)
        .where(
            cash_receipts.c.merchant_id == receipt.merchant_id, cash_receipts.c.kind == receipt.kind.value,
            cash_receipts.c.subject == receipt.subject, cash_receipts.c.cancelled_at > 0,
        )
        .values(**values)
    )
    return result.rowcount > 0


async def cancel_receipt(connection: AsyncConnection, receipt: CashReceipt) -> bool:
    """Mark the active receipt cancelled; False when it was cancelled meanwhile."""
    result = await connection.execute(
        update(cash_receipts)
        .where(
            cash_receipts.c.merchant_id == receipt.merchant_id, cash_receipts.c.kind == receipt.kind.value,
            cash_receipts.c.subject == receipt.subject, cash_receipts.c.cancelled_at == 0,
        )
        .values(cancelled_at=receipt.cancelled_at, updated_at=receipt.cancelled_at)
    )
    return result.rowcount > 0


async def mark_payment(connection: AsyncConnection, merchant_id: int, imp_uid: str, issued: bool, now: int) -> None:
    """The payment's ``cash_receipt_issued``, in the receipt's transaction."""
    await connection.execute(
        update(payments)
        .where(payments.c.merchant_id == merchant_id, payments.c.imp_uid == imp_uid)
        .values(cash_receipt_issued=issued, updated_at=now)
    )

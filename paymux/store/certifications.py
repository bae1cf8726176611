"""Identity verifications (``certifications``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.certification import Certification
from paymux.store.schema import certifications

_FIELDS = (
    "imp_uid", "merchant_id", "merchant_uid", "name", "gender", "birthday", "foreigner", "phone", "carrier",
    "mvno", "certified", "certified_at", "unique_key", "unique_in_site", "pg_tid", "pg_provider", "origin",
    "otp_hash", "otp_attempts", "otp_expires_at", "created_at", "updated_at",
)


def _certification(row: Any) -> Certification:
    return Certification(**{name: getattr(row, name) for name in _FIELDS})


async def insert_certification(connection: AsyncConnection, certification: Certification) -> None:
    await connection.execute(insert(certifications).values(**{n: getattr(certification, n) for n in _FIELDS}))


async def get_certification(
    connection: AsyncConnection, merchant_id: int, imp_uid: str, *, for_update: bool = False
) -> Certification | None:
    query = select(certifications).where(certifications.c.merchant_id == merchant_id, certifications.c.imp_uid == imp_uid)
    row = (await connection.execute(query.with_for_update() if for_update else query)).first()
    return _certification(row) if row else None


async def save_attempt(connection: AsyncConnection, certification: Certification) -> None:
    """The OTP check's outcome: attempts, and certified/certified_at when it matched."""
    await connection.execute(
        update(certifications)
        .where(certifications.c.imp_uid == certification.imp_uid)
        .values(
            otp_attempts=certification.otp_attempts, otp_hash=certification.otp_hash,
            certified=certification.certified, certified_at=certification.certified_at,
            updated_at=certification.updated_at,
        )
    )


async def delete_certification(connection: AsyncConnection, merchant_id: int, imp_uid: str) -> bool:
    result = await connection.execute(
        delete(certifications).where(certifications.c.merchant_id == merchant_id, certifications.c.imp_uid == imp_uid)
    )
    return result.rowcount > 0

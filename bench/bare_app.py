"""The ceiling paymux is measured against: the same framework and database doing one INSERT or one
SELECT per request, with nothing else (no auth, no validation beyond the framework's, no business)."""

from __future__ import annotations

import os
import secrets

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from paymux.config import _normalise_database_url

metadata = MetaData()
bare_payments = Table(
    "bare_payments",
    metadata,
    Column("imp_uid", String(20), primary_key=True),
    Column("merchant_uid", String(100), nullable=False),
    Column("amount", BigInteger, nullable=False),
)

engine = create_async_engine(_normalise_database_url(os.environ["BARE_DATABASE_URL"]), pool_size=20, max_overflow=0)
app = FastAPI()


class Charge(BaseModel):
    merchant_uid: str
    amount: int


@app.on_event("startup")
async def create_table() -> None:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)


@app.post("/charge")
async def charge(body: Charge) -> dict:
    imp_uid = "imp_" + secrets.token_hex(6)
    async with engine.begin() as connection:
        await connection.execute(insert(bare_payments).values(imp_uid=imp_uid, merchant_uid=body.merchant_uid, amount=body.amount))
    return {"code": 0, "message": None, "response": {"imp_uid": imp_uid, "amount": body.amount}}


@app.get("/payments/{imp_uid}")
async def lookup(imp_uid: str) -> dict:
    async with engine.connect() as connection:
        row = (await connection.execute(select(bare_payments).where(bare_payments.c.imp_uid == imp_uid))).first()
    return {"code": 0, "message": None, "response": dict(row._mapping) if row else None}

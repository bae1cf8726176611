"""``/banks`` and ``/cards``: i'mport's code tables (KFTC bank codes, card company codes)."""

from __future__ import annotations

from fastapi import APIRouter

from paymux.api.deps import MerchantDep
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import UidPath
from paymux.domain import banks
from paymux.domain.card import CARD_COMPANIES

router = APIRouter(tags=["codes"])


@router.get("/banks", summary="Every bank code (KFTC) with its name")
async def list_banks(_merchant: MerchantDep) -> EnvelopeResponse:
    return ok([banks.code_view(code, name) for code, name in banks.BANKS.items()])


@router.get("/banks/{code}", summary="One bank by its code")
async def get_bank(code: UidPath, _merchant: MerchantDep) -> EnvelopeResponse:
    return ok(banks.bank(code))


@router.get("/cards", summary="Every card company code with its name")
async def list_cards(_merchant: MerchantDep) -> EnvelopeResponse:
    return ok([banks.code_view(code, name) for code, name in CARD_COMPANIES.items()])


@router.get("/cards/{code}", summary="One card company by its code")
async def get_card(code: UidPath, _merchant: MerchantDep) -> EnvelopeResponse:
    return ok(banks.card_company(code, CARD_COMPANIES))

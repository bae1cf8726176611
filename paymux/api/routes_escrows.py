"""``/escrows/logis/{imp_uid}``: the shipment of an escrow payment. Body as i'mport's "2-depth"
JSON: ``{sender: {name, tel, addr, postcode, relationship}, receiver: {name, tel, addr, postcode},
logis: {company, invoice, sent_at, receiving_at, address}}``; answer ``{company, invoice, sent_at,
applied_at}`` (PortOne V1 docs ``EscrowLogisAnnotation``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from paymux.api.deps import MerchantDep, RuntimeDep
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import Body, Text20, Text40, Text60, Text100, Text500, UidPath, UnixTime
from paymux.domain.escrow import Shipping
from paymux.services import escrows
from paymux.services.escrows import ShippingRequest

router = APIRouter(tags=["escrows"])


class Person(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore", str_strip_whitespace=True)
    name: Text100 | None = None
    tel: Text40 | None = None
    addr: Text500 | None = None
    postcode: Text20 | None = None
    relationship: Text40 | None = None


class Logis(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore", str_strip_whitespace=True)
    company: Text40 | None = None
    invoice: Text60 | None = None
    sent_at: UnixTime | None = None
    receiving_at: Text20 | None = None
    address: Text500 | None = None


class ShippingBody(Body):
    sender: Person = Person()
    receiver: Person = Person()
    logis: Logis

    def request(self) -> ShippingRequest:
        return ShippingRequest(
            company=self.logis.company, invoice=self.logis.invoice, sent_at=self.logis.sent_at,
            receiving_at=self.logis.receiving_at, address=self.logis.address,
            sender=self.sender.model_dump(exclude_none=True), receiver=self.receiver.model_dump(exclude_none=True),
        )


def shipping_view(shipping: Shipping) -> dict[str, Any]:
    return {"company": shipping.company, "invoice": shipping.invoice, "sent_at": shipping.sent_at,
            "applied_at": shipping.applied_at}


@router.get("/escrows/logis/{imp_uid}", summary="The registered shipment of an escrow payment")
async def get_shipping(imp_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(shipping_view(await escrows.get(runtime, merchant, imp_uid)))


@router.post("/escrows/logis/{imp_uid}", summary="Register the shipment of a paid escrow payment")
async def register(imp_uid: UidPath, body: ShippingBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(shipping_view(await escrows.register(runtime, merchant, imp_uid, body.request())))


@router.put("/escrows/logis/{imp_uid}", summary="Change the registered shipment")
async def change(imp_uid: UidPath, body: ShippingBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(shipping_view(await escrows.change(runtime, merchant, imp_uid, body.request())))

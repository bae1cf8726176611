"""``/certifications``: identity verification by phone (본인인증) — the result of a verification
done in the ``IMP.certification`` window or through the OTP API, and its erasure.
Shape: iamport-server-api 10.0.0 ``IIamportCertification``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BeforeValidator

from paymux.api.deps import MerchantDep, RuntimeDep
from paymux.api.envelope import EnvelopeResponse, ok
from paymux.api.params import Body, OptionalUid, Text1, Text10, Text20, Text100, Text140, Text200, UidPath
from paymux.domain.certification import Certification, Person
from paymux.services import certifications
from paymux.services.certifications import OtpRequest

router = APIRouter(tags=["certifications"])


def _flag(value: object) -> object:
    """Forms send booleans as text: "true"/"1" are true, ""/"false"/"0" false."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "y", "yes"}
    return value


class OtpRequestBody(Body):
    name: Text100 | None = None
    phone: Text20 | None = None
    birth: Text10 | None = None
    gender_digit: Text1 | None = None
    carrier: Text10 | None = None
    is_mvno: Annotated[bool, BeforeValidator(_flag)] = False
    company: Text200 | None = None
    commpany: Text200 | None = None  # iamport-server-api's spelling of company
    merchant_uid: OptionalUid = None
    pg: Text140 | None = None


class OtpConfirmBody(Body):
    otp: Text10


def certification_view(certification: Certification) -> dict[str, Any]:
    return {
        "imp_uid": certification.imp_uid,
        "merchant_uid": certification.merchant_uid,
        "pg_tid": certification.pg_tid,
        "pg_provider": certification.pg_provider,
        "name": certification.name,
        "gender": certification.gender,
        "birth": certification.birth,
        # i'mport's reference (PortOne V1 openapi, CertificationAnnotation): "YYYY-MM-DD 10자리 문자열".
        "birthday": f"{certification.birthday[:4]}-{certification.birthday[4:6]}-{certification.birthday[6:]}",
        "foreigner": certification.foreigner,
        "foreigner_v2": certification.foreigner,
        "phone": certification.phone,
        "carrier": certification.carrier,
        "certified": certification.certified,
        "certified_at": certification.certified_at,
        "unique_key": certification.unique_key,
        "unique_in_site": certification.unique_in_site,
        "origin": certification.origin,
    }


@router.post("/certifications/otp/request", summary="Start a verification: the phone receives a code")
async def request_otp(body: OtpRequestBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    person = Person.parse(body.name, body.phone, body.birth, body.gender_digit, body.carrier, body.is_mvno)
    request = OtpRequest(person, merchant_uid=body.merchant_uid, company=body.company or body.commpany, pg=body.pg)
    certification = await certifications.request_otp(runtime, merchant, request)
    return ok({"imp_uid": certification.imp_uid})


@router.post("/certifications/otp/confirm/{imp_uid}", summary="Finish a verification with the code received")
async def confirm_otp(imp_uid: UidPath, body: OtpConfirmBody, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(certification_view(await certifications.confirm_otp(runtime, merchant, imp_uid, body.otp)))


@router.get("/certifications/{imp_uid}", summary="A verification's result")
async def get_certification(imp_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(certification_view(await certifications.get_certification(runtime, merchant, imp_uid)))


@router.delete("/certifications/{imp_uid}", summary="Erase a verification's personal data")
async def delete_certification(imp_uid: UidPath, runtime: RuntimeDep, merchant: MerchantDep) -> EnvelopeResponse:
    return ok(certification_view(await certifications.delete_certification(runtime, merchant, imp_uid)))

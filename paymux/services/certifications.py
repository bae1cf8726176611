"""Identity verification (``/certifications``, ``IMP.certification``) in the sandbox.

``request_otp`` records the person and "texts" a code (the sandbox's code is ``123456``, nothing is
sent); ``confirm_otp`` checks it (three minutes, five tries); the result is read with
``get_certification`` and erased with ``delete_certification``, as i'mport's API does
(PortOne V1 docs "본인인증 API"; iamport-server-api 10.0.0 ``certifications``, ``certifications.otp``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from paymux.connectors import sandbox_desk
from paymux.domain import ids
from paymux.domain.certification import OTP_MAX_ATTEMPTS, OTP_SECONDS, Certification, CertificationRefused, Person
from paymux.domain.errors import InvalidParameter, NotFound
from paymux.domain.merchant import Merchant
from paymux.services.checkout import DisplayMode, WindowTicket, WindowTickets
from paymux.services.runtime import Runtime
from paymux.store import certifications as certification_store
from paymux.store import merchants as merchant_store

NOT_FOUND = "존재하지 않는 본인인증 정보입니다. (no certification '{uid}' for this merchant)"
DEFAULT_PG = "danal"  # i'mport's phone verification PG (다날 휴대폰 본인인증)


@dataclass(frozen=True)
class OtpRequest:
    person: Person
    merchant_uid: str | None = None
    company: str | None = None
    pg: str | None = None
    origin: str | None = None


def _otp_hash(imp_uid: str, otp: str) -> str:
    return hashlib.sha256(f"{imp_uid}:{otp}".encode()).hexdigest()


def _pg_provider(pg: str | None) -> str:
    code = (pg or "").split(".", 1)[0].strip()
    return code or DEFAULT_PG


async def request_otp(runtime: Runtime, merchant: Merchant, request: OtpRequest) -> Certification:
    """POST /certifications/otp/request: record the person, send the code; ``{imp_uid}`` is answered."""
    now = runtime.now()
    person = request.person
    otp = sandbox_desk.send_otp(person)
    unique_key, unique_in_site = sandbox_desk.identity_keys(person, merchant.id)
    imp_uid = ids.new_imp_uid()
    certification = Certification(
        imp_uid=imp_uid, merchant_id=merchant.id, merchant_uid=request.merchant_uid, name=person.name,
        gender=person.gender, birthday=person.birthday, foreigner=person.foreigner, phone=person.phone,
        carrier=person.carrier, mvno=person.mvno, certified=False, certified_at=0, unique_key=unique_key,
        unique_in_site=unique_in_site, pg_tid=sandbox_desk.certification_tid(now), pg_provider=_pg_provider(request.pg),
        origin=request.origin, otp_hash=_otp_hash(imp_uid, otp), otp_attempts=0, otp_expires_at=now + OTP_SECONDS,
        created_at=now, updated_at=now,
    )
    async with runtime.database.transaction() as connection:
        await certification_store.insert_certification(connection, certification)
    return certification


async def confirm_otp(runtime: Runtime, merchant: Merchant, imp_uid: str, otp: str) -> Certification:
    """POST /certifications/otp/confirm/{imp_uid}: the code the person received. Raises NotFound,
    CertificationRefused (HTTP 400: wrong, expired or spent code); a wrong code is counted."""
    now = runtime.now()
    refusal: CertificationRefused | None = None
    async with runtime.database.transaction() as connection:
        certification = await certification_store.get_certification(connection, merchant.id, imp_uid, for_update=True)
        if certification is None:
            raise NotFound(NOT_FOUND.format(uid=imp_uid))
        matches = certification.otp_hash is not None and hmac.compare_digest(certification.otp_hash, _otp_hash(imp_uid, otp))
        certification.confirm(matches, now)
        await certification_store.save_attempt(connection, certification)
        if not certification.certified:
            left = max(0, OTP_MAX_ATTEMPTS - certification.otp_attempts)
            refusal = CertificationRefused(f"인증번호가 일치하지 않습니다. (the code does not match; {left} tries left)")
    if refusal is not None:
        raise refusal
    return certification


async def get_certification(runtime: Runtime, merchant: Merchant, imp_uid: str) -> Certification:
    async with runtime.database.reading() as connection:
        certification = await certification_store.get_certification(connection, merchant.id, imp_uid)
    if certification is None:
        raise NotFound(NOT_FOUND.format(uid=imp_uid))
    return certification


async def delete_certification(runtime: Runtime, merchant: Merchant, imp_uid: str) -> Certification:
    """DELETE /certifications/{imp_uid}: the person's data is erased; the last view is answered."""
    async with runtime.database.transaction() as connection:
        certification = await certification_store.get_certification(connection, merchant.id, imp_uid, for_update=True)
        if certification is None or not await certification_store.delete_certification(connection, merchant.id, imp_uid):
            raise NotFound(NOT_FOUND.format(uid=imp_uid))
    return certification


# --- the IMP.certification window ------------------------------------------------------------------

WINDOW_SECONDS = 1800  # a window left open longer must be opened again


@dataclass(frozen=True)
class WindowParam:
    """``IMP.certification(param)``: what the shop may pass (PortOne V1 "본인인증 연동" guide)."""

    merchant_uid: str | None = None
    name: str | None = None
    phone: str | None = None
    carrier: str | None = None
    company: str | None = None
    min_age: int | None = None
    pg: str | None = None
    m_redirect_url: str | None = None

    @classmethod
    def parse(cls, raw: object) -> WindowParam:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise InvalidParameter("param", "IMP.certification needs an object of parameters")
        texts: dict[str, str | None] = {}
        for name, limit in (("merchant_uid", 100), ("name", 100), ("phone", 20), ("carrier", 10), ("company", 200),
                            ("pg", 140), ("m_redirect_url", 2000)):
            value = raw.get(name)
            if value is not None and not isinstance(value, str):
                raise InvalidParameter(name, "must be a string")
            if value is not None and (len(value) > limit or "\x00" in value):
                raise InvalidParameter(name, f"must be at most {limit} characters of text")
            texts[name] = value or None
        min_age = raw.get("min_age")
        if min_age is not None and (isinstance(min_age, bool) or not isinstance(min_age, int) or not 0 <= min_age <= 150):
            raise InvalidParameter("min_age", "must be a whole number of years")
        url = texts["m_redirect_url"]
        if url is not None and not url.startswith(("http://", "https://")):
            raise InvalidParameter("m_redirect_url", "must be an http(s) URL")
        return cls(min_age=min_age, **texts)


@dataclass(frozen=True)
class CertificationWindow:
    ticket: str
    param: WindowParam
    display: str
    origin: str
    imp_uid: str | None = None
    sandbox_otp: str | None = None


def _tickets(runtime: Runtime) -> WindowTickets:
    return WindowTickets(runtime.vault.derive_key("paymux certification window tickets v1"))


def _sign(runtime: Runtime, merchant_id: int, imp_uid: str, param: dict[str, Any], display: DisplayMode, origin: str,
          issued_at: int) -> str:
    return _tickets(runtime).sign(WindowTicket(merchant_id, imp_uid, param, display, origin, issued_at))


async def read_ticket(runtime: Runtime, ticket_text: str) -> tuple[WindowTicket, Merchant]:
    """The window's signed ticket and its merchant. Raises NotFound (forged, or too old)."""
    ticket = _tickets(runtime).verify(ticket_text)
    if runtime.now() - ticket.issued_at > WINDOW_SECONDS:
        raise NotFound("본인인증 창의 유효시간이 지났습니다. (the verification window expired; open it again)")
    async with runtime.database.reading() as connection:
        merchant = await merchant_store.merchant_by_id(connection, ticket.merchant_id)
    if merchant is None:
        raise NotFound("no such merchant")
    return ticket, merchant


async def open_window(runtime: Runtime, merchant: Merchant, raw_param: object, display: DisplayMode,
                      origin: str) -> CertificationWindow:
    """The form the person fills. Raises InvalidParameter for a bad ``param``."""
    param = WindowParam.parse(raw_param)
    ticket = _sign(runtime, merchant.id, "", dict(raw_param or {}), display, origin, runtime.now())  # type: ignore[call-overload]
    return CertificationWindow(ticket, param, display.value, origin)


async def window_request(runtime: Runtime, ticket_text: str, name: str | None, phone: str | None, birth: str | None,
                         gender_digit: str | None, carrier: str | None, mvno: bool) -> CertificationWindow:
    """The person's details: check them (InvalidParameter names the field), refuse one younger than
    ``min_age`` (CertificationRefused), record the request and 'text' the code."""
    ticket, merchant = await read_ticket(runtime, ticket_text)
    param = WindowParam.parse(ticket.param)
    person = Person.parse(name, phone, birth, gender_digit, carrier, mvno)
    if param.min_age is not None and person.age_on(runtime.now()) < param.min_age:
        raise CertificationRefused(f"본인인증 최소 연령({param.min_age}세) 미만입니다. "
                                   f"(the person is younger than min_age {param.min_age})")
    request = OtpRequest(person, merchant_uid=param.merchant_uid, company=param.company, pg=param.pg,
                         origin=ticket.origin)
    certification = await request_otp(runtime, merchant, request)
    signed = _sign(runtime, merchant.id, certification.imp_uid, ticket.param, ticket.display, ticket.origin,
                   ticket.issued_at)
    return CertificationWindow(signed, param, ticket.display.value, ticket.origin, certification.imp_uid,
                               sandbox_desk.SANDBOX_OTP)


async def window_confirm(runtime: Runtime, ticket_text: str, otp: str) -> tuple[WindowTicket, Certification]:
    """The code the person typed. Raises CertificationRefused (wrong, expired, spent), NotFound."""
    ticket, merchant = await read_ticket(runtime, ticket_text)
    if not ticket.imp_uid:
        raise NotFound("본인인증 요청이 없습니다. (request the code first)")
    return ticket, await confirm_otp(runtime, merchant, ticket.imp_uid, otp)

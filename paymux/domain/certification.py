"""Identity verification (본인인증) by mobile phone, as i'mport's ``/certifications`` API has it.

The shop (or the ``IMP.certification`` window) sends the person's name, phone, birth date and the
first digit of the back of the resident number; the carrier texts a one-time code; the code sent
back proves the phone is the person's. The result carries ``unique_key`` (CI: the same for one
person at every site) and ``unique_in_site`` (DI: the same for one person at one site), which
shops use to refuse a second account. Shapes: iamport-server-api 10.0.0 ``IIamportCertification``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from paymux.domain.errors import InvalidParameter, PaymuxError

KST = timezone(timedelta(hours=9))
CARRIERS = frozenset({"SKT", "KT", "LGT"})
OTP_SECONDS = 180        # the carriers' codes live three minutes
OTP_MAX_ATTEMPTS = 5     # then the request is void and must be made again
_PHONE = re.compile(r"^01[016789][0-9]{7,8}$")
_BIRTHDAY = re.compile(r"^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$")


class CertificationRefused(PaymuxError):
    """A wrong, expired or spent one-time code (HTTP 400)."""


@dataclass(frozen=True)
class Person:
    """Who asks to be verified, checked field by field (each error names its field)."""

    name: str
    phone: str
    birthday: str  # YYYYMMDD
    gender_digit: str
    carrier: str
    mvno: bool = False

    @classmethod
    def parse(cls, name: str | None, phone: str | None, birth: str | None, gender_digit: str | None,
              carrier: str | None, mvno: bool = False) -> Person:
        if not name or not name.strip():
            raise InvalidParameter("name", "is required (the person's name)")
        digits = (phone or "").replace("-", "").strip()
        if not _PHONE.match(digits):
            raise InvalidParameter("phone", "must be a Korean mobile number such as 010-1234-5678")
        birthday = (birth or "").replace("-", "").strip()
        if not _BIRTHDAY.match(birthday):
            raise InvalidParameter("birth", "must be the birth date as YYYYMMDD")
        try:
            datetime.strptime(birthday, "%Y%m%d")
        except ValueError:
            raise InvalidParameter("birth", "is not a calendar date") from None
        if gender_digit is None or not re.fullmatch(r"[1-8]", str(gender_digit).strip()):
            raise InvalidParameter("gender_digit", "must be the first digit of the back of the resident number (1-8)")
        carrier_code = (carrier or "").strip().upper()
        if carrier_code not in CARRIERS:
            raise InvalidParameter("carrier", "must be SKT, KT or LGT")
        return cls(name.strip(), digits, birthday, str(gender_digit).strip(), carrier_code, mvno)

    @property
    def gender(self) -> str:
        return "male" if int(self.gender_digit) % 2 == 1 else "female"

    @property
    def foreigner(self) -> bool:
        return self.gender_digit in {"5", "6", "7", "8"}

    def age_on(self, now: int) -> int:
        today = datetime.fromtimestamp(now, KST).date()
        born = datetime.strptime(self.birthday, "%Y%m%d").date()
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(kw_only=True)
class Certification:
    imp_uid: str
    merchant_id: int
    merchant_uid: str | None
    name: str
    gender: str
    birthday: str
    foreigner: bool
    phone: str
    carrier: str
    mvno: bool
    certified: bool
    certified_at: int
    unique_key: str
    unique_in_site: str
    pg_tid: str
    pg_provider: str
    origin: str | None
    otp_hash: str | None
    otp_attempts: int
    otp_expires_at: int
    created_at: int
    updated_at: int

    @property
    def birth(self) -> int:
        """i'mport's ``birth``: the birth date's midnight in Korea as unix seconds."""
        return int(datetime.strptime(self.birthday, "%Y%m%d").replace(tzinfo=KST).timestamp())

    def confirm(self, otp_matches: bool, now: int) -> None:
        """Check one code. Raises CertificationRefused for a wrong, expired or spent code; a wrong
        code counts an attempt (the caller saves it before raising to the client)."""
        if self.certified:
            raise CertificationRefused("이미 인증이 완료된 요청입니다. (this verification is already complete)")
        if self.otp_hash is None or self.otp_attempts >= OTP_MAX_ATTEMPTS:
            raise CertificationRefused("인증번호 입력 횟수를 초과하였습니다. 인증을 다시 요청해주세요. "
                                       "(too many wrong codes: request a new verification)")
        if now > self.otp_expires_at:
            raise CertificationRefused("인증번호 입력 시간이 초과되었습니다. 인증을 다시 요청해주세요. "
                                       "(the code expired after 3 minutes: request a new verification)")
        self.updated_at = now
        if not otp_matches:
            self.otp_attempts += 1
            if self.otp_attempts >= OTP_MAX_ATTEMPTS:
                self.otp_hash = None
            return
        self.certified, self.certified_at, self.otp_hash = True, now, None

"""Request parameter types and bodies, with i'mport's leniency and none of its silent defaults.

Strings refuse control characters and unpaired surrogates (a database would choke on them);
amounts accept JSON numbers and form strings but never a fraction; every length is bounded.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import Path, Query, Request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from paymux.config import webhook_allow_private_from_env
from paymux.connectors.base import Buyer
from paymux.domain.card import kftc_bank_code
from paymux.domain.errors import InvalidParameter
from paymux.domain.money import MAX_AMOUNT, MAX_INSTALLMENT_MONTHS, parse_amount
from paymux.domain.net import user_url_problem
from paymux.services.billing import CustomerInfo, PaymentDetails

MAX_UNIX_SECONDS = 1 << 40


_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_IDENTIFIER = re.compile("[\x00-\x1f\x7f]")


def _clean_text(value: str) -> str:
    if _CONTROL_IN_TEXT.search(value):
        raise ValueError("must not contain control characters")
    if "\ufffd" in value:  # what URL and form decoding leave of bytes that were not UTF-8
        raise ValueError("must be valid UTF-8 text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid UTF-8 text") from None
    return value


# What the validators above accept, published in /openapi.json so a generated client (or schemathesis)
# knows the rule; the validators stay the authority and name the field in their message.
TEXT_PATTERN = "^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]*$"
UID_PATTERN = "^[^\x00-\x1f\x7f/\ufffd]*[^\\s/\x00-\x1f\x7f\ufffd][^\x00-\x1f\x7f/\ufffd]*$"


def _string_or_number(pattern: str) -> Any:
    """The published schema of a text field: a string matching ``pattern``, or a number — bodies are read
    with ``coerce_numbers_to_str`` (clients send ``merchant_uid: 12345``, ``buyer_tel: 01012345678``)."""

    def publish(schema: dict[str, Any]) -> None:
        string = {**schema, "pattern": pattern}
        schema.clear()
        schema["anyOf"] = [string, {"type": "number"}]

    return Field(json_schema_extra=publish)


_CLEAN_TEXT = AfterValidator(_clean_text)
_TEXT_SCHEMA = _string_or_number(TEXT_PATTERN)

# Free text of at most N characters, clean (see _clean_text). Spelled out one alias per length so a
# type checker reads each as ``str``; the metadata is the same for all of them.
Text1 = Annotated[str, StringConstraints(max_length=1), _CLEAN_TEXT, _TEXT_SCHEMA]
Text2 = Annotated[str, StringConstraints(max_length=2), _CLEAN_TEXT, _TEXT_SCHEMA]
Text4 = Annotated[str, StringConstraints(max_length=4), _CLEAN_TEXT, _TEXT_SCHEMA]
Text10 = Annotated[str, StringConstraints(max_length=10), _CLEAN_TEXT, _TEXT_SCHEMA]
Text20 = Annotated[str, StringConstraints(max_length=20), _CLEAN_TEXT, _TEXT_SCHEMA]
Text30 = Annotated[str, StringConstraints(max_length=30), _CLEAN_TEXT, _TEXT_SCHEMA]
Text40 = Annotated[str, StringConstraints(max_length=40), _CLEAN_TEXT, _TEXT_SCHEMA]
Text60 = Annotated[str, StringConstraints(max_length=60), _CLEAN_TEXT, _TEXT_SCHEMA]
Text100 = Annotated[str, StringConstraints(max_length=100), _CLEAN_TEXT, _TEXT_SCHEMA]
Text140 = Annotated[str, StringConstraints(max_length=140), _CLEAN_TEXT, _TEXT_SCHEMA]
Text200 = Annotated[str, StringConstraints(max_length=200), _CLEAN_TEXT, _TEXT_SCHEMA]
Text500 = Annotated[str, StringConstraints(max_length=500), _CLEAN_TEXT, _TEXT_SCHEMA]


def _identifier(value: str) -> str:
    value = _clean_text(value)
    if _CONTROL_IN_IDENTIFIER.search(value):
        raise ValueError("must not contain control characters")
    if not value.strip():
        raise ValueError("must not be empty")
    if "/" in value:
        raise ValueError("must not contain '/'")
    return value


Uid = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_identifier),
                _string_or_number(UID_PATTERN)]


def _blank_is_absent(value: object) -> object:
    """i'mport reads an optional field sent empty (``imp_uid: ""``, ``imp_uid=`` in a form) as absent."""
    return None if isinstance(value, str) and not value.strip() else value


OptionalUid = Annotated[Uid | None, BeforeValidator(_blank_is_absent)]


def _amount(value: object) -> int:
    try:
        return parse_amount(value)
    except InvalidParameter as problem:
        raise ValueError(problem.message.split(": ", 1)[1]) from None


def _optional_amount(value: object) -> int | None:
    return None if value is None or value == "" else _amount(value)


def _months(value: object) -> int | None:
    if value is None or value == "":
        return None
    months = _amount(value)
    if months > MAX_INSTALLMENT_MONTHS:
        raise ValueError(f"must be between 0 and {MAX_INSTALLMENT_MONTHS} months")
    return months


def _custom_data(value: object) -> str | None:
    """i'mport stores custom_data as a string; JSON given by the caller is kept as its JSON text."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) > 10_000:
        raise ValueError("must be at most 10000 characters")
    return _clean_text(text)


def _urls(value: object) -> list[str] | None:
    if value is None or value == "":
        return None
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list) or len(urls) > 5:
        raise ValueError("must be a URL or a list of at most 5 URLs")
    for url in urls:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 1000:
            raise ValueError("each notice_url must be an http(s) URL of at most 1000 characters")
        _clean_text(url)
        # SSRF: a literal private address is refused here; DNS names at delivery (webhooks.targets)
        if (problem := user_url_problem(url, allow_private=webhook_allow_private_from_env())) is not None:
            raise ValueError(f"each notice_url {problem}")
    return urls


_AMOUNT_RANGE = Field(json_schema_extra={"minimum": 0, "maximum": MAX_AMOUNT})
Amount = Annotated[int, BeforeValidator(_amount), _AMOUNT_RANGE]
OptionalAmount = Annotated[int | None, BeforeValidator(_optional_amount), _AMOUNT_RANGE]
Months = Annotated[int | None, BeforeValidator(_months)]
CustomData = Annotated[str | None, BeforeValidator(_custom_data)]
NoticeUrls = Annotated[list[str] | None, BeforeValidator(_urls)]


def _cancel_amount(value: object) -> int | None:
    """``amount`` of a cancel: absent, empty or 0 all mean the whole cancellable balance, as i'mport
    reads it (the official npm ``iamport`` client's cancel example sends ``amount: 0``)."""
    amount = _optional_amount(value)
    return None if amount == 0 else amount


CancelAmount = Annotated[int | None, BeforeValidator(_cancel_amount)]
RefundBank = Annotated[Text10 | None, BeforeValidator(_blank_is_absent), AfterValidator(
    lambda code: None if code is None else kftc_bank_code(code)
)]

ImpUidPath = Annotated[str, Path(max_length=100), AfterValidator(_identifier)]
UidPath = Annotated[str, Path(max_length=100), AfterValidator(_identifier)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=100)]
UnixSeconds = Annotated[int | None, Query(ge=0, le=MAX_UNIX_SECONDS)]


class Body(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True, extra="ignore", str_strip_whitespace=True)


class TokenBody(Body):
    imp_key: Text100
    imp_secret: Text200


class BuyerFields(Body):
    buyer_name: Text200 | None = None
    buyer_email: Text200 | None = None
    buyer_tel: Text40 | None = None
    buyer_addr: Text500 | None = None
    buyer_postcode: Text20 | None = None

    def buyer(self) -> Buyer:
        return Buyer(self.buyer_name, self.buyer_email, self.buyer_tel, self.buyer_addr, self.buyer_postcode)


class ChargeFields(BuyerFields):
    merchant_uid: Uid
    amount: Amount
    name: Text200 | None = None
    tax_free: OptionalAmount = None
    vat: OptionalAmount = None
    card_quota: Months = None
    custom_data: CustomData = None
    notice_url: NoticeUrls = None

    def details(self) -> PaymentDetails:
        return PaymentDetails(
            merchant_uid=self.merchant_uid,
            amount=self.amount,
            name=self.name,
            tax_free=self.tax_free,
            vat=self.vat,
            card_quota=self.card_quota,
            buyer=self.buyer(),
            custom_data=self.custom_data,
            notice_url=self.notice_url,
        )


class CardFields(Body):
    card_number: Text30 | None = None
    expiry: Text10 | None = None
    birth: Text10 | None = None
    pwd_2digit: Text2 | None = None
    pg: Text140 | None = None


class CustomerFields(Body):
    customer_name: Text200 | None = None
    customer_tel: Text40 | None = None
    customer_email: Text200 | None = None
    customer_addr: Text500 | None = None
    customer_postcode: Text20 | None = None

    def customer_info(self) -> CustomerInfo:
        return CustomerInfo(
            self.customer_name, self.customer_tel, self.customer_email, self.customer_addr, self.customer_postcode
        )


class AgainBody(ChargeFields):
    customer_uid: Uid


class OnetimeBody(ChargeFields, CardFields):
    customer_uid: OptionalUid = None
    customer_name: Text200 | None = None
    customer_tel: Text40 | None = None
    customer_email: Text200 | None = None
    customer_addr: Text500 | None = None
    customer_postcode: Text20 | None = None

    def customer_info(self) -> CustomerInfo:
        """Stored key's customer fields; i'mport falls back to the buyer fields."""
        return CustomerInfo(
            self.customer_name or self.buyer_name,
            self.customer_tel or self.buyer_tel,
            self.customer_email or self.buyer_email,
            self.customer_addr or self.buyer_addr,
            self.customer_postcode or self.buyer_postcode,
        )


class IssueBillingKeyBody(CardFields, CustomerFields):
    pass


class CancelBody(Body):
    imp_uid: OptionalUid = None
    merchant_uid: OptionalUid = None
    amount: CancelAmount = None
    tax_free: OptionalAmount = None
    checksum: OptionalAmount = None
    reason: Text500 | None = None
    refund_holder: Text100 | None = None
    refund_bank: RefundBank = None
    refund_account: Text40 | None = None


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


class PrepareBody(Body):
    merchant_uid: Uid
    amount: Annotated[Amount, AfterValidator(_positive)] = Field(description="integer KRW the order must be paid")


def _unix_time(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ValueError("must be unix seconds (a whole number)")
    seconds = int(str(value).strip()[:15])
    if seconds > MAX_UNIX_SECONDS:
        raise ValueError("is too far in the future")
    return seconds


UnixTime = Annotated[int, BeforeValidator(_unix_time)]


class VbankBody(BuyerFields):
    merchant_uid: Uid
    amount: Amount
    vbank_code: Text10
    vbank_due: UnixTime
    vbank_holder: Text100
    name: Text200 | None = None
    pg: Text140 | None = None
    custom_data: CustomData = None
    notice_url: NoticeUrls = None


class VbankChangeBody(Body):
    amount: OptionalAmount = None
    vbank_due: Annotated[int | None, BeforeValidator(lambda v: None if v in (None, "") else _unix_time(v))] = None


class DepositBody(Body):
    amount: OptionalAmount = None


def uid_list(request: Request, name: str) -> list[str]:
    """``name[]=a&name[]=b`` (or repeated ``name``) from the query string, bounded and checked."""
    values = request.query_params.getlist(f"{name}[]") + request.query_params.getlist(name)
    if not values:
        raise InvalidParameter(f"{name}[]", "at least one value is required")
    if len(values) > 100:
        raise InvalidParameter(f"{name}[]", "at most 100 values per request")
    for value in values:
        if not value or len(value) > 100 or any(ord(ch) < 32 for ch in value) or "\ufffd" in value:
            raise InvalidParameter(f"{name}[]", "each value must be 1-100 printable characters")
    return values

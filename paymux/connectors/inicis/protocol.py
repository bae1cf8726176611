"""KG INICIS wire rules as pure functions: signatures, hashes, the AES of ``[ENC]`` fields, timestamps,
the INIAPI hash-field table and the mobile ``key=value&…`` text. No I/O.

Both sides use this module: :mod:`paymux.connectors.inicis.client` to build requests and check replies,
and the emulator to check requests and build replies, so a change here changes both at once.

Source tags (resolved in ``shared/docs/pg-live-protocols.md`` §0): INI-STD (web-standard manual),
INI-STD-ADD (approval/net-cancel fields), INI-UTIL (INICIS's ``INIStdPayUtil`` sample), INI-SIG (NVP rule),
INI-API (INIAPI manual), INI-FAQ (INIAPI FAQ: ``[ENC]`` AES example), INICISJS (typed client), INI-M
(mobile manual), INI-MOB-EX (mobile walk-through), INI-KEYIN / INI-FORMPAY / COSMO (3rd-party INIAPI
clients).

Units: amounts are KRW ``int``; the window's ``timestamp`` is epoch **milliseconds**; INIAPI's
``timestamp`` is ``YYYYMMDDhhmmss`` in KST; ``now`` values are unix **seconds**.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KST = timezone(timedelta(hours=9), "KST")

# The charset INICIS calls "EUC-KR". cp949 is its superset that Korean systems (and INICIS's own
# samples, ``Session.CodePage = 949``) actually use; every EUC-KR byte string decodes the same way.
EUC_KR = "cp949"


# --- hashing helpers ------------------------------------------------------------------------------


def sha256_hex(text: str) -> str:
    """Lower-case hex SHA-256 of the UTF-8 bytes of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha512_hex(text: str) -> str:
    """Lower-case hex SHA-512 of the UTF-8 bytes of ``text``."""
    return hashlib.sha512(text.encode("utf-8")).hexdigest()


def nvp(fields: Mapping[str, str]) -> str:
    """``k=v&k=v`` in alphabetical (code-point) key order, no spaces, no trailing ``&`` [INI-SIG], [INI-UTIL]."""
    return "&".join(f"{key}={fields[key]}" for key in sorted(fields))


def nvp_sha256(fields: Mapping[str, str]) -> str:
    """SHA-256 hex of :func:`nvp` — the web-standard signature rule [INI-SIG], [INI-UTIL]."""
    return sha256_hex(nvp(fields))


# --- web standard (INIStdPay) ---------------------------------------------------------------------


def std_signature(oid: str, price: int | str, timestamp: int | str) -> str:
    """The window form's ``signature``: SHA-256 of ``oid=…&price=…&timestamp=…`` [INI-STD], [INI-UTIL].

    ``timestamp`` is the form's epoch-millisecond value, byte-identical to what the form submits.
    """
    return nvp_sha256({"oid": oid, "price": str(price), "timestamp": str(timestamp)})


def std_verification(oid: str, price: int | str, sign_key: str, timestamp: int | str) -> str:
    """The form's ``verification`` (checked when ``use_chkfake=Y``): the signature fields plus
    ``signKey``, alphabetically: ``oid=…&price=…&signKey=…&timestamp=…`` [INI-STD] (3rd-party copies,
    code index 49401856730)."""
    return nvp_sha256({"oid": oid, "price": str(price), "signKey": sign_key, "timestamp": str(timestamp)})


def mkey(sign_key: str) -> str:
    """The form's ``mKey``: SHA-256 hex of the web-standard signKey [INI-STD], [INICISJS]."""
    return sha256_hex(sign_key)


def auth_request_signature(auth_token: str, timestamp: int | str) -> str:
    """``signature`` of the approval (and net-cancel) request: SHA-256 of
    ``authToken=…&timestamp=…`` [INI-STD-ADD], [INICISJS]."""
    return nvp_sha256({"authToken": auth_token, "timestamp": str(timestamp)})


# Field order of the authSignature string by the last digit of tstamp [INI-UTIL].
_AUTH_SIGNATURE_ORDER: dict[str, tuple[str, str, str]] = {
    "1": ("MOID", "mid", "tstamp"),
    "2": ("MOID", "tstamp", "mid"),
    "3": ("mid", "MOID", "tstamp"),
    "4": ("mid", "tstamp", "MOID"),
    "5": ("tstamp", "mid", "MOID"),
    "6": ("tstamp", "MOID", "mid"),
    "7": ("TotPrice", "mid", "tstamp"),
    "8": ("TotPrice", "tstamp", "mid"),
    "9": ("TotPrice", "MOID", "tstamp"),
    "0": ("TotPrice", "tstamp", "MOID"),
}


def auth_signature(mid: str, tstamp: int | str, moid: str, tot_price: int | str) -> str:
    """The approval reply's ``authSignature`` [INI-UTIL].

    Three of ``mid``, ``tstamp`` (the approval request's timestamp), ``MOID`` and ``TotPrice`` are
    joined as ``k=v&k=v&k=v`` in an order chosen by the last digit of ``tstamp``, then SHA-256'd.
    """
    stamp = str(tstamp)
    values = {"mid": mid, "tstamp": stamp, "MOID": moid, "TotPrice": str(tot_price)}
    order = _AUTH_SIGNATURE_ORDER[stamp[-1]]
    return sha256_hex("&".join(f"{name}={values[name]}" for name in order))


# --- INIAPI ---------------------------------------------------------------------------------------


def iniapi_timestamp(moment: datetime) -> str:
    """INIAPI ``timestamp``: ``YYYYMMDDhhmmss`` in KST [INI-API]. A naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(KST).strftime("%Y%m%d%H%M%S")


def kst(now: int | float) -> datetime:
    """Unix seconds as an aware KST datetime."""
    return datetime.fromtimestamp(now, KST)


def iniapi_hash(key: str, *values: str) -> str:
    """INIAPI ``hashData``: SHA-512 hex of the INIAPI key followed by the values, no separator [INI-API]."""
    return sha512_hex(key + "".join(values))


def _aes(key: str, iv: str) -> Cipher[modes.CBC]:
    key_bytes, iv_bytes = key.encode("utf-8"), iv.encode("utf-8")
    if len(key_bytes) != 16 or len(iv_bytes) != 16:
        raise ValueError("INIAPI key and IV must be 16 bytes each (AES-128-CBC)")
    return Cipher(algorithms.AES(key_bytes), modes.CBC(iv_bytes))


def encrypt_field(plain: str, key: str, iv: str) -> str:
    """An ``[ENC]`` field: AES-128-CBC with the INIAPI key and IV (their UTF-8 bytes), PKCS#7 padding,
    standard base64 [INI-API], [INI-FAQ] (verified against the FAQ's example, see the tests)."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain.encode("utf-8")) + padder.finalize()
    encryptor = _aes(key, iv).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


def decrypt_field(encrypted: str, key: str, iv: str) -> str:
    """Inverse of :func:`encrypt_field`. Raises ``ValueError`` (without the value) when it does not decrypt."""
    try:
        raw = base64.b64decode(encrypted, validate=True)
        decryptor = _aes(key, iv).decryptor()
        data = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(data) + unpadder.finalize()).decode("utf-8")
    except ValueError as error:
        raise ValueError("[ENC] field does not decrypt with this INIAPI key and IV") from error


@dataclass(frozen=True)
class IniapiSpec:
    """One INIAPI v1 service: where it is, what ``type``/``paymethod`` it takes, what goes into its
    ``hashData`` (after the key, in this order; absent fields count as ``""``) and which fields are ``[ENC]``."""

    name: str
    path: str
    type: str
    hash_fields: tuple[str, ...]
    enc_fields: tuple[str, ...] = ()


_COMMON = ("type", "paymethod", "timestamp", "clientIp", "mid")

# The per-service hashData table [INI-API], [INICISJS], [COSMO], [INI-KEYIN], [INI-FORMPAY].
# Vbank refunds append the encrypted refund account (3rd-party clients, code index 42411858410,
# 33394613323); for cards that field is absent and the hash equals the manual's.
INIAPI_SPECS: dict[str, IniapiSpec] = {
    "Refund": IniapiSpec(
        "Refund", "/api/v1/refund", "Refund", _COMMON + ("tid", "refundAcctNum"), ("refundAcctNum",)
    ),
    "PartialRefund": IniapiSpec(
        "PartialRefund", "/api/v1/refund", "PartialRefund",
        _COMMON + ("tid", "price", "confirmPrice", "refundAcctNum"), ("refundAcctNum",),
    ),
    # Path from the manual's "기타API" grouping; hash by INICISJS's common rule (not published
    # per service: paymux's reading, shared/docs §8).
    "Inquiry": IniapiSpec("Inquiry", "/api/v1/extra", "Extra", _COMMON),
    "Auth": IniapiSpec(
        "Auth", "/api/v1/billing", "Auth", _COMMON + ("moid", "price", "cardNumber"),
        ("cardNumber", "cardExpire", "regNo", "cardPw"),
    ),
    "Billing": IniapiSpec("Billing", "/api/v1/billing", "Billing", _COMMON + ("moid", "price", "billKey")),
    "Pay": IniapiSpec(
        "Pay", "/api/v1/formpay", "Pay", _COMMON + ("moid", "price", "cardNumber"),
        ("cardNumber", "cardExpire", "regNo", "cardPw"),
    ),
    # Vbank issue over formpay: paymethod ``Vacct``, hash without a card number (code index 25108463093).
    "PayVacct": IniapiSpec("PayVacct", "/api/v1/formpay", "Pay", _COMMON + ("moid", "price"), ("cashRegNo",)),
}


def iniapi_spec(type_: str, paymethod: str) -> IniapiSpec | None:
    """The spec a request's ``type`` and ``paymethod`` select, or None for an unknown service
    (``Extra``/``Inquiry`` [INICISJS]; ``Pay``/``Vacct`` vs ``Pay``/``Card`` [INI-FORMPAY])."""
    if type_ == "Pay" and paymethod == "Vacct":
        return INIAPI_SPECS["PayVacct"]
    if type_ == "Extra":
        return INIAPI_SPECS["Inquiry"] if paymethod == "Inquiry" else None
    spec = INIAPI_SPECS.get(type_)
    return spec if spec is not None and spec.name not in ("Inquiry", "PayVacct") else None


def iniapi_hash_for(spec: IniapiSpec, key: str, fields: Mapping[str, str]) -> str:
    """``hashData`` of a request whose ``[ENC]`` fields are already encrypted (the encrypted value is
    what is hashed [INI-FAQ])."""
    return iniapi_hash(key, *(fields.get(name, "") for name in spec.hash_fields))


# --- forms and the mobile key=value text ----------------------------------------------------------


def decode_form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as a dict (last value wins).

    Percent-escapes are decoded as UTF-8 when they are valid UTF-8, otherwise as EUC-KR (cp949): the
    mobile window and the vbank notice are EUC-KR forms [INI-M], [INI-VBANK]. Korean EUC-KR byte pairs are
    never valid UTF-8, so the first successful decoding is the intended one.
    """
    text = body.decode("ascii", errors="replace")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        pairs = parse_qsl(text, keep_blank_values=True, encoding=EUC_KR, errors="replace")
    return dict(pairs)


def encode_form(fields: Mapping[str, str], charset: str = "utf-8") -> bytes:
    """Fields as a url-encoded form body in ``charset`` (``"utf-8"`` or :data:`EUC_KR`)."""
    return urlencode(list(fields.items()), encoding=charset, errors="replace").encode("ascii")


def parse_kv_reply(body: bytes, charset: str = EUC_KR) -> dict[str, str]:
    """The mobile approval reply: ``P_STATUS=00&P_TID=…`` as plain (not url-encoded) text in EUC-KR
    [INI-M], [INI-MOB-EX]. Splits on ``&`` then on the first ``=``; blank segments are skipped."""
    text = body.decode(charset, errors="replace").strip()
    reply: dict[str, str] = {}
    for segment in text.split("&"):
        if not segment:
            continue
        name, _, value = segment.partition("=")
        reply[name.strip()] = value
    return reply


def format_kv_reply(fields: Iterable[tuple[str, str]] | Mapping[str, str], charset: str = EUC_KR) -> bytes:
    """Inverse of :func:`parse_kv_reply`. ``&`` inside a value cannot be represented in this format, so it
    is replaced by a space (paymux's choice; INICIS does not publish an escape)."""
    items = fields.items() if isinstance(fields, Mapping) else fields
    text = "&".join(f"{name}={str(value).replace('&', ' ')}" for name, value in items)
    return text.encode(charset, errors="replace")


def charset_of(content_type: str | None, default: str = EUC_KR) -> str:
    """The Python codec named by a Content-Type header's ``charset`` (EUC-KR → cp949), else ``default``."""
    if content_type:
        for part in content_type.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                value = value.strip().strip('"').lower()
                return EUC_KR if value in ("euc-kr", "euckr", "cp949", "ks_c_5601-1987") else value
    return default

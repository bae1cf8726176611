"""What INICIS calls things ↔ what paymux calls them: requests out, replies in.

Only this module and ``client`` know INICIS's field names. Every reply is read defensively: INICIS
may add fields at any time and leaves some ``null`` on failure (INI-API), so nothing here indexes a
field it does not need.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from paymux.connectors.base import ChargeResult, IssuedBillingKey, VbankIssued
from paymux.connectors.inicis import codes
from paymux.domain.card import BANKS, CARD_COMPANIES, mask_card_number
from paymux.domain.payment import Approval

KST = timezone(timedelta(hours=9))

# i'mport pay_method → the web-standard window's gopaymethod and the mobile window's P_INI_PAYMENT
# (INI-STD: Card, DirectBank, VBank, HPP; INI-M: CARD, BANK, VBANK, MOBILE).
STD_PAY_METHODS = {"card": "Card", "trans": "DirectBank", "vbank": "VBank", "phone": "HPP"}
MOBILE_PAY_METHODS = {"card": "CARD", "trans": "BANK", "vbank": "VBANK", "phone": "MOBILE"}
# i'mport pay_method → INIAPI ``paymethod`` of a refund [INICISJS IniapiPaymethod]; a virtual account
# not deposited yet is closed with ``GVacct`` (채번취소).
REFUND_PAY_METHODS = {"card": "Card", "trans": "Acct", "vbank": "Vacct", "phone": "HPP"}
UNDEPOSITED_VBANK = "GVacct"


def text(reply: Mapping[str, Any], name: str) -> str:
    value = reply.get(name)
    return "" if value is None else str(value).strip()


def amount(reply: Mapping[str, Any], name: str) -> int | None:
    """An INICIS amount field (digits, sometimes with commas on windows) as KRW, or None."""
    digits = text(reply, name).replace(",", "")
    return int(digits) if digits.isdigit() else None


def refusal(reply: Mapping[str, Any], code_field: str = "resultCode", message_field: str = "resultMsg") -> str:
    """The PG's refusal as i'mport shows it: ``[code] message``."""
    code, message = text(reply, code_field), text(reply, message_field)
    return f"[{code}] {message or codes.message(code)}".strip()


def card_company(inicis_code: str) -> tuple[str | None, str | None]:
    """(KFTC card_code, card_name) of an INICIS 2-digit card code."""
    kftc = codes.kftc_card_code(inicis_code)
    return (kftc, CARD_COMPANIES.get(kftc)) if kftc else (None, None)


def card_type(check_flag: str) -> int | None:
    """INICIS ``CARD_CheckFlag``/``checkFlg`` (0 credit, 1 check, 2 gift) → i'mport card_type (0 credit, 1 check)."""
    return {"0": 0, "1": 1, "2": 1}.get(check_flag)


def masked(number: str) -> str | None:
    """A card number INICIS returns (already masked, or a BIN with stars) in paymux's masked form."""
    digits = "".join(ch if ch.isdigit() else "*" for ch in number)
    if not digits:
        return None
    return mask_card_number(digits) if "*" not in digits else digits[:6] + "*" * max(0, len(digits) - 10) + digits[-4:]


def quota(reply: Mapping[str, Any], *names: str) -> int:
    for name in names:
        months = text(reply, name)
        if months.isdigit():
            return int(months) if int(months) >= 2 else 0
    return 0


def api_approval(reply: Mapping[str, Any]) -> Approval:
    """An INIAPI billing or key-in approval (``Billing`` / formpay ``Pay``)."""
    code, name = card_company(text(reply, "cardCode"))
    return Approval(
        pg_tid=text(reply, "tid"), apply_num=text(reply, "payAuthCode"), card_code=code, card_name=name,
        card_type=card_type(text(reply, "checkFlg")), card_quota=quota(reply, "cardQuota", "payAuthQuota"),
    )


def api_charge_result(reply: Mapping[str, Any]) -> ChargeResult:
    if text(reply, "resultCode") == codes.INIAPI_OK:
        return ChargeResult.approved(api_approval(reply))
    return ChargeResult.declined(refusal(reply))


def issued_key(reply: Mapping[str, Any], masked_number: str) -> IssuedBillingKey:
    """An INIAPI ``Auth`` reply that carries ``billKey``."""
    code, name = card_company(text(reply, "cardCode"))
    return IssuedBillingKey(text(reply, "billKey"), code, name, masked_number, card_type(text(reply, "checkFlg")) or 0)


def std_approval(reply: Mapping[str, Any]) -> Approval:
    """A web-standard approval (authUrl reply, JSON) by its ``payMethod``."""
    method = text(reply, "payMethod")
    approval = Approval(pg_tid=text(reply, "tid"), apply_num=text(reply, "applNum"))
    if method in ("Card", "VCard"):
        code, name = card_company(text(reply, "CARD_Code"))
        return Approval(
            pg_tid=approval.pg_tid, apply_num=approval.apply_num, card_code=code, card_name=name,
            card_number=masked(text(reply, "CARD_Num")), card_type=card_type(text(reply, "CARD_CheckFlag")),
            card_quota=quota(reply, "CARD_Quota"),
        )
    if method == "DirectBank":
        bank = codes.kftc_bank_code(text(reply, "ACCT_BankCode"))
        return Approval(pg_tid=approval.pg_tid, apply_num=approval.apply_num, bank_code=bank, bank_name=BANKS.get(bank or ""))
    return approval


def std_billing_key(reply: Mapping[str, Any]) -> IssuedBillingKey | None:
    """``CARD_BillKey`` of a ``BILLAUTH(Card)`` window (INI-STD-ADD)."""
    key = text(reply, "CARD_BillKey")
    if not key:
        return None
    code, name = card_company(text(reply, "CARD_Code"))
    return IssuedBillingKey(key, code, name, masked(text(reply, "CARD_Num")), card_type(text(reply, "CARD_CheckFlag")) or 0)


def vbank(reply: Mapping[str, Any], *, number: str, bank: str, holder: str, date: str, time: str) -> tuple[VbankIssued, int] | None:
    """A virtual account from an approval reply, with its deadline in unix seconds (KST on the wire)."""
    account = text(reply, number)
    if not account:
        return None
    bank_code = codes.kftc_bank_code(text(reply, bank)) or text(reply, bank)
    due = kst_deadline(text(reply, date), text(reply, time) or "235959")
    issued = VbankIssued(text(reply, "tid") or text(reply, "P_TID"), bank_code, BANKS.get(bank_code, bank_code),
                         account, text(reply, holder))
    return issued, due


def kst_deadline(date: str, time: str) -> int:
    """``YYYYMMDD`` + ``hhmmss`` in Korean time → unix seconds (0 when unreadable)."""
    try:
        moment = datetime.strptime(date + time.ljust(6, "0")[:6], "%Y%m%d%H%M%S").replace(tzinfo=KST)
    except ValueError:
        return 0
    return int(moment.astimezone(UTC).timestamp())


def kst(now: int, fmt: str) -> str:
    return datetime.fromtimestamp(now, KST).strftime(fmt)

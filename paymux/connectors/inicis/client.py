"""``InicisClient``: the only code that talks HTTP to KG INICIS (the real PG or paymux's emulator).

It knows the wire (field names, signatures, hashes, encodings) and nothing about paymux's payments: every
call returns INICIS's reply as a ``dict`` with INICIS's own keys, and the connector interprets it.

Public API (amounts are KRW ``int``; ``now`` is unix seconds, converted to KST for INIAPI; window
timestamps are epoch milliseconds)::

    InicisKeys(mid, sign_key, iniapi_key, iniapi_iv, inilite_key="")      # one MID's secrets
    InicisKeys.public_test(mid)                       # INIpayTest / INIBillTst / iniescrow0 (§1.1)
    InicisHosts(stdpay, mobile, iniapi, per_idc=True)
    InicisHosts.production() / InicisHosts.emulated(base_url)
    hosts.auth_url(idc_name) / net_cancel_url(idc_name)                   # web-standard approval hosts
    hosts.mobile_approval_url(idc_name) / mobile_net_cancel_url(idc_name)
    hosts.trusts(returned_url, expected) -> bool
    RefundAccount(bank_code, number, holder)          # INICIS 2-digit bank code; number is sent [ENC]

    client = InicisClient(keys, hosts, http, client_ip="127.0.0.1", merchant_url="")
    client.std_pay_form(*, oid, price, goodname, buyername, buyertel, buyeremail, return_url, close_url,
                        gopaymethod, acceptmethod, quotabase="", merchant_data="", timestamp_ms,
                        vbank_due=None) -> dict[str, str]
    client.std_script_url() -> str
    client.mobile_pay_form(*, p_ini_payment, oid, amt, goods, uname, next_url, noti_url, mobile, email,
                           noti="", reserved="", hpp_method="", vbank_due=None) -> dict[str, str]
    client.mobile_pay_url() -> str
    await client.pay_auth(auth_url, auth_token, price, timestamp_ms) -> dict[str, Any]        # JSON reply
    await client.net_cancel(net_cancel_url, auth_token, price, timestamp_ms) -> dict[str, Any]
    client.verify_auth_signature(reply, timestamp_ms) -> bool
    await client.mobile_approve(req_url, p_tid) -> dict[str, str]                 # key=value reply
    await client.mobile_net_cancel(url, p_tid, amount, oid) -> dict[str, str]
    await client.billing_key_auth(*, moid, card_number, card_expire_yymm, reg_no, card_pw, buyer_name,
                                  buyer_email, buyer_tel, now, goodname="") -> dict[str, Any]
    await client.billing_charge(*, moid, price, bill_key, goodname, buyer_name, buyer_email, buyer_tel,
                                card_quota, tax_free, now) -> dict[str, Any]
    await client.formpay_card(*, moid, price, card_number, card_expire_yymm, reg_no, card_pw, goodname,
                              buyer_name, buyer_email, buyer_tel, card_quota, now, tax_free=0) -> dict
    await client.issue_vacct(*, moid, price, bank_code, due_date, holder, goodname, buyer_name,
                             buyer_email, buyer_tel, now, due_time="2359") -> dict[str, Any]
    await client.refund(*, tid, paymethod, msg, now, refund_account=None) -> dict[str, Any]
        # refund_account: RefundAccount or {"refundAcctNum": plain, "refundBankCode", "refundAcctName"}
    await client.partial_refund(*, tid, paymethod, price, confirm_price, tax_free, msg, now,
                                refund_account=None) -> dict[str, Any]
    await client.inquiry(*, original_tid=None, oid=None, now) -> dict[str, Any]

Errors: transport errors and timeouts raise ``PgTransportError`` (the outcome is then unknown); a
non-2xx status raises ``PgHttpStatusError`` (INICIS's outage answer, "500055 not applied"); a 2xx
body that is not what the call expects raises :class:`InicisProtocolError`. A business failure is
*not* an exception: it is a reply whose ``resultCode`` is not ``0000``/``00`` (``P_STATUS`` not ``00``).
No message raised or logged here contains card data, keys or hashes.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from paymux.connectors.http import PgHttp
from paymux.connectors.inicis import codes, protocol
from paymux.observability.logs import get_logger

logger = get_logger("paymux.connectors.inicis")

IDC_NAMES = ("fc", "ks", "stg")  # INICIS data centres in idc_name [INI-PROP]


class InicisProtocolError(ValueError):
    """INICIS answered 2xx with a body this client cannot read (never contains the body itself)."""


@dataclass(frozen=True)
class InicisKeys:
    """One MID's three unrelated secrets [INI-FAQ]: the web-standard ``signKey``, the INIAPI key + IV,
    and the INILite (billing window) key. ``repr`` shows the MID only."""

    mid: str
    sign_key: str = field(repr=False)
    iniapi_key: str = field(repr=False)
    iniapi_iv: str = field(repr=False)
    inilite_key: str = field(default="", repr=False)

    @classmethod
    def public_test(cls, mid: str) -> InicisKeys:
        """The publicly documented keys of INICIS's test MIDs (shared/docs §1.1). The IV of
        ``INIBillTst`` is only in 3rd-party configs; ``iniescrow0`` has no published IV (``[ENC]``
        calls cannot be made with it)."""
        try:
            return PUBLIC_TEST_KEYS[mid]
        except KeyError:
            raise ValueError(f"{mid!r} is not one of INICIS's public test MIDs") from None


_SAMPLE_SIGN_KEY = "SU5JTElURV9UUklQTEVERVNfS0VZU1RS"  # [IMP-MANUAL], [INI-STD] (mKey 3a9503…)

PUBLIC_TEST_KEYS: dict[str, InicisKeys] = {
    "INIpayTest": InicisKeys("INIpayTest", _SAMPLE_SIGN_KEY, "ItEQKi3rY7uvDS8l", "HYb3yQ4f65QL89=="),
    "INIBillTst": InicisKeys(
        "INIBillTst", _SAMPLE_SIGN_KEY, "rKnPljRn5m6J9Mzz", "W2KLNKra6Wxc1P==",
        inilite_key="b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09",
    ),
    "iniescrow0": InicisKeys("iniescrow0", _SAMPLE_SIGN_KEY, "yERbIlJ3NhTeObsA", ""),
}


@dataclass(frozen=True)
class InicisHosts:
    """Where INICIS lives. In production the approval and net-cancel hosts carry the data centre
    (``{fc|ks|stg}stdpay.inicis.com``, ``{fc|ks|stg}mobile.inicis.com``) [INI-PROP]; ``per_idc=False``
    (the emulator) serves every path on one host whatever the ``idc_name``."""

    stdpay: str
    mobile: str
    iniapi: str
    per_idc: bool = True

    @classmethod
    def production(cls) -> InicisHosts:
        return cls("https://stdpay.inicis.com", "https://mobile.inicis.com", "https://iniapi.inicis.com")

    @classmethod
    def emulated(cls, base_url: str) -> InicisHosts:
        base = base_url.rstrip("/")
        return cls(base, base, base, per_idc=False)

    def _on_idc(self, base: str, idc_name: str | None, path: str) -> str:
        if not self.per_idc:
            return base.rstrip("/") + path
        if idc_name is not None and idc_name not in IDC_NAMES:
            raise ValueError(f"unknown INICIS idc_name {idc_name!r} (expected one of {', '.join(IDC_NAMES)})")
        parts = urlsplit(base)
        return f"{parts.scheme}://{idc_name or ''}{parts.netloc}{path}"

    def auth_url(self, idc_name: str | None) -> str:
        """The approval URL paymux trusts, derived from ``idc_name`` (never the browser's ``authUrl``).
        ``None`` (no ``centerCd(Y)``) gives the host without a data-centre prefix."""
        return self._on_idc(self.stdpay, idc_name, "/api/payAuth")

    def net_cancel_url(self, idc_name: str | None) -> str:
        return self._on_idc(self.stdpay, idc_name, "/api/netCancel")

    def mobile_approval_url(self, idc_name: str | None) -> str:
        return self._on_idc(self.mobile, idc_name, "/smart/payReq.ini")

    def mobile_net_cancel_url(self, idc_name: str | None) -> str:
        return self._on_idc(self.mobile, idc_name, "/smart/payNetCancel.ini")

    def trusts(self, returned_url: str, expected: str) -> bool:
        """Whether the browser-returned ``authUrl`` / ``P_REQ_URL`` is exactly the derived URL
        (the check INICIS's own sample makes [INI-PROP]). Without an ``idc_name`` on mobile, call
        it for each of :data:`IDC_NAMES`."""
        return returned_url.strip() == expected


@dataclass(frozen=True)
class RefundAccount:
    """The buyer's account a deposited virtual account is refunded to (INICIS bank code, 2 digits)."""

    bank_code: str
    number: str = field(repr=False)
    holder: str


def _quota(months: int) -> str:
    """INIAPI ``cardQuota``: ``00`` lump sum, else two digits [INI-FORMPAY]."""
    return f"{months:02d}" if months > 0 else "00"


def _inicis_bank(code: str) -> str:
    """INICIS's 2-digit bank code; a KFTC code of one of paymux's banks (``004``) is converted."""
    return codes.inicis_bank_code(code) or code if len(code) == 3 else code


def _with_option(options: str, option: str) -> str:
    parts = [part for part in options.split(":") if part]
    if option not in parts:
        parts.append(option)
    return ":".join(parts)


class InicisClient:
    """Calls one MID's INICIS endpoints through ``http`` (the caller owns its timeouts and lifetime)."""

    def __init__(
        self,
        keys: InicisKeys,
        hosts: InicisHosts,
        http: PgHttp,
        client_ip: str = "127.0.0.1",
        merchant_url: str = "",
    ) -> None:
        self.keys = keys
        self.hosts = hosts
        self.http = http
        self.client_ip = client_ip
        self.merchant_url = merchant_url

    # --- web-standard window (no network) ---------------------------------------------------------

    def std_pay_form(
        self,
        *,
        oid: str,
        price: int,
        goodname: str,
        buyername: str,
        buyertel: str,
        buyeremail: str,
        return_url: str,
        close_url: str,
        gopaymethod: str,
        acceptmethod: str,
        quotabase: str = "",
        merchant_data: str = "",
        timestamp_ms: int,
        vbank_due: int | None = None,
    ) -> dict[str, str]:
        """The signed fields of the form ``INIStdPay.pay(formId)`` submits [INI-STD], [INICISJS].

        ``centerCd(Y)`` is always added to ``acceptmethod`` so the result carries ``idc_name`` (needed to
        derive the approval URL). ``vbank_due`` (unix seconds) becomes ``vbank(YYYYMMDDhhmm)`` (the
        deposit deadline option, INICIS samples in code index 15914217717).
        """
        if price < 0:
            raise ValueError("price must be a non-negative KRW integer")
        options = _with_option(acceptmethod, "centerCd(Y)")
        if vbank_due is not None:
            options = _with_option(options, f"vbank({protocol.kst(vbank_due).strftime('%Y%m%d%H%M')})")
        return {
            "version": "1.0",
            "gopaymethod": gopaymethod,
            "mid": self.keys.mid,
            "oid": oid,
            "price": str(price),
            "timestamp": str(timestamp_ms),
            "use_chkfake": "Y",
            "signature": protocol.std_signature(oid, price, timestamp_ms),
            "verification": protocol.std_verification(oid, price, self.keys.sign_key, timestamp_ms),
            "mKey": protocol.mkey(self.keys.sign_key),
            "currency": "WON",
            "goodname": goodname,
            "buyername": buyername,
            "buyertel": buyertel,
            "buyeremail": buyeremail,
            "returnUrl": return_url,
            "closeUrl": close_url,
            "acceptmethod": options,
            "quotabase": quotabase,
            "merchantData": merchant_data,
            "charset": "UTF-8",
        }

    def std_script_url(self) -> str:
        """``{stdpay}/stdjs/INIStdPay.js`` [INI-STD]."""
        return self.hosts.stdpay.rstrip("/") + "/stdjs/INIStdPay.js"

    def mobile_pay_form(
        self,
        *,
        p_ini_payment: str,
        oid: str,
        amt: int,
        goods: str,
        uname: str,
        next_url: str,
        noti_url: str,
        mobile: str,
        email: str,
        noti: str = "",
        reserved: str = "",
        hpp_method: str = "",
        vbank_due: int | None = None,
    ) -> dict[str, str]:
        """The P_ fields of the mobile window request [INI-M], [INICISJS]. The page must POST them to
        :meth:`mobile_pay_url` as an EUC-KR form (``accept-charset="EUC-KR"``). ``P_CHARSET=utf8`` asks
        for the result and the approval reply in UTF-8; ``centerCd=Y`` is added to ``P_RESERVED``."""
        options = [part for part in reserved.split("&") if part]
        if "centerCd=Y" not in options:
            options.append("centerCd=Y")
        fields = {
            "P_INI_PAYMENT": p_ini_payment,
            "P_MID": self.keys.mid,
            "P_OID": oid,
            "P_AMT": str(amt),
            "P_GOODS": goods,
            "P_UNAME": uname,
            "P_NEXT_URL": next_url,
            "P_NOTI_URL": noti_url,
            "P_MOBILE": mobile,
            "P_EMAIL": email,
            "P_NOTI": noti,
            "P_CHARSET": "utf8",
            "P_RESERVED": "&".join(options),
        }
        if hpp_method:
            fields["P_HPP_METHOD"] = hpp_method
        if vbank_due is not None:
            due = protocol.kst(vbank_due)
            fields["P_VBANK_DT"], fields["P_VBANK_TM"] = due.strftime("%Y%m%d"), due.strftime("%H%M")
        return fields

    def mobile_pay_url(self) -> str:
        """``{mobile}/smart/payment/`` [INI-M]."""
        return self.hosts.mobile.rstrip("/") + "/smart/payment/"

    # --- web-standard approval --------------------------------------------------------------------

    def _approval_fields(self, auth_token: str, price: int, timestamp_ms: int) -> dict[str, str]:
        return {
            "mid": self.keys.mid,
            "authToken": auth_token,
            "timestamp": str(timestamp_ms),
            "signature": protocol.auth_request_signature(auth_token, timestamp_ms),
            "price": str(price),
            "charset": "UTF-8",
            "format": "JSON",
        }

    async def pay_auth(self, auth_url: str, auth_token: str, price: int, timestamp_ms: int) -> dict[str, Any]:
        """Approve what the window authenticated [INI-STD-ADD]. Pass only a URL from
        :meth:`InicisHosts.auth_url`; ``timestamp_ms`` is also the ``tstamp`` of the reply's authSignature."""
        return await self._post_json(auth_url, self._approval_fields(auth_token, price, timestamp_ms), "payAuth")

    async def net_cancel(self, net_cancel_url: str, auth_token: str, price: int, timestamp_ms: int) -> dict[str, Any]:
        """Net cancel (망취소): the approval request's fields sent to the net-cancel URL [INI-STD-ADD]."""
        fields = self._approval_fields(auth_token, price, timestamp_ms)
        return await self._post_json(net_cancel_url, fields, "netCancel")

    def verify_auth_signature(self, reply: dict[str, Any], timestamp_ms: int) -> bool:
        """Whether ``reply["authSignature"]`` is INICIS's over this MID, ``MOID``, ``TotPrice`` and the
        approval request's timestamp [INI-UTIL]. Net-cancel on ``False`` [COSMO].

        The string hashes only three of the four fields (which ones depends on the timestamp's last
        digit), so it does not always cover ``TotPrice`` or ``MOID``: compare those with the order too."""
        given = str(reply.get("authSignature") or "")
        moid, total = reply.get("MOID"), reply.get("TotPrice")
        if not given or moid is None or total is None:
            return False
        expected = protocol.auth_signature(self.keys.mid, timestamp_ms, str(moid), str(total))
        return hmac.compare_digest(given, expected)

    # --- mobile approval ---------------------------------------------------------------------------

    async def mobile_approve(self, req_url: str, p_tid: str) -> dict[str, str]:
        """POST ``P_MID`` + ``P_TID`` to ``P_REQ_URL``; the reply is ``key=value&…`` text [INI-M]."""
        return await self._post_kv(req_url, {"P_MID": self.keys.mid, "P_TID": p_tid}, "payReq")

    async def mobile_net_cancel(self, url: str, p_tid: str, amount: int, oid: str) -> dict[str, str]:
        """Mobile net cancel (``payNetCancel.ini``) [INI-PROP], fields per [INICISJS]; the optional
        ``P_CHKFAKE`` hash is not sent (its formula is not published)."""
        fields = {"P_MID": self.keys.mid, "P_TID": p_tid, "P_AMT": str(amount), "P_OID": oid}
        return await self._post_kv(url, fields, "payNetCancel")

    # --- INIAPI ----------------------------------------------------------------------------------

    def _enc(self, plain: str) -> str:
        return protocol.encrypt_field(plain, self.keys.iniapi_key, self.keys.iniapi_iv) if plain else ""

    def _card_fields(self, card_number: str, card_expire_yymm: str, reg_no: str, card_pw: str) -> dict[str, str]:
        digits = "".join(ch for ch in card_number if ch.isdigit())
        return {
            "cardNumber": self._enc(digits),
            "cardExpire": self._enc(card_expire_yymm),
            "regNo": self._enc(reg_no),
            "cardPw": self._enc(card_pw),
        }

    def _buyer(self, goodname: str, buyer_name: str, buyer_email: str, buyer_tel: str) -> dict[str, str]:
        return {"goodName": goodname, "buyerName": buyer_name, "buyerEmail": buyer_email, "buyerTel": buyer_tel}

    async def billing_key_auth(
        self, *, moid: str, card_number: str, card_expire_yymm: str, reg_no: str, card_pw: str,
        buyer_name: str, buyer_email: str, buyer_tel: str, now: int, goodname: str = "",
    ) -> dict[str, Any]:
        """INIAPI ``Auth``: issue a billing key from key-in card data, charging nothing (``price=0``)
        [INI-KEYIN]. Card fields are ``[ENC]``. Reply: ``billKey`` (+ emulator's ``cardCode``)."""
        fields = {"url": self.merchant_url, "moid": moid, **self._buyer(goodname, buyer_name, buyer_email, buyer_tel),
                  "price": "0", **self._card_fields(card_number, card_expire_yymm, reg_no, card_pw)}
        return await self._iniapi("Auth", "Card", now, fields)

    async def billing_charge(
        self, *, moid: str, price: int, bill_key: str, goodname: str, buyer_name: str, buyer_email: str,
        buyer_tel: str, card_quota: int, tax_free: int, now: int,
    ) -> dict[str, Any]:
        """INIAPI ``Billing``: charge a billing key [COSMO], [INI-KEYIN]. Blank goodName/buyer fields are
        refused by INICIS (``ER0102``)."""
        fields = {
            "url": self.merchant_url, "moid": moid, **self._buyer(goodname, buyer_name, buyer_email, buyer_tel),
            "price": str(price), "billKey": bill_key, "authentification": "00", "currency": "WON",
            "cardQuota": _quota(card_quota), "quotaInterest": "0", "taxFree": str(tax_free),
        }
        return await self._iniapi("Billing", "Card", now, fields)

    async def formpay_card(
        self, *, moid: str, price: int, card_number: str, card_expire_yymm: str, reg_no: str, card_pw: str,
        goodname: str, buyer_name: str, buyer_email: str, buyer_tel: str, card_quota: int, now: int,
        tax_free: int = 0,
    ) -> dict[str, Any]:
        """INIAPI ``Pay``/``Card`` on ``/api/v1/formpay``: a key-in payment, no key kept [INI-FORMPAY]."""
        fields = {
            "url": self.merchant_url, "moid": moid, **self._buyer(goodname, buyer_name, buyer_email, buyer_tel),
            "price": str(price), "cardQuota": _quota(card_quota), "quotaInterest": "", "currency": "WON",
            "authentification": "00", **self._card_fields(card_number, card_expire_yymm, reg_no, card_pw),
            "cardPoint": "2", "language": "", "taxFree": str(tax_free),
        }
        return await self._iniapi("Pay", "Card", now, fields)

    async def issue_vacct(
        self, *, moid: str, price: int, bank_code: str, due_date: str, holder: str, goodname: str,
        buyer_name: str, buyer_email: str, buyer_tel: str, now: int, due_time: str = "2359",
    ) -> dict[str, Any]:
        """INIAPI ``Pay``/``Vacct``: issue a virtual account (fields from code index 25108463093).

        ``bank_code``: INICIS 2-digit code (or a KFTC 3-digit one of paymux's banks, converted);
        ``due_date`` ``YYYYMMDD`` / ``due_time`` ``hhmm`` in KST (``dtInput``/``tmInput``); ``holder`` is sent
        as ``nmInput``, which INICIS names 입금자명 (the expected depositor) — the account's holder is the
        merchant name INICIS assigns (reply ``vacctName``). The reply's account fields are not published;
        the emulator answers ``vacct``, ``vacctBankCode``, ``vacctBankName``, ``vacctName``, ``validDate``,
        ``validTime``."""
        fields = {
            "url": self.merchant_url, "moid": moid, **self._buyer(goodname, buyer_name, buyer_email, buyer_tel),
            "price": str(price), "currency": "WON", "bankCode": _inicis_bank(bank_code),
            "dtInput": due_date, "tmInput": due_time, "nmInput": holder, "flgCash": "0",
        }
        return await self._iniapi("PayVacct", "Vacct", now, fields)

    def _refund_account(self, account: RefundAccount | Mapping[str, str] | None) -> dict[str, str]:
        """``refundAcctNum`` [ENC], ``refundBankCode``, ``refundAcctName``. A mapping uses INICIS's field
        names with the account number in plain text (this method encrypts it)."""
        if account is None:
            return {}
        if isinstance(account, RefundAccount):
            bank, number, holder = account.bank_code, account.number, account.holder
        else:
            bank, number = account.get("refundBankCode", ""), account.get("refundAcctNum", "")
            holder = account.get("refundAcctName", "")
        return {"refundAcctNum": self._enc(number), "refundBankCode": _inicis_bank(bank), "refundAcctName": holder}

    async def refund(
        self, *, tid: str, paymethod: str, msg: str, now: int,
        refund_account: RefundAccount | Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """INIAPI ``Refund``: cancel the whole (remaining) amount [INI-API]. ``paymethod``: ``Card``,
        ``Acct``, ``Vacct`` (deposited; needs ``refund_account``), ``GVacct`` (not yet deposited), ``HPP``."""
        fields = {"tid": tid, "msg": msg, **self._refund_account(refund_account)}
        return await self._iniapi("Refund", paymethod, now, fields)

    async def partial_refund(
        self, *, tid: str, paymethod: str, price: int, confirm_price: int, tax_free: int, msg: str, now: int,
        refund_account: RefundAccount | Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """INIAPI ``PartialRefund``: cancel ``price``; ``confirm_price`` is the balance left after it
        (INICIS checks it) [INICISJS]. Reply: new ``tid``, ``prtcTid``, ``prtcPrice``, ``prtcRemains``, ``prtcCnt``."""
        fields = {
            "tid": tid, "msg": msg, "price": str(price), "confirmPrice": str(confirm_price), "currency": "WON",
            "taxFree": str(tax_free), **self._refund_account(refund_account),
        }
        return await self._iniapi("PartialRefund", paymethod, now, fields)

    async def inquiry(self, *, original_tid: str | None = None, oid: str | None = None, now: int) -> dict[str, Any]:
        """INIAPI ``Extra``/``Inquiry`` [INICISJS]: ``status`` ``0`` approved / ``1`` cancelled / ``9`` none;
        vbank ``N``/``Y``/``C``. By ``oid`` alone only with INICIS's duplicate-order-number contract."""
        if not original_tid and not oid:
            raise ValueError("inquiry needs original_tid or oid")
        fields = {"originalTid": original_tid or "", "oid": oid or ""}
        return await self._iniapi("Inquiry", "Inquiry", now, fields)

    # --- transport -------------------------------------------------------------------------------

    async def _iniapi(self, service: str, paymethod: str, now: int, fields: dict[str, str]) -> dict[str, Any]:
        spec = protocol.INIAPI_SPECS[service]
        body = {
            "type": spec.type,
            "paymethod": paymethod,
            "timestamp": protocol.iniapi_timestamp(protocol.kst(now)),
            "clientIp": self.client_ip,
            "mid": self.keys.mid,
            **fields,
        }
        body["hashData"] = protocol.iniapi_hash_for(spec, self.keys.iniapi_key, body)
        return await self._post_json(self.hosts.iniapi.rstrip("/") + spec.path, body, service)

    async def _post_json(self, url: str, fields: dict[str, str], what: str) -> dict[str, Any]:
        response = await self.http.post(url, data=fields)
        response.raise_for_status(url)
        try:
            reply = response.json()
        except ValueError:
            raise InicisProtocolError(f"INICIS {what}: the reply is not JSON ({len(response.content)} bytes)") from None
        if not isinstance(reply, dict):
            raise InicisProtocolError(f"INICIS {what}: the reply is not a JSON object")
        logger.info("inicis.reply", call=what, mid=self.keys.mid, result_code=reply.get("resultCode"))
        return reply

    async def _post_kv(self, url: str, fields: dict[str, str], what: str) -> dict[str, str]:
        response = await self.http.post(url, data=fields)
        response.raise_for_status(url)
        reply = protocol.parse_kv_reply(response.content, protocol.charset_of(response.headers.get("content-type")))
        if "P_STATUS" not in reply:
            raise InicisProtocolError(f"INICIS {what}: the reply has no P_STATUS ({len(response.content)} bytes)")
        logger.info("inicis.reply", call=what, mid=self.keys.mid, p_status=reply.get("P_STATUS"))
        return reply

"""NICE Pay's "start" API over HTTP (``api.nicepay.co.kr``; sandbox ``sandbox-api.nicepay.co.kr``).

Every call carries ``Authorization: Basic base64(clientId:secretKey)`` and a JSON body
[NICE common/api.md]. The reply is JSON with ``resultCode`` (``0000`` = success) and ``resultMsg``;
a refusal is an answer (:class:`NiceError`), not an exception. Transport failures, timeouts and 5xx
answers raise ``PgTransportError`` / ``PgHttpStatusError``: the call's outcome is unknown.

Signatures [NICE api/payment-window-server.md, api/cancel.md, api/payment-subscribe.md]:

- returnUrl (authentication): ``hex(sha256(authToken + clientId + amount + secretKey))``;
- replies and webhooks: ``hex(sha256(tid + amount + ediDate + secretKey))``;
- request ``signData``: approve ``tid + amount + ediDate``, cancel ``tid + ediDate``, net cancel
  ``orderId + ediDate``, billing key ``orderId + ediDate``, billing charge ``orderId + bid + ediDate``
  (each followed by the secretKey).

Billing keys take the card as ``encData``: ``hex(AES-CBC-PKCS5(cardNo=…&expYear=YY&expMonth=MM&idNo=…&
cardPw=…))`` with key = the secretKey's first 16 characters (AES-128) or, with ``encMode`` ``A2``, the
whole 32-character secretKey (AES-256); IV = its first 16 characters [payment-subscribe.md].
Money fields are KRW integers.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from paymux.connectors.http import PgHttp, PgHttpStatusError, PgReply
from paymux.connectors.nice import codes


@dataclass(frozen=True)
class NiceKeys:
    """A merchant's NICE Pay API keys: ``client_id`` (클라이언트 키) and ``secret_key`` (시크릿 키)."""

    client_id: str
    secret_key: str = field(repr=False)

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.client_id}:{self.secret_key}".encode()).decode()


@dataclass(frozen=True)
class NiceError:
    """NICE's refusal: HTTP status, ``resultCode`` and ``resultMsg`` (and the reply, for lookups)."""

    status: int
    code: str
    message: str

    def describe(self) -> str:
        return f"[{self.code}] {self.message}".strip()


NiceAnswer = dict[str, Any] | NiceError


def sign(*parts: object) -> str:
    """``hex(sha256(concatenation))``: every NICE signature and signData."""
    return hashlib.sha256("".join(str(p) for p in parts).encode()).hexdigest()


def _cipher(secret_key: str, enc_mode: str) -> Cipher[modes.CBC]:
    key = secret_key.encode()[:32] if enc_mode == "A2" else secret_key.encode()[:16]
    return Cipher(algorithms.AES(key), modes.CBC(secret_key.encode()[:16]))


def enc_data(plain: str, secret_key: str, enc_mode: str = "") -> str:
    """``encData`` of ``/v1/subscribe/regist``: hex of AES-CBC with PKCS#5 padding (see module doc)."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain.encode()) + padder.finalize()
    encryptor = _cipher(secret_key, enc_mode).encryptor()
    return (encryptor.update(data) + encryptor.finalize()).hex()


def dec_data(hex_text: str, secret_key: str, enc_mode: str = "") -> str:
    """The inverse of :func:`enc_data`. Raises ValueError for data that is not such a ciphertext."""
    decryptor = _cipher(secret_key, enc_mode).decryptor()
    raw = decryptor.update(bytes.fromhex(hex_text)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(raw) + unpadder.finalize()).decode()


class NiceClient:
    """The calls of NICE's API bound to one merchant's keys and a base URL (NICE's or an emulator's)."""

    def __init__(self, keys: NiceKeys, http: PgHttp, base_url: str) -> None:
        self.keys = keys
        self._http = http
        self._base = base_url.rstrip("/")

    def _headers(self) -> dict[str, str]:
        return {"Authorization": self.keys.basic(), "Content-Type": "application/json;charset=utf-8"}

    async def _post(self, path: str, body: dict[str, Any]) -> NiceAnswer:
        url = self._base + path
        fields = {k: v for k, v in body.items() if v is not None}
        reply = await self._http.post(url, content=json.dumps(fields, ensure_ascii=False).encode(), headers=self._headers())
        return _answer(reply, url)

    async def _get(self, path: str) -> NiceAnswer:
        url = self._base + path
        return _answer(await self._http.get(url, headers=self._headers()), url)

    def _signed(self, *parts: object) -> str:
        return sign(*parts, self.keys.secret_key)

    async def approve(self, *, tid: str, amount: int, edi_date: str) -> NiceAnswer:
        """``POST /v1/payments/{tid}`` {amount, ediDate, signData}: the payment object (``status`` paid)."""
        return await self._post(f"/v1/payments/{quote(tid, safe='')}",
                                {"amount": amount, "ediDate": edi_date, "signData": self._signed(tid, amount, edi_date)})

    async def cancel(self, *, tid: str, reason: str, order_id: str, cancel_amt: int | None, tax_free: int | None,
                     edi_date: str, refund_account: str | None = None, refund_bank_code: str | None = None,
                     refund_holder: str | None = None) -> NiceAnswer:
        """``POST /v1/payments/{tid}/cancel``: ``cancelAmt`` absent = the whole balance; ``orderId`` may
        not repeat an earlier partial cancel's. Reply: the payment with ``cancelledTid``, ``balanceAmt``,
        ``cancels[]``."""
        return await self._post(f"/v1/payments/{quote(tid, safe='')}/cancel", {
            "reason": reason, "orderId": order_id, "cancelAmt": cancel_amt, "taxFreeAmt": tax_free or None,
            "ediDate": edi_date, "signData": self._signed(tid, edi_date), "refundAccount": refund_account,
            "refundBankCode": refund_bank_code, "refundHolder": refund_holder,
        })

    async def net_cancel(self, *, order_id: str, edi_date: str) -> NiceAnswer:
        """``POST /v1/payments/netcancel`` {orderId}: undo an approval whose answer was lost (within 1 hour)."""
        return await self._post("/v1/payments/netcancel",
                                {"orderId": order_id, "ediDate": edi_date, "signData": self._signed(order_id, edi_date)})

    async def payment(self, *, tid: str) -> NiceAnswer:
        """``GET /v1/payments/{tid}``: the payment object."""
        return await self._get(f"/v1/payments/{quote(tid, safe='')}")

    async def find(self, *, order_id: str, order_date: str) -> NiceAnswer:
        """``GET /v1/payments/find/{orderId}?orderDate=YYYYMMDD`` (``orderDate`` is required: the order's
        day in Korean time) [api/status-transaction.md]: the payment of an order id."""
        return await self._get(f"/v1/payments/find/{quote(order_id, safe='')}?orderDate={quote(order_date)}")

    async def regist(self, *, card_plain: str, order_id: str, edi_date: str, buyer_name: str | None = None,
                     buyer_email: str | None = None, buyer_tel: str | None = None) -> NiceAnswer:
        """``POST /v1/subscribe/regist``: ``bid``, ``tid``, ``authDate``, ``cardCode``, ``cardName``.
        ``card_plain`` is ``cardNo=…&expYear=…&expMonth=…&idNo=…&cardPw=…``; it is sent encrypted only."""
        enc_mode = "A2" if len(self.keys.secret_key) >= 32 else ""
        return await self._post("/v1/subscribe/regist", {
            "encData": enc_data(card_plain, self.keys.secret_key, enc_mode), "orderId": order_id,
            "encMode": enc_mode or None, "buyerName": buyer_name, "buyerEmail": buyer_email, "buyerTel": buyer_tel,
            "ediDate": edi_date, "signData": self._signed(order_id, edi_date),
        })

    async def subscribe_pay(self, *, bid: str, order_id: str, amount: int, goods_name: str, card_quota: int,
                            edi_date: str, tax_free: int = 0, buyer_name: str | None = None,
                            buyer_tel: str | None = None, buyer_email: str | None = None) -> NiceAnswer:
        """``POST /v1/subscribe/{bid}/payments``: the payment object (``status`` paid)."""
        return await self._post(f"/v1/subscribe/{quote(bid, safe='')}/payments", {
            "orderId": order_id, "amount": amount, "goodsName": goods_name, "cardQuota": card_quota,
            "useShopInterest": False, "taxFreeAmt": tax_free or None, "buyerName": buyer_name,
            "buyerTel": buyer_tel, "buyerEmail": buyer_email, "ediDate": edi_date,
            "signData": self._signed(order_id, bid, edi_date),
        })

    async def expire(self, *, bid: str, order_id: str, edi_date: str) -> NiceAnswer:
        """``POST /v1/subscribe/{bid}/expire`` {orderId}: the billing key is deleted for good."""
        return await self._post(f"/v1/subscribe/{quote(bid, safe='')}/expire",
                                {"orderId": order_id, "ediDate": edi_date, "signData": self._signed(order_id, edi_date)})


def _answer(reply: PgReply, url: str) -> NiceAnswer:
    """``resultCode`` 0000 → the JSON object; another code (HTTP 200 or 4xx) → NiceError; 5xx or an
    unreadable body → unknown (raises)."""
    if reply.status >= 500:
        reply.raise_for_status(url)
    try:
        data = reply.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and "resultCode" in data:
        code = str(data.get("resultCode") or "")
        if reply.status == 200 and code == codes.SUCCESS:
            return data
        if reply.status == 200 or 400 <= reply.status < 500:
            return NiceError(reply.status, code, str(data.get("resultMsg") or codes.message(code)))
    raise PgHttpStatusError(reply.status, url)

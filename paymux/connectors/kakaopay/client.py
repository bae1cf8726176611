"""Kakao Pay's online payment API over HTTP (the current generation, ``open-api.kakaopay.com``).

Every call is ``POST {base}/online/v1/payment/{operation}`` with a JSON body and the header
``Authorization: SECRET_KEY {secret key}`` [KK-NEW], [KK-CLIENT] (shared/docs/pg-live-protocols.md §2.1).
A success is HTTP 200 with a JSON object; a refusal is HTTP 4xx with
``{"error_code": int, "error_message": str, "extras": {"method_result_code": …, "method_result_message": …}}``
[KK-ERRFMT] and is returned as a :class:`KakaoPayError` (an answer, not an exception). Transport failures,
timeouts and 5xx answers (Kakao's maintenance ``-9798`` comes as HTTP 503) raise ``PgTransportError`` /
``PgHttpStatusError``: the outcome of the call is unknown.

Money fields are KRW integers. The client knows nothing of paymux's orders; the connector maps them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from paymux.connectors.http import PgHttp, PgHttpStatusError, PgReply

PRODUCTION_BASE = "https://open-api.kakaopay.com"
API_PREFIX = "/online/v1/payment"


@dataclass(frozen=True)
class KakaoPayKeys:
    """A merchant's Kakao Pay identity: ``cid`` (가맹점 코드, 10 characters; the channel's MID),
    ``secret_key`` (the application's Secret key, ``DEV…`` for test CIDs) and the optional
    ``cid_secret`` (가맹점 코드 인증키, 24 characters) [KK-OLD], [KK-NEW]."""

    cid: str
    secret_key: str = field(repr=False)
    cid_secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class KakaoPayError:
    """Kakao's refusal: ``error_code`` (negative int), ``error_message`` and the payment method's own
    ``extras.method_result_code`` / ``method_result_message`` when the refusal came from it."""

    status: int
    code: int
    message: str
    method_result_code: str = ""
    method_result_message: str = ""

    def describe(self) -> str:
        """``[code] message`` as i'mport shows a PG refusal, with the method's own reason when given."""
        text = f"[{self.code}] {self.message}".strip()
        if self.method_result_code:
            detail = f": {self.method_result_message}" if self.method_result_message else ""
            text += f" ({self.method_result_code}{detail})"
        return text


KakaoAnswer = dict[str, Any] | KakaoPayError


class KakaoPayClient:
    """The calls of Kakao Pay's online payment API, bound to one merchant's keys and one base URL
    (``https://open-api.kakaopay.com`` or an emulator's)."""

    def __init__(self, keys: KakaoPayKeys, http: PgHttp, base_url: str = PRODUCTION_BASE) -> None:
        self.keys = keys
        self._http = http
        self._base = base_url.rstrip("/") + API_PREFIX

    def url(self, operation: str) -> str:
        return f"{self._base}/{operation}"

    def _with_cid(self, fields: dict[str, Any]) -> dict[str, Any]:
        body = {"cid": self.keys.cid, **{k: v for k, v in fields.items() if v is not None}}
        if self.keys.cid_secret:
            body["cid_secret"] = self.keys.cid_secret
        return body

    async def _call(self, operation: str, fields: dict[str, Any]) -> KakaoAnswer:
        url = self.url(operation)
        reply = await self._http.post(
            url, content=json.dumps(self._with_cid(fields), ensure_ascii=False).encode(),
            headers={"Authorization": f"SECRET_KEY {self.keys.secret_key}", "Content-Type": "application/json"},
        )
        return _answer(reply, url)

    async def ready(
        self, *, partner_order_id: str, partner_user_id: str, item_name: str, quantity: int, total_amount: int,
        tax_free_amount: int, vat_amount: int | None, approval_url: str, cancel_url: str, fail_url: str,
        install_month: int | None = None,
    ) -> KakaoAnswer:
        """``ready``: the TID and the buyer's redirect URLs (``next_redirect_pc_url``, ``…_mobile_url``,
        ``…_app_url``), ``created_at``."""
        return await self._call("ready", {
            "partner_order_id": partner_order_id, "partner_user_id": partner_user_id, "item_name": item_name,
            "quantity": quantity, "total_amount": total_amount, "tax_free_amount": tax_free_amount,
            "vat_amount": vat_amount, "approval_url": approval_url, "cancel_url": cancel_url, "fail_url": fail_url,
            "install_month": install_month,
        })

    async def approve(self, *, tid: str, partner_order_id: str, partner_user_id: str, pg_token: str,
                      total_amount: int | None = None) -> KakaoAnswer:
        """``approve``: ``aid``, ``tid``, ``sid`` (subscription CIDs), ``amount{total,tax_free,vat,…}``,
        ``payment_method_type`` (CARD/MONEY), ``card_info`` (card only), ``approved_at``."""
        return await self._call("approve", {
            "tid": tid, "partner_order_id": partner_order_id, "partner_user_id": partner_user_id,
            "pg_token": pg_token, "total_amount": total_amount,
        })

    async def order(self, *, tid: str) -> KakaoAnswer:
        """``order``: ``status``, ``amount``, ``canceled_amount``, ``cancel_available_amount``,
        ``payment_action_details[]`` — the reconciliation tool [KK-STATUS]."""
        return await self._call("order", {"tid": tid})

    async def cancel(self, *, tid: str, cancel_amount: int, cancel_tax_free_amount: int, cancel_vat_amount: int | None,
                     cancel_available_amount: int | None, payload: str | None = None) -> KakaoAnswer:
        """``cancel``: ``cancel_available_amount`` is what is cancellable *including* this cancel (a
        checksum: Kakao refuses when its own balance differs) [KK-OLD cancellation]."""
        return await self._call("cancel", {
            "tid": tid, "cancel_amount": cancel_amount, "cancel_tax_free_amount": cancel_tax_free_amount,
            "cancel_vat_amount": cancel_vat_amount, "cancel_available_amount": cancel_available_amount,
            "payload": payload,
        })

    async def subscription(self, *, sid: str, partner_order_id: str, partner_user_id: str, item_name: str,
                           quantity: int, total_amount: int, tax_free_amount: int, vat_amount: int | None) -> KakaoAnswer:
        """``subscription``: charge an SID (same reply shape as approve) [KK-CLIENT]."""
        return await self._call("subscription", {
            "sid": sid, "partner_order_id": partner_order_id, "partner_user_id": partner_user_id,
            "item_name": item_name, "quantity": quantity, "total_amount": total_amount,
            "tax_free_amount": tax_free_amount, "vat_amount": vat_amount,
        })

    async def inactivate(self, *, sid: str) -> KakaoAnswer:
        """``manage/subscription/inactive``: ``status`` ``INACTIVE``, ``inactivated_at`` [KK-CLIENT]."""
        return await self._call("manage/subscription/inactive", {"sid": sid})

    async def subscription_status(self, *, sid: str) -> KakaoAnswer:
        """``manage/subscription/status``: ``available``, ``status`` (ACTIVE/INACTIVE), ``last_approved_at``."""
        return await self._call("manage/subscription/status", {"sid": sid})


def _answer(reply: PgReply, url: str) -> KakaoAnswer:
    """200 → the JSON object; 4xx with Kakao's error body → KakaoPayError; anything else → unknown."""
    if reply.status >= 500:
        reply.raise_for_status(url)
    try:
        data = reply.json()
    except ValueError:
        data = None
    if reply.status == 200 and isinstance(data, dict):
        return data
    if 400 <= reply.status < 500 and isinstance(data, dict) and "error_code" in data:
        extras = given if isinstance(given := data.get("extras"), dict) else {}
        try:
            code = int(data.get("error_code"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            code = 0
        return KakaoPayError(reply.status, code, str(data.get("error_message") or ""),
                             str(extras.get("method_result_code") or ""), str(extras.get("method_result_message") or ""))
    # a 4xx without Kakao's body (a proxy, a wrong path) or an unreadable 200: unknown, not a decline
    raise PgHttpStatusError(reply.status, url)

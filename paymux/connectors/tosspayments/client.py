"""Toss Payments' core API v1 over HTTP (``https://api.tosspayments.com``).

Every call carries ``Authorization: Basic base64("{secret key}:")`` — the secret key as user name and an
empty password [TOSS-AUTH] — and POSTs a JSON body. A success is HTTP 200 with a Payment (or Billing)
object; a refusal is HTTP 4xx with ``{"code": str, "message": str}`` and is returned as a
:class:`TossError` (an answer, not an exception). Transport failures, timeouts and 5xx answers raise
``PgTransportError`` / ``PgHttpStatusError``: the outcome of the call is unknown
(shared/docs/pg-live-protocols.md §4.1, docs/pgs.md §9).

``Idempotency-Key`` (≤ 300 characters, kept 15 days by Toss, scoped to key + API key + URL + method):
a replayed request gets the first request's answer instead of being applied again [TOSS-IDEM]. paymux
sends one on every call that moves money (confirm, charges, cancels).

Money fields are KRW integers. The client knows nothing of paymux's orders; the connector maps them.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from paymux.connectors.http import PgHttp, PgHttpStatusError, PgReply

PRODUCTION_BASE = "https://api.tosspayments.com"
PRODUCTION_SDK = "https://js.tosspayments.com/v1/payment"
IDEMPOTENCY_KEY_LIMIT = 300


@dataclass(frozen=True)
class TossKeys:
    """A merchant's Toss Payments keys: ``client_key`` (``test_ck_…`` / ``live_ck_…``, public: it opens the
    buyer's window) and ``secret_key`` (``test_sk_…`` / ``live_sk_…``: server calls only)."""

    client_key: str
    secret_key: str = field(repr=False)

    def authorization(self) -> str:
        return "Basic " + base64.b64encode(f"{self.secret_key}:".encode()).decode()


@dataclass(frozen=True)
class TossError:
    """Toss's refusal: HTTP ``status``, ``code`` (``REJECT_CARD_COMPANY`` …) and ``message``."""

    status: int
    code: str
    message: str

    def describe(self) -> str:
        return f"[{self.code}] {self.message}".strip()


TossAnswer = dict[str, Any] | TossError


class TossPaymentsClient:
    """The calls of Toss's core API v1, bound to one merchant's keys and one base URL."""

    def __init__(self, keys: TossKeys, http: PgHttp, base_url: str = PRODUCTION_BASE) -> None:
        self.keys = keys
        self._http = http
        self._base = base_url.rstrip("/")

    def url(self, path: str) -> str:
        return f"{self._base}/v1/{path}"

    def _headers(self, idempotency_key: str | None) -> dict[str, str]:
        headers = {"Authorization": self.keys.authorization(), "Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key[:IDEMPOTENCY_KEY_LIMIT]
        return headers

    async def _post(self, path: str, body: dict[str, Any], idempotency_key: str | None = None) -> TossAnswer:
        url = self.url(path)
        content = json.dumps({k: v for k, v in body.items() if v is not None}, ensure_ascii=False).encode()
        return _answer(await self._http.post(url, content=content, headers=self._headers(idempotency_key)), url)

    async def _get(self, path: str) -> TossAnswer:
        url = self.url(path)
        return _answer(await self._http.get(url, headers={"Authorization": self.keys.authorization()}), url)

    async def confirm(self, *, payment_key: str, order_id: str, amount: int, idempotency_key: str | None = None) -> TossAnswer:
        """``POST /v1/payments/confirm``: the Payment object (``status`` ``DONE``, or ``WAITING_FOR_DEPOSIT``
        for a virtual account, with ``virtualAccount`` and ``secret``) [TOSS-RS]."""
        return await self._post("payments/confirm", {"paymentKey": payment_key, "orderId": order_id, "amount": amount},
                                idempotency_key)

    async def payment(self, payment_key: str) -> TossAnswer:
        """``GET /v1/payments/{paymentKey}``."""
        return await self._get(f"payments/{quote(payment_key, safe='')}")

    async def payment_by_order(self, order_id: str) -> TossAnswer:
        """``GET /v1/payments/orders/{orderId}``: how an order whose answer was lost ended [TOSS-RS]."""
        return await self._get(f"payments/orders/{quote(order_id, safe='')}")

    async def cancel(self, payment_key: str, *, reason: str, amount: int | None, tax_free: int | None,
                     refundable_amount: int | None, refund_account: dict[str, str] | None,
                     idempotency_key: str) -> TossAnswer:
        """``POST /v1/payments/{paymentKey}/cancel``: ``cancelReason``; ``cancelAmount`` (absent = all that is
        left); ``refundableAmount`` (the balance before this cancel: a checksum); ``refundReceiveAccount``
        for an already deposited virtual account. The Payment object with ``cancels[]`` [TOSS-RS]."""
        return await self._post(f"payments/{quote(payment_key, safe='')}/cancel", {
            "cancelReason": reason, "cancelAmount": amount, "taxFreeAmount": tax_free,
            "refundableAmount": refundable_amount, "refundReceiveAccount": refund_account,
        }, idempotency_key)

    async def key_in(self, fields: dict[str, Any], idempotency_key: str | None = None) -> TossAnswer:
        """``POST /v1/payments/key-in`` (card data, under Toss's key-in contract): the Payment object."""
        return await self._post("payments/key-in", fields, idempotency_key)

    async def virtual_account(self, fields: dict[str, Any], idempotency_key: str | None = None) -> TossAnswer:
        """``POST /v1/virtual-accounts``: a Payment object ``WAITING_FOR_DEPOSIT`` with ``virtualAccount``."""
        return await self._post("virtual-accounts", fields, idempotency_key)

    async def issue_billing_key(self, *, auth_key: str, customer_key: str) -> TossAnswer:
        """``POST /v1/billing/authorizations/issue``: the billing-auth window's ``authKey`` → a Billing object
        ``{mId, customerKey, billingKey, method, card{issuerCode, number, cardType, …}}`` [TOSS-RS]."""
        return await self._post("billing/authorizations/issue", {"authKey": auth_key, "customerKey": customer_key})

    async def issue_billing_key_by_card(self, fields: dict[str, Any]) -> TossAnswer:
        """``POST /v1/billing/authorizations/card`` (card data; only under an extra contract) [TOSS-COLL]."""
        return await self._post("billing/authorizations/card", fields)

    async def charge_billing(self, billing_key: str, fields: dict[str, Any], idempotency_key: str | None = None) -> TossAnswer:
        """``POST /v1/billing/{billingKey}`` with ``customerKey``, ``amount``, ``orderId``, ``orderName``:
        the Payment object [TOSS-RS]."""
        return await self._post(f"billing/{quote(billing_key, safe='')}", fields, idempotency_key)


def _answer(reply: PgReply, url: str) -> TossAnswer:
    """200 → the JSON object; 4xx with Toss's ``{code, message}`` → TossError; anything else → unknown."""
    if reply.status >= 500:
        reply.raise_for_status(url)
    try:
        data = reply.json()
    except ValueError:
        data = None
    if reply.status == 200 and isinstance(data, dict):
        return data
    if 400 <= reply.status < 500 and isinstance(data, dict) and isinstance(data.get("code"), str):
        return TossError(reply.status, data["code"], str(data.get("message") or ""))
    # a 4xx without Toss's body (a proxy, a wrong path) or an unreadable 200: unknown, not a decline
    raise PgHttpStatusError(reply.status, url)

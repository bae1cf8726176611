"""An emulated Toss Payments: the same paths, fields, Basic auth, error bodies, HTTP statuses, codes and
``Idempotency-Key`` behaviour as Toss's core API v1 (shared/docs/pg-live-protocols.md §4.1, docs/pgs.md
§9), so :class:`~paymux.connectors.tosspayments.client.TossPaymentsClient` and third-party clients
(``python-tosspayments``) run against it unchanged. For tests, demos and staging; it moves no money.

``create_emulator(EmulatorConfig(...))`` returns an ASGI app; ``paymux pg-emulator tosspayments --port N``
serves one. Point a channel at it with its ``endpoint`` (the base URL).

Paths (one base URL)
--------------------
- ``POST /v1/payments/confirm``, ``GET /v1/payments/{paymentKey}``, ``GET /v1/payments/orders/{orderId}``,
  ``POST /v1/payments/{paymentKey}/cancel``, ``POST /v1/payments/key-in``, ``POST /v1/virtual-accounts``,
  ``POST /v1/billing/authorizations/issue``, ``POST /v1/billing/authorizations/card``,
  ``POST /v1/billing/{billingKey}`` — ``Authorization: Basic base64("{secret key}:")``, JSON; errors
  ``{"code", "message"}`` with the code's HTTP status.
- ``GET /js/v1/payment`` — a stand-in of Toss's SDK (``js.tosspayments.com/v1/payment``):
  ``TossPayments(clientKey).requestPayment(method, {...})`` / ``requestBillingAuth(method, {...})`` open
  ``GET /window/payment`` / ``GET /window/billing``; ``POST /window/submit`` → 303 to ``successUrl``
  (``paymentKey``, ``orderId``, ``amount``; billing ``customerKey``, ``authKey``) or ``failUrl`` (``code``,
  ``message``, ``orderId``).
- Control (the only emulator-only surface): ``GET /_emulator/``, ``GET /_emulator/transactions`` (payments
  with ``balance``, ledger events with KRW ``amount``, billing keys, requests with their Idempotency-Key,
  webhooks sent), ``POST /_emulator/deposit`` (``orderId``: the buyer pays into the virtual account;
  ``DEPOSIT_CALLBACK`` is POSTed to ``webhook_url``), ``POST /_emulator/outage`` (``on``),
  ``POST /_emulator/latency`` (``ms``).

Keys
----
Any ``test_ck_…`` / ``test_sk_…`` (Toss's documented test keys among them) acts as Toss's test mode, mId
``tvivarepublica``. ``PAYMUX_LIVE_MERCHANT`` (``config.with_paymux_live()``) is a made-up "live" merchant
``paymuxlive`` with fixed ``live_ck_…`` / ``live_sk_…`` keys, valid only here.

Scenarios (Toss's own terms; test data, not headers)
----------------------------------------------------
=====================================================  ==========================================================
data                                                   what Toss answers
=====================================================  ==========================================================
window: a card, bank or phone, then 결제하기              successUrl; confirm 200 ``DONE`` (card, transfer, phone)
window card "카드사 거절" / "한도 초과"                    confirm 403 ``REJECT_CARD_COMPANY`` / 400 ``EXCEED_MAX_AMOUNT``
amount ≡ 9001 / 9002 (mod 10,000)                      the same declines at confirm, key-in and billing charges
window 취소 / 결제 실패                                    failUrl ``PAY_PROCESS_CANCELED`` / ``PAY_PROCESS_ABORTED``
amount ≡ 0119                                          approved, reply held ``slow_reply_seconds`` (timeout after commit)
amount ≡ 0101                                          declined (``REJECT_CARD_COMPANY``), reply held
outage on (control API)                                HTTP 500 ``FAILED_INTERNAL_SYSTEM_PROCESSING``, nothing applied
confirm of an orderId already paid by another payment  400 ``DUPLICATED_ORDER_ID`` (also key-in, billing, vbank)
confirm again without a key / after a decline          400 ``ALREADY_PROCESSED_PAYMENT``
confirm with another amount or orderId (tamper)        400 ``INVALID_REQUEST``, nothing charged
confirm after ``confirm_ttl_seconds`` (600)            404 ``NOT_FOUND_PAYMENT_SESSION``; order lookup ``EXPIRED``
unknown paymentKey / orderId                           404 ``NOT_FOUND_PAYMENT``
missing or wrong Basic secret key                      401 ``UNAUTHORIZED_KEY``
a field missing, not a number, too long                400 ``INVALID_REQUEST``
same ``Idempotency-Key`` again (same merchant, path)    the first answer, unchanged; nothing applied again
cancel > balance / ``refundableAmount`` ≠ balance       403 ``NOT_CANCELABLE_AMOUNT`` / 400 ``NOT_MATCHES_REFUNDABLE_AMOUNT``
cancel of a ``CANCELED`` payment                        400 ``ALREADY_CANCELED_PAYMENT``
cancel whose ``cancelReason`` contains ``lost-reply``    applied, reply held
billing window → ``authorizations/issue``                Billing object with ``billingKey``; same authKey → same key
billing charge with another ``customerKey``              403 ``NOT_MATCHES_CUSTOMER_KEY``; unknown key 404 ``NOT_FOUND_BILLING``
key-in with an expired card                             400 ``INVALID_CARD_EXPIRATION``
window 가상계좌 / ``POST /v1/virtual-accounts``            ``WAITING_FOR_DEPOSIT`` with ``virtualAccount`` and ``secret``
``POST /_emulator/deposit``                             ``DONE``; ``DEPOSIT_CALLBACK`` {createdAt, secret, status, transactionKey, orderId}
cancel of a waiting virtual account                    ``CANCELED`` (nothing was paid); after deposit it needs ``refundReceiveAccount``
=====================================================  ==========================================================

Window page ``data-testid`` s: ``toss-window`` (``data-kind`` payment/billing, ``data-method``),
``emulator-banner``, ``merchant-name``, ``order-name``, ``order-amount`` (``data-amount``), ``billing-note``,
``buyer-form``, ``choice``, ``pay``, ``cancel``, ``fail``; error page ``toss-error``, ``error-code``, ``error-message``.
"""

from paymux.connectors.tosspayments.emulator.app import create_emulator
from paymux.connectors.tosspayments.emulator.config import PAYMUX_LIVE_MERCHANT, EmulatorConfig, EmulatorMerchant

__all__ = ["PAYMUX_LIVE_MERCHANT", "EmulatorConfig", "EmulatorMerchant", "create_emulator"]

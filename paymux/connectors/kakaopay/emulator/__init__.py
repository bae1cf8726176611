"""An emulated Kakao Pay: the same paths, fields, auth headers, error bodies, HTTP statuses and codes as
Kakao Pay's online payment API (shared/docs/pg-live-protocols.md §2), in both generations, so
:class:`~paymux.connectors.kakaopay.client.KakaoPayClient` and third-party clients (``PyKakaoPay``,
which speaks the older ``kapi.kakao.com`` API) run against it unchanged. For tests, demos and staging;
it moves no money.

``create_emulator(EmulatorConfig(...))`` returns an ASGI app; ``paymux pg-emulator kakaopay --port N``
serves one. Point a channel at it with its ``endpoint`` (the base URL).

Paths (one base URL)
--------------------
- ``POST /online/v1/payment/{ready,approve,order,cancel,subscription,manage/subscription/inactive,
  manage/subscription/status}`` — ``Authorization: SECRET_KEY {key}``, JSON; errors
  ``{"error_code", "error_message", "extras"}``.
- ``POST /v1/payment/…`` (same operations) — ``Authorization: KakaoAK {admin key}``, form body or query
  string; errors ``{"code", "msg", "extras"}``.
- ``GET /mockup/v1/{token}/{info|mInfo|aInfo}`` — the buyer's approval page (``next_redirect_pc_url``,
  ``…_mobile_url``, ``…_app_url``); ``POST /mockup/v1/{token}/submit`` approve → ``approval_url?pg_token=…``,
  cancel → ``cancel_url``, fail → ``fail_url`` (303).
- Control (the only emulator-only surface): ``GET /_emulator/``, ``GET /_emulator/transactions`` (payments
  with ``cancel_available_amount``, ledger events with KRW ``amount``, SIDs, requests received),
  ``POST /_emulator/outage`` (``on``), ``POST /_emulator/latency`` (``ms``).

CIDs and keys
-------------
``TC0ONETIME`` (one-time) and ``TCSUBSCRIP`` (subscription: approvals issue an SID) accept any secret
key starting ``DEV`` and any 32-hex admin key, as Kakao's public test CIDs accept any app's dev keys.
``CPAYMUX001`` / ``CPAYMUXSUB`` (``config.with_paymux_live()``) are made-up "live" CIDs with fixed keys
(``PAYMUX_LIVE_SECRET_KEY``, ``PAYMUX_LIVE_ADMIN_KEY``), valid only here.

Scenarios (Kakao's own terms; test data, not headers)
-----------------------------------------------------
==========================================================  ===================================================
data                                                        what Kakao Pay answers
==========================================================  ===================================================
buyer approves with Kakao Money or a card                   approve 200 ``SUCCESS_PAYMENT``, ``aid``, ``card_info``
buyer picks "카카오머니 (잔액 부족)"                           approve 400 ``-780`` ``NOT_ENOUGH_BALANCE``
buyer picks "현대카드 (한도 초과)"                              approve 400 ``-780`` ``0002``
``total_amount`` ≡ 9995 / 0002 (mod 10,000)                 ``-780`` ``NOT_ENOUGH_BALANCE`` / ``0002`` (approve, subscription)
buyer presses 취소 / 결제 실패                                303 to ``cancel_url`` / ``fail_url``; order ``QUIT_PAYMENT`` / ``FAIL_PAYMENT``
``total_amount`` ≡ 0119                                     approval committed, reply held ``slow_reply_seconds``;
                                                            order ``SUCCESS_PAYMENT``; re-approve ``-702``
``total_amount`` ≡ 0101                                     decline committed, reply held; order ``FAIL_PAYMENT``
outage on (control API)                                     HTTP 503 ``-9798``, nothing applied
approve for a ``partner_order_id`` already approved         ``-785`` (also a subscription charge)
approve with another ``partner_order_id`` / ``partner_user_id`` ``-706`` / ``-707``
approve before the buyer approved / wrong ``pg_token``      ``-701`` / ``-708``
approve ``total_amount`` ≠ ready's                          ``-722``
approve or buyer page after ``ready_ttl_seconds`` (900)     ``-723``; the page answers 410; order ``FAIL_PAYMENT``
unknown TID / CID / SID                                     ``-721`` / ``-731`` / ``-750``
missing or wrong ``SECRET_KEY`` / ``KakaoAK`` key           HTTP 401 ``-401``
a field missing, not an integer, too long (URLs > 255)      ``-2``
cancel > ``cancel_available_amount`` left, or a checksum    ``-710``
``cancel_available_amount`` ≠ what is left
cancel of a ``CANCEL_PAYMENT`` (or unapproved) TID          ``-784``
cancel tax-free > tax-free left; last cancel not returning  ``-2``
all of the tax-free left
cancel ``payload`` containing ``lost-reply``                applied, reply held
subscription CID, ready ``total_amount`` 0                  approve issues an SID, order ``ISSUED_SID``, nothing charged
subscription CID, ready ``total_amount`` > 0                approve issues an SID and charges (``sid`` in the reply)
``subscription`` with an inactive SID / another user id     ``-751`` / ``-753``
``subscription`` ``total_amount`` ≡ 0752                    ``-752`` (monthly limit)
``subscription`` on a one-time CID                          ``-731``
``manage/subscription/inactive``                            ``INACTIVE``; again → ``-751``
==========================================================  ===================================================

Buyer page ``data-testid`` s: ``kakaopay-window`` (``data-device`` pc/mobile/app, ``data-mode``
onetime/subscription, ``data-tid``), ``emulator-banner``, ``merchant-name``, ``merchant-cid``, ``item-name``,
``order-amount`` (``data-amount``), ``subscription-note``, ``buyer-form``, ``method``, ``approve``, ``cancel``,
``fail``; error page ``kakaopay-error``, ``error-code``, ``error-message``.
"""

from paymux.connectors.kakaopay.emulator.app import create_emulator
from paymux.connectors.kakaopay.emulator.config import (
    PAYMUX_LIVE_ADMIN_KEY,
    PAYMUX_LIVE_CID,
    PAYMUX_LIVE_SECRET_KEY,
    PAYMUX_LIVE_SUBSCRIPTION_CID,
    EmulatorConfig,
    EmulatorMerchant,
    public_test_merchants,
)

__all__ = [
    "PAYMUX_LIVE_ADMIN_KEY", "PAYMUX_LIVE_CID", "PAYMUX_LIVE_SECRET_KEY", "PAYMUX_LIVE_SUBSCRIPTION_CID",
    "EmulatorConfig", "EmulatorMerchant", "create_emulator", "public_test_merchants",
]

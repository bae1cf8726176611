"""An emulated NICE Pay: the same paths, Basic auth, JSON fields, ``resultCode`` / ``resultMsg`` codes,
HTTP statuses and signatures as NICE's "start" API (shared/docs/pg-live-protocols.md §4.3; NICE's manual
github.com/nicepayments/nicepay-manual), and a stand-in of its JS SDK and window, so
:class:`~paymux.connectors.nice.client.NiceClient` and the manual's own examples run against it unchanged.
For tests, demos and staging; it moves no money.

``create_emulator(EmulatorConfig(...))`` returns an ASGI app; ``paymux pg-emulator nice --port N`` serves
one. Point a channel at it with its ``endpoint`` (the base URL).

Paths (one base URL)
--------------------
- ``GET /v1/js/`` — ``AUTHNICE.requestPay(options)``; it POSTs the options to ``/v1/pay/window`` (the
  buyer's window), which POSTs to ``/v1/pay/auth`` and then to the merchant's ``returnUrl``.
- ``POST /v1/payments/{tid}`` (approve), ``POST /v1/payments/{tid}/cancel``, ``POST /v1/payments/netcancel``,
  ``GET /v1/payments/{tid}``, ``GET /v1/payments/find/{orderId}``, ``POST /v1/subscribe/regist``,
  ``POST /v1/subscribe/{bid}/payments``, ``POST /v1/subscribe/{bid}/expire`` — ``Authorization: Basic
  base64(clientId:secretKey)``, JSON; replies carry ``resultCode``/``resultMsg`` and (payments)
  ``signature`` = sha256(tid + amount + ediDate + secretKey).
- Webhooks: approvals, virtual accounts issued and deposited, cancels are POSTed as JSON to ``hook_url``,
  retried until HTTP 200 ``OK`` [api/hook.md].
- Control (the only emulator-only surface): ``GET /_emulator/``, ``GET /_emulator/transactions``,
  ``POST /_emulator/outage`` (``on``), ``POST /_emulator/latency`` (``ms``), ``POST /_emulator/deposit``
  (``tid``: the buyer paid into a virtual account).

Keys
----
``af0d116236df437f831483ee9c500bc4`` with secret ``2dcc2a0d63bf469490bb19a201be3735`` (the manual's sample
client key and encData secret key, paired here), ``58e3b578555e45738d6b569e53d5ae54`` with
``4f13ca267dfa4fc6964148bedcda15ef`` (the sandbox keys of the manual's sandbox walk-through) and, with ``config.with_paymux_live()``, paymux's made-up
"live" merchant ``PAYMUX_LIVE`` (valid only here).

Scenarios (NICE's own terms; test data, not headers)
----------------------------------------------------
============================================================  ============================================
data                                                          what NICE answers
============================================================  ============================================
window card, then approve                                     ``0000`` ``paid``, ``approveNo``, ``card``
card number ending 0002 / 9995                                approve (or billing charge) ``3095``, ``failed``
card number ending 0069 / 0127                                window returns ``3021`` / ``F113`` (regist too)
card payment under 1,000 KRW; installments under 50,000       ``3041`` (window, billing charge); ``3024``
buyer presses 취소                                             returnUrl ``authResultCode`` ``9999`` (paymux's choice)
card ending 0119                                              approval committed, reply held; lookup ``paid``
card ending 0101                                              decline committed, reply held; lookup ``failed``
outage on (control API)                                       HTTP 503, nothing applied
window or approve for an orderId already paid                 ``A127``
approve ``amount`` ≠ authenticated amount / bad ``signData``  ``A123`` / ``A101``
approve twice; unknown tid; after ``auth_ttl_seconds``        ``2201``; ``A210``; ``A115`` (``expired``)
missing / wrong Basic auth                                    HTTP 401 ``A114``
a field missing / too long / not an integer / not JSON        ``A117`` / ``A147`` / ``A102`` / ``A212``
cancel (full, or ``cancelAmt`` partial)                       ``0000``, ``cancelledTid``, ``balanceAmt``, ``cancels[]``
cancel over the balance / of a cancelled payment / zero       ``2032`` / ``2013`` / ``2010``
cancel repeating an earlier cancel's ``orderId``              ``A127`` (nothing refunded twice)
cancel ``reason`` containing ``lost-reply``                   applied, reply held
net cancel of an approval (≤ 1 hour) / none / later           ``0000`` ``cancelled`` / ``2012`` / ``2020``
lookup of an unknown tid / orderId                            ``A118``
regist: encData not decryptable / card number bad             ``A204`` / ``F112``
billing charge with an unknown / expired bid                  ``A124`` / ``A126``
expire                                                        ``0000``; again ``A126``
window method vbank, approve                                  ``0000`` ``ready`` with ``vbank``; deposit → ``paid`` + webhook
vbank amount ending 0119 (mod 10,000)                         account issued, reply held; lookup ``ready`` with ``vbank``
============================================================  ============================================

Window ``data-testid`` s: ``nice-window`` (``data-method``, ``data-order-id``), ``emulator-banner``,
``merchant-name``, ``goods-name``, ``order-amount`` (``data-amount``), ``window-form``, ``card-number``,
``card-quota``, ``vbank-bank``, ``pay``, ``cancel``; the hand-off ``nice-return`` (``data-code``),
``return-form``; errors ``nice-error``.
"""

from paymux.connectors.nice.emulator.app import create_emulator
from paymux.connectors.nice.emulator.config import (
    MANUAL_SAMPLE,
    MANUAL_SANDBOX,
    PAYMUX_LIVE,
    EmulatorConfig,
    EmulatorMerchant,
)

__all__ = ["MANUAL_SAMPLE", "MANUAL_SANDBOX", "PAYMUX_LIVE", "EmulatorConfig", "EmulatorMerchant", "create_emulator"]

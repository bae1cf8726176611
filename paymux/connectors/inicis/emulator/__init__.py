"""An emulated KG INICIS: the same paths, fields, encodings, signatures and result codes as INICIS's
published protocol (shared/docs/pg-live-protocols.md §1), so :class:`~paymux.connectors.inicis.client.InicisClient`
and the connector run against it unchanged. For tests, demos and staging; it moves no money.

``create_emulator(EmulatorConfig(...))`` returns an ASGI app; ``paymux pg-emulator inicis --port N`` serves
one. Point the client at it with ``InicisHosts.emulated(base_url)``.

Paths (one base URL)
--------------------
- ``GET  /stdjs/INIStdPay.js`` — defines ``INIStdPay.pay(formId)``: submits that form, same frame, to
- ``POST /payMain/pay`` — checks ``mid``, ``signature``, ``mKey``, ``verification`` (``use_chkfake=Y``),
  ``price`` digits, ``timestamp`` (13 digits, within a day of the clock); a bad one → an error page, no
  window. Then INICIS's window (``gopaymethod`` ``Card``/``DirectBank``/``VBank``/``HPP``; ``BILLAUTH(Card)``
  in ``acceptmethod`` = billing-key window, card only, nothing charged). "결제하기" POSTs the result to
  ``returnUrl`` (hidden auto-submitting form, UTF-8): ``resultCode=0000``, ``resultMsg``, ``mid``,
  ``orderNumber``, ``authToken``, ``authUrl`` (``{base}/api/payAuth``), ``netCancelUrl``, ``charset``,
  ``merchantData`` and, with ``centerCd(Y)``, ``idc_name=stg``. Malformed card/bank/phone input re-shows
  the window. "취소" → the browser GETs ``closeUrl`` (303), as INICIS's close page is loaded.
- ``POST /api/payAuth`` / ``/api/netCancel`` — JSON approval / net cancel (see :mod:`.approval`).
- ``POST /smart/payment/`` — mobile window (EUC-KR or UTF-8 form of P_ fields); result POSTed to
  ``P_NEXT_URL``: ``P_STATUS=00``, ``P_RMESG1``, ``P_TID`` (``INIMX_AUTH…``), ``P_REQ_URL``
  (``{base}/smart/payReq.ini``), ``P_NOTI``, ``P_AMT``; cancel → ``P_STATUS=01``.
  ``POST /smart/payReq.ini`` approves (``key=value&…`` text, EUC-KR unless ``P_CHARSET=utf8``);
  ``POST /smart/payNetCancel.ini``.
- ``POST /api/v1/billing`` (``Auth``, ``Billing``), ``/api/v1/formpay`` (``Pay``/``Card``, ``Pay``/``Vacct``),
  ``/api/v1/refund`` (``Refund``, ``PartialRefund``), ``/api/v1/extra`` (``Extra``/``Inquiry``) — see :mod:`.iniapi`.
- Control (the only emulator-only surface): ``GET /_emulator/`` (MIDs), ``GET /_emulator/transactions``, ``POST /_emulator/outage``
  (``on``), ``POST /_emulator/latency`` (``ms``), ``POST /_emulator/vbank/deposit`` (``tid``, optional
  ``amount``, ``depositor``, ``notice_url``) — see :mod:`.control`.

Scenario triggers (test data, not headers)
------------------------------------------
====================================================  ==============================================================
data                                                  what the PG answers
====================================================  ==============================================================
any other card (14–16 digits, future expiry)          approved (``0000`` / ``00``)
card ``4000-0000-0000-0002``                          declined ``120001`` (card company refused)
card ``4000-0000-0000-9995``                          declined ``120054`` (insufficient balance)
card ``4000-0000-0000-0069`` or an expiry in the past  declined ``120004`` (expired); billing key refused ``120004``
card ``4000-0000-0000-0127``                          declined ``120019`` (wrong password); billing key refused
card ``4000-0000-0000-0119``                          approval committed, reply held ``slow_reply_seconds``;
                                                      inquiry by oid/tid → ``status=0``
card ``4000-0000-0000-0101``                          decline committed, reply held; inquiry → ``status=9``
card BIN ``457973`` (KB) on a test MID                billing key refused ``120001`` (BILLAUTH and INIAPI ``Auth``)
phone ending ``0002``                                 phone payment declined ``500646`` (monthly limit)
card amount < 1,000 (no ``below1000``)                ``500608`` (window: card not offered; INIAPI: refused)
amount < 100                                          ``500690``
installments with amount < 50,000 or months ∉ 2–12   ``500607`` (the window offers ``quotabase`` months only ≥ 50,000)
an oid/moid that already has a payment                ``500619``
PartialRefund price > balance                         ``500826``
PartialRefund of the whole original amount (no earlier cancel) ``500749`` (a Refund; the rest of a partly cancelled balance is a PartialRefund)
PartialRefund confirmPrice ≠ balance − price          ``500706``
Refund of an already cancelled payment                ``500625``; PartialRefund on it ``500624``
Refund/PartialRefund whose ``msg`` has ``lost-reply``  applied, then the reply is held ``slow_reply_seconds``
Billing with a blank goodName/buyerName/Email/Tel     ``ER0102``
Billing with an unknown billKey                       ``04`` (paymux's choice)
wrong hashData / JSON body / bad [ENC]                ``02`` / ``01`` / ``03`` (paymux's choice)
payAuth: bad signature / used token / price ≠ window  ``V802`` / ``V801`` / ``V803``; token older than 10 min ``V804``
outage on (control API)                               HTTP 500 (INIAPI body ``500055``), nothing applied
====================================================  ==============================================================

Net cancel is idempotent; a token that was authenticated but never approved answers success with
"nothing to cancel" and can no longer be approved; an unknown token → ``V801``.

Window ``data-testid`` s
-----------------------
``inicis-window`` (root: ``data-channel`` std/mobile, ``data-method``, ``data-mode`` pay/billing),
``emulator-banner``, ``merchant-mid``, ``order-name``, ``order-amount`` (``data-amount``), ``window-form``,
``method-Card`` / ``method-DirectBank`` / ``method-VBank`` / ``method-HPP`` (when several are offered),
``card-number``, ``card-expiry`` (MM/YY), ``card-birth``, ``card-password``, ``installment`` (``0`` = lump sum),
``billing-note``, ``bank``, ``phone-carrier``, ``phone``, ``phone-send-code``, ``phone-code-value`` (the SMS
code, shown after "send code"), ``phone-code``, ``approve`` (결제하기 / 등록하기), ``cancel`` (취소),
``window-error``, ``error-<field>`` (``card_number``, ``card_expiry``, ``card_birth``, ``card_password``,
``installment``, ``bank``, ``phone``, ``phone_code``). Error page: ``window-error-page``, ``error-code``,
``error-message``. Result hand-off page: ``return-form``, ``return-continue``.
"""

from paymux.connectors.inicis.emulator.app import create_emulator
from paymux.connectors.inicis.emulator.config import (
    PAYMUX_LIVE_KEYS,
    EmulatorConfig,
    EmulatorMerchant,
    public_test_merchants,
)

__all__ = ["PAYMUX_LIVE_KEYS", "EmulatorConfig", "EmulatorMerchant", "create_emulator", "public_test_merchants"]

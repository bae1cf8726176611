"""An emulated KG Mobilians (MOBILPAY REST "MUP" API): the same paths, JSON fields, HMAC-SHA256 values,
result codes and HTTP statuses as Mobilians' published manual [MOB-MCP] (``KGMobilians/mcp-server``,
``md/payment/…`` and ``skills/mobilpay-integration/references/…``), so
:class:`~paymux.connectors.mobilians.client.MobiliansClient` and the connector run against it unchanged.
For tests, demos and staging; it moves no money. ``paymux pg-emulator mobilians --port N`` serves one.

Paths (one base URL; every business answer is HTTP 200 JSON ``{"code", "message", …}``)
---------------------------------------------------------------------------------------
- ``POST /MUP/api/registration`` — 거래등록 (``cash_code=MC`` only): ``tid`` (20 digits), ``pay_url``,
  ``qrcode_url``, ``time_stamp``, ``hmac`` = HMAC(amount+ok_url+trade_id+time_stamp). ``pay_options.mc_auto_pay=Y``
  = 자동결제 registration (the window issues ``mc_bill_key``; ``amount.total`` may then be 0).
- ``GET|POST /MUP/api/payment.mcash?tid=…`` — the phone window (carrier, number, SMS code shown on the
  page, confirm); the result is an auto-submitting EUC-KR form POSTed to ``ok_url`` (``fail_url`` for a
  failure when set); "취소" → 303 to ``close_url``. Valid until ``time_stamp`` + 10 minutes.
- ``POST /MUP/api/approval`` — TID mode (``tid``, ``pay_token``, ``amount``, ``mc_user_key``) or MOBILID
  ``mode=M002`` (``bill_key``, ``mc_user_key``, ``trade_id``, ``amount``, …).
- ``POST /MUP/api/cancellation`` — ``hmac`` = HMAC(sid+trade_id+pay_token+amount); full (``part_cancel=N``,
  the original amount) or phone partial (``part_cancel=Y``, the balance left after it).
- Control: ``GET /_emulator/``, ``GET /_emulator/transactions`` (payments, events with KRW ``amount``,
  masked requests, bill keys), ``POST /_emulator/outage`` (``on``), ``/_emulator/latency`` (``ms``),
  ``/_emulator/drop_reply`` (``path``, ``count``).

Scenario table (test data, in Mobilians' codes)
-----------------------------------------------
==============================================  ===============================================================
data                                            what Mobilians answers
==============================================  ===============================================================
any other phone ``01x…``                        authenticated; approval ``0000``
phone ending ``0011``/``0013``/``0016``/``0035``  window result ``0011`` unregistered / ``0013`` lost-suspended /
                                                ``0016`` unpaid bill / ``0035`` not subscribed (no approval)
phone ending ``0031``                           approval (TID or M002) ``0031`` limit exceeded
phone ending ``0098``                           approval ``0098`` carrier error
phone ending ``7777``                           approval committed, reply held ``slow_reply_seconds``
wrong SMS code                                  the window shows ``[0043]`` and asks again
window after time_stamp + 10 min                error page ``6101`` (expired)
unknown sid                                     ``0071``; missing/invalid field ``6101``; bad cancel hmac ``6102``
a URL field over 128 characters                 ``6101`` (registration)
approval amount ≠ registration                  ``9110``; a second approval of one window ``0051``
trade_id that already has a payment             ``0052`` (registration, approval)
M002 repeated (same trade_id, key, amount)      the first answer again (paymux's choice, unverified)
M002 amount ≠ first / other day (clamped)       ``0060`` (the carrier's side of seed 004's rule)
cancel of an unknown trade_id/pay_token          ``0041``; already cancelled ``0044``; another KST month ``0042``
full cancel amount ≠ original; partial ∉ [0, balance)  ``0045``; partial = current balance ``0044``
outage on                                       HTTP 503 ``{"code":"0099"}``, nothing applied
drop_reply                                      applied, reply held ``slow_reply_seconds``
==============================================  ===============================================================

Window ``data-testid`` s: ``mobilians-window`` (``data-mode`` pay/billing), ``emulator-banner``, ``order-name``,
``order-amount`` (``data-amount``), ``billing-note``, ``window-form``, ``carrier``, ``phone``, ``send-code``,
``sms-code-value``, ``sms-code``, ``approve``, ``cancel``, ``window-error``; error page ``window-error-page``,
``error-code``, ``error-message``; hand-off ``return-form``, ``return-continue``.
"""

from paymux.connectors.mobilians.emulator.app import create_emulator
from paymux.connectors.mobilians.emulator.config import PAYMUX_LIVE_SERVICE, EmulatorConfig, public_test_services

__all__ = ["PAYMUX_LIVE_SERVICE", "EmulatorConfig", "create_emulator", "public_test_services"]

"""KG Mobilians' REST ("MUP") wire rules: hosts, paths, the HMAC-SHA256 integrity values, time stamps.

Sources (KG Mobilians' own developer docs, repository ``KGMobilians/mcp-server``, cited as [MOB-MCP]):
``md/payment/api/registration.md``, ``skills/mobilpay-integration/references/api/approval-tid.md``,
``…/approval-mobilid.md``, ``…/cancellation.md``, ``…/hmac.md``, ``…/auth-response.md``,
``auto_test/config.json`` (the published test service id and key); shared/docs/pg-live-protocols.md §3.

- every call: ``POST`` JSON (``application/json``, UTF-8), reply JSON with ``code`` (``0000`` = success)
  and ``message``; hosts ``https://test.mobilians.co.kr`` (test) and ``https://mup.mobilians.co.kr``
  (live) [MOB-MCP registration.md];
- ``hmac`` = ``Base64(HMAC_SHA256(skey, message))`` with the service key ``skey`` [MOB-MCP hmac.md]:
  registration reply / window result / approval reply: ``amount + ok_url + trade_id + time_stamp``;
  cancellation request: ``sid + trade_id + pay_token + amount`` [MOB-MCP cancellation.md — the
  ``/cancellation`` path; the older ``/cancel`` path documents ``amount + pay_token``];
- ``time_stamp`` ``yyyymmddhhmmss`` (KST): the window can be called until 10 minutes after it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

KST = timezone(timedelta(hours=9))

REGISTRATION = "/MUP/api/registration"
PAYMENT_WINDOW = "/MUP/api/payment.mcash"
APPROVAL = "/MUP/api/approval"
CANCELLATION = "/MUP/api/cancellation"

TEST_HOST = "https://test.mobilians.co.kr"
LIVE_HOST = "https://mup.mobilians.co.kr"

WINDOW_VALID_SECONDS = 600  # "세팅시간 +10분간 유효" [MOB-MCP registration.md, time_stamp]
CASH_PHONE = "MC"


@dataclass(frozen=True)
class MobiliansHosts:
    """The base URL every path hangs off: Mobilians' test or live host, or an emulator's URL."""

    base_url: str

    @classmethod
    def test(cls) -> MobiliansHosts:
        return cls(TEST_HOST)

    @classmethod
    def live(cls) -> MobiliansHosts:
        return cls(LIVE_HOST)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


def hmac_b64(skey: str, message: str) -> str:
    """``Base64(HMAC_SHA256(skey, message))``, both UTF-8 [MOB-MCP hmac.md]."""
    digest = hmac.new(skey.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def result_hmac(skey: str, amount: int | str, ok_url: str, trade_id: str, time_stamp: str) -> str:
    """The registration reply's, the window result's and the TID approval reply's ``hmac``."""
    return hmac_b64(skey, f"{amount}{ok_url}{trade_id}{time_stamp}")


def cancellation_hmac(skey: str, sid: str, trade_id: str, pay_token: str, amount: int | str) -> str:
    """The ``/MUP/api/cancellation`` request's ``hmac``."""
    return hmac_b64(skey, f"{sid}{trade_id}{pay_token}{amount}")


def same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def time_stamp(now: int | float) -> str:
    """Unix seconds as Mobilians' ``yyyymmddhhmmss`` (KST)."""
    return datetime.fromtimestamp(now, KST).strftime("%Y%m%d%H%M%S")


def parse_time_stamp(value: str) -> float | None:
    """Unix seconds of a ``yyyymmddhhmmss`` KST stamp, or None when it is not one."""
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=KST).timestamp()
    except ValueError:
        return None

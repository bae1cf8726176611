"""The emulator's configuration: which MIDs it knows (with their keys) and how it behaves in time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from paymux.connectors.inicis.client import PUBLIC_TEST_KEYS, InicisKeys


@dataclass(frozen=True)
class EmulatorMerchant:
    """One MID the emulator accepts.

    ``test_mode``: an INICIS test MID, where KB Kookmin cards cannot get billing keys [INI-MBILL].
    ``name``: the account holder INICIS prints on the merchant's virtual accounts (``VACT_Name``).
    """

    keys: InicisKeys
    test_mode: bool = True
    name: str = "(주)페이먹스테스트"


def public_test_merchants() -> dict[str, EmulatorMerchant]:
    """``INIpayTest``, ``INIBillTst`` and ``iniescrow0`` with their published keys (shared/docs §1.1)."""
    return {mid: EmulatorMerchant(keys) for mid, keys in PUBLIC_TEST_KEYS.items()}


# A made-up "live" MID for tests that need a non-test merchant (KB billing keys work there).
# Not an INICIS value: paymux's invention, valid only against the emulator.
PAYMUX_LIVE_KEYS = InicisKeys(
    mid="paymuxLive1",
    sign_key="cGF5bXV4TGl2ZTFfc2lnbktleV9mYWtl",
    iniapi_key="pAyMuXlIvE1kEy16",
    iniapi_iv="pAyMuXlIvE1iV16=",
    inilite_key="cGF5bXV4TGl2ZTFfaW5pbGl0ZQ==",
)


@dataclass(frozen=True)
class EmulatorConfig:
    """How one emulator instance behaves.

    - ``merchants``: MID → keys (default: the public test MIDs).
    - ``latency_ms``: added to every server call (payAuth, netCancel, payReq.ini, INIAPI); changeable
      at run time through ``POST /_emulator/latency``.
    - ``notice_url``: where vbank deposit notices go when the payment carries no ``P_NOTI_URL``.
    - ``slow_reply_seconds``: how long a "timeout" card's (and a ``lost-reply`` cancel's) reply is held
      after the emulator has committed it — longer than the caller's timeout.
    - ``clock``: unix seconds (float), so tests can move time.
    - ``auth_token_ttl_seconds``: lifetime of a window's authToken / mobile P_TID (not published;
      paymux's choice: 10 minutes). ``window_ttl_seconds``: how long an opened window accepts input.
    - ``notice_attempts`` / ``notice_backoff_seconds`` / ``notice_timeout_seconds``: the bounded retry of
      a deposit notice until the receiver answers exactly ``OK``.
    - ``base_url``: the public URL printed into ``authUrl``/``P_REQ_URL``; default: the request's own.
    - ``mobile_notice_format``: what a mobile virtual account's deposit notice to ``P_NOTI_URL`` looks
      like: ``"mobile"`` (``P_STATUS=02`` + P_ fields, [INICISJS MobpayVbankNoti]) or ``"std"`` (the
      ``NO_TID…`` form every other account gets [INI-VBANK]).
    """

    merchants: dict[str, EmulatorMerchant] = field(default_factory=public_test_merchants)
    latency_ms: int = 0
    notice_url: str | None = None
    slow_reply_seconds: float = 15.0
    clock: Callable[[], float] = time.time
    auth_token_ttl_seconds: int = 600
    window_ttl_seconds: int = 1800
    notice_attempts: int = 5
    notice_backoff_seconds: float = 0.2
    notice_timeout_seconds: float = 5.0
    base_url: str | None = None
    mobile_notice_format: str = "mobile"

    def with_merchant(self, keys: InicisKeys, *, test_mode: bool = False, name: str = "(주)페이먹스라이브") -> EmulatorConfig:
        """A copy that also knows ``keys.mid``."""
        return replace(self, merchants={**self.merchants, keys.mid: EmulatorMerchant(keys, test_mode, name)})

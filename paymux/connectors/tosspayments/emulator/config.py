"""The emulator's configuration: which merchants (keys) it knows and how it behaves in time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from paymux.connectors.tosspayments.codes import TEST_MID


@dataclass(frozen=True)
class EmulatorMerchant:
    """One merchant: its ``mid`` (Toss's 상점아이디), ``client_key`` (opens the window) and ``secret_key``
    (Basic auth of the API)."""

    mid: str
    client_key: str
    secret_key: str = field(repr=False)
    name: str = "페이먹스 테스트 상점"


# Made-up "live" keys for tests and the demo: not Toss values, valid only against the emulator.
PAYMUX_LIVE_MERCHANT = EmulatorMerchant("paymuxlive", "live_ck_paymuxLive00000000000000", "live_sk_paymuxLive00000000000000",
                                        "(주)페이먹스라이브")


@dataclass(frozen=True)
class EmulatorConfig:
    """How one emulator instance behaves.

    - ``merchants``: secret key → merchant. Any ``test_ck_…`` / ``test_sk_…`` key is also accepted as
      Toss's test mode accepts every merchant's test keys (mId ``tvivarepublica``).
    - ``latency_ms``: added to every API call; changeable at run time (``POST /_emulator/latency``).
    - ``slow_reply_seconds``: how long a "timeout" answer is held after the emulator committed it.
    - ``clock``: unix seconds (float), so tests can move time.
    - ``confirm_ttl_seconds``: how long an authenticated payment waits for its confirm (Toss: 10 minutes).
    - ``webhook_url``: where ``DEPOSIT_CALLBACK`` is POSTed (the URL a merchant registers in Toss's
      developer center); ``webhook_attempts``/``webhook_backoff_seconds``: its retries.
    """

    merchants: dict[str, EmulatorMerchant] = field(default_factory=dict)
    latency_ms: int = 0
    slow_reply_seconds: float = 15.0
    clock: Callable[[], float] = time.time
    confirm_ttl_seconds: int = 600
    webhook_url: str | None = None
    webhook_attempts: int = 3
    webhook_backoff_seconds: float = 0.2

    def with_merchant(self, *merchants: EmulatorMerchant) -> EmulatorConfig:
        return replace(self, merchants={**self.merchants, **{m.secret_key: m for m in merchants}})

    def with_paymux_live(self) -> EmulatorConfig:
        return self.with_merchant(PAYMUX_LIVE_MERCHANT)

    def merchant_by_secret(self, secret_key: str) -> EmulatorMerchant | None:
        if secret_key in self.merchants:
            return self.merchants[secret_key]
        if secret_key.startswith("test_sk_") and len(secret_key) > 12:
            return EmulatorMerchant(TEST_MID, "", secret_key, "토스페이먼츠 테스트 상점")
        return None

    def merchant_by_client(self, client_key: str) -> EmulatorMerchant | None:
        found = next((m for m in self.merchants.values() if m.client_key == client_key), None)
        if found is None and client_key.startswith("test_ck_") and len(client_key) > 12:
            return EmulatorMerchant(TEST_MID, client_key, "", "토스페이먼츠 테스트 상점")
        return found

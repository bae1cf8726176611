"""The NICE emulator's configuration: which merchants (client key + secret key) it knows, and time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class EmulatorMerchant:
    """One merchant: ``client_id`` (클라이언트 키), ``secret_key`` (시크릿 키, 32 characters), its ``mid``."""

    client_id: str
    secret_key: str = field(repr=False)
    mid: str
    name: str = "페이먹스 테스트 가맹점"


# The sample values printed in NICE's manual: the client key of its window and approval samples
# (payment-window-server.md) and the secret key of its encData examples (payment-subscribe.md). The manual
# shows each on its own; pairing them into one merchant is the emulator's, so the manual's examples replay.
MANUAL_SAMPLE = EmulatorMerchant("af0d116236df437f831483ee9c500bc4", "2dcc2a0d63bf469490bb19a201be3735",
                                 "nicuntct1m", "NICE 매뉴얼 샘플 상점")
# The sandbox keys of NICE's sandbox walk-through (common/test.md: the clientId of its requestPay sample and
# the Basic header of its approval call, which decodes to clientId:secretKey).
MANUAL_SANDBOX = EmulatorMerchant("58e3b578555e45738d6b569e53d5ae54", "4f13ca267dfa4fc6964148bedcda15ef",
                                  "UT0000113m", "NICE 매뉴얼 샌드박스 상점")
# Made-up "live" keys for tests and the demo: not NICE values, valid only against the emulator.
PAYMUX_LIVE = EmulatorMerchant("R2_paymuxlive00000000000000000nc", "paymuxlivesecret0000000000000nc1",
                               "paymuxnc1m", "(주)페이먹스라이브")


@dataclass(frozen=True)
class EmulatorConfig:
    """How one emulator instance behaves.

    - ``merchants``: client key → merchant (default: the manual's sample merchant and its sandbox keys).
    - ``latency_ms``: added to every API call; changeable at run time (``POST /_emulator/latency``).
    - ``slow_reply_seconds``: how long a "timeout" card's (and a ``lost-reply`` cancel's) reply is held
      after the emulator committed it — longer than the caller's timeout.
    - ``clock``: unix seconds (float), so tests can move time.
    - ``auth_ttl_seconds``: how long an authenticated tid waits for its approval (paymux's choice: NICE
      does not publish it); later approvals answer ``A115`` and the payment is ``expired``.
    - ``net_cancel_seconds``: net cancel is valid for one hour after the approval [api/cancel.md 망취소].
    - ``hook_url``: where webhooks are POSTed (NICE's merchant admin registers one per merchant), with
      ``hook_attempts`` tries ``hook_backoff_seconds`` apart until the answer is HTTP 200 ``OK``.
    - ``base_url``: the public URL the JS SDK posts the window to; default: the request's own.
    """

    merchants: dict[str, EmulatorMerchant] = field(
        default_factory=lambda: {m.client_id: m for m in (MANUAL_SAMPLE, MANUAL_SANDBOX)})
    latency_ms: int = 0
    slow_reply_seconds: float = 15.0
    clock: Callable[[], float] = time.time
    auth_ttl_seconds: int = 600
    net_cancel_seconds: int = 3600
    hook_url: str | None = None
    hook_attempts: int = 3
    hook_backoff_seconds: float = 0.2
    base_url: str | None = None

    def with_merchant(self, *merchants: EmulatorMerchant) -> EmulatorConfig:
        return replace(self, merchants={**self.merchants, **{m.client_id: m for m in merchants}})

    def with_paymux_live(self) -> EmulatorConfig:
        return self.with_merchant(PAYMUX_LIVE)

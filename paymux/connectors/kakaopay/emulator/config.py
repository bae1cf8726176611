"""The emulator's configuration: which CIDs it knows (with their keys) and how it behaves in time."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from paymux.connectors.kakaopay.codes import PUBLIC_TEST_CIDS, SUBSCRIPTION_TEST_CIDS

_ADMIN_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class EmulatorMerchant:
    """One CID the emulator accepts.

    ``secret_key``: the ``SECRET_KEY`` of the current API; ``admin_key``: the ``KakaoAK`` app admin key
    of the older ``kapi.kakao.com`` API. Empty keys on a public test CID (``TC0ONETIME``,
    ``TCSUBSCRIP``) accept any application's keys, as Kakao's test CIDs do: a secret key starting
    ``DEV`` (Kakao's dev keys do) and any 32-hex admin key. ``subscription``: approvals issue an SID.
    """

    cid: str
    secret_key: str = ""
    admin_key: str = ""
    subscription: bool = False
    name: str = "페이먹스 테스트 가맹점"

    def accepts_secret_key(self, key: str) -> bool:
        return key == self.secret_key if self.secret_key else key.startswith("DEV") and len(key) >= 8

    def accepts_admin_key(self, key: str) -> bool:
        return key == self.admin_key if self.admin_key else bool(_ADMIN_KEY.match(key))


def public_test_merchants() -> dict[str, EmulatorMerchant]:
    """Kakao's public test CIDs (shared/docs/pg-live-protocols.md §2.1)."""
    return {cid: EmulatorMerchant(cid, subscription=cid in SUBSCRIPTION_TEST_CIDS) for cid in sorted(PUBLIC_TEST_CIDS)}


# Made-up "live" CIDs and keys for tests and the demo: not Kakao values, valid only against the emulator.
PAYMUX_LIVE_SECRET_KEY = "PRDpaymuxLive0000secret0000key00"
PAYMUX_LIVE_ADMIN_KEY = "0123456789abcdef0123456789abcdef"
PAYMUX_LIVE_CID = EmulatorMerchant("CPAYMUX001", PAYMUX_LIVE_SECRET_KEY, PAYMUX_LIVE_ADMIN_KEY, False, "(주)페이먹스라이브")
PAYMUX_LIVE_SUBSCRIPTION_CID = EmulatorMerchant("CPAYMUXSUB", PAYMUX_LIVE_SECRET_KEY, PAYMUX_LIVE_ADMIN_KEY, True,
                                                "(주)페이먹스라이브")


@dataclass(frozen=True)
class EmulatorConfig:
    """How one emulator instance behaves.

    - ``merchants``: CID → keys (default: Kakao's public test CIDs).
    - ``latency_ms``: added to every API call; changeable at run time (``POST /_emulator/latency``).
    - ``slow_reply_seconds``: how long a "timeout" order's (and a ``lost-reply`` cancel's) reply is held
      after the emulator committed it — longer than the caller's timeout.
    - ``clock``: unix seconds (float), so tests can move time.
    - ``ready_ttl_seconds``: how long a ready TID waits for the buyer (15 minutes per a third-party
      spec; Kakao's own code ``-723`` says only "expired": pg-live-protocols §2.2).
    - ``base_url``: the public URL printed into ``next_redirect_*_url``; default: the request's own.
    """

    merchants: dict[str, EmulatorMerchant] = field(default_factory=public_test_merchants)
    latency_ms: int = 0
    slow_reply_seconds: float = 15.0
    clock: Callable[[], float] = time.time
    ready_ttl_seconds: int = 900
    base_url: str | None = None

    def with_merchant(self, *merchants: EmulatorMerchant) -> EmulatorConfig:
        """A copy that also knows these CIDs."""
        return replace(self, merchants={**self.merchants, **{m.cid: m for m in merchants}})

    def with_paymux_live(self) -> EmulatorConfig:
        """A copy that knows paymux's made-up live CIDs (one-time and subscription)."""
        return self.with_merchant(PAYMUX_LIVE_CID, PAYMUX_LIVE_SUBSCRIPTION_CID)

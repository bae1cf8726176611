"""Fixtures of the live-protocol tests: paymux with channels that speak KG INICIS's real protocol
to the INICIS emulator, a separate server on loopback reached over real HTTP.

The emulator shares the gateway's clock (a test that moves time moves both) and sends its
virtual-account deposit notices to paymux's ``/pg/html5_inicis/notice``, as INICIS would to the URL a
merchant registers in INICIS's console.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from paymux.connectors.inicis.client import InicisKeys
from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig
from paymux.connectors.kakaopay.emulator import PAYMUX_LIVE_CID, PAYMUX_LIVE_SECRET_KEY, PAYMUX_LIVE_SUBSCRIPTION_CID
from paymux.connectors.kakaopay.emulator import EmulatorConfig as KakaoPayConfig
from paymux.services.runtime import Runtime
from tests.checkout.shop_site import ShopSite
from tests.connectors.inicis.support import EmulatorServer
from tests.connectors.kakaopay.support import KakaoPayEmulatorServer
from tests.harness import CARD_OK, CONNECTOR_TIMEOUT_SECONDS, Envelope, GatewayServer, TestMerchant

if TYPE_CHECKING:
    from tests.connectors.mobilians.support import MobiliansEmulator
    from tests.connectors.nice.support import NiceEmulator
    from tests.connectors.tosspayments.support import TossEmulator

SLOW_REPLY_SECONDS = CONNECTOR_TIMEOUT_SECONDS + 1.5  # a "timeout" card: committed, answered too late
LIVE_MID = PAYMUX_LIVE_KEYS.mid
KAKAO_CID, KAKAO_SUBSCRIPTION_CID = PAYMUX_LIVE_CID.cid, PAYMUX_LIVE_SUBSCRIPTION_CID.cid


GRACE_SECONDS = 61  # past PAYMUX_PENDING_GRACE_SECONDS (60): the reconciler asks the PG


def after_grace(gateway: GatewayServer, job: Callable[[Runtime], Awaitable[int]]) -> int:
    """Run a reconciler job as it runs once the grace period of a lost answer has passed."""
    gateway.clock.advance(GRACE_SECONDS)
    try:
        return gateway.call(job)
    finally:
        gateway.clock.reset()


def credentials(keys: InicisKeys) -> dict[str, str]:
    """The channel credentials a merchant types into the console for this MID."""
    return {"sign_key": keys.sign_key, "iniapi_key": keys.iniapi_key, "iniapi_iv": keys.iniapi_iv}


@pytest.fixture(scope="module")
def inicis(gateway: GatewayServer) -> Iterator[EmulatorServer]:
    config = EmulatorConfig(
        slow_reply_seconds=SLOW_REPLY_SECONDS, clock=gateway.clock.now,
        notice_url=f"{gateway.base_url}/pg/html5_inicis/notice",
        notice_attempts=3, notice_backoff_seconds=0.05, notice_timeout_seconds=5.0,
    ).with_merchant(PAYMUX_LIVE_KEYS)
    server = EmulatorServer()
    server.start(config)
    yield server
    server.stop()


@dataclass
class LiveShop:
    """A merchant whose INICIS channels are live, with its own MID and keys, pointed at the emulator."""

    merchant: TestMerchant
    inicis: EmulatorServer

    def issue_key(self, customer_uid: str, card: str = CARD_OK) -> Envelope:
        """A billing key with the customer's contact details, which INICIS's billing charge needs."""
        return self.merchant.issue_key(customer_uid, card, customer_name="홍길동", customer_email="buyer@example.com",
                                       customer_tel="010-1234-5678")

    def payment_at_pg(self, imp_uid: str) -> dict | None:  # type: ignore[type-arg]
        """The emulator's own record of the order paymux sent as ``oid``/``moid`` (= imp_uid)."""
        return next((p for p in self.inicis.ledger()["payments"] if p.get("oid") == imp_uid), None)

    def events_at_pg(self, imp_uid: str) -> list[dict]:  # type: ignore[type-arg]
        return self.inicis.events_for(imp_uid)


@pytest.fixture
def live_shop(gateway: GatewayServer, inicis: EmulatorServer) -> LiveShop:
    merchant = gateway.create_merchant("live INICIS shop")
    keys = credentials(PAYMUX_LIVE_KEYS)
    for pay_type in ("general", "subscription", "api"):
        merchant.add_channel("html5_inicis", pay_type, mid=LIVE_MID, mode="live", default=pay_type == "general",
                             endpoint=inicis.base_url, credentials=keys)
    return LiveShop(merchant, inicis)


@pytest.fixture(scope="session")
def shop_site() -> Iterator[ShopSite]:
    """The shop's own site on another loopback origin (the browser tests' shop pages)."""
    site = ShopSite()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def mobilians_pg(gateway: GatewayServer) -> Iterator[MobiliansEmulator]:
    """The KG Mobilians emulator on loopback, on the gateway's clock (tests/live/test_mobilians_*)."""
    from paymux.connectors.mobilians.emulator import PAYMUX_LIVE_SERVICE
    from paymux.connectors.mobilians.emulator import EmulatorConfig as MobiliansConfig
    from tests.connectors.mobilians.support import MobiliansEmulator

    server = MobiliansEmulator()
    server.start(MobiliansConfig(clock=gateway.clock.now, slow_reply_seconds=SLOW_REPLY_SECONDS).with_service(PAYMUX_LIVE_SERVICE))
    yield server
    server.stop()


@pytest.fixture
def mobilians_shop(gateway: GatewayServer, mobilians_pg: MobiliansEmulator) -> TestMerchant:
    """A merchant whose ``mobilians`` channels (general, subscription) are live, pointed at the emulator."""
    from paymux.connectors.mobilians.emulator import PAYMUX_LIVE_SERVICE

    merchant = gateway.create_merchant("live Mobilians shop")
    for pay_type in ("general", "subscription"):
        merchant.add_channel("mobilians", pay_type, mid=PAYMUX_LIVE_SERVICE.sid, mode="live", default=pay_type == "general",
                             endpoint=mobilians_pg.base_url, credentials={"skey": PAYMUX_LIVE_SERVICE.skey})
    return merchant


# --- Kakao Pay ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kakaopay(gateway: GatewayServer) -> Iterator[KakaoPayEmulatorServer]:
    """The Kakao Pay emulator on its own loopback port, on the gateway's clock, knowing paymux's
    made-up live CIDs (``CPAYMUX001`` one-time, ``CPAYMUXSUB`` subscription)."""
    config = KakaoPayConfig(slow_reply_seconds=SLOW_REPLY_SECONDS, clock=gateway.clock.now).with_paymux_live()
    server = KakaoPayEmulatorServer()
    server.start(config)
    yield server
    server.stop()


@dataclass
class KakaoShop:
    """A merchant whose Kakao Pay channels are live (its CIDs and secret key), pointed at the emulator:
    ``kakaopay`` opens the one-time CID, ``kakaopay.CPAYMUXSUB`` the subscription CID."""

    merchant: TestMerchant
    kakaopay: KakaoPayEmulatorServer

    def approved_at_pg(self, imp_uid: str) -> list[dict]:  # type: ignore[type-arg]
        """Kakao's approved payments for ``partner_order_id`` = imp_uid."""
        return self.kakaopay.approved(imp_uid)

    def at_pg(self, tid: str) -> dict | None:  # type: ignore[type-arg]
        return self.kakaopay.payment(tid)


@pytest.fixture
def kakao_shop(gateway: GatewayServer, kakaopay: KakaoPayEmulatorServer) -> KakaoShop:
    merchant = gateway.create_merchant("live Kakao Pay shop")
    keys = {"secret_key": PAYMUX_LIVE_SECRET_KEY}
    merchant.add_channel("kakaopay", "simple", mid=KAKAO_CID, mode="live", default=True, endpoint=kakaopay.base_url,
                         credentials=keys)
    merchant.add_channel("kakaopay", "subscription", mid=KAKAO_SUBSCRIPTION_CID, mode="live", endpoint=kakaopay.base_url,
                         credentials=keys)
    return KakaoShop(merchant, kakaopay)


# --- Toss Payments ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toss_pg(gateway: GatewayServer) -> Iterator[TossEmulator]:
    """The Toss Payments emulator on loopback, on the gateway's clock, knowing paymux's made-up live
    merchant ``paymuxlive``; its DEPOSIT_CALLBACK goes to paymux's ``/pg/tosspayments/notice``, the URL a
    merchant registers in Toss's developer center (tests/live/test_tosspayments_*)."""
    from paymux.connectors.tosspayments.emulator import EmulatorConfig as TossConfig
    from tests.connectors.tosspayments.support import TossEmulator

    server = TossEmulator()
    server.start(TossConfig(clock=gateway.clock.now, slow_reply_seconds=SLOW_REPLY_SECONDS,
                            webhook_url=f"{gateway.base_url}/pg/tosspayments/notice",
                            webhook_backoff_seconds=0.05).with_paymux_live())
    yield server
    server.stop()


@pytest.fixture
def toss_shop(gateway: GatewayServer, toss_pg: TossEmulator) -> TestMerchant:
    """A merchant whose ``tosspayments`` channels (window, billing window, key-in API) are live, with the
    emulator's live keys, pointed at the emulator."""
    from paymux.connectors.tosspayments.emulator import PAYMUX_LIVE_MERCHANT
    from tests.connectors.tosspayments.support import LIVE_KEYS

    merchant = gateway.create_merchant("live Toss Payments shop")
    for pay_type in ("general", "subscription", "api"):
        merchant.add_channel("tosspayments", pay_type, mid=PAYMUX_LIVE_MERCHANT.mid, mode="live", default=pay_type == "general",
                             endpoint=toss_pg.base_url, credentials=dict(LIVE_KEYS))
    return merchant


# --- NICE Pay -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nice_pg(gateway: GatewayServer) -> Iterator[NiceEmulator]:
    """The NICE Pay emulator on loopback, on the gateway's clock, knowing paymux's made-up live merchant;
    its webhooks go to paymux's ``/pg/nice/notice`` (as a merchant registers it in NICE's admin)."""
    from paymux.connectors.nice.emulator import EmulatorConfig as NiceConfig
    from tests.connectors.nice.support import NiceEmulator

    server = NiceEmulator()
    server.start(NiceConfig(clock=gateway.clock.now, slow_reply_seconds=SLOW_REPLY_SECONDS,
                            hook_url=f"{gateway.base_url}/pg/nice/notice", hook_attempts=3,
                            hook_backoff_seconds=0.05).with_paymux_live())
    yield server
    server.stop()


@pytest.fixture
def nice_shop(gateway: GatewayServer, nice_pg: NiceEmulator) -> TestMerchant:
    """A merchant whose ``nice`` channels (general window, billing API) are live, pointed at the emulator."""
    from paymux.connectors.nice.emulator import PAYMUX_LIVE as NICE_LIVE

    merchant = gateway.create_merchant("live NICE shop")
    keys = {"client_id": NICE_LIVE.client_id, "secret_key": NICE_LIVE.secret_key}
    for pay_type in ("general", "api"):
        merchant.add_channel("nice", pay_type, mid=NICE_LIVE.mid, mode="live", default=pay_type == "general",
                             endpoint=nice_pg.base_url, credentials=keys)
    return merchant

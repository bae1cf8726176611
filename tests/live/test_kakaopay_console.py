"""The console's Kakao Pay cards: the test cards list Kakao's public test CIDs (one-time and
subscription), and a live Kakao Pay channel asks exactly for what Kakao Pay issues (the app's secret
key, the optional CID secret; the CID is the channel's MID), stores it sealed, and pays with it against
the emulator. Plain HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from paymux.connectors.kakaopay.emulator import PAYMUX_LIVE_SECRET_KEY
from paymux.services import channels as channel_service
from tests.checkout.test_window_rules import rsp_of
from tests.connectors.kakaopay.support import KakaoPayEmulatorServer
from tests.console.support import ConsoleClient, console_account, signed_in
from tests.harness import GatewayServer, unique
from tests.live.conftest import KAKAO_CID, KakaoShop
from tests.live.test_kakaopay_api import kakao_page, kakao_param, on_kakaos_page


@pytest.fixture
def kakao_console(gateway: GatewayServer) -> Iterator[tuple[ConsoleClient, object]]:
    shop = gateway.create_merchant("Kakao console shop")
    client = signed_in(gateway, console_account(gateway, shop))
    yield client, shop
    client.close()


def test_the_kakao_pay_test_cards_list_kakaos_public_test_cids(kakao_console: tuple[ConsoleClient, object]) -> None:
    console, _ = kakao_console
    page = console.get("/console/channels/new").text
    cards = re.findall(r'data-testid="test-card" data-pg="kakaopay" data-type="(\w+)".*?name="mid" value="(\w+)"', page, re.S)
    assert sorted(cards) == [("simple", "TC0ONETIME"), ("subscription", "TCSUBSCRIP")]


def test_a_live_kakao_pay_channel_asks_for_kakaos_own_credentials_and_pays_with_them(
    gateway: GatewayServer, kakaopay: KakaoPayEmulatorServer, kakao_console: tuple[ConsoleClient, object]
) -> None:
    console, shop = kakao_console
    form = console.get("/console/channels/new").text
    fieldset = re.search(r'<fieldset data-testid="credentials-kakaopay".*?</fieldset>', form, re.S)
    assert fieldset is not None
    names = re.findall(r'name="cred\.kakaopay\.(\w+)"', fieldset.group(0))
    assert names == ["secret_key", "cid_secret"]
    assert "developers.kakaopay.com" in fieldset.group(0) and "Secret key(dev" in fieldset.group(0)

    saved = console.post("/console/channels", {
        "pg": "kakaopay", "type": "simple", "mode": "live", "mid": KAKAO_CID, "label": "카카오페이", "default": "1",
        "cred.kakaopay.secret_key": PAYMUX_LIVE_SECRET_KEY,
    })
    assert saved.status_code == 303, re.findall(r"error-[^\"]+\"[^>]*>[^<]*", saved.text)
    merchant_id = shop.merchant.id  # type: ignore[attr-defined]
    [channel] = [c for c in gateway.call(lambda rt: channel_service.list_channels(rt, merchant_id)) if c.pg_provider == "kakaopay"]
    assert (channel.mid, channel.mode.value, channel.endpoint) == (KAKAO_CID, "live", None)  # Kakao's own host
    assert PAYMUX_LIVE_SECRET_KEY not in console.get(f"/console/channels/{channel.id}/edit").text
    # the operator points it at the emulator on loopback (the console refuses private hosts; the CLI may)
    gateway.call(lambda rt: channel_service.update_channel(
        rt, merchant_id, channel.id, mid=KAKAO_CID, pay_type="simple", mode="live", label=channel.label,
        endpoint=kakaopay.base_url, allow_private_endpoint=True))

    rsp = rsp_of(httpx.get(on_kakaos_page(gateway, kakao_page(gateway, KakaoShop(shop, kakaopay), kakao_param(unique("order")))),  # type: ignore[arg-type]
                           timeout=30))
    assert (rsp["success"], rsp["pg_provider"]) == (True, "kakaopay")

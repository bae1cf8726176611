"""The console's Toss Payments cards: the test cards list Toss's public test keys (the docs' ``test_ck_…`` /
``test_sk_…``) with its test mId, and a live Toss channel asks exactly for what Toss issues (client key and
secret key; the mId is the channel's MID), stores them sealed, never shows the secret key again, and pays
with them against the emulator. Plain HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from paymux.connectors.tosspayments import codes
from paymux.connectors.tosspayments.emulator import PAYMUX_LIVE_MERCHANT
from paymux.services import channels as channel_service
from tests.connectors.tosspayments.support import TossEmulator
from tests.console.support import ConsoleClient, console_account, signed_in
from tests.harness import GatewayServer, TestMerchant, unique
from tests.live.test_tosspayments_api import pay, toss_param


@pytest.fixture
def toss_console(gateway: GatewayServer) -> Iterator[tuple[ConsoleClient, TestMerchant]]:
    shop = gateway.create_merchant("Toss console shop")
    client = signed_in(gateway, console_account(gateway, shop))
    yield client, shop
    client.close()


def test_the_toss_test_cards_list_tosss_public_test_keys(toss_console: tuple[ConsoleClient, TestMerchant]) -> None:
    console, _ = toss_console
    page = console.get("/console/channels/new").text
    cards = re.findall(r'(<form[^>]*data-testid="test-card" data-pg="tosspayments" data-type="(\w+)".*?</form>)', page, re.S)
    assert sorted(kind for _, kind in cards) == ["api", "general", "subscription"]
    for card, _ in cards:
        assert f'name="mid" value="{codes.TEST_MID}"' in card
        shown = dict(re.findall(r'data-testid="test-credential" data-name="(\w+)">\w+: <code>([^<]+)</code>', card))
        assert shown == {"client_key": codes.PUBLIC_TEST_CLIENT_KEY, "secret_key": codes.PUBLIC_TEST_SECRET_KEY}


def test_a_live_toss_channel_asks_for_tosss_own_keys_and_pays_with_them(
    gateway: GatewayServer, toss_pg: TossEmulator, toss_console: tuple[ConsoleClient, TestMerchant]
) -> None:
    console, shop = toss_console
    form = console.get("/console/channels/new").text
    fieldset = re.search(r'<fieldset data-testid="credentials-tosspayments".*?</fieldset>', form, re.S)
    assert fieldset is not None
    assert re.findall(r'name="cred\.tosspayments\.(\w+)"', fieldset.group(0)) == ["client_key", "secret_key"]
    assert "developers.tosspayments.com" in fieldset.group(0) and "live_sk_" in fieldset.group(0)

    saved = console.post("/console/channels", {
        "pg": "tosspayments", "type": "general", "mode": "live", "mid": PAYMUX_LIVE_MERCHANT.mid, "label": "토스페이먼츠",
        "default": "1", "cred.tosspayments.client_key": PAYMUX_LIVE_MERCHANT.client_key,
        "cred.tosspayments.secret_key": PAYMUX_LIVE_MERCHANT.secret_key,
    })
    assert saved.status_code == 303, re.findall(r"error-[^\"]+\"[^>]*>[^<]*", saved.text)
    merchant_id = shop.merchant.id
    [channel] = [c for c in gateway.call(lambda rt: channel_service.list_channels(rt, merchant_id)) if c.pg_provider == "tosspayments"]
    assert (channel.mid, channel.mode.value, channel.endpoint) == (PAYMUX_LIVE_MERCHANT.mid, "live", None)  # Toss's own host
    assert PAYMUX_LIVE_MERCHANT.secret_key not in console.get(f"/console/channels/{channel.id}/edit").text
    # the operator points it at the emulator on loopback (the console refuses private hosts; the CLI may)
    gateway.call(lambda rt: channel_service.update_channel(
        rt, merchant_id, channel.id, mid=channel.mid, pay_type="general", mode="live", label=channel.label,
        endpoint=toss_pg.base_url, allow_private_endpoint=True))
    rsp = pay(gateway, shop, toss_pg, toss_param(unique("order")))
    assert (rsp["success"], rsp["pg_provider"]) == (True, "tosspayments")

"""The console's channel page for KG Mobilians: the test card lists Mobilians' published test service
(sid and skey), and the live form asks for exactly what Mobilians issues (the service key, and
optionally the site URL registered with it); a live channel keeps them sealed, never shown again."""

from __future__ import annotations

from paymux.connectors.mobilians.client import PUBLIC_TEST_SID, PUBLIC_TEST_SKEY
from paymux.services import channels as channel_service
from tests.connectors.inicis.support import parse
from tests.console.conftest import account, console  # noqa: F401 (fixtures)
from tests.console.support import ConsoleAccount, ConsoleClient
from tests.harness import GatewayServer


def test_the_mobilians_test_card_lists_the_public_test_service(console: ConsoleClient) -> None:
    page = console.get("/console/channels/new").text
    cards = [f for f in parse(page).forms if f.testid == "test-card" and f.fields.get("pg") == "mobilians"]
    assert {(c.fields["type"], c.fields["mid"]) for c in cards} == {("general", PUBLIC_TEST_SID), ("subscription", PUBLIC_TEST_SID)}
    assert f"skey: <code>{PUBLIC_TEST_SKEY}</code>" in page and f"sid: <code>{PUBLIC_TEST_SID}</code>" in page


def test_the_live_mobilians_form_asks_for_the_service_key_and_keeps_it_sealed(
    gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient
) -> None:
    page = console.get("/console/channels/new").text
    assert 'name="cred.mobilians.skey"' in page and 'name="cred.mobilians.site_url"' in page
    assert 'name="cred.mobilians.api_key"' not in page  # no generic key/secret: what Mobilians issues
    assert "서비스 키" in page and "KG파이낸셜" in page  # the help text says where the merchant finds it
    saved = console.post("/console/channels", {"pg": "mobilians", "type": "general", "mode": "live", "mid": "000730019999",
                                               "cred.mobilians.skey": "my-secret-skey", "cred.mobilians.site_url": "shop.example"})
    assert saved.status_code == 303, saved.text[:300]
    channels = gateway.call(lambda rt: channel_service.list_channels(rt, account.shop.merchant.id))
    added = next(c for c in channels if c.pg_provider == "mobilians" and c.mid == "000730019999")
    stored = gateway.call(lambda rt: _credentials(rt, added))
    assert stored == {"skey": "my-secret-skey", "site_url": "shop.example"}
    assert "my-secret-skey" not in console.get(f"/console/channels/{added.id}/edit").text


async def _credentials(runtime, channel):  # type: ignore[no-untyped-def]
    return channel_service.channel_context(runtime, channel).credentials

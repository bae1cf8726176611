"""The console's channel page for NICE Pay: the test cards list the sandbox keys NICE's manual publishes
(clientId and secretKey), and the live form asks for exactly what NICE issues (클라이언트 키 and 시크릿 키,
no generic key/secret), with help text saying where to find them; a live channel keeps them sealed."""

from __future__ import annotations

from paymux.connectors.nice import codes
from paymux.services import channels as channel_service
from tests.connectors.inicis.support import parse
from tests.console.conftest import account, console  # noqa: F401 (fixtures)
from tests.console.support import ConsoleAccount, ConsoleClient
from tests.harness import GatewayServer


def test_the_nice_test_cards_list_nices_published_sandbox_keys(console: ConsoleClient) -> None:
    page = console.get("/console/channels/new").text
    cards = [f for f in parse(page).forms if f.testid == "test-card" and f.fields.get("pg") == "nice"]
    assert {c.fields["type"] for c in cards} >= {"general", "api"}
    assert f"client_id: <code>{codes.PUBLIC_SANDBOX_CLIENT_ID}</code>" in page
    assert f"secret_key: <code>{codes.PUBLIC_SANDBOX_SECRET_KEY}</code>" in page


def test_the_live_nice_form_asks_for_client_and_secret_key_and_keeps_them_sealed(
    gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient
) -> None:
    page = console.get("/console/channels/new").text
    assert 'name="cred.nice.client_id"' in page and 'name="cred.nice.secret_key"' in page
    assert 'name="cred.nice.api_key"' not in page  # no generic key/secret: what NICE issues
    assert "클라이언트 키" in page and "start.nicepay.co.kr" in page  # where the merchant finds them
    saved = console.post("/console/channels", {"pg": "nice", "type": "general", "mode": "live", "mid": "nicuntct1m",
                                               "cred.nice.client_id": "R2_myclientkey", "cred.nice.secret_key": "my-nice-secret"})
    assert saved.status_code == 303, saved.text[:300]
    channels = gateway.call(lambda rt: channel_service.list_channels(rt, account.shop.merchant.id))
    added = next(c for c in channels if c.pg_provider == "nice" and c.mid == "nicuntct1m")
    stored = gateway.call(lambda rt: _credentials(rt, added))
    assert stored == {"client_id": "R2_myclientkey", "secret_key": "my-nice-secret"}
    assert "my-nice-secret" not in console.get(f"/console/channels/{added.id}/edit").text


async def _credentials(runtime, channel):  # type: ignore[no-untyped-def]
    return channel_service.channel_context(runtime, channel).credentials

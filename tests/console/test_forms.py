"""Every console form: bad input is refused next to the field (HTTP 400, values kept); good input
does what the page says. Plain HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

from paymux.services import channels as channel_service
from paymux.services import merchants as merchant_service
from tests.console.support import ConsoleAccount, ConsoleClient
from tests.harness import GatewayServer, unique


def test_bad_input_is_refused_next_to_the_field(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    cases = [
        ("/console/settings/whitelist", {"ip_whitelist": "10.0.0.0/8\n300.1.1.1/32"}, "ip_whitelist", "300.1.1.1/32"),
        ("/console/settings/whitelist", {"ip_whitelist": "192.168.0.1"}, "ip_whitelist", "192.168.0.1/32"),
        ("/console/webhook", {"webhook_url": "ftp://shop.example/hook"}, "webhook_url", "ftp://shop.example/hook"),
        ("/console/webhook", {"webhook_url": "https://"}, "webhook_url", "https://"),
        ("/console/channels", {"pg": "html5_inicis", "type": "general", "mode": "test", "mid": "INIpayTest"}, "mid", "INIpayTest"),
        ("/console/channels", {"pg": "html5_inicis", "type": "general", "mode": "live", "mid": ""}, "mid", ""),
        ("/console/channels", {"pg": "mobilians", "type": "api", "mode": "test", "mid": "m1"}, "type", "m1"),
        ("/console/channels", {"pg": "", "type": "general", "mode": "test", "mid": "x"}, "pg", "x"),
        ("/console/channels", {"pg": "nosuchpg", "type": "general", "mode": "test", "mid": "x"}, "pg", "x"),
        ("/console/channels", {"pg": "kcp", "type": "general", "mode": "test", "mid": "a.b"}, "mid", "a.b"),
        ("/console/sub-merchants", {"name": "  "}, "name", ""),
    ]
    for path, data, field, kept in cases:
        reply = console.post(path, data)
        assert reply.status_code == 400, (path, data, reply.status_code)
        assert f'data-testid="error-{field}"' in reply.text, (path, data)
        assert kept in reply.text
    # nothing of it was saved
    merchant = gateway.call(lambda rt: merchant_service.merchant_by_id(rt, account.shop.merchant.id))
    assert merchant.ip_whitelist == () and merchant.webhook_url is None
    assert len(gateway.call(lambda rt: channel_service.list_channels(rt, merchant.id))) == 3
    assert gateway.call(lambda rt: merchant_service.list_sub_merchants(rt, merchant.id)) == []

    bad_search = console.get("/console/payments?date_from=2025-13-01")
    assert bad_search.status_code == 400 and 'data-testid="error-date_from"' in bad_search.text
    backwards = console.get("/console/payments?date_from=2025-02-01&date_to=2025-01-01")
    assert backwards.status_code == 400 and 'data-testid="error-date_to"' in backwards.text


def test_the_default_channel_goes_only_with_a_new_default(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    channels = gateway.call(lambda rt: channel_service.list_channels(rt, account.shop.merchant.id))
    default, others = channels[0], channels[1:]
    assert default.is_default
    refused = console.post(f"/console/channels/{default.id}/delete", {})
    assert refused.status_code == 400 and 'data-testid="error-new_default"' in refused.text
    foreign = console.post(f"/console/channels/{default.id}/delete", {"new_default": str(default.id)})
    assert foreign.status_code == 400

    assert console.post(f"/console/channels/{default.id}/delete", {"new_default": str(others[1].id)}).status_code == 303
    after = gateway.call(lambda rt: channel_service.list_channels(rt, account.shop.merchant.id))
    assert [(c.id, c.is_default) for c in after] == [(others[0].id, False), (others[1].id, True)]
    # the last channel may go without naming anything
    assert console.post(f"/console/channels/{others[0].id}/delete", {}).status_code == 303
    assert console.post(f"/console/channels/{others[1].id}/delete", {}).status_code == 303
    assert 'data-testid="no-channels"' in console.get("/console/channels").text


def test_a_deleted_channel_keeps_serving_cancels_of_its_payments_and_can_be_added_again(
    gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient
) -> None:
    shop = account.shop
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    imp_uid = shop.again(customer_uid, unique("order"), amount=2000).expect_ok()["imp_uid"]
    channels = gateway.call(lambda rt: channel_service.list_channels(rt, shop.merchant.id))
    api_channel = next(c for c in channels if c.pay_type.value == "api" and c.pg_provider == "html5_inicis")
    assert console.post(f"/console/channels/{api_channel.id}/delete", {}).status_code == 303
    assert f'data-pg="{api_channel.pg_string}"' not in console.get("/console/channels").text
    assert console.post(f"/console/payments/{imp_uid}/cancel", {"amount": "500"}).status_code == 303
    assert shop.api("GET", f"/payments/{imp_uid}").expect_ok()["cancel_amount"] == 500

    again = console.post("/console/channels", {"pg": "html5_inicis", "type": "api", "mode": "test", "mid": api_channel.mid})
    assert again.status_code == 303
    listed = gateway.call(lambda rt: channel_service.list_channels(rt, shop.merchant.id))
    assert listed[-1].id == api_channel.id  # revived at the end of the list


def test_edit_channel_and_its_errors(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    channels = gateway.call(lambda rt: channel_service.list_channels(rt, account.shop.merchant.id))
    first, second = channels[0], channels[1]
    page = console.get(f"/console/channels/{first.id}/edit")
    assert page.status_code == 200 and first.mid in page.text
    clash = console.post(f"/console/channels/{second.id}/edit", {"type": first.pay_type.value, "mode": "test", "mid": first.mid})
    assert clash.status_code == 400 and 'data-testid="error-mid"' in clash.text
    assert first.pg_provider == "html5_inicis"
    form = page.text
    for name in ("sign_key", "iniapi_key", "iniapi_iv", "inilite_key"):  # INICIS's own credentials, by name
        assert f'name="cred.html5_inicis.{name}"' in form
    saved = console.post(f"/console/channels/{first.id}/edit", {
        "type": "general", "mode": "live", "mid": "MY-LIVE-MID", "label": "main",
        "cred.html5_inicis.sign_key": "sk-secret", "cred.html5_inicis.iniapi_key": "api-secret-key",
        "cred.html5_inicis.iniapi_iv": "iv-secret",
    })
    assert saved.status_code == 303
    changed = gateway.call(lambda rt: channel_service.get_channel(rt, account.shop.merchant.id, first.id))
    assert (changed.mid, changed.mode.value, changed.label) == ("MY-LIVE-MID", "live", "main")
    assert gateway.call(lambda rt: _credentials(rt, changed)) == {
        "sign_key": "sk-secret", "iniapi_key": "api-secret-key", "iniapi_iv": "iv-secret"}
    shown = console.get(f"/console/channels/{first.id}/edit").text
    assert "sk-secret" not in shown and "api-secret-key" not in shown and "iv-secret" not in shown


async def _credentials(runtime, channel):  # type: ignore[no-untyped-def]
    return channel_service.channel_context(runtime, channel).credentials


def test_sub_merchants_are_created_and_given_channels(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    created = console.post("/console/sub-merchants", {"name": "Tenant shop"})
    assert created.status_code == 303
    sub_path = created.headers["location"].partition("?")[0]
    page = console.get(sub_path)
    assert page.status_code == 200 and "Tenant shop" in page.text
    sub_code = sub_path.rsplit("/", 1)[1]
    assert f'data-user-code="{sub_code}"' in console.get("/console/sub-merchants").text

    kakao = account.shop.add_channel("kakaopay", "simple")
    assert console.post(f"{sub_path}/channels", {"channel_id": str(kakao.id)}).status_code == 303
    assert console.post(f"{sub_path}/channels", {"channel_id": str(kakao.id)}).status_code == 400  # already there
    assert console.post(f"{sub_path}/channels", {"channel_id": ""}).status_code == 400
    assert f'data-pg="{kakao.pg_string}"' in console.get(sub_path).text

    # the sub-merchant's own PG settings: its list, resolver and defaults, through the same pages
    scoped = console.get(f"/console/channels?merchant={sub_code}&pg=anything")
    assert scoped.status_code == 200 and f'data-channel="{kakao.pg_string}"' in scoped.text
    tier = gateway.call(lambda rt: merchant_service.get_merchant(rt, sub_code)).tier_code
    assert tier in page.text
    added = console.post("/console/channels", {"merchant": sub_code, "pg": "kcp", "type": "api", "mode": "test", "mid": ""})
    assert added.status_code == 303 and added.headers["location"] == f"/console/channels?merchant={sub_code}&flash=flash.channel_added"
    customer_uid = unique("cust")
    card = {"card_number": "5361-4812-3456-1234", "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
    issued = account.shop.api("POST", f"/subscribe/customers/{customer_uid}", tier=tier, json=card).expect_ok()
    assert issued["pg_provider"] == "kcp"


def test_payments_search_csv_billing_keys_and_dashboard(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    shop = account.shop
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    orders = [unique("order") for _ in range(3)]
    paid = [shop.again(customer_uid, order, amount=1000 * (n + 1), buyer_name="=HYPERLINK(1)" if n == 0 else "홍길동").expect_ok()
            for n, order in enumerate(orders)]
    declined = shop.again(customer_uid, unique("order"), amount=999_999_999)  # over the sandbox limit or refused
    assert declined.code != 0 or declined.response["status"] == "paid"

    found = console.get("/console/payments", params={"buyer": "홍길동", "status": "paid"}).text
    assert all(p["imp_uid"] in found for p in paid[1:]) and paid[0]["imp_uid"] not in found
    by_order = console.get("/console/payments", params={"merchant_uid": orders[2]}).text
    assert by_order.count('data-testid="payment-row"') == 1

    exported = console.get("/console/payments.csv", params={"merchant_uid": orders[0]})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["imp_uid", "merchant_uid", "status", "amount"]
    assert [r[:4] for r in rows[1:]] == [[paid[0]["imp_uid"], orders[0], "paid", "1000"]]
    assert rows[1][rows[0].index("buyer_name")] == "'=HYPERLINK(1)"  # not a formula in a spreadsheet

    dashboard = console.get("/console").text
    assert 'data-testid="period-by-pg-row" data-key="html5_inicis"' in dashboard and 'data-testid="chart"' in dashboard

    keys = console.get("/console/billing-keys").text
    assert f'data-customer-uid="{customer_uid}"' in keys
    deleted = console.post(f"/console/billing-keys/{customer_uid}/delete", {})
    assert deleted.status_code == 303
    after = console.get(deleted.headers["location"]).text
    assert f'data-customer-uid="{customer_uid}"' not in after
    assert after.count("삭제했습니다") == 1 and after.count('data-testid="flash"') == 1  # one message for one action
    assert shop.api("GET", f"/subscribe/customers/{customer_uid}").status == 404


def test_regenerating_the_secret_shows_it_once_and_the_old_one_stops_working(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    from tests.harness import request

    shop = account.shop
    page = console.post("/console/settings/secret", {})
    assert page.status_code == 200 and 'data-testid="new-secret"' in page.text
    secret = page.text.split('data-testid="new-secret">')[1].split("<")[0]
    assert 'data-testid="new-secret"' not in console.get("/console/settings").text
    old = request(gateway, "POST", "/users/getToken", json={"imp_key": shop.imp_key, "imp_secret": shop.imp_secret})
    assert old.status == 401
    request(gateway, "POST", "/users/getToken", json={"imp_key": shop.imp_key, "imp_secret": secret}).expect_ok()

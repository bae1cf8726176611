"""Who may do what in the console: sign-in, sessions, CSRF, lock-out, and one merchant never
reaching another's objects."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from paymux.domain.console_user import LOCK_SECONDS, MAX_FAILED_LOGINS
from paymux.services import channels as channel_service
from paymux.store.schema import console_sessions
from tests.console.support import (
    ConsoleAccount,
    ConsoleClient,
    console_account,
    csrf_of,
)
from tests.harness import GatewayServer, TestMerchant, unique


def test_pages_need_a_session_and_the_login_sets_a_hashed_httponly_cookie(gateway: GatewayServer, account: ConsoleAccount) -> None:
    client = ConsoleClient(gateway)
    away = client.get("/console/payments?status=paid")
    assert away.status_code == 303 and away.headers["location"] == "/console/login?next=/console/payments%3Fstatus%3Dpaid"

    page = client.get("/console/login")
    reply = client.http.post("/console/login", data={
        "email": account.email.upper(), "password": account.password, "csrf_token": csrf_of(page.text),
        "next": "/console/payments?status=paid",
    })
    assert reply.status_code == 303 and reply.headers["location"] == "/console/payments?status=paid"
    cookie = next(h for h in reply.headers.get_list("set-cookie") if h.startswith("paymux_console="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https (or an https PAYMUX_PUBLIC_URL) adds it
    token = client.http.cookies["paymux_console"]

    async def stored(runtime):  # type: ignore[no-untyped-def]
        async with runtime.database.reading() as connection:
            return [r.token_hash for r in await connection.execute(select(console_sessions.c.token_hash))]

    hashes = gateway.call(stored)
    assert token not in hashes and len(hashes[0]) == 64

    assert account.shop.user_code in client.get("/console").text
    client.csrf = csrf_of(client.get("/console").text)
    assert client.post("/console/logout").status_code == 303
    assert client.get("/console").status_code == 303  # the session is gone
    client.close()


def test_an_off_site_next_is_not_followed(gateway: GatewayServer, account: ConsoleAccount) -> None:
    client = ConsoleClient(gateway)
    page = client.get("/console/login")
    reply = client.http.post("/console/login", data={
        "email": account.email, "password": account.password, "csrf_token": csrf_of(page.text), "next": "https://evil.example/",
    })
    assert reply.headers["location"] == "/console"
    client.close()


def test_forms_without_the_csrf_token_are_refused(gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient) -> None:
    for token in (None, "forged"):
        data = {"webhook_url": "https://attacker.example/hook"}
        if token:
            data["csrf_token"] = token
        refused = console.post("/console/webhook", data, csrf=False)
        assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
        assert "CSRF" in refused.text
    assert "attacker.example" not in console.get("/console/webhook").text

    channel = account.shop.add_channel("kakaopay", "simple")
    assert console.post(f"/console/channels/{channel.id}/delete", {}, csrf=False).status_code == 403
    assert console.post("/console/settings/secret", {}, csrf=False).status_code == 403
    assert f'data-pg="{channel.pg_string}"' in console.get("/console/channels").text

    anonymous = ConsoleClient(gateway)  # the login form has its own token (double-submit cookie)
    no_token = anonymous.http.post("/console/login", data={"email": account.email, "password": account.password})
    assert no_token.status_code == 403 and "paymux_console" not in anonymous.http.cookies
    anonymous.close()


def test_repeated_wrong_passwords_lock_the_login_for_a_while(gateway: GatewayServer, shop: TestMerchant) -> None:
    account = console_account(gateway, shop)
    client = ConsoleClient(gateway)
    try:
        for attempt in range(1, MAX_FAILED_LOGINS):
            wrong = client.login(account.email, f"wrong password {attempt}")
            assert wrong.status_code == 400 and "data-testid=\"login-error\"" in wrong.text
        locked = client.login(account.email, "wrong again")
        assert locked.status_code == 429 and "잠겼습니다" in locked.text
        still = client.login(account.email, account.password)  # even the right password, while locked
        assert still.status_code == 429 and "paymux_console" not in client.http.cookies
        english = client.http.get("/console/login?lang=en")
        assert "Sign in" in english.text
        locked_en = client.login(account.email, account.password)
        assert "locked until" in locked_en.text

        gateway.clock.advance(LOCK_SECONDS + 1)
        assert client.login(account.email, account.password).status_code == 303
    finally:
        gateway.clock.reset()
        client.close()


def test_unknown_email_reads_like_a_wrong_password(gateway: GatewayServer) -> None:
    client = ConsoleClient(gateway)
    reply = client.login(f"{unique('nobody')}@shop.example", "whatever it is")
    assert reply.status_code == 400 and "이메일 또는 비밀번호가 올바르지 않습니다" in reply.text
    client.close()


def _paid_payment(shop: TestMerchant) -> tuple[str, str]:
    customer_uid = unique("cust")
    shop.issue_key(customer_uid).expect_ok()
    return shop.again(customer_uid, unique("order"), amount=5000).expect_ok()["imp_uid"], customer_uid


def test_a_user_of_one_merchant_gets_404_on_every_object_of_another(
    gateway: GatewayServer, account: ConsoleAccount, console: ConsoleClient, other_console: ConsoleClient
) -> None:
    shop = account.shop
    channel = shop.add_channel("kakaopay", "simple")
    imp_uid, customer_uid = _paid_payment(shop)
    sub = gateway.create_merchant("tenant", parent=shop.user_code).merchant

    gets = [
        f"/console/channels/{channel.id}/edit",
        f"/console/payments/{imp_uid}",
        f"/console/sub-merchants/{sub.user_code}",
        f"/console/channels?merchant={sub.user_code}",
        f"/console/payments?merchant={sub.user_code}",
        f"/console/payments?merchant={shop.user_code}",
        f"/console/billing-keys?merchant={shop.user_code}",
        f"/console/payments.csv?merchant={shop.user_code}",
        f"/console/channels/{10**9}/edit",
        "/console/channels/not-a-number/edit",
    ]
    for path in gets:
        reply = other_console.get(path)
        assert reply.status_code == 404, path
        assert "text/html" in reply.headers["content-type"] and 'data-testid="error-status"' in reply.text
    posts = [
        (f"/console/channels/{channel.id}/edit", {"type": "simple", "mode": "test", "mid": "STOLEN"}),
        (f"/console/channels/{channel.id}/delete", {}),
        (f"/console/channels/{channel.id}/move", {"direction": "up"}),
        (f"/console/channels/{channel.id}/default", {}),
        (f"/console/payments/{imp_uid}/cancel", {"amount": "1000"}),
        (f"/console/payments/{imp_uid}/deposit", {}),
        (f"/console/billing-keys/{customer_uid}/delete", {}),
        (f"/console/sub-merchants/{sub.user_code}/channels", {"channel_id": str(channel.id)}),
        ("/console/channels", {"merchant": sub.user_code, "pg": "kakaopay", "type": "simple", "mode": "test"}),
    ]
    for path, data in posts:
        assert other_console.post(path, data).status_code == 404, path

    # the owner still sees everything as it was
    detail = console.get(f"/console/payments/{imp_uid}").text
    assert 'data-status="paid"' in detail and 'data-testid="no-cancellations"' in detail
    listed = gateway.call(lambda rt: channel_service.list_channels(rt, shop.merchant.id))
    assert [c.mid for c in listed if c.id == channel.id] == [channel.mid]
    assert f'data-customer-uid="{customer_uid}"' in console.get("/console/billing-keys").text
    assert console.get(f"/console/sub-merchants/{sub.user_code}").status_code == 200
    assert gateway.call(lambda rt: channel_service.list_channels(rt, sub.id)) == []


def test_the_console_answers_html_and_the_api_keeps_its_json_envelopes(gateway: GatewayServer, console: ConsoleClient) -> None:
    missing = console.get("/console/no/such/page")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    api = console.get("/payments/imp_nothing")
    assert api.status_code == 401 and api.json()["code"] == -1


@pytest.mark.parametrize("lang, text", [("en", "PG settings"), ("ko", "PG 설정")])
def test_the_language_switch_sticks(console: ConsoleClient, lang: str, text: str) -> None:
    assert text in console.get(f"/console/channels?lang={lang}").text
    assert text in console.get("/console/channels").text  # the cookie remembers
    assert re.search(r'<html lang="' + lang, console.get("/console").text)

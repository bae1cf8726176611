"""A console user per test, and an httpx client that signs in and posts forms like a browser."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from paymux.services.console_users import create_user
from tests.harness import GatewayServer, TestMerchant

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@dataclass
class ConsoleAccount:
    shop: TestMerchant
    email: str
    password: str = PASSWORD

    __test__ = False


def console_account(gateway: GatewayServer, shop: TestMerchant) -> ConsoleAccount:
    email = f"owner-{secrets.token_hex(4)}@shop.example"
    gateway.call(lambda rt: create_user(rt, shop.user_code, email, PASSWORD))
    return ConsoleAccount(shop=shop, email=email)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class ConsoleClient:
    """Signs in once; ``get``/``post`` then act as that user. ``post`` adds the page's CSRF token."""

    def __init__(self, gateway: GatewayServer) -> None:
        self.http = httpx.Client(base_url=gateway.base_url, timeout=60, follow_redirects=False)
        self.csrf = ""

    def login(self, email: str, password: str) -> httpx.Response:
        page = self.http.get("/console/login")
        reply = self.http.post("/console/login", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)})
        if reply.status_code == 303:
            self.csrf = csrf_of(self.http.get("/console").text)
        return reply

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> httpx.Response:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.http.post(path, data=form)

    def close(self) -> None:
        self.http.close()


def signed_in(gateway: GatewayServer, account: ConsoleAccount) -> ConsoleClient:
    client = ConsoleClient(gateway)
    reply = client.login(account.email, account.password)
    assert reply.status_code == 303, reply.text[:500]
    return client

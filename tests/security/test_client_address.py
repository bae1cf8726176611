"""Whose address is the client's (issue 11 item 3): forwarding headers count only from a configured
proxy (``PAYMUX_TRUSTED_PROXIES``). uvicorn's default trusts ``X-Forwarded-For`` from 127.0.0.1, so any
local process could claim a whitelisted merchant's address; these are those attacks over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from paymux.config import parse_trusted_proxies
from paymux.services.merchants import set_ip_whitelist
from tests.harness import GatewayServer, TestMerchant, start_paymux_process, stop_process, unique
from tests.security.conftest import client_from

WHITELISTED = "203.0.113.7"  # the merchant's server, somewhere on the internet
SPOOFING_HEADERS = [
    {"X-Forwarded-For": WHITELISTED},
    {"X-Forwarded-For": f"{WHITELISTED}, 127.0.0.1"},
    {"X-Real-IP": WHITELISTED},
    {"Forwarded": f"for={WHITELISTED}"},
    {"X-Forwarded-For": WHITELISTED, "X-Forwarded-Proto": "https"},
]


def whitelisted_shop(gateway: GatewayServer) -> TestMerchant:
    shop = gateway.create_merchant(unique("whitelisted"))
    gateway.call(lambda rt: set_ip_whitelist(rt, shop.merchant.id, [WHITELISTED + "/32"]))
    return shop


def get_token(base_url: str, shop: TestMerchant, headers: dict[str, str], client: httpx.Client | None = None) -> httpx.Response:
    body = {"imp_key": shop.imp_key, "imp_secret": shop.imp_secret}
    return (client or httpx.Client(timeout=60)).post(base_url + "/users/getToken", json=body, headers=headers)


@pytest.mark.parametrize("headers", SPOOFING_HEADERS, ids=lambda h: ",".join(h))
def test_a_forwarding_header_from_an_unconfigured_peer_does_not_pass_the_whitelist(
    gateway: GatewayServer, headers: dict[str, str]
) -> None:
    shop = whitelisted_shop(gateway)
    reply = get_token(gateway.base_url, shop, headers)
    assert reply.status_code == 403
    assert reply.json()["code"] == -1 and "127.0.0.1" in reply.json()["message"]  # the peer, not the header


def test_a_configured_proxy_is_believed_and_nobody_else(gateway: GatewayServer, instance: Callable[..., GatewayServer]) -> None:
    behind_proxy = instance(PAYMUX_TRUSTED_PROXIES="127.0.0.1")  # nginx on this host
    shop = whitelisted_shop(gateway)

    through_proxy = get_token(behind_proxy.base_url, shop, {"X-Forwarded-For": WHITELISTED})
    assert through_proxy.status_code == 200, through_proxy.text
    token = through_proxy.json()["response"]["access_token"]
    api = httpx.get(behind_proxy.base_url + "/payments/imp_none", headers={"Authorization": token, "X-Forwarded-For": WHITELISTED})
    assert api.status_code == 404  # past the whitelist: the payment just does not exist

    # The proxy's own address is not the merchant's; another local process is not the proxy.
    assert get_token(behind_proxy.base_url, shop, {}).status_code == 403
    with client_from("127.0.0.9") as other_process:
        spoofed = get_token(behind_proxy.base_url, shop, {"X-Forwarded-For": WHITELISTED}, other_process)
        assert spoofed.status_code == 403 and "127.0.0.9" in spoofed.json()["message"]
        stolen = other_process.get(behind_proxy.base_url + "/payments/imp_none",
                                   headers={"Authorization": token, "X-Forwarded-For": WHITELISTED})
        assert stolen.status_code == 403  # a token obtained through the proxy is no use around it

    # The gateway without trusted proxies refuses the same token with the same header.
    direct = httpx.get(gateway.base_url + "/payments/imp_none", headers={"Authorization": token, "X-Forwarded-For": WHITELISTED})
    assert direct.status_code == 403


def test_a_proxy_network_may_be_given_as_cidr(gateway: GatewayServer, instance: Callable[..., GatewayServer]) -> None:
    behind_proxies = instance(PAYMUX_TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.0/24")
    shop = whitelisted_shop(gateway)
    with client_from("127.0.0.23") as proxy:
        assert get_token(behind_proxies.base_url, shop, {"X-Forwarded-For": WHITELISTED}, proxy).status_code == 200
    with client_from("127.0.1.23") as outside:
        assert get_token(behind_proxies.base_url, shop, {"X-Forwarded-For": WHITELISTED}, outside).status_code == 403


def test_a_trusted_proxy_setting_that_is_no_address_stops_the_server_at_start() -> None:
    assert parse_trusted_proxies("") == ()
    assert parse_trusted_proxies(" 10.0.0.5 , 2001:db8::/32 ") == ("10.0.0.5/32", "2001:db8::/32")
    with pytest.raises(ValueError, match="nginx.local"):
        parse_trusted_proxies("10.0.0.5, nginx.local")


@pytest.mark.parametrize(("trusted", "expected_last"), [("", 429), ("127.0.0.1", 401)])
def test_paymux_serve_believes_forwarding_headers_only_when_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trusted: str, expected_last: int
) -> None:
    """``paymux serve`` itself (uvicorn started by the CLI): refused token requests are throttled per
    address (20 a minute by default). Each request claims another address in X-Forwarded-For: only a
    configured proxy's claim makes them different clients."""
    monkeypatch.setenv("PAYMUX_TRUSTED_PROXIES", trusted)
    monkeypatch.delenv("PAYMUX_TOKEN_FAILURES_PER_MINUTE", raising=False)
    process, base = start_paymux_process(tmp_path, "serve")
    try:
        with httpx.Client(timeout=30) as client:
            answers = [client.post(f"{base}/users/getToken", json={"imp_key": "k", "imp_secret": "guess"},
                                   headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(21)]
    finally:
        stop_process(process)
    assert answers[:20] == [401] * 20
    assert answers[20] == expected_last


def test_paymux_serve_refuses_a_trusted_proxy_that_is_no_address(tmp_path: Path) -> None:
    env = {**os.environ, "PAYMUX_DATA_DIR": str(tmp_path), "PAYMUX_TRUSTED_PROXIES": "nginx.local"}
    result = subprocess.run([sys.executable, "-m", "paymux.cli", "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "PAYMUX_TRUSTED_PROXIES: 'nginx.local' is not an IP address or CIDR" in result.stderr
    assert "Traceback" not in result.stderr

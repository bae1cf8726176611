"""Guessing passwords and secrets, and opening windows in bulk (issue 11 items 4 and 2's last sentence).

A console login's attempts are counted before its password is checked, so sixty guesses at once
check at most five passwords; each client address is throttled too, in the database, so the limit
holds across instances. Every attack comes over real HTTP, each "attacker address" a loopback
address of its own (``client_from``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from paymux.domain.console_user import MAX_FAILED_LOGINS
from tests.console.support import PASSWORD, console_account, csrf_of
from tests.harness import GatewayServer, standard_merchant, unique
from tests.security.conftest import client_from

GUESSES = 60
SHOP_ORIGIN = "http://shop.example"
_RSP_START = '<script type="application/json" id="rsp">'


def login_form(client: httpx.Client, base_url: str) -> str:
    """The login page's CSRF token (its cookie stays in ``client``)."""
    return csrf_of(client.get(base_url + "/console/login").text)


def sign_in(client: httpx.Client, base_url: str, email: str, password: str) -> httpx.Response:
    token = login_form(client, base_url)
    return client.post(base_url + "/console/login", data={"email": email, "password": password, "csrf_token": token})


def test_sixty_parallel_guesses_check_at_most_five_passwords(gateway: GatewayServer) -> None:
    account = console_account(gateway, standard_merchant(gateway))
    clients = [client_from(f"127.0.1.{n + 1}", follow_redirects=False) for n in range(GUESSES)]
    tokens = [login_form(client, gateway.base_url) for client in clients]  # every guess ready before any is sent
    start = threading.Barrier(GUESSES)

    def guess(n: int) -> httpx.Response:
        start.wait()
        form = {"email": account.email, "password": f"guess number {n}", "csrf_token": tokens[n]}
        return clients[n].post(gateway.base_url + "/console/login", data=form)

    try:
        with ThreadPoolExecutor(GUESSES) as pool:
            replies = list(pool.map(guess, range(GUESSES)))
        told_wrong = [r for r in replies if r.status_code == 400]
        locked = [r for r in replies if r.status_code == 429]
        assert len(told_wrong) + len(locked) == GUESSES
        # Only a checked password is answered "wrong"; the fifth checked one locks the login.
        assert len(told_wrong) <= MAX_FAILED_LOGINS - 1
        assert all("잠겼습니다" in r.text for r in locked)
        # The right password, sent after the sixty, is not even checked.
        with client_from("127.0.1.200", follow_redirects=False) as owner:
            refused = sign_in(owner, gateway.base_url, account.email, account.password)
        assert refused.status_code == 429 and "잠겼습니다" in refused.text
    finally:
        for client in clients:
            client.close()


def test_sign_in_attempts_are_throttled_per_address_across_instances(
    gateway: GatewayServer, instance: Callable[..., GatewayServer]
) -> None:
    limit = "4"
    one, two = instance(PAYMUX_CONSOLE_LOGINS_PER_MINUTE=limit), instance(PAYMUX_CONSOLE_LOGINS_PER_MINUTE=limit)
    account = console_account(gateway, standard_merchant(gateway))
    with client_from("127.0.2.1", follow_redirects=False) as attacker:
        # Password spraying: each guess for another address book entry, alternating between instances.
        answers = [sign_in(attacker, server.base_url, f"user{n}@shop.example", "Summer2026!!").status_code
                   for n, server in enumerate([one, two, one, two])]
        assert answers == [400, 400, 400, 400]
        for server in (one, two):
            throttled = sign_in(attacker, server.base_url, account.email, account.password)  # even the right one
            assert throttled.status_code == 429
            assert "로그인 시도가 너무 많습니다" in throttled.text
            assert 1 <= int(throttled.headers["retry-after"]) <= 60
    with client_from("127.0.2.2", follow_redirects=False) as owner:  # another address is not held up
        assert sign_in(owner, two.base_url, account.email, account.password).status_code == 303
    for server in (one, two):
        server.clock.advance(61)  # the window has passed
    try:
        with client_from("127.0.2.1", follow_redirects=False) as attacker:
            assert sign_in(attacker, one.base_url, account.email, account.password).status_code == 303
    finally:
        for server in (one, two):
            server.clock.reset()


def test_refused_token_requests_are_throttled_per_address_across_instances(
    gateway: GatewayServer, instance: Callable[..., GatewayServer]
) -> None:
    one, two = instance(PAYMUX_TOKEN_FAILURES_PER_MINUTE="3"), instance(PAYMUX_TOKEN_FAILURES_PER_MINUTE="3")
    shop = gateway.create_merchant(unique("token"))
    right = {"imp_key": shop.imp_key, "imp_secret": shop.imp_secret}
    wrong = {"imp_key": shop.imp_key, "imp_secret": "guess"}
    with client_from("127.0.3.1") as attacker:
        # Successes are not counted: i'mport's clients ask for a token before every call.
        for server in (one, two, one, two):
            assert attacker.post(server.base_url + "/users/getToken", json=right).status_code == 200
        answers = [attacker.post(server.base_url + "/users/getToken", json=wrong).status_code for server in (one, two, one)]
        assert answers == [401, 401, 401]
        for server in (two, one):
            throttled = attacker.post(server.base_url + "/users/getToken", json=right)
            assert throttled.status_code == 429
            body = throttled.json()
            assert body["code"] == -1 and body["response"] is None and "retry after" in body["message"]
            assert 1 <= int(throttled.headers["retry-after"]) <= 60
    with client_from("127.0.3.2") as merchant_server:
        assert merchant_server.post(one.base_url + "/users/getToken", json=right).status_code == 200


def _window(client: httpx.Client, base_url: str, user_code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"pg": "html5_inicis", "pay_method": "card", "merchant_uid": unique("w"), "name": "주문", "amount": 1004,
            "buyer_tel": "010-1234-5678"}
    form = {"user_code": user_code, "param": json.dumps(body), "origin": SHOP_ORIGIN, "display": "popup"}
    return client.post(base_url + "/checkout/window", data=form, headers=headers or {})


def test_windows_one_user_code_opens_for_one_address_are_limited_across_instances(
    gateway: GatewayServer, instance: Callable[..., GatewayServer]
) -> None:
    one, two = instance(PAYMUX_WINDOWS_PER_MINUTE="3"), instance(PAYMUX_WINDOWS_PER_MINUTE="3")
    shop, other_shop = standard_merchant(gateway), standard_merchant(gateway, "other shop")
    with client_from("127.0.4.1") as flood:
        # A forwarding header from an unconfigured peer changes nothing: the address is the peer's.
        opened = [_window(flood, server.base_url, shop.user_code, {"X-Forwarded-For": f"198.51.100.{n}"})
                  for n, server in enumerate([one, two, one])]
        assert [reply.status_code for reply in opened] == [200, 200, 200]
        assert all('name="ticket"' in reply.text for reply in opened)
        refused = _window(flood, two.base_url, shop.user_code, {"X-Forwarded-For": "198.51.100.99"})
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        rsp = json.loads(refused.text.split(_RSP_START, 1)[1].split("</script>", 1)[0])
        assert (rsp["success"], rsp["imp_uid"]) == (False, None) and "too many payment windows" in rsp["error_msg"]
        assert _window(flood, one.base_url, other_shop.user_code).status_code == 200  # per user code
    with client_from("127.0.4.2") as buyer:  # per address
        assert _window(buyer, one.base_url, shop.user_code).status_code == 200


def test_the_default_window_limit_lets_a_busy_shop_through(gateway: GatewayServer) -> None:
    shop = standard_merchant(gateway)
    limit = gateway.settings.windows_per_minute
    assert limit >= 20
    with client_from("127.0.4.3") as office:
        assert all(_window(office, gateway.base_url, shop.user_code).status_code == 200 for _ in range(limit))
        assert _window(office, gateway.base_url, shop.user_code).status_code == 429


def test_the_console_password_is_still_accepted_within_the_limits(gateway: GatewayServer) -> None:
    account = console_account(gateway, standard_merchant(gateway))

    def attempt(password: str) -> int:
        with client_from("127.0.5.1", follow_redirects=False) as browser:  # a fresh browser each time
            return sign_in(browser, gateway.base_url, account.email, password).status_code

    assert [attempt(f"typo {n}") for n in range(MAX_FAILED_LOGINS - 1)] == [400] * (MAX_FAILED_LOGINS - 1)
    assert attempt(PASSWORD) == 303
    # The right password reset the count: as many typos again do not lock it.
    assert [attempt(f"typo again {n}") for n in range(MAX_FAILED_LOGINS - 1)] == [400] * (MAX_FAILED_LOGINS - 1)
    assert attempt(PASSWORD) == 303

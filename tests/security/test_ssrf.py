"""SSRF (issue 11, item 1): a merchant's webhook URL and every ``notice_url`` (API and payment window)
cannot make paymux call an internal service, in any spelling of its address or through a DNS name.

The internal service is a loopback listener on 127.0.0.2 (and, on the same port, 127.0.0.1 and ::1,
where ``localhost``, ``0.0.0.0`` and the IPv6 spellings lead). Every attack goes through real HTTP
(the API, the payment window, the console) and the tests assert that nothing reached the listener and
that the merchant was told the address is refused. Policy: ``paymux/webhooks/targets.py``.
"""

from __future__ import annotations

import dataclasses
import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from paymux.domain.errors import InvalidParameter
from paymux.services.merchants import set_webhook_url
from paymux.webhooks.delivery import send_test_webhook
from paymux.webhooks.targets import NOT_DELIVERED, REFUSED_PRIVATE
from tests.checkout.test_window_rules import open_window, param, rsp_of
from tests.console.support import console_account, signed_in
from tests.harness import GatewayServer, TestMerchant, unique
from tests.webhooks.support import HookedShop, drain, events_about, hook_up

SECRET = b"INTERNAL-ADMIN-SECRET"


class InternalService:
    """Counts every TCP connection on one port of 127.0.0.2, 127.0.0.1 and ::1, and answers HTTP 200
    with a secret: what an attacker would like paymux to fetch for them."""

    def __init__(self) -> None:
        self.connections = 0
        self._serving = False
        self._lock = threading.Lock()
        self._servers: list[socketserver.TCPServer] = []
        for _ in range(20):
            try:
                self._bind_all()
                break
            except OSError:
                self.close()
        else:
            raise RuntimeError("no free port on 127.0.0.2, 127.0.0.1 and ::1")
        for server in self._servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        self._serving = True

    def _bind_all(self) -> None:
        service = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with service._lock:
                    service.connections += 1
                self.request.settimeout(2)
                try:
                    self.request.recv(65536)
                    self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(SECRET), SECRET))
                except OSError:
                    pass

        class V6(socketserver.ThreadingTCPServer):
            address_family = socket.AF_INET6

        self._servers = []
        first = socketserver.ThreadingTCPServer(("127.0.0.2", 0), Handler)
        self._servers.append(first)
        self.port = first.server_address[1]
        self._servers.append(socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler))
        if socket.has_ipv6:
            try:
                self._servers.append(V6(("::1", self.port), Handler))
            except OSError as failure:
                if failure.errno == 98:  # address in use: try another port
                    raise
        for server in self._servers:
            server.daemon_threads = True

    def close(self) -> None:
        for server in self._servers:
            if self._serving:
                server.shutdown()
            server.server_close()
        self._servers = []


@pytest.fixture(scope="module")
def internal() -> Iterator[InternalService]:
    service = InternalService()
    yield service
    service.close()


def attacks(port: int) -> list[str]:
    """The internal service (or cloud metadata) in every spelling a resolver or router accepts."""
    return [
        f"http://127.0.0.2:{port}/admin",
        f"http://2130706434:{port}/admin",  # decimal 127.0.0.2
        f"http://0x7f000002:{port}/admin",  # hex
        f"http://0177.0.0.2:{port}/admin",  # octal
        f"http://127.2:{port}/admin",  # shortened
        f"http://127.0.0.2.:{port}/admin",  # trailing dot
        f"http://localhost:{port}/admin",
        f"http://LOCALHOST.:{port}/admin",
        f"http://api.localhost:{port}/admin",
        f"http://0.0.0.0:{port}/admin",  # Linux connects this to the local host
        f"http://0:{port}/admin",
        f"http://[::1]:{port}/admin",
        f"http://[::]:{port}/admin",
        f"http://[::ffff:127.0.0.2]:{port}/admin",  # IPv4-mapped
        f"http://[::ffff:7f00:2]:{port}/admin",
        f"http://[::127.0.0.2]:{port}/admin",  # IPv4-compatible
        f"http://[64:ff9b::7f00:2]:{port}/admin",  # NAT64
        f"http://[2002:7f00:2::]:{port}/admin",  # 6to4
        f"http://[fe80::1%25lo]:{port}/admin",  # link-local with a zone
        f"http://[fc00::1]:{port}/admin",  # unique local
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # cloud metadata
        "http://[fd00:ec2::254]/latest/meta-data/",  # AWS metadata over IPv6
        f"http://10.0.0.1:{port}/", f"http://172.16.0.1:{port}/", f"http://192.168.1.1:{port}/",
        f"http://100.64.0.1:{port}/",  # CGNAT
    ]


ATTACK_IDS = [
    "127.0.0.2", "decimal", "hex", "octal", "short", "dot", "localhost", "LOCALHOST.", "sub.localhost", "0.0.0.0",
    "0", "::1", "::", "mapped", "mapped-hex", "compatible", "nat64", "6to4", "fe80-zone", "fc00", "metadata",
    "metadata-v6", "10/8", "172.16/12", "192.168/16", "cgnat",
]
ATTACK_INDEXES = list(range(len(ATTACK_IDS)))


def set_policy(gateway: GatewayServer, monkeypatch: pytest.MonkeyPatch, *, allow_private: bool) -> None:
    """The operator's PAYMUX_WEBHOOK_ALLOW_PRIVATE for the in-process gateway (the harness turns it on
    for the other tests' receivers on 127.0.0.1)."""
    monkeypatch.setenv("PAYMUX_WEBHOOK_ALLOW_PRIVATE", "1" if allow_private else "0")
    settings = dataclasses.replace(gateway.runtime.settings, webhook_allow_private=allow_private)
    monkeypatch.setattr(gateway.runtime, "settings", settings)


@pytest.fixture
def refusing(gateway: GatewayServer, monkeypatch: pytest.MonkeyPatch) -> GatewayServer:
    """The default: private targets refused."""
    set_policy(gateway, monkeypatch, allow_private=False)
    return gateway


def resolving(monkeypatch: pytest.MonkeyPatch, name: str, address: str) -> list[str]:
    """Make ``name`` resolve to ``address`` in this process (the gateway runs in it); the list
    records each lookup of ``name``."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        numeric_only = (kwargs.get("flags", args[3] if len(args) > 3 else 0)) & socket.AI_NUMERICHOST
        if isinstance(host, str) and host.rstrip(".").lower() == name and not numeric_only:
            lookups.append(host)
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, int(port or 0), 0, 0) if family == socket.AF_INET6 else (address, int(port or 0))
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return lookups


def attempts_of(gateway: GatewayServer, shop: TestMerchant, imp_uid: str) -> list[Any]:
    (event,) = events_about(gateway, shop, {imp_uid})
    return list(event.attempts)


# --------------------------------------------------------------------------- literal addresses


@pytest.mark.parametrize("index", ATTACK_INDEXES, ids=ATTACK_IDS)
def test_every_spelling_of_an_internal_address_is_refused_everywhere(
    gateway: GatewayServer, shop: TestMerchant, internal: InternalService, monkeypatch: pytest.MonkeyPatch, index: int
) -> None:
    url = attacks(internal.port)[index]
    before = internal.connections
    # stored while an operator allowed private targets, then the default comes back: delivery refuses
    set_policy(gateway, monkeypatch, allow_private=True)
    hooked = hook_up(gateway, shop, url)
    set_policy(gateway, monkeypatch, allow_private=False)

    # 1. the webhook URL cannot be set
    with pytest.raises(InvalidParameter, match="public host|user name"):
        gateway.call(lambda rt: set_webhook_url(rt, shop.merchant.id, url))

    # 2. nor given as notice_url to the API ...
    reply = shop.again(hooked.customer_uid, unique("ssrf"), notice_url=[url])
    assert reply.status == 400 and reply.response is None and "notice_url" in reply.message, reply.body
    assert "public host" in reply.message

    # 3. ... nor to the payment window, which anyone who knows the user code can open
    window_shop = gateway.create_merchant("window shop")
    window_shop.add_channel("html5_inicis", "general", default=True)
    answer = rsp_of(open_window(gateway, window_shop.user_code, param(unique("ssrf"), notice_url=[url])).reply)
    assert (answer["success"], answer["error_code"]) == (False, "F400") and "notice_url" in answer["error_msg"]

    # 4. the URL already stored is refused at delivery, and so is the console's test webhook
    payment = hooked.charge()
    drain(gateway)
    (attempt,) = attempts_of(gateway, shop, payment["imp_uid"])
    assert attempt.status_code is None and attempt.response_excerpt is None
    assert attempt.error.startswith("refused"), attempt.error
    test = gateway.call(lambda rt: send_test_webhook(rt, shop.merchant))
    assert (test["ok"], test["status_code"], test["response_excerpt"]) == (False, None, None)
    assert test["error"].startswith("refused")

    assert internal.connections == before, "a request reached the internal service"


def test_the_internal_service_is_reachable_when_an_operator_allows_private_targets(
    gateway: GatewayServer, shop: TestMerchant, internal: InternalService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the listener above does answer, so its silence in the attacks is the refusal."""
    set_policy(gateway, monkeypatch, allow_private=True)
    before = internal.connections
    gateway.call(lambda rt: set_webhook_url(rt, shop.merchant.id, f"http://2130706434:{internal.port}/admin"))
    result = gateway.call(lambda rt: send_test_webhook(rt, shop.merchant))
    assert (result["status_code"], result["response_excerpt"]) == (200, SECRET.decode())
    assert internal.connections == before + 1


def test_userinfo_is_refused(refusing: GatewayServer, shop: TestMerchant) -> None:
    with pytest.raises(InvalidParameter, match="user name or password"):
        refusing.call(lambda rt: set_webhook_url(rt, shop.merchant.id, "https://admin:pw@shop.example/hook"))
    reply = shop.again("nobody", unique("ssrf"), notice_url="https://admin:pw@shop.example/hook")
    assert reply.status == 400 and "notice_url" in reply.message


def test_the_console_refuses_an_internal_webhook_url_with_a_field_error(
    refusing: GatewayServer, shop: TestMerchant, internal: InternalService
) -> None:
    client = signed_in(refusing, console_account(refusing, shop))
    try:
        for url in (f"http://2130706434:{internal.port}/", "http://169.254.169.254/latest/meta-data/"):
            reply = client.post("/console/webhook", {"webhook_url": url})
            assert reply.status_code == 400 and "공개 호스트만 쓸 수 있습니다" in reply.text  # the Korean console's words
        assert refusing.call(lambda rt: _webhook_url(rt, shop)) is None
    finally:
        client.close()


async def _webhook_url(rt: Any, shop: TestMerchant) -> str | None:
    from paymux.store import webhooks as webhook_store

    async with rt.database.reading() as connection:
        settings = await webhook_store.merchant_webhook_settings(connection, [shop.merchant.id])
    return settings[shop.merchant.id][0]


# --------------------------------------------------------------------------- DNS names


def test_a_dns_name_resolving_to_loopback_is_refused_at_delivery_and_in_the_console(
    refusing: GatewayServer, shop: TestMerchant, internal: InternalService, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups = resolving(monkeypatch, "hooks.rebind.example", "127.0.0.2")
    url = f"http://hooks.rebind.example:{internal.port}/hook"
    before = internal.connections
    hooked = hook_up(refusing, shop, url)  # a DNS name is accepted when set: it is judged at each try

    payment = hooked.charge()
    drain(refusing)
    (attempt,) = attempts_of(refusing, shop, payment["imp_uid"])
    assert (attempt.status_code, attempt.response_excerpt, attempt.error) == (None, None, REFUSED_PRIVATE)

    client = signed_in(refusing, console_account(refusing, shop))
    try:
        page = client.post("/console/webhook/test").text
    finally:
        client.close()
    assert "전달 거부: 웹훅 주소가 공개 호스트가 아닙니다" in page and SECRET.decode() not in page
    assert lookups and internal.connections == before


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    refusing: GatewayServer, shop: TestMerchant, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def mixed(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "mixed.example" and not kwargs.get("flags", 0) & socket.AI_NUMERICHOST:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    hook_up(refusing, shop, "http://mixed.example/hook")
    result = refusing.call(lambda rt: send_test_webhook(rt, shop.merchant))
    assert (result["status_code"], result["error"]) == (None, REFUSED_PRIVATE)


def test_when_allowed_a_named_target_is_delivered_to_the_checked_address_with_its_host_header(
    gateway: GatewayServer, shop: TestMerchant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.webhooks.receiver import Receiver

    set_policy(gateway, monkeypatch, allow_private=True)
    receiver = Receiver(gateway.clock.now).start()
    try:
        port = int(receiver.url("/").split(":")[2].split("/")[0])
        lookups = resolving(monkeypatch, "hooks.shop.example", "127.0.0.1")
        hooked: HookedShop = hook_up(gateway, shop, f"http://hooks.shop.example:{port}/hook")
        payment = hooked.charge()
        drain(gateway)
        (event,) = events_about(gateway, shop, {payment["imp_uid"]})
        assert event.state == "delivered", event.last_error
        (request,) = receiver.about({payment["imp_uid"]})
        assert request.headers["host"] == f"hooks.shop.example:{port}"
        assert len(lookups) == 1  # resolved once, and the connection went to what was checked
    finally:
        receiver.close()


# --------------------------------------------------------------------------- no port oracle


def test_closed_open_and_non_http_ports_fail_alike(
    gateway: GatewayServer, shop: TestMerchant, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_policy(gateway, monkeypatch, allow_private=True)  # even an operator's intranet is not scanned
    closed = socket.socket()
    closed.bind(("127.0.0.2", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    silent = socket.socket()  # accepts and says nothing HTTP
    silent.bind(("127.0.0.2", 0))
    silent.listen()

    def garbage() -> None:
        connection, _ = silent.accept()
        connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
        connection.close()

    threading.Thread(target=garbage, daemon=True).start()
    errors = []
    for port in (closed_port, silent.getsockname()[1]):
        gateway.call(lambda rt, port=port: set_webhook_url(rt, shop.merchant.id, f"http://127.0.0.2:{port}/"))
        result = gateway.call(lambda rt: send_test_webhook(rt, shop.merchant))
        errors.append((result["status_code"], result["response_excerpt"], result["error"]))
    silent.close()
    assert errors == [(None, None, NOT_DELIVERED)] * 2

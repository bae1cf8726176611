"""Headers and pages (issue 11 item 8): a Content-Security-Policy, ``nosniff`` and, behind an https
public URL, HSTS on every answer; ``/docs`` served by paymux itself (it renders offline, with no CSP
violation, in a real Chromium); and the window never redirects for a user code nobody owns."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx

from tests.console.support import console_account, signed_in
from tests.harness import GatewayServer, TestMerchant, standard_merchant, unique

SHOP_ORIGIN = "http://shop.example"
_NONCE = re.compile(r"'nonce-([^']+)'")
_RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def directives(reply: httpx.Response) -> dict[str, str]:
    policy = reply.headers["content-security-policy"]
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in policy.split(";")}


def open_window(base_url: str, user_code: str, **param: object) -> httpx.Response:
    body = {"pg": "html5_inicis", "pay_method": "card", "merchant_uid": unique("h"), "name": "주문", "amount": 1004,
            "buyer_tel": "010-1234-5678", **param}
    form = {"user_code": user_code, "param": json.dumps(body), "origin": SHOP_ORIGIN,
            "display": "redirect" if "m_redirect_url" in param else "popup"}
    return httpx.post(base_url + "/checkout/window", data=form, follow_redirects=False, timeout=30)


def test_every_face_answers_with_a_policy_and_nosniff(gateway: GatewayServer, shop: TestMerchant) -> None:
    account = console_account(gateway, shop)
    console = signed_in(gateway, account)
    answers = {
        "api": httpx.get(gateway.base_url + "/payments/imp_none"),  # 401 envelope
        "api ok": httpx.post(gateway.base_url + "/users/getToken", json={"imp_key": shop.imp_key, "imp_secret": shop.imp_secret}),
        "unknown path": httpx.get(gateway.base_url + "/no/such/path"),
        "openapi": httpx.get(gateway.base_url + "/openapi.json"),
        "sdk": httpx.get(gateway.base_url + "/v1/iamport.js"),
        "console login": httpx.get(gateway.base_url + "/console/login"),
        "console": console.get("/console"),
        "console css": console.get("/console/static/console.css"),
        "window": open_window(gateway.base_url, shop.user_code),
        "docs": httpx.get(gateway.base_url + "/docs"),
        "demo": httpx.get(gateway.base_url + "/demo"),
    }
    console.close()
    for face, reply in answers.items():
        assert reply.headers.get("x-content-type-options") == "nosniff", face
        assert directives(reply)["default-src"] == "'none'", face
        assert "strict-transport-security" not in reply.headers, face  # the public URL is http here
    for face in ("api", "api ok", "unknown path", "openapi", "sdk"):
        assert directives(answers[face])["frame-ancestors"] == "'none'" and "script-src" not in directives(answers[face])
    for face in ("console login", "console", "docs"):
        policy = directives(answers[face])
        assert (policy["script-src"], policy["style-src"], policy["frame-ancestors"]) == ("'self'", "'self'", "'none'"), face
    window = directives(answers["window"])
    assert "frame-ancestors" not in window  # shops frame the window (the SDK's overlay)
    assert window["script-src"].startswith("'nonce-") and window["connect-src"] == "'self'"


def test_window_pages_carry_a_new_nonce_in_every_answer(gateway: GatewayServer, shop: TestMerchant) -> None:
    first, second = open_window(gateway.base_url, shop.user_code), open_window(gateway.base_url, shop.user_code)
    nonces = []
    for reply in (first, second):
        nonce = _NONCE.search(directives(reply)["script-src"]).group(1)  # type: ignore[union-attr]
        assert directives(reply)["style-src"] == f"'nonce-{nonce}'"
        assert f'<style nonce="{nonce}">' in reply.text
        assert "<script>" not in reply.text and "<style>" not in reply.text
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


def test_a_redirecting_window_may_send_its_forms_on_to_the_shop_and_nowhere_else(
    gateway: GatewayServer, shop: TestMerchant
) -> None:
    reply = open_window(gateway.base_url, shop.user_code, m_redirect_url="https://shop.example/complete?cart=1")
    assert reply.status_code == 200 and 'name="ticket"' in reply.text
    assert directives(reply)["form-action"] == "'self' https://shop.example"


def test_hsts_only_behind_an_https_public_url(gateway: GatewayServer, instance: Callable[..., GatewayServer]) -> None:
    secure = instance(PAYMUX_PUBLIC_URL="https://pay.example.com")
    for path in ("/healthz", "/payments/imp_none", "/console/login", "/docs"):
        assert httpx.get(secure.base_url + path).headers["strict-transport-security"] == "max-age=31536000", path
    assert "strict-transport-security" not in httpx.get(gateway.base_url + "/healthz").headers


def test_an_unknown_user_code_never_redirects_the_buyer(gateway: GatewayServer) -> None:
    for user_code in ("imp00000000", "", "x" * 300):
        reply = open_window(gateway.base_url, user_code, m_redirect_url="https://attacker.example/phish")
        assert reply.status_code == 200 and "location" not in reply.headers, user_code
        assert "attacker.example" not in reply.text
        rsp = json.loads(reply.text.split('id="rsp">', 1)[1].split("</script>", 1)[0])
        assert (rsp["success"], rsp["imp_uid"]) == (False, None)
    # A merchant's own window still hands a refusal back to its m_redirect_url, as i'mport does.
    shop = standard_merchant(gateway)
    refused = open_window(gateway.base_url, shop.user_code, amount=-1, m_redirect_url="https://shop.example/done")
    assert refused.status_code == 303 and refused.headers["location"].startswith("https://shop.example/done?")


def test_docs_render_offline_with_no_policy_violation(gateway: GatewayServer, page) -> None:  # type: ignore[no-untyped-def]
    elsewhere: list[str] = []
    errors: list[str] = []

    def only_paymux(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(gateway.base_url):
            route.continue_()
        else:  # offline: nothing but paymux answers
            elsewhere.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_paymux)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(_RECORD_VIOLATIONS)
    page.goto(gateway.base_url + "/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/users/getToken" in paths and "/subscribe/payments/again" in paths
    page.locator(".opblock-summary-path", has_text="/users/getToken").first.click()
    page.wait_for_selector("text=imp_secret")
    page.screenshot(path="test-output/screenshots/docs_offline.png")
    assert page.evaluate("window.__violations") == []
    assert errors == [] and elsewhere == []

"""Webhook bodies as JSON or as a form, chosen per merchant in the console as i'mport offers
(issue #16: PHP handlers read ``$_POST['imp_uid']``). The signature covers the exact body sent."""

from __future__ import annotations

import re

from tests.console.support import console_account, signed_in
from tests.harness import GatewayServer, TestMerchant
from tests.webhooks.receiver import Receiver, verify
from tests.webhooks.support import HookedShop, drain, events_about
from tests.webhooks.test_retries import paymux_cli

FORM = "application/x-www-form-urlencoded"


def _checked_format(html: str) -> str:
    (checked,) = re.findall(r'name="webhook_format" value="(\w+)" checked', html)
    return checked


def test_a_merchant_that_chooses_form_bodies_in_the_console_gets_signed_forms(
    gateway: GatewayServer, hooked: HookedShop, other_shop: TestMerchant, receiver: Receiver
) -> None:
    console = signed_in(gateway, console_account(gateway, hooked.shop))
    try:
        page = console.get("/console/webhook")
        assert _checked_format(page.text) == "json" and FORM in page.text
        refused = console.post("/console/webhook", {"webhook_url": receiver.url("/hook"), "webhook_format": "xml"})
        assert refused.status_code == 400 and 'data-testid="error-webhook_format"' in refused.text
        saved = console.post("/console/webhook", {"webhook_url": receiver.url("/php"), "webhook_format": "form"})
        assert saved.status_code in (302, 303)
        assert _checked_format(console.get("/console/webhook").text) == "form"

        payment = hooked.charge(custom_data={"memo": "안녕 & =?"})
        hooked.shop.api("POST", "/payments/cancel", json={"imp_uid": payment["imp_uid"]}).expect_ok()
        drain(gateway)
        arrived = {r.payload["status"]: r for r in receiver.about({payment["imp_uid"]})}  # in either order
        paid, cancelled = arrived["paid"], arrived["cancelled"]
        for request in (paid, cancelled):
            assert request.path == "/php" and request.headers["content-type"] == FORM
            fields = verify(hooked.secret, request)  # the signature of the form bytes, as sent
            assert fields["imp_uid"] == payment["imp_uid"] and fields["merchant_uid"] == payment["merchant_uid"]
            assert fields["customer_uid"] == hooked.customer_uid
        assert cancelled.payload["cancellation_id"]
        assert b"{" not in paid.body  # a form, not JSON in a form's clothes

        tested = console.post("/console/webhook/test")
        assert tested.status_code == 200 and 'data-ok="true"' in tested.text
        (test_request,) = [r for r in receiver.requests if r.payload.get("status") == "test"]
        assert test_request.headers["content-type"] == FORM
        assert verify(hooked.secret, test_request) == {"imp_uid": "", "merchant_uid": "", "status": "test"}

        # another merchant is untouched; the CLI shows and switches back
        assert "webhook bodies: json" in paymux_cli(gateway, "webhook", "format", "--merchant", other_shop.user_code).stdout
        assert "webhook bodies: form" in paymux_cli(gateway, "webhook", "format", "--merchant", hooked.shop.user_code).stdout
        paymux_cli(gateway, "webhook", "format", "--merchant", hooked.shop.user_code, "json")
        again = hooked.charge()
        drain(gateway)
        (as_json,) = receiver.about({again["imp_uid"]})
        assert as_json.headers["content-type"] == "application/json" and verify(hooked.secret, as_json)["status"] == "paid"
        assert events_about(gateway, hooked.shop, {again["imp_uid"]})[0].state == "delivered"
    finally:
        console.close()

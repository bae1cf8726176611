"""Three days of retries with growing waits, then a dead webhook that an operator resends."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from paymux.webhooks.delivery import FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS, RETRY_WINDOW_SECONDS
from tests.harness import GatewayServer, TestMerchant
from tests.webhooks.receiver import DOWN, UP, Receiver, verify
from tests.webhooks.support import HookedShop, drain, events_about


def paymux_cli(gateway: GatewayServer, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m paymux.cli`` against the running gateway's database and vault key."""
    env = {**os.environ, "PAYMUX_DATA_DIR": str(gateway.data_dir), "PAYMUX_DATABASE_URL": gateway.settings.database_url}
    result = subprocess.run([sys.executable, "-m", "paymux.cli", *args], capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_waits_grow_until_the_webhook_dies_after_three_days_and_the_cli_resends_it(
    gateway: GatewayServer, hooked: HookedShop, receiver: Receiver
) -> None:
    receiver.answer(DOWN)
    payment = hooked.charge()
    imp_uid = payment["imp_uid"]
    for _ in range(200):  # each round: the job runs, then the clock jumps to the next retry
        drain(gateway)
        (event,) = events_about(gateway, hooked.shop, {imp_uid})
        if event.state != "pending":
            break
        gateway.clock.advance(max(0, event.next_attempt_at - gateway.clock.now()))
    assert event.state == "dead" and event.last_error.startswith(f"gave up after {event.attempt_count} tries")

    tries = [a.attempted_at for a in event.attempts]
    waits = [later - earlier for earlier, later in zip(tries, tries[1:], strict=False)]  # pairs of neighbours
    drift = 5  # real seconds that pass while the test runs the job
    assert FIRST_RETRY_SECONDS <= waits[0] <= FIRST_RETRY_SECONDS * 1.25 + drift
    growing = [w for w in waits[:-1] if w < MAX_RETRY_SECONDS / 2]  # the last wait stops at the 3-day mark
    assert len(growing) >= 8 and growing == sorted(growing) and len(set(growing)) == len(growing)
    assert all(w <= MAX_RETRY_SECONDS * 1.25 + drift for w in waits)
    assert tries[-1] >= event.created_at + RETRY_WINDOW_SECONDS  # tried for the full three days
    assert tries[-2] < event.created_at + RETRY_WINDOW_SECONDS
    arrived = receiver.about({imp_uid})
    assert len(arrived) == event.attempt_count == len(tries) and {r.answered for r in arrived} == {503}

    gateway.clock.advance(86400)
    drain(gateway)
    assert len(receiver.about({imp_uid})) == len(arrived)  # a dead webhook is not tried again by itself

    listed = json.loads(paymux_cli(gateway, "webhook", "list", "--merchant", hooked.shop.user_code, "--json").stdout)
    (row,) = [e for e in listed if e["imp_uid"] == imp_uid]
    assert row["state"] == "dead" and row["id"] == event.id and len(row["attempts"]) == len(tries)
    assert row["attempts"][0]["status_code"] == 503

    receiver.answer(UP)
    resent = paymux_cli(gateway, "webhook", "resend", "--merchant", hooked.shop.user_code, "--event", str(event.id))
    assert f"webhook {event.id} (msg_{event.id}) queued again" in resent.stdout
    drain(gateway)
    (event,) = events_about(gateway, hooked.shop, {imp_uid})
    assert event.state == "delivered" and event.attempts[-1].status_code == 200
    delivered = receiver.about({imp_uid})[-1]
    assert delivered.answered == 200 and delivered.webhook_id == f"msg_{event.id}"
    assert verify(hooked.secret, delivered) == {
        "imp_uid": imp_uid, "merchant_uid": payment["merchant_uid"], "status": "paid", "customer_uid": hooked.customer_uid,
    }


def test_the_cli_prints_the_secret_receivers_verify_with_and_refuses_other_merchants_events(
    gateway: GatewayServer, hooked: HookedShop, other_shop: TestMerchant, receiver: Receiver
) -> None:
    printed = paymux_cli(gateway, "webhook", "secret", "--merchant", hooked.shop.user_code).stdout.strip()
    assert printed == hooked.secret

    payment = hooked.charge()
    drain(gateway)
    (event,) = events_about(gateway, hooked.shop, {payment["imp_uid"]})
    table = paymux_cli(gateway, "webhook", "list", "--merchant", hooked.shop.user_code).stdout
    assert "delivered paid" in " ".join(table.split()) and payment["imp_uid"] in table

    refused = paymux_cli(gateway, "webhook", "resend", "--merchant", other_shop.user_code, "--event", str(event.id), check=False)
    assert refused.returncode != 0 and f"no webhook {event.id}" in refused.stderr and "Traceback" not in refused.stderr
    assert events_about(gateway, hooked.shop, {payment["imp_uid"]})[0].state == "delivered"

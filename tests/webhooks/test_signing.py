"""The Standard Webhooks signature and the retry schedule, checked without a server."""

from __future__ import annotations

import base64
import random
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from paymux.webhooks.delivery import FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS, retry_delay
from paymux.webhooks.signing import new_secret, signed_headers

BODY = b'{"imp_uid": "imp_123456789012", "merchant_uid": "order-1", "status": "paid"}'


def test_a_new_secret_has_the_standard_form_and_is_never_repeated() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24


def test_the_standardwebhooks_library_accepts_our_signature() -> None:
    secret = new_secret()
    headers = signed_headers(secret, "msg_42", int(time.time()), BODY)
    assert Webhook(secret).verify(BODY, headers) == {"imp_uid": "imp_123456789012", "merchant_uid": "order-1", "status": "paid"}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers, now: (body.replace(b"paid", b"cancelled"), headers),
        lambda body, headers, now: (body, {**headers, "webhook-id": "msg_43"}),
        lambda body, headers, now: (body, {**headers, "webhook-timestamp": str(now + 1)}),
    ],
    ids=["body", "id", "timestamp"],
)
def test_a_changed_body_id_or_timestamp_is_rejected(tamper) -> None:  # type: ignore[no-untyped-def]
    secret, now = new_secret(), int(time.time())
    body, headers = tamper(BODY, signed_headers(secret, "msg_42", now, BODY), now)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_another_merchants_secret_does_not_verify() -> None:
    headers = signed_headers(new_secret(), "msg_42", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_a_replayed_request_from_ten_minutes_ago_is_rejected() -> None:
    secret = new_secret()
    headers = signed_headers(secret, "msg_42", int(time.time()) - 600, BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, headers)


def test_retry_delays_double_from_five_seconds_to_an_hour_with_bounded_jitter() -> None:
    rng = random.Random(7)
    for attempts in range(1, 40):
        base = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempts - 1))
        for _ in range(20):
            assert base <= retry_delay(attempts, rng) <= base * 1.25
    assert retry_delay(1, rng) < 7 and retry_delay(30, rng) >= MAX_RETRY_SECONDS


def test_jitter_spreads_events_that_failed_together() -> None:
    rng = random.Random(1)
    assert len({retry_delay(8, rng) for _ in range(100)}) > 50

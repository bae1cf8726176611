"""The operator's command line, run as a real process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.harness import start_paymux_process, stop_process


def paymux(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAYMUX_DATA_DIR": str(data_dir)}
    env.pop("PAYMUX_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "paymux.cli", *args], capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_merchant_and_channel_commands(tmp_path: Path) -> None:
    parent = json.loads(paymux(tmp_path, "merchant", "create", "--name", "Agency", "--json").stdout)
    assert re.fullmatch(r"imp\d{8}", parent["user_code"]) and parent["imp_key"] and len(parent["imp_secret"]) >= 40
    child = json.loads(paymux(tmp_path, "merchant", "create", "--name", "Tenant", "--parent", parent["user_code"], "--json").stdout)
    assert child["tier_code"] and child["user_code"] != parent["user_code"]

    add = ["channel", "add", "--merchant", parent["user_code"], "--json"]
    first = json.loads(paymux(tmp_path, *add, "--pg", "html5_inicis", "--mid", "MID-a", "--type", "general", "--mode", "test").stdout)
    assert first["default"] is True  # the first channel becomes the default
    json.loads(paymux(tmp_path, *add, "--pg", "html5_inicis", "--mid", "MID-b", "--type", "subscription").stdout)
    kakao = json.loads(paymux(tmp_path, *add, "--pg", "kakaopay", "--type", "simple", "--default").stdout)
    assert (kakao["mid"], kakao["default"]) == ("TC0ONETIME", True)

    listed = json.loads(paymux(tmp_path, "channel", "list", "--merchant", parent["user_code"], "--json").stdout)
    assert [c["pg_string"] for c in listed] == ["html5_inicis.MID-a", "html5_inicis.MID-b", "kakaopay.TC0ONETIME"]
    assert [c["default"] for c in listed] == [False, False, True]

    refused = paymux(tmp_path, *add, "--pg", "mobilians", "--type", "api", check=False)
    assert refused.returncode != 0 and "API" in refused.stderr
    duplicate = paymux(tmp_path, *add, "--pg", "html5_inicis", "--mid", "MID-a", "--type", "general", check=False)
    assert duplicate.returncode != 0 and "already exists" in duplicate.stderr
    unknown = paymux(tmp_path, "channel", "list", "--merchant", "imp00000000", check=False)
    assert unknown.returncode != 0 and "no merchant" in unknown.stderr


def test_serve_answers_health_and_the_api(tmp_path: Path) -> None:
    created = json.loads(paymux(tmp_path, "merchant", "create", "--name", "Shop", "--json").stdout)
    process, base = start_paymux_process(tmp_path, "serve")
    try:
        token = httpx.post(f"{base}/users/getToken", json={"imp_key": created["imp_key"], "imp_secret": created["imp_secret"]})
        assert token.json()["code"] == 0
        assert httpx.get(f"{base}/openapi.json").json()["paths"]["/subscribe/payments/again"]
    finally:
        stop_process(process)


def test_demo_seeds_fixed_sandbox_credentials(tmp_path: Path) -> None:
    out = paymux(tmp_path, "demo", "--no-serve").stdout
    assert "imp10000000" in out and "2000000000000001" in out
    again = paymux(tmp_path, "demo", "--no-serve").stdout  # idempotent
    assert "imp10000000" in again
    listed = json.loads(paymux(tmp_path, "channel", "list", "--merchant", "imp10000000", "--json").stdout)
    assert {c["pg"] for c in listed} >= {"html5_inicis", "kakaopay", "mobilians", "kcp", "nice"}


def test_more_than_one_worker_needs_postgresql(tmp_path: Path) -> None:
    refused = paymux(tmp_path, "serve", "--workers", "2", check=False)
    assert refused.returncode != 0 and "postgresql://" in refused.stderr


@pytest.mark.parametrize("args", [["merchant", "create", "--name", ""], ["channel", "add", "--merchant", "x", "--pg", "x", "--type", "nope"]])
def test_bad_cli_input_is_a_clear_error(tmp_path: Path, args: list[str]) -> None:
    result = paymux(tmp_path, *args, check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr and result.stderr.strip()

"""``paymux user create`` and the demo's console user, through the real command line and server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.console.support import csrf_of
from tests.harness import start_paymux_process, stop_process
from tests.test_cli import paymux


def _create_user(data_dir: Path, user_code: str, email: str, password: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "PAYMUX_DATA_DIR": str(data_dir)}
    env.pop("PAYMUX_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "paymux.cli", "user", "create", "--merchant", user_code, "--email", email, "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, env=env, timeout=120,
    )


def _login(base: str, email: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/console/login")
        return client.post("/console/login", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)})


def test_user_create_reads_the_password_from_stdin_and_the_demo_seeds_a_user(tmp_path: Path) -> None:
    shop = json.loads(paymux(tmp_path, "merchant", "create", "--name", "CLI shop", "--json").stdout)
    made = _create_user(tmp_path, shop["user_code"], "Owner@CLI.example", "a long enough password")
    assert made.returncode == 0 and "owner@cli.example" in made.stdout
    assert "a long enough password" not in made.stdout + made.stderr
    again = _create_user(tmp_path, shop["user_code"], "owner@cli.example", "another long password")
    assert again.returncode != 0 and "already exists" in again.stderr
    short = _create_user(tmp_path, shop["user_code"], "second@cli.example", "short")
    assert short.returncode != 0 and "password" in short.stderr
    unknown = _create_user(tmp_path, "imp00000000", "third@cli.example", "a long enough password")
    assert unknown.returncode != 0 and "no merchant" in unknown.stderr

    banner = paymux(tmp_path, "demo", "--no-serve").stdout
    assert "demo@paymux.local" in banner and "paymux-demo-console" in banner
    assert "demo@paymux.local" in paymux(tmp_path, "demo", "--no-serve").stdout  # a second run is fine

    process, base = start_paymux_process(tmp_path, "serve")
    try:
        assert _login(base, "owner@cli.example", "a long enough password").status_code == 303
        assert _login(base, "demo@paymux.local", "paymux-demo-console").status_code == 303
    finally:
        stop_process(process)


def _reset_password(data_dir: Path, email: str, password: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "PAYMUX_DATA_DIR": str(data_dir)}
    env.pop("PAYMUX_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "paymux.cli", "user", "reset-password", "--email", email, "--password-stdin", "--json"],
        input=password + "\n", capture_output=True, text=True, env=env, timeout=120,
    )


def test_operators_list_merchants_and_users_and_reset_a_password(tmp_path: Path) -> None:
    """#14 item 8: ``merchant list``, ``user list`` and ``user reset-password``, each with ``--json``."""
    shop = json.loads(paymux(tmp_path, "merchant", "create", "--name", "Listed shop", "--json").stdout)
    other = json.loads(paymux(tmp_path, "merchant", "create", "--name", "Other shop", "--json").stdout)
    assert _create_user(tmp_path, shop["user_code"], "owner@listed.example", "first long password").returncode == 0
    assert _create_user(tmp_path, other["user_code"], "owner@other.example", "other long password").returncode == 0

    merchants = json.loads(paymux(tmp_path, "merchant", "list", "--json").stdout)
    assert [(m["user_code"], m["name"]) for m in merchants] == [(shop["user_code"], "Listed shop"), (other["user_code"], "Other shop")]
    assert shop["imp_secret"] not in json.dumps(merchants)  # never a secret
    assert shop["user_code"] in paymux(tmp_path, "merchant", "list").stdout

    users = json.loads(paymux(tmp_path, "user", "list", "--json").stdout)
    assert [(u["email"], u["merchant"], u["locked"]) for u in users] == [
        ("owner@listed.example", shop["user_code"], False), ("owner@other.example", other["user_code"], False)]
    mine = json.loads(paymux(tmp_path, "user", "list", "--merchant", shop["user_code"], "--json").stdout)
    assert [u["email"] for u in mine] == ["owner@listed.example"]
    unknown = paymux(tmp_path, "user", "list", "--merchant", "imp00000000", check=False)
    assert unknown.returncode != 0 and "no merchant" in unknown.stderr

    reset = _reset_password(tmp_path, "Owner@Listed.example", "second long password")
    assert reset.returncode == 0 and json.loads(reset.stdout)["email"] == "owner@listed.example"
    assert "second long password" not in reset.stdout + reset.stderr
    missing = _reset_password(tmp_path, "nobody@listed.example", "second long password")
    assert missing.returncode != 0 and "no console user" in missing.stderr

    process, base = start_paymux_process(tmp_path, "serve")
    try:
        assert _login(base, "owner@listed.example", "first long password").status_code != 303
        assert _login(base, "owner@listed.example", "second long password").status_code == 303
    finally:
        stop_process(process)

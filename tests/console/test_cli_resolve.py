"""``paymux channel resolve``: the operator gets the same answer, with the same rule, as the console
and the window (issue #14 item 1), through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import paymux


def test_channel_resolve_answers_like_the_window_with_the_rule(tmp_path: Path) -> None:
    shop = json.loads(paymux(tmp_path, "merchant", "create", "--name", "KCP shop", "--json").stdout)
    code = shop["user_code"]
    paymux(tmp_path, "channel", "add", "--merchant", code, "--pg", "html5_inicis", "--type", "general", "--default")
    paymux(tmp_path, "channel", "add", "--merchant", code, "--pg", "kcp", "--type", "api", "--mid", "BA001")
    paymux(tmp_path, "channel", "add", "--merchant", code, "--pg", "kcp", "--type", "general", "--mid", "T0000")

    window = json.loads(paymux(tmp_path, "channel", "resolve", "--merchant", code, "--pg", "kcp", "--json").stdout)
    assert (window["channel"]["pg_string"], window["rule"], window["skipped"]) == ("kcp.T0000", "first_of_pg", ["kcp.BA001"])
    api = json.loads(paymux(tmp_path, "channel", "resolve", "--merchant", code, "--pg", "kcp", "--for", "billing_api",
                            "--json").stdout)
    assert (api["channel"]["pg_string"], api["rule"]) == ("kcp.BA001", "first_of_pg")
    unknown = json.loads(paymux(tmp_path, "channel", "resolve", "--merchant", code, "--pg", "nosuchpg", "--json").stdout)
    assert (unknown["rule"], unknown["fallback"]) == ("default", "unknown_pg")
    text = paymux(tmp_path, "channel", "resolve", "--merchant", code, "--pg", "kcp").stdout
    assert "kcp.T0000" in text and "first_of_pg" in text and "kcp.BA001" in text
    refused = paymux(tmp_path, "channel", "resolve", "--merchant", code, "--pg", "kcp", "--for", "billing_window", check=False)
    assert refused.returncode != 0 and "cannot be used for billing_window" in refused.stderr


def test_channel_remove_refuses_the_default_without_a_successor(tmp_path: Path) -> None:
    shop = json.loads(paymux(tmp_path, "merchant", "create", "--name", "Remove shop", "--json").stdout)
    code = shop["user_code"]
    first = json.loads(paymux(tmp_path, "channel", "add", "--merchant", code, "--pg", "html5_inicis", "--type", "general",
                              "--json").stdout)
    second = json.loads(paymux(tmp_path, "channel", "add", "--merchant", code, "--pg", "kcp", "--type", "api", "--json").stdout)
    refused = paymux(tmp_path, "channel", "remove", "--merchant", code, "--id", str(first["id"]), check=False)
    assert refused.returncode != 0 and "new default" in refused.stderr
    removed = json.loads(paymux(tmp_path, "channel", "remove", "--merchant", code, "--id", str(first["id"]),
                                "--new-default", str(second["id"]), "--json").stdout)
    assert removed["removed"]["pg_string"] == first["pg_string"]
    assert [(c["pg_string"], c["default"]) for c in removed["channels"]] == [(second["pg_string"], True)]
    unknown = paymux(tmp_path, "channel", "remove", "--merchant", code, "--id", "999999", check=False)
    assert unknown.returncode != 0 and "no channel 999999" in unknown.stderr

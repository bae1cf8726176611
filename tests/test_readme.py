"""The README's curl example works against `paymux demo`, as a new user would run it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.harness import start_paymux_process, stop_process

README = Path(__file__).parent.parent / "README.md"


def _example_block() -> str:
    text = README.read_text()
    marker = text.index("<!-- readme-example")
    return re.search(r"```sh\n(.*?)```", text[marker:], re.S).group(1)  # type: ignore[union-attr]


def test_readme_curl_example_against_demo(tmp_path: Path) -> None:
    server, base = start_paymux_process(tmp_path, "demo")
    try:
        script = _example_block().replace("http://127.0.0.1:8000", base)
        result = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        replies, decoder, rest = [], json.JSONDecoder(), result.stdout.strip()
        while rest:  # curl prints the bodies back to back
            reply, end = decoder.raw_decode(rest)
            replies.append(reply)
            rest = rest[end:].strip()
        assert [reply["code"] for reply in replies] == [0, 0, 0]
        issued, paid, found = (reply["response"] for reply in replies)
        assert issued["card_number"] == "123412******1234"
        assert (paid["status"], paid["amount"], paid["merchant_uid"]) == ("paid", 3000, "order_id_8237352")
        assert found["imp_uid"] == paid["imp_uid"]
    finally:
        stop_process(server)

"""The npm i'mport clients under the machine's Node.js: ``driver.js`` in one process, one call a line.

``ensure_installed()`` runs ``scripts/ensure-npm-clients.sh`` (``npm ci`` from the committed lock);
``NodeClients`` starts the driver pointed at a paymux and calls a client's method by name, returning
what the client hands its caller (see driver.js for each client's shape).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NPM_CLIENTS = ("iamport", "iamport-rest-client-nodejs", "iamporter", "iamport-server-api")


def ensure_installed() -> None:
    """Install the pinned clients (once per lock change); skip without Node.js, except in CI."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js and npm are required in CI to run the npm i'mport clients")
        pytest.skip("Node.js/npm not installed: the npm i'mport clients cannot run")
    done = subprocess.run(["sh", str(ROOT / "scripts" / "ensure-npm-clients.sh")], capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        pytest.fail(f"npm ci of tests/clients failed: {done.stderr[-2000:]}")


class NodeClients:
    """One ``node driver.js`` process with the four clients built for one merchant."""

    def __init__(self, base_url: str, imp_key: str, imp_secret: str) -> None:
        self._process = subprocess.Popen(
            ["node", str(HERE / "driver.js")], cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )
        self._send({"op": "init", "base_url": base_url, "imp_key": imp_key, "imp_secret": imp_secret})

    def _send(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            stderr = self._process.stderr.read() if self._process.stderr else ""
            raise RuntimeError(f"driver.js exited: {stderr[-2000:]}")
        answer = json.loads(line)
        if "crashed" in answer:
            raise RuntimeError(f"driver.js failed on {message}: {answer['crashed']}")
        return answer

    def methods(self) -> dict[str, list[str]]:
        """Every method each client offers, read from the installed package."""
        return self._send({"op": "methods"})["value"]

    def versions(self) -> dict[str, str]:
        """Each client's installed version (its package.json)."""
        return self._send({"op": "versions"})["value"]

    def call(self, client: str, method: str, *args: Any) -> dict[str, Any]:
        """``{"ok": True, "value": …}`` or ``{"ok": False, "error": …}``, as the client resolved/rejected."""
        return self._send({"op": "call", "client": client, "method": method, "args": list(args)})

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=30)

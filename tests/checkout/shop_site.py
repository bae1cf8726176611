"""A merchant's shop on its own origin (another loopback port): pages that load paymux's SDK.

The pages are the seeds' published ``IMP.request_pay`` examples, changed only in the script URL
(and a unique order id), so the browser tests run them exactly as a shop would.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

SHOP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title>
<script src="{script_url}"></script></head>
<body>
<button id="pay" data-testid="pay">결제하기</button>
<pre id="rsp" data-testid="rsp"></pre>
<script>
{init}
document.getElementById("pay").addEventListener("click", function () {{
  IMP.{call}({param}, function (rsp) {{ // callback 로직
    document.getElementById("rsp").textContent = JSON.stringify(rsp);
  }});
}});
</script>
</body></html>"""

COMPLETE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>complete</title></head>
<body><h1 data-testid="complete">주문 완료 페이지</h1></body></html>"""


class ShopSite:
    """Serves registered pages from 127.0.0.1 on a port of its own (a different origin from paymux)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {"/complete": COMPLETE_PAGE}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = site.pages.get(urlsplit(self.path).path)
                status = 200 if body is not None else 404
                data = (body or "not found").encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def shop_page(self, gateway_url: str, user_code: str, param_js: str, *, tier_code: str | None = None,
                  call: str = "request_pay") -> str:
        """Register a page whose button runs ``IMP.request_pay(<param_js>, callback)``; return its URL."""
        init = f"IMP.agency({json.dumps(user_code)}, {json.dumps(tier_code)});" if tier_code else f"IMP.init({json.dumps(user_code)});"
        path = f"/shop-{secrets.token_hex(4)}.html"
        self.pages[path] = SHOP_PAGE.format(
            script_url=f"{gateway_url}/v1/iamport.js", init=init, call=call, param=param_js
        )
        return self.origin + path

"""``/docs``: Swagger UI over ``/openapi.json``, served entirely by paymux.

FastAPI's own page loads swagger-ui from a CDN and starts it with an inline script: blank offline,
and impossible under a strict Content-Security-Policy. Here the page, its start-up script and
swagger-ui's files (from the ``fastapi-offline`` package, which ships swagger-ui's dist bundle) all
come from paymux, so ``/docs`` works offline under ``script-src 'self'`` (``paymux.security_headers``).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from starlette.responses import FileResponse, HTMLResponse, Response

from paymux.domain.errors import NotFound

SWAGGER_DIST = Path(fastapi_offline.__file__).parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>paymux API (i'mport V1)</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/start.js"></script>
</body>
</html>
"""

# No validator badge (it would load an image from swagger.io) and no OAuth redirect page.
_START = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
});
"""


@router.get("/docs")
async def docs() -> HTMLResponse:
    return HTMLResponse(_PAGE)


@router.get("/docs/assets/{name}")
async def docs_asset(name: str) -> Response:
    if name == "start.js":
        return Response(_START, media_type="application/javascript; charset=utf-8",
                        headers={"cache-control": "public, max-age=3600"})
    if name not in ASSETS:
        raise NotFound("no such file")
    return FileResponse(SWAGGER_DIST / name, media_type=ASSETS[name], headers={"cache-control": "public, max-age=86400"})

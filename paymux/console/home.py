"""``/``: where a person who opens paymux's address lands (the console, the demo shop, the API docs),
instead of the API's JSON 404; and the favicon every page of paymux uses."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from paymux.console.web import language_of

router = APIRouter(include_in_schema=False)

FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="7" fill="#2f5bea"/>'
    '<path d="M9 24V8h7.5a5 5 0 0 1 0 10H13v6z M13 11.5v3h3.3a1.5 1.5 0 0 0 0-3z" fill="#fff" fill-rule="evenodd"/>'
    "</svg>"
)

_TEXT = {
    "ko": ("paymux — 결제 게이트웨이", "아임포트(i'mport) V1 API와 결제창을 그대로 쓰는 자체 운영 결제 게이트웨이입니다.",
           "관리자 콘솔", "PG 설정, 결제 내역, 취소, 웹훅", "데모 상점", "테스트 카드로 결제창을 열어 봅니다",
           "API 문서", "REST API (OpenAPI)"),
    "en": ("paymux — payment gateway", "A self-hosted payment gateway that speaks the i'mport V1 API and its payment window.",
           "Merchant console", "PG settings, payments, cancels, webhooks", "Demo shop", "Open the payment window with a test card",
           "API docs", "The REST API (OpenAPI)"),
}

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/static/console.css"></head>
<body><main><section class="card" data-testid="home">
<h1>{title}</h1><p class="muted">{intro}</p>
<ul class="plain home-links">
<li><a href="/console" data-testid="home-console"><strong>{console}</strong></a> — {console_help}</li>
<li><a href="/demo" data-testid="home-demo"><strong>{demo}</strong></a> — {demo_help}</li>
<li><a href="/docs" data-testid="home-docs"><strong>{docs}</strong></a> — {docs_help}</li>
</ul></section></main></body></html>"""


@router.get("/")
async def home(request: Request) -> HTMLResponse:
    lang = language_of(request)
    title, intro, console, console_help, demo, demo_help, docs, docs_help = _TEXT["en" if lang == "en" else "ko"]
    return HTMLResponse(_PAGE.format(lang=lang, title=title, intro=intro, console=console, console_help=console_help,
                                     demo=demo, demo_help=demo_help, docs=docs, docs_help=docs_help))


@router.get("/favicon.svg")
@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(FAVICON_SVG, media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"})

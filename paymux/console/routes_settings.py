"""Webhook URL, body format and test, other settings (IP whitelist, keys, secret), sub-merchants."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from paymux.console.error_text import localized_error
from paymux.console.web import PREFIX, Console, ConsoleRoute, signed_in
from paymux.domain.errors import Conflict, InvalidParameter, NotFound
from paymux.services import channels as channel_service
from paymux.services import merchants as merchant_service
from paymux.services import reports
from paymux.webhooks.delivery import send_test_webhook
from paymux.webhooks.outbox import (
    WEBHOOK_FORMATS,
    resend_webhook,
    rotate_webhook_secret,
    set_webhook_format,
    webhook_format,
    webhook_secret,
)

router = APIRouter(route_class=ConsoleRoute)
SignedIn = Annotated[Console, Depends(signed_in)]


async def _webhook_page(console: Console, status: int = 200, **values: Any) -> Response:
    values.setdefault("url", console.own.webhook_url or "")
    values.setdefault("body_format", await webhook_format(console.runtime, console.own.id))
    values.setdefault("errors", {})
    params = console.request.query_params
    log_filter = {"state": params.get("state", ""), "search": params.get("search", "")}
    before = params.get("before", "")
    try:
        log = await reports.webhook_log(console.runtime, console.own.id, **log_filter,
                                        before=int(before) if before.isdigit() and len(before) < 13 else None)
    except InvalidParameter as error:
        values["errors"] = {**values["errors"], "state": console.error_text(error)}
        log = reports.WebhookLog([], None)
    log = reports.WebhookLog(console.webhook_events(log.events), log.next_before)
    return console.render("webhook.html", status=status, formats=WEBHOOK_FORMATS, log=log, log_filter=log_filter,
                          states=reports.WEBHOOK_STATES, **values)


@router.get(PREFIX + "/webhook")
async def webhook_page(console: SignedIn) -> Response:
    return await _webhook_page(console, saved=console.request.query_params.get("saved") == "1")


@router.post(PREFIX + "/webhook/secret")
async def webhook_secret_reveal(console: SignedIn) -> Response:
    """The signing secret, shown only in answer to this POST (never on a GET, never in a URL)."""
    await console.form()
    return await _webhook_page(console, secret=await webhook_secret(console.runtime, console.own.id))


@router.post(PREFIX + "/webhook/secret/rotate")
async def webhook_secret_rotate(console: SignedIn) -> Response:
    """A new signing secret, shown once in the answer; deliveries from now on are signed with it."""
    await console.form()
    secret = await rotate_webhook_secret(console.runtime, console.own.id)
    return await _webhook_page(console, secret=secret, rotated=True)


@router.post(PREFIX + "/webhook/events/{event_id}/resend")
async def webhook_event_resend(event_id: str, console: SignedIn) -> Response:
    """Queue a webhook again, due now (``paymux webhook resend``)."""
    await console.form()
    if not event_id.isdigit() or len(event_id) > 12:
        raise NotFound("no such webhook")
    await resend_webhook(console.runtime, console.own.id, int(event_id))
    return console.redirect(PREFIX + "/webhook", flash="flash.webhook_resent")


@router.post(PREFIX + "/webhook")
async def webhook_save(console: SignedIn) -> Response:
    form = await console.form()
    url = str(form.get("webhook_url", "")).strip()
    body_format = str(form.get("webhook_format", "json"))
    if body_format not in WEBHOOK_FORMATS:
        return await _webhook_page(console, 400, url=url, errors={"webhook_format": console.t("webhook.bad_format")})
    try:
        await merchant_service.set_webhook_url(console.runtime, console.own.id, url or None)
    except InvalidParameter as error:
        message = console.t("webhook.bad_url") + " " + console.error_text(error)
        return await _webhook_page(console, 400, url=url, body_format=body_format, errors={"webhook_url": message})
    await set_webhook_format(console.runtime, console.own.id, body_format)
    return console.redirect(PREFIX + "/webhook?saved=1")


@router.post(PREFIX + "/webhook/test")
async def webhook_test(console: SignedIn) -> Response:
    await console.form()
    try:
        result = await send_test_webhook(console.runtime, console.own)
    except InvalidParameter:
        return await _webhook_page(console, 400, errors={"webhook_url": console.t("webhook.not_set")})
    if result.get("error"):
        result["error"] = localized_error(console.lang, str(result["error"]))
    return await _webhook_page(console, result=result)


def _settings_page(console: Console, status: int = 200, **values: Any) -> Response:
    values.setdefault("whitelist", "\n".join(console.own.ip_whitelist))
    values.setdefault("errors", {})
    return console.render("settings.html", status=status, **values)


@router.get(PREFIX + "/settings")
async def settings_page(console: SignedIn) -> Response:
    return _settings_page(console, saved=console.request.query_params.get("saved") == "1")


@router.post(PREFIX + "/settings/whitelist")
async def whitelist_save(console: SignedIn) -> Response:
    form = await console.form()
    text = str(form.get("ip_whitelist", ""))
    blocks = [line for line in text.replace(",", "\n").splitlines() if line.strip()]
    try:
        await merchant_service.set_ip_whitelist(console.runtime, console.own.id, blocks)
    except InvalidParameter as error:
        message = console.t("settings.bad_cidr") + " " + console.error_text(error).removeprefix("ip_whitelist: ")
        return _settings_page(console, 400, whitelist=text, errors={"ip_whitelist": message})
    return console.redirect(PREFIX + "/settings?saved=1")


@router.post(PREFIX + "/settings/secret")
async def secret_regenerate(console: SignedIn) -> Response:
    await console.form()
    secret = await merchant_service.regenerate_secret(console.runtime, console.own.id)
    return _settings_page(console, new_secret=secret)


async def _subs_page(console: Console, status: int = 200, **values: Any) -> Response:
    values.setdefault("errors", {})
    subs = await merchant_service.list_sub_merchants(console.runtime, console.own.id)
    return console.render("sub_merchants.html", status=status, subs=subs, **values)


@router.get(PREFIX + "/sub-merchants")
async def sub_merchants(console: SignedIn) -> Response:
    return await _subs_page(console)


@router.post(PREFIX + "/sub-merchants")
async def sub_merchant_create(console: SignedIn) -> Response:
    form = await console.form()
    name = str(form.get("name", "")).strip()
    if console.own.parent_id is not None:
        return await _subs_page(console, 400, name=name, errors={"name": console.t("subs.no_nesting")})
    if not name or len(name) > 200:
        return await _subs_page(console, 400, name=name, errors={"name": console.t("subs.name_required")})
    created = await merchant_service.create_merchant(console.runtime, name, parent_user_code=console.own.user_code)
    return console.redirect(f"{PREFIX}/sub-merchants/{created.merchant.user_code}", flash="flash.sub_created")


async def _sub_page(console: Console, user_code: str, status: int = 200, **values: Any) -> Response:
    sub = await merchant_service.get_sub_merchant(console.runtime, console.own.id, user_code)
    values.setdefault("errors", {})
    return console.render(
        "sub_merchant.html", status=status, sub=sub,
        sub_channels=await channel_service.list_channels(console.runtime, sub.id),
        parent_channels=await channel_service.list_channels(console.runtime, console.own.id), **values,
    )


@router.get(PREFIX + "/sub-merchants/{user_code}")
async def sub_merchant(user_code: str, console: SignedIn) -> Response:
    return await _sub_page(console, user_code)


@router.post(PREFIX + "/sub-merchants/{user_code}/channels")
async def sub_merchant_assign(user_code: str, console: SignedIn) -> Response:
    form = await console.form()
    sub = await merchant_service.get_sub_merchant(console.runtime, console.own.id, user_code)
    channel_id = str(form.get("channel_id", ""))
    if not channel_id.isdigit():
        return await _sub_page(console, user_code, 400, errors={"channel_id": console.t("subs.choose_channel")})
    try:
        await channel_service.assign_channel(console.runtime, console.own.id, int(channel_id), sub.id)
    except Conflict:
        return await _sub_page(console, user_code, 400, errors={"channel_id": console.t("subs.already_assigned")})
    return console.redirect(f"{PREFIX}/sub-merchants/{user_code}", flash="flash.channel_assigned")

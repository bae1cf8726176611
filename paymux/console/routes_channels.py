"""PG settings: the channel list in matching order, adding (test or live), editing, deleting,
moving, the default, and "which channel would ``IMP.request_pay`` open for this ``pg``"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.responses import Response

from paymux.console.web import PREFIX, Console, ConsoleRoute, field_of, signed_in
from paymux.domain.channel import PayType, Purpose, canonical_pg_code
from paymux.domain.errors import Conflict, InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.services import channels as channel_service

router = APIRouter(route_class=ConsoleRoute)
SignedIn = Annotated[Console, Depends(signed_in)]
PAY_TYPES = [t.value for t in PayType]


def _channel_id(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise NotFound("no such channel")
    return int(text)


def _list_url(merchant: Merchant, own: Merchant) -> str:
    return PREFIX + "/channels" + ("" if merchant.id == own.id else f"?merchant={merchant.user_code}")


def _credentials(console: Console, form: FormData, pg: str) -> dict[str, str] | None:
    """The credentials typed into the chosen PG's fieldset (empty fields keep stored values)."""
    code = canonical_pg_code(pg) if pg else ""
    names = [field.name for field in console.runtime.connectors.credential_fields(code)] if code else []
    values = {name: str(form.get(f"cred.{code}.{name}", "")).strip() for name in names}
    return {k: v for k, v in values.items() if v} or None


def _credential_groups(console: Console) -> list[dict[str, Any]]:
    registry = console.runtime.connectors
    return [{"pg": code, "name": console.pg_name(code), "fields": registry.credential_fields(code)}
            for code in registry.pg_codes]


def _errors(error: InvalidParameter | Conflict, console: Console) -> dict[str, str]:
    if isinstance(error, Conflict):
        return {"mid": console.t("channels.duplicate") + " — " + console.error_text(error)}
    return {field_of(error): console.error_text(error)}


def _test_cards(console: Console) -> list[dict[str, Any]]:
    """One "integration test" card per PG and pay type, with the PG's test MID."""
    cards = []
    for code in console.runtime.connectors.pg_codes:
        connector = console.runtime.connectors.describe(code)
        for kind in PayType:
            if kind in connector.pay_types and connector.test_mids.get(kind):
                cards.append({"pg": code, "name": console.pg_name(code), "type": kind.value, "mid": connector.test_mids[kind],
                              "credentials": connector.public_test_credentials})
    return cards


def _pg_choices(console: Console) -> list[dict[str, str]]:
    return [{"code": code, "name": console.pg_name(code)}
            for code in console.runtime.connectors.pg_codes]


RESOLVE_PURPOSES = [Purpose.PAYMENT_WINDOW, Purpose.BILLING_WINDOW, Purpose.BILLING_API]


def _purpose(params: Any) -> Purpose:
    """What the merchant asks about: the payment window (the default), the billing-key window
    (``customer_uid``; ``billing=1`` from older links) or the REST billing API."""
    if params.get("billing") == "1":
        return Purpose.BILLING_WINDOW
    try:
        return Purpose(params.get("purpose") or Purpose.PAYMENT_WINDOW.value)
    except ValueError:
        return Purpose.PAYMENT_WINDOW


async def _resolution(console: Console, merchant: Merchant, pg: str | None, purpose: Purpose) -> dict[str, Any] | None:
    """The answer of the one resolver the window and the API use (services.channels.explain)."""
    if pg is None:
        return None
    try:
        resolution = await channel_service.explain(console.runtime, merchant.id, pg, purpose)
    except Refused as refused:
        return {"pg": pg, "refused": console.error_text(refused)}
    return {"pg": pg, "channel": resolution.channel, "rule": resolution.rule.value,
            "fallback": resolution.fallback.value if resolution.fallback else "",
            "skipped": [c.pg_string for c in resolution.skipped]}


async def _list_page(console: Console, merchant: Merchant, status: int = 200, **values: Any) -> Response:
    params = console.request.query_params
    return console.render(
        "channels.html",
        status=status,
        scope=merchant,
        channels=await channel_service.list_channels(console.runtime, merchant.id),
        resolution=values.pop("resolution", None) or await _resolution(console, merchant, params.get("pg"), _purpose(params)),
        pg_value=params.get("pg", ""),
        purpose=_purpose(params).value,
        purposes=[p.value for p in RESOLVE_PURPOSES],
        **values,
    )


@router.get(PREFIX + "/channels")
async def channel_list(console: SignedIn) -> Response:
    return await _list_page(console, await console.scope(console.request.query_params.get("merchant")))


def _new_page(console: Console, merchant: Merchant, status: int = 200, **values: Any) -> Response:
    values.setdefault("values", {"mode": "live", "type": "general"})
    values.setdefault("errors", {})
    return console.render("channel_new.html", status=status, scope=merchant, cards=_test_cards(console),
                          pgs=_pg_choices(console), pay_types=PAY_TYPES, credential_groups=_credential_groups(console),
                          **values)


@router.get(PREFIX + "/channels/new")
async def channel_new(console: SignedIn) -> Response:
    return _new_page(console, await console.scope(console.request.query_params.get("merchant")))


@router.post(PREFIX + "/channels")
async def channel_add(console: SignedIn) -> Response:
    form = await console.form()
    merchant = await console.scope(str(form.get("merchant", "")))
    values = {name: str(form.get(name, "")).strip() for name in ("pg", "type", "mode", "mid", "label", "endpoint")}
    values["default"] = "1" if form.get("default") else ""
    if not values["pg"]:
        return _new_page(console, merchant, 400, values=values, errors={"pg": console.t("channels.pg_required")})
    try:
        await channel_service.add_channel(
            console.runtime, merchant.id, pg=values["pg"], mid=values["mid"] or None, pay_type=values["type"],
            mode=values["mode"], default=bool(values["default"]), label=values["label"],
            credentials=_credentials(console, form, values["pg"]), endpoint=values["endpoint"] or None,
            allow_private_endpoint=console.runtime.settings.pg_endpoint_allow_private,
        )
    except (InvalidParameter, Conflict) as error:
        return _new_page(console, merchant, 400, values=values, errors=_errors(error, console))
    return console.redirect(_list_url(merchant, console.own), flash="flash.channel_added")


def _edit_page(console: Console, merchant: Merchant, channel: Any, status: int = 200, **values: Any) -> Response:
    values.setdefault("values", {"type": channel.pay_type.value, "mode": channel.mode.value, "mid": channel.mid,
                                 "label": channel.label, "endpoint": channel.endpoint or ""})
    values.setdefault("errors", {})
    return console.render("channel_edit.html", status=status, scope=merchant, channel=channel, pay_types=PAY_TYPES,
                          credential_groups=_credential_groups(console), **values)


@router.get(PREFIX + "/channels/{channel_id}/edit")
async def channel_edit_page(channel_id: str, console: SignedIn) -> Response:
    merchant = await console.scope(console.request.query_params.get("merchant"))
    channel = await channel_service.get_channel(console.runtime, merchant.id, _channel_id(channel_id))
    return _edit_page(console, merchant, channel)


@router.post(PREFIX + "/channels/{channel_id}/edit")
async def channel_edit(channel_id: str, console: SignedIn) -> Response:
    form = await console.form()
    merchant = await console.scope(str(form.get("merchant", "")))
    channel = await channel_service.get_channel(console.runtime, merchant.id, _channel_id(channel_id))
    values = {name: str(form.get(name, "")).strip() for name in ("type", "mode", "mid", "label", "endpoint")}
    try:
        await channel_service.update_channel(
            console.runtime, merchant.id, channel.id, mid=values["mid"] or None, pay_type=values["type"],
            mode=values["mode"], label=values["label"], credentials=_credentials(console, form, channel.pg_provider),
            endpoint=values["endpoint"] or None, allow_private_endpoint=console.runtime.settings.pg_endpoint_allow_private,
        )
    except (InvalidParameter, Conflict) as error:
        return _edit_page(console, merchant, channel, 400, values=values, errors=_errors(error, console))
    return console.redirect(_list_url(merchant, console.own), flash="flash.channel_saved")


@router.post(PREFIX + "/channels/{channel_id}/delete")
async def channel_delete(channel_id: str, console: SignedIn) -> Response:
    form = await console.form()
    merchant = await console.scope(str(form.get("merchant", "")))
    channel = await channel_service.get_channel(console.runtime, merchant.id, _channel_id(channel_id))
    new_default = str(form.get("new_default", ""))
    try:
        await channel_service.delete_channel(
            console.runtime, merchant.id, channel.id, int(new_default) if new_default.isdigit() else None
        )
    except InvalidParameter as error:
        message = console.t("channels.choose_new_default") if error.field == "new_default" else console.error_text(error)
        return await _list_page(console, merchant, 400, delete_error={"channel_id": channel.id, "message": message})
    return console.redirect(_list_url(merchant, console.own), flash="flash.channel_deleted")


@router.post(PREFIX + "/channels/{channel_id}/move")
async def channel_move(channel_id: str, console: SignedIn) -> Response:
    form = await console.form()
    merchant = await console.scope(str(form.get("merchant", "")))
    direction = str(form.get("direction", ""))
    await channel_service.move_channel(console.runtime, merchant.id, _channel_id(channel_id),
                                       direction if direction in ("up", "down") else "up")
    return console.redirect(_list_url(merchant, console.own), flash="flash.channel_moved")


@router.post(PREFIX + "/channels/{channel_id}/default")
async def channel_default(channel_id: str, console: SignedIn) -> Response:
    form = await console.form()
    merchant = await console.scope(str(form.get("merchant", "")))
    await channel_service.set_default_channel(console.runtime, merchant.id, _channel_id(channel_id))
    return console.redirect(_list_url(merchant, console.own), flash="flash.channel_default")

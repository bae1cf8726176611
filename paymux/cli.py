"""``paymux``: serve, migrate, and the operator's merchant and channel commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from paymux.config import Settings, uvicorn_proxy_options
from paymux.demo import (
    DEMO_CONSOLE_EMAIL,
    DEMO_CONSOLE_PASSWORD,
    DEMO_IMP_KEY,
    DEMO_IMP_SECRET,
    DEMO_USER_CODE,
)
from paymux.domain.errors import Conflict, PaymuxError
from paymux.services import channels as channel_service
from paymux.services import merchants as merchant_service
from paymux.services.runtime import Runtime
from paymux.store.migrate import upgrade_to_head
from paymux.vault import Vault

T = TypeVar("T")

DEMO_CHANNELS = (
    # (pg, type, default): console order is matching order
    ("html5_inicis", "general", True),
    ("html5_inicis", "subscription", False),
    ("html5_inicis", "api", False),
    ("kakaopay", "simple", False),
    ("mobilians", "general", False),
    ("mobilians", "subscription", False),
    ("kcp", "api", False),
    ("nice", "api", False),
)


def _run(settings: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    async def main() -> T:
        runtime = Runtime.build(settings)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except PaymuxError as error:
        raise click.ClickException(error.message) from None


def _emit(data: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for key, value in data.items():
            click.echo(f"{key}: {value}")


@click.group()
@click.pass_context
def main(context: click.Context) -> None:
    """paymux: a self-hosted i'mport (PortOne) V1 compatible payment gateway."""
    try:
        context.obj = Settings.from_env()
    except ValueError as wrong:  # a setting that does not parse: say which, no traceback
        raise click.ClickException(str(wrong)) from None


@main.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Create or upgrade the database schema."""
    upgrade_to_head(settings.database_url)
    click.echo(f"schema is up to date ({_describe_db(settings)})")


def _describe_db(settings: Settings) -> str:
    if settings.is_sqlite:
        return "SQLite at " + settings.database_url.removeprefix("sqlite+aiosqlite:///")
    return "PostgreSQL"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="worker processes (PostgreSQL for more than 1)")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="one log line per request")
@click.option("--log-format", type=click.Choice(["json", "human"]), default=None,
              help="default: PAYMUX_LOG_FORMAT, else human on a terminal and json otherwise")
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int, access_log: bool, log_format: str | None) -> None:
    """Run the gateway (migrates first)."""
    _serve(settings, host, port, workers, access_log, log_format)


def _serve(
    settings: Settings, host: str, port: int, workers: int, access_log: bool = True, log_format: str | None = None
) -> None:
    import uvicorn

    from paymux.observability import serving

    if workers > 1 and settings.is_sqlite:
        raise click.ClickException("SQLite supports one worker; set PAYMUX_DATABASE_URL=postgresql://… for more")
    upgrade_to_head(settings.database_url)
    os.environ.setdefault("PAYMUX_PUBLIC_URL", f"http://{host}:{port}")
    click.echo(f"paymux on http://{host}:{port} ({_describe_db(settings)}; data in {settings.data_dir})")
    try:
        prepared = serving.prepare(log_format, request_lines=access_log)
    except ValueError as wrong:
        raise click.ClickException(str(wrong)) from None
    try:
        uvicorn.run(
            "paymux.observability.serving:create_served_app", factory=True, host=host, port=port, workers=workers,
            log_level="info", **serving.uvicorn_options(), **uvicorn_proxy_options(settings),
        )
    finally:
        prepared.close()


@main.command()
@click.pass_obj
def worker(settings: Settings) -> None:
    """Run only the background jobs (webhook delivery, schedules, reconciliation), no HTTP."""
    from paymux.observability.logs import configure_logging
    from paymux.workers import registered_jobs, run_job_forever

    upgrade_to_head(settings.database_url)
    names = ", ".join(job.name for job in registered_jobs())
    click.echo(f"paymux worker: {names} ({_describe_db(settings)})")
    try:
        configure_logging()  # PAYMUX_LOG_FORMAT, as `serve`
    except ValueError as wrong:
        raise click.ClickException(str(wrong)) from None

    async def work(runtime: Runtime) -> None:
        import asyncio

        await asyncio.gather(*(run_job_forever(runtime, job) for job in registered_jobs()))

    try:
        _run(settings, work)
    except KeyboardInterrupt:
        pass


@main.group()
def merchant() -> None:
    """Merchants and sub-merchants."""


@merchant.command("create")
@click.option("--name", required=True)
@click.option("--parent", "parent", default=None, help="user code of the parent merchant (makes a sub-merchant)")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.pass_obj
def merchant_create(settings: Settings, name: str, parent: str | None, as_json: bool) -> None:
    """Create a merchant and print its user code, imp_key and imp_secret (shown only now)."""
    upgrade_to_head(settings.database_url)
    created = _run(settings, lambda rt: merchant_service.create_merchant(rt, name, parent_user_code=parent))
    _emit(created.as_dict(), as_json)


@merchant.command("list")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.pass_obj
def merchant_list(settings: Settings, as_json: bool) -> None:
    """Every merchant: user code, name, imp_key, parent, webhook URL (never a secret)."""
    upgrade_to_head(settings.database_url)
    found = _run(settings, merchant_service.list_merchants)
    codes = {m.id: m.user_code for m in found}
    rows = [{"user_code": m.user_code, "name": m.name, "imp_key": m.imp_key, "parent": codes.get(m.parent_id or 0),
             "tier_code": m.tier_code, "webhook_url": m.webhook_url} for m in found]
    _emit_rows(rows, as_json)


def _emit_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo("  ".join(f"{key}={value}" for key, value in row.items() if value is not None))


@main.group()
def channel() -> None:
    """PG channels (PG settings) of a merchant."""


def _channel_dict(item: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "pg": item.pg_provider,
        "mid": item.mid,
        "type": item.pay_type.value,
        "mode": item.mode.value,
        "default": item.is_default,
        "pg_string": item.pg_string,
        "endpoint": item.endpoint,
    }


@channel.command("add")
@click.option("--merchant", "user_code", required=True, help="merchant user code (imp########)")
@click.option("--pg", required=True, help="PG code: html5_inicis, kakaopay, mobilians, tosspayments, kcp, nice")
@click.option("--mid", default=None, help="Merchant ID; test mode defaults to the PG's test MID")
@click.option("--type", "pay_type", type=click.Choice(["general", "subscription", "simple", "api"]), required=True)
@click.option("--mode", type=click.Choice(["test", "live"]), default="test", show_default=True)
@click.option("--default", "is_default", is_flag=True, help="make this the default channel")
@click.option("--endpoint", default=None, help="base URL speaking the PG's protocol (an emulator or staging host); "
              "default: the PG's own hosts (live) or the built-in sandbox (test)")
@click.option("--credentials-stdin", "credentials_stdin", is_flag=True,
              help='read the PG credentials as a JSON object from standard input, e.g. {"sign_key": "…", "iniapi_key": "…", "iniapi_iv": "…"}')
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def channel_add(
    settings: Settings, user_code: str, pg: str, mid: str | None, pay_type: str, mode: str, is_default: bool,
    endpoint: str | None, credentials_stdin: bool, as_json: bool,
) -> None:
    """Append a channel to a merchant's list (the order is the matching order)."""
    credentials = _credentials_from_stdin() if credentials_stdin else None

    async def work(runtime: Runtime) -> Any:
        owner = await merchant_service.get_merchant(runtime, user_code)
        return await channel_service.add_channel(
            runtime, owner.id, pg=pg, mid=mid, pay_type=pay_type, mode=mode, default=is_default,
            credentials=credentials, endpoint=endpoint, allow_private_endpoint=True,
        )

    _emit(_channel_dict(_run(settings, work)), as_json)


def _credentials_from_stdin() -> dict[str, str]:
    try:
        data = json.loads(sys.stdin.read() or "{}")
    except ValueError:
        raise click.BadParameter("standard input must be a JSON object of credentials", param_hint="--credentials-stdin") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise click.BadParameter("standard input must be a JSON object of string values", param_hint="--credentials-stdin")
    return data


@channel.command("list")
@click.option("--merchant", "user_code", required=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def channel_list(settings: Settings, user_code: str, as_json: bool) -> None:
    """List a merchant's channels in matching order."""

    async def work(runtime: Runtime) -> Any:
        owner = await merchant_service.get_merchant(runtime, user_code)
        return await channel_service.list_channels(runtime, owner.id)

    items = [_channel_dict(c) for c in _run(settings, work)]
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    for item in items:
        flag = " (default)" if item["default"] else ""
        click.echo(f"{item['position']:>3}  {item['pg_string']:<32} {item['type']:<13} {item['mode']}{flag}")


@channel.command("remove")
@click.option("--merchant", "user_code", required=True)
@click.option("--id", "channel_id", required=True, type=int, help="channel id (see `paymux channel list --json`)")
@click.option("--new-default", "new_default", type=int, default=None,
              help="the channel that becomes the default when the default one is removed")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def channel_remove(settings: Settings, user_code: str, channel_id: int, new_default: int | None, as_json: bool) -> None:
    """Remove a channel from a merchant's list (one that payments used is kept out of sight, for their cancels)."""

    async def work(runtime: Runtime) -> Any:
        owner = await merchant_service.get_merchant(runtime, user_code)
        removed = await channel_service.get_channel(runtime, owner.id, channel_id)
        await channel_service.delete_channel(runtime, owner.id, channel_id, new_default)
        return removed, await channel_service.list_channels(runtime, owner.id)

    removed, remaining = _run(settings, work)
    if as_json:
        click.echo(json.dumps({"removed": _channel_dict(removed), "channels": [_channel_dict(c) for c in remaining]}, indent=2))
        return
    click.echo(f"removed {removed.pg_string} ({removed.pay_type.value}); {len(remaining)} channel(s) left")


@channel.command("resolve")
@click.option("--merchant", "user_code", required=True)
@click.option("--pg", default="", help="the pg value as passed to IMP.request_pay (empty: none)")
@click.option("--for", "purpose", type=click.Choice(["payment_window", "billing_window", "billing_api"]),
              default="payment_window", show_default=True,
              help="payment_window: IMP.request_pay; billing_window: with customer_uid; billing_api: REST again/onetime")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def channel_resolve(settings: Settings, user_code: str, pg: str, purpose: str, as_json: bool) -> None:
    """Which channel opens for a pg value, and the rule that matched (the resolver the window and API use)."""
    from paymux.domain.channel import Purpose

    async def work(runtime: Runtime) -> Any:
        owner = await merchant_service.get_merchant(runtime, user_code)
        return await channel_service.explain(runtime, owner.id, pg or None, Purpose(purpose))

    resolution = _run(settings, work)
    data = {
        "pg": pg, "for": purpose, "channel": _channel_dict(resolution.channel), "rule": resolution.rule.value,
        "fallback": resolution.fallback.value if resolution.fallback else None,
        "skipped": [c.pg_string for c in resolution.skipped],
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    fallback = f" ({data['fallback']})" if data["fallback"] else ""
    skipped = f"; skipped {', '.join(data['skipped'])} (type cannot serve {purpose})" if data["skipped"] else ""
    click.echo(f"{resolution.channel.pg_string} ({resolution.channel.pay_type.value}) by rule {data['rule']}{fallback}{skipped}")


@main.group()
def vault() -> None:
    """The encryption keys of billing keys and PG credentials."""


@vault.command("rotate")
@click.pass_obj
def vault_rotate(settings: Settings) -> None:
    """Re-seal every secret under the current key (the first of PAYMUX_VAULT_KEYS)."""
    from paymux.services.vault_rotation import reseal_all

    count = _run(settings, reseal_all)
    click.echo(f"re-sealed {count} record(s) under key {Vault.load(settings.vault_keys, settings.data_dir).current_key_id}")


@main.group()
def webhook() -> None:
    """Webhooks of a merchant: the signing secret, the delivery log, resending."""


def _with_merchant(user_code: str, work: Callable[[Runtime, int], Awaitable[T]]) -> Callable[[Runtime], Awaitable[T]]:
    async def run(runtime: Runtime) -> T:
        owner = await merchant_service.get_merchant(runtime, user_code)
        return await work(runtime, owner.id)

    return run


@webhook.command("secret")
@click.option("--merchant", "user_code", required=True, help="merchant user code (imp########)")
@click.option("--rotate", is_flag=True, help="issue a new secret; the old one signs nothing more")
@click.pass_obj
def webhook_secret(settings: Settings, user_code: str, rotate: bool) -> None:
    """Print the Standard Webhooks signing secret (whsec_…) receivers verify with; ``--rotate`` issues a
    new one, in force for every delivery from now on."""
    from paymux.webhooks.outbox import rotate_webhook_secret
    from paymux.webhooks.outbox import webhook_secret as get_secret

    click.echo(_run(settings, _with_merchant(user_code, rotate_webhook_secret if rotate else get_secret)))


@webhook.command("format")
@click.option("--merchant", "user_code", required=True)
@click.argument("body_format", required=False, type=click.Choice(["json", "form"]))
@click.pass_obj
def webhook_format(settings: Settings, user_code: str, body_format: str | None) -> None:
    """Show or set how webhook bodies are encoded: json, or form (x-www-form-urlencoded) as i'mport offers."""
    from paymux.webhooks.outbox import set_webhook_format
    from paymux.webhooks.outbox import webhook_format as get_format

    async def work(runtime: Runtime, merchant_id: int) -> str:
        if body_format is not None:
            await set_webhook_format(runtime, merchant_id, body_format)
        return await get_format(runtime, merchant_id)

    click.echo(f"webhook bodies: {_run(settings, _with_merchant(user_code, work))}")


@webhook.command("resend")
@click.option("--merchant", "user_code", required=True)
@click.option("--event", "event_id", required=True, type=int, help="webhook event id (see `paymux webhook list`)")
@click.pass_obj
def webhook_resend(settings: Settings, user_code: str, event_id: int) -> None:
    """Queue a webhook again, due now; the running server's worker sends it."""
    from paymux.webhooks.outbox import resend_webhook

    event = _run(settings, _with_merchant(user_code, lambda rt, merchant_id: resend_webhook(rt, merchant_id, event_id)))
    click.echo(f"webhook {event.id} ({event.webhook_id}) queued again for {event.imp_uid or '-'} {event.payload.get('status')}")


@webhook.command("list")
@click.option("--merchant", "user_code", required=True)
@click.option("--limit", default=20, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def webhook_list(settings: Settings, user_code: str, limit: int, as_json: bool) -> None:
    """The newest webhooks with their state and delivery attempts."""
    from paymux.webhooks.outbox import list_webhook_events

    events = _run(settings, _with_merchant(user_code, lambda rt, merchant_id: list_webhook_events(rt, merchant_id, limit=limit)))
    if as_json:
        click.echo(json.dumps([event.as_dict() for event in events], ensure_ascii=False, indent=2))
        return
    for event in events:
        last = event.attempts[-1] if event.attempts else None
        answer = "-" if last is None else str(last.status_code or last.error)
        click.echo(
            f"{event.id:>6}  {event.state:<9} {event.payload.get('status', ''):<10} {event.imp_uid or '-':<18} "
            f"tries={event.attempt_count:<3} last={answer}"
        )


@main.group()
def user() -> None:
    """Console users (who signs in at /console)."""


@user.command("create")
@click.option("--merchant", "user_code", required=True, help="merchant user code (imp########)")
@click.option("--email", required=True)
@click.option("--password-stdin", "password_stdin", is_flag=True, required=True, help="read the password from standard input")
@click.pass_obj
def user_create(settings: Settings, user_code: str, email: str, password_stdin: bool) -> None:
    """Create a console user of a merchant; the password is read from stdin, never from argv."""
    from paymux.services.console_users import create_user

    password = sys.stdin.readline().rstrip("\r\n")
    upgrade_to_head(settings.database_url)
    created = _run(settings, lambda rt: create_user(rt, user_code, email, password))
    click.echo(f"console user {created.email} created for {user_code}")


@user.command("list")
@click.option("--merchant", "user_code", default=None, help="only this merchant's users (imp########)")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.pass_obj
def user_list(settings: Settings, user_code: str | None, as_json: bool) -> None:
    """Console users: email, merchant, and whether the login is locked out now."""
    from paymux.services.console_users import list_users

    upgrade_to_head(settings.database_url)
    async def users_and_now(runtime: Runtime) -> tuple[list[Any], int]:
        return await list_users(runtime, user_code), runtime.now()

    found, now = _run(settings, users_and_now)
    rows = [{"email": u.email, "merchant": code, "locked": u.is_locked(now), "failed_attempts": u.failed_attempts}
            for u, code in found]
    _emit_rows(rows, as_json)


@user.command("reset-password")
@click.option("--email", required=True)
@click.option("--password-stdin", "password_stdin", is_flag=True, required=True, help="read the password from standard input")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.pass_obj
def user_reset_password(settings: Settings, email: str, password_stdin: bool, as_json: bool) -> None:
    """Set a console user's password (read from stdin), lift a lock-out, sign the user out everywhere."""
    from paymux.services.console_users import reset_password

    password = sys.stdin.readline().rstrip("\r\n")
    upgrade_to_head(settings.database_url)
    changed = _run(settings, lambda rt: reset_password(rt, email, password))
    _emit({"email": changed.email, "password": "reset", "sessions": "ended"}, as_json)


async def seed_demo(runtime: Runtime, emulator_url: str | None = None, kakaopay_url: str | None = None,
                    mobilians_url: str | None = None, tosspayments_url: str | None = None,
                    nice_url: str | None = None) -> dict[str, Any]:
    """The demo merchant with fixed sandbox credentials and one test channel of each kind, plus —
    with ``emulator_url`` — a live-protocol KG INICIS channel pointed at paymux's built-in emulator,
    and with ``kakaopay_url`` live-protocol Kakao Pay channels pointed at its Kakao Pay emulator."""
    try:
        demo = await merchant_service.get_merchant(runtime, DEMO_USER_CODE)
    except PaymuxError:
        created = await merchant_service.create_merchant(
            runtime, "paymux demo shop", user_code=DEMO_USER_CODE, imp_key=DEMO_IMP_KEY, imp_secret=DEMO_IMP_SECRET
        )
        demo = created.merchant
        for pg, pay_type, is_default in DEMO_CHANNELS:
            await channel_service.add_channel(
                runtime, demo.id, pg=pg, mid=None, pay_type=pay_type, mode="test", default=is_default
            )
    if emulator_url:
        await _seed_emulated_channel(runtime, demo.id, emulator_url)
    if kakaopay_url:
        await _seed_kakaopay_channels(runtime, demo.id, kakaopay_url)
    if mobilians_url:
        await _seed_mobilians_channels(runtime, demo.id, mobilians_url)
    if tosspayments_url:
        await _seed_tosspayments_channels(runtime, demo.id, tosspayments_url)
    if nice_url:
        await _seed_nice_channels(runtime, demo.id, nice_url)
    from paymux.services.console_users import create_user

    try:
        await create_user(runtime, DEMO_USER_CODE, DEMO_CONSOLE_EMAIL, DEMO_CONSOLE_PASSWORD)
    except Conflict:
        pass  # seeded by an earlier run
    return {
        "user_code": DEMO_USER_CODE, "imp_key": DEMO_IMP_KEY, "imp_secret": DEMO_IMP_SECRET,
        "console_email": DEMO_CONSOLE_EMAIL, "console_password": DEMO_CONSOLE_PASSWORD,
    }


async def _seed_nice_channels(runtime: Runtime, merchant_id: int, emulator_url: str) -> None:
    """``nice.paymuxnc1m`` (the window, and billing keys by API): NICE Pay's start API, spoken to the
    emulator paymux serves (its webhooks come back to ``/pg/nice/notice``)."""
    from paymux.connectors.nice.emulator import PAYMUX_LIVE

    existing = {c.pay_type.value: c for c in await channel_service.list_channels(runtime, merchant_id)
                if c.pg_provider == "nice" and c.mid == PAYMUX_LIVE.mid}
    credentials = {"client_id": PAYMUX_LIVE.client_id, "secret_key": PAYMUX_LIVE.secret_key}
    for pay_type in ("general", "api"):
        channel = existing.get(pay_type)
        if channel is not None:  # the port may differ from an earlier run
            await channel_service.update_channel(
                runtime, merchant_id, channel.id, mid=channel.mid, pay_type=pay_type, mode="live",
                label=channel.label, endpoint=emulator_url, allow_private_endpoint=True,
            )
            continue
        await channel_service.add_channel(
            runtime, merchant_id, pg="nice", mid=PAYMUX_LIVE.mid, pay_type=pay_type, mode="live",
            label="나이스페이 실연동 프로토콜 (paymux 내장 에뮬레이터)", credentials=credentials,
            endpoint=emulator_url, allow_private_endpoint=True,
        )


async def _seed_emulated_channel(runtime: Runtime, merchant_id: int, emulator_url: str) -> None:
    """``html5_inicis.paymuxLive1``: INICIS's real protocol, spoken to the emulator paymux serves."""
    from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS

    keys = PAYMUX_LIVE_KEYS
    existing = [c for c in await channel_service.list_channels(runtime, merchant_id) if c.mid == keys.mid]
    if existing:
        for channel in existing:  # the port may differ from an earlier run
            await channel_service.update_channel(
                runtime, merchant_id, channel.id, mid=channel.mid, pay_type=channel.pay_type.value, mode="live",
                label=channel.label, endpoint=emulator_url, allow_private_endpoint=True,
            )
        return
    credentials = {"sign_key": keys.sign_key, "iniapi_key": keys.iniapi_key, "iniapi_iv": keys.iniapi_iv}
    await channel_service.add_channel(
        runtime, merchant_id, pg="html5_inicis", mid=keys.mid, pay_type="general", mode="live",
        label="KG이니시스 실연동 프로토콜 (paymux 내장 에뮬레이터)", credentials=credentials,
        endpoint=emulator_url, allow_private_endpoint=True,
    )


async def _seed_kakaopay_channels(runtime: Runtime, merchant_id: int, emulator_url: str) -> None:
    """``kakaopay.CPAYMUX001`` (one-time) and ``kakaopay.CPAYMUXSUB`` (subscription): Kakao Pay's real API,
    spoken to the emulator paymux serves."""
    from paymux.connectors.kakaopay.emulator import PAYMUX_LIVE_CID, PAYMUX_LIVE_SUBSCRIPTION_CID

    existing = {c.mid: c for c in await channel_service.list_channels(runtime, merchant_id) if c.pg_provider == "kakaopay"}
    for cid, pay_type in ((PAYMUX_LIVE_CID, "simple"), (PAYMUX_LIVE_SUBSCRIPTION_CID, "subscription")):
        channel = existing.get(cid.cid)
        if channel is not None:  # the port may differ from an earlier run
            await channel_service.update_channel(
                runtime, merchant_id, channel.id, mid=channel.mid, pay_type=channel.pay_type.value, mode="live",
                label=channel.label, endpoint=emulator_url, allow_private_endpoint=True,
            )
            continue
        await channel_service.add_channel(
            runtime, merchant_id, pg="kakaopay", mid=cid.cid, pay_type=pay_type, mode="live",
            label="카카오페이 실연동 API (paymux 내장 에뮬레이터)", credentials={"secret_key": cid.secret_key},
            endpoint=emulator_url, allow_private_endpoint=True,
        )


async def _seed_mobilians_channels(runtime: Runtime, merchant_id: int, emulator_url: str) -> None:
    """``mobilians.paymuxmc0001`` (phone payments and phone billing keys): KG Mobilians' REST protocol,
    spoken to the emulator paymux serves."""
    from paymux.connectors.mobilians.emulator import PAYMUX_LIVE_SERVICE

    service = PAYMUX_LIVE_SERVICE
    existing = {c.pay_type.value: c for c in await channel_service.list_channels(runtime, merchant_id) if c.mid == service.sid}
    for pay_type in ("general", "subscription"):
        channel = existing.get(pay_type)
        if channel is not None:  # the port may differ from an earlier run
            await channel_service.update_channel(
                runtime, merchant_id, channel.id, mid=channel.mid, pay_type=pay_type, mode="live",
                label=channel.label, endpoint=emulator_url, allow_private_endpoint=True,
            )
            continue
        await channel_service.add_channel(
            runtime, merchant_id, pg="mobilians", mid=service.sid, pay_type=pay_type, mode="live",
            label="KG모빌리언스 실연동 프로토콜 (paymux 내장 에뮬레이터)", credentials={"skey": service.skey},
            endpoint=emulator_url, allow_private_endpoint=True,
        )


async def _seed_tosspayments_channels(runtime: Runtime, merchant_id: int, emulator_url: str) -> None:
    """``tosspayments.paymuxlive`` (window, billing window, key-in API): Toss Payments' core API v1, spoken
    to the emulator paymux serves (made-up live keys, valid only there)."""
    from paymux.connectors.tosspayments.emulator import PAYMUX_LIVE_MERCHANT

    merchant = PAYMUX_LIVE_MERCHANT
    existing = {c.pay_type.value: c for c in await channel_service.list_channels(runtime, merchant_id) if c.mid == merchant.mid}
    for pay_type in ("general", "subscription", "api"):
        channel = existing.get(pay_type)
        if channel is not None:  # the port may differ from an earlier run
            await channel_service.update_channel(
                runtime, merchant_id, channel.id, mid=channel.mid, pay_type=pay_type, mode="live",
                label=channel.label, endpoint=emulator_url, allow_private_endpoint=True,
            )
            continue
        await channel_service.add_channel(
            runtime, merchant_id, pg="tosspayments", mid=merchant.mid, pay_type=pay_type, mode="live",
            label="토스페이먼츠 실연동 프로토콜 (paymux 내장 에뮬레이터)",
            credentials={"client_key": merchant.client_key, "secret_key": merchant.secret_key},
            endpoint=emulator_url, allow_private_endpoint=True,
        )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="seed only, do not start the server")
@click.pass_obj
def demo(settings: Settings, host: str, port: int, no_serve: bool) -> None:
    """Seed a demo merchant with sandbox channels and start the gateway, with the KG INICIS emulator
    built in (a channel speaking INICIS's real protocol, offline)."""
    from paymux.app import (
        INICIS_EMULATOR_PATH,
        KAKAOPAY_EMULATOR_PATH,
        MOBILIANS_EMULATOR_PATH,
        NICE_EMULATOR_PATH,
        TOSSPAYMENTS_EMULATOR_PATH,
    )

    upgrade_to_head(settings.database_url)
    public_url = os.environ.setdefault("PAYMUX_PUBLIC_URL", f"http://{host}:{port}")
    os.environ["PAYMUX_PG_EMULATORS"] = "1"
    credentials = _run(settings, lambda runtime: seed_demo(runtime, public_url.rstrip("/") + INICIS_EMULATOR_PATH,
                                                           public_url.rstrip("/") + KAKAOPAY_EMULATOR_PATH,
                                                           public_url.rstrip("/") + MOBILIANS_EMULATOR_PATH,
                                                           public_url.rstrip("/") + TOSSPAYMENTS_EMULATOR_PATH,
                                                           public_url.rstrip("/") + NICE_EMULATOR_PATH))
    click.echo("")
    click.echo("Demo merchant (sandbox test channels, and one channel speaking INICIS's protocol to the built-in emulator):")
    click.echo(f"  user code : {credentials['user_code']}")
    click.echo(f"  imp_key   : {credentials['imp_key']}")
    click.echo(f"  imp_secret: {credentials['imp_secret']}")
    click.echo(f"Demo shop page (IMP.request_pay examples): http://{host}:{port}/demo")
    click.echo(f"KG INICIS emulator (real protocol, pg 'html5_inicis.paymuxLive1'): {public_url}{INICIS_EMULATOR_PATH}")
    click.echo(f"Kakao Pay emulator (real API, pg 'kakaopay.CPAYMUX001', subscriptions 'kakaopay.CPAYMUXSUB'): "
               f"{public_url}{KAKAOPAY_EMULATOR_PATH}")
    click.echo(f"KG Mobilians emulator (REST protocol, pg 'mobilians.paymuxmc0001', phone and phone billing): "
               f"{public_url}{MOBILIANS_EMULATOR_PATH}")
    click.echo(f"Toss Payments emulator (core API v1, pg 'tosspayments.paymuxlive', window, billing, key-in): "
               f"{public_url}{TOSSPAYMENTS_EMULATOR_PATH}")
    click.echo(f"NICE Pay emulator (start API, pg 'nice.paymuxnc1m', window, billing keys, key-in, vbank webhook): "
               f"{public_url}{NICE_EMULATOR_PATH}")
    click.echo("")
    click.echo(f"Console: http://{host}:{port}/console")
    click.echo(f"  email   : {credentials['console_email']}")
    click.echo(f"  password: {credentials['console_password']}")
    click.echo("")
    if not no_serve:
        _serve(settings, host, port, 1)



@main.group("pg-emulator")
def pg_emulator() -> None:
    """Emulated PGs that speak a PG's real protocol (for tests, demos and staging; no money moves)."""


def _emulator_command(pg: str, port: int, slow_reply: str) -> Callable[[Callable[..., None]], Any]:
    """``paymux pg-emulator <pg>``: the options every emulator takes (host, port, latency, slow replies)."""

    def decorate(command: Callable[..., None]) -> Any:
        for option in reversed((
            click.option("--host", default="127.0.0.1", show_default=True),
            click.option("--port", default=port, show_default=True, type=int),
            click.option("--latency-ms", default=0, show_default=True, type=int, help="added to every API call"),
            click.option("--slow-reply-seconds", default=15.0, show_default=True, type=float,
                         help=f"how long {slow_reply} holds its (already committed) reply"),
        )):
            command = option(command)
        return pg_emulator.command(pg)(command)

    return decorate


def _run_emulator(app: Any, name: str, host: str, port: int, *lines: str) -> None:
    """Print what the emulator offers, then serve it until interrupted."""
    import uvicorn

    click.echo(f"{name} emulator on http://{host}:{port}")
    for line in lines:
        click.echo(f"  {line}")
    click.echo(f"  ledger: http://{host}:{port}/_emulator/transactions")
    uvicorn.run(app, host=host, port=port, log_level="info")


@_emulator_command("inicis", 8700, 'a "timeout" test card')
@click.option("--notice-url", default=None, help="where virtual-account deposit notices are POSTed")
def pg_emulator_inicis(host: str, port: int, latency_ms: int, slow_reply_seconds: float, notice_url: str | None) -> None:
    """KG INICIS: web-standard and mobile windows, payAuth/netCancel, INIAPI (see paymux.connectors.inicis.emulator)."""
    from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig, create_emulator

    config = EmulatorConfig(latency_ms=latency_ms, notice_url=notice_url, slow_reply_seconds=slow_reply_seconds)
    config = config.with_merchant(PAYMUX_LIVE_KEYS)
    _run_emulator(create_emulator(config), "KG INICIS", host, port,
                  f"MIDs: {', '.join(sorted(config.merchants))} (INICIS's public test keys; "
                  f"{PAYMUX_LIVE_KEYS.mid} is made up, a 'live' MID valid only here)",
                  *([f"deposit notices to: {notice_url}"] if notice_url else []))


@_emulator_command("kakaopay", 8701, 'a "timeout" order (amount ending 0119)')
@click.option("--base-url", default=None, help="the public URL printed into next_redirect_*_url (default: the request's)")
def pg_emulator_kakaopay(host: str, port: int, latency_ms: int, slow_reply_seconds: float, base_url: str | None) -> None:
    """Kakao Pay: ready/approve/order/cancel/subscription in both API generations and the buyer's
    approval page (see paymux.connectors.kakaopay.emulator)."""
    from paymux.connectors.kakaopay.emulator import PAYMUX_LIVE_SECRET_KEY, EmulatorConfig, create_emulator

    config = EmulatorConfig(latency_ms=latency_ms, slow_reply_seconds=slow_reply_seconds, base_url=base_url)
    _run_emulator(create_emulator(config.with_paymux_live()), "Kakao Pay", host, port,
                  "CIDs: TC0ONETIME, TCSUBSCRIP (any DEV… secret key / 32-hex admin key); CPAYMUX001, CPAYMUXSUB "
                  f"(made up, valid only here; secret key {PAYMUX_LIVE_SECRET_KEY})",
                  f"API: http://{host}:{port}/online/v1/payment/… (SECRET_KEY) and /v1/payment/… (KakaoAK)")


@_emulator_command("mobilians", 8702, 'a "timeout" phone (ending 7777)')
@click.option("--base-url", default=None, help="the public URL printed into pay_url (default: the request's)")
def pg_emulator_mobilians(host: str, port: int, latency_ms: int, slow_reply_seconds: float, base_url: str | None) -> None:
    """KG Mobilians: REST registration/approval/cancellation with their HMAC and the phone window with its
    SMS code (see paymux.connectors.mobilians.emulator)."""
    from paymux.connectors.mobilians.emulator import PAYMUX_LIVE_SERVICE, EmulatorConfig, create_emulator

    config = EmulatorConfig(latency_ms=latency_ms, slow_reply_seconds=slow_reply_seconds, base_url=base_url)
    config = config.with_service(PAYMUX_LIVE_SERVICE)
    _run_emulator(create_emulator(config), "KG Mobilians", host, port,
                  f"service ids: {', '.join(sorted(config.services))} (000730010001: Mobilians' published test "
                  f"service; {PAYMUX_LIVE_SERVICE.sid} is made up, valid only here, skey {PAYMUX_LIVE_SERVICE.skey})",
                  f"API: http://{host}:{port}/MUP/api/registration, /MUP/api/approval, /MUP/api/cancellation")


@_emulator_command("tosspayments", 8703, 'a "timeout" amount (ending 0119)')
@click.option("--webhook-url", default=None, help="where DEPOSIT_CALLBACK is POSTed (e.g. http://paymux/pg/tosspayments/notice)")
def pg_emulator_tosspayments(host: str, port: int, latency_ms: int, slow_reply_seconds: float, webhook_url: str | None) -> None:
    """Toss Payments: core API v1 (confirm, cancel with Idempotency-Key, lookups, key-in, billing, virtual
    accounts), the window with its SDK stand-in, DEPOSIT_CALLBACK (see paymux.connectors.tosspayments.emulator)."""
    from paymux.connectors.tosspayments.emulator import PAYMUX_LIVE_MERCHANT, EmulatorConfig, create_emulator

    config = EmulatorConfig(latency_ms=latency_ms, slow_reply_seconds=slow_reply_seconds, webhook_url=webhook_url)
    _run_emulator(create_emulator(config.with_paymux_live()), "Toss Payments", host, port,
                  f"keys: any test_ck_…/test_sk_… (Toss's test mode, mId tvivarepublica); made-up live mId "
                  f"{PAYMUX_LIVE_MERCHANT.mid}: {PAYMUX_LIVE_MERCHANT.client_key} / {PAYMUX_LIVE_MERCHANT.secret_key}",
                  f"API: http://{host}:{port}/v1/payments/confirm … ; SDK stand-in: http://{host}:{port}/js/v1/payment")


@_emulator_command("nice", 8704, 'a "timeout" card (ending 0119)')
@click.option("--hook-url", default=None, help="where webhooks (approvals, virtual accounts, cancels) are POSTed")
@click.option("--base-url", default=None, help="the public URL the JS SDK posts the window to (default: the request's)")
def pg_emulator_nice(host: str, port: int, latency_ms: int, slow_reply_seconds: float, hook_url: str | None,
                     base_url: str | None) -> None:
    """NICE Pay: the start API (approve, cancel, net cancel, lookups, billing keys), the JS SDK and its
    window, and webhooks (see paymux.connectors.nice.emulator)."""
    from paymux.connectors.nice.emulator import MANUAL_SAMPLE, PAYMUX_LIVE, EmulatorConfig, create_emulator

    config = EmulatorConfig(latency_ms=latency_ms, slow_reply_seconds=slow_reply_seconds, hook_url=hook_url,
                            base_url=base_url).with_paymux_live()
    _run_emulator(create_emulator(config), "NICE Pay", host, port,
                  f"client keys: {MANUAL_SAMPLE.client_id} (the manual's sample; secret {MANUAL_SAMPLE.secret_key}), "
                  f"{PAYMUX_LIVE.client_id} (made up, valid only here; secret {PAYMUX_LIVE.secret_key})",
                  f"API: http://{host}:{port}/v1/payments/…, /v1/subscribe/… (Basic auth); JS SDK: http://{host}:{port}/v1/js/")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

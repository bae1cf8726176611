"""Creating merchants and sub-merchants, and the settings an operator or the console changes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError

from paymux.domain import ids
from paymux.domain.errors import Conflict, InvalidParameter, NotFound
from paymux.domain.merchant import Merchant, parse_whitelist
from paymux.domain.net import user_url_problem
from paymux.services.auth import hash_secret
from paymux.services.runtime import Runtime
from paymux.store import merchants as merchant_store


@dataclass(frozen=True)
class CreatedMerchant:
    """A new merchant and its secret, which is shown this once and never again."""

    merchant: Merchant
    imp_secret: str

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "id": self.merchant.id,
            "name": self.merchant.name,
            "user_code": self.merchant.user_code,
            "imp_key": self.merchant.imp_key,
            "imp_secret": self.imp_secret,
        }
        if self.merchant.tier_code:
            data["tier_code"] = self.merchant.tier_code
        return data


async def create_merchant(
    runtime: Runtime,
    name: str,
    *,
    parent_user_code: str | None = None,
    user_code: str | None = None,
    imp_key: str | None = None,
    imp_secret: str | None = None,
    tier_code: str | None = None,
) -> CreatedMerchant:
    """Create a merchant (or a sub-merchant under ``parent_user_code``) with fresh API credentials.

    Fixed credentials are accepted only so ``paymux demo`` can print stable ones.
    """
    if not name or not name.strip():
        raise InvalidParameter("name", "is required")
    secret = imp_secret or ids.new_imp_secret()
    async with runtime.database.transaction() as connection:
        parent_id = None
        if parent_user_code:
            parent = await merchant_store.merchant_by_user_code(connection, parent_user_code)
            if parent is None:
                raise NotFound(f"no merchant with user code {parent_user_code}")
            if parent.parent_id is not None:
                raise InvalidParameter("parent", "a sub-merchant cannot have sub-merchants of its own")
            parent_id = parent.id
            tier_code = tier_code or ids.new_tier_code()
        try:
            async with connection.begin_nested():
                merchant_id = await merchant_store.insert_merchant(
                    connection,
                    user_code=user_code or ids.new_user_code(),
                    name=name.strip(),
                    parent_id=parent_id,
                    tier_code=tier_code if parent_id else None,
                    imp_key=imp_key or ids.new_imp_key(),
                    imp_secret_hash=hash_secret(secret),
                    credentials_version=1,
                    ip_whitelist="[]",
                    created_at=runtime.now(),
                )
        except IntegrityError:
            raise Conflict("user code, imp_key or tier code already in use; try again") from None
        merchant = await merchant_store.merchant_by_id(connection, merchant_id)
    assert merchant is not None
    return CreatedMerchant(merchant=merchant, imp_secret=secret)


async def get_merchant(runtime: Runtime, user_code: str) -> Merchant:
    async with runtime.database.reading() as connection:
        merchant = await merchant_store.merchant_by_user_code(connection, user_code)
    if merchant is None:
        raise NotFound(f"no merchant with user code {user_code}")
    return merchant


async def set_ip_whitelist(runtime: Runtime, merchant_id: int, blocks: list[str]) -> list[str]:
    canonical = parse_whitelist(blocks)
    async with runtime.database.transaction() as connection:
        await merchant_store.update_merchant(connection, merchant_id, ip_whitelist=json.dumps(canonical))
    return canonical


async def set_webhook_url(runtime: Runtime, merchant_id: int, url: str | None) -> None:
    """Set (or, with None, clear) the merchant's webhook URL. Refused: anything but an http(s) URL,
    userinfo, and, unless ``PAYMUX_WEBHOOK_ALLOW_PRIVATE``, a host that is a literal loopback,
    private, link-local or reserved address in any spelling (``localhost`` too). A DNS name is
    checked again at every delivery (``paymux.webhooks.targets``)."""
    url = (url or "").strip() or None
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url) or len(url) > 2000:
            raise InvalidParameter("webhook_url", "must be an http:// or https:// URL such as https://shop.example/webhook")
        problem = user_url_problem(url, allow_private=runtime.settings.webhook_allow_private)
        if problem is not None:
            raise InvalidParameter("webhook_url", problem)
    async with runtime.database.transaction() as connection:
        await merchant_store.update_merchant(connection, merchant_id, webhook_url=url or None)


async def regenerate_secret(runtime: Runtime, merchant_id: int) -> str:
    """New imp_secret; every token issued with the old one stops working."""
    secret = ids.new_imp_secret()
    async with runtime.database.transaction() as connection:
        merchant = await merchant_store.merchant_by_id(connection, merchant_id)
        if merchant is None:
            raise NotFound("no such merchant")
        await merchant_store.update_merchant(
            connection,
            merchant_id,
            imp_secret_hash=hash_secret(secret),
            credentials_version=merchant.credentials_version + 1,
        )
    return secret


async def merchant_by_id(runtime: Runtime, merchant_id: int) -> Merchant:
    async with runtime.database.reading() as connection:
        merchant = await merchant_store.merchant_by_id(connection, merchant_id)
    if merchant is None:
        raise NotFound("no such merchant")
    return merchant


async def list_merchants(runtime: Runtime) -> list[Merchant]:
    """Every merchant, oldest first."""
    async with runtime.database.reading() as connection:
        return await merchant_store.list_merchants(connection)


async def list_sub_merchants(runtime: Runtime, parent_id: int) -> list[Merchant]:
    async with runtime.database.reading() as connection:
        return await merchant_store.list_sub_merchants(connection, parent_id)


async def get_sub_merchant(runtime: Runtime, parent_id: int, user_code: str) -> Merchant:
    """A sub-merchant of this parent by user code; any other merchant is simply not found."""
    async with runtime.database.reading() as connection:
        merchant = await merchant_store.merchant_by_user_code(connection, user_code)
    if merchant is None or merchant.parent_id != parent_id:
        raise NotFound(f"no sub-merchant {user_code}")
    return merchant

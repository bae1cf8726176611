"""API credentials and access tokens.

Tokens are stateless: ``base64(merchant id, credentials version, expiry)`` plus an HMAC with a key
derived from the vault key. Any instance verifies any token without a database round trip, and
regenerating a merchant's secret (which bumps the credentials version) invalidates its tokens.

imp_secret is 80 random characters, so it is stored as a SHA-256 digest: a slow password hash adds
nothing against a secret with that much entropy and would make ``getToken`` (which the official Python
client calls before every request) slow.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.errors import Forbidden, NotAuthenticated
from paymux.domain.merchant import Merchant
from paymux.services import throttle
from paymux.services.runtime import Runtime
from paymux.store import merchants as merchant_store


def hash_secret(imp_secret: str) -> str:
    return hashlib.sha256(imp_secret.encode()).hexdigest()


@dataclass(frozen=True)
class AccessToken:
    access_token: str
    now: int
    expired_at: int


class TokenSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: bytes) -> str:
        return hmac.new(self._key, payload, hashlib.sha256).hexdigest()[:40]

    def sign(self, merchant_id: int, version: int, expires_at: int) -> str:
        payload = f"{merchant_id}.{version}.{expires_at}".encode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + self._mac(payload)

    def verify(self, token: str, now: int) -> tuple[int, int]:
        """Return (merchant id, credentials version) of a valid, unexpired token."""
        encoded, _, mac = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            merchant_id, version, expires_at = (int(part) for part in payload.decode().split("."))
        except (ValueError, UnicodeDecodeError):
            raise NotAuthenticated("access token is malformed (유효하지 않은 토큰입니다)") from None
        if not hmac.compare_digest(self._mac(payload), mac):
            raise NotAuthenticated("access token is not valid (유효하지 않은 토큰입니다)")
        if expires_at < now:
            raise NotAuthenticated("access token has expired; request a new one at /users/getToken")
        return merchant_id, version


class MerchantCache:
    """Merchants by id for a couple of seconds, so a lookup costs one query, not two.

    A change of merchant settings (whitelist, secret, from the console or the CLI) reaches every
    instance, this one included, within the TTL (``PAYMUX_MERCHANT_CACHE_SECONDS``, 2 s by default).
    """

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[object, tuple[float, Merchant | None]] = {}

    def get(self, key: object) -> tuple[bool, Merchant | None]:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, key: object, merchant: Merchant | None) -> None:
        if self._ttl > 0:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self._ttl, merchant)


class Authenticator:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.signer = TokenSigner(runtime.vault.derive_key("paymux access tokens v1"))
        self.cache = MerchantCache(runtime.settings.merchant_cache_seconds)

    async def issue_token(self, imp_key: str, imp_secret: str, client_ip: str | None) -> AccessToken:
        """A token for the merchant of ``imp_key``. Raises ``Throttled`` while ``client_ip`` is at its
        limit of refused requests (checked before the secret), ``NotAuthenticated`` for a wrong key or
        secret and ``Forbidden`` outside the merchant's whitelist (both counted as refusals)."""
        rule = throttle.token_failures(self.runtime.settings)
        await throttle.check(self.runtime, rule, client_ip)
        async with self.runtime.database.reading() as connection:
            found = await merchant_store.merchant_and_secret_by_imp_key(connection, imp_key)
        try:
            if found is None or not hmac.compare_digest(found[1], hash_secret(imp_secret)):
                raise NotAuthenticated("imp_key or imp_secret is wrong (imp_key, imp_secret 인증정보가 올바르지 않습니다)")
            merchant = found[0]
            self._check_ip(merchant, client_ip)
        except (NotAuthenticated, Forbidden):
            await throttle.count(self.runtime, rule, client_ip)
            raise
        now = self.runtime.now()
        expires_at = now + self.runtime.settings.token_ttl_seconds
        token = self.signer.sign(merchant.id, merchant.credentials_version, expires_at)
        return AccessToken(access_token=token, now=now, expired_at=expires_at)

    async def _merchant(
        self, key: object, load: Callable[[AsyncConnection], Awaitable[Merchant | None]]
    ) -> Merchant | None:
        hit, merchant = self.cache.get(key)
        if not hit:
            async with self.runtime.database.reading() as connection:
                merchant = await load(connection)
            self.cache.put(key, merchant)
        return merchant

    async def authenticate(self, authorization: str | None, tier_code: str | None, client_ip: str | None) -> Merchant:
        """The merchant a request acts for: the token's, or its sub-merchant named by ``Tier``."""
        if not authorization or not authorization.strip():
            raise NotAuthenticated("an access token is required in the Authorization (or X-ImpTokenHeader) header (아임포트 API 인증에 실패하였습니다)")
        token = authorization.strip()
        if len(token) > 1000:
            raise NotAuthenticated("access token is not valid (유효하지 않은 토큰입니다)")
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        merchant_id, version = self.signer.verify(token, self.runtime.now())
        merchant = await self._merchant(merchant_id, lambda c: merchant_store.merchant_by_id(c, merchant_id))
        if merchant is None or merchant.credentials_version != version:
            raise NotAuthenticated("access token was revoked; request a new one at /users/getToken")
        self._check_ip(merchant, client_ip)
        if tier_code is None or not tier_code.strip():
            return merchant
        tier = tier_code.strip()
        sub = await self._merchant(
            ("tier", merchant.id, tier), lambda c: merchant_store.sub_merchant(c, merchant.id, tier)
        )
        if sub is None:
            raise Forbidden(f"Tier '{tier}' is not a sub-merchant of this merchant (하위가맹점이 아닙니다)")
        return sub

    @staticmethod
    def _check_ip(merchant: Merchant, client_ip: str | None) -> None:
        if not merchant.allows_ip(client_ip):
            raise Forbidden(
                f"requests from {client_ip} are not in this merchant's IP whitelist "
                "(허용되지 않은 IP에서의 요청입니다)"
            )

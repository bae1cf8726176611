"""Which connector serves a channel: the PG's sandbox in test mode, its live protocol in live mode."""

from __future__ import annotations

from collections.abc import Mapping

from paymux.connectors.base import (
    CancelOrder,
    CancelResult,
    ChannelContext,
    ChargeRequest,
    ChargeResult,
    Connector,
    CredentialField,
    IssuedBillingKey,
    VbankIssued,
    WindowAuthentication,
)
from paymux.connectors.http import PgHttp
from paymux.connectors.inicis import InicisSandbox
from paymux.connectors.inicis.connector import InicisConnector
from paymux.connectors.kakaopay import KakaoPaySandbox
from paymux.connectors.kakaopay.connector import KakaoPayConnector
from paymux.connectors.kcp import KcpSandbox
from paymux.connectors.mobilians import MobiliansSandbox
from paymux.connectors.mobilians.connector import MobiliansConnector
from paymux.connectors.nice import NiceSandbox
from paymux.connectors.nice.connector import NiceConnector
from paymux.connectors.sandbox import SandboxConnector, SandboxLedger
from paymux.connectors.tosspayments import TossPaymentsSandbox
from paymux.connectors.tosspayments.connector import TossPaymentsConnector
from paymux.domain.card import CardDetails
from paymux.domain.channel import Channel, ChannelMode, canonical_pg_code
from paymux.domain.errors import InvalidParameter, Refused

PROTOCOL_CONNECTORS = (InicisConnector, KakaoPayConnector, MobiliansConnector, TossPaymentsConnector, NiceConnector)

GENERIC_CREDENTIALS = (
    CredentialField("api_key", "API 키 / 사인키 (API key / sign key)", "PG사 가맹점 관리자에서 발급 (issued in the PG's merchant admin)"),
    CredentialField("api_secret", "API 시크릿 (API secret)", "PG사 가맹점 관리자에서 발급 (issued in the PG's merchant admin)"),
)

SANDBOX_CONNECTORS: tuple[type[SandboxConnector], ...] = (
    InicisSandbox,
    KakaoPaySandbox,
    MobiliansSandbox,
    KcpSandbox,
    NiceSandbox,
    TossPaymentsSandbox,
)


class LiveNotAvailable(Connector):
    """Live mode of a PG whose real protocol is not wired yet: every call is a clear refusal."""

    mode = ChannelMode.LIVE

    def __init__(self, sandbox: SandboxConnector) -> None:
        self.pg_provider = sandbox.pg_provider
        self.display_name = sandbox.display_name
        self.pay_methods = sandbox.pay_methods
        self.pay_types = sandbox.pay_types
        self.requires_buyer_tel = sandbox.requires_buyer_tel
        self.billing_window_methods = sandbox.billing_window_methods

    def _refuse(self) -> Refused:
        return Refused(
            f"live mode for {self.display_name} ({self.pg_provider}) is not available yet; "
            "use a test-mode channel (실연동 모드는 아직 지원되지 않습니다)"
        )

    async def issue_billing_key(self, context: ChannelContext, card: CardDetails, customer_uid: str, now: int) -> IssuedBillingKey:
        raise self._refuse()

    async def charge_billing_key(self, context: ChannelContext, billing_key: str, request: ChargeRequest) -> ChargeResult:
        raise self._refuse()

    async def charge_card(self, context: ChannelContext, card: CardDetails, request: ChargeRequest) -> ChargeResult:
        raise self._refuse()

    async def cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        return CancelResult.refused(self._refuse().message)

    async def inquire(
        self, context: ChannelContext, order_id: str, now: int, reference: Mapping[str, str] | None = None
    ) -> ChargeResult:
        raise self._refuse()

    async def approve_window(
        self, context: ChannelContext, request: ChargeRequest, authentication: WindowAuthentication
    ) -> ChargeResult:
        raise self._refuse()

    async def issue_window_billing_key(
        self, context: ChannelContext, authentication: WindowAuthentication, customer_uid: str, now: int
    ) -> IssuedBillingKey:
        raise self._refuse()

    async def issue_vbank(self, context: ChannelContext, request: ChargeRequest, bank_code: str, due: int, holder: str) -> VbankIssued:
        raise self._refuse()

    async def account_holder(self, context: ChannelContext, bank_code: str, account_number: str) -> str:
        raise self._refuse()


class ConnectorRegistry:
    """The connector of each PG code: its sandbox (test channels without an endpoint) and its
    protocol connector (live channels, and any channel pointed at an endpoint such as an emulator).
    Adding a PG is one package under ``paymux/connectors/`` plus one line in PROTOCOL_CONNECTORS."""

    def __init__(self, ledger: SandboxLedger, *, timeout_seconds: float = 10.0, client_ip: str = "127.0.0.1") -> None:
        self._sandboxes: dict[str, SandboxConnector] = {cls.pg_provider: cls(ledger) for cls in SANDBOX_CONNECTORS}
        # Enough connections for every request in flight to wait on its PG at once: a slow PG must not
        # queue calls behind each other in paymux (connectors/http.py).
        self._http = PgHttp(timeout_seconds, max_connections=1024)
        protocol = {cls.pg_provider: cls(self._http, client_ip) for cls in PROTOCOL_CONNECTORS}
        for connector in protocol.values():
            connector.remember_with(ledger)
        self._live: dict[str, Connector] = {
            code: protocol.get(code) or LiveNotAvailable(sandbox) for code, sandbox in self._sandboxes.items()
        }

    async def close(self) -> None:
        await self._http.close()

    def credential_fields(self, pg_provider: str) -> tuple[CredentialField, ...]:
        """The credentials a live channel of this PG needs (generic key/secret where paymux does
        not speak the PG's protocol yet)."""
        connector = self._live.get(canonical_pg_code(pg_provider))
        return (connector.credential_fields if connector is not None else ()) or GENERIC_CREDENTIALS

    def protocol(self, pg_provider: str) -> Connector | None:
        """The connector that speaks the PG's real protocol, if paymux has one for this code."""
        connector = self._live.get(canonical_pg_code(pg_provider))
        return connector if connector is not None and connector.has_pg_window else None

    @property
    def pg_codes(self) -> list[str]:
        return list(self._sandboxes)

    def describe(self, pg_provider: str) -> Connector:
        """The connector's declared capabilities (pay types, methods, test MIDs) for a PG code."""
        code = canonical_pg_code(pg_provider)
        if code not in self._sandboxes:
            known = ", ".join(sorted(self._sandboxes))
            raise InvalidParameter("pg", f"unknown PG code '{pg_provider}'; this paymux knows {known}")
        return self._sandboxes[code]

    def for_channel(self, channel: Channel) -> Connector:
        """Live channels and channels with an endpoint speak the PG's protocol; the rest are sandboxed."""
        code = channel.pg_provider
        if channel.mode is ChannelMode.LIVE or channel.endpoint:
            return self._live[code]
        return self._sandboxes[code]

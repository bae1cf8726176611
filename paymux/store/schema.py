"""The schema, one definition for SQLite and PostgreSQL. Migrations under ``migrations/`` follow it.

Times are unix seconds (UTC) in BIGINT columns: the unit the API speaks, cheap to index and compare.
Money is BIGINT. Every index here serves a lookup the API or a worker makes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

merchants = Table(
    "merchants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_code", String(16), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("parent_id", Integer, ForeignKey("merchants.id"), nullable=True),
    Column("tier_code", String(16), nullable=True),
    Column("imp_key", String(64), nullable=False, unique=True),
    Column("imp_secret_hash", String(128), nullable=False),
    Column("credentials_version", Integer, nullable=False, server_default="1"),
    Column("ip_whitelist", Text, nullable=False, server_default="[]"),
    Column("webhook_url", Text, nullable=True),
    # The Standard Webhooks signing secret ("whsec_…"), sealed by the vault.
    Column("webhook_secret_key_id", String(40), nullable=True),
    Column("webhook_secret_ciphertext", LargeBinary, nullable=True),
    # How webhook bodies are encoded, as i'mport's console offers: "json" or "form"
    # (application/x-www-form-urlencoded, for handlers that read ``$_POST['imp_uid']``).
    Column("webhook_format", String(10), nullable=False, server_default="json"),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("parent_id", "tier_code"),
)

channels = Table(
    "channels",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("pg_provider", String(40), nullable=False),
    Column("mid", String(100), nullable=False),
    Column("pay_type", String(20), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    Column("label", String(200), nullable=False, server_default=""),
    Column("credentials_key_id", String(40), nullable=True),
    Column("credentials_ciphertext", LargeBinary, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # A deleted channel that payments or billing keys still point at is kept (their cancels and
    # charges need its PG credentials) but leaves the list; adding the same MID again revives it.
    Column("deleted_at", BigInteger, nullable=True),
    # Where the PG's protocol is spoken for this channel: NULL = the PG's own hosts (live) or the
    # built-in sandbox (test); a URL = that host (an emulator, a staging proxy). Set by the operator.
    Column("endpoint", String(500), nullable=True),
    UniqueConstraint("merchant_id", "pg_provider", "mid", "pay_type"),
    Index(None, "merchant_id", "position"),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("customer_uid", String(100), nullable=False),
    Column("channel_id", Integer, ForeignKey("channels.id"), nullable=False),
    Column("pg_provider", String(40), nullable=False),
    Column("pg_id", String(100), nullable=False),
    Column("billing_key_key_id", String(40), nullable=False),
    Column("billing_key_ciphertext", LargeBinary, nullable=False),
    Column("card_name", String(100)),
    Column("card_code", String(10)),
    Column("card_number", String(30)),
    Column("card_type", Integer),
    Column("customer_name", String(200)),
    Column("customer_tel", String(40)),
    Column("customer_email", String(200)),
    Column("customer_addr", String(500)),
    Column("customer_postcode", String(20)),
    Column("inserted", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    UniqueConstraint("merchant_id", "customer_uid"),
)

payments = Table(
    "payments",
    metadata,
    # A monotonic row id: the tie-breaker that keeps same-second payments in the order they started.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("imp_uid", String(20), nullable=False, unique=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("merchant_uid", String(100), nullable=False),
    Column("channel_id", Integer, ForeignKey("channels.id"), nullable=True),
    Column("status", String(12), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("tax_free", BigInteger, nullable=False, server_default="0"),
    Column("vat", BigInteger, nullable=False, server_default="0"),
    Column("cancel_amount", BigInteger, nullable=False, server_default="0"),
    Column("currency", String(3), nullable=False, server_default="KRW"),
    Column("pay_method", String(20), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("pg_provider", String(40), nullable=False),
    Column("emb_pg_provider", String(40)),
    Column("pg_tid", String(100)),
    Column("pg_id", String(100)),
    Column("escrow", Boolean, nullable=False, server_default=text("false")),
    Column("apply_num", String(40)),
    Column("bank_code", String(10)),
    Column("bank_name", String(50)),
    Column("card_code", String(10)),
    Column("card_name", String(100)),
    Column("card_quota", Integer, nullable=False, server_default="0"),
    Column("card_number", String(30)),
    Column("card_type", Integer),
    Column("vbank_code", String(10)),
    Column("vbank_name", String(50)),
    Column("vbank_num", String(40)),
    Column("vbank_holder", String(100)),
    Column("vbank_date", BigInteger, nullable=False, server_default="0"),
    Column("vbank_issued_at", BigInteger, nullable=False, server_default="0"),
    Column("name", String(200)),
    Column("buyer_name", String(200)),
    Column("buyer_email", String(200)),
    Column("buyer_tel", String(40)),
    Column("buyer_addr", String(500)),
    Column("buyer_postcode", String(20)),
    Column("custom_data", Text),
    Column("user_agent", String(500)),
    Column("started_at", BigInteger, nullable=False),
    Column("paid_at", BigInteger, nullable=False, server_default="0"),
    Column("failed_at", BigInteger, nullable=False, server_default="0"),
    Column("cancelled_at", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", BigInteger, nullable=False),
    Column("status_at", BigInteger, nullable=False),
    Column("fail_reason", String(500)),
    Column("cancel_reason", String(500)),
    Column("receipt_url", String(500)),
    Column("cash_receipt_issued", Boolean, nullable=False, server_default=text("false")),
    Column("customer_uid", String(100)),
    Column("customer_uid_usage", String(20)),
    Column("notice_url", Text),
    # True while the outcome is open: a PG answer lost in transit (the reconciler asks the PG), or a
    # virtual account awaiting its deposit.
    Column("outcome_pending", Boolean, nullable=False, server_default=text("false")),
    # Lookups by order: equality on both, then already in ``-started`` order (row id breaks ties), so
    # no plan prefers walking one of the merchant's other indexes for ``LIMIT 1``.
    Index(None, "merchant_id", "merchant_uid", "started_at", "id"),
    Index(None, "merchant_id", "status", "status_at"),
    Index(None, "merchant_id", "started_at"),
    Index(
        "ix_payments_vbank_due",
        "vbank_date",
        sqlite_where=text("status = 'ready' AND pay_method = 'vbank'"),
        postgresql_where=text("status = 'ready' AND pay_method = 'vbank'"),
    ),
    Index(
        "ix_payments_customer",
        "merchant_id",
        "customer_uid",
        "started_at",
        sqlite_where=text("customer_uid IS NOT NULL"),
        postgresql_where=text("customer_uid IS NOT NULL"),
    ),
)

# The write-ahead journal of charges, and the record that an order is paid. A charge claims its order
# here before any PG is called; the primary key lets one claim per order exist, so a retried or
# concurrent charge of the same merchant_uid is refused by the database. A declined attempt releases
# its claim; a paid one keeps it for good. ``attempt`` holds the payment as first recorded, so an
# attempt interrupted by a crash can be settled by the reconciler from the journal alone.
order_claims = Table(
    "order_claims",
    metadata,
    Column("merchant_id", Integer, primary_key=True),
    Column("merchant_uid", String(100), primary_key=True),
    Column("imp_uid", String(20), nullable=False),
    Column("state", String(10), nullable=False),  # charging | paid
    Column("attempt", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(
        "ix_order_claims_charging",
        "created_at",
        sqlite_where=text("state = 'charging'"),
        postgresql_where=text("state = 'charging'"),
    ),
)

cancellations = Table(
    "cancellations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # the order cancels happened in
    Column("cancellation_id", String(40), nullable=False, unique=True),
    Column("imp_uid", String(20), ForeignKey("payments.imp_uid"), nullable=False),
    Column("pg_tid", String(100), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("tax_free", BigInteger, nullable=False, server_default="0"),
    Column("reason", String(500), nullable=False, server_default=""),
    Column("cancelled_at", BigInteger, nullable=False),
    Column("receipt_url", String(500), nullable=False, server_default=""),
    Column("refund_holder", String(100)),
    Column("refund_bank", String(10)),
    Column("refund_account", String(40)),
    # pending: reserved and sent to the PG, its answer not recorded yet (the amount counts against
    # the balance so no second cancel can pass it); done: the PG confirmed it.
    Column("state", String(10), nullable=False, server_default="done"),
    Index(None, "imp_uid", "id"),
    Index(
        "ix_cancellations_pending",
        "cancelled_at",
        sqlite_where=text("state = 'pending'"),
        postgresql_where=text("state = 'pending'"),
    ),
)

# The journal of PG calls that are not charges (charges journal in order_claims): billing-key issue
# and delete. A row is written before the PG is called and settled after; one pending call per
# subject (a customer_uid) at a time, so concurrent issues of one key are refused, not raced.
pg_calls = Table(
    "pg_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # key_issue | key_delete
    Column("subject", String(100), nullable=False),
    Column("channel_id", Integer, nullable=True),
    Column("state", String(10), nullable=False),  # pending | done | failed | unknown
    Column("detail", Text, nullable=False, server_default="{}"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(
        "uq_pg_calls_pending",
        "merchant_id",
        "kind",
        "subject",
        unique=True,
        sqlite_where=text("state = 'pending'"),
        postgresql_where=text("state = 'pending'"),
    ),
    Index(
        "ix_pg_calls_unsettled",
        "updated_at",
        sqlite_where=text("state IN ('pending', 'unknown')"),
        postgresql_where=text("state IN ('pending', 'unknown')"),
    ),
)

prepared_orders = Table(
    "prepared_orders",
    metadata,
    Column("merchant_id", Integer, ForeignKey("merchants.id"), primary_key=True),
    Column("merchant_uid", String(100), primary_key=True),
    Column("amount", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("imp_uid", String(20)),
    Column("merchant_uid", String(100)),
    Column("payload", Text, nullable=False),
    Column("target_urls", Text),
    Column("state", String(12), nullable=False, server_default="pending"),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("delivered_at", BigInteger),
    # A worker that takes an event holds it until lease_until; another instance skips it meanwhile.
    Column("lease_until", BigInteger),
    Column("last_error", String(500)),
    # The X-Request-Id of the request that changed the payment (None from background jobs), for
    # the webhook.delivery line; a resent event keeps it. As long as the ids paymux accepts.
    Column("request_id", String(128)),
    # The delivery picker reads only pending rows that are due: a small partial index, whatever the
    # number of delivered and dead events.
    Index(
        "ix_webhook_events_due",
        "next_attempt_at",
        sqlite_where=text("state = 'pending'"),
        postgresql_where=text("state = 'pending'"),
    ),
    Index(None, "merchant_id", "id"),  # the console's delivery log, newest first
)

# The circuit of each webhook endpoint (scheme://host:port) that failed lately: after a few failed
# tries in a row it opens, and events for it are rescheduled, not attempted, until ``open_until``.
# A delivered try deletes the row, so only failing endpoints have one.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("origin", String(300), primary_key=True),
    Column("failures", Integer, nullable=False, server_default="0"),  # failed tries in a row
    Column("opened", Integer, nullable=False, server_default="0"),  # times opened in a row
    Column("open_until", BigInteger),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "updated_at"),
)

# Every delivery attempt of a webhook, for the console's delivery log.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Integer, ForeignKey("webhook_events.id"), nullable=False),
    Column("merchant_id", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("attempted_at", BigInteger, nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Integer, nullable=False, server_default="0"),
    Column("response_excerpt", String(500)),
    Column("error", String(500)),
    Index(None, "event_id", "id"),
    Index(None, "merchant_id", "attempted_at"),
)

# Scheduled charges of a billing key (``/subscribe/payments/schedule``).
schedules = Table(
    "schedules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("customer_uid", String(100), nullable=False),
    Column("merchant_uid", String(100), nullable=False),
    Column("schedule_at", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("tax_free", BigInteger, nullable=False, server_default="0"),
    Column("name", String(200)),
    Column("buyer_name", String(200)),
    Column("buyer_email", String(200)),
    Column("buyer_tel", String(40)),
    Column("buyer_addr", String(500)),
    Column("buyer_postcode", String(20)),
    Column("custom_data", Text),
    Column("notice_url", Text),
    Column("schedule_status", String(12), nullable=False),  # scheduled | executed | revoked
    Column("imp_uid", String(20)),
    Column("payment_status", String(12)),
    Column("fail_reason", String(500)),
    Column("executed_at", BigInteger, nullable=False, server_default="0"),
    Column("revoked_at", BigInteger, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("lease_until", BigInteger),  # see webhook_events.lease_until
    UniqueConstraint("merchant_id", "merchant_uid"),
    Index(None, "schedule_status", "schedule_at"),
    Index(None, "merchant_id", "customer_uid", "schedule_at"),
    Index(None, "merchant_id", "schedule_at"),
)

# The sandbox PGs' own memory (the test server's side of the wire): billing rules that depend on
# earlier charges, and the eventual outcome of charges that "timed out". Keyed by the sandbox.
sandbox_ledger = Table(
    "sandbox_ledger",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

# People who sign in to the merchant console. The password is an argon2id hash; after
# ``failed_attempts`` reaches the limit the login is refused until ``locked_until``.
console_users = Table(
    "console_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", BigInteger, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("last_login_at", BigInteger, nullable=False, server_default="0"),
)

# Console sign-ins. Only the SHA-256 of the cookie's token is stored, so a copy of the database
# opens no session; the CSRF token every console form carries belongs to the session.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("console_users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index(None, "user_id"),
    Index(None, "expires_at"),
)

# Throttle counters (paymux.services.throttle): one fixed window per key ("console-login:<address>",
# "token-failures:<address>", "window:<user code>:<address>"), raised by one upsert so every instance
# counts into the same row; a window that has expired starts over at the next hit.
throttle_counters = Table(
    "throttle_counters",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("hits", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index(None, "expires_at"),
)

# Cash receipts (현금영수증, ``/receipts``) the sandbox issued: of a paid transfer or virtual-account
# payment (kind "payment", subject = imp_uid) or of a cash sale outside paymux (kind "external",
# subject = merchant_uid). One row per subject: a cancelled receipt may be issued again into it. The
# buyer's identifier (phone, resident or business number, card) is kept masked only.
cash_receipts = Table(
    "cash_receipts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # payment | external
    Column("subject", String(100), nullable=False),
    Column("imp_uid", String(20)),
    Column("merchant_uid", String(100)),
    Column("channel_id", Integer, nullable=True),
    Column("pg_provider", String(40), nullable=False),
    Column("receipt_tid", String(60), nullable=False),
    Column("apply_num", String(20), nullable=False),
    Column("type", String(10), nullable=False),  # person | company
    Column("identifier_type", String(10)),
    Column("identifier_masked", String(40), nullable=False),
    Column("name", String(200)),
    Column("amount", BigInteger, nullable=False),
    Column("vat", BigInteger, nullable=False),
    Column("tax_free", BigInteger, nullable=False, server_default="0"),
    Column("buyer_name", String(200)),
    Column("buyer_email", String(200)),
    Column("buyer_tel", String(40)),
    Column("receipt_token", String(40), nullable=False, unique=True),  # the public receipt page's key
    Column("applied_at", BigInteger, nullable=False),
    Column("cancelled_at", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("merchant_id", "kind", "subject"),
)

# Identity verifications (본인인증, ``/certifications`` and ``IMP.certification``) of the sandbox. The
# OTP is kept as a hash only; DELETE /certifications/{imp_uid} removes the row (i'mport erases the
# person's data).
certifications = Table(
    "certifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("imp_uid", String(20), nullable=False, unique=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("merchant_uid", String(100)),
    Column("name", String(100), nullable=False),
    Column("gender", String(10), nullable=False),  # male | female
    Column("birthday", String(8), nullable=False),  # YYYYMMDD
    Column("foreigner", Boolean, nullable=False, server_default=text("false")),
    Column("phone", String(20), nullable=False),
    Column("carrier", String(10), nullable=False),
    Column("mvno", Boolean, nullable=False, server_default=text("false")),
    Column("certified", Boolean, nullable=False, server_default=text("false")),
    Column("certified_at", BigInteger, nullable=False, server_default="0"),
    Column("unique_key", String(100), nullable=False),
    Column("unique_in_site", String(100), nullable=False),
    Column("pg_tid", String(60), nullable=False),
    Column("pg_provider", String(40), nullable=False),
    Column("origin", String(500)),
    Column("otp_hash", String(64)),
    Column("otp_attempts", Integer, nullable=False, server_default="0"),
    Column("otp_expires_at", BigInteger, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "merchant_id", "created_at"),
)

# Shipping of escrow payments (``/escrows/logis/{imp_uid}``): one registration per payment, changed
# by PUT. sender and receiver are JSON objects as the shop sent them.
escrow_logis = Table(
    "escrow_logis",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("merchant_id", Integer, ForeignKey("merchants.id"), nullable=False),
    Column("imp_uid", String(20), nullable=False, unique=True),
    Column("company", String(40), nullable=False),
    Column("invoice", String(60), nullable=False),
    Column("sent_at", BigInteger, nullable=False),
    Column("receiving_at", String(20)),
    Column("address", String(500)),
    Column("sender", Text, nullable=False, server_default="{}"),
    Column("receiver", Text, nullable=False, server_default="{}"),
    Column("applied_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Short stand-ins for window tickets, for PGs that cap the return URL paymux hands them (Kakao Pay's
# approval_url/cancel_url/fail_url: 255 characters): the PG gets ``ticket=~{token}`` and the window's
# full signed ticket is read back from here. Rows are as old as their window; the ticket's own age
# still decides whether the window is open.
pg_window_tickets = Table(
    "pg_window_tickets",
    metadata,
    Column("token", String(40), primary_key=True),
    Column("ticket", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "created_at"),
)

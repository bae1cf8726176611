"""compatibility: receipts, escrow, certifications (#10)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 03:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cash_receipts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('imp_uid', sa.String(length=20), nullable=True),
    sa.Column('merchant_uid', sa.String(length=100), nullable=True),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('pg_provider', sa.String(length=40), nullable=False),
    sa.Column('receipt_tid', sa.String(length=60), nullable=False),
    sa.Column('apply_num', sa.String(length=20), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('identifier_type', sa.String(length=10), nullable=True),
    sa.Column('identifier_masked', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('vat', sa.BigInteger(), nullable=False),
    sa.Column('tax_free', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('buyer_name', sa.String(length=200), nullable=True),
    sa.Column('buyer_email', sa.String(length=200), nullable=True),
    sa.Column('buyer_tel', sa.String(length=40), nullable=True),
    sa.Column('receipt_token', sa.String(length=40), nullable=False),
    sa.Column('applied_at', sa.BigInteger(), nullable=False),
    sa.Column('cancelled_at', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_cash_receipts_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_receipts')),
    sa.UniqueConstraint('merchant_id', 'kind', 'subject', name=op.f('uq_cash_receipts_merchant_id_kind_subject')),
    sa.UniqueConstraint('receipt_token', name=op.f('uq_cash_receipts_receipt_token'))
    )
    op.create_table('certifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('imp_uid', sa.String(length=20), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('merchant_uid', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=False),
    sa.Column('birthday', sa.String(length=8), nullable=False),
    sa.Column('foreigner', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('carrier', sa.String(length=10), nullable=False),
    sa.Column('mvno', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('certified', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('certified_at', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('unique_key', sa.String(length=100), nullable=False),
    sa.Column('unique_in_site', sa.String(length=100), nullable=False),
    sa.Column('pg_tid', sa.String(length=60), nullable=False),
    sa.Column('pg_provider', sa.String(length=40), nullable=False),
    sa.Column('origin', sa.String(length=500), nullable=True),
    sa.Column('otp_hash', sa.String(length=64), nullable=True),
    sa.Column('otp_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('otp_expires_at', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_certifications_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications')),
    sa.UniqueConstraint('imp_uid', name=op.f('uq_certifications_imp_uid'))
    )
    op.create_index('ix_certifications_merchant_id_created_at', 'certifications', ['merchant_id', 'created_at'], unique=False)
    op.create_table('escrow_logis',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('imp_uid', sa.String(length=20), nullable=False),
    sa.Column('company', sa.String(length=40), nullable=False),
    sa.Column('invoice', sa.String(length=60), nullable=False),
    sa.Column('sent_at', sa.BigInteger(), nullable=False),
    sa.Column('receiving_at', sa.String(length=20), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('sender', sa.Text(), server_default='{}', nullable=False),
    sa.Column('receiver', sa.Text(), server_default='{}', nullable=False),
    sa.Column('applied_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_escrow_logis_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escrow_logis')),
    sa.UniqueConstraint('imp_uid', name=op.f('uq_escrow_logis_imp_uid'))
    )


def downgrade() -> None:
    op.drop_table('escrow_logis')
    op.drop_index('ix_certifications_merchant_id_created_at', table_name='certifications')
    op.drop_table('certifications')
    op.drop_table('cash_receipts')

"""performance: indexes and plans independent of statistics (#15)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 03:30:00

The order lookup's index also carries the row id, so ``ORDER BY started_at DESC, id DESC LIMIT 1``
is read straight from it and no generic plan walks the merchant's (merchant_id, started_at) index
instead. ``paymux.store.migrate`` analyzes the database after every upgrade.
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_payments_merchant_id_merchant_uid_started_at_id', 'payments',
                    ['merchant_id', 'merchant_uid', 'started_at', 'id'], unique=False)
    op.drop_index('ix_payments_merchant_id_merchant_uid_started_at', table_name='payments')


def downgrade() -> None:
    op.create_index('ix_payments_merchant_id_merchant_uid_started_at', 'payments',
                    ['merchant_id', 'merchant_uid', 'started_at'], unique=False)
    op.drop_index('ix_payments_merchant_id_merchant_uid_started_at_id', table_name='payments')

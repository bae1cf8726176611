"""Webhook events keep the request id of the request that caused them (#13)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 07:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: events written before this revision, and by background jobs, have no request.
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_column('request_id')

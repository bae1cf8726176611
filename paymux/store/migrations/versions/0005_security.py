"""security: throttle counters shared by every instance (#11 items 2 and 4)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 03:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'throttle_counters',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle_counters')),
    )
    op.create_index(op.f('ix_throttle_counters_expires_at'), 'throttle_counters', ['expires_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_throttle_counters_expires_at'), table_name='throttle_counters')
    op.drop_table('throttle_counters')

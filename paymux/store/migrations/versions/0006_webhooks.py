"""webhooks: fair delivery per endpoint (#11, #15)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 03:30:00

The merchant's webhook body format; the due-event index covers only pending rows; the console's log
reads (merchant_id, id); the circuit of failing endpoints.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('merchants') as batch:
        batch.add_column(sa.Column('webhook_format', sa.String(length=10), server_default='json', nullable=False))
    op.drop_index('ix_webhook_events_state_next_attempt_at', table_name='webhook_events')
    op.drop_index('ix_webhook_events_merchant_id_created_at', table_name='webhook_events')
    op.create_index('ix_webhook_events_due', 'webhook_events', ['next_attempt_at'], unique=False,
                    sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))
    op.create_index('ix_webhook_events_merchant_id_id', 'webhook_events', ['merchant_id', 'id'], unique=False)
    op.create_table('webhook_endpoints',
    sa.Column('origin', sa.String(length=300), nullable=False),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('opened', sa.Integer(), server_default='0', nullable=False),
    sa.Column('open_until', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('origin', name=op.f('pk_webhook_endpoints'))
    )
    op.create_index('ix_webhook_endpoints_updated_at', 'webhook_endpoints', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhook_endpoints_updated_at', table_name='webhook_endpoints')
    op.drop_table('webhook_endpoints')
    op.drop_index('ix_webhook_events_merchant_id_id', table_name='webhook_events')
    op.drop_index('ix_webhook_events_due', table_name='webhook_events')
    op.create_index('ix_webhook_events_merchant_id_created_at', 'webhook_events', ['merchant_id', 'created_at'], unique=False)
    op.create_index('ix_webhook_events_state_next_attempt_at', 'webhook_events', ['state', 'next_attempt_at'], unique=False)
    with op.batch_alter_table('merchants') as batch:
        batch.drop_column('webhook_format')

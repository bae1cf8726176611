"""journal of every PG call: pending cancellations, the pg_calls journal, channel endpoints

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('channels', sa.Column('endpoint', sa.String(length=500), nullable=True))
    with op.batch_alter_table('cancellations') as batch:
        batch.add_column(sa.Column('state', sa.String(length=10), server_default='done', nullable=False))
    op.create_index('ix_cancellations_pending', 'cancellations', ['cancelled_at'], unique=False,
                    sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))
    op.create_table('pg_calls',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_pg_calls_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pg_calls'))
    )
    op.create_index('uq_pg_calls_pending', 'pg_calls', ['merchant_id', 'kind', 'subject'], unique=True,
                    sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))
    op.create_index('ix_pg_calls_unsettled', 'pg_calls', ['updated_at'], unique=False,
                    sqlite_where=sa.text("state IN ('pending', 'unknown')"),
                    postgresql_where=sa.text("state IN ('pending', 'unknown')"))


def downgrade() -> None:
    op.drop_index('ix_pg_calls_unsettled', table_name='pg_calls')
    op.drop_index('uq_pg_calls_pending', table_name='pg_calls')
    op.drop_table('pg_calls')
    op.drop_index('ix_cancellations_pending', table_name='cancellations')
    with op.batch_alter_table('cancellations') as batch:
        batch.drop_column('state')
    op.drop_column('channels', 'endpoint')

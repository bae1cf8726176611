"""PGs part 2: Kakao Pay, Mobilians, Toss, NICE (#12)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 03:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Kakao Pay: short stand-ins for window tickets (its return URLs are capped at 255 characters).
    op.create_table('pg_window_tickets',
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('ticket', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_pg_window_tickets'))
    )
    op.create_index(op.f('ix_pg_window_tickets_created_at'), 'pg_window_tickets', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pg_window_tickets_created_at'), table_name='pg_window_tickets')
    op.drop_table('pg_window_tickets')

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
    pass


def downgrade() -> None:
    pass

"""a type change

Revision ID: u06
Revises: s05
"""
from alembic import op
import sqlalchemy as sa

revision = 'u06'
down_revision = 's05'
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column('users', 'name', type_=sa.String(200), existing_type=sa.String(64))


def downgrade():
    pass

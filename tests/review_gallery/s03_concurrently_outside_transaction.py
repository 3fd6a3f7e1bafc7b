"""CONCURRENTLY in an autocommit block

Revision ID: s03
Revises: u02
"""
from alembic import op
import sqlalchemy as sa

revision = 's03'
down_revision = 'u02'
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index('ix_users_email', 'users', ['email'], postgresql_concurrently=True)


def downgrade():
    pass

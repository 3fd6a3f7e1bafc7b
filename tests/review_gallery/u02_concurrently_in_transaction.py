"""CONCURRENTLY inside the transaction

Revision ID: u02
Revises: u01
"""
from alembic import op
import sqlalchemy as sa

revision = 'u02'
down_revision = 'u01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_users_email', 'users', ['email'], postgresql_concurrently=True)


def downgrade():
    pass

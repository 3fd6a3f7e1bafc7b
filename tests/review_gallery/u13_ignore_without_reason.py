"""an ignore comment without a reason

Revision ID: u13
Revises: s12
"""
from alembic import op
import sqlalchemy as sa

revision = 'u13'
down_revision = 's12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_users_seen', 'users', ['seen'])  # flask-migrate-legacy: ignore[lock-index-blocks-writes]


def downgrade():
    pass

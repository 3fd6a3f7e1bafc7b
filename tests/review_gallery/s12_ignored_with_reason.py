"""an index ignored with a reason

Revision ID: s12
Revises: u11
"""
from alembic import op
import sqlalchemy as sa

revision = 's12'
down_revision = 'u11'
branch_labels = None
depends_on = None


def upgrade():
    # flask-migrate-legacy: ignore[lock-index-blocks-writes] users has 40 rows; the build takes a millisecond
    op.create_index('ix_users_created', 'users', ['created'])


def downgrade():
    pass

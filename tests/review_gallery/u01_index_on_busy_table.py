"""an index on the busy users table

Revision ID: u01
Revises: <base>
"""
from alembic import op
import sqlalchemy as sa

revision = 'u01'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_users_name', 'users', ['name'])


def downgrade():
    pass

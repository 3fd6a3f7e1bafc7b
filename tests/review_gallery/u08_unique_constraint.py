"""a unique constraint on an existing table

Revision ID: u08
Revises: u07
"""
from alembic import op
import sqlalchemy as sa

revision = 'u08'
down_revision = 'u07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_unique_constraint('uq_users_email', 'users', ['email'])


def downgrade():
    pass

"""raw SQL

Revision ID: u10
Revises: s09
"""
from alembic import op
import sqlalchemy as sa

revision = 'u10'
down_revision = 's09'
branch_labels = None
depends_on = None


def upgrade():
    op.execute('UPDATE users SET name = lower(name)')


def downgrade():
    pass

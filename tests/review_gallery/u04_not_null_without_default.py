"""a NOT NULL column without a default

Revision ID: u04
Revises: s03
"""
from alembic import op
import sqlalchemy as sa

revision = 'u04'
down_revision = 's03'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('plan', sa.String(20), nullable=False))


def downgrade():
    pass

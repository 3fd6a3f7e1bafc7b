"""a NOT NULL column with a server default

Revision ID: s05
Revises: u04
"""
from alembic import op
import sqlalchemy as sa

revision = 's05'
down_revision = 'u04'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('plan', sa.String(20), nullable=False, server_default='free'))


def downgrade():
    pass

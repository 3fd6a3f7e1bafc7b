"""a column the models still map, dropped

Revision ID: u11
Revises: u10
"""
from alembic import op
import sqlalchemy as sa

revision = 'u11'
down_revision = 'u10'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_column('users', 'name')


def downgrade():
    pass

"""a type change in batch mode

Revision ID: u14
Revises: u13
"""
from alembic import op
import sqlalchemy as sa

revision = 'u14'
down_revision = 'u13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('email', type_=sa.String(320))


def downgrade():
    pass

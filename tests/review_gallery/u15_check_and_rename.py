"""a check constraint validated at once, and a rename the models still use

Revision ID: u15
Revises: u14
"""
from alembic import op
import sqlalchemy as sa

revision = 'u15'
down_revision = 'u14'
branch_labels = None
depends_on = None


def upgrade():
    op.create_check_constraint('ck_users_age', 'users', 'age >= 0')
    op.alter_column('users', 'email', new_column_name='mail')


def downgrade():
    pass

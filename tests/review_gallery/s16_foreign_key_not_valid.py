"""a foreign key added NOT VALID, then validated

Revision ID: s16
Revises: u15
"""
from alembic import op
import sqlalchemy as sa

revision = 's16'
down_revision = 'u15'
branch_labels = None
depends_on = None


def upgrade():
    op.create_foreign_key('fk_posts_user', 'posts', 'users', ['user_id'], ['id'], postgresql_not_valid=True)


def downgrade():
    pass

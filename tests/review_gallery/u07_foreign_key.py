"""a foreign key validated at once

Revision ID: u07
Revises: u06
"""
from alembic import op
import sqlalchemy as sa

revision = 'u07'
down_revision = 'u06'
branch_labels = None
depends_on = None


def upgrade():
    op.create_foreign_key('fk_posts_user', 'posts', 'users', ['user_id'], ['id'])


def downgrade():
    pass

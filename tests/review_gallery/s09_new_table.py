"""everything on a table the revision creates

Revision ID: s09
Revises: u08
"""
from alembic import op
import sqlalchemy as sa

revision = 's09'
down_revision = 'u08'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True), sa.Column('user_id', sa.Integer))
    op.create_index('ix_audit_user', 'audit', ['user_id'])
    op.create_foreign_key('fk_audit_user', 'audit', 'users', ['user_id'], ['id'])
    op.add_column('audit', sa.Column('kind', sa.String(10), nullable=False))


def downgrade():
    pass

"""sa.Binary, removed in SQLAlchemy 1.4 (removed-type)

Revision ID: d08
Revises: d07
Create Date: 2017-03-02 10:11:12.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd08'
down_revision = 'd07'


def upgrade():
    op.create_table('avatars', sa.Column('id', sa.Integer, primary_key=True), sa.Column('data', sa.Binary))


def downgrade():
    op.drop_table('avatars')

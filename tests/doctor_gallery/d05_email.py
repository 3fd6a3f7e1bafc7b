"""autoload=True on a bound MetaData (autoload, bound-metadata)

Revision ID: d05
Revises: d04
Create Date: 2017-03-02 10:11:12.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd05'
down_revision = 'd04'


def upgrade():
    meta = sa.MetaData(bind=op.get_bind())
    users = sa.Table('users', meta, autoload=True)
    op.add_column('users', sa.Column('email', sa.String(120)))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('email')

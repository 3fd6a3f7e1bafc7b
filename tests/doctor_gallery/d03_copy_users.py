"""fixable: select with a list (select-list), rows read by attribute

Revision ID: d03
Revises: d02
Create Date: 2017-03-02 10:11:12.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd03'
down_revision = 'd02'


users = sa.table('users', sa.column('id', sa.Integer), sa.column('name', sa.String))


def upgrade():
    bind = op.get_bind()
    # the names of the users, then a marker row for each
    for row in bind.execute(sa.select([users.c.id, users.c.name])).fetchall():
        bind.execute(users.insert().values(id=row.id + 100, name='copy of ' + row.name))


def downgrade():
    op.execute(users.delete().where(users.c.id > 100))

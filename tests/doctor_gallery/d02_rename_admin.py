"""fixable: a data migration with a plain SQL string (string-sql)

Revision ID: d02
Revises: d01
Create Date: 2017-03-02 10:11:12.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd02'
down_revision = 'd01'


def upgrade():
    conn = op.get_bind()
    conn.execute("UPDATE users SET name = 'root' WHERE name = 'admin'")


def downgrade():
    conn = op.get_bind()
    conn.execute(
        "UPDATE users SET name = '%s' WHERE name = 'root'" % 'admin')

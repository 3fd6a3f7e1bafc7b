"""not fixable: engine.execute (engine-execute) and row['key'] (row-string-key)

Revision ID: d04
Revises: d03
Create Date: 2017-03-02 10:11:12.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd04'
down_revision = 'd03'


def upgrade():
    engine = op.get_bind().engine
    for row in engine.execute("SELECT id, name FROM users"):
        print(row['name'])


def downgrade():
    pass

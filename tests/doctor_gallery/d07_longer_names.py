"""clean: batch mode on SQLite, sa.text for SQL (2019)

Revision ID: d07
Revises: d06
Create Date: 2017-03-02 10:11:12.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd07'
down_revision = 'd06'


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=64), type_=sa.String(length=80))
    op.get_bind().execute(sa.text("UPDATE users SET name = :name WHERE id = 1"), {"name": "root"})


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=80), type_=sa.String(length=64))

"""an unnamed constraint, a renamed op argument, an ALTER outside batch mode

Revision ID: d06
Revises: d05
Create Date: 2017-03-02 10:11:12.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd06'
down_revision = 'd05'


def upgrade():
    op.create_unique_constraint('uq_users_email', 'users', ['email'])


def downgrade():
    op.drop_constraint(None, 'users', type='unique')

"""default role

Revision ID: 4b7d5b4a4b3d
Revises: 38c4e85512a9
Create Date: 2014-01-04 10:01:02.000000

"""

# revision identifiers, used by Alembic.
revision = '4b7d5b4a4b3d'
down_revision = '38c4e85512a9'

from alembic import op
import sqlalchemy as sa


def upgrade():
    conn = op.get_bind()
    conn.execute("INSERT INTO roles (name) VALUES ('User')")


def downgrade():
    conn = op.get_bind()
    conn.execute("DELETE FROM roles WHERE name = 'User'")

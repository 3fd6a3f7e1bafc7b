import alembic.command
import alembic.config
from sqlalchemy import text

from app_core import app, db

with app.app_context():
    with db.engine.connect() as connection:
        print(connection.execute(text("SELECT version_num FROM alembic_version")).scalar())

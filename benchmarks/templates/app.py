from app_core import app, db
from flask_migrate import Migrate

migrate = Migrate(app, db)


@app.cli.command("hello")
def hello():
    """A custom command that does not touch the database."""
    print("hello")

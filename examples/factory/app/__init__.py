"""The application factory."""
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_migrate import Migrate

db = SQLAlchemy()
migrate = Migrate()


def create_app(config=None):
    """Build the app; ``config`` is a config file path (manage.py's ``-c``)."""
    app = Flask(__name__)
    app.config.from_object('config.DefaultConfig')
    if config:
        app.config.from_pyfile(os.path.abspath(config))
    db.init_app(app)
    migrate.init_app(app, db)

    from .main import main as main_blueprint
    from .api import api as api_blueprint
    app.register_blueprint(main_blueprint)
    app.register_blueprint(api_blueprint, url_prefix='/api/v1')
    return app

"""Default settings; a file given with ``manage.py -c FILE`` overrides them."""
import os


class DefaultConfig:
    SECRET_KEY = os.environ.get('SECRET_KEY', 'change me')
    # Relative SQLite paths end up in the instance folder (Flask-SQLAlchemy 3).
    SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL', 'sqlite:///factory.sqlite')
    SQLALCHEMY_TRACK_MODIFICATIONS = False

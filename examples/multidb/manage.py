"""A project with two databases: users in the main one, an audit log in a bind.

    python manage.py db init --multidb
    python manage.py db migrate -m "users and events"
    python manage.py db upgrade

DATABASE_URL and LOGS_DATABASE_URL choose the databases; by default two SQLite
files beside this one.
"""
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_script import Manager
from flask_migrate import Migrate, MigrateCommand

basedir = os.path.abspath(os.path.dirname(__file__))

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = os.environ.get(
    'DATABASE_URL', 'sqlite:///' + os.path.join(basedir, 'main.sqlite'))
app.config['SQLALCHEMY_BINDS'] = {
    'logs': os.environ.get('LOGS_DATABASE_URL', 'sqlite:///' + os.path.join(basedir, 'logs.sqlite')),
}
app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = False

db = SQLAlchemy(app)
migrate = Migrate(app, db)
manager = Manager(app)
manager.add_command('db', MigrateCommand)


class User(db.Model):
    __tablename__ = 'users'
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), unique=True)


class Event(db.Model):
    __bind_key__ = 'logs'
    __tablename__ = 'events'
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer)
    what = db.Column(db.String(128))


@manager.command
def signup(username):
    """Add a user and record the event in the log database."""
    user = User(username=username)
    db.session.add(user)
    db.session.flush()
    db.session.add(Event(user_id=user.id, what='signed up'))
    db.session.commit()
    print('%s signed up' % username)


if __name__ == '__main__':
    manager.run()

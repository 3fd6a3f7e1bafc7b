"""An app-factory project as Flask-Script tutorials built them, unchanged.

    python manage.py -c production.cfg db upgrade
    python manage.py -c production.cfg deploy
    python manage.py shell
    python manage.py urls

``-c`` names a config file for the factory; without it the defaults in
config.py apply (a SQLite file in the instance folder, or DATABASE_URL).
"""
from flask_script import Manager, Shell
from flask_script.commands import ShowUrls
from flask_migrate import MigrateCommand, upgrade

from app import create_app, db
from app.models import Role, User

manager = Manager(create_app)
manager.add_option('-c', '--config', dest='config', required=False,
                   help='a Python config file for the app')


def make_shell_context():
    return dict(db=db, User=User, Role=Role)


manager.add_command('shell', Shell(make_context=make_shell_context))
manager.add_command('db', MigrateCommand)
manager.add_command('urls', ShowUrls())


@manager.command
def deploy():
    """Run the deployment tasks: migrate the database, then create the roles."""
    upgrade()
    Role.insert_roles()


@manager.option('-n', '--name', dest='name', help='the username')
@manager.option('-r', '--role', dest='role', default='User', help='the role name')
def adduser(name, role):
    """Add a user with a role."""
    if not name:
        print('a name is required (-n NAME)')
        return 1
    db.session.add(User(username=name, role=Role.query.filter_by(name=role).one()))
    db.session.commit()
    print('added %s (%s)' % (name, role))


if __name__ == '__main__':
    manager.run()

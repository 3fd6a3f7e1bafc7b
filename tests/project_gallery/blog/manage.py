from flask_script import Manager
from flask_migrate import Migrate, MigrateCommand

from blog import app, db, Post

migrate = Migrate(app, db)
manager = Manager(app)
manager.add_command('db', MigrateCommand)


@manager.command
def seed():
    "Add a first post."
    db.session.add(Post(title='hello', body='at :noon'))
    db.session.commit()


if __name__ == '__main__':
    manager.run()

@manager.command
def hello():
    """A custom command that does not touch the database."""
    print("hello")

# Alembic settings of a multi-database Flask app. The database URLs come from
# the app (SQLALCHEMY_DATABASE_URI and SQLALCHEMY_BINDS), not from this file.

[alembic]
# template used to generate migration file names
# file_template = %%(rev)s_%%(slug)s

# set to 'true' to run the environment during the 'revision' command,
# regardless of autogenerate
# revision_environment = false


# Logging: see https://docs.python.org/3/library/logging.config.html
[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S

"""Alembic environment of a single-database Flask app (flask-migrate-legacy).

Everything comes from the app: the engine and models from Flask-SQLAlchemy,
options from Migrate(...) through current_app.extensions['migrate'].
Works with Flask-SQLAlchemy 2.5 to 3.1 and SQLAlchemy 1.3 to 2.x.
"""
import logging
from logging.config import fileConfig

from flask import current_app

from alembic import context

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_state = current_app.extensions["migrate"]


def get_engine():
    """Return the app's engine."""
    return migrate_state.db.get_engine(bind=None)


def get_metadata():
    """Return the MetaData autogenerate compares the database with."""
    db = migrate_state.db
    if hasattr(db, "metadatas"):
        return db.metadatas[None]
    return db.metadata


def get_url():
    """Return the engine's URL with its password, escaped for the config file."""
    url = get_engine().url
    if hasattr(url, "render_as_string"):
        url = url.render_as_string(hide_password=False)
    return str(url).replace("%", "%%")


config.set_main_option("sqlalchemy.url", get_url())


def skip_empty_autogenerate(context, revision, directives):
    """Write no revision file when autogenerate found no change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    """Write the SQL to standard output instead of running it (--sql)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=get_metadata(),
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on a connection of the app's engine."""
    options = migrate_state.configure_args
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

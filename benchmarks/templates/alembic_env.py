"""A plain Alembic env.py for the same Flask app: what a Flask project without Flask-Migrate writes."""
import logging
from logging.config import fileConfig

from alembic import context

from app_core import app, db

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")


def skip_empty(context, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with app.app_context():
        with db.engine.connect() as connection:
            context.configure(connection=connection, target_metadata=db.metadata, compare_type=True,
                              render_as_batch=True, process_revision_directives=skip_empty)
            with context.begin_transaction():
                context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

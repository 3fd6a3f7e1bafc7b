"""Alembic environment of a Flask app with several databases (flask-migrate-legacy).

The default database and every SQLALCHEMY_BINDS entry are migrated together:
one transaction per database, all committed only when every one succeeded.
Works with Flask-SQLAlchemy 2.5 to 3.1 and SQLAlchemy 1.3 to 2.x.
"""
import logging
from logging.config import fileConfig

from flask import current_app
from sqlalchemy import MetaData

from alembic import context

USE_TWOPHASE = False

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_state = current_app.extensions["migrate"]
db = migrate_state.db


def bind_names():
    """Return the names of the extra databases."""
    if hasattr(db, "engines"):
        return [name for name in db.engines if name is not None]
    return list(current_app.config.get("SQLALCHEMY_BINDS") or {})


def get_engine(bind=None):
    """Return the engine of a bind ('' or None: the default database)."""
    return db.get_engine(bind=bind or None)


def get_url(bind=None):
    """Return a bind's URL with its password, escaped for the config file."""
    url = get_engine(bind).url
    if hasattr(url, "render_as_string"):
        url = url.render_as_string(hide_password=False)
    return str(url).replace("%", "%%")


def get_metadata(bind):
    """Return the MetaData of one bind ('' is the default database)."""
    key = bind or None
    if hasattr(db, "metadatas"):
        return db.metadatas.get(key) or MetaData()
    metadata = MetaData()
    for table in db.metadata.tables.values():
        if table.info.get("bind_key") == key:
            (table.to_metadata if hasattr(table, "to_metadata") else table.tometadata)(metadata)
    return metadata


config.set_main_option("sqlalchemy.url", get_url())
for name in bind_names():
    config.set_section_option(name, "sqlalchemy.url", get_url(name))


def run_migrations_offline():
    """Write each database's SQL to <bind>.sql instead of running it (--sql)."""
    for name in [""] + bind_names():
        url = config.get_section_option(name, "sqlalchemy.url") if name else config.get_main_option("sqlalchemy.url")
        file_name = "%s.sql" % name
        logger.info("Migrating database %s into %s", name or "<default>", file_name)
        with open(file_name, "w") as buffer:
            context.configure(url=url, output_buffer=buffer, target_metadata=get_metadata(name), literal_binds=True)
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def run_migrations_online():
    """Run the migrations of every database, committing all or none."""
    names = [""] + bind_names()

    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if len(script.upgrade_ops_list) >= len(names) and all(
                ops.is_empty() for ops in script.upgrade_ops_list
            ):
                directives[:] = []
                logger.info("No changes in schema detected.")

    options = migrate_state.configure_args
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    records = {}
    try:
        for name in names:
            connection = get_engine(name).connect()
            records[name] = (connection, connection.begin_twophase() if USE_TWOPHASE else connection.begin())
        for name in names:
            logger.info("Migrating database %s", name or "<default>")
            context.configure(
                connection=records[name][0],
                upgrade_token="%s_upgrades" % name,
                downgrade_token="%s_downgrades" % name,
                target_metadata=get_metadata(name),
                **options
            )
            context.run_migrations(engine_name=name)
        if USE_TWOPHASE:
            for _connection, transaction in records.values():
                transaction.prepare()
        for _connection, transaction in records.values():
            transaction.commit()
    except BaseException:
        for _connection, transaction in records.values():
            transaction.rollback()
        raise
    finally:
        for connection, _transaction in records.values():
            connection.close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

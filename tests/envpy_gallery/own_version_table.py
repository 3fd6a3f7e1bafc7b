# Two apps share one database: this one keeps its revision in a table of its own.
import logging
from logging.config import fileConfig
from flask import current_app
from alembic import context

config = context.config
fileConfig(config.config_file_name)
config.set_main_option('sqlalchemy.url',
                       str(current_app.extensions['migrate'].db.engine.url).replace('%', '%%'))
target_metadata = current_app.extensions['migrate'].db.metadata
VERSION_TABLE = 'shop_alembic_version'
SCHEMA = 'public' if config.get_main_option('sqlalchemy.url').startswith('postgresql') else None


def include_object(object, name, type_, reflected, compare_to):
    return not (type_ == 'table' and name in ('alembic_version', VERSION_TABLE))


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, version_table=VERSION_TABLE, version_table_schema=SCHEMA)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = current_app.extensions['migrate'].db.engine
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          version_table=VERSION_TABLE, version_table_schema=SCHEMA,
                          include_object=include_object,
                          **current_app.extensions['migrate'].configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

# Leave tables the app does not own alone (a cache table, PostGIS's spatial_ref_sys).
import logging
from logging.config import fileConfig
from flask import current_app
from alembic import context

config = context.config
fileConfig(config.config_file_name)
config.set_main_option('sqlalchemy.url',
                       str(current_app.extensions['migrate'].db.engine.url).replace('%', '%%'))
target_metadata = current_app.extensions['migrate'].db.metadata

IGNORED_TABLES = ('spatial_ref_sys', 'cache_entries')
# Schemas are a PostgreSQL matter (with SQLite, SQLAlchemy 1.3 loses alembic_version under it).
ON_POSTGRES = config.get_main_option('sqlalchemy.url').startswith('postgresql')


def include_object(object, name, type_, reflected, compare_to):
    if type_ == 'table' and (name in IGNORED_TABLES or name.startswith('tmp_')):
        return False
    return True


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = current_app.extensions['migrate'].db.engine
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          include_object=include_object, include_schemas=ON_POSTGRES,
                          **current_app.extensions['migrate'].configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

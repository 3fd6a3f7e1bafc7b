# `db upgrade -x database=URL` migrates another database (a tenant, a test copy); no logging set-up.
from flask import current_app
from alembic import context

config = context.config
x_args = context.get_x_argument(as_dictionary=True)
url = x_args.get('database') or str(current_app.extensions['migrate'].db.engine.url)
config.set_main_option('sqlalchemy.url', url.replace('%', '%%'))
target_metadata = current_app.extensions['migrate'].db.metadata


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    from sqlalchemy import create_engine
    if 'database' in x_args:
        engine = create_engine(x_args['database'])
    else:
        engine = current_app.extensions['migrate'].db.engine
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          **current_app.extensions['migrate'].configure_args)
        with context.begin_transaction():
            context.run_migrations()
    if 'database' in x_args:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

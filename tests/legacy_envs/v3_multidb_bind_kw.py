# Flask-Migrate 3.x multidb style: engines from db.get_engine(bind=...) and
# reused as they are, each bind's tables found through db.get_binds()
# (table -> engine), URLs rendered with render_as_string when available.
import logging
from logging.config import fileConfig

from flask import current_app
from sqlalchemy import MetaData
from alembic import context

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger('alembic.env')

target_db = current_app.extensions['migrate'].db


def get_engine(bind_key=None):
    return target_db.get_engine(bind=bind_key)


def get_engine_url(bind_key=None):
    try:
        return get_engine(bind_key).url.render_as_string(hide_password=False).replace('%', '%%')
    except AttributeError:
        return str(get_engine(bind_key).url).replace('%', '%%')


config.set_main_option('sqlalchemy.url', get_engine_url())
bind_names = list(current_app.config.get('SQLALCHEMY_BINDS') or {})
for bind in bind_names:
    context.config.set_section_option(bind, 'sqlalchemy.url', get_engine_url(bind_key=bind))


def get_metadata(bind):
    """The tables whose engine is the bind's engine, per db.get_binds()."""
    wanted = get_engine(bind or None).url
    m = MetaData()
    for table, engine in target_db.get_binds().items():
        if engine.url == wanted:
            table.tometadata(m)
    return m


def run_migrations_offline():
    for name in [''] + bind_names:
        url = (context.config.get_section_option(name, 'sqlalchemy.url') if name
               else context.config.get_main_option('sqlalchemy.url'))
        with open('%s.sql' % name, 'w') as buffer:
            context.configure(url=url, output_buffer=buffer,
                              target_metadata=get_metadata(name), literal_binds=True)
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if len(script.upgrade_ops_list) >= len(bind_names) + 1:
                if all(ops.is_empty() for ops in script.upgrade_ops_list):
                    directives[:] = []
                    logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get('process_revision_directives') is None:
        conf_args['process_revision_directives'] = process_revision_directives

    engines = {'': {'engine': get_engine()}}
    for name in bind_names:
        engines[name] = {'engine': get_engine(bind_key=name)}
    for name, rec in engines.items():
        rec['connection'] = conn = rec['engine'].connect()
        rec['transaction'] = conn.begin()
    try:
        for name, rec in engines.items():
            logger.info('Migrating database %s' % (name or '<default>'))
            context.configure(
                connection=rec['connection'],
                upgrade_token='%s_upgrades' % name,
                downgrade_token='%s_downgrades' % name,
                target_metadata=get_metadata(name),
                **conf_args)
            context.run_migrations(engine_name=name)
        for rec in engines.values():
            rec['transaction'].commit()
    except:  # noqa: E722
        for rec in engines.values():
            rec['transaction'].rollback()
        raise
    finally:
        for rec in engines.values():
            rec['connection'].close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""Keep Flask-Script + Flask-Migrate 2.x era projects migrating on today's stack.

Public names are loaded on first use, so that ``import flask_migrate_legacy``
(and every non-db ``manage.py`` command) does not pay for importing Alembic.
"""

__version__ = "1.0.0"

_EXPORTS = {
    "Migrate": "extension",
    "Config": "config",
    "alembic_version": "config",
    "MigrateCommand": "migrate_command",
    "MigrationError": "errors",
    # the operations, one per db subcommand (scripts/regenerate.py writes these lines)
    "init": "operations",
    "list_templates": "operations",
    "revision": "operations",
    "migrate": "operations",
    "edit": "operations",
    "merge": "operations",
    "upgrade": "operations",
    "downgrade": "operations",
    "show": "operations",
    "history": "operations",
    "heads": "operations",
    "branches": "operations",
    "current": "operations",
    "stamp": "operations",
    "check": "operations",
    "doctor": "operations",
    # end of the operations
    # what else Flask-Migrate 2.x's module held, and projects import from it
    "Manager": "legacy_names",
    "CommandError": "legacy_names",
    "AlembicConfig": "legacy_names",
    "catch_errors": "legacy_names",
    "command": "legacy_names",
    "current_app": "legacy_names",
    "log": "legacy_names",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):  # noqa: ANN001, ANN201  (no typing: this loads at interpreter start)
    import importlib

    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    value = getattr(importlib.import_module("." + module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__():  # noqa: ANN201
    return sorted(list(globals()) + __all__)

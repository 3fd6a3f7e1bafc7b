"""``MigrateCommand``: the ``db`` sub-manager of ``manage.py``, built from the subcommand table.

It is made of the public Flask-Script API only (``Manager``, ``Command``,
``Option``, ``add_command``), so it plugs into the Flask-Script that
``manage.py`` imports: ours, or the real one where it still runs.
"""

from typing import Any, Callable

from .errors import UserError, flush_output, reader_went_away, report
from .startup import report_startup_errors
from .subcommands import SUBCOMMANDS, Subcommand

report_startup_errors()


def _runner(subcommand: Subcommand, reports_errors: bool) -> Callable[..., None]:
    def run(*args: Any, **kwargs: Any) -> None:
        if not reports_errors:  # our Manager.run reports errors and flushes
            subcommand.run(**kwargs)
            return
        try:  # the real Flask-Script would print a traceback, and leave a failed write to Python's exit
            subcommand.run(**kwargs)
            flush_output()
        except UserError as exc:
            report(exc)
            raise SystemExit(exc.exit_code) from None
        except BrokenPipeError:
            raise SystemExit(reader_went_away()) from None

    run.__doc__ = subcommand.help
    return run


def build_migrate_command(script: Any = None) -> Any:
    """Build the ``db`` sub-manager with a Flask-Script compatible ``script`` module (default: ours)."""
    from . import script as our_script

    if script is None:
        script = our_script
    manager = script.Manager(help="Perform database migrations", description="Perform database migrations")
    for subcommand in SUBCOMMANDS:
        command = script.Command()
        command.option_list = [argument.script_option(script, subcommand.default(argument))
                               for argument in subcommand.arguments]
        command.run = _runner(subcommand, reports_errors=script is not our_script)
        command.__doc__ = subcommand.help
        command.help = subcommand.help
        manager.add_command(subcommand.name, command)
    return manager


def flask_script_module() -> Any:
    """Return the Flask-Script API ``manage.py`` files get: ``flask_script``, which the import
    hook makes the real one where it runs and ours elsewhere (None without the hook)."""
    try:
        import flask_script
    except Exception:
        return None
    return flask_script if hasattr(flask_script, "Manager") else None


def __getattr__(name: str) -> Any:
    if name == "MigrateCommand":
        value = build_migrate_command(flask_script_module())
        globals()[name] = value
        return value
    raise AttributeError("module %r has no attribute %r" % (__name__, name))

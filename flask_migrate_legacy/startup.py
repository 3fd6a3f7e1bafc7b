"""The start-up report: what fails while the app is built, as one ``Error:`` line.

Database settings (Flask-SQLAlchemy 3 builds engines inside ``SQLAlchemy(app)``,
in the user's module, before ``Manager.run`` or ``flask db`` exist) and names a
newer release removed (``from wtforms import TextField``). Importing ``Migrate``
or ``MigrateCommand`` (every project does, above its app) installs a
``sys.excepthook`` for both command lines. Kept light: the wording is loaded
only when such an error ends the process.
"""

from typing import Optional

from .errors import install_startup_report


def _startup_error_line(error: BaseException) -> Optional[str]:
    from .removals import hint_line

    hint = hint_line(error)
    if hint is not None:
        return hint
    from .configuration_errors import describe_startup_error

    return describe_startup_error(error)


def report_startup_errors() -> None:
    """Install the start-up report (once per process)."""
    install_startup_report(_startup_error_line)

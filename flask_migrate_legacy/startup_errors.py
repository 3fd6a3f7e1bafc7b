"""One-line reports for database configuration errors raised while ``manage.py`` builds its app.

Flask-SQLAlchemy 3 creates its engines inside ``SQLAlchemy(app)``, so a
missing driver or a malformed URL fails in the user's module, before any
command runs. Importing the Flask-Script API installs a ``sys.excepthook``
that reports exactly those errors as ``Error: ...`` (exit status 1, as for
any uncaught exception) and hands everything else to the previous hook.
"""

import sys
from typing import Any, Optional


def describe_startup_error(error: BaseException) -> Optional[str]:
    """Return a one-line message for a database configuration error, else None."""
    from .failures import describe_configuration_error

    if isinstance(error, ImportError) and not _raised_by_sqlalchemy(error):
        return None  # an import the user's own code makes
    return describe_configuration_error(error)


def _raised_by_sqlalchemy(error: BaseException) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        if "sqlalchemy" in traceback.tb_frame.f_code.co_filename:
            return True
        traceback = traceback.tb_next
    return False


def install_excepthook() -> None:
    """Report database configuration errors in one line; leave every other error alone."""
    previous = sys.excepthook
    if getattr(previous, "_flask_migrate_legacy", False):
        return

    def excepthook(kind: Any, error: BaseException, traceback: Any) -> None:
        from .errors import UserError, report, traceback_requested

        try:
            message = None if traceback_requested() else describe_startup_error(error)
        except Exception:  # never let the report hide the error itself
            message = None
        if message is None:
            previous(kind, error, traceback)
        else:
            report(UserError(message))

    excepthook._flask_migrate_legacy = True  # type: ignore[attr-defined]
    sys.excepthook = excepthook

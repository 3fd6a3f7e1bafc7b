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
    module = type(error).__module__ or ""
    if isinstance(error, ImportError):
        from .failures import DRIVER_PACKAGES, missing_driver

        driver = missing_driver(error)
        if driver is None or not _raised_by_sqlalchemy(error):
            return None
        return "the database driver %r is not installed: pip install %s" % (driver, DRIVER_PACKAGES[driver])
    if module.startswith("sqlalchemy"):
        name = type(error).__name__
        text = " ".join(str(error).split())
        if name == "NoSuchModuleError":
            return "unknown database dialect in the URL: %s" % text
        if name == "ArgumentError" and "URL" in text:
            return "bad database URL: %s" % text
    return None


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

        message = None if traceback_requested() else describe_startup_error(error)
        if message is None:
            previous(kind, error, traceback)
        else:
            report(UserError(message))

    excepthook._flask_migrate_legacy = True  # type: ignore[attr-defined]
    sys.excepthook = excepthook

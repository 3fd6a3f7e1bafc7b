"""The start-up report: database settings that fail while the app is built, as one ``Error:`` line.

Flask-SQLAlchemy 3 builds engines inside ``SQLAlchemy(app)``, in the user's
module, before ``Manager.run`` or ``flask db`` exist. So importing ``Migrate``
or ``MigrateCommand`` (every project does, above its app) installs a
``sys.excepthook`` for both command lines. Kept light: the wording is loaded
from ``failures`` only when such an error ends the process.
"""

from typing import Optional

from .errors import install_startup_report


def _startup_error_line(error: BaseException) -> Optional[str]:
    from .failures import describe_startup_error

    return describe_startup_error(error)


def report_startup_errors() -> None:
    """Install the start-up report (once per process)."""
    install_startup_report(_startup_error_line)

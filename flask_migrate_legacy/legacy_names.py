"""The other names Flask-Migrate 2.x's module held, which projects import from it.

``from flask_migrate import Manager`` worked (2.x imported Flask-Script's
Manager), and so did ``CommandError``, ``catch_errors`` and the rest below;
``__init__`` loads this module only when one of them is asked for.
"""

import functools
import logging
import sys
from typing import Any, Callable

from alembic import command  # noqa: F401  (re-exported, as 2.x's module had it)
from alembic.config import Config as AlembicConfig  # noqa: F401
from alembic.util import CommandError
from flask import current_app  # noqa: F401

from .errors import UserError, report
from .migrate_command import flask_script_module

#: 2.x's logger (``logging.getLogger("flask_migrate")``).
log = logging.getLogger("flask_migrate")


def _manager() -> Any:
    script = flask_script_module()
    if script is None:
        from .script import Manager

        return Manager
    return script.Manager


#: Flask-Script's Manager: the real one where it runs here, else this package's (as ``flask_script`` is).
Manager = _manager()


def catch_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command so that a migration error is one ``Error:`` line and exit status 1, as 2.x's did."""

    @functools.wraps(function)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (CommandError, RuntimeError, UserError) as exc:
            report(exc)
            sys.exit(exc.exit_code if isinstance(exc, UserError) else 1)

    return wrapped

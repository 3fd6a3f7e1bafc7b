"""The one error family a user sees as a single line, and the one place it is reported."""

import os
import sys
import traceback
from typing import Optional, TextIO

#: Set to 1 to see the full traceback behind an ``Error: ...`` line.
TRACEBACK_ENV = "FLASK_MIGRATE_LEGACY_TRACEBACK"


class UserError(Exception):
    """Report a failure caused by input or environment, not by a bug.

    Both command lines turn it into ``Error: <message>`` on stderr and exit
    with :attr:`exit_code`; the traceback is shown only when
    ``FLASK_MIGRATE_LEGACY_TRACEBACK=1`` is set.
    """

    exit_code = 1


def traceback_requested() -> bool:
    """Tell whether the user asked for tracebacks behind error lines."""
    return os.environ.get(TRACEBACK_ENV, "").lower() in ("1", "true", "yes", "on")


def report(error: BaseException, stream: Optional[TextIO] = None) -> None:
    """Write ``error`` as one ``Error: ...`` line (plus its traceback on request)."""
    stream = stream if stream is not None else sys.stderr
    if traceback_requested():
        traceback.print_exception(type(error), error, error.__traceback__, file=stream)
    message = " ".join(str(error).split()) or type(error).__name__
    stream.write("Error: %s\n" % message)
    stream.flush()

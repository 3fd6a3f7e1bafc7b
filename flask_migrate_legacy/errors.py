"""The one error family a user sees as a single line, and the one place it is reported."""

import contextlib
import os
import signal
import sys
import threading
import traceback
from typing import Any, Iterator, Optional, TextIO

#: Set to 1 to see the full traceback behind an ``Error: ...`` line.
TRACEBACK_ENV = "FLASK_MIGRATE_LEGACY_TRACEBACK"


class UserError(Exception):
    """Report a failure caused by input or environment, not by a bug.

    Both command lines turn it into ``Error: <message>`` on stderr and exit
    with :attr:`exit_code`; the traceback is shown only when
    ``FLASK_MIGRATE_LEGACY_TRACEBACK=1`` is set.
    """

    exit_code = 1


class Terminated(KeyboardInterrupt):
    """SIGTERM (what systemd, Docker and Kubernetes send), raised so that it unwinds like Ctrl-C."""

    exit_code = 143
    description = "terminated (SIGTERM)"


def interruption_description(exc: BaseException) -> str:
    """Say what stopped the run: Ctrl-C or SIGTERM."""
    return getattr(exc, "description", "interrupted (Ctrl-C)")


def interruption_exit_code(exc: BaseException) -> int:
    """Return the exit status shells give that signal: 130 for SIGINT, 143 for SIGTERM."""
    return getattr(exc, "exit_code", 130)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Raise :class:`Terminated` on SIGTERM inside the block (main thread only), then restore."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: Any) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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

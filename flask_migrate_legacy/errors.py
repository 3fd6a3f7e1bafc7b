"""The error model: one exception family that carries its exit status and one-line message.

Every failure a user should see as ``Error: <one line>`` is a :class:`UserError`
(or becomes one in ``foreign_errors.translate``); each command line prints it in
one place (``Manager.run``, the ``flask db`` group) through :func:`report`.
Exit statuses are decided here and nowhere else: 1 failure, 2 usage, 130
Ctrl-C, 143 SIGTERM, 141 a reader that went away. This module imports nothing
of the package but ``switches``, so the Flask-Script layer can use it without
the migration modules.
"""

import contextlib
import os
import signal
import sys
import threading
import traceback
from types import FrameType, TracebackType
from typing import Any, Callable, Iterator, Mapping, Optional, TextIO, Type

from .switches import read_switch

#: Set to 1 to see the full traceback behind an ``Error: ...`` line.
TRACEBACK_ENV = "FLASK_MIGRATE_LEGACY_TRACEBACK"



class UserError(Exception):
    """Report a failure caused by input or environment, not by a bug.

    Both command lines turn it into ``Error: <message>`` on stderr and exit
    with :attr:`exit_code`; the traceback is shown only when
    ``FLASK_MIGRATE_LEGACY_TRACEBACK=1`` is set.
    """

    exit_code = 1


class MigrationError(UserError):
    """A db subcommand failed; the message says why in one line."""


class UsageError(MigrationError):
    """The subcommand was given arguments that do not go together (exit status 2)."""

    exit_code = 2


class ParameterError(UsageError):
    """A bad value of an operation's parameters, named in the message as ``{parameter}``.

    Called as a function, the message names the parameter (``message``); each
    command line respells it as its flag (``-m/--message``) with :meth:`spelled`.
    """

    def __init__(self, template: str, *parameters: str) -> None:
        self.template = template
        self.parameters = parameters
        super().__init__(self._filled(lambda parameter: parameter))

    def _filled(self, spelling: Callable[[str], str]) -> str:
        text = self.template
        for parameter in self.parameters:
            text = text.replace("{%s}" % parameter, spelling(parameter))
        return text

    def spelled(self, spelling: Callable[[str], str]) -> UsageError:
        """Return this error worded with each parameter as ``spelling`` shows it (a command line's flag)."""
        return UsageError(self._filled(spelling))


class OutputFailed(UserError):
    """Standard output could not be written (a full disk, an I/O error): what it got is incomplete."""

    def __init__(self, error: OSError) -> None:
        super().__init__("could not write the output (%s): what was written is incomplete"
                         % (error.strerror or error))


#: The exit status of a command whose reader went away (``| head``), as a shell reports SIGPIPE.
READER_GONE_EXIT = 141


def flush_output() -> None:
    """Flush stdout at the end of a command, a failure becoming :class:`OutputFailed`.

    A reader that went away (``| head``) is not a failure: Alembic stays quiet
    about it, and so does this.
    """
    flush = getattr(sys.stdout, "flush", None)  # None without a console, or a stand-in of the caller's
    if flush is None:
        return
    try:
        flush()
    except BrokenPipeError:
        _stdout_to_devnull()
    except OSError as exc:
        raise OutputFailed(exc) from exc


def reader_went_away() -> int:
    """End a command quietly whose output nobody reads any more; return its exit status."""
    _stdout_to_devnull()
    return READER_GONE_EXIT


def _stdout_to_devnull() -> None:
    # What is still buffered would fail again when Python flushes at exit, with a traceback.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # a stdout without a file descriptor (tests)
        pass


class Terminated(KeyboardInterrupt):
    """SIGTERM (what systemd, Docker and Kubernetes send), raised so that it unwinds like Ctrl-C."""

    exit_code = 143
    description = "terminated (SIGTERM)"


class Interrupted(MigrationError):
    """Ctrl-C or SIGTERM stopped a db subcommand; exits as shells report the signal (130, 143)."""

    exit_code = 130

    def __init__(self, message: str, interrupt: Optional[BaseException] = None) -> None:
        super().__init__(message)
        if isinstance(interrupt, Terminated):
            self.exit_code = Terminated.exit_code


def interruption_description(interrupt: BaseException) -> str:
    """Say what stopped the run: Ctrl-C or SIGTERM."""
    return Terminated.description if isinstance(interrupt, Terminated) else "interrupted (Ctrl-C)"


def switch(name: str, default: bool, config: Optional[Mapping[str, Any]] = None) -> bool:
    """Read an on/off setting (environment over ``config``); a value that is neither is a UserError."""
    try:
        return read_switch(name, default, config)
    except ValueError as exc:
        raise UserError(str(exc)) from None


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Raise :class:`Terminated` on SIGTERM inside the block (main thread only), then restore."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: Optional[FrameType]) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def traceback_requested() -> bool:
    """Tell whether the user asked for tracebacks behind error lines (never fails: errors are being shown)."""
    try:
        return read_switch(TRACEBACK_ENV, False)
    except ValueError:
        return False


def report(error: BaseException, stream: Optional[TextIO] = None) -> None:
    """Write ``error`` as one ``Error: ...`` line (plus its traceback on request)."""
    stream = stream if stream is not None else sys.stderr
    if traceback_requested():
        traceback.print_exception(type(error), error, error.__traceback__, file=stream)
    message = " ".join(str(error).split()) or type(error).__name__
    stream.write("Error: %s\n" % message)
    stream.flush()


def install_startup_report(describe: Callable[[BaseException], Optional[str]]) -> None:
    """Report errors that ``describe`` recognises as one line when they end the process.

    For failures before any command runs (Flask-SQLAlchemy 3 builds engines in
    ``SQLAlchemy(app)``, in the user's module). Everything ``describe``
    returns None for goes to the previous hook unchanged; installed once.
    """
    previous = sys.excepthook
    if getattr(previous, "reports_startup_errors", False):
        return

    def excepthook(kind: Type[BaseException], error: BaseException, trace: Optional[TracebackType]) -> None:
        try:
            message = None if traceback_requested() else describe(error)
        except Exception:  # never let the report hide the error itself
            message = None
        if message is None:
            previous(kind, error, trace)
        else:
            report(UserError(message))

    excepthook.reports_startup_errors = True  # type: ignore[attr-defined]
    sys.excepthook = excepthook

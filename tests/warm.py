"""Run ``python ...`` command lines as real processes that start warm.

A fresh interpreter here spends ~0.6 s importing Flask, SQLAlchemy and Alembic
before ``manage.py`` runs its first line, and the end-to-end suites start
hundreds of them. :func:`run` hands the command line to a server
(``warm_server.py``) that imported those libraries once, and which forks one
child per run: a real process, with its own standard streams, folder,
environment, exit status and signals, running the program as the
interpreter's main would. Nothing of this package nor of the project is
imported before the child starts, and the package's import hook is installed
at the server's start by its .pth file, as in every interpreter.

One server per interpreter and per start-up environment (what Python and the
.pth file read before any program runs: ``PYTHON*``, locale, the package's
own ``FLASK_MIGRATE_LEGACY_*`` and coverage's variables), started on first
use. What only a cold start shows (the cost of start-up, which modules a
command imports) is measured by running ``subprocess`` directly.
``FML_TESTS_COLD=1`` runs every command line cold, to compare.
"""

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))

#: The third-party modules a server imports before it forks (those missing are skipped).
PRELOAD = (
    "argparse", "logging.config", "sqlite3", "json", "uuid", "click", "jinja2", "markupsafe", "werkzeug",
    "werkzeug.serving", "werkzeug.test", "flask", "flask.cli", "flask.testing", "sqlalchemy", "sqlalchemy.orm",
    "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql", "sqlalchemy.dialects.mysql", "flask_sqlalchemy",
    "mako.template", "alembic", "alembic.command", "alembic.config", "alembic.autogenerate", "alembic.operations",
    "alembic.runtime.migration", "alembic.script", "psycopg", "psycopg2", "pymysql",
)

#: Environment variables read before a program's first line: a server is started for each set of values.
STARTUP_PREFIXES = ("PYTHON", "LC_", "LANG", "COV", "FLASK_MIGRATE_LEGACY_", "SQLALCHEMY_")

_BOOT = "import sys; sys.path[0] = %r; import warm_server; del sys.path[0]; warm_server.main()" % HERE
_HEADER = struct.Struct("!I")


def cold_requested() -> bool:
    """Tell whether the run asked for cold processes everywhere (``FML_TESTS_COLD=1``)."""
    return os.environ.get("FML_TESTS_COLD", "") not in ("", "0")


class _Server:
    """One warm interpreter serving forks on a Unix socket."""

    def __init__(self, python: str, startup_env: Dict[str, str]) -> None:
        self.folder = tempfile.mkdtemp(prefix="fml-warm-")
        self.path = os.path.join(self.folder, "socket")
        self.errors = open(os.path.join(self.folder, "stderr"), "w+b")
        self.process = subprocess.Popen(
            [python, "-c", _BOOT, self.path, *PRELOAD], env=startup_env, cwd=self.folder,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors,
            restore_signals=True, preexec_fn=_default_sigint,
        )
        deadline = time.monotonic() + 60
        while not os.path.exists(self.path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.errors.seek(0)
                raise RuntimeError("the warm server for %s did not start: %s"
                                   % (python, self.errors.read().decode("utf-8", "replace")))
            time.sleep(0.01)

    def stop(self) -> None:
        try:
            self.process.stdin.close()  # type: ignore[union-attr]  # the server exits at end of input
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
        self.errors.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _default_sigint() -> None:
    # A suite started in the background inherits SIGINT ignored; a fresh `python` would
    # then install no KeyboardInterrupt handler. Children see the default, as a shell gives it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


_SERVERS: Dict[Tuple[str, Tuple[Tuple[str, str], ...]], _Server] = {}
_SERVERS_LOCK = threading.Lock()


@atexit.register
def _stop_servers() -> None:
    for server in _SERVERS.values():
        server.stop()
    _SERVERS.clear()


def _server(python: str, env: Dict[str, str]) -> _Server:
    startup = {key: value for key, value in env.items() if key.startswith(STARTUP_PREFIXES)}
    for key in ("PATH", "HOME", "TMPDIR"):
        if key in env:
            startup.setdefault(key, env[key])
    key = (python, tuple(sorted((k, v) for k, v in startup.items() if k.startswith(STARTUP_PREFIXES))))
    with _SERVERS_LOCK:
        if key not in _SERVERS or _SERVERS[key].process.poll() is not None:
            _SERVERS[key] = _Server(python, startup)
        return _SERVERS[key]


def _mode(args: Sequence[str]) -> Optional[Tuple[str, List[str]]]:
    """Split ``python ...`` arguments into a mode and argv, or None for what a server does not run."""
    if len(args) >= 2 and args[0] == "-m":
        return "module", list(args[1:])
    if len(args) >= 2 and args[0] == "-c":
        return "code", list(args[1:])
    if args and not args[0].startswith("-"):
        return "script", list(args)
    return None


PIPE, DEVNULL = subprocess.PIPE, subprocess.DEVNULL


class Process:
    """A warm child, started by :func:`start`: the part of ``subprocess.Popen`` the tests use.

    ``stdin``, ``stdout`` and ``stderr`` take ``PIPE``, ``DEVNULL`` or an open file (as Popen);
    the pipes are binary, or text in the locale's encoding with ``text=True``.
    """

    def __init__(self, server: "_Server", command: Sequence[str], mode: Tuple[str, List[str]], cwd: str,
                 env: Dict[str, str], stdin: Any, stdout: Any, stderr: Any, text: bool) -> None:
        self.args = list(command)
        self.returncode: Optional[int] = None
        ours, theirs = [], []  # our ends of pipes; the child's descriptors, closed here once sent
        ends: List[Optional[int]] = []
        for index, choice in enumerate((stdin, stdout, stderr)):
            if choice == PIPE:
                read, write = os.pipe()
                child, mine = (read, write) if index == 0 else (write, read)
                ours.append(mine)
                ends.append(mine)
            elif choice == DEVNULL or choice is None:
                child = os.open(os.devnull, os.O_RDWR)
                ends.append(None)
            else:
                child = os.dup(choice.fileno())
                ends.append(None)
            theirs.append(child)
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(server.path)
            body = json.dumps({"mode": mode[0], "argv": mode[1], "cwd": os.path.abspath(cwd), "env": env}).encode()
            fds = struct.pack("3i", *theirs)
            connection.sendmsg([_HEADER.pack(len(body)) + body], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
            self._replies = connection.makefile("rb")
            self.pid = _message(self._replies)["pid"]
        except BaseException:
            connection.close()
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        self._connection = connection
        self._done = threading.Thread(target=self._wait_for_status, daemon=True)
        self._done.start()
        self.stdin, self.stdout, self.stderr = (
            None if fd is None else _stream(fd, "wb" if index == 0 else "rb", text) for index, fd in enumerate(ends))

    def _wait_for_status(self) -> None:
        try:
            self.returncode = _message(self._replies)["returncode"]
        finally:
            self._replies.close()
            self._connection.close()

    def poll(self) -> Optional[int]:
        """Return the exit status, or None while the child runs."""
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        """Wait for the child to end and return its exit status."""
        self._done.join(timeout)
        if self._done.is_alive():
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        if self.returncode is None:
            raise RuntimeError("the warm server went away before it reported pid %d's end" % self.pid)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the child, unless it has ended."""
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def communicate(self, input: Any = None, timeout: Optional[float] = None) -> Tuple[Any, Any]:
        """Send ``input``, read both outputs to their end and wait, as ``Popen.communicate``."""
        outputs: Dict[str, Any] = {}
        readers = [threading.Thread(target=_read_all, args=(stream, name, outputs), daemon=True)
                   for name, stream in (("stdout", self.stdout), ("stderr", self.stderr)) if stream is not None]
        for reader in readers:
            reader.start()
        if self.stdin is not None:
            try:
                if input:
                    self.stdin.write(input)
                self.stdin.close()
            except BrokenPipeError:
                pass  # the child did not read its input, as with subprocess
        deadline = None if timeout is None else time.monotonic() + timeout
        for reader in readers:
            reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if any(reader.is_alive() for reader in readers):
            raise subprocess.TimeoutExpired(self.args, timeout or 0, outputs.get("stdout"), outputs.get("stderr"))
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return outputs.get("stdout"), outputs.get("stderr")


def _stream(fd: int, mode: str, text: bool) -> Any:
    stream = os.fdopen(fd, mode)
    if not text:
        return stream
    import io
    import locale

    return io.TextIOWrapper(stream, encoding=locale.getpreferredencoding(False), write_through=True)


def _read_all(stream: Any, name: str, outputs: Dict[str, Any]) -> None:
    with stream:
        outputs[name] = stream.read()


def start(command: Sequence[str], cwd: str, env: Dict[str, str], stdin: Any = DEVNULL, stdout: Any = PIPE,
          stderr: Any = PIPE, text: bool = False) -> Any:
    """Start ``command`` (``[python, ...]``) without waiting: a :class:`Process` (a ``Popen`` when cold)."""
    mode = None if cold_requested() else _mode(command[1:])
    if mode is None:
        return subprocess.Popen(list(command), cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr,
                                text=text, preexec_fn=_default_sigint)
    return Process(_server(command[0], env), command, mode, cwd, env, stdin, stdout, stderr, text)


def run(command: Sequence[str], cwd: str, env: Dict[str, str], input: Optional[bytes] = None,
        timeout: Optional[float] = None) -> subprocess.CompletedProcess:
    """Run ``command`` (``[python, ...]``) like ``subprocess.run(..., capture_output=True)``, bytes in and out."""
    if cold_requested() or _mode(command[1:]) is None:
        return subprocess.run(list(command), cwd=cwd, env=env, input=input, capture_output=True, timeout=timeout)
    process = start(command, cwd, env, stdin=PIPE)
    try:
        stdout, stderr = process.communicate(input, timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)


def _message(replies: Any) -> dict:
    header = replies.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise RuntimeError("the warm server closed the connection (did it die?)")
    return json.loads(replies.read(_HEADER.unpack(header)[0]).decode("utf-8"))

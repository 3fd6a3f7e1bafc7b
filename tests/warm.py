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


def run(command: Sequence[str], cwd: str, env: Dict[str, str], input: Optional[bytes] = None,
        timeout: Optional[float] = None) -> subprocess.CompletedProcess:
    """Run ``command`` (``[python, ...]``) like ``subprocess.run(..., capture_output=True)``, bytes in and out."""
    mode = None if cold_requested() else _mode(command[1:])
    if mode is None:
        return subprocess.run(list(command), cwd=cwd, env=env, input=input, capture_output=True, timeout=timeout)
    server = _server(command[0], env)
    stdin_read, stdin_write = os.pipe()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(server.path)
        body = json.dumps({"mode": mode[0], "argv": mode[1], "cwd": os.path.abspath(cwd), "env": env}).encode()
        fds = struct.pack("3i", stdin_read, out_write, err_write)
        connection.sendmsg([_HEADER.pack(len(body)) + body], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
    except BaseException:
        connection.close()
        for fd in (stdin_write, out_read, err_read):
            os.close(fd)
        raise
    finally:
        for fd in (stdin_read, out_write, err_write):
            os.close(fd)
    replies = connection.makefile("rb")
    pid = _message(replies)["pid"]
    outputs: Dict[int, bytes] = {}
    readers = [threading.Thread(target=_drain, args=(fd, outputs), daemon=True) for fd in (out_read, err_read)]
    for reader in readers:
        reader.start()
    try:
        with os.fdopen(stdin_write, "wb") as stdin:
            if input:
                stdin.write(input)
    except BrokenPipeError:
        pass  # the child did not read its input, as with subprocess
    deadline = None if timeout is None else time.monotonic() + timeout
    for reader in readers:
        reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    if any(reader.is_alive() for reader in readers):
        with_kill(pid)
        for reader in readers:
            reader.join()
        replies.close()
        connection.close()
        raise subprocess.TimeoutExpired(list(command), timeout or 0, outputs.get(out_read), outputs.get(err_read))
    returncode = _message(replies)["returncode"]
    replies.close()
    connection.close()
    return subprocess.CompletedProcess(list(command), returncode, outputs[out_read], outputs[err_read])


def with_kill(pid: int) -> None:
    """Kill a warm child that overran its time."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _drain(fd: int, outputs: Dict[int, bytes]) -> None:
    chunks = []
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while True:
            chunk = stream.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    outputs[fd] = b"".join(chunks)


def _message(replies: Any) -> dict:
    header = replies.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise RuntimeError("the warm server closed the connection (did it die?)")
    return json.loads(replies.read(_HEADER.unpack(header)[0]).decode("utf-8"))

"""A database-level lock held for the whole of upgrade, downgrade and stamp.

Several deploy processes running ``db upgrade`` at once queue on it, so each
migration runs exactly once. It lives on a connection of its own, beside the
one env.py opens, so it works with any env.py. Locks are tied to that
connection (or file handle): a process that dies releases them.

PostgreSQL: ``pg_advisory_lock``; MySQL/MariaDB: ``GET_LOCK``; SQLite: an
exclusive ``flock`` on ``<database file>.migrate-lock``. Settings (app config,
or the environment variable of the same name, which wins):
``MIGRATE_LOCK`` (default on) and ``MIGRATE_LOCK_TIMEOUT`` (seconds, default 120).
"""

import contextlib
import os
import sys
import time
import zlib
from typing import Any, Callable, Iterator, Optional

from .compat import engines_of, masked_url, real_db
from .errors import UserError

LOCKED_COMMANDS = ("upgrade", "downgrade", "stamp")
DEFAULT_TIMEOUT = 120.0
POLL_SECONDS = 0.25


class LockTimeout(UserError):
    """Another process held the migration lock for longer than the timeout."""


def _setting(name: str, default: Any) -> Any:
    from flask import current_app

    if name in os.environ:
        return os.environ[name]
    return current_app.config.get(name, default)


def lock_enabled() -> bool:
    """Tell whether migrations take the lock (``MIGRATE_LOCK``)."""
    value = _setting("MIGRATE_LOCK", True)
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


def lock_timeout() -> float:
    """Return how many seconds to wait for the lock (``MIGRATE_LOCK_TIMEOUT``)."""
    value = _setting("MIGRATE_LOCK_TIMEOUT", DEFAULT_TIMEOUT)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UserError("MIGRATE_LOCK_TIMEOUT must be a number of seconds, not %r" % (value,)) from None


@contextlib.contextmanager
def migration_lock(state: Any, command: str, sql: bool = False) -> Iterator[None]:
    """Hold the lock on every bind while ``command`` runs (if it changes the database)."""
    if command not in LOCKED_COMMANDS or sql or state.db is None or not lock_enabled():
        yield
        return
    from flask import current_app

    timeout = lock_timeout()
    engines = engines_of(real_db(state.db), current_app)
    with contextlib.ExitStack() as stack:
        # A fixed order (default database first, then binds by name) rules out deadlocks.
        for bind in sorted(engines, key=lambda key: (key is not None, key or "")):
            stack.enter_context(_lock_engine(engines[bind], bind, timeout))
        yield


def _lock_name(engine: Any, bind: Optional[str]) -> str:
    database = engine.url.database or ""
    return ("flask_migrate_legacy:%s:%s" % (bind or "default", database))[:64]


@contextlib.contextmanager
def _lock_engine(engine: Any, bind: Optional[str], timeout: float) -> Iterator[None]:
    dialect = engine.dialect.name
    name = _lock_name(engine, bind)
    if dialect == "sqlite":
        with _sqlite_lock(engine, timeout):
            yield
        return
    if dialect == "postgresql":
        key = zlib.crc32(name.encode("utf-8")) - 2**31
        acquire, release = "SELECT pg_try_advisory_lock(%d)" % key, "SELECT pg_advisory_unlock(%d)" % key
    elif dialect in ("mysql", "mariadb"):
        acquire, release = "SELECT GET_LOCK('%s', 0)" % name, "SELECT RELEASE_LOCK('%s')" % name
    else:
        yield  # no portable lock for this database: run unlocked, as the peers do
        return
    from sqlalchemy import text

    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        _wait_for(lambda: bool(connection.execute(text(acquire)).scalar()), engine, timeout)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                connection.execute(text(release))
    finally:
        with contextlib.suppress(Exception):
            connection.close()


@contextlib.contextmanager
def _sqlite_lock(engine: Any, timeout: float) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path = os.path.abspath(database) + ".migrate-lock"
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        yield  # the database cannot exist yet either; SQLite will report it
        return
    handle = open(path, "a")
    try:

        def try_lock() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait_for(try_lock, engine, timeout)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _wait_for(try_lock: Callable[[], bool], engine: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    announced = False
    while not try_lock():
        if time.monotonic() >= deadline:
            raise LockTimeout(
                "another process held the migration lock on %s for %g s; gave up waiting, nothing was changed "
                "(set MIGRATE_LOCK_TIMEOUT to wait longer)" % (masked_url(engine.url), timeout)
            )
        if not announced:
            sys.stderr.write("Waiting for the migration lock: another process is migrating %s\n"
                             % masked_url(engine.url))
            sys.stderr.flush()
            announced = True
        time.sleep(POLL_SECONDS)

"""A database-level lock held for the whole of upgrade, downgrade and stamp.

Several deploy processes running ``db upgrade`` at once queue on it, so each
migration runs exactly once. It lives on a connection of its own, beside the
one env.py opens, so it works with any env.py. Locks are tied to that
connection (or file handle): a process that dies releases them.

PostgreSQL: ``pg_try_advisory_xact_lock`` in a transaction that lasts the
whole run (a pooler in transaction mode, such as PgBouncer's, hands each
transaction whichever server session is free: a session-level lock would stay
on the session that took it, where another deploy's statement may land and
find it already held);
MySQL/MariaDB: ``GET_LOCK``; SQLite: an exclusive ``flock`` on ``<real path of
the database file>.migrate-lock``.
Settings (app config, or the environment variable of the same name, which
wins): ``MIGRATE_LOCK`` (default on) and ``MIGRATE_LOCK_TIMEOUT`` (seconds,
default 120).

A server lock lives as long as its session, so the session must outlive the
longest migration: the lock's connection turns off the server's idle timeouts
for itself, a heartbeat thread keeps it busy every ``HEARTBEAT_SECONDS`` (which
also keeps NAT and proxy idle cuts away), and after each applied revision the
run checks that the lock is still held, stopping before the next one if not.
"""

import contextlib
import os
import sys
import threading
import time
import zlib
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Tuple

from .compat import engines_of, real_db
from .errors import Interrupted, MigrationError, interruption_description, switch
from .lock_session import dbapi_connection_of, discard, open_session, without_server_side_prepares
from .masking import masked_url

if TYPE_CHECKING:  # for annotations only
    from sqlalchemy.engine import Connection, Engine, Transaction

    from .state import MigrateState

DEFAULT_TIMEOUT = 120.0
POLL_SECONDS = 0.25
#: How often the lock's idle connection is used, so that nothing between us and
#: the server (idle session timeouts, NAT, proxies) sees it idle.
HEARTBEAT_SECONDS = 15.0

#: Per dialect: statements that keep the server from closing the lock's idle
#: session or transaction (each may fail on an older server; the heartbeat still runs).
_SESSION_SETTINGS = {
    # Local to the lock's transaction (set_config(..., true)), so nothing leaks into a pooled server session.
    "postgresql": ("SELECT set_config('idle_in_transaction_session_timeout', '0', true), "
                   "set_config('application_name', :holder, true)",),
    "mysql": ("SET SESSION wait_timeout = 31536000", "SET SESSION interactive_timeout = 31536000"),
}


def holder_name() -> str:
    """Name this process as the lock's holder shows it to others (PostgreSQL's application_name, 63 bytes)."""
    import socket

    return ("flask-migrate-legacy lock, pid %d on %s" % (os.getpid(), socket.gethostname()))[:63]


class LockTimeout(MigrationError):
    """Another process held the migration lock for longer than the timeout."""


class LockLost(MigrationError):
    """The lock's session ended while this process was migrating; the run stopped."""


class LockWaitInterrupted(Interrupted):
    """The process was stopped while it waited for the lock: it changed nothing."""


class HeldLock:
    """A server lock held on a connection of its own, kept busy and checkable from the run."""

    def __init__(self, connection: "Connection", probe: Tuple[Any, ...], where: str,
                 probe_by_count: Optional[Tuple[Any, ...]] = None) -> None:
        self._connection = connection
        #: A statement whose first column is true while the lock is held.
        self._probe = probe
        #: The same question as a statement that counts one row while it is held, none when not: its
        #: answer is the server's OK packet, cheaper for a pure-Python driver than a result set.
        self._probe_by_count = probe_by_count
        # Resolved once: the probe runs after every revision. psycopg 3's libpq connection (its public
        # psycopg.pq layer) sends SELECT 1 with half the client CPU of a cursor; other drivers get one
        # DB-API cursor of the lock's own session for the whole run.
        self._pgconn = getattr(getattr(connection.connection, "driver_connection", None), "pgconn", None) \
            if probe == ("SELECT 1",) else None
        self._dbapi_connection = dbapi_connection_of(connection)
        self._cursor: Any = None
        self._where = where
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._lost: Optional[str] = None
        self._thread = threading.Thread(target=self._beat, name="migration-lock-heartbeat", daemon=True)
        self._thread.start()

    def _still_held(self) -> Optional[str]:
        """Return why the lock is gone, or None while it is held."""
        with self._mutex:
            if self._lost is None:
                try:
                    if not self._probe_once():
                        self._lost = "the server no longer lists this session as its holder"
                except Exception as exc:  # the session was closed under us
                    self._lost = "its connection was closed (%s)" % _first_line(exc)
            return self._lost

    def _probe_once(self) -> bool:
        # A round trip on the lock's own session, once per revision; any other answer than a row
        # goes the cursor's way, which words the error.
        if self._pgconn is not None:
            result = self._pgconn.exec_(b"SELECT 1")
            if result.ntuples == 1 and result.get_value(0, 0) == b"1":
                return True
        # Through the DBAPI cursor: SQLAlchemy's per-statement work would cost more than the
        # round trip, once per revision.
        if self._probe_by_count is not None:
            answer = self._count_once()
            if answer is not None:
                return answer
        cursor = self._open_cursor()
        cursor.execute(*self._probe)
        row = cursor.fetchone()
        return bool(row and row[0])

    def _open_cursor(self) -> Any:
        if self._cursor is None:
            self._cursor = self._dbapi_connection.cursor()
        return self._cursor

    def _count_once(self) -> Optional[bool]:
        """Ask ``probe_by_count``; None where this driver cannot answer that way (the row probe then does,
        from now on): it counts otherwise, or it raises the server's "no rows" warning as an error
        (mysql-connector's ``raise_on_warnings``), which only the answer "not held" gives."""
        try:
            cursor = self._open_cursor()
            counted = cursor.execute(*self._probe_by_count)  # type: ignore[misc]
            counted = cursor.rowcount if counted is None else counted
        except Exception:
            counted = None
            self._close_cursor()  # the row probe starts from a fresh cursor
        if counted in (0, 1):
            return counted == 1
        self._probe_by_count = None
        return None

    def _close_cursor(self) -> None:
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            with contextlib.suppress(Exception):
                cursor.close()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            if self._still_held() is not None:
                return

    def check(self, after: str) -> None:
        """Raise :class:`LockLost` if the lock is gone; ``after`` names what was just done."""
        reason = self._still_held()
        if reason is not None:
            raise LockLost(
                "lost the migration lock on %s after %s: %s. Stopped before the next revision, so that no "
                "other process runs one twice." % (self._where, after, reason)
            )

    def stop(self) -> None:
        """Stop the heartbeat (before the connection is released)."""
        self._stop.set()
        self._thread.join()
        self._close_cursor()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def setting(name: str, default: Any) -> Any:
    """Read a setting of the run: the environment variable wins over the app config."""
    from flask import current_app

    return os.environ.get(name, current_app.config.get(name, default))


def seconds_setting(name: str, default: Any, meaning_of_zero: str) -> float:
    """Read a number of seconds (``setting``): finite and 0 or more, anything else refused in one line."""
    import math

    value = setting(name, default)
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:  # nan, inf and 1e999 waited for ever; -5 was taken as 0
        raise MigrationError("%s must be a number of seconds, 0 or more (0: %s), not %r"
                             % (name, meaning_of_zero, value))
    return seconds


def lock_enabled() -> bool:
    """Tell whether migrations take the lock (``MIGRATE_LOCK``)."""
    from flask import current_app

    return switch("MIGRATE_LOCK", True, current_app.config)


def lock_timeout() -> float:
    """Return how many seconds to wait for the lock (``MIGRATE_LOCK_TIMEOUT``)."""
    return seconds_setting("MIGRATE_LOCK_TIMEOUT", DEFAULT_TIMEOUT, "do not wait")


@contextlib.contextmanager
def migration_lock(state: "MigrateState", writes_database: bool, sql: bool = False) -> Iterator[None]:
    """Hold the lock on every bind while a subcommand that writes to the database runs (not for --sql)."""
    if not writes_database or sql or state.db is None or not lock_enabled():
        yield
        return
    from flask import current_app

    timeout = lock_timeout()
    engines = engines_of(real_db(state.db), current_app)
    with contextlib.ExitStack() as stack:
        # A fixed order (default database first, then binds by name) rules out deadlocks.
        for bind in sorted(engines, key=lambda key: (key is not None, key or "")):
            held = stack.enter_context(_lock_engine(engines[bind], bind, timeout))
            if held is not None:
                state.held_locks.append(held)
                stack.callback(state.held_locks.remove, held)
        yield


#: MySQL/MariaDB refuse lock names longer than this.
_LOCK_NAME_LIMIT = 64


def _lock_name(engine: "Engine", bind: Optional[str]) -> str:
    """Name the migration lock of one database (and bind): the same for every process migrating it."""
    name = "flask_migrate_legacy:%s:%s" % (bind or "default", engine.url.database or "")
    if len(name) <= _LOCK_NAME_LIMIT:
        return name
    import hashlib

    # Cut short, two long database names with a common start would share one lock.
    digest = hashlib.sha1(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return name[:_LOCK_NAME_LIMIT - len(digest) - 1] + "~" + digest


@contextlib.contextmanager
def _lock_engine(engine: "Engine", bind: Optional[str], timeout: float) -> Iterator[Optional[HeldLock]]:
    """Hold the lock of one database; yield the :class:`HeldLock` of a server lock (None for a file)."""
    dialect = engine.dialect.name
    name = _lock_name(engine, bind)
    if dialect == "sqlite":
        with _sqlite_lock(engine, timeout):
            yield None
    elif dialect == "postgresql":
        with _postgresql_lock(engine, zlib.crc32(name.encode("utf-8", "surrogateescape")) - 2**31, timeout) as held:
            yield held
    elif dialect in ("mysql", "mariadb"):
        with _mysql_lock(engine, name, timeout) as held:
            yield held
    else:
        yield None  # no portable lock for this database: run unlocked, as the peers do


@contextlib.contextmanager
def _postgresql_lock(engine: "Engine", key: int, timeout: float) -> Iterator[HeldLock]:
    """Hold ``pg_try_advisory_xact_lock(key)`` in a transaction of its own until the block ends.

    Each attempt while waiting is a short transaction of its own, so that a
    waiting process pins no server session of a pooler the lock's holder needs.
    """
    from sqlalchemy import text

    connection = open_session(engine)
    without_server_side_prepares(connection)
    transaction: Optional["Transaction"] = None
    settings = list(_SESSION_SETTINGS["postgresql"])
    if (engine.dialect.server_version_info or (0,)) >= (17,):  # PostgreSQL 17 can end long transactions
        settings.append("SELECT set_config('transaction_timeout', '0', true)")

    holder = holder_name()

    def try_lock() -> bool:
        nonlocal transaction
        transaction = connection.begin()
        for statement in list(settings):
            try:
                connection.execute(text(statement), {"holder": holder} if ":holder" in statement else {})
            except Exception:  # a server without that setting: go on without it (the heartbeat still runs)
                transaction.rollback()
                settings.remove(statement)
                return try_lock()
        if connection.execute(text("SELECT pg_try_advisory_xact_lock(%d)" % key)).scalar():
            return True
        transaction.rollback()
        return False

    def who_holds() -> str:
        row = connection.execute(text(
            "SELECT a.application_name, a.pid, host(a.client_addr), to_char(a.xact_start AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD HH24:MI:SS'), round(extract(epoch FROM now() - a.xact_start)) FROM pg_locks l JOIN "
            "pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) AND "
            "((l.classid::bigint << 32) | l.objid::bigint) = %d" % key)).first()
        if row is None:
            return ""
        name, pid, address, since, seconds = row
        return "held by %s (server pid %s%s), since %s UTC (%s s)" % (
            name or "a session without an application_name", pid, " from %s" % address if address else "", since,
            seconds)

    try:
        _wait_for(try_lock, engine, timeout, who_holds)
        held = HeldLock(connection, ("SELECT 1",), masked_url(engine.url))  # the lock lasts as its transaction
        try:
            yield held
        finally:
            held.stop()
            with contextlib.suppress(Exception):
                if transaction is not None:
                    transaction.rollback()  # ends the transaction, and the lock with it
    finally:
        discard(connection)


@contextlib.contextmanager
def _mysql_lock(engine: "Engine", name: str, timeout: float) -> Iterator[HeldLock]:
    """Hold ``GET_LOCK(name)`` on a session of its own until the block ends."""
    from sqlalchemy import text

    connection = open_session(engine).execution_options(isolation_level="AUTOCOMMIT")
    try:
        for statement in _SESSION_SETTINGS["mysql"]:
            with contextlib.suppress(Exception):  # a server without the setting: the heartbeat still runs
                connection.execute(text(statement))
        acquire = text("SELECT GET_LOCK(:name, 0)")

        def who_holds() -> str:
            row = connection.execute(text(
                "SELECT p.ID, p.USER, p.HOST, p.TIME FROM information_schema.PROCESSLIST p WHERE p.ID = "
                "IS_USED_LOCK(:name)"), {"name": name}).first()
            if row is None:
                return ""
            holder_id, user, host, seconds = row
            return "held by server connection %s (%s@%s), in its current state for %s s" % (holder_id, user, host,
                                                                                          seconds)

        _wait_for(lambda: bool(connection.execute(acquire, {"name": name}).scalar()), engine, timeout, who_holds)
        # The MySQL drivers' paramstyle: the probe runs on the DB-API cursor. SELECT ... INTO counts the
        # row it stores ("1 row affected"; INTO before FROM is not among the forms MySQL 8.0.20 deprecated,
        # its manual's "SELECT ... INTO Statement"); the variable is the lock session's own.
        held = HeldLock(connection, ("SELECT IS_USED_LOCK(%s) = CONNECTION_ID()", (name,)), masked_url(engine.url),
                        probe_by_count=("SELECT 1 INTO @flask_migrate_legacy_lock_probe FROM DUAL WHERE "
                                        "IS_USED_LOCK(%s) = CONNECTION_ID()", (name,)))
        try:
            yield held
        finally:
            held.stop()
            with contextlib.suppress(Exception):
                connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
    finally:
        discard(connection)


@contextlib.contextmanager
def _sqlite_lock(engine: "Engine", timeout: float) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    # The real path: one file reached through a symlink and through its own path is one lock.
    path = os.path.realpath(database) + ".migrate-lock"
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

        _wait_for(try_lock, engine, timeout, lambda: _flock_holder(handle.fileno()))
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _flock_holder(descriptor: int) -> str:
    """Name the process holding a flock on the file (Linux's /proc/locks), or say nothing."""
    status = os.fstat(descriptor)
    device = "%02x:%02x:%d" % (os.major(status.st_dev), os.minor(status.st_dev), status.st_ino)
    with open("/proc/locks") as locks:
        for line in locks:
            fields = line.split()
            if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == device and fields[4].isdigit():
                pid = fields[4]
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as handle:
                        command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
                except OSError:
                    command = ""
                return "held by pid %s%s" % (pid, " (%s)" % command[:120] if command else "")
    return ""


def _wait_for(try_lock: Callable[[], bool], engine: "Engine", timeout: float,
              who_holds: Optional[Callable[[], str]] = None) -> None:
    try:
        _wait(try_lock, engine, timeout, who_holds)
    except KeyboardInterrupt as exc:
        raise LockWaitInterrupted(
            "%s while waiting for the migration lock on %s: this process changed nothing"
            % (interruption_description(exc), masked_url(engine.url)), exc
        ) from exc


def _wait(try_lock: Callable[[], bool], engine: "Engine", timeout: float,
          who_holds: Optional[Callable[[], str]]) -> None:
    deadline = time.monotonic() + timeout
    announced = False
    while not try_lock():
        if time.monotonic() >= deadline:
            try:
                holder = who_holds() if who_holds is not None else ""
            except Exception:  # naming the holder is a courtesy: never the reason to fail differently
                holder = ""
            raise LockTimeout(
                "another process held the migration lock on %s for %g s%s; gave up waiting, nothing was changed "
                "(set MIGRATE_LOCK_TIMEOUT to wait longer)" % (masked_url(engine.url), timeout,
                                                             " (%s)" % holder if holder else "")
            )
        if not announced:
            sys.stderr.write("Waiting for the migration lock: another process is migrating %s\n"
                             % masked_url(engine.url))
            sys.stderr.flush()
            announced = True
        time.sleep(POLL_SECONDS)

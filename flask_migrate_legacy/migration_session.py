"""Data revisions that use the app's models run on the migration's own connection and transaction.

A revision that does ``Face.query.all()`` or ``db.session.commit()`` inside
``db upgrade`` used a second connection: on PostgreSQL it waited for ever on the
locks its own migration held, elsewhere it could not see what earlier revisions
of the same run created. For the run, the app's scoped session (Flask-SQLAlchemy's
``db.session``, which ``Model.query`` uses) is a session joined to the migration's
connection the way SQLAlchemy documents for an external transaction
(``join_transaction_mode="rollback_only"``): its ``commit()`` flushes and leaves the
migration's transaction to the migration (no savepoint, so nothing Alembic runs
next, such as the version stamp, can be undone with it). It is reset after each
revision.
SQLAlchemy 2.0 and later only; with 1.x revisions use a connection of their own,
as they did under the originals.
"""

import contextlib
from typing import Any, Iterator, Optional

from .compat import real_db


def _migration_connection() -> Optional[Any]:
    """The running migration's connection, or None outside ``run_migrations`` (or with ``--sql``)."""
    from alembic import op
    from sqlalchemy.engine import Connection

    try:
        bind = op.get_bind()
    except (NameError, AttributeError):  # Alembic's proxy is not set up: no migration is running
        return None
    # (--sql runs on a mock connection; a proxy left from an earlier run has a closed one)
    return bind if isinstance(bind, Connection) and not bind.closed else None


def _session_class() -> Any:
    from sqlalchemy.orm import Session

    class MigrationSession(Session):
        """A session that runs on the migration's connection while a migration runs, elsewhere as the app's."""

        def __init__(self, fallback: Any) -> None:
            super().__init__(join_transaction_mode="rollback_only")
            self._fallback_factory = fallback
            self._fallback: Any = None

        def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
            if bind is not None:
                return bind
            connection = _migration_connection()
            if connection is not None:
                return connection
            if self._fallback is None:  # before or after the revisions: the app's own choice of engine
                self._fallback = self._fallback_factory()
            return self._fallback.get_bind(mapper=mapper, clause=clause, **kwargs)

        def close(self) -> None:
            super().close()
            if self._fallback is not None:
                self._fallback.close()
                self._fallback = None

    return MigrationSession


def supported() -> bool:
    """Tell whether the installed SQLAlchemy can join a session to an external transaction this way (2.0+)."""
    from .compat import sqlalchemy_release

    return sqlalchemy_release() >= (2, 0)


#: How long a second connection may wait on a lock during a migration run before it gives up (PostgreSQL).
SECOND_CONNECTION_LOCK_TIMEOUT_MS = 10000


#: Whether a connection other than the migration's was given the lock timeout in the latest run.
given_lock_timeout = [False]


def _second_connection_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A connection other than the migration's, checked out while it runs: it must not wait for ever on the
    locks the migration itself holds (another engine's or thread's session can not be joined)."""
    if not type(dbapi_connection).__module__.startswith(("psycopg", "pg8000")):
        return  # PostgreSQL only: MySQL/MariaDB and SQLite commit DDL at once
    migration = _migration_connection()
    if migration is None or getattr(migration.connection, "dbapi_connection", None) is dbapi_connection:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("SET lock_timeout = %d" % SECOND_CONNECTION_LOCK_TIMEOUT_MS)
    cursor.close()
    record.info["fml_lock_timeout_set"] = True
    given_lock_timeout[0] = True


def _second_connection_in(dbapi_connection: Any, record: Any) -> None:
    if record.info.pop("fml_lock_timeout_set", False):
        cursor = dbapi_connection.cursor()
        cursor.execute("RESET lock_timeout")
        cursor.close()


@contextlib.contextmanager
def second_connections_wait_briefly() -> Iterator[None]:
    """While the block runs, give every other PostgreSQL connection checked out in this process (the app's
    engines, an engine a revision made) a lock timeout, reset when it goes back to its pool."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    given_lock_timeout[0] = False
    event.listen(Pool, "checkout", _second_connection_out)
    event.listen(Pool, "checkin", _second_connection_in)
    try:
        yield
    finally:
        event.remove(Pool, "checkout", _second_connection_out)
        event.remove(Pool, "checkin", _second_connection_in)


@contextlib.contextmanager
def joined(state: Any) -> Iterator[None]:
    """For the block, make the app's ``db.session`` (and ``Model.query``) run on the migration's connection."""
    with second_connections_wait_briefly(), _joined_session(state):
        yield


@contextlib.contextmanager
def _joined_session(state: Any) -> Iterator[None]:
    scoped: Any = getattr(real_db(state.db), "session", None)
    registry = getattr(scoped, "registry", None)
    if registry is None or not supported() or not state.takes_per_revision_callbacks():
        yield
        return
    previous = registry() if registry.has() else None
    session = _session_class()(scoped.session_factory)
    registry.set(session)
    reset = _reset_of(session)
    state.after_each_revision.append(reset)
    try:
        yield
    finally:
        state.after_each_revision.remove(reset)
        session.close()
        if previous is not None:
            registry.set(previous)
        else:
            registry.clear()


def _reset_of(session: Any) -> Any:
    """Return the reset after each revision: close the session when the revision used it (a session that
    holds no object and no transaction is already as closing would leave it; most revisions never touch it)."""

    def reset() -> None:
        if session.in_transaction() or session.identity_map or session.new or session.deleted:
            session.close()

    return reset

"""Traps of the new stack, caught before they cost data.

Flask-SQLAlchemy 3 changed two things under old projects without a word:

- a relative ``sqlite:///app.db`` now opens ``<instance folder>/app.db``, where
  Flask-SQLAlchemy 2 opened ``<app root>/app.db`` (and an old env.py that reads
  ``SQLALCHEMY_DATABASE_URI`` itself opens ``./app.db``);
- engines are built once, in ``SQLAlchemy(app)``: setting
  ``SQLALCHEMY_DATABASE_URI`` afterwards (old test set-ups did) changes nothing,
  and the tests empty the development database.

Here each is detected (from files and URLs, never by creating or opening a
database for writing) and worded; ``operations`` refuses db subcommands on
them, and :func:`watch_connections` stops or warns the app's other
commands when they use the database.
"""

import contextlib
import os
import sqlite3
import sys
import weakref
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from .compat import engines_of, real_db
from .errors import MigrationError, switch
from .masking import masked_url, url_with_password

if TYPE_CHECKING:  # for annotations only
    from flask import Flask

#: Set to 1 (environment or app config) to let a command use the engine built
#: for an earlier SQLALCHEMY_DATABASE_URI on purpose.
ALLOW_STALE_URI = "MIGRATE_ALLOW_STALE_DATABASE_URI"


class MovedSqliteFile(NamedTuple):
    """A relative SQLite URI that Flask-SQLAlchemy 3 resolves elsewhere than 2 did."""

    bind: Optional[str]
    configured: str
    legacy_path: str  # where Flask-SQLAlchemy 2 opened it: against the app's root path
    current_path: str  # where the engine opens it now


class DatabaseMoved(MigrationError):
    """The data is in the file Flask-SQLAlchemy 2 used; the app now opens an empty one."""


class StaleDatabaseURI(MigrationError):
    """SQLALCHEMY_DATABASE_URI (or a bind) changed after the app's engines were built."""


def configured_urls(app: "Flask") -> Dict[Optional[str], Any]:
    """Return the configured URL of the default database (key None) and of each bind."""
    urls: Dict[Optional[str], Any] = {None: app.config.get("SQLALCHEMY_DATABASE_URI")}
    for bind, value in (app.config.get("SQLALCHEMY_BINDS") or {}).items():
        urls[bind] = value.get("url") if isinstance(value, dict) else value
    return urls


def _engines(app: "Flask", db: Any) -> Dict[Optional[str], Any]:
    try:
        return engines_of(real_db(db), app)
    except Exception:  # no engine can be built: reported by whatever uses it
        return {}


def _relative_sqlite_path(url: Any) -> Optional[str]:
    from sqlalchemy.engine.url import make_url

    try:
        parsed = make_url(url) if url is not None else None
    except Exception:
        return None
    if parsed is None or not parsed.drivername.startswith("sqlite"):
        return None
    path = parsed.database or ""
    if path in ("", ":memory:") or path.startswith("file:") or os.path.isabs(path):
        return None
    return path


def moved_sqlite_files(app: "Flask", db: Any) -> List[MovedSqliteFile]:
    """Return each relative SQLite URI whose engine opens another file than Flask-SQLAlchemy 2 did."""
    moved = []
    engines = _engines(app, db)
    for bind, url in configured_urls(app).items():
        path = _relative_sqlite_path(url)
        if path is None or bind not in engines:
            continue
        current = os.path.abspath(engines[bind].url.database or "")
        legacy = os.path.abspath(os.path.join(app.root_path, path))
        if current != legacy:
            moved.append(MovedSqliteFile(bind, str(url), legacy, current))
    return moved


#: Tables that are no data of the app's: Alembic's version table (a `db migrate` run against the new,
#: empty file creates it there) and SQLite's own.
_NOT_DATA = ("alembic_version", "sqlite_sequence")


def _has_tables(path: str, ignored: Sequence[str] = _NOT_DATA) -> bool:
    """Tell whether the SQLite file at ``path`` holds a table other than ``ignored`` (opened read-only; a
    missing file: no)."""
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return False
    try:
        connection = sqlite3.connect("file:%s?mode=ro" % path.replace("?", "%3f").replace("#", "%23"), uri=True)
        try:
            names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        finally:
            connection.close()
    except sqlite3.Error:
        return True  # not readable as SQLite: treat it as data, never as empty
    return any(name not in ignored for name in names)


def stranded(move: MovedSqliteFile, version_table: Optional[str] = None) -> bool:
    """Tell whether the data sits in the old file while the new one is missing or holds no data table
    (Alembic's version table, which a `db migrate` against the new file creates, is not data)."""
    ignored = _NOT_DATA + ((version_table,) if version_table else ())
    return _has_tables(move.legacy_path) and not _has_tables(move.current_path, ignored)


def moved_database_message(move: MovedSqliteFile) -> str:
    """Say where the data is, where the app looks now, and the two fixes."""
    name = "SQLALCHEMY_DATABASE_URI" if move.bind is None else "SQLALCHEMY_BINDS[%r]" % move.bind
    return (
        "%s %r now opens %s (Flask-SQLAlchemy 3 resolves relative SQLite paths in the instance folder), "
        "which is %s, while your data is in %s. Move that file to %s, or make the URI absolute: "
        "'sqlite:///%s'" % (name, move.configured, move.current_path,
                            "empty" if os.path.exists(move.current_path) and not _has_tables(
                                move.current_path, ("sqlite_sequence",)) else "without your tables"
                            if os.path.exists(move.current_path) else "missing",
                            move.legacy_path, move.current_path, move.legacy_path)
    )


def _identity(url: Any, app: "Flask") -> Optional[Tuple[Any, ...]]:
    """What makes two URLs the same database (driver defaults Flask-SQLAlchemy adds left out)."""
    from sqlalchemy.engine.url import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return None
    database = parsed.database
    if parsed.drivername.startswith("sqlite") and database and database != ":memory:":
        database = _as_flask_sqlalchemy_3_resolves(parsed, app.instance_path)
    password = None if parsed.password is None else str(parsed.password)
    return (parsed.get_backend_name(), parsed.username, password, parsed.host, parsed.port, database)


def _as_flask_sqlalchemy_3_resolves(parsed: Any, instance_path: str) -> str:
    """Return the SQLite database of ``parsed`` as Flask-SQLAlchemy 3 hands it to the engine.

    A relative path goes into the instance folder, also in the driver's URI
    form (``sqlite:///file:name?uri=true``, which keeps its ``file:``).
    """
    uri = bool(parsed.query.get("uri"))
    path = parsed.database[len("file:"):] if uri and parsed.database.startswith("file:") else parsed.database
    path = os.path.abspath(os.path.join(instance_path, path))
    return "file:" + path if uri else path


def stale_uris(app: "Flask", db: Any) -> List[Tuple[Optional[str], Any, Any]]:
    """Return (bind, configured URL, engine URL) for each engine built for another URL than configured now.

    Only Flask-SQLAlchemy 3 fixes engines at start-up; 2.x rebuilt them when the URI changed.
    """
    if not hasattr(type(real_db(db)), "engines"):  # Flask-SQLAlchemy 3 (a property needing an app context)
        return []
    engines = _engines(app, db)
    stale = []
    for bind, url in configured_urls(app).items():
        if url is None or bind not in engines:
            continue
        expected = _identity(url, app)
        if expected is not None and expected != _identity(engines[bind].url, app):
            stale.append((bind, url, engines[bind].url))
    return stale


def stale_uri_message(bind: Optional[str], configured: Any, engine_url: Any) -> str:
    """Name both databases (passwords masked) and what to do."""
    from sqlalchemy.engine.url import make_url

    name = "SQLALCHEMY_DATABASE_URI" if bind is None else "SQLALCHEMY_BINDS[%r]" % bind
    return (
        "%s is now %s, but the app's engine was built for %s (Flask-SQLAlchemy 3 reads it once, in "
        "SQLAlchemy(app)): set it before SQLAlchemy(app) or db.init_app(app), or set %s=1 to use the engine "
        "as built" % (name, masked_url(make_url(configured)), masked_url(engine_url), ALLOW_STALE_URI)
    )


def _allowed(app: "Flask") -> bool:
    return switch(ALLOW_STALE_URI, False, app.config)


def _version_table(app: "Flask") -> Optional[str]:
    state = getattr(app, "extensions", {}).get("migrate")
    return state.configure_args.get("version_table") if state is not None else None


def refuse_traps(app: "Flask", db: Any) -> None:
    """Raise before a db subcommand touches a database the app no longer means, or an empty one."""
    for move in moved_sqlite_files(app, db):
        if stranded(move, _version_table(app)):
            raise DatabaseMoved(moved_database_message(move) + ". Nothing was changed.")
    if not _allowed(app):
        for bind, configured, engine_url in stale_uris(app, db):
            raise StaleDatabaseURI(stale_uri_message(bind, configured, engine_url) + ". Nothing was changed.")


@contextlib.contextmanager
def env_sees_engine_urls(app: "Flask", db: Any) -> Iterator[None]:
    """While the block runs, show env.py files the absolute URL of each moved SQLite file.

    Old env.py files read SQLALCHEMY_DATABASE_URI and open it themselves; a
    relative one would migrate ``./app.db`` while the app opens
    ``instance/app.db``. Restored afterwards.
    """
    moves = moved_sqlite_files(app, db)
    if not moves:
        yield
        return
    saved = {key: app.config.get(key) for key in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_BINDS")}
    engines = _engines(app, db)
    binds = dict(app.config.get("SQLALCHEMY_BINDS") or {})
    for move in moves:
        url = url_with_password(engines[move.bind].url)
        if move.bind is None:
            app.config["SQLALCHEMY_DATABASE_URI"] = url
        elif isinstance(binds[move.bind], dict):
            binds[move.bind] = dict(binds[move.bind], url=url)
        else:
            binds[move.bind] = url
    if saved["SQLALCHEMY_BINDS"] is not None:
        app.config["SQLALCHEMY_BINDS"] = binds
    try:
        yield
    finally:
        app.config.update(saved)


#: (legacy file, current file) pairs already warned about in this process.
_WARNED: set = set()
#: The engines refused in this process, with why: refused once, refused for good. Held weakly: a refusal
#: goes with its engine (keyed by id(), a later engine at the same address was refused in its place).
_REFUSED: "weakref.WeakKeyDictionary[Any, str]" = weakref.WeakKeyDictionary()


def watch_connections(app: "Flask", db: Any) -> None:
    """Check each engine of the app at every connection and every use of a pooled one (Flask-SQLAlchemy 3).

    A command of the app's own (``runserver``, ``shell``, a test runner) that
    is about to use an empty SQLite file while the data sits where
    Flask-SQLAlchemy 2 kept it gets a warning, once. One that changed
    SQLALCHEMY_DATABASE_URI after the app was built stops with one line
    instead of using the database the engine was built for, and that engine
    stays refused for the life of the process: a retry, the next test, a
    ``drop_all()`` in a teardown never reach that database. While the
    configured URI is the one last found right, a check is one comparison.
    """
    if not hasattr(type(real_db(db)), "engines"):  # Flask-SQLAlchemy 3 (a property needing an app context)
        return
    from sqlalchemy import event

    with app.app_context():  # Flask-SQLAlchemy 3 finds the app's engines through it
        engines = _engines(app, db)
    for bind, engine in engines.items():
        check = _engine_check(bind, engine)
        event.listen(engine, "do_connect", lambda dialect, record, cargs, cparams, check=check: check())
        event.listen(engine, "checkout", lambda connection, record, proxy, check=check: check())


def _engine_check(bind: Optional[str], engine: Any) -> Any:
    verified: List[Any] = [None]  # the configured URL last found to be the engine's

    def check() -> None:
        refused = _REFUSED.get(engine)
        if refused is not None:
            raise StaleDatabaseURI(refused)
        from flask import current_app

        try:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        except RuntimeError:
            return  # outside an app context: nothing to compare with
        configured = configured_urls(app).get(bind) if hasattr(app, "config") else None
        if configured is None or configured == verified[0]:
            return
        state = app.extensions.get("migrate") if hasattr(app, "extensions") else None
        if state is None or state.db is None or _engines(app, state.db).get(bind) is not engine:
            return  # another app's engine, or not one this package watches
        for move in moved_sqlite_files(app, state.db):
            if (move.legacy_path, move.current_path) not in _WARNED and stranded(move):
                _WARNED.add((move.legacy_path, move.current_path))
                sys.stderr.write("Warning: %s.\n" % moved_database_message(move))
                sys.stderr.flush()
        if not _allowed(app):
            for stale_bind, stale_configured, engine_url in stale_uris(app, state.db):
                if stale_bind == bind:
                    _REFUSED[engine] = stale_uri_message(stale_bind, stale_configured, engine_url) + \
                        ". Stopped before using it."
                    raise StaleDatabaseURI(_REFUSED[engine])
            verified[0] = configured

    return check

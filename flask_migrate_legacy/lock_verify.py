"""``doctor --verify URL``: each revision the lock review flagged, run for real on a scratch PostgreSQL database.

A database of its own is created on the server URL names (never the app's
database), the history is applied up to the revision's parent, then the revision
runs inside a transaction that is rolled back; what it locked (``pg_locks`` of
that backend, by table and mode) and which tables it rewrote (their
``pg_class.relfilenode`` changed) are added to each finding of that revision.
The scratch database is dropped whatever happens. Revisions are run without the
project's env.py (no app is imported); one that cannot run that way is said so.

A run killed outright (SIGKILL, the OOM killer, a CI timeout) cannot drop its
scratch database, so each run first drops the ones such runs left. A database
counts as left only when all of these hold: its name is this module's pattern,
the connecting user owns it, and no session on the server bears its owner's
mark (the ``application_name`` of a connection every run holds open from before
it creates its database until after it drops it). A database someone is still
connected to is not dropped (no ``FORCE``).
"""

import os
import re
import sys
import uuid
from typing import Any, Dict, List, Tuple

from .checks import Finding
from .errors import UsageError

#: The scratch databases' names, and the mark their owner's open session bears (application_name, 63 bytes).
_SCRATCH = re.compile(r"^fml_verify_[0-9a-f]{12}$")
_OWNER_MARK = "flask-migrate-legacy verify %s"

#: PostgreSQL's names for its table lock modes, as pg_locks shows them, weakest first.
_MODES = ("AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
          "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")


def verify(findings: List[Finding], root: str, directory: str, url: str) -> List[Finding]:
    """Return ``findings`` with what running each flagged revision on a scratch database showed."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from .lock_review import LOCKING

    try:
        server_url = make_url(url)
    except Exception as error:  # SQLAlchemy's ArgumentError, or a ValueError in the URL
        raise UsageError("--verify takes a PostgreSQL URL (postgresql://user@host/db): %s" % type(error).__name__)
    if not server_url.get_backend_name().startswith("postgresql"):
        raise UsageError("--verify runs the revisions on PostgreSQL: give a postgresql:// URL, not %s://"
                         % server_url.get_backend_name())
    flagged = sorted({each.where.rpartition(":")[0] for each in findings
                      if each.code in LOCKING + ("lock-concurrently-in-transaction",) and each.where})
    if not flagged:
        return findings
    scratch = "fml_verify_%s" % uuid.uuid4().hex[:12]
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    marked = create_engine(server_url, connect_args={"application_name": _OWNER_MARK % scratch})
    mark = None
    try:
        mark = _owners_mark(marked)
        with admin.connect() as connection:
            _drop_left_behind(connection, server_url)
            connection.exec_driver_sql('CREATE DATABASE "%s"' % scratch)
    except Exception as error:
        if mark is not None:
            mark.close()
        marked.dispose()
        admin.dispose()
        raise UsageError("--verify could not create a scratch database on %s (%s): give a server where this "
                         "user may CREATE DATABASE" % (server_url.render_as_string(hide_password=True),
                                                       _first_line(error)))
    try:
        shown: Dict[str, str] = {}
        for where in flagged:
            shown[where] = _verify_one(server_url.set(database=scratch), os.path.join(root, where), directory)
    finally:
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql('DROP DATABASE IF EXISTS "%s"' % scratch)
        finally:  # the mark goes last, even when the drop failed: the next run then drops it
            admin.dispose()
            mark.close()
            marked.dispose()
    return [each._replace(message="%s [verified on PostgreSQL: %s]" % (each.message, shown[each.where.rpartition(
        ":")[0]])) if each.where.rpartition(":")[0] in shown and each.code in LOCKING +
        ("lock-concurrently-in-transaction",) else each for each in findings]


def _owners_mark(engine: Any) -> Any:
    """Open the session that marks the scratch database as owned by a live run, from before it exists until
    after it is gone. It waits in a transaction (its idle timeout off, for that transaction only), so that a
    pooler in transaction mode keeps it on one server session, where the mark shows."""
    connection = engine.connect()
    connection.begin()
    connection.exec_driver_sql("SELECT set_config('idle_in_transaction_session_timeout', '0', true)")
    return connection


def _drop_left_behind(connection: Any, server_url: Any) -> None:
    """Drop the scratch databases of this user that no live run owns (see the module's docstring); a server
    that will not say is left as it is."""
    from sqlalchemy import text

    try:
        rows = connection.execute(text(
            "SELECT d.datname FROM pg_database d WHERE d.datname ~ :pattern "
            "AND pg_get_userbyid(d.datdba) = current_user AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a "
            "WHERE a.application_name = :mark || d.datname)"),
            {"pattern": _SCRATCH.pattern, "mark": _OWNER_MARK % ""}).fetchall()
    except Exception:
        return
    for (name,) in rows:
        if not _SCRATCH.match(name):
            continue
        try:
            connection.exec_driver_sql('DROP DATABASE "%s"' % name)
        except Exception:  # someone is connected to it, or it went meanwhile: not ours to force
            continue
        sys.stderr.write("--verify dropped %s on %s, the scratch database of a run that was killed\n"
                         % (name, server_url.render_as_string(hide_password=True)))


def _verify_one(url: Any, path: str, directory: str) -> str:
    """Run the revision at ``path`` on a fresh schema built up to its parent; say what it locked and rewrote."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    config = Config()
    config.set_main_option("script_location", directory)
    script = ScriptDirectory.from_config(config)
    target = next((revision for revision in script.walk_revisions()
                   if os.path.realpath(str(revision.path)) == os.path.realpath(path)), None)
    if target is None:
        return "not run (the history does not hold this file)"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")  # what the previous revision built goes
            connection.exec_driver_sql("CREATE SCHEMA public")
            connection.commit()
            down = target.down_revision
            parents = list(script.revision_map.iterate_revisions(
                tuple(down) if isinstance(down, (list, tuple)) else down, "base")) if down else []
            for revision in reversed(parents):
                _run_upgrade(connection, revision)
                connection.commit()
            before = _relfilenodes(connection)
            try:
                _run_upgrade(connection, target)
                locks = _locks(connection)
                rewritten = sorted(name for name, node in _relfilenodes(connection).items()
                                   if name in before and before[name] != node)
            except Exception as error:
                connection.rollback()
                return "PostgreSQL refused it (%s)" % _first_line(error)
            connection.rollback()
    except Exception as error:
        return "not run (%s)" % _first_line(error)
    finally:
        engine.dispose()
    taken = ", ".join("%s on %s" % (mode, table) for table, mode in locks) or "no table lock"
    return "took %s; %s" % (taken, "rewrote " + ", ".join(rewritten) if rewritten else "rewrote no table")


def _run_upgrade(connection: Any, revision: Any) -> None:
    """Run one revision's upgrade() on ``connection``, ``op`` bound to it, in the connection's transaction."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection)
    with Operations.context(context):
        revision.module.upgrade()


def _locks(connection: Any) -> List[Tuple[str, str]]:
    """Return (table, strongest mode) of every user table this backend holds a lock on."""
    rows = connection.exec_driver_sql(
        "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' "
        "AND n.nspname = 'public' AND c.relkind IN ('r', 'p')").fetchall()
    strongest: Dict[str, str] = {}
    for table, mode in rows:
        if table not in strongest or _MODES.index(mode) > _MODES.index(strongest[table]):
            strongest[table] = mode
    return sorted(strongest.items())


def _relfilenodes(connection: Any) -> Dict[str, int]:
    rows = connection.exec_driver_sql(
        "SELECT c.relname, c.relfilenode FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r'").fetchall()
    return {table: node for table, node in rows}


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


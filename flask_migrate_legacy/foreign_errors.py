"""The translator of foreign exceptions: whatever a db subcommand raised becomes one precise, password-free line."""

import contextlib
import errno
import os
import re
import traceback
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple

from .compat import engine_for, real_db
from .configuration_errors import describe_configuration_error
from .errors import Interrupted, MigrationError, UserError, interruption_description
from .lock import LockLost
from .masking import app_passwords, mask_secrets, masked_url
from .needs import command_name, needs_of
from .paths import shown_path
from .revision_files import script_location, version_locations

if TYPE_CHECKING:  # for annotations only
    from .config import Config
    from .state import MigrateState


# Transactional DDL: a failed migration leaves no partial schema change.
_TRANSACTIONAL_DDL = {"postgresql", "mssql"}
_NON_TRANSACTIONAL_NAMES = {"mysql": "MySQL/MariaDB", "mariadb": "MariaDB", "sqlite": "SQLite"}


def translate(exc: BaseException, state: Optional["MigrateState"] = None, config: Optional["Config"] = None,
              operation: Optional[Callable[..., Any]] = None) -> UserError:
    """Return the :class:`UserError` that ``exc``, raised while ``operation`` ran, becomes.

    The one translator from foreign exceptions (SQLAlchemy, Alembic, OS,
    encodings, signals) to the error family; our own errors pass through,
    a lost lock gaining where the run left the database. ``state`` is None
    when the failure came before the operation started (nothing changed).
    """
    writes_database = needs_of(operation).writes_database
    if isinstance(exc, LockLost):
        return LockLost(str(exc) + _masked(_aftermath(state, exc), state))
    if isinstance(exc, MigrationError):
        return exc
    if isinstance(exc, UserError):
        error = MigrationError(str(exc))
        error.exit_code = exc.exit_code
        return error
    if isinstance(exc, KeyboardInterrupt):
        if state is None:
            return Interrupted("%s before %s started: nothing was changed"
                               % (interruption_description(exc), command_name(operation)), exc)
        message = interruption_description(exc) + "."
        if writes_database:
            message += _aftermath(state, exc)
        return Interrupted(_masked(message, state), exc)
    unloadable = _unloadable_revision_file(exc, config)
    if unloadable is not None:  # Alembic loads every revision file before it runs one
        return MigrationError(unloadable + (". Nothing was run." if writes_database else ""))
    message = _describe(exc, state, config)
    if writes_database and _ran_in_migration(exc, config):
        aftermath = _aftermath(state, exc)
        if aftermath and not message.rstrip().endswith((".", "!", "?")):
            message = message.rstrip() + "."  # the aftermath is a sentence of its own
        message += aftermath
    return MigrationError(_masked(" ".join(message.split()), state))


def unreadable_ini(exc: BaseException, path: str) -> Optional[UserError]:
    """Return the error for an alembic.ini that cannot be read (bad syntax or not UTF-8), else None."""
    import configparser

    if isinstance(exc, configparser.Error):
        return MigrationError("cannot read %s: %s" % (path, " ".join(str(exc).split())))
    if isinstance(exc, UnicodeDecodeError):
        return MigrationError("cannot read %s: it is not UTF-8 text (byte 0x%02x at offset %d); save it as UTF-8"
                              % (path, exc.object[exc.start], exc.start))
    return None


def _masked(message: str, state: Optional["MigrateState"]) -> str:
    return mask_secrets(message, app_passwords() if state is not None and state.db is not None else [])


def _describe(exc: BaseException, state: Optional["MigrateState"], config: Optional["Config"]) -> str:
    from alembic.util import CommandError

    if isinstance(exc, CommandError):
        return _command_error(exc, config)
    revision_file = _failing_file(exc, version_locations(config))
    if isinstance(exc, SyntaxError):
        where = "%s, line %s" % (exc.filename or "?", exc.lineno)
        return "syntax error in %s: %s" % (where, exc.msg)
    configuration = describe_configuration_error(exc)
    if configuration is not None:
        return configuration
    database = _database_error(exc, state)
    if database is not None:
        text = database
    elif isinstance(exc, OSError) and exc.strerror and exc.filename:  # "Read-only file system: migrations/..."
        text = "%s: %s" % (exc.strerror, _os_error_paths(exc))
    else:
        text = "%s: %s" % (type(exc).__name__, _first_line(str(exc)))
    if revision_file is not None:
        revision_id = _revision_of(revision_file, config)
        return "revision %s (%s) failed: %s%s" % (revision_id, shown_path(revision_file), text, _second_connection(exc))
    env_frame = _failing_frame(exc, [script_location(config)], exact="env.py")
    if env_frame is not None and database is None:
        return "%s, line %d failed: %s%s" % (shown_path(env_frame[0]), env_frame[1], text, _env_fix(exc))
    return text


def _second_connection(exc: BaseException) -> str:
    """Explain a lock timeout of a connection that is not the migration's (its own locks blocked it)."""
    from .migration_session import SECOND_CONNECTION_LOCK_TIMEOUT_MS, given_lock_timeout

    if "lock timeout" not in str(exc) or not given_lock_timeout[0]:
        return ""
    statement = getattr(exc, "statement", None)
    return (" (a connection other than the migration's waited %d s on a lock the migration itself holds%s: use "
            "op.get_bind(), or the app's db.session, which runs on the migration's connection)"
            % (SECOND_CONNECTION_LOCK_TIMEOUT_MS // 1000, "; its query: %s" % _shortened(" ".join(
                str(statement).split())) if statement else ""))


def _unloadable_revision_file(exc: BaseException, config: Optional["Config"]) -> Optional[str]:
    """Name the revision file Alembic could not load, and why, when loading the revisions failed.

    Alembic words a NUL byte as "syntax error in ?, line None", a link to nothing
    as a missing file its caller (env.py) is blamed for, a link to itself as a
    RuntimeError: the version folders are read here, as Python reads them, only
    once such an error has happened.
    """
    if not _raised_loading_revisions(exc):
        return None
    from .revision_files import files_in_version_folders, read_revision

    for path in files_in_version_folders(version_locations(config)):
        if os.path.islink(path) and not os.path.exists(path):
            target = os.readlink(path)
            why = "a link to itself (or a loop of links)" if _link_loops(path) else "a link to %s, which does not " \
                "exist" % target
            return "Alembic cannot load the revision file %s: it is %s; remove it or restore what it points to" % (
                shown_path(path), why)
        revision = read_revision(path)
        if revision.tree is None:
            return "Python cannot read the revision file %s (%s)" % (shown_path(path), revision.problem)
    return None


def _raised_loading_revisions(exc: BaseException) -> bool:
    if isinstance(exc, SyntaxError) or "null bytes" in str(exc) or "Symlink loop" in str(exc):
        return True
    trace = exc.__traceback__
    loading = (os.path.join("alembic", "util", "pyfiles.py"), os.path.join("alembic", "script", "base.py"))
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.endswith(loading):
            return isinstance(exc, (ImportError, OSError, RuntimeError, ValueError))
        trace = trace.tb_next
    return False


def _link_loops(path: str) -> bool:
    try:
        os.stat(path)
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


def _env_fix(exc: BaseException) -> str:
    """Return the fix for an env.py failure we recognise, as a clause to append."""
    if isinstance(exc, TypeError) and "got multiple values for keyword argument" in str(exc):
        return " (the same argument reaches context.configure() twice: pass it once)"
    if isinstance(exc, AttributeError):
        # Python words it "'SQLAlchemy' object has no attribute 'x'"; Flask-SQLAlchemy 3.1's
        # own __getattr__ raises AttributeError('x').
        from .removals import REMOVED_DB_APIS

        found = _REMOVED_DB_API.search(str(exc))
        name = found.group(1) if found else str(exc).strip("'\" ")
        if name in REMOVED_DB_APIS:
            return " (Flask-SQLAlchemy 3 removed db.%s: use %s)" % (name, REMOVED_DB_APIS[name])
    return ""


_REMOVED_DB_API = re.compile(r"'SQLAlchemy' object has no attribute '(\w+)'")


def _command_error(exc: BaseException, config: Optional["Config"]) -> str:
    text = str(exc)
    unknown = re.match(r"Can't locate revision identified by '([^']+)'", text)
    if unknown:
        matches = sorted(r for r in _all_revisions(config) if r.startswith(unknown.group(1)))
        if len(matches) > 1:
            return "ambiguous revision %r: it is the start of %s; give more characters" % (
                unknown.group(1), ", ".join(matches))
    if "Multiple head revisions" in text or "multiple heads" in text.lower():
        heads = _heads(config)
        if heads:
            return (
                "the migration history has several heads (%s): upgrade one with 'upgrade <rev>', "
                "or join them with 'merge -m \"merge heads\" %s'" % (", ".join(heads), " ".join(heads))
            )
    return text


def _heads(config: Optional["Config"]) -> List[str]:
    if config is None:
        return []
    try:
        from alembic.script import ScriptDirectory

        return list(ScriptDirectory.from_config(config).get_heads())
    except Exception:
        return []


def _all_revisions(config: Optional["Config"]) -> List[str]:
    if config is None:
        return []
    try:
        from alembic.script import ScriptDirectory

        return [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]
    except Exception:
        return []


def _database_error(exc: BaseException, state: Optional["MigrateState"]) -> Optional[str]:
    from sqlalchemy import exc as sa_exc

    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    detail = _driver_message(exc.orig) if exc.orig is not None else _first_line(str(exc))
    if exc.statement is None or exc.connection_invalidated:
        where = ""
        if state is not None and state.db is not None:
            with contextlib.suppress(Exception):  # no engine: the line names no database
                where = " %s" % masked_url(engine_for(real_db(state.db)).url)
        if exc.connection_invalidated:
            return "lost the connection to the database%s: %s" % (where, detail)
        return "cannot connect to the database%s: %s" % (where, detail)
    return "the database refused a statement: %s" % detail


def _os_error_paths(exc: OSError) -> str:
    """Name the file of an OSError; of a copy, the file being written first (shutil names the source first)."""
    if exc.filename2:
        return "%s (copying %s)" % (shown_path(os.fsdecode(exc.filename2)), shown_path(os.fsdecode(exc.filename)))
    return shown_path(os.fsdecode(exc.filename))


def _driver_message(error: BaseException) -> str:
    """Return the driver's message: the MySQL drivers' ``(1146, "Table ... doesn't exist")`` as
    ``Table ... doesn't exist (error 1146)``."""
    args: Tuple[Any, ...] = tuple(getattr(error, "args", ()))
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
        return "%s (error %d)" % (_first_line(args[1]), args[0])
    return _first_line(str(error))


def _ran_in_migration(exc: BaseException, config: Optional["Config"]) -> bool:
    return _failing_file(exc, version_locations(config)) is not None or _is_db_error(exc)


def _is_db_error(exc: BaseException) -> bool:
    from sqlalchemy import exc as sa_exc

    return isinstance(exc, sa_exc.DBAPIError) and exc.statement is not None


def _aftermath(state: Optional["MigrateState"], exc: Optional[BaseException]) -> str:
    """Say where the run that ``exc`` stopped left its database (nothing when that is not known).

    A run that wrote SQL out (``--sql``) changed no database: nothing to say.
    """
    context = _running_migration_context(exc)
    if context is not None and (context.as_sql or context.connection is None):
        return ""
    try:
        stopped = _stopped_at(state, context)
    except Exception:
        return ""
    if stopped is None:
        return ""
    heads, dialect, transactional, url = stopped
    from .batch_leftovers import notes

    batch = "".join(" %s%s." % (note[0].upper(), note[1:]) for note in notes())
    return _where_left(heads, dialect, transactional, url, _cause_advice(exc)) + batch


#: What to do when a statement failed for a reason that is not the script's, by SQLSTATE (PostgreSQL)
#: and error number (MySQL/MariaDB).
_TIMED_OUT = ("a statement waited too long (a lock or statement timeout, such as MIGRATE_DDL_LOCK_TIMEOUT): run the "
              "command again when the tables it needs are not busy, or raise the timeout")
_NO_PRIVILEGE = ("the database user lacks a privilege the revision needs: grant it, or migrate as a user that has "
                 "it, then run the command again")
_READ_ONLY = ("the database is read-only here (a replica, or read-only mode): run the command against the primary")
_CAUSES = {"55P03": _TIMED_OUT, "57014": _TIMED_OUT, "42501": _NO_PRIVILEGE, "25006": _READ_ONLY,
           1205: _TIMED_OUT, 3024: _TIMED_OUT, 1044: _NO_PRIVILEGE, 1142: _NO_PRIVILEGE, 1143: _NO_PRIVILEGE,
           1227: _NO_PRIVILEGE, 1290: _READ_ONLY, 1792: _READ_ONLY, 1836: _READ_ONLY}


#: When the connection itself went (a restart, a killed session, the network): nothing in the script to fix.
_CONNECTION_LOST = "the connection was lost, not the script at fault: run the command again once the database answers"


def _cause_advice(exc: Optional[BaseException]) -> Optional[str]:
    """Return what to do when a statement failed for a cause outside the script (the connection lost, a timeout,
    a missing privilege, a read-only server)."""
    if getattr(exc, "connection_invalidated", False):
        return _CONNECTION_LOST
    original = getattr(exc, "orig", None)
    if original is None:
        return None
    arguments = getattr(original, "args", None)
    if arguments and isinstance(arguments[0], int):  # MySQL drivers: the error number (their SQLSTATE is generic)
        return _CAUSES.get(arguments[0])
    return _CAUSES.get(getattr(original, "sqlstate", None) or getattr(original, "pgcode", None))


def _where_left(heads: Tuple[str, ...], dialect: str, transactional: bool, url: Any,
                cause: Optional[str] = None) -> str:
    at = ", ".join(heads) if heads else "base (no revision)"
    named = " " + masked_url(url) if url is not None else ""
    from .outside_transaction import statements

    committed = statements()
    if transactional and committed:
        return (
            " The open transaction was rolled back: the database%s is at revision %s, but %s outside it (an "
            "autocommit block) and stayed: %s; undo %s by hand, or make the script able to run again over %s."
            % (named, at, "this statement ran" if len(committed) == 1 else "these statements ran",
               "; ".join(_shortened(statement) for statement in committed),
               "it" if len(committed) == 1 else "them", "it" if len(committed) == 1 else "them")
        )
    if transactional:
        return (
            " The open transaction was rolled back (transactional DDL): the database%s is at revision %s and "
            "its schema matches it; %s." % (named, at, cause or "fix the script and run the command again")
        )
    if dialect in _TRANSACTIONAL_DDL:  # the database could have rolled back: env.py said not to
        return (
            " The database%s is at revision %s; transactional DDL is turned off (transactional_ddl=False in "
            "env.py), so statements of the failed revision that ran before it stopped may have stayed applied: "
            "check, then undo them by hand or fix the script so it can run again over them." % (named, at)
        )
    return (
        " The database%s is at revision %s; statements of the failed revision that ran before it stopped, if "
        "any, stayed applied (%s does not roll back DDL): %s."
        % (named, at, _NON_TRANSACTIONAL_NAMES.get(dialect, dialect),
           "%s, after undoing them by hand or making the script able to run again over them" % cause if cause
           else "undo them by hand, or fix the script so it can run again over them")
    )


def _shortened(statement: str, longest: int = 160) -> str:
    return statement if len(statement) <= longest else statement[:longest - 3] + "..."


def _stopped_at(state: Optional["MigrateState"], context: Any) -> Optional[Tuple[Tuple[str, ...], str, bool, Any]]:
    """Read (heads, dialect name, transactional DDL, URL if not the default database's) after a stop.

    The database, version table and transactional DDL are those of the
    migration context that was running (env.py may name its own version
    table, turn transactional DDL off or migrate several databases); without
    one, those of the app's default database.
    """
    from alembic.runtime.migration import MigrationContext

    default = engine_for(real_db(state.db)) if state is not None and state.db is not None else None
    if context is not None:
        engine = context.connection.engine
        options = {"version_table": context.version_table, "version_table_schema": context.version_table_schema}
        transactional = bool(context.impl.transactional_ddl)
    elif default is not None:
        engine, options = default, {}
        version_table = state.configure_args.get("version_table")  # type: ignore[union-attr]
        if version_table:
            options["version_table"] = version_table
        transactional = engine.dialect.name in _TRANSACTIONAL_DDL
    else:
        return None
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection, opts=options).get_current_heads()
    other = default is not None and engine.url != default.url
    return tuple(heads), engine.dialect.name, transactional, engine.url if other else None


def _running_migration_context(exc: Optional[BaseException]) -> Any:
    """Return the innermost Alembic MigrationContext whose method ``exc`` passed through, or None."""
    from alembic.runtime.migration import MigrationContext

    found = None
    for frame, _ in traceback.walk_tb(exc.__traceback__ if exc is not None else None):
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, MigrationContext):
            found = candidate
    return found


def _failing_file(exc: BaseException, folders: List[str], exact: Optional[str] = None) -> Optional[str]:
    """Return the innermost file of the traceback (or syntax error) inside ``folders``."""
    frame = _failing_frame(exc, folders, exact)
    return frame[0] if frame is not None else None


def _failing_frame(exc: BaseException, folders: List[str], exact: Optional[str] = None) -> Optional[Tuple[str, int]]:
    """Return the file and line of the innermost frame (or syntax error) inside ``folders``."""
    folders = [f for f in folders if f]
    candidates = []
    if isinstance(exc, SyntaxError) and exc.filename:
        candidates.append((exc.filename, exc.lineno or 0))
    candidates.extend((frame.filename, frame.lineno or 0) for frame in traceback.extract_tb(exc.__traceback__))
    found = None
    for filename, line in candidates:
        path = os.path.abspath(filename)
        if exact is not None and os.path.basename(path) != exact:
            continue
        if any(path.startswith(folder + os.sep) for folder in folders):
            found = (path, line)
    return found


def _revision_of(path: str, config: Optional["Config"]) -> str:
    if config is None:
        return os.path.basename(path).split("_")[0]
    try:
        from alembic.script import ScriptDirectory

        for script in ScriptDirectory.from_config(config).walk_revisions():
            if script.path and os.path.abspath(script.path) == path:
                return script.revision
    except Exception:
        pass
    return os.path.basename(path).split("_")[0]


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return text.strip()

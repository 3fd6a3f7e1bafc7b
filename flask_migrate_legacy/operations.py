"""One plain function per db subcommand, over alembic.command.

Each needs an application context (``current_app`` with ``Migrate`` set up),
returns normally on success and raises :class:`MigrationError` on any failure.
Alembic is imported only when one of them runs.
"""

import contextlib
import functools
import os
import re
import shutil
import sys
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterator, List, Optional, Sequence, Set, Union

from .errors import MigrationError, ParameterError, sigterm_as_interrupt
from .needs import Needs, needs_of
from .state import current_state

if TYPE_CHECKING:  # for annotations only
    from .config import Config
    from .state import MigrateState

XArg = Union[None, str, Sequence[str]]


def _directory(state: "MigrateState", directory: Optional[Any]) -> str:
    return os.fspath(directory) if directory is not None else state.directory


def _require_repository(directory: str) -> None:
    if not os.path.isdir(directory):
        raise MigrationError(
            "no migrations folder at %r: create it with the 'init' subcommand (e.g. 'python manage.py db init')"
            % directory
        )
    if not os.path.isfile(os.path.join(directory, "env.py")):
        raise MigrationError("%r is not a migrations folder: it has no env.py" % directory)


def _config(state: "MigrateState", directory: Optional[Any], x_arg: XArg = None,
            opts: Optional[Sequence[str]] = None) -> "Config":
    from flask import current_app

    from .traps import refuse_traps

    directory = _directory(state, directory)
    _require_repository(directory)
    if state.db is not None:
        refuse_traps(current_app, state.db)
    try:
        return state.config(directory, x_arg=x_arg, opts=opts)
    except Exception as exc:
        from .foreign_errors import unreadable_ini

        error = unreadable_ini(exc, os.path.join(directory, "alembic.ini"))
        if error is None:
            raise
        raise error from exc


@contextlib.contextmanager
def _reported(state: "MigrateState", config: Optional["Config"] = None,
              operation: Optional[Callable[..., Any]] = None) -> Iterator[None]:
    """Turn any failure inside into a MigrationError with a one-line message (``foreign_errors.translate``)."""
    try:
        yield
    except (Exception, KeyboardInterrupt) as exc:
        from .foreign_errors import translate

        error = translate(exc, state, config, operation)
        if error is exc:
            raise
        raise error from exc


def _refuse_undecoded_text(**values: Optional[str]) -> None:
    """Refuse a value that holds bytes the terminal's encoding could not decode.

    Python keeps such bytes of the command line as lone surrogates; the revision
    file is written as UTF-8, where Alembic's template stopped with a pointer to
    a traceback file and left that file behind.
    """
    from .masking import UNDECODED_BYTE

    for name, value in values.items():
        if value is not None and UNDECODED_BYTE.search(value):
            shown = ascii(value.encode("utf-8", "surrogateescape"))
            raise ParameterError("{%s} holds bytes that are not text in this terminal's encoding (%s): give it as "
                                 "UTF-8 text; no file was written" % (name, shown), name)


def _run(state: "MigrateState", operation: Callable[..., Any], function: Callable[..., Any], config: "Config",
         *args: Any, **kwargs: Any) -> None:
    """Run ``function(config, ...)`` (an ``alembic.command`` function, or one of this package's) with what
    ``operation`` declared it needs."""
    from .lock import migration_lock

    needs = needs_of(operation)
    env_script = os.path.join(config.get_main_option("script_location") or "", "env.py")
    runs_ddl = needs.writes_database and not kwargs.get("sql", False)
    with sigterm_as_interrupt(), _reported(state, config, operation), _earlier_objects_frozen():
        with _no_partial_files(config, needs.writes_revision_files), \
                migration_lock(state, needs.writes_database, sql=kwargs.get("sql", False)), \
                _ddl_lock_timeout(runs_ddl), \
                _recording_autocommit(state, needs.writes_database), \
                _no_batch_leftovers(state, needs.writes_database and not kwargs.get("sql", False)), \
                state.env_script_in_use(env_script), _env_sees_engine_urls(state), \
                _session_on_migration_connection(state, needs.writes_database and not kwargs.get("sql", False)):
            function(config, *args, **kwargs)


@contextlib.contextmanager
def _earlier_objects_frozen() -> Iterator[None]:
    """Keep the objects that exist before the run (the app, its imports) out of the cyclic collector's
    passes while it runs, and hand them back after it.

    Loading 1,000 revision files and running them allocates enough to trigger
    full collections, each of which walked every object of the app: 0.16 s
    of an upgrade's 2.5 s. ``gc.unfreeze`` puts them back in the oldest
    generation, so a process that goes on (tests, an app calling
    ``upgrade()``) collects them as before. A process that froze objects of
    its own is left alone: unfreezing would hand back its objects too.
    """
    import gc

    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _ddl_lock_timeout(runs_ddl: bool) -> ContextManager[None]:
    """Make the run's statements give up waiting for a busy table after MIGRATE_DDL_LOCK_TIMEOUT seconds."""
    if not runs_ddl:
        return contextlib.nullcontext()
    from .ddl_lock_timeout import applied, configured_seconds

    return applied(configured_seconds())


def _app_engines(state: "MigrateState") -> List[Any]:
    """The engines of the app's databases (every bind)."""
    from flask import current_app

    from .compat import engines_of, real_db

    return list(engines_of(real_db(state.db), current_app).values())


def _recording_autocommit(state: "MigrateState", writes_database: bool) -> ContextManager[None]:
    """Record what the run commits outside its transaction (autocommit blocks), for the aftermath of a failure."""
    if not writes_database or state.db is None:
        return contextlib.nullcontext()
    from .outside_transaction import recording

    return recording(_app_engines(state))


def _session_on_migration_connection(state: "MigrateState", writes_database: bool) -> ContextManager[None]:
    """Let revisions that use the app's session and models run on the migration's connection (migration_session)."""
    if not writes_database or state.db is None:
        return contextlib.nullcontext()
    from .migration_session import joined

    return joined(state)


def _no_batch_leftovers(state: "MigrateState", writes_database: bool) -> ContextManager[None]:
    """Remove the partial copies SQLite batch mode leaves when the run fails (see batch_leftovers)."""
    if not writes_database or state.db is None:
        return contextlib.nullcontext()
    from .batch_leftovers import removed_on_failure

    return removed_on_failure(_app_engines(state))


def _env_sees_engine_urls(state: "MigrateState") -> ContextManager[None]:
    from flask import current_app

    from .traps import env_sees_engine_urls

    return env_sees_engine_urls(current_app, state.db) if state.db is not None else contextlib.nullcontext()


def _no_partial_files(config: "Config", writes_revision_files: bool) -> ContextManager[None]:
    """Remove the revision files a failed ``revision``/``migrate``/``merge`` created itself (a full disk leaves
    them empty), and only those; refuse any write that would replace an existing revision file."""
    if not writes_revision_files:
        return contextlib.nullcontext()
    from .created_files import removed_on_failure
    from .revision_files import version_locations

    return removed_on_failure(version_locations(config))


def _refuse_a_taken_rev_id(config: "Config", rev_id: Optional[str]) -> None:
    """Refuse, before anything is written, a --rev-id another revision file already has."""
    if not rev_id:
        return
    from .revision_files import files_in_version_folders, read_revision, version_locations

    for path in files_in_version_folders(version_locations(config)):
        if read_revision(path).revision == rev_id:
            from .paths import shown_path

            raise ParameterError("revision %s already exists (%s): choose another {rev_id}; nothing was written"
                                 % (rev_id, shown_path(path)), "rev_id")


def operation(**declared: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declare a db operation and what it needs (the fields of :class:`Needs`).

    The operation also reports Ctrl-C or SIGTERM that come before it reached the
    database (while it reads its configuration or imports Alembic) as one line:
    nothing was changed yet.
    """
    needs = Needs(**declared)

    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> None:
            with sigterm_as_interrupt():
                try:
                    function(*args, **kwargs)
                except KeyboardInterrupt as exc:
                    from .foreign_errors import translate

                    raise translate(exc, None, None, run) from exc

        run.needs = needs  # type: ignore[attr-defined]
        return run

    return decorate


@operation()
def list_templates() -> None:
    """List the available repository templates."""
    from .config import Config

    config = Config()
    root = config.get_template_directory()
    config.print_stdout("Available templates:\n")
    for name in sorted(os.listdir(root)):
        with open(os.path.join(root, name, "README")) as readme:
            synopsis = readme.readline().strip()
        config.print_stdout("%s - %s", name, synopsis)


@operation()
def init(directory: Optional[str] = None, multidb: bool = False, template: Optional[str] = None,
         package: bool = False) -> None:
    """Create a new migrations folder."""
    from alembic import command

    from .config import Config, apply_configure_callbacks

    state = current_state()
    directory = _directory(state, directory)
    template_directory = None
    if template is not None and ("/" in template or "\\" in template):
        # A folder (``./custom``, ``../shared/tpl``, ``/abs/tpl/``): its parent holds the template.
        template_directory, template = os.path.split(os.path.abspath(template))
    template = template or ("flask-multidb" if multidb else "flask")
    config = Config(template_directory=template_directory)
    if not os.path.isfile(os.path.join(config.get_template_directory(), template, "env.py")):
        hint = " (for the folder %r here, pass './%s')" % (template, template) if os.path.isdir(template) else ""
        raise MigrationError(
            "no template %r in %s%s (see the 'list-templates' subcommand)"
            % (template, config.get_template_directory(), hint)
        )
    if os.path.exists(directory) and (not os.path.isdir(directory) or os.listdir(directory)):
        raise MigrationError("%r already exists and is not empty: nothing was written" % directory)
    config.set_main_option("script_location", directory)
    config.config_file_name = os.path.join(directory, "alembic.ini")
    config = apply_configure_callbacks(config, state.configure_callbacks)
    existed = os.path.isdir(directory)
    try:
        with _reported(state, config, init):
            command.init(config, directory, template=template, package=package)
    except BaseException:
        # Leave no half-written repository behind.
        if existed:
            for entry in os.listdir(directory):
                path = os.path.join(directory, entry)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        else:
            shutil.rmtree(directory, ignore_errors=True)
        raise


@operation(writes_revision_files=True)
def revision(directory: Optional[str] = None, message: Optional[str] = None, autogenerate: bool = False,
             sql: bool = False, head: str = "head", splice: bool = False, branch_label: Optional[str] = None,
             version_path: Optional[str] = None, rev_id: Optional[str] = None, x_arg: XArg = None) -> None:
    """Create a new revision file."""
    _refuse_undecoded_text(message=message, rev_id=rev_id, branch_label=branch_label)
    from alembic import command

    state = current_state()
    config = _config(state, directory, x_arg, opts=["autogenerate"] if autogenerate else None)
    _refuse_a_taken_rev_id(config, rev_id)
    _run(state, revision, command.revision, config, message, autogenerate=autogenerate, sql=sql, head=head,
         splice=splice, branch_label=branch_label, version_path=version_path, rev_id=rev_id)


@operation(writes_revision_files=True)
def migrate(directory: Optional[str] = None, message: Optional[str] = None, sql: bool = False, head: str = "head",
            splice: bool = False, branch_label: Optional[str] = None, version_path: Optional[str] = None,
            rev_id: Optional[str] = None, x_arg: XArg = None) -> None:
    """Autogenerate a new revision file (alias for 'revision --autogenerate')."""
    _refuse_undecoded_text(message=message, rev_id=rev_id, branch_label=branch_label)
    from alembic import command

    state = current_state()
    config = _config(state, directory, x_arg, opts=["autogenerate"])
    _refuse_a_taken_rev_id(config, rev_id)
    _run(state, migrate, command.revision, config, message, autogenerate=True, sql=sql, head=head, splice=splice,
         branch_label=branch_label, version_path=version_path, rev_id=rev_id)


@operation()
def edit(directory: Optional[str] = None, revision: str = "head", x_arg: XArg = None) -> None:
    """Edit a revision file in $EDITOR."""
    from alembic import command

    state = current_state()
    _run(state, edit, command.edit, _config(state, directory, x_arg), revision)


@operation(writes_revision_files=True)
def merge(directory: Optional[str] = None, revisions: Union[str, Sequence[str]] = "heads",
          message: Optional[str] = None, branch_label: Optional[str] = None, rev_id: Optional[str] = None,
          x_arg: XArg = None) -> None:
    """Merge two or more revisions into one new revision file."""
    _refuse_undecoded_text(message=message, rev_id=rev_id, branch_label=branch_label)
    if not isinstance(revisions, str):
        revisions = list(revisions) or "heads"
    from alembic import command

    state = current_state()
    config = _config(state, directory, x_arg)
    relative = [name for name in ([revisions] if isinstance(revisions, str) else revisions)
                if re.match(r"^[+-]\d+$", name) or ":" in name]
    if relative:
        raise MigrationError("merge takes revision ids (or 'heads'), not relative revisions or ranges: %s"
                             % ", ".join(repr(name) for name in relative))
    with _reported(state, config, merge):
        from alembic.script import ScriptDirectory

        found = ScriptDirectory.from_config(config).get_revisions(revisions)
    scripts = [revision for revision in found if hasattr(revision, "revision")]
    if len(scripts) == len(found) and len({script.revision for script in scripts}) < 2:
        # (a relative identifier such as -1 resolves to no script here: Alembic words that)
        names = ", ".join(script.revision for script in scripts) or "none"
        config.print_stdout("Nothing to merge: %s names a single revision (%s); no file was written.",
                            revisions if isinstance(revisions, str) else " ".join(revisions), names)
        return
    _refuse_a_taken_rev_id(config, rev_id)
    _run(state, merge, command.merge, config, revisions, message=message, branch_label=branch_label, rev_id=rev_id)


@operation(writes_database=True)
def upgrade(directory: Optional[str] = None, revision: str = "head", sql: bool = False, tag: Optional[str] = None,
            x_arg: XArg = None) -> None:
    """Upgrade the database to a later revision."""
    from . import migrating_commands

    state = current_state()
    _run(state, upgrade, migrating_commands.upgrade, _config(state, directory, x_arg), revision, sql=sql, tag=tag)


@operation(writes_database=True)
def downgrade(directory: Optional[str] = None, revision: str = "-1", sql: bool = False, tag: Optional[str] = None,
              x_arg: XArg = None) -> None:
    """Revert the database to an earlier revision."""
    if sql and revision == "-1":
        revision = "head:-1"  # offline mode has no current revision to step back from
    from . import migrating_commands

    state = current_state()
    _run(state, downgrade, migrating_commands.downgrade, _config(state, directory, x_arg), revision, sql=sql,
         tag=tag)


@operation()
def show(directory: Optional[str] = None, revision: str = "head", x_arg: XArg = None) -> None:
    """Show the revision denoted by the given symbol."""
    from . import graph_commands

    state = current_state()
    _run(state, show, graph_commands.show, _config(state, directory, x_arg), revision)


@operation()
def history(directory: Optional[str] = None, rev_range: Optional[str] = None, verbose: bool = False,
            indicate_current: bool = False, x_arg: XArg = None) -> None:
    """List revisions in chronological order."""
    from . import graph_commands

    state = current_state()
    _run(state, history, graph_commands.history, _config(state, directory, x_arg), rev_range, verbose=verbose,
         indicate_current=indicate_current)


@operation()
def heads(directory: Optional[str] = None, verbose: bool = False, resolve_dependencies: bool = False,
          check: bool = False, x_arg: XArg = None) -> None:
    """Show the current heads of the revision history."""
    from . import graph_commands
    from .revision_graph import script_directory

    state = current_state()
    config = _config(state, directory, x_arg)
    _run(state, heads, graph_commands.heads, config, verbose=verbose, resolve_dependencies=resolve_dependencies)
    if check:
        with _reported(state, config, heads):
            found = sorted(script_directory(config).get_heads())
        if len(found) > 1:
            raise MigrationError("%d heads (%s): `db upgrade` stops with 'Multiple head revisions'; merge them: "
                                 "db merge -m 'merge heads' %s" % (len(found), ", ".join(found), " ".join(found)))


@operation()
def branches(directory: Optional[str] = None, verbose: bool = False, x_arg: XArg = None) -> None:
    """Show the branch points of the revision history."""
    from . import graph_commands

    state = current_state()
    _run(state, branches, graph_commands.branches, _config(state, directory, x_arg), verbose=verbose)


@operation()
def current(directory: Optional[str] = None, verbose: bool = False, check_heads: bool = False,
            x_arg: XArg = None) -> None:
    """Show the current revision of each database."""
    from .current_revisions import show_current

    state = current_state()
    _run(state, current, show_current, _config(state, directory, x_arg), verbose=verbose, check_heads=check_heads)


@operation(writes_database=True)
def stamp(directory: Optional[str] = None, revision: str = "head", sql: bool = False, tag: Optional[str] = None,
          purge: bool = False, x_arg: XArg = None) -> None:
    """Set the database's revision without running any migration."""
    from alembic import command

    state = current_state()
    _run(state, stamp, command.stamp, _config(state, directory, x_arg), revision, sql=sql, tag=tag, purge=purge)


@operation()
def check(directory: Optional[str] = None, x_arg: XArg = None) -> None:
    """Fail when the models differ from the database (a new migration is needed)."""
    from alembic import command

    state = current_state()
    _run(state, check, command.check, _config(state, directory, x_arg))


def _read_only_env(state: "MigrateState", directory: str) -> Callable[[Callable[..., Any]], Set[str]]:
    """Return ``run(fn)``: env.py run online changing nothing (as `db current`), ``fn`` called per database."""

    def run(fn: Callable[..., Any]) -> Set[str]:
        from alembic.runtime.environment import EnvironmentContext

        from .revision_graph import script_directory

        config = _config(state, directory)
        script = script_directory(config)  # it changes nothing: the cached graph serves it
        env_script = os.path.join(config.get_main_option("script_location") or "", "env.py")
        with sigterm_as_interrupt(), _reported(state, config, doctor), state.env_script_in_use(env_script), \
                _env_sees_engine_urls(state), _quiet_info_logs(), \
                EnvironmentContext(config, script, fn=fn, dont_mutate=True):
            script.run_env()
        return set(script.get_heads())

    return run


@contextlib.contextmanager
def _quiet_info_logs() -> Iterator[None]:
    """Keep Alembic's INFO lines ("Context impl ...") out of db doctor's report; warnings still show.

    ``logging.disable`` because env.py's ``fileConfig`` resets every logger's level.
    """
    import logging

    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)


@operation()
def doctor(directory: Optional[str] = None, format: str = "text", fix: bool = False, write: bool = False,
           against: Optional[str] = None, review_all: bool = False, verify: Optional[str] = None) -> None:
    """Report what will break on today's stack, before a deploy does (reads files; changes nothing)."""
    from flask import current_app

    from . import audit, checks
    from .project import doctor_project, merge_findings, review_migrations

    if format not in ("text", "json"):
        raise ParameterError("{format} takes 'text' or 'json', not %r" % format, "format")
    if write and not fix:
        raise ParameterError("{write} goes with {fix}", "write", "fix")
    if verify is not None and against is None and not review_all:
        raise ParameterError("{verify} goes with a review ({against} or {review_all})", "verify", "against",
                             "review_all")
    if fix and (against is not None or review_all):
        raise ParameterError("{fix} does not go with a review ({against}, {review_all}): it changes no revision",
                             "fix", "against", "review_all")
    from .masking import MaskedStream

    state = current_state()
    directory = _directory(state, directory)
    out = MaskedStream(sys.stdout, [])  # a full disk under `> report.txt` is one line, as for Alembic's output
    root = os.path.dirname(os.path.abspath(directory))  # the project: where its migrations folder is
    if against is not None or review_all:
        _require_repository(directory)
        checks.print_report(out, format, review_migrations(root, directory, against, review_all, verify),
                            "db doctor", checks.FAILING_A_REVIEW)
        return
    found = doctor_project(root, [directory] if os.path.isdir(directory) else [], fix, write, out, "db doctor")
    if not os.path.isdir(directory):
        found = audit.audit_folder(directory) + found
    findings = merge_findings(audit.audit_env(directory, state.given_args), found)
    if state.db is not None:
        findings += audit.audit_app(current_app, state.db)
        if os.path.isfile(os.path.join(directory, "env.py")) and not any(
                finding.severity == "fail" and finding.code in audit.BLOCKS_DATABASE_CHECK for finding in findings):
            with _reported(state, None, doctor):
                findings += audit.audit_database(state.db, _read_only_env(state, directory))
    checks.print_report(out, format, findings, "db doctor")

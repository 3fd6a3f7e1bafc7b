"""``db doctor``: the migrations folder, its history, env.py, the app and its databases.

Everything here reads files (revision files and env.py are parsed, never
imported) and the app's configuration; only with reachable databases is the
project's env.py run, as `db current` runs it (changing nothing), to see whether
each database is at a head and whether the models match it. Nothing is
written: ``fixer.py`` applies the edits findings carry, when asked to.
"""

import ast
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from .checks import Finding, declare, finding
from .code_audit import audit_code
from .paths import shown_path
from .revision_files import Revision, read_revision, revision_files

if TYPE_CHECKING:  # for annotations only
    from flask import Flask

declare("does-not-parse", "fail", "revision", "a revision file Python cannot read",
        "fix it (python -m py_compile FILE says the same)")
declare("not-in-its-encoding", "advice", "revision", "bytes the file's encoding cannot decode (in comments)",
        "save it as UTF-8, or declare what it is on its first line (# -*- coding: latin-1 -*-)")
declare("no-revision-id", "fail", "migrations", "a revision file without `revision = '...'`", "give it a revision id")
declare("duplicate-revision", "fail", "migrations", "two files define one revision id",
        "give one of them a new id (and update what revises it)")
declare("missing-parent", "fail", "migrations", "a down_revision no file defines",
        "restore the missing file, or point down_revision at an existing one")
declare("cycle", "fail", "migrations", "revisions that form a cycle", "break the cycle by fixing a down_revision")
declare("multiple-heads", "fail", "migrations", "more than one head: `upgrade` stops",
        "merge them with db merge")
declare("no-migrations-folder", "fail", "migrations", "no migrations folder", "create it with `db init`")
declare("no-env-py", "fail", "migrations", "a migrations folder without env.py",
        "copy one from `db init` in an empty folder")
declare("missing-alembic", "fail", "migrations", "alembic.ini is missing", "copy it from `db init` in an empty folder")
declare("missing-script", "fail", "migrations", "script.py.mako is missing",
        "copy it from `db init` in an empty folder")
declare("env-generation", "advice", "migrations", "which Flask-Migrate wrote env.py, and what that means today",
        "nothing to do")
declare("argument-given-twice", "fail", "app", "env.py and Migrate() both pass one configure argument",
        "remove one of the two")
declare("moved-sqlite-file", "fail", "app", "a relative SQLite path Flask-SQLAlchemy 3 resolves elsewhere",
        "make the URI absolute to pin it", "Flask-SQLAlchemy 3.0.0")
declare("driver", "fail", "app", "a database driver that does not import", "install it, or change the URL")
declare("alembic-python-limit", "advice", "app", "Alembic 1.17 and later need Python 3.10+",
        "move to Python 3.10+ before Alembic's fixes stop reaching you", "Alembic 1.17.0")
declare("not-at-head", "advice", "app", "the database is behind the migrations' head", "run `db upgrade`")
declare("database-ahead", "fail", "app", "the database is at a revision this checkout does not have",
        "deploy the code that has that revision (the database is ahead of this checkout), or, if the database "
        "really is at this checkout's schema, `db stamp <revision>` to record which")
declare("models-differ", "may", "app", "the models differ from the database",
        "run `db migrate` to write a revision for them")
declare("no-database-yet", "advice", "app", "the SQLite file does not exist yet", "nothing to do")
declare("database-unreachable", "advice", "app", "the database cannot be reached: its state was not checked",
        "run again where it is")
declare("env-py-fails", "fail", "app", "running the migrations' env.py fails",
        "fix what the message names: every db subcommand runs env.py")


# -- env.py: which generation wrote it -------------------------------------------------

#: (marker in the file, generation, what it means today). First match wins.
_GENERATIONS = (
    ("flask-migrate-legacy", "this package's template", ""),
    ("conf_args", "Flask-Migrate 4.1 or later", ""),
    ("metadatas", "Flask-Migrate 4.0", ""),
    ("get_engine()", "Flask-Migrate 3.x",
     "it gets Flask-Migrate 2.x's configure_args (no render_as_batch default); this package runs it unchanged"),
    ("db.engine.url", "Flask-Migrate 2.5-2.7",
     "str(engine.url) hides the password on SQLAlchemy 1.4+; this package hands env.py an engine whose URL "
     "keeps it, so it runs unchanged"),
    ("SQLALCHEMY_DATABASE_URI", "Flask-Migrate 1.x-2.4",
     "it opens SQLALCHEMY_DATABASE_URI itself; this package shows it the URL of the file the app really "
     "opens during each command, so a relative SQLite path still works"),
)


def env_generation(text: str) -> Tuple[str, str]:
    """Return (generation, what it means on today's stack) for an env.py's source."""
    for marker, generation, note in _GENERATIONS:
        if marker in text:
            return generation, note
    return "an unknown generation (edited by hand)", ""


# -- revision files --------------------------------------------------------------------


def audit_revision(revision: Revision, shown: str) -> List[Finding]:
    """Return the findings of one parsed revision file."""
    from .pysource import SourceFile

    if revision.tree is None:
        return [finding("does-not-parse", shown, "Python cannot read the revision file (%s)" % revision.problem,
                        "fix it (python -m py_compile %s says the same)" % shown)]
    file = SourceFile(revision.path, revision.tree, revision.source, revision.encoding,
                      undecodable_line=revision.undecodable_line)
    findings = audit_code(file, shown, revision=True)
    if revision.undecodable_line:  # --fix cannot write back bytes it could not read
        findings = [found._replace(fixable=False, edits=()) for found in findings]
        findings.append(finding(
            "not-in-its-encoding", "%s:%d" % (shown, revision.undecodable_line),
            "the file is not valid %s: Python runs it (the bytes are in comments), but editors and tools that "
            "read it as %s, db doctor --fix among them, do not" % ((revision.encoding.upper(),) * 2)))
    return findings


def audit_history(revisions: List[Revision], shown: Dict[str, str]) -> List[Finding]:
    """Check the revision graph from the parsed ids: duplicates, missing parents, cycles, heads."""
    findings = []
    by_id: Dict[str, Revision] = {}
    for revision in revisions:
        if revision.revision is None:
            if revision.tree is not None:
                findings.append(finding("no-revision-id", shown[revision.path],
                                        "no `revision = '...'` line: Alembic cannot load the file",
                                        "give it a revision id"))
            continue
        if revision.revision in by_id:
            findings.append(finding("duplicate-revision", shown[revision.path],
                                    "revision %s is also defined in %s" % (revision.revision,
                                                                            shown[by_id[revision.revision].path]),
                                    "give one of them a new id (and update what revises it)"))
        by_id[revision.revision] = revision
    children: Dict[str, Set[str]] = {rev: set() for rev in by_id}
    for revision in by_id.values():
        for parent in revision.down_revisions:
            if parent not in by_id:
                findings.append(finding("missing-parent", shown[revision.path],
                                        "revision %s revises %s, which no file defines" % (revision.revision, parent),
                                        "restore the missing file, or point down_revision at an existing one"))
            else:
                children[parent].add(revision.revision)  # type: ignore[arg-type]
    if _has_cycle(by_id):
        findings.append(finding("cycle", "", "the revisions form a cycle: Alembic cannot order them",
                                "break the cycle by fixing a down_revision"))
    heads = sorted(rev for rev, kids in children.items() if not kids)
    if len(heads) > 1:
        findings.append(finding("multiple-heads", "",
                                "%d heads (%s): `upgrade` without a target stops with 'Multiple head revisions'"
                                % (len(heads), ", ".join(heads)),
                                "merge them: db merge -m 'merge heads' %s" % " ".join(heads)))
    return findings


def _has_cycle(by_id: Dict[str, Revision]) -> bool:
    state: Dict[str, int] = {}
    for start in by_id:
        stack = [(start, iter(by_id[start].down_revisions))]
        if state.get(start):
            continue
        state[start] = 1
        while stack:
            node, parents = stack[-1]
            advanced = False
            for parent in parents:
                if parent not in by_id:
                    continue
                if state.get(parent) == 1:
                    return True
                if not state.get(parent):
                    state[parent] = 1
                    stack.append((parent, iter(by_id[parent].down_revisions)))
                    advanced = True
                    break
            if not advanced:
                state[node] = 2
                stack.pop()
    return False


# -- the project as a whole --------------------------------------------------------------


def audit_folder(directory: str, show: Callable[[str], str] = shown_path) -> List[Finding]:
    """Check the migrations folder itself and every revision file in it (``show`` words each path)."""
    findings: List[Finding] = []
    env_path = os.path.join(directory, "env.py")
    if not os.path.isdir(directory):
        return [finding("no-migrations-folder", show(directory), "there is no migrations folder",
                        "create it with `db init`")]
    if not os.path.isfile(env_path):
        findings.append(finding("no-env-py", show(env_path), "the migrations folder has no env.py",
                                "copy one from `db init` in an empty folder"))
    else:
        with open(env_path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
        generation, note = env_generation(text)
        if note:
            findings.append(finding("env-generation", show(env_path),
                                    "written by %s: %s" % (generation, note), "nothing to do"))
    for name in ("alembic.ini", "script.py.mako"):
        if not os.path.isfile(os.path.join(directory, name)):
            findings.append(finding("missing-" + name.split(".")[0], show(os.path.join(directory, name)),
                                    "%s is missing" % name))
    revisions = [read_revision(path) for path in revision_files(directory)]
    shown = {revision.path: show(revision.path) for revision in revisions}
    for revision in revisions:
        findings.extend(audit_revision(revision, shown[revision.path]))
    findings.extend(audit_history(revisions, shown))
    return findings


def audit_env(directory: str, given_args: Iterable[str]) -> List[Finding]:
    """Check env.py against the app: arguments given twice, Flask-SQLAlchemy APIs that 3.x removed."""
    from .envpy import read_env_script
    from .removals import REMOVED_DB_APIS

    path = os.path.join(directory, "env.py")
    if not os.path.isfile(path):
        return []
    findings = []
    explicit = read_env_script(path).explicit
    for name in sorted(set(given_args) & set(explicit)):
        findings.append(finding("argument-given-twice", "%s:%d" % (shown_path(path), explicit[name]),
                                "env.py passes %s= to context.configure() and Migrate() was given %s too: every "
                                "command that runs env.py stops" % (name, name), "remove one of the two"))
    revision = read_revision(path)
    if revision.tree is not None:
        import flask_sqlalchemy

        for node in ast.walk(revision.tree):
            if isinstance(node, ast.Attribute) and node.attr in REMOVED_DB_APIS:
                gone = not hasattr(flask_sqlalchemy.SQLAlchemy, node.attr)  # still there on 2.x (and some on 3.0)
                findings.append(finding(
                    "removed-flask-sqlalchemy-api", "%s:%d" % (shown_path(path), node.lineno),
                    "db.%s() was removed in Flask-SQLAlchemy 3%s" % (
                        node.attr, "" if gone else " (the version installed here still has it)"),
                    "use %s" % REMOVED_DB_APIS[node.attr], severity="fail" if gone else "advice"))
    return findings


def audit_app(app: "Flask", db: Any) -> List[Finding]:
    """Check the app's databases: moved SQLite files, URIs, drivers, version limits."""
    from .traps import configured_urls, moved_database_message, moved_sqlite_files, stranded

    findings = []
    for move in moved_sqlite_files(app, db):
        severity = "fail" if stranded(move) else "advice"
        findings.append(finding("moved-sqlite-file", "", moved_database_message(move) if severity == "fail" else
                                "%r resolves to %s (Flask-SQLAlchemy 2 used %s)"
                                % (move.configured, move.current_path, move.legacy_path), severity=severity))
    for bind, url in configured_urls(app).items():
        findings.extend(_driver_findings(bind, url))
    if sys.version_info < (3, 10):
        findings.append(finding("alembic-python-limit", "",
                                "Alembic 1.17 and later need Python 3.10+; this Python gets an older Alembic",
                                "move to Python 3.10+ before Alembic's fixes stop reaching you"))
    return findings


def _driver_findings(bind: Optional[str], url: Any) -> List[Finding]:
    from sqlalchemy.engine.url import make_url

    from .configuration_errors import describe_configuration_error
    from .masking import masked_url

    try:
        dialect = make_url(url).get_dialect()
        importer: Any = getattr(dialect, "import_dbapi", None) or dialect.dbapi
        importer()
    except Exception as exc:
        message = describe_configuration_error(exc) or "%s: %s" % (type(exc).__name__, exc)
        name = "SQLALCHEMY_DATABASE_URI" if bind is None else "SQLALCHEMY_BINDS[%r]" % bind
        try:
            shown = masked_url(make_url(url))
        except Exception:
            shown = "(unparseable)"
        return [finding("driver", "", "%s %s: %s" % (name, shown, message), "install it, or change the URL")]
    return []


#: Findings after which running env.py (and Alembic loading the revisions) would fail, or touch an
#: empty file: the database is not checked.
BLOCKS_DATABASE_CHECK = frozenset({"driver", "argument-given-twice", "removed-flask-sqlalchemy-api",
                                   "moved-sqlite-file", "does-not-parse", "no-revision-id", "missing-parent",
                                   "cycle"})


def audit_database(db: Any, run_env: Callable[[Callable[..., Any]], Set[str]]) -> List[Finding]:
    """With reachable databases: is each at the head, and do the models match it (as `db check` says)?

    ``run_env(fn)`` runs the project's env.py online without changing anything (as `db current`
    does), calls ``fn(current_heads, migration_context)`` for each database env.py migrates and
    returns the migrations' heads. So the project's own version table, binds, ``include_object``
    and compare options decide, as for its own `db check`.
    """
    from alembic.autogenerate import compare_metadata

    from .errors import MigrationError
    from .masking import masked_url

    unready = _databases_not_ready(db)
    if unready:
        return unready
    seen: List[Tuple[str, Set[str], List[Any]]] = []
    unknown: List[Tuple[str, List[str]]] = []

    def inspect_database(current: Any, context: Any) -> List[Any]:
        where = masked_url(context.bind.engine.url)
        missing = _unknown_revisions(current, getattr(context, "script", None))
        if missing:  # comparing models with a database at a schema this checkout does not know says nothing
            unknown.append((where, missing))
            return []
        metadata = context.opts.get("target_metadata")
        differences = compare_metadata(context, metadata) if metadata is not None else []
        seen.append((where, set(current), list(differences)))
        return []  # no migration to run

    try:
        heads = run_env(inspect_database)
    except MigrationError as exc:
        return [_env_failure(exc)]
    findings = []
    several = len(seen) + len(unknown) > 1
    for where, missing in unknown:
        findings.append(finding("database-ahead", "", "the database%s is at %s, which no revision file of this "
                                "checkout defines: upgrade, downgrade and current all fail on it"
                                % (" %s" % where if several else "", ", ".join(missing))))
    for where, current, differences in seen:
        named = " %s" % where if several else ""
        if heads and current != heads:
            findings.append(finding("not-at-head", "", "the database%s is at %s, the migrations' head is %s"
                                    % (named, ", ".join(sorted(current)) or "base", ", ".join(sorted(heads))),
                                    "run `db upgrade`"))
        elif differences:
            findings.append(finding("models-differ", "", "the models differ from the database%s: %d "
                                    "change(s), e.g. %s" % (named, len(differences), _first_difference(differences)),
                                    "run `db migrate` to write a revision for them"))
    return findings


def _unknown_revisions(current: Any, script: Any) -> List[str]:
    """Return the database's revisions that no revision file of the checkout defines."""
    if script is None:
        return []
    missing = []
    for revision in current or ():
        try:
            script.revision_map.get_revision(revision)
        except Exception:  # Alembic's ResolutionError: no such revision
            missing.append(revision)
    return sorted(missing)


def _databases_not_ready(db: Any) -> List[Finding]:
    """Findings for databases that must not be (a SQLite file not made yet) or cannot be connected to."""
    from flask import current_app

    from .compat import engines_of, real_db
    from .masking import masked_url

    findings = []
    for engine in engines_of(real_db(db), current_app).values():
        database = engine.url.database or ""
        if engine.dialect.name == "sqlite" and database not in ("", ":memory:") and not os.path.exists(database):
            findings.append(finding("no-database-yet", "", "the SQLite file %s does not exist yet: "
                                    "`db upgrade` will create it" % database, "nothing to do"))
            continue  # connecting would create it
        try:
            engine.connect().close()
        except Exception as exc:
            findings.append(finding("database-unreachable", "", "the database %s is not reachable (%s): "
                                    "its state was not checked" % (masked_url(engine.url), type(exc).__name__),
                                    "run again where it is"))
    return findings


def _env_failure(error: Exception) -> Finding:
    """The finding for env.py failing when run online: a database it cannot reach (or lost), or every db
    command failing."""
    from sqlalchemy import exc as sa_exc

    cause = error.__cause__
    if isinstance(cause, sa_exc.DBAPIError) and (cause.statement is None or cause.connection_invalidated):
        return finding("database-unreachable", "", "%s: the database's state was not checked" % error,
                       "run again where it is")
    return finding("env-py-fails", "", "running the migrations' env.py fails: %s" % error,
                   "fix what the message names: every db subcommand runs env.py")


def _first_difference(differences: List[Any]) -> str:
    first = differences[0]
    while isinstance(first, list) and first:
        first = first[0]
    return " ".join(str(part) for part in first[:2]) if isinstance(first, tuple) else str(first)

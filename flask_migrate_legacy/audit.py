"""``db doctor``: what will break on today's stack, found before a deploy finds it.

Everything here reads files (revision files and env.py are parsed, never
imported) and the app's configuration; only with reachable databases is the
project's env.py run, as `db current` runs it (changing nothing), to see whether
each database is at a head and whether the models match it. Nothing is
written: ``fixer.py`` rewrites what can be rewritten, when asked to.
"""

import ast
import os
import re
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple

from .paths import shown_path

if TYPE_CHECKING:  # for annotations only
    from flask import Flask

#: Severities, worst first, with the heading each gets in the report.
SEVERITIES = (("fail", "Will fail"), ("may", "May fail"), ("advice", "Advice"))


class Finding(NamedTuple):
    """One thing the doctor found."""

    severity: str  # "fail", "may" or "advice"
    code: str  # a stable name, for CI filters
    where: str  # "path:line", a path, or "" for the project as a whole
    message: str  # what breaks, and on which versions
    fix: str  # what to do
    fixable: bool = False  # `db doctor --fix` rewrites it

    def as_dict(self) -> Dict[str, Any]:
        return self._asdict()


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

#: Revision-level operations SQLite cannot do with ALTER TABLE; they need batch mode.
_SQLITE_BATCH_ONLY = {"alter_column", "create_foreign_key", "drop_constraint", "create_unique_constraint",
                      "create_check_constraint", "create_primary_key"}
#: Keyword arguments Alembic renamed (old -> new), by operation.
_RENAMED_OP_ARGS = {
    "create_foreign_key": {"source": "source_table", "referent": "referent_table"},
    "drop_constraint": {"type": "type_"},
    "create_index": {"tablename": "table_name"},
}
_ROW_NAMES = {"row", "r", "rec", "record", "result_row", "line"}


def select_takes_columns() -> bool:
    """Tell whether the installed SQLAlchemy reads select(a, b) as two columns (1.4+; 1.3 takes b as WHERE)."""
    import sqlalchemy

    return tuple(int(part) for part in sqlalchemy.__version__.split(".")[:2]) >= (1, 4)


class Revision(NamedTuple):
    """A revision file, as parsed."""

    path: str
    revision: Optional[str]
    down_revisions: Tuple[str, ...]
    tree: Optional[ast.Module]
    source: str
    encoding: str = "utf-8"  # as its coding line says
    #: Why Python cannot read it ("" when it can).
    problem: str = ""
    #: The first line holding bytes its encoding cannot decode (0: none). Python reads such
    #: bytes in comments; ``source`` then holds U+FFFD for them, so the fixer leaves the file.
    undecodable_line: int = 0


def _string_value(node: Optional[ast.AST]) -> Any:
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def read_revision(path: str) -> Revision:
    """Parse one revision file as Python itself reads it (a file that does not parse gives tree None)."""
    import io
    import tokenize

    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return Revision(path, None, (), None, "", problem=str(exc.strerror or exc))  # "Permission denied"
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(raw).readline)[0]  # a coding line, or a BOM
    except SyntaxError:  # an unknown coding, or a first line that is not UTF-8: ast.parse below decides
        encoding = "utf-8"
    undecodable_line = 0
    try:
        source = raw.decode(encoding)  # line endings as they are: the fixer writes them back
    except UnicodeDecodeError as exc:
        source = raw.decode(encoding, "replace")
        undecodable_line = raw[:exc.start].count(b"\n") + 1
    try:
        tree = ast.parse(raw, path)  # bytes: Python decodes them as an import would
    except (SyntaxError, ValueError) as exc:
        revision_id, downs = _ids_by_pattern(source)
        return Revision(path, revision_id, downs, None, source, encoding, problem=_syntax_problem(exc))
    assigned: Dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            assigned[node.target.id] = node.value
    revision = _string_value(assigned.get("revision"))
    down = _string_value(assigned.get("down_revision"))
    downs = tuple(down) if isinstance(down, (list, tuple)) else ((down,) if isinstance(down, str) else ())
    return Revision(path, revision if isinstance(revision, str) else None, downs, tree, source, encoding,
                    undecodable_line=undecodable_line)


def _syntax_problem(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return "line %s: %s" % (exc.lineno, " ".join(str(exc.msg).split())) if exc.lineno else str(exc.msg)
    return " ".join(str(exc).split())  # ValueError: a null byte


_ID_LINE = r"^%s\s*(?::[^=]*)?=\s*(.*)$"


def _ids_by_pattern(source: str) -> Tuple[Optional[str], Tuple[str, ...]]:
    """Read ``revision`` and ``down_revision`` from a file that does not parse, so that one broken
    file is one finding, not also a missing parent for each of its children."""
    found = re.search(_ID_LINE % "revision", source, re.M)
    revision = re.match(r"""\s*['"]([^'"]+)['"]""", found.group(1)) if found else None
    down = re.search(_ID_LINE % "down_revision", source, re.M)
    downs = tuple(re.findall(r"""['"]([^'"]+)['"]""", down.group(1))) if down else ()
    return (revision.group(1) if revision else None), downs


def is_string_sql(node: ast.AST) -> bool:
    """Tell whether ``node`` is SQL given as a plain string (literal, f-string, % or .format of one)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return is_string_sql(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return is_string_sql(node.func.value)
    return False


def dotted_name(node: ast.AST) -> str:
    """Return ``a.b.c`` for a chain of names and attributes (calls shown as ``f()``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return dotted_name(node.value) + "." + node.attr
    if isinstance(node, ast.Call):
        return dotted_name(node.func) + "()"
    return "?"


class _RevisionAudit(ast.NodeVisitor):
    """Walk one revision file's tree and collect findings."""

    def __init__(self, revision: Revision, shown: str) -> None:
        self.revision = revision
        self.path = shown
        self.findings: List[Finding] = []
        self.batch_depth = 0
        self.function: Optional[str] = None
        self.reads_database = False

    def add(self, severity: str, code: str, node: ast.AST, message: str, fix: str, fixable: bool = False) -> None:
        self.findings.append(Finding(severity, code, "%s:%d" % (self.path, getattr(node, "lineno", 0)),
                                     message, fix, fixable))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        previous, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = previous

    def visit_With(self, node: ast.With) -> None:
        batch = any(isinstance(item.context_expr, ast.Call) and dotted_name(item.context_expr.func).endswith(
            "batch_alter_table") for item in node.items)
        self.batch_depth += batch
        self.generic_visit(node)
        self.batch_depth -= batch

    def visit_Call(self, node: ast.Call) -> None:
        name = dotted_name(node.func)
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else name
        receiver = dotted_name(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        if attr == "execute" and receiver != "op" and node.args:
            self.reads_database = True
            if "engine" in receiver.lower().split(".")[-1] or receiver.endswith(".engine"):
                self.add("fail", "engine-execute", node,
                         "%s.execute() was removed in SQLAlchemy 2.0 (AttributeError)" % receiver,
                         "use op.get_bind().execute(sa.text(...)), or op.execute(...)")
            elif is_string_sql(node.args[0]):
                self.add("fail", "string-sql", node,
                         "%s.execute() with a plain SQL string fails on SQLAlchemy 2.0 (ObjectNotExecutableError)"
                         % receiver, "wrap the SQL in sa.text(...)", fixable=True)
        if attr == "get_bind" and receiver == "op":
            self.reads_database = True
        if attr == "select" and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)) and len(node.args) == 1:
            fixable = select_takes_columns()
            self.add("fail", "select-list", node,
                     "select([...]) with a list fails on SQLAlchemy 2.0 (ArgumentError)",
                     "pass the columns as arguments: select(a, b)" + (
                         "" if fixable else ", once SQLAlchemy 1.4+ is installed (1.3 reads b as the WHERE clause)"),
                     fixable=fixable)
        for keyword in node.keywords:
            if keyword.arg == "autoload" and attr == "Table":
                self.add("fail", "autoload", node, "Table(..., autoload=True) was removed in SQLAlchemy 2.0",
                         "use autoload_with=op.get_bind()")
            if keyword.arg == "bind" and attr == "MetaData":
                self.add("fail", "bound-metadata", node, "MetaData(bind=...) was removed in SQLAlchemy 2.0",
                         "pass the connection where it is used (metadata.create_all(bind))")
        if receiver == "op" and attr in _RENAMED_OP_ARGS:
            for keyword in node.keywords:
                renamed = _RENAMED_OP_ARGS[attr].get(keyword.arg or "")
                if renamed:
                    self.add("fail", "renamed-op-argument", node,
                             "op.%s(%s=...) is not accepted by Alembic 1.x (renamed to %s=)"
                             % (attr, keyword.arg, renamed), "rename the argument to %s=" % renamed)
        if receiver == "op" and attr in _SQLITE_BATCH_ONLY and self.batch_depth == 0:
            self.add("may", "sqlite-needs-batch", node,
                     "op.%s() outside batch mode fails on SQLite (no ALTER for it)" % attr,
                     "wrap it in `with op.batch_alter_table(TABLE) as batch_op:` (SQLite only)")
        if receiver in ("op", "batch_op") and attr == "drop_constraint" and node.args and \
                isinstance(node.args[0], ast.Constant) and node.args[0].value is None:
            self.add("fail", "unnamed-constraint", node,
                     "drop_constraint(None, ...) cannot name the constraint to drop (batch mode on SQLite "
                     "cannot find an unnamed one either)",
                     "give the constraint a name (a naming_convention on the metadata names new ones)")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        owner = dotted_name(node.value)
        if node.attr == "Binary" and owner in ("sa", "sqlalchemy", "sa.types", "sqlalchemy.types"):
            self.add("fail", "removed-type", node, "%s.Binary was removed in SQLAlchemy 1.4" % owner,
                     "use sa.LargeBinary")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice.value if isinstance(node.slice, ast.Index) else node.slice  # type: ignore[attr-defined]
        if isinstance(node.value, ast.Name) and node.value.id in _ROW_NAMES and \
                isinstance(key, ast.Constant) and isinstance(key.value, str):
            self.add("may", "row-string-key", node,
                     "%s[%r] on a result row fails on SQLAlchemy 2.0 (rows are tuples)" % (node.value.id, key.value),
                     "use %s._mapping[%r] or %s.%s" % (node.value.id, key.value, node.value.id, key.value))
        self.generic_visit(node)


def audit_revision(revision: Revision, shown: str) -> List[Finding]:
    """Return the findings of one parsed revision file."""
    if revision.tree is None:
        return [Finding("fail", "does-not-parse", shown, "Python cannot read the revision file (%s)"
                        % revision.problem, "fix it (python -m py_compile %s says the same)" % shown)]
    visitor = _RevisionAudit(revision, shown)
    visitor.visit(revision.tree)
    if revision.undecodable_line:
        visitor.findings = [finding._replace(fixable=False) for finding in visitor.findings]
        visitor.findings.append(Finding(
            "advice", "not-in-its-encoding", "%s:%d" % (shown, revision.undecodable_line),
            "the file is not valid %s: Python runs it (the bytes are in comments), but editors and tools that "
            "read it as %s, db doctor --fix among them, do not" % ((revision.encoding.upper(),) * 2),
            "save it as UTF-8, or declare what it is on its first line (# -*- coding: latin-1 -*-)"))
    if visitor.reads_database:
        visitor.findings.append(Finding(
            "advice", "needs-database", shown,
            "it reads from the database, so `upgrade --sql` (offline) cannot run it",
            "run it online, or guard the reads with `if not context.is_offline_mode():`"))
    return visitor.findings


def audit_history(revisions: List[Revision], shown: Dict[str, str]) -> List[Finding]:
    """Check the revision graph from the parsed ids: duplicates, missing parents, cycles, heads."""
    findings = []
    by_id: Dict[str, Revision] = {}
    for revision in revisions:
        if revision.revision is None:
            if revision.tree is not None:
                findings.append(Finding("fail", "no-revision-id", shown[revision.path],
                                        "no `revision = '...'` line: Alembic cannot load the file",
                                        "give it a revision id"))
            continue
        if revision.revision in by_id:
            findings.append(Finding("fail", "duplicate-revision", shown[revision.path],
                                    "revision %s is also defined in %s" % (revision.revision,
                                                                            shown[by_id[revision.revision].path]),
                                    "give one of them a new id (and update what revises it)"))
        by_id[revision.revision] = revision
    children: Dict[str, Set[str]] = {rev: set() for rev in by_id}
    for revision in by_id.values():
        for parent in revision.down_revisions:
            if parent not in by_id:
                findings.append(Finding("fail", "missing-parent", shown[revision.path],
                                        "revision %s revises %s, which no file defines" % (revision.revision, parent),
                                        "restore the missing file, or point down_revision at an existing one"))
            else:
                children[parent].add(revision.revision)  # type: ignore[arg-type]
    if _has_cycle(by_id):
        findings.append(Finding("fail", "cycle", "", "the revisions form a cycle: Alembic cannot order them",
                                "break the cycle by fixing a down_revision"))
    heads = sorted(rev for rev, kids in children.items() if not kids)
    if len(heads) > 1:
        findings.append(Finding("fail", "multiple-heads", "",
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


def revision_files(directory: str, extra_locations: Iterable[str] = ()) -> List[str]:
    """Return the revision files of a migrations folder, sorted."""
    found: List[str] = []
    for folder in [os.path.join(directory, "versions"), *extra_locations]:
        if os.path.isdir(folder):
            found.extend(os.path.join(folder, name) for name in os.listdir(folder)
                         if name.endswith(".py") and not name.startswith("__"))
    return sorted(found)


def audit_folder(directory: str) -> List[Finding]:
    """Check the migrations folder itself and every revision file in it."""
    findings: List[Finding] = []
    env_path = os.path.join(directory, "env.py")
    if not os.path.isdir(directory):
        return [Finding("fail", "no-migrations-folder", shown_path(directory), "there is no migrations folder",
                        "create it with `db init`")]
    if not os.path.isfile(env_path):
        findings.append(Finding("fail", "no-env-py", shown_path(env_path), "the migrations folder has no env.py",
                                "copy one from `db init` in an empty folder"))
    else:
        with open(env_path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
        generation, note = env_generation(text)
        if note:
            findings.append(Finding("advice", "env-generation", shown_path(env_path),
                                    "written by %s: %s" % (generation, note), "nothing to do"))
    for name in ("alembic.ini", "script.py.mako"):
        if not os.path.isfile(os.path.join(directory, name)):
            findings.append(Finding("fail", "missing-" + name.split(".")[0], shown_path(os.path.join(directory, name)),
                                    "%s is missing" % name, "copy it from `db init` in an empty folder"))
    revisions = [read_revision(path) for path in revision_files(directory)]
    shown = {revision.path: shown_path(revision.path) for revision in revisions}
    for revision in revisions:
        findings.extend(audit_revision(revision, shown[revision.path]))
    findings.extend(audit_history(revisions, shown))
    return findings


def audit_env(directory: str, given_args: Iterable[str]) -> List[Finding]:
    """Check env.py against the app: arguments given twice, Flask-SQLAlchemy APIs that 3.x removed."""
    from .envpy import read_env_script
    from .failures import REMOVED_DB_APIS

    path = os.path.join(directory, "env.py")
    if not os.path.isfile(path):
        return []
    findings = []
    explicit = read_env_script(path).explicit
    for name in sorted(set(given_args) & set(explicit)):
        findings.append(Finding("fail", "argument-given-twice", "%s:%d" % (shown_path(path), explicit[name]),
                                "env.py passes %s= to context.configure() and Migrate() was given %s too: every "
                                "command that runs env.py stops" % (name, name), "remove one of the two"))
    revision = read_revision(path)
    if revision.tree is not None:
        import flask_sqlalchemy

        for node in ast.walk(revision.tree):
            if isinstance(node, ast.Attribute) and node.attr in REMOVED_DB_APIS:
                gone = not hasattr(flask_sqlalchemy.SQLAlchemy, node.attr)  # still there on 2.x (and some on 3.0)
                findings.append(Finding(
                    "fail" if gone else "advice", "removed-flask-sqlalchemy-api",
                    "%s:%d" % (shown_path(path), node.lineno),
                    "db.%s() was removed in Flask-SQLAlchemy 3%s" % (
                        node.attr, "" if gone else " (the version installed here still has it)"),
                    "use %s" % REMOVED_DB_APIS[node.attr]))
    return findings


def audit_app(app: "Flask", db: Any) -> List[Finding]:
    """Check the app's databases: moved SQLite files, URIs, drivers, version limits."""
    from .traps import configured_urls, moved_database_message, moved_sqlite_files, stranded

    findings = []
    for move in moved_sqlite_files(app, db):
        severity = "fail" if stranded(move) else "advice"
        findings.append(Finding(severity, "moved-sqlite-file", "",
                                moved_database_message(move) if severity == "fail" else
                                "%r resolves to %s (Flask-SQLAlchemy 2 used %s)"
                                % (move.configured, move.current_path, move.legacy_path),
                                "make the URI absolute to pin it"))
    for bind, url in configured_urls(app).items():
        findings.extend(_driver_findings(bind, url))
    if sys.version_info < (3, 10):
        findings.append(Finding("advice", "alembic-python-limit", "",
                                "Alembic 1.17 and later need Python 3.10+; this Python gets an older Alembic",
                                "move to Python 3.10+ before Alembic's fixes stop reaching you"))
    return findings


def _driver_findings(bind: Optional[str], url: Any) -> List[Finding]:
    from sqlalchemy.engine.url import make_url

    from .compat import masked_url
    from .failures import describe_configuration_error

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
        return [Finding("fail", "driver", "", "%s %s: %s" % (name, shown, message), "install it, or change the URL")]
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

    from .compat import masked_url
    from .errors import MigrationError

    unready = _databases_not_ready(db)
    if unready:
        return unready
    seen: List[Tuple[str, Set[str], List[Any]]] = []

    def inspect_database(current: Any, context: Any) -> List[Any]:
        metadata = context.opts.get("target_metadata")
        differences = compare_metadata(context, metadata) if metadata is not None else []
        seen.append((masked_url(context.bind.engine.url), set(current), list(differences)))
        return []  # no migration to run

    try:
        heads = run_env(inspect_database)
    except MigrationError as exc:
        return [_env_failure(exc)]
    findings = []
    several = len(seen) > 1
    for where, current, differences in seen:
        named = " %s" % where if several else ""
        if heads and current != heads:
            findings.append(Finding("advice", "not-at-head", "", "the database%s is at %s, the migrations' head is %s"
                                    % (named, ", ".join(sorted(current)) or "base", ", ".join(sorted(heads))),
                                    "run `db upgrade`"))
        elif differences:
            findings.append(Finding("may", "models-differ", "", "the models differ from the database%s: %d "
                                    "change(s), e.g. %s" % (named, len(differences), _first_difference(differences)),
                                    "run `db migrate` to write a revision for them"))
    return findings


def _databases_not_ready(db: Any) -> List[Finding]:
    """Findings for databases that must not be (a SQLite file not made yet) or cannot be connected to."""
    from flask import current_app

    from .compat import engines_of, masked_url, real_db

    findings = []
    for engine in engines_of(real_db(db), current_app).values():
        database = engine.url.database or ""
        if engine.dialect.name == "sqlite" and database not in ("", ":memory:") and not os.path.exists(database):
            findings.append(Finding("advice", "no-database-yet", "", "the SQLite file %s does not exist yet: "
                                    "`db upgrade` will create it" % database, "nothing to do"))
            continue  # connecting would create it
        try:
            engine.connect().close()
        except Exception as exc:
            findings.append(Finding("advice", "database-unreachable", "", "the database %s is not reachable (%s): "
                                    "its state was not checked" % (masked_url(engine.url), type(exc).__name__),
                                    "run again where it is"))
    return findings


def _env_failure(error: Exception) -> Finding:
    """The finding for env.py failing when run online: a database it cannot reach (or lost), or every db
    command failing."""
    from sqlalchemy import exc as sa_exc

    cause = error.__cause__
    if isinstance(cause, sa_exc.DBAPIError) and (cause.statement is None or cause.connection_invalidated):
        return Finding("advice", "database-unreachable", "", "%s: the database's state was not checked" % error,
                       "run again where it is")
    return Finding("fail", "env-py-fails", "", "running the migrations' env.py fails: %s" % error,
                   "fix what the message names: every db subcommand runs env.py")


def _first_difference(differences: List[Any]) -> str:
    first = differences[0]
    while isinstance(first, list) and first:
        first = first[0]
    return " ".join(str(part) for part in first[:2]) if isinstance(first, tuple) else str(first)


# -- the report --------------------------------------------------------------------------


def exit_status(findings: List[Finding]) -> int:
    """0 when nothing will fail, 1 when something will."""
    return 1 if any(finding.severity == "fail" for finding in findings) else 0


def summary(findings: List[Finding]) -> str:
    """One line: how many findings of each severity."""
    counts = {severity: sum(f.severity == severity for f in findings) for severity, _ in SEVERITIES}
    return "%d will fail, %d may fail, %d advice%s" % (
        counts["fail"], counts["may"], counts["advice"],
        "; %d fixable with --fix" % sum(f.fixable for f in findings) if any(f.fixable for f in findings) else "")


def render_text(findings: List[Finding]) -> Iterator[str]:
    """Yield the report's lines, grouped by severity."""
    for severity, heading in SEVERITIES:
        group = [finding for finding in findings if finding.severity == severity]
        if not group:
            continue
        yield "%s (%d)" % (heading, len(group))
        for finding in group:
            where = finding.where + ": " if finding.where else ""
            yield "  %s%s [%s]" % (where, finding.message, finding.code)
            yield "      fix: %s%s" % (finding.fix, " (db doctor --fix)" if finding.fixable else "")
        yield ""
    yield "db doctor: " + summary(findings)


def render_json(findings: List[Finding]) -> str:
    """Return the findings and the summary as JSON."""
    import json

    return json.dumps({"findings": [finding.as_dict() for finding in findings], "summary": summary(findings),
                       "exit_status": exit_status(findings)}, indent=2)

"""The lock-safety review: what a revision's operations lock on a live PostgreSQL or MySQL/MariaDB.

Read from each revision's ``upgrade()`` (never importing it or the app): every
``op.*`` call (and ``batch_op.*`` inside ``op.batch_alter_table``), the tables the
same revision creates (not flagged: nobody uses them yet), and the blocks that run
outside the migration's transaction (``autocommit_block()``). Each finding gives
the safe recipe. A finding is silenced only by a comment on its line or the line
above that says why: ``# flask-migrate-legacy: ignore[code] the reason``; one
without a reason is a finding of its own.

The lock levels are PostgreSQL's documented ones (the "Explicit Locking" chapter and
the ALTER TABLE and CREATE INDEX reference pages); MySQL/MariaDB's are InnoDB's
online DDL rules (MySQL 5.6+, MariaDB 10.0+).
"""

import ast
import re
from typing import Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

from .checks import Finding, declare, finding
from .pysource import dotted_name

declare("lock-not-null-column", "may", "review",
        "a NOT NULL column without a server default added to an existing table",
        "add it nullable, fill it in batches, then make it NOT NULL (on PostgreSQL 12+ after a valid "
        "CHECK (col IS NOT NULL) NOT VALID constraint, so SET NOT NULL needs no scan): "
        "op.add_column('t', sa.Column('c', sa.Text(), nullable=True)); in a later revision, after the backfill, "
        "op.alter_column('t', 'c', nullable=False)", release="PostgreSQL: ADD COLUMN")
declare("lock-index-blocks-writes", "may", "review",
        "an index built on an existing table without CONCURRENTLY (PostgreSQL: SHARE lock, writes wait)",
        "build it concurrently, outside the transaction: with op.get_context().autocommit_block(): "
        "op.create_index('ix', 't', ['c'], postgresql_concurrently=True) (MySQL/MariaDB build InnoDB indexes "
        "online already)", release="PostgreSQL: CREATE INDEX")
declare("lock-concurrently-in-transaction", "fail", "review",
        "CREATE/DROP INDEX CONCURRENTLY inside the migration's transaction (PostgreSQL refuses it)",
        "wrap it: with op.get_context().autocommit_block(): op.create_index(..., postgresql_concurrently=True)",
        release="PostgreSQL: CREATE INDEX")
declare("lock-type-change-rewrites", "may", "review",
        "a column type change, which rewrites the table under its strongest lock (PostgreSQL ACCESS EXCLUSIVE; "
        "MySQL/MariaDB copy the table)",
        "add a new column of the new type, write both, backfill in batches, switch reads, then drop the old "
        "column in a later release", release="PostgreSQL: ALTER TABLE")
declare("lock-constraint-validates", "may", "review",
        "a foreign key or check constraint added with validation: the whole table is scanned while writes wait",
        "add it NOT VALID, then validate in a later revision (VALIDATE CONSTRAINT only takes SHARE UPDATE "
        "EXCLUSIVE): op.execute('ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES p (id) NOT VALID'); "
        "later: op.execute('ALTER TABLE t VALIDATE CONSTRAINT fk')", release="PostgreSQL: ALTER TABLE")
declare("lock-unique-constraint", "may", "review",
        "a unique constraint added to an existing table: its index is built under ACCESS EXCLUSIVE (PostgreSQL)",
        "build the index concurrently, then attach it: with op.get_context().autocommit_block(): "
        "op.create_index('uq_t_c', 't', ['c'], unique=True, postgresql_concurrently=True); then "
        "op.execute('ALTER TABLE t ADD CONSTRAINT uq_t_c UNIQUE USING INDEX uq_t_c')",
        release="PostgreSQL: ALTER TABLE")
declare("column-still-used", "fail", "review",
        "a column dropped or renamed that the project's models still map: the running release's queries break",
        "release the code that stops using the column first; drop or rename it in a later deploy")
declare("raw-sql-unreviewed", "advice", "review", "SQL the review cannot see into (op.execute)",
        "check its locks by hand, or run doctor --verify against a PostgreSQL")
declare("no-lock-timeout", "advice", "review",
        "migrations with lock-taking DDL run without a lock timeout: a busy table queues every reader behind them",
        "set MIGRATE_DDL_LOCK_TIMEOUT (seconds) for the deploy's migration run")
declare("ignore-without-reason", "fail", "review", "an ignore comment that does not say why",
        "write the reason after the bracket: # flask-migrate-legacy: ignore[code] why it is safe here")

#: Codes whose finding means the revision takes a lock a busy table feels.
LOCKING = ("lock-not-null-column", "lock-index-blocks-writes", "lock-type-change-rewrites",
           "lock-constraint-validates", "lock-unique-constraint")
_IGNORE = re.compile(r"#\s*flask-migrate-legacy:\s*ignore\[([\w\s,-]+)\](.*)$")


class Operation(NamedTuple):
    """One ``op.*`` call of an upgrade."""

    name: str
    call: ast.Call
    table: Optional[str]
    outside_transaction: bool


def review_revision(source: str, tree: ast.Module, shown: str, models: Dict[str, Set[str]]) -> List[Finding]:
    """Return the lock-safety findings of one revision file (``models``: table -> mapped columns)."""
    upgrade = next((node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "upgrade"),
                   None)
    if upgrade is None:
        return []
    operations = list(_operations(upgrade.body, False, None))
    created = {operation.table for operation in operations if operation.name == "create_table"}
    ignores, findings = _ignores(source, shown)
    for operation in operations:
        for code, message in _judge(operation, created, models):
            line = operation.call.lineno
            if code in ignores.get(line, ()) or code in ignores.get(line - 1, ()):
                continue
            findings.append(finding(code, "%s:%d" % (shown, line), message))
    return findings


def needs_lock_timeout(findings: Iterable[Finding]) -> bool:
    """Tell whether any finding is of DDL that waits on (and queues behind) a busy table's lock."""
    return any(each.code in LOCKING for each in findings)


def _operations(body: List[ast.stmt], outside: bool, batch_table: Optional[str],
                batch_name: str = "") -> Iterable[Operation]:
    """Yield the op calls of a block in order; ``with`` blocks say where they run and on which table."""
    for statement in body:
        if isinstance(statement, ast.With):
            inner_outside, inner_table, inner_name = outside, batch_table, batch_name
            for item in statement.items:
                called = item.context_expr
                name = dotted_name(called.func) if isinstance(called, ast.Call) else ""
                if name.endswith("autocommit_block"):
                    inner_outside = True
                elif name == "op.batch_alter_table" and isinstance(called, ast.Call):
                    inner_table = _string(called.args[0] if called.args else _keyword(called, "table_name"))
                    inner_name = item.optional_vars.id if isinstance(item.optional_vars, ast.Name) else ""
            yield from _operations(statement.body, inner_outside, inner_table, inner_name)
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = dotted_name(node.func.value)
                if owner == "op":
                    table = _string(node.args[0] if node.args else _keyword(node, "table_name"))
                    if node.func.attr == "create_index":
                        table = _string(node.args[1] if len(node.args) > 1 else _keyword(node, "table_name"))
                    if node.func.attr in ("create_foreign_key", "create_unique_constraint",
                                          "create_check_constraint"):
                        table = _string(node.args[1] if len(node.args) > 1 else _keyword(node, "source_table")
                                        or _keyword(node, "table_name"))
                    yield Operation(node.func.attr, node, table, outside)
                elif batch_name and owner == batch_name:
                    yield Operation(node.func.attr, node, batch_table, outside)


def _judge(operation: Operation, created: Set[Optional[str]], models: Dict[str, Set[str]]) -> List[Tuple[str, str]]:
    """Return (code, message) for what this operation locks; nothing for a table the revision created."""
    name, call, table = operation.name, operation.call, operation.table
    found: List[Tuple[str, str]] = []
    concurrently = _true(_keyword(call, "postgresql_concurrently"))
    if concurrently and not operation.outside_transaction:
        found.append(("lock-concurrently-in-transaction",
                      "%s(..., postgresql_concurrently=True) runs inside the migration's transaction: PostgreSQL "
                      "refuses CONCURRENTLY in a transaction block" % name))
    if name == "execute":
        found.append(("raw-sql-unreviewed", "op.execute() runs SQL whose locks the review cannot see"))
    if table in created:
        return found
    where = "the existing table %r" % table if table else "an existing table"
    if name == "add_column":
        column = call.args[1] if len(call.args) > 1 else _keyword(call, "column")
        if isinstance(column, ast.Call) and _false(_keyword(column, "nullable")) and \
                _keyword(column, "server_default") is None and not _primary(column):
            found.append(("lock-not-null-column", "a NOT NULL column without a server default on %s: PostgreSQL "
                                                  "refuses it once the table has rows" % where))
    elif name == "create_index" and not concurrently:
        found.append(("lock-index-blocks-writes", "create_index on %s without postgresql_concurrently=True: "
                                                  "PostgreSQL takes a SHARE lock, writes wait for the whole build"
                      % where))
    elif name == "alter_column" and _keyword(call, "type_") is not None:
        found.append(("lock-type-change-rewrites", "alter_column(type_=...) on %s rewrites the table under ACCESS "
                                                   "EXCLUSIVE (PostgreSQL) or copies it (MySQL/MariaDB)" % where))
    elif name in ("create_foreign_key", "create_check_constraint") and \
            not _true(_keyword(call, "postgresql_not_valid")):
        found.append(("lock-constraint-validates", "%s on %s validates every row while writes wait (PostgreSQL: "
                                                   "SHARE ROW EXCLUSIVE; MySQL/MariaDB copy the table for a "
                                                   "foreign key)" % (name, where)))
    elif name == "create_unique_constraint":
        found.append(("lock-unique-constraint", "create_unique_constraint on %s builds its index under ACCESS "
                                                "EXCLUSIVE (PostgreSQL): reads and writes wait" % where))
    if name in ("drop_column", "alter_column") and table in models:
        column_name = _string(call.args[1] if len(call.args) > 1 else _keyword(call, "column_name"))
        renamed = name == "alter_column" and _keyword(call, "new_column_name") is not None
        if column_name in models[table] and (name == "drop_column" or renamed):
            found.append(("column-still-used", "%s %s.%s, which the project's models still map"
                          % ("drops" if name == "drop_column" else "renames", table, column_name)))
    return found


def _ignores(source: str, shown: str) -> Tuple[Dict[int, Set[str]], List[Finding]]:
    """Return the codes each line's ignore comment silences, and findings for comments without a reason."""
    ignores: Dict[int, Set[str]] = {}
    findings: List[Finding] = []
    for number, line in enumerate(source.splitlines(), 1):
        found = _IGNORE.search(line)
        if not found:
            continue
        codes = {code.strip() for code in found.group(1).split(",") if code.strip()}
        if not found.group(2).strip(" -:"):
            findings.append(finding("ignore-without-reason", "%s:%d" % (shown, number),
                                    "ignore[%s] gives no reason" % ", ".join(sorted(codes))))
            continue
        ignores[number] = codes
    return ignores, findings


def mapped_columns(trees: Iterable[ast.Module]) -> Dict[str, Set[str]]:
    """Return table -> column names the project's models map (classes with ``__tablename__``, and
    Flask-SQLAlchemy models named after their class: under both the 2.x and the 3.x name)."""
    from .code_audit import is_column, model_named_by_flask_sqlalchemy
    from .removals import table_name_before_3, table_name_from_3

    tables: Dict[str, Set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            table = None
            columns: Set[str] = set()
            for statement in node.body:
                if not isinstance(statement, ast.Assign) or len(statement.targets) != 1 or \
                        not isinstance(statement.targets[0], ast.Name):
                    continue
                target = statement.targets[0].id
                if target == "__tablename__":
                    table = _string(statement.value)
                elif isinstance(statement.value, ast.Call) and is_column(statement.value):
                    explicit = statement.value.args[0] if statement.value.args else None
                    columns.add(_string(explicit) or target)
            names = [table] if table else [table_name_before_3(node.name), table_name_from_3(node.name)] \
                if model_named_by_flask_sqlalchemy(node) else []
            for name in names:
                tables.setdefault(name, set()).update(columns)
    return tables


def _keyword(call: ast.Call, name: str) -> Optional[ast.expr]:
    return next((keyword.value for keyword in call.keywords if keyword.arg == name), None)


def _string(node: Optional[ast.AST]) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _true(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _false(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _primary(column: ast.Call) -> bool:
    return _true(_keyword(column, "primary_key"))

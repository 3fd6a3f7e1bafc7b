"""The doctor's reading of one Python file: what today's releases removed, found in its tree.

One walk serves the app's modules and the revision files (``revision=True``
adds the checks that only make sense in a migration). A finding whose fix is
certainly equivalent carries the edits that make it (``checks.Finding.edits``),
computed by source position so that ``--fix`` keeps everything else as it was.
"""

import ast
import io
import re
import tokenize
from typing import Dict, Iterator, List, Optional, Set, Tuple

from .checks import Edit, Finding, declare, finding
from .pysource import ADD_IMPORT, Positions, SourceFile, apply_edits, dotted_name, line_starts
from .removals import (
    ATTRIBUTES_BY_NAME,
    CONFIG_KEYS_BY_NAME,
    CONVERT_UNICODE_FIX,
    MOVED_BY_NAME,
    PAGINATE_FIX,
    REMOVED_DB_APIS,
    Moved,
    moved_module,
    moved_name,
    table_name_before_3,
    table_name_from_3,
)

# SQLAlchemy 2.0 removed the 1.x "legacy" API (its migration guide, "Migrating to SQLAlchemy 2.0").
declare("engine-execute", "fail", "code", "engine.execute() removed", "use `with engine.begin() as conn: "
        "conn.execute(sa.text(...))` (in a revision: op.get_bind().execute(...), or op.execute(...))", "SQLAlchemy 2.0")
declare("string-sql", "fail", "code", "execute()/scalar() given a plain SQL string (ObjectNotExecutableError)",
        "wrap the SQL in sa.text(...)", "SQLAlchemy 2.0", fixable=True)
declare("select-list", "fail", "code", "select([...]) given a list", "pass the columns as arguments: select(a, b)",
        "SQLAlchemy 2.0", fixable=True)
declare("autoload", "fail", "code", "Table(..., autoload=True) removed", "use autoload_with=connection (in a "
        "revision: autoload_with=op.get_bind())", "SQLAlchemy 2.0")
declare("bound-metadata", "fail", "code", "MetaData(bind=...) removed",
        "pass the connection where it is used (metadata.create_all(bind))", "SQLAlchemy 2.0")
declare("convert-unicode", "fail", "code", "convert_unicode= refused (TypeError); it did nothing on Python 3",
        CONVERT_UNICODE_FIX, "SQLAlchemy 2.0", fixable=True)
declare("removed-type", "fail", "code", "sa.Binary removed", "use sa.LargeBinary", "SQLAlchemy 1.4")
declare("query-get", "advice", "code", "Query.get() is legacy (LegacyAPIWarning)",
        "use db.session.get(Model, id)", "SQLAlchemy 2.0")
declare("paginate-positional", "fail", "code", "Query.paginate() takes its arguments by name only",
        PAGINATE_FIX, "Flask-SQLAlchemy 3.0.0", fixable=True)
declare("removed-flask-sqlalchemy-api", "fail", "code", "db.get_tables_for_bind(), db.get_app(), "
        "db.apply_driver_hacks() removed", "see the finding", "Flask-SQLAlchemy 3.1.0")
# Flask-Login 0.3.0: "is_authenticated, is_active and is_anonymous ... are now properties".
declare("flask-login-called", "fail", "code", "current_user.is_authenticated() called (a property, TypeError)",
        "drop the parentheses: current_user.is_authenticated", "Flask-Login 0.3.0")
declare("flask-login-method", "fail", "code", "a user class defining is_authenticated/is_active/is_anonymous as a "
        "method: always truthy when read as Flask-Login reads it", "make it a @property (or inherit UserMixin's)",
        "Flask-Login 0.3.0")
_LOGIN_PROPERTIES = ("is_authenticated", "is_active", "is_anonymous")
declare("model-table-name-changes", "fail", "code", "a model without __tablename__ whose class name Flask-SQLAlchemy "
        "3 turns into another table name than 2.x did (the model no longer maps the table the database has)",
        "set __tablename__ to the name the database has (the 2.x one), or rename the table in a migration",
        "Flask-SQLAlchemy 3.0.0")
# Only in revision files.
declare("needs-database", "advice", "revision", "a revision that reads the database cannot run offline (--sql)",
        "run it online, or guard the reads with `if not context.is_offline_mode():`")
declare("sqlite-needs-batch", "may", "revision", "an ALTER SQLite cannot do, outside batch mode",
        "wrap it in `with op.batch_alter_table(TABLE) as batch_op:` (SQLite only)")
declare("renamed-op-argument", "fail", "revision", "an op argument Alembic renamed (source=, referent=, type=, "
        "tablename=)", "rename the argument as the finding says", "Alembic 0.8")
declare("unnamed-constraint", "fail", "revision", "drop_constraint(None, ...)",
        "give the constraint a name (a naming_convention on the metadata names new ones)")
declare("row-string-key", "may", "revision", "row['column'] on a result row (rows are tuples)",
        "use row._mapping['column'] or row.column", "SQLAlchemy 2.0")

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
#: Query.paginate's parameters in Flask-SQLAlchemy 2.x's order.
_PAGINATE_PARAMETERS = ("page", "per_page", "error_out", "max_per_page")
#: Calls whose result is a DB-API connection or cursor: their execute() takes plain strings.
_DBAPI_SOURCES = re.compile(r"^(sqlite3|psycopg2|psycopg|pymysql|MySQLdb|mysql\.connector)\.connect\(\)$"
                            r"|(^|\.)(cursor|raw_connection)\(\)$")
#: What SQLAlchemy's text() reads as a bind parameter (":name" not after a word, a colon or a backslash).
BIND_PARAMETER = re.compile(r"(?<![:\w\\]):(?=\w)(?!\w*:)")
#: A type that once took convert_unicode=, and create_engine.
_CONVERT_UNICODE_CALLS = {"String", "Unicode", "Text", "UnicodeText", "VARCHAR", "NVARCHAR", "CHAR", "NCHAR",
                          "TEXT", "CLOB", "Enum", "create_engine"}


def select_takes_columns() -> bool:
    """Tell whether the installed SQLAlchemy reads select(a, b) as two columns (1.4+; 1.3 takes b as WHERE)."""
    from .compat import sqlalchemy_release

    return sqlalchemy_release() >= (1, 4)


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


def constant_string(node: ast.AST) -> Optional[str]:
    """Return the value of a string made of literals only ('a' 'b', 'x %s' % 'y', 'a' + 'b'), else None."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        left = constant_string(node.left)
        try:
            right = ast.literal_eval(node.right)
        except ValueError:
            return None
        if left is None or not isinstance(right, (str, int, float, tuple)):
            return None
        try:
            value = left % right if isinstance(node.op, ast.Mod) else left + right  # type: ignore[operator]
        except (TypeError, ValueError):
            return None
        return value if isinstance(value, str) else None
    return None


def alias_spans(statement: str) -> Iterator[Tuple[str, Tuple[int, int], Optional[str], Tuple[int, int]]]:
    """Yield (name, its span, as-name, the span of the whole alias) for each name an import statement imports.

    Tokenized rather than read from the tree: before Python 3.10 ``ast.alias`` has no position.
    """
    starts = line_starts(statement)
    try:
        tokens = [token for token in tokenize.generate_tokens(io.StringIO(statement).readline)
                  if token.type in (tokenize.NAME, tokenize.OP)]
    except (tokenize.TokenError, SyntaxError):
        return
    index = next((i for i, token in enumerate(tokens) if token.string == "import"), len(tokens)) + 1

    def at(position: Tuple[int, int]) -> int:
        return starts[position[0] - 1] + position[1]

    while index < len(tokens):
        token = tokens[index]
        if token.type != tokenize.NAME:
            index += 1
            continue
        name, start, end = token.string, at(token.start), at(token.end)
        asname = None
        while index + 2 < len(tokens) and tokens[index + 1].string == ".":  # import a.b.c
            index += 2
            name += "." + tokens[index].string
            end = at(tokens[index].end)
        name_end = end
        if index + 2 < len(tokens) and tokens[index + 1].string == "as":
            asname = tokens[index + 2].string
            end = at(tokens[index + 2].end)
            index += 2
        yield name, (start, name_end), asname, (start, end)
        index += 1


class CodeAudit(ast.NodeVisitor):
    """Walk one file's tree and collect findings, each with the edits that fix it where that is certain."""

    def __init__(self, file: SourceFile, shown: str, revision: bool = False, uses_flask_sqlalchemy: bool = True,
                 config_keys: bool = True, uses_flask_login: bool = True) -> None:
        self.file = file
        self.path = shown
        self.revision = revision
        self.uses_flask_sqlalchemy = uses_flask_sqlalchemy
        self.uses_flask_login = uses_flask_login
        self.config_keys = config_keys and not revision
        self._positions: Optional[Positions] = None
        self.findings: List[Finding] = []
        self.batch_depth = 0
        self.reads_database = False
        #: local name -> the module it is (import x.y as z; from wtforms import validators)
        self.modules: Dict[str, str] = {}
        self._bound: Optional[Set[str]] = None
        #: name -> what it was last assigned (a call's dotted name, or a string expression), per function
        self.assigned: List[Dict[str, ast.AST]] = [{}]
        self.needs_sa_import = False
        self._rewritten: Set[Tuple[int, int]] = set()
        self.reported_keys: Set[Tuple[int, str]] = set()
        self.class_depth = 0
        #: a module of settings (config.py, settings.py): its top-level NAMES are config keys
        self.config_module = any(word in shown.replace("\\", "/").rsplit("/", 1)[-1].lower()
                                 for word in ("config", "settings"))

    # -- the walk: NodeVisitor's protocol, without its per-node costs -------------------------

    def visit(self, node: ast.AST) -> None:
        """Visit ``node``: its visit_ method where this class has one, else its children."""
        method = _DISPATCH.get(type(node))
        if method is None:
            self.generic_visit(node)
        else:
            method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        """Visit the children of ``node`` (expression contexts and operators have nothing to find)."""
        for field in node._fields:
            if field in _SKIPPED_FIELDS:
                continue
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in _LEAVES:
                        self.visit(item)
            elif isinstance(value, ast.AST) and type(value) not in _LEAVES:
                self.visit(value)

    @property
    def positions(self) -> Positions:
        """Where each line starts (made on first need: only findings with a place or an edit ask)."""
        if self._positions is None:
            self._positions = Positions(self.file.source)
        return self._positions

    @property
    def bound(self) -> Set[str]:
        """Every name the file uses or imports (found on first need: only a rename asks)."""
        if self._bound is None:
            self._bound = set()
            for node in ast.walk(self.file.tree) if self.file.tree is not None else ():
                if isinstance(node, ast.Name):
                    self._bound.add(node.id)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    self._bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        return self._bound

    # -- helpers -----------------------------------------------------------------------

    def where(self, node: ast.AST) -> str:
        return "%s:%d" % (self.path, getattr(node, "lineno", 0))

    def add(self, code: str, node: ast.AST, message: str, fix: Optional[str] = None, edits: Tuple[Edit, ...] = (),
            severity: Optional[str] = None) -> None:
        self.findings.append(finding(code, self.where(node), message, fix, edits, severity))

    def text(self, start: int, end: int) -> str:
        return self.file.source[start:end]

    def attribute_span(self, node: ast.Attribute) -> Optional[Tuple[int, int]]:
        """The span of ``.attr`` (dot included), where the source writes it plainly."""
        _, end = self.positions.span(node)
        start = end - len(node.attr) - 1
        return (start, end) if self.text(start, end) == "." + node.attr else None

    # -- imports ---------------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.modules[alias.asname] = alias.name
            else:
                self.modules[alias.name.split(".")[0]] = alias.name.split(".")[0]
            moved = moved_module(alias.name)
            if moved is not None:
                self.add(moved.code, node, "import %s: %s was removed in %s" % (alias.name, moved.dotted,
                                                                                moved.release))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            return
        for alias in node.names:
            self.modules[alias.asname or alias.name] = module + "." + alias.name  # a submodule, perhaps
        if moved_module(module) is None and not any((module, alias.name) in MOVED_BY_NAME for alias in node.names):
            return  # nothing here moved (most imports): no need to find where each name stands
        start, end = self.positions.span(node)
        statement = self.text(start, end)
        if module == "flask.ext" or module.startswith("flask.ext."):
            self._flask_ext(node, module, statement, start)
            return
        named = any((module, alias.name) in MOVED_BY_NAME for alias in node.names)  # a name's own entry wins
        whole = None if named else moved_module(module)
        if whole is not None:
            edits: Tuple[Edit, ...] = ()
            if whole.replacement is not None and whole.equivalent:
                offset = statement.find(module)
                edits = ((start + offset, start + offset + len(module), whole.replacement[0]),)
            self.add(whole.code, node, "from %s import ...: %s was removed in %s" % (module, whole.dotted,
                                                                                  whole.release), edits=edits)
            return
        names = [(name, name_span, asname, alias_span, moved_name(module, name))
                 for name, name_span, asname, alias_span in alias_spans(statement)]
        fixed = self._import_rewrite(module, statement, start, names)
        for name, _, _, alias_span, moved in names:
            if moved is not None:
                self.add(moved.code, node, "from %s import %s: %s was removed in %s" % (
                    module, name, moved.dotted, moved.release), edits=fixed if alias_span in self._rewritten else ())

    def _flask_ext(self, node: ast.ImportFrom, module: str, statement: str, start: int) -> None:
        moved = moved_module(module)
        assert moved is not None
        parts = module.split(".")
        if len(parts) < 3:  # from flask.ext import sqlalchemy: a module under another name
            self.add(moved.code, node, "from flask.ext import ...: flask.ext was removed in %s" % moved.release)
            return
        target = ".".join(["flask_" + parts[2]] + parts[3:])
        offset = statement.find(module)
        self.add(moved.code, node, "from %s import ...: flask.ext was removed in %s" % (module, moved.release),
                 "from %s import ..." % target, edits=((start + offset, start + offset + len(module), target),))

    def _import_rewrite(self, module: str, statement: str, start: int, names: List[Tuple[
            str, Tuple[int, int], Optional[str], Tuple[int, int], Optional[Moved]]]) -> Tuple[Edit, ...]:
        """One rewrite of an import statement for every name in it that moved, where that is certain.

        A name renamed in its module is renamed in place (and where the file uses it, there too,
        unless the new name is taken: then ``new as old``); a name that moved to another module gets
        a statement of its own after this one, keeping its local name. A statement over several
        lines is only renamed in place, never rearranged.
        """
        self._rewritten = set()
        renames: Dict[Tuple[int, int], str] = {}
        uses: List[Edit] = []
        added: List[str] = []
        moved_out: List[Tuple[int, int]] = []
        for name, _, asname, alias_span, moved in names:
            if moved is None or moved.replacement is None or not moved.equivalent or moved.name is None:
                continue
            new_module, new_name = moved.replacement
            new_name = new_name or name
            if new_module == module:
                if not asname and (new_name, None) in [(n, a) for n, _, a, _, _ in names]:
                    moved_out.append(alias_span)  # `StringField, TextField`: TextField goes, its uses renamed
                    uses.extend(self._rename_uses(name, new_name))
                    continue
                keep_local = bool(asname) or new_name in self.bound
                renames[alias_span] = new_name + (" as " + (asname or name) if keep_local else "")
                if not keep_local:
                    uses.extend(self._rename_uses(name, new_name))
            else:
                local = asname or name
                added.append("from %s import %s%s" % (new_module, new_name,
                                                      "" if local == new_name else " as " + local))
                moved_out.append(alias_span)
        line_start = self.file.source.rfind("\n", 0, start) + 1
        indent = self.file.source[line_start:start]
        if moved_out and (indent.strip() or any(mark in statement for mark in ("\n", "\r", "(", "\\"))):
            return ()  # several lines, or `import x; from y import z`: said, not rearranged
        self._rewritten = set(renames) | set(moved_out)
        if not moved_out:
            return tuple((start + s, start + e, text) for (s, e), text in renames.items()) + tuple(uses)
        kept = [renames.get(span, statement[span[0]:span[1]]) for _, _, _, span, _ in names if span not in moved_out]
        head = statement[:statement.index("import") + len("import")]
        lines = (["%s %s" % (head, ", ".join(kept))] if kept else []) + added
        ending = "\r\n" if "\r\n" in self.file.source else "\n"
        return ((start, start + len(statement), (ending + indent).join(lines)),) + tuple(uses)

    def _rename_uses(self, old: str, new: str) -> Iterator[Edit]:
        assert self.file.tree is not None
        for node in ast.walk(self.file.tree):
            if isinstance(node, ast.Name) and node.id == old:
                start, end = self.positions.span(node)
                yield start, end, new

    # -- attributes --------------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> None:
        owner = dotted_name(node.value)
        module = self._module_of(owner)
        moved = moved_name(module, node.attr) if module is not None else None
        if moved is not None and (moved.name == node.attr or moved.name is None):
            self._moved_attribute(node, owner, moved)
            self.generic_visit(node)
            return
        removed = ATTRIBUTES_BY_NAME.get(node.attr)
        if removed is not None and (not removed.receivers or owner in removed.receivers):
            edits: Tuple[Edit, ...] = ()
            span = self.attribute_span(node)
            if removed.config_key and span is not None:
                edits = ((span[0], span[1], '.config["%s"]' % removed.config_key),)
            self.add(removed.code, node, "%s.%s was removed in %s" % (owner, node.attr, removed.release),
                     edits=edits)
        if node.attr == "Binary" and owner in ("sa", "sqlalchemy", "sa.types", "sqlalchemy.types"):
            self.add("removed-type", node, "%s.Binary was removed in SQLAlchemy 1.4" % owner)
        self.generic_visit(node)

    def _module_of(self, owner: str) -> Optional[str]:
        head, _, rest = owner.partition(".")
        if head not in self.modules or owner == "?":
            return None
        return self.modules[head] + ("." + rest if rest else "")

    def _moved_attribute(self, node: ast.Attribute, owner: str, moved: Moved) -> None:
        edits: Tuple[Edit, ...] = ()
        if moved.replacement is not None and moved.equivalent and moved.name and \
                moved.replacement[0] == moved.module and moved.replacement[1]:
            span = self.attribute_span(node)
            if span is not None:
                edits = ((span[0] + 1, span[1], moved.replacement[1]),)
        self.add(moved.code, node, "%s.%s: %s was removed in %s" % (owner, node.attr, moved.dotted, moved.release),
                 edits=edits)

    # -- calls -------------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if self.class_depth and node.name in _LOGIN_PROPERTIES and self.uses_flask_login and not any(
                dotted_name(decorator).endswith(("property", "cached_property")) for decorator in node.decorator_list):
            self.add("flask-login-method", node, "%s is a method here: Flask-Login 0.3.0 and later read it as a "
                     "property, so a bound method (always true) stands for its answer" % node.name)
        depth, self.class_depth = self.class_depth, 0  # a method's body is not a class body
        self.assigned.append({})
        self.generic_visit(node)
        self.assigned.pop()
        self.class_depth = depth

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assigned[-1][target.id] = node.value
        if self.config_keys and (self.class_depth or (len(self.assigned) == 1 and self.config_module)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self._config_key(target.id, node)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self.uses_flask_sqlalchemy and not self.revision and model_named_by_flask_sqlalchemy(node):
            before, after = table_name_before_3(node.name), table_name_from_3(node.name)
            if before != after:
                self.add("model-table-name-changes", node, "class %s has no __tablename__: Flask-SQLAlchemy 2.x "
                         "maps it to the table %r, 3.0 and later to %r" % (node.name, before, after),
                         "set __tablename__ = %r in %s (the table the database has since 2.x), or rename the table "
                         "in a migration" % (before, node.name))
        self.class_depth += 1
        self.assigned.append({})  # a class body is not a function's scope, but it is not the module's either
        self.generic_visit(node)
        self.assigned.pop()
        self.class_depth -= 1

    def visit_With(self, node: ast.With) -> None:
        batch = any(isinstance(item.context_expr, ast.Call) and dotted_name(item.context_expr.func).endswith(
            "batch_alter_table") for item in node.items)
        for item in node.items:
            if isinstance(item.optional_vars, ast.Name):
                self.assigned[-1][item.optional_vars.id] = item.context_expr
        self.batch_depth += batch
        self.generic_visit(node)
        self.batch_depth -= batch

    def visit_Call(self, node: ast.Call) -> None:
        name = dotted_name(node.func)
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else name
        receiver = dotted_name(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        if attr in ("execute", "scalar") and receiver != "op" and node.args:
            self._execute(node, attr, receiver)
        if attr == "get_bind" and receiver == "op":
            self.reads_database = True
        if attr == "select" and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
            self._select_list(node)
        if attr == "paginate" and receiver and self.uses_flask_sqlalchemy and not receiver.endswith("db"):
            self._paginate(node, receiver)
        if attr in _LOGIN_PROPERTIES and not node.args and not node.keywords and receiver and self.uses_flask_login:
            self.add("flask-login-called", node, "%s.%s() calls a property since Flask-Login 0.3.0 (TypeError: "
                     "'bool' object is not callable)" % (receiver, attr),
                     "drop the parentheses: %s.%s" % (receiver, attr))
        if attr == "get" and receiver.endswith(".query") and len(node.args) == 1 and not node.keywords:
            model = receiver[:-len(".query")]
            self.add("query-get", node, "%s.get() is legacy in SQLAlchemy 2.0 (LegacyAPIWarning, an error "
                     "where warnings are)" % receiver, "use db.session.get(%s, ...)" % model)
        if attr in REMOVED_DB_APIS and receiver.split(".")[-1] == "db":
            self.add("removed-flask-sqlalchemy-api", node, "db.%s() was removed in Flask-SQLAlchemy 3.1.0" % attr,
                     "use %s" % REMOVED_DB_APIS[attr])
        for keyword in node.keywords:
            if keyword.arg == "autoload" and attr == "Table":
                self.add("autoload", node, "Table(..., autoload=True) was removed in SQLAlchemy 2.0")
            if keyword.arg == "bind" and attr == "MetaData":
                self.add("bound-metadata", node, "MetaData(bind=...) was removed in SQLAlchemy 2.0")
            if keyword.arg == "convert_unicode" and attr in _CONVERT_UNICODE_CALLS:
                self._convert_unicode(node, keyword, attr)
            if self.config_keys and keyword.arg and attr in ("update", "from_mapping") and _is_config(receiver):
                self._config_key(keyword.arg, node)
        if self.config_keys and attr in ("get", "setdefault", "pop", "__getitem__") and _is_config(receiver) and \
                node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            self._config_key(node.args[0].value, node)
        if self.config_keys and attr in ("update", "from_mapping") and _is_config(receiver) and node.args and \
                isinstance(node.args[0], ast.Dict):
            for key in node.args[0].keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self._config_key(key.value, key)
        if self.revision:
            self._revision_call(node, attr, receiver)
        self.generic_visit(node)

    def _execute(self, node: ast.Call, attr: str, receiver: str) -> None:
        last = receiver.lower().split(".")[-1]
        if attr == "execute" and ("engine" in last or receiver.endswith(".engine")):
            self.reads_database = True
            self.add("engine-execute", node, "%s.execute() was removed in SQLAlchemy 2.0 (AttributeError)" % receiver)
            return
        if self._is_dbapi(receiver):
            return  # a DB-API cursor or connection takes plain strings
        self.reads_database = True
        sql = node.args[0]
        if isinstance(sql, ast.Name):
            value = self._assigned(sql.id)
            if value is not None and is_string_sql(value):
                self.add("string-sql", node, "%s.%s(%s) runs the plain SQL string assigned at line %d: that fails "
                         "on SQLAlchemy 2.0 (ObjectNotExecutableError)" % (receiver, attr, sql.id,
                                                                            getattr(value, "lineno", 0)),
                         "wrap it where it is used: %s.%s(sa.text(%s))" % (receiver, attr, sql.id))
            return
        if not is_string_sql(sql):
            return
        self.add("string-sql", node, "%s.%s() with a plain SQL string fails on SQLAlchemy 2.0 "
                 "(ObjectNotExecutableError)" % (receiver, attr),
                 edits=self._text_edits(node, sql, receiver))

    def _is_dbapi(self, receiver: str) -> bool:
        last = receiver.split(".")[-1].lower()
        if "cursor" in last or last in ("cur", "c"):
            return True
        origin = self._assigned(receiver) if "." not in receiver else None
        return origin is not None and bool(_DBAPI_SOURCES.search(dotted_name(origin)))

    def _assigned(self, name: str) -> Optional[ast.AST]:
        for scope in reversed(self.assigned):
            if name in scope:
                return scope[name]
        return None

    def _text_edits(self, call: ast.Call, sql: ast.AST, receiver: str) -> Tuple[Edit, ...]:
        """Wrap a plain SQL string in text() where that certainly runs the same SQL.

        SQLAlchemy 1.x's ``Session.execute("...")`` already read the string as text(),
        parameters and all: wrapping it changes nothing. ``Connection.execute("...")``
        handed it to the driver untouched, so the string must be known (literals only),
        come without parameters (the driver's placeholders), and have its bind
        look-alikes (``':noon'``, ``'{"size":12}'``) escaped so that text() leaves them.
        """
        if "session" in receiver.split(".")[-1].lower():
            if not self._certain_session(receiver):
                return ()
            function = self._text_function()
            start, end = self.positions.span(sql)
            return ((start, end, "%s(%s)" % (function, self.text(start, end))),) if function else ()
        if len(call.args) != 1 or call.keywords:
            return ()
        value = constant_string(sql)
        function = self._text_function() if value is not None else None
        if function is None or value is None:
            return ()
        start, end = self.positions.span(sql)
        literal = self.text(start, end)
        if BIND_PARAMETER.search(value):
            if not isinstance(sql, ast.Constant):
                return ()
            literal = _escape_bind_colons(literal)
            try:
                if ast.literal_eval(literal.strip()) != _escaped(value):  # an escape we did not foresee
                    return ()
            except (ValueError, SyntaxError):
                return ()
        return ((start, end, "%s(%s)" % (function, literal)),)

    @staticmethod
    def _certain_session(receiver: str) -> bool:
        """Flask-SQLAlchemy's session (``db.session``) or a name that says it is one."""
        return receiver in ("db.session", "session", "self.session") or receiver.endswith(".db.session")

    def _text_function(self) -> Optional[str]:
        """How this file can call sqlalchemy.text (adding `import sqlalchemy as sa` where nothing binds it)."""
        if self.modules.get("text") == "sqlalchemy.text":
            return "text"
        if self.modules.get("sa") == "sqlalchemy":
            return "sa.text"
        if self.modules.get("sqlalchemy") == "sqlalchemy":
            return "sqlalchemy.text"
        if "sa" in self.bound:
            return None  # `sa` is something else here
        self.needs_sa_import = True
        return "sa.text"

    def _select_list(self, node: ast.Call) -> None:
        edits: Tuple[Edit, ...] = ()
        fixable = select_takes_columns()
        if fixable:
            start, end = self.positions.span(node.args[0])
            inner = self.text(start + 1, end - 1).strip().rstrip(",")
            edits = ((start, end, inner),)
        self.add("select-list", node, "select([...]) with a list fails on SQLAlchemy 2.0 (ArgumentError)",
                 "pass the columns as arguments: select(a, b)" + (
                     "" if fixable else ", once SQLAlchemy 1.4+ is installed (1.3 reads b as the WHERE clause)"),
                 edits=edits)

    def _paginate(self, node: ast.Call, receiver: str) -> None:
        positional = node.args
        if not positional:
            return
        edits: Tuple[Edit, ...] = ()
        if len(positional) <= len(_PAGINATE_PARAMETERS) and not any(isinstance(a, ast.Starred) for a in positional):
            taken = {keyword.arg for keyword in node.keywords}
            names = _PAGINATE_PARAMETERS[:len(positional)]
            if not taken & set(names):
                edits = tuple((self.positions.span(arg)[0], self.positions.span(arg)[0], "%s=" % parameter)
                              for arg, parameter in zip(positional, names))
        fix = None
        if edits:  # the call as it will read
            start, end = self.positions.span(node)
            call = apply_edits(self.text(start, end), [(a - start, b - start, text) for a, b, text in edits])
            fix = "pass them by name: %s" % " ".join(call[call.rindex(".paginate("):].split())
        self.add("paginate-positional", node, "%s.paginate() with %d positional argument(s): its parameters are "
                 "keyword-only since Flask-SQLAlchemy 3.0.0 (TypeError)" % (receiver, len(positional)), fix,
                 edits=edits)

    def _convert_unicode(self, node: ast.Call, keyword: ast.keyword, attr: str) -> None:
        value_start, value_end = self.positions.span(keyword.value)
        before = self.file.source[:value_start]
        found = re.search(r"(,\s*)?\bconvert_unicode\s*=\s*$", before)
        edits: Tuple[Edit, ...] = ()
        if found:
            start = found.start()
            if not found.group(1):  # the first argument: take the comma after it instead
                after = re.match(r"\s*,[ \t]*", self.file.source[value_end:])
                value_end += after.end() if after else 0
            edits = ((start, value_end, ""),)
        self.add("convert-unicode", node, "%s(convert_unicode=...) is refused by SQLAlchemy 2.0 (TypeError)" % attr,
                 edits=edits)

    def _revision_call(self, node: ast.Call, attr: str, receiver: str) -> None:
        if receiver == "op" and attr in _RENAMED_OP_ARGS:
            for keyword in node.keywords:
                renamed = _RENAMED_OP_ARGS[attr].get(keyword.arg or "")
                if renamed:
                    self.add("renamed-op-argument", node, "op.%s(%s=...) is not accepted by Alembic 1.x (renamed "
                             "to %s=)" % (attr, keyword.arg, renamed), "rename the argument to %s=" % renamed)
        if receiver == "op" and attr in _SQLITE_BATCH_ONLY and self.batch_depth == 0:
            self.add("sqlite-needs-batch", node, "op.%s() outside batch mode fails on SQLite (no ALTER for it)" % attr)
        if receiver in ("op", "batch_op") and attr == "drop_constraint" and node.args and \
                isinstance(node.args[0], ast.Constant) and node.args[0].value is None:
            self.add("unnamed-constraint", node, "drop_constraint(None, ...) cannot name the constraint to drop "
                     "(batch mode on SQLite cannot find an unnamed one either)")

    # -- configuration keys and row access ------------------------------------------------------

    def _config_key(self, key: str, node: ast.AST) -> None:
        removed = CONFIG_KEYS_BY_NAME.get(key)
        line = getattr(node, "lineno", 0)
        if removed is None or (line, key) in self.reported_keys:
            return
        self.reported_keys.add((line, key))
        self.add(removed.code, node, "%s is no longer read since %s: setting it does nothing" % (key, removed.release))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice.value if isinstance(node.slice, ast.Index) else node.slice  # type: ignore[attr-defined]
        if self.config_keys and _is_config(dotted_name(node.value)) and isinstance(key, ast.Constant) and \
                isinstance(key.value, str):
            self._config_key(key.value, node)
        if self.revision and isinstance(node.value, ast.Name) and node.value.id in _ROW_NAMES and \
                isinstance(key, ast.Constant) and isinstance(key.value, str):
            self.add("row-string-key", node, "%s[%r] on a result row fails on SQLAlchemy 2.0 (rows are tuples)"
                     % (node.value.id, key.value), "use %s._mapping[%r] or %s.%s" % (
                         node.value.id, key.value, node.value.id, key.value))
        self.generic_visit(node)


#: The visit_ method of each node type CodeAudit looks at.
_DISPATCH = {getattr(ast, name[len("visit_"):]): function for name, function in vars(CodeAudit).items()
             if name.startswith("visit_") and hasattr(ast, name[len("visit_"):])}
#: Fields and node types that never hold anything a check looks for.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "type_comment"})
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del, ast.Pass, ast.Break, ast.Continue})


def _is_config(receiver: str) -> bool:
    """Tell whether an expression is a Flask config mapping (app.config, current_app.config, config)."""
    return receiver.split(".")[-1] in ("config", "CONFIG")


def _escaped(value: str) -> str:
    r"""The SQL text() must be given so that it reads ``value`` literally: ``\`` before each bind look-alike."""
    return BIND_PARAMETER.sub(lambda found: "\\" + found.group(), value)


def _escape_bind_colons(literal: str) -> str:
    r"""Put a backslash before each bind look-alike colon inside the string literal(s) ``literal``.

    ``\\:`` in an ordinary literal, ``\:`` in a raw one: either way the string
    holds one backslash, which text() reads as "a colon, not a parameter".
    """
    out = []
    for token in tokenize.generate_tokens(io.StringIO(literal).readline):
        if token.type != tokenize.STRING:
            continue
        prefix = re.match(r"[A-Za-z]*", token.string).group()  # type: ignore[union-attr]
        escape = "\\" if "r" in prefix.lower() else "\\\\"
        out.append((token.start, token.end, BIND_PARAMETER.sub(escape.replace("\\", "\\\\") + ":", token.string)))
    starts = line_starts(literal)
    for (start_row, start_col), (end_row, end_col), replacement in reversed(out):
        start, end = starts[start_row - 1] + start_col, starts[end_row - 1] + end_col
        literal = literal[:start] + replacement + literal[end:]
    return literal


#: The edit that adds `import sqlalchemy as sa` where a rewrite uses sa.text and the file lacks it.
IMPORT_SA: Edit = (ADD_IMPORT, ADD_IMPORT, "import sqlalchemy as sa")


def model_named_by_flask_sqlalchemy(node: ast.ClassDef) -> bool:
    """Tell whether a class is a Flask-SQLAlchemy model whose table is named after the class: its only base
    is ``db.Model`` (or ``Model``), it maps columns, and it sets no ``__tablename__``, ``__table__`` or
    ``__abstract__`` (a mixin or a parent model could name it: those are left alone)."""
    if len(node.bases) != 1 or dotted_name(node.bases[0]).split(".")[-1] != "Model" or node.keywords:
        return False
    maps_columns = False
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == "__tablename__":
            return False  # a declared_attr names it
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target] if isinstance(
            statement, ast.AnnAssign) else []
        names = [target.id for target in targets if isinstance(target, ast.Name)]
        if any(name in ("__tablename__", "__table__", "__abstract__") for name in names):
            return False
        if names and is_column(getattr(statement, "value", None)):
            maps_columns = True
    return maps_columns


def is_column(value: Optional[ast.AST]) -> bool:
    """Tell whether a class-level value maps a column (``db.Column(...)``, ``mapped_column(...)``)."""
    return isinstance(value, ast.Call) and dotted_name(value.func).split(".")[-1] in ("Column", "mapped_column")


def audit_code(file: SourceFile, shown: str, revision: bool = False, uses_flask_sqlalchemy: bool = True,
               uses_flask_login: bool = True) -> List[Finding]:
    """Return the findings of one parsed Python file (its tree must not be None).

    ``uses_flask_sqlalchemy``/``uses_flask_login``: the project uses them, so their
    method names (``paginate``, ``is_authenticated``) are theirs.
    """
    visitor = CodeAudit(file, shown, revision, uses_flask_sqlalchemy, uses_flask_login=uses_flask_login)
    visitor.visit(file.tree)  # type: ignore[arg-type]
    findings = visitor.findings
    if visitor.needs_sa_import:  # the first edit that uses sa.text also adds the import
        for index, found in enumerate(findings):
            if found.code == "string-sql" and found.edits and "sa.text(" in found.edits[0][2]:
                findings[index] = found._replace(edits=found.edits + (IMPORT_SA,))
                break
    if revision and visitor.reads_database:
        findings.append(finding("needs-database", shown, "it reads from the database, so `upgrade --sql` "
                                "(offline) cannot run it"))
    return findings


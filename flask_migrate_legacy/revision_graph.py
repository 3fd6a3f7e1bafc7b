"""The revision graph, read without running revision files, for the commands that only read it.

``db current``, ``heads``, ``history``, ``show`` and ``branches`` need each
revision's ids, parents, labels, dependencies and docstring, not its code; Alembic
imports every file to get them (about 0.1 ms of compiling and running each). Here
a file whose module level is only that (a docstring, imports of Alembic,
SQLAlchemy or typing, literal assignments, plain ``def``s) is imported once, and
what the import gave is kept in a cache keyed by the file's real path and the
SHA-256 of its bytes: an edit of any byte, whatever its size or time stamp, is a
new key. Any other file is imported every time, as Alembic does. The cache is
``__pycache__/flask-migrate-legacy-revisions.json`` of the migrations folder
(never a version folder, and not a ``.py``: Alembic never loads it), replaced
atomically; one that cannot be read or written only costs the imports.
Commands that run migrations import every file as Alembic does
(``run_code=True``); only the folders are listed the same cheap way, without
resolving each file's path.
"""

import ast
import hashlib
import json
import os
import re
import types
from typing import Any, Dict, Iterator, List, Optional, Tuple

#: The cache's file, in the migrations folder's ``__pycache__``.
CACHE_NAME = "flask-migrate-legacy-revisions.json"
_FORMAT = 2
#: What a cached file may import: modules every db command has imported already.
_QUIET_IMPORTS = frozenset({"alembic", "sqlalchemy", "typing", "__future__"})
#: The module attributes Alembic reads to place a revision in the graph.
GRAPH_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
#: Alembic's own rule for a revision file's name (alembic/script/base.py, the same in 1.12 to 1.20).
_SOURCE_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
#: How Alembic names a revision file's module (alembic/util/pyfiles.py).
_MODULE_NAME = re.compile(r"\W")

def script_directory(config: Any, run_code: bool = False) -> Any:
    """Return Alembic's ScriptDirectory of ``config``, its revision map read from the cache where it can
    (with ``run_code``, for a run of migrations: every file imported, only listed the cheap way)."""
    from alembic.script import Script, ScriptDirectory
    from alembic.script.revision import RevisionMap
    from alembic.util import pyfiles

    script = ScriptDirectory.from_config(config)
    # Alembic's private API, 1.12 to 1.20: where it is missing, Alembic's own reading
    listing = _listing(script) if hasattr(Script, "_from_path") and hasattr(pyfiles, "load_module_py") else None
    if listing is not None:  # else a layout this reader does not reproduce exactly: Alembic's own reading
        read = _imported_revisions if run_code else _revisions
        script.revision_map = RevisionMap(lambda: read(script, listing))
    return script


def _imported_revisions(script: Any, listing: List[str]) -> Iterator[Any]:
    """Yield the Script of each revision file, imported as Alembic's ``load_python_file`` imports it."""
    from alembic.script import Script
    from alembic.util.pyfiles import load_module_py

    for path in listing:
        try:
            module = load_module_py(_MODULE_NAME.sub("_", os.path.basename(path)), path)
        except FileNotFoundError:
            module = None  # gone since the listing: Alembic's reading looks for its .pyc, or words the error
        if module is not None and hasattr(module, "revision"):
            yield Script(module, module.revision, path)
            continue
        # A file named by its id without a `revision` (Alembic 0.1's way), or gone: Alembic reads it
        # (importing it a second time), so its rule and its error are Alembic's own.
        loaded = Script._from_path(script, path)
        if loaded is not None:
            yield loaded


def _revisions(script: Any, listing: List[str]) -> Iterator[Any]:
    """Yield the Script of each revision file: from the cache for bytes it knows, else imported by Alembic."""
    from alembic.script import Script

    cache = _Cache(os.path.join(os.fspath(script.dir), "__pycache__", CACHE_NAME))
    for path in listing:
        cached = cache.revision(path)
        if cached is not None:
            # a str path: what Script keeps in every release (from 1.16 it turns a Path into a str)
            yield Script(cached, cached.revision, path)
            continue
        loaded = Script._from_path(script, path)
        if loaded is None:
            continue
        cache.remember(path, loaded.module)
        yield loaded
    cache.save()


def _listing(scriptdir: Any) -> Optional[List[str]]:
    """Return the revision files Alembic would load, in its order; None where this cannot say exactly."""
    if scriptdir.sourceless or scriptdir.recursive_version_locations:
        return None
    try:
        locations = [os.fspath(location) for location in scriptdir._version_locations]
    except Exception:
        return None
    found: List[str] = []
    seen = set()
    for location in locations:
        if not os.path.isdir(location):
            continue
        real_location = os.path.realpath(location)
        try:
            with os.scandir(location) as entries:
                files = sorted((entry.name, entry.is_symlink()) for entry in entries if not entry.is_dir())
        except OSError:  # a link loop among the entries, say: Alembic's reading words it
            return None
        for name, linked in files:
            # the real path of a file that is not a link, in a resolved folder, is that folder's plus its name
            real = os.path.realpath(os.path.join(location, name)) if linked else os.path.join(real_location, name)
            if linked and not os.path.isfile(real):
                return None  # a dangling link: Alembic's reading words it
            if real in seen:
                return None  # Alembic warns about a file listed twice: let it
            seen.add(real)
            if _SOURCE_FILE.match(os.path.basename(real)):
                found.append(real)
    return found


class _Cache:
    """What earlier imports of plain revision files gave, by real path and content hash."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.entries: Dict[str, Dict[str, Any]] = {}
        self.kept: Dict[str, Dict[str, Any]] = {}
        self.changed = False
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            if isinstance(data, dict) and data.get("format") == _FORMAT and isinstance(data.get("files"), dict):
                self.entries = data["files"]
        except (OSError, ValueError):
            pass

    def revision(self, path: str) -> Optional[types.ModuleType]:
        """Return a stand-in for the module of ``path`` when the cache knows these exact bytes."""
        entry = self.entries.get(path)
        if entry is None:
            self.changed = True
            return None
        digest = _digest(path)
        if digest is None or entry.get("sha256") != digest:
            self.changed = True
            return None
        try:
            module = types.ModuleType(_MODULE_NAME.sub("_", os.path.basename(path)), entry["doc"])
            module.__file__ = path
            for name in GRAPH_NAMES:
                if name in entry:
                    setattr(module, name, _decoded(entry[name]))
        except (KeyError, ValueError, TypeError):
            self.changed = True
            return None
        self.kept[path] = entry
        return module

    def remember(self, path: str, module: Any) -> None:
        """Keep what importing ``path`` gave, if the file does nothing else at import."""
        entry = _plain_entry(path, module)
        if entry is not None:
            self.kept[path] = entry
        self.changed = True

    def save(self) -> None:
        """Replace the cache file atomically with what this read used; a failure only costs the next imports."""
        if not self.changed and len(self.kept) == len(self.entries):
            return
        import tempfile

        folder = os.path.dirname(self.path)
        try:
            os.makedirs(folder, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(prefix=".revisions-", suffix=".tmp", dir=folder)
        except OSError:
            return
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump({"format": _FORMAT, "files": self.kept}, handle)
            os.replace(temporary, self.path)
        except OSError:
            try:
                os.remove(temporary)
            except OSError:
                pass


_UNKNOWN = object()


def _encoded(value: Any) -> Any:
    """Return a graph value as JSON keeps it: a str, None, a list, or a tuple as {"tuple": [...]}."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return {"tuple": list(value)} if isinstance(value, tuple) else list(value)
    return _UNKNOWN


def _decoded(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    if isinstance(value, dict) and list(value) == ["tuple"] and isinstance(value["tuple"], list) and all(
            isinstance(item, str) for item in value["tuple"]):
        return tuple(value["tuple"])
    raise ValueError("not a graph value: %r" % (value,))


def _digest(path: str) -> Optional[str]:
    """Return the SHA-256 of the file's bytes, read through a bare descriptor (half the cost of open()'s
    buffered file object, at 3,000 small files)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        digest = hashlib.sha256()
        while True:
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                return digest.hexdigest()
            digest.update(chunk)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _plain_entry(path: str, module: Any) -> Optional[Dict[str, Any]]:
    """Return the cache entry of a revision file whose import only sets what the graph reads, else None."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        tree = ast.parse(data, path)
    except (OSError, SyntaxError, ValueError):
        return None
    assigned: Dict[str, Any] = {}
    if not all(_plain_statement(statement, index, assigned) for index, statement in enumerate(tree.body)):
        return None
    # Every value kept must be what these bytes say (the ones hashed below): a file saved between
    # the import and this read would otherwise be cached with the values of its earlier bytes.
    if ast.get_docstring(tree, clean=False) != module.__doc__:
        return None
    entry: Dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest(), "doc": module.__doc__}
    for name in GRAPH_NAMES:
        if name in assigned:
            if getattr(module, name, None) != assigned[name]:
                return None  # the import gave another value than the file's literal: keep importing
            encoded = _encoded(assigned[name])
            if encoded is _UNKNOWN:
                return None
            entry[name] = encoded
        elif hasattr(module, name):
            return None
    if "revision" not in entry:
        return None  # a legacy file named by its id: Alembic's own reading
    return entry


def _plain_statement(statement: ast.stmt, index: int, assigned: Dict[str, Any]) -> bool:
    """Tell whether a module-level statement has no effect beyond defining names (imports of the
    quiet modules, literal assignments, undecorated functions with literal defaults)."""
    if isinstance(statement, ast.Expr):
        return index == 0 and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
    if isinstance(statement, ast.Import):
        return all(alias.name.split(".")[0] in _QUIET_IMPORTS for alias in statement.names)
    if isinstance(statement, ast.ImportFrom):
        return not statement.level and (statement.module or "").split(".")[0] in _QUIET_IMPORTS
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        defaults = statement.args.defaults + [d for d in statement.args.kw_defaults if d is not None]
        return not statement.decorator_list and all(_literal(default)[0] for default in defaults) and \
            not _annotations_run(statement)
    targets: List[ast.expr] = []
    value: Optional[ast.expr] = None
    if isinstance(statement, ast.Assign):
        targets, value = statement.targets, statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.simple and statement.value is not None:
        if not _harmless_annotation(statement.annotation):
            return False
        targets, value = [statement.target], statement.value
    if value is None or not all(isinstance(target, ast.Name) for target in targets):
        return False
    ok, literal = _literal(value)
    if not ok:
        return False
    for target in targets:
        name = target.id  # type: ignore[attr-defined]
        if name in assigned:
            return False  # assigned twice: the import knows which one wins
        assigned[name] = literal
    return True


def _literal(node: ast.expr) -> Tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _harmless_annotation(node: Optional[ast.expr]) -> bool:
    """An annotation run at import that can only look names up (``Union[str, Sequence[str], None]``)."""
    if node is None:
        return True
    return all(isinstance(part, (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.Constant, ast.Load,
                                 ast.Index if hasattr(ast, "Index") else ast.Load, ast.BinOp, ast.BitOr))
               for part in ast.walk(node))


def _annotations_run(function: Any) -> bool:
    arguments = function.args
    parts = arguments.posonlyargs + arguments.args + arguments.kwonlyargs + [arguments.vararg, arguments.kwarg]
    annotations = [argument.annotation for argument in parts if argument is not None] + [function.returns]
    return not all(_harmless_annotation(annotation) for annotation in annotations)

"""``db doctor --fix``: the certainly-safe rewrites of revision files, shown as a diff or written.

The findings come from ``audit``; this rewrites the two whose fix is mechanical
(a plain SQL string wrapped in ``sa.text(...)``, ``select([a, b])`` as
``select(a, b)``), by source position so that comments, layout, line endings and the
file's encoding stay as they were, and writes each file atomically.
"""

import ast
import os
import re
from typing import List, Optional, Protocol, Tuple

from .audit import Revision, dotted_name, is_string_sql, read_revision, revision_files, select_takes_columns
from .errors import MigrationError
from .paths import shown_path


class Output(Protocol):
    """Where the diff goes: standard output, or what stands for it."""

    def write(self, text: str) -> int: ...


def fixed_source(revision: Revision) -> Optional[str]:
    """Return the revision's source with the certainly-safe rewrites applied, or None if none apply.

    Plain SQL strings passed to ``execute()`` get wrapped in ``sa.text(...)``,
    and ``select([a, b])`` becomes ``select(a, b)``. Edits are made on the
    source text by position, so comments and layout stay as they were.
    """
    if revision.tree is None or revision.undecodable_line:
        return None
    edits: List[Tuple[int, int, str]] = []  # (start offset, end offset, replacement)
    lines = python_lines(revision.source)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line_number: int, column: int) -> int:
        # ast columns count UTF-8 bytes; the source is text
        line = lines[line_number - 1]
        return starts[line_number - 1] + len(line.encode("utf-8")[:column].decode("utf-8", "ignore"))

    def span(node: ast.AST) -> Tuple[int, int]:
        return (offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]

    for node in ast.walk(revision.tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        receiver = dotted_name(node.func.value)
        if node.func.attr == "execute" and receiver != "op" and node.args and is_string_sql(node.args[0]) and \
                not ("engine" in receiver.lower().split(".")[-1] or receiver.endswith(".engine")):
            start, end = span(node.args[0])
            edits.append((start, end, "sa.text(%s)" % revision.source[start:end]))
        elif node.func.attr == "select" and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)) \
                and select_takes_columns():
            start, end = span(node.args[0])
            inner = revision.source[start + 1:end - 1].strip().rstrip(",")
            edits.append((start, end, inner))
    if not edits:
        return None
    source = revision.source
    for start, end, replacement in sorted(edits, reverse=True):
        source = source[:start] + replacement + source[end:]
    if not re.search(r"^import sqlalchemy as sa\b", source, re.M) and "sa.text(" in source:
        source = _add_import(source)
    try:
        ast.parse(source)
    except SyntaxError as exc:  # a rewrite that does not parse is a bug: never write it
        raise MigrationError("db doctor --fix could not rewrite %s safely (line %s would not parse): it is "
                             "unchanged; please report this" % (shown_path(revision.path), exc.lineno)) from None
    return source


_PYTHON_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def python_lines(source: str) -> List[str]:
    """Split ``source`` into lines, ends kept, where Python's own parser does: at \\n, \\r\\n and \\r.

    ``str.splitlines`` also splits at form feeds and U+2028, which would put
    every position after one on the wrong line.
    """
    return _PYTHON_LINE.findall(source)


def _add_import(source: str) -> str:
    lines = python_lines(source)
    newline = re.search(r"\r\n|\r|\n", source)
    ending = newline.group() if newline else "\n"
    position = next((i + 1 for i, line in reversed(list(enumerate(lines)))
                     if line.startswith(("import ", "from "))), 0)
    if position and not lines[position - 1].endswith(("\n", "\r")):
        lines[position - 1] += ending
    lines.insert(position, "import sqlalchemy as sa" + ending)
    return "".join(lines)


def fix(directory: str, write: bool, out: "Output") -> int:
    """Print a unified diff of every fixable revision; with ``write``, replace each file atomically.

    Returns how many files were (or would be) changed.
    """
    import difflib

    changed = 0
    for path in revision_files(directory):
        revision = read_revision(path)
        new = fixed_source(revision)
        if new is None or new == revision.source:
            continue
        changed += 1
        shown = shown_path(path)
        out.write("".join(difflib.unified_diff(python_lines(revision.source), python_lines(new),
                                               "a/" + shown, "b/" + shown)))
        if write:
            try:
                _write_atomically(path, new, revision.encoding)
            except OSError as exc:
                raise MigrationError("could not write %s (%s): it is unchanged%s" % (
                    shown, exc.strerror or exc, "; the %d file(s) before it were rewritten" % (changed - 1)
                    if changed > 1 else "")) from exc
    return changed


def _write_atomically(path: str, text: str, encoding: str) -> None:
    import tempfile

    folder = os.path.dirname(path) or "."
    descriptor, temporary = tempfile.mkstemp(prefix=".doctor-", suffix=".py", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, os.stat(path).st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise

"""Python files as Python reads them: text, tree, encoding, and edits made by source position.

The doctor reads every file here (never importing it) and ``--fix`` rewrites
through ``apply_edits``: edits are spans of the original text, so comments,
layout, the encoding, a BOM and the line endings stay as they were.
"""

import ast
import io
import os
import re
import tokenize
from typing import Iterable, List, NamedTuple, Optional, Tuple

#: A file larger than this is one finding, not parsed (generated code, a data dump named .py).
LARGEST_SOURCE = 8 * 1024 * 1024

#: (start offset, end offset, replacement) in a file's text.
Edit = Tuple[int, int, str]
#: The offset of an edit that adds an import line (its replacement) where the file has none like it.
ADD_IMPORT = -1


class SourceFile(NamedTuple):
    """A Python file as read: its text and tree, or why Python cannot read it."""

    path: str
    tree: Optional[ast.Module]
    source: str
    encoding: str = "utf-8"  # as its coding line (or BOM) says
    #: Why Python cannot read it ("" when it can).
    problem: str = ""
    #: The first line holding bytes its encoding cannot decode (0: none). Python accepts such
    #: bytes in comments; ``source`` then holds U+FFFD for them, so nothing rewrites the file.
    undecodable_line: int = 0


def read_source(path: str) -> SourceFile:
    """Read and parse ``path`` as Python itself does (a file that does not parse gives tree None)."""
    try:
        if os.path.getsize(path) > LARGEST_SOURCE:
            return SourceFile(path, None, "", problem="larger than %d MiB: not read" % (LARGEST_SOURCE >> 20))
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return SourceFile(path, None, "", problem=str(exc.strerror or exc))  # "Permission denied"
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(raw).readline)[0]  # a coding line, or a BOM
    except SyntaxError:  # an unknown coding, or a first line that is not UTF-8: ast.parse below decides
        encoding = "utf-8"
    undecodable_line = 0
    try:
        source = raw.decode(encoding)  # line endings as they are: a rewrite writes them back
    except (UnicodeDecodeError, LookupError) as exc:
        source = raw.decode("utf-8", "replace")
        undecodable_line = raw[:getattr(exc, "start", 0)].count(b"\n") + 1
    try:
        tree = ast.parse(raw, path)  # bytes: Python decodes them as an import would
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        return SourceFile(path, None, source, encoding, problem=syntax_problem(exc))
    return SourceFile(path, tree, source, encoding, undecodable_line=undecodable_line)


def syntax_problem(exc: BaseException) -> str:
    """Say why Python cannot parse a file, in Python's words, on one line."""
    if isinstance(exc, SyntaxError):
        return "line %s: %s" % (exc.lineno, " ".join(str(exc.msg).split())) if exc.lineno else str(exc.msg)
    if isinstance(exc, (MemoryError, RecursionError)):
        return "too deeply nested for the parser"
    return " ".join(str(exc).split())  # ValueError: a null byte


_PYTHON_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def python_lines(source: str) -> List[str]:
    """Split ``source`` into lines, ends kept, where Python's own parser does: at \\n, \\r\\n and \\r.

    ``str.splitlines`` also splits at form feeds and U+2028, which would put
    every position after one on the wrong line.
    """
    return _PYTHON_LINE.findall(source)


def line_starts(source: str) -> List[int]:
    """Return the offset where each line of ``source`` starts, lines split as Python splits them
    (tokenize's and ast's line numbers count the same way)."""
    starts = [0]
    for line in python_lines(source):
        starts.append(starts[-1] + len(line))
    return starts


class Positions:
    """Turn the tree's (line, UTF-8 column) positions into offsets in the text."""

    def __init__(self, source: str) -> None:
        self.lines = python_lines(source)
        self.starts = line_starts(source)

    def offset(self, line_number: int, column: int) -> int:
        """Return the text offset of ``column`` (counted in UTF-8 bytes, as ast does) on a line."""
        line = self.lines[line_number - 1] if line_number <= len(self.lines) else ""
        return self.starts[line_number - 1] + len(line.encode("utf-8")[:column].decode("utf-8", "ignore"))

    def span(self, node: ast.AST) -> Tuple[int, int]:
        """Return the (start, end) offsets of a node."""
        return (self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                self.offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """Return ``source`` with the edits made; of overlapping edits the first given is made.

    An edit at ``ADD_IMPORT`` adds its import line unless the file has that line already.
    """
    chosen: List[Edit] = []
    imports: List[str] = []
    for edit in edits:
        if edit[0] == ADD_IMPORT:
            if edit[2] not in imports:
                imports.append(edit[2])
            continue
        if edit in chosen or any(edit[0] < end and start < edit[1] or edit[0] == start == edit[1]
                                 for start, end, _ in chosen):
            continue
        chosen.append(edit)
    for start, end, replacement in sorted(chosen, reverse=True):
        source = source[:start] + replacement + source[end:]
    for line in imports:
        if not re.search(r"^%s\b" % re.escape(line), source, re.M):
            source = add_import_line(source, line)
    return source


def newline_of(source: str) -> str:
    """Return the file's line ending (its first), "\\n" when it has none."""
    found = re.search(r"\r\n|\r|\n", source)
    return found.group() if found else "\n"


def add_import_line(source: str, line: str) -> str:
    """Insert ``line`` (an import statement) after the file's last top-level import, or at its top."""
    lines = python_lines(source)
    ending = newline_of(source)
    position = next((i + 1 for i, text in reversed(list(enumerate(lines)))
                     if text.startswith(("import ", "from "))), 0)
    if position == 0:  # after a shebang, coding line and module docstring it would be fine too; keep it simple
        position = next((i for i, text in enumerate(lines) if not text.startswith("#")), len(lines))
    if position and not lines[position - 1].endswith(("\n", "\r")):
        lines[position - 1] += ending
    lines.insert(position, line + ending)
    return "".join(lines)


def write_atomically(path: str, text: str, encoding: str) -> None:
    """Replace ``path`` with ``text`` in one step: a reader (or a killed run) sees the old file or the new.

    The temporary file is named ``.<name>.doctor-*.tmp``: not a ``.py`` file, so
    Alembic never loads one left by a killed run as a revision.
    """
    import tempfile

    folder = os.path.dirname(path) or "."
    descriptor, temporary = tempfile.mkstemp(prefix=".%s.doctor-" % os.path.basename(path), suffix=".tmp",
                                             dir=folder)
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


def dotted_name(node: ast.AST) -> str:
    """Return ``a.b.c`` for a chain of names and attributes (calls shown as ``f()``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return dotted_name(node.value) + "." + node.attr
    if isinstance(node, ast.Call):
        return dotted_name(node.func) + "()"
    return "?"

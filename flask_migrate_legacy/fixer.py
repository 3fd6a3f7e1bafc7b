"""``doctor --fix``: apply the edits the findings carry, shown as a diff or written file by file.

Only what a check declared certainly equivalent carries edits (``checks``);
they are made by source position (``pysource.apply_edits``), so comments,
layout, line endings and the encoding stay. A rewrite that would not parse is
refused and its file left as it was; each file is replaced atomically.
"""

import ast
import os
from typing import Callable, Dict, Iterable, List, Optional, Protocol

from .audit import audit_revision
from .checks import Edit, Finding
from .errors import MigrationError
from .paths import shown_path
from .pysource import apply_edits, python_lines, read_source, write_atomically
from .revision_files import Revision, read_revision, revision_files


class Output(Protocol):
    """Where the diff goes: standard output, or what stands for it."""

    def write(self, text: str) -> int: ...


def edits_of(findings: Iterable[Finding]) -> List[Edit]:
    """Return the edits of the fixable findings, in the order found."""
    return [edit for finding in findings if finding.fixable for edit in finding.edits]


def rewrite(path: str, source: str, edits: Iterable[Edit], show: Callable[[str], str] = shown_path) -> Optional[str]:
    """Return ``source`` with ``edits`` made, None when they change nothing; refuse a result that does not parse."""
    new = apply_edits(source, edits)
    if new == source:
        return None
    try:
        ast.parse(new)
    except SyntaxError as exc:  # a rewrite that does not parse is a bug: never write it
        raise MigrationError("doctor --fix could not rewrite %s safely (line %s would not parse): it is "
                             "unchanged; please report this" % (show(path), exc.lineno)) from None
    return new


def fixed_source(revision: Revision) -> Optional[str]:
    """Return the revision's source with the certainly-safe rewrites made, or None if none apply."""
    if revision.tree is None or revision.undecodable_line:
        return None
    return rewrite(revision.path, revision.source, edits_of(audit_revision(revision, revision.path)))


def fix_files(edits_by_path: Dict[str, List[Edit]], write: bool, out: "Output",
              show: Callable[[str], str] = shown_path) -> int:
    """Print a unified diff of every file the edits change; with ``write``, replace each file atomically.

    Every rewrite is made and checked before the first file is written. Returns
    how many files were (or would be) changed.
    """
    import difflib

    rewrites = []
    for path in sorted(edits_by_path):
        file = read_source(path)
        if file.tree is None or file.undecodable_line:
            continue
        new = rewrite(path, file.source, edits_by_path[path], show)
        if new is not None:
            rewrites.append((path, file, new))
    for written, (path, file, new) in enumerate(rewrites):
        shown = show(path)
        out.write("".join(difflib.unified_diff(python_lines(file.source), python_lines(new),
                                               "a/" + shown, "b/" + shown)))
        if write:
            try:
                write_atomically(path, new, file.encoding)
            except OSError as exc:
                raise MigrationError("could not write %s (%s): it is unchanged%s" % (
                    shown, exc.strerror or exc, "; the %d file(s) before it were rewritten" % written
                    if written else "")) from exc
    return len(rewrites)


def fix(directory: str, write: bool, out: "Output") -> int:
    """Fix the revision files of a migrations folder (``db doctor --fix``); return how many changed."""
    edits = {}
    for path in revision_files(directory):
        revision = read_revision(path)
        if revision.tree is not None and not revision.undecodable_line:
            found = edits_of(audit_revision(revision, shown_path(path)))
            if found:
                edits[os.path.abspath(path)] = found
    return fix_files(edits, write, out)

"""Revision files read as text: where they are, and the ids a file declares, without importing it."""

import ast
import os
import re
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

from .pysource import read_source

if TYPE_CHECKING:  # for annotations only
    from alembic.config import Config


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
    file = read_source(path)
    if file.tree is None:
        revision_id, downs = _ids_by_pattern(file.source)
        return Revision(path, revision_id, downs, None, file.source, file.encoding, problem=file.problem)
    assigned: Dict[str, ast.AST] = {}
    for node in file.tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            assigned[node.target.id] = node.value
    revision = _string_value(assigned.get("revision"))
    down = _string_value(assigned.get("down_revision"))
    downs = tuple(down) if isinstance(down, (list, tuple)) else ((down,) if isinstance(down, str) else ())
    return Revision(path, revision if isinstance(revision, str) else None, downs, file.tree, file.source,
                    file.encoding, undecodable_line=file.undecodable_line)


_ID_LINE = r"^%s\s*(?::[^=]*)?=\s*(.*)$"


def _ids_by_pattern(source: str) -> Tuple[Optional[str], Tuple[str, ...]]:
    """Read ``revision`` and ``down_revision`` from a file that does not parse, so that one broken
    file is one finding, not also a missing parent for each of its children."""
    found = re.search(_ID_LINE % "revision", source, re.M)
    revision = re.match(r"""\s*['"]([^'"]+)['"]""", found.group(1)) if found else None
    down = re.search(_ID_LINE % "down_revision", source, re.M)
    downs = tuple(re.findall(r"""['"]([^'"]+)['"]""", down.group(1))) if down else ()
    return (revision.group(1) if revision else None), downs


def revision_files(directory: str, extra_locations: Iterable[str] = ()) -> List[str]:
    """Return the revision files of a migrations folder, sorted."""
    return files_in_version_folders([os.path.join(directory, "versions"), *extra_locations])


def files_in_version_folders(folders: Iterable[str]) -> List[str]:
    """Return the revision files (``*.py``) in version folders, sorted."""
    found: List[str] = []
    for folder in folders:
        if os.path.isdir(folder):
            found.extend(os.path.join(folder, name) for name in os.listdir(folder)
                         if name.endswith(".py") and not name.startswith("__"))
    return sorted(found)


def script_location(config: Optional["Config"]) -> str:
    """Return the absolute migrations folder a Config names ("" without a Config)."""
    if config is None:
        return ""
    return os.path.abspath(config.get_main_option("script_location") or "")


def version_locations(config: Optional["Config"]) -> List[str]:
    """Return the absolute folders Alembic reads revision files from (``versions`` and ``version_locations``)."""
    if config is None:
        return []
    locations = [os.path.join(script_location(config), "versions")]
    extra = config.get_main_option("version_locations")
    if extra:
        locations.extend(os.path.abspath(p) for p in extra.replace(",", " ").split())
    return locations

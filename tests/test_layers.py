"""The layer map of docs/ARCHITECTURE.md holds: every import of the package goes sideways or down, never up.

Every import counts: at the top of a file, inside a function, and under ``if TYPE_CHECKING:``.
"""

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "flask_migrate_legacy")
ARCHITECTURE = os.path.join(ROOT, "docs", "ARCHITECTURE.md")


def floors():
    """Return {room: (level, floor name)} from the table under ``<!-- floors`` in docs/ARCHITECTURE.md."""
    with open(ARCHITECTURE, encoding="utf-8") as handle:
        text = handle.read()
    table = text.split("<!-- floors", 1)[1].split("<!-- /floors -->", 1)[0]
    rooms = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].isdigit():
            continue
        for room in re.findall(r"`([\w/.]+)`", cells[2]):
            assert room not in rooms, "%s is on two floors" % room
            rooms[room.rstrip("/")] = (int(cells[0]), cells[1])
    return rooms


def modules():
    """Return {module: path} for every module of the package (``script.manager``; ``__init__`` for the package)."""
    found = {}
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = [name for name in dirs if name not in ("templates", "__pycache__")]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                module = os.path.relpath(path, PACKAGE)[:-3].replace(os.sep, ".")
                found[module.replace(".__init__", "")] = path
    return found


def room_of(module):
    """Return the room a module belongs to: a sub-package is one room (``script``)."""
    return module.split(".")[0]


def imports_of(module, path, known):
    """Return the package's modules that ``module`` imports anywhere in its file."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    package = module.rsplit(".", 1)[0] if "." in module and not path.endswith("__init__.py") else (
        module if path.endswith("__init__.py") and module != "__init__" else "")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("flask_migrate_legacy"):
                target = node.module[len("flask_migrate_legacy"):].lstrip(".")
            else:
                continue
            for alias in node.names:
                candidate = "%s.%s" % (target, alias.name) if target else alias.name
                found.add(candidate if candidate in known else target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("flask_migrate_legacy."):
                    found.add(alias.name[len("flask_migrate_legacy."):])
    found.discard(module)
    found.discard("")
    return found


def the_graph():
    known = modules()
    return {module: imports_of(module, path, known) for module, path in known.items()}


def test_every_module_is_on_one_floor_of_the_map():
    rooms = floors()
    missing = sorted({room_of(module) for module in modules()} - set(rooms))
    assert not missing, "docs/ARCHITECTURE.md's floors table does not place: %s" % ", ".join(missing)
    gone = sorted(set(rooms) - {room_of(module) for module in modules()})
    assert not gone, "docs/ARCHITECTURE.md's floors table names rooms that do not exist: %s" % ", ".join(gone)


def test_imports_go_sideways_or_down_never_up_nor_across_to_a_sibling_floor():
    rooms = floors()
    wrong = []
    for module, targets in sorted(the_graph().items()):
        level, floor = rooms[room_of(module)]
        for target in sorted(targets):
            if room_of(target) == room_of(module):
                continue
            target_level, target_floor = rooms[room_of(target)]
            if target_level > level or (target_level == level and target_floor != floor):
                wrong.append("%s (%s) imports %s (%s)" % (module, floor, target, target_floor))
    assert not wrong, "\n".join(wrong)


def test_no_import_circle_of_any_kind():
    graph = the_graph()
    state = {}

    def visit(module, trail):
        state[module] = "open"
        for target in graph.get(module, ()):
            if state.get(target) == "open":
                raise AssertionError("import circle: %s" % " -> ".join(trail[trail.index(target):] + [target]))
            if target not in state:
                visit(target, trail + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_flask_script_replacement_imports_only_the_error_model():
    for module, targets in the_graph().items():
        if room_of(module) == "script":
            assert {room_of(target) for target in targets} <= {"script", "errors"}, (module, targets)


@pytest.mark.parametrize("source, expected", [
    ("from .errors import UserError", {"errors"}),
    ("from . import operations", {"operations"}),
    ("from ..errors import UserError", {"errors"}),
    ("from .script import Manager", {"script"}),
    ("from flask_migrate_legacy.state import current_state", {"state"}),
    ("if TYPE_CHECKING:\n    from .lock import HeldLock", {"lock"}),
    ("def f():\n    from .masking import MASK", {"masking"}),
    ("import os\nfrom flask import Flask", set()),
])
def test_the_reader_of_imports_sees_every_kind(tmp_path, source, expected):
    # (the layer test is only as good as this reader)
    path = tmp_path / "sample.py"
    path.write_text(source)
    known = {"errors": "", "operations": "", "script": "", "state": "", "lock": "", "masking": ""}
    module = "script.sample" if source.startswith("from ..") else "sample"
    assert imports_of(module, str(path), known) == expected

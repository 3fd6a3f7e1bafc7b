"""Run one conformance scenario as real processes and reduce what it did to comparable text.

A scenario is a small project (``manage.py``, or ``app.py`` for ``flask db``, plus
any other files), some set-up command lines and one measured command line; its
``command(python, argv)`` says how a line runs. :func:`run_scenario` runs them
with a given interpreter in a fresh folder and returns a :class:`Outcome`:
the measured run's exit status, stdout and stderr, the files the project
holds afterwards and the state of its SQLite database, each passed through
:func:`normalise` so that two runs of the same behaviour compare equal.
"""

import atexit
import functools
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import warm  # noqa: E402

#: Seconds one process may take before the scenario fails as hung.
PROCESS_TIMEOUT = 60


class Outcome(NamedTuple):
    """What one scenario did, normalised."""

    exit: int
    stdout: str
    stderr: str
    files: Dict[str, str]
    database: Dict[str, List[str]]
    setup_exits: List[int]

    def to_json(self) -> dict:
        return self._asdict()

    @classmethod
    def from_json(cls, data: dict) -> "Outcome":
        return cls(**data)


def _environment(extra: Dict[str, str]) -> Dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLASK_", "PYTHON", "PYTEST", "MIGRATE_", "COV_"))}
    env.update({"PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8",
                "COLUMNS": "100", "EDITOR": "true", "VISUAL": "true", "TERM": "dumb"})
    env.update(extra)
    return env


#: What a scenario's outcome depends on besides the code under test.
STACK = ("Flask", "click", "Werkzeug", "Flask-SQLAlchemy", "SQLAlchemy", "alembic")
_STACK_PROBE = ("import importlib.metadata as m, json, sys; print(json.dumps(dict("
                "{n: m.version(n) for n in %r}, Python='%%d.%%d' %% sys.version_info[:2])))" % (STACK,))


@functools.lru_cache(maxsize=None)
def installed_stack(python: str = sys.executable) -> Dict[str, str]:
    """Return the versions of the stack that ``python`` has, and its major.minor."""
    done = subprocess.run([python, "-c", _STACK_PROBE], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _run(scenario, python: str, folder: str, argv: Sequence[str], stdin: Optional[str],
         env: Dict[str, str]) -> subprocess.CompletedProcess:
    # A real process forked from a warm interpreter (tests/warm.py): the originals' side too, whose
    # live runs are checked against outcomes recorded from cold processes.
    return warm.run(scenario.command(python, argv), folder, env,
                    input=(stdin if stdin is not None else "").encode(), timeout=PROCESS_TIMEOUT)


#: Projects after their set-up, by interpreter, files and set-up: many scenarios share one.
_PREPARED: Dict[str, Tuple[str, List[int]]] = {}
_PREPARED_LOCK = threading.Lock()
_CACHE_ROOT = tempfile.mkdtemp(prefix="fml-conf-cache-")
atexit.register(shutil.rmtree, _CACHE_ROOT, True)


def _prepared(python: str, scenario, env: Dict[str, str]) -> Tuple[str, List[int]]:
    """Return a folder holding the project after its set-up steps, and their exit statuses."""
    files = scenario.project_files()
    key = hashlib.sha256(json.dumps([python, files, scenario.setup, scenario.env], sort_keys=True).encode()).hexdigest()
    with _PREPARED_LOCK:
        if key not in _PREPARED:
            folder = os.path.join(_CACHE_ROOT, key[:16])
            os.mkdir(folder)
            for name, text in files.items():
                path = os.path.join(folder, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(text)
            exits = [_run(scenario, python, folder, argv, None, env).returncode for argv in scenario.setup]
            _PREPARED[key] = (folder, exits)
        return _PREPARED[key]


def run_scenario(python: str, scenario) -> Outcome:
    """Run ``scenario`` with the interpreter ``python`` in a fresh copy of its prepared project."""
    env = _environment(scenario.env)
    prepared, setup_exits = _prepared(python, scenario, env)
    with tempfile.TemporaryDirectory(prefix="fml-conf-") as parent:
        folder = os.path.join(parent, "project")
        shutil.copytree(prepared, folder)
        done = _run(scenario, python, folder, scenario.argv, scenario.stdin, env)
        roots = (os.path.realpath(folder), folder)
        return Outcome(
            exit=done.returncode,
            stdout=normalise(done.stdout.decode("utf-8", "replace"), roots),
            stderr=normalise(done.stderr.decode("utf-8", "replace"), roots),
            files=_files(folder, roots, scenario.project_files()),
            database=_database(os.path.join(folder, "app.db")),
            setup_exits=setup_exits,
        )


#: Text that differs between two runs of the same behaviour, and what it becomes.
_VOLATILE = (
    (re.compile(r"\b[0-9a-f]{12}\b"), "<rev>"),  # generated revision ids
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?"), "<date>"),  # Create Date
    (re.compile(r"0x[0-9a-f]+"), "0x<addr>"),  # object reprs
    (re.compile(r" +$", re.M), ""),  # trailing blanks in help tables
)

#: What newer releases of the stack print differently for the same behaviour.
_STACK = (
    # Where the interpreter and its site-packages live (tracebacks, warnings) depends on the machine.
    (re.compile(r"(?:/[^\s\"':]+)?/lib/python3\.\d+/"), "<python>/"),
    (re.compile(r"(<python>/[\w/.-]+\.py):\d+:"), r"\1:<line>:"),  # a warning's line in the stdlib moves
    (re.compile(r"'(<project>[^']*)'"), r"\1"),  # Alembic >= 1.14 stopped quoting paths it creates
    (re.compile(r"^INFO  \[alembic\.runtime\.plugins\] .*\n", re.M), ""),  # Alembic >= 1.16 logs its plugins
    (re.compile(r" RETURNING version_num;$", re.M), ";"),  # SQLAlchemy 2 renders RETURNING offline
    (re.compile(r"\[alembic\.autogenerate\.compare\.\w+\]"), "[alembic.autogenerate.compare]"),  # Alembic >= 1.16
    (re.compile(r"error: argument \{[\w,-]+\}: invalid choice"), "error: invalid choice"),  # Python 3.8 names no argument
)

#: Python 3.10 renamed argparse's "optional arguments:" heading.
_ARGPARSE_HEADING = re.compile(r"^optional arguments:$", re.M)
#: Python 3.13 prints "-h, --host HOST" where older ones printed "-h HOST, --host HOST".
_ARGPARSE_REPEATED_METAVAR = re.compile(r"(?<![\w-])((?:--?[\w-]+ ([A-Z_]+), )+)(--?[\w-]+ \2)\b")
#: Its shorter invocations move argparse's help column, so help tables are compared unaligned:
#: help text wrapped onto indented lines is joined, and alignment padding folded.
_ARGPARSE_WRAPPED_HELP = re.compile(r"\n {20,}(?=\S)")
_ARGPARSE_PADDING = re.compile(r"^(  \S.*?\S) {2,}", re.M)


def normalise(text: str, roots: Sequence[str] = ()) -> str:
    """Replace temporary paths, revision ids, dates, and what the stack's versions print differently.

    Only differences of Python, argparse, Alembic and SQLAlchemy releases are
    folded here, never one of this package's: those go in ``differences.py``.
    """
    for root in roots:
        text = text.replace(root, "<project>")
    for pattern, replacement in _VOLATILE + _STACK:
        text = pattern.sub(replacement, text)
    text = _ARGPARSE_HEADING.sub("options:", text)
    text = _ARGPARSE_REPEATED_METAVAR.sub(lambda m: m.group(1).replace(" %s," % m.group(2), ",") + m.group(3), text)
    text = _ARGPARSE_WRAPPED_HELP.sub("  ", text)
    text = _ARGPARSE_PADDING.sub(r"\1  ", text)
    return text


def _files(folder: str, roots: Sequence[str], given: Dict[str, str]) -> Dict[str, str]:
    """Return each file the run left (not the scenario's own, nor caches): name -> kind of content."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            path = os.path.join(dirpath, filename)
            name = os.path.relpath(path, folder)
            if name in given or filename.endswith((".pyc", ".migrate-lock")) or name == "app.db":
                continue
            found[normalise(name, roots)] = _summary(path, roots)
    return found


def _summary(path: str, roots: Sequence[str]) -> str:
    """Describe a file by the content that matters to a comparison: a revision's operations."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = normalise(handle.read(), roots)
    if "/versions/" in path.replace(os.sep, "/") and path.endswith(".py"):
        return "\n".join(line.strip() for line in text.splitlines()
                         if line.strip().startswith(("op.", "revision", "down_revision", "branch_labels")))
    return "file" if text else "empty"


def _database(path: str) -> Dict[str, List[str]]:
    """Return the SQLite database's tables with their columns, and the version rows."""
    if not os.path.exists(path):
        return {}
    connection = sqlite3.connect(path)
    try:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        state = {table: [row[1] for row in connection.execute("PRAGMA table_info(%s)" % table)] for table in tables}
        if "alembic_version" in tables:
            state["alembic_version rows"] = sorted(
                normalise(row[0]) for row in connection.execute("SELECT version_num FROM alembic_version"))
        return state
    finally:
        connection.close()


def dumps(outcomes: Dict[str, Outcome]) -> str:
    """Serialise recorded outcomes, stable for review in diffs."""
    return json.dumps({name: outcome.to_json() for name, outcome in sorted(outcomes.items())},
                      indent=1, sort_keys=True) + "\n"

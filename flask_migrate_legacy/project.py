"""The doctor for a whole project, read from its files without importing any of them.

``audit_project(root)`` walks the project (never a virtualenv, site-packages,
node_modules, a VCS or build folder, nor a link), reads every Python file with
``code_audit``, every requirement file with ``requirements`` and every
migrations folder with ``audit``, and names each file relative to ``root``.
So it works on a project that no longer starts, which is when it is needed.
"""

import os
import stat
import sys
from typing import TYPE_CHECKING, Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

from .audit import audit_folder
from .branch_review import review_branch
from .checks import CHECKS, SCOPES, Check, Edit, Finding, declare, finding
from .code_audit import audit_code
from .lock_review import mapped_columns, needs_lock_timeout, review_revision
from .pysource import read_source
from .requirements import audit_requirements
from .revision_files import revision_files

if TYPE_CHECKING:  # for annotations only
    from .fixer import Output

declare("code-does-not-parse", "fail", "files", "a Python file that does not parse on Python 3 (Python 2 code is "
        "out of scope)", "fix what Python names (python -m py_compile FILE says the same)")
declare("not-read", "advice", "files", "a file the doctor could not read (too large, unreadable, a broken link)",
        "nothing, unless the app needs that file")

#: Folders never entered, by name.
SKIPPED_FOLDERS = {".git", ".hg", ".svn", ".bzr", "node_modules", "__pycache__", ".tox", ".nox", ".eggs",
                   "site-packages", "dist-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache", "htmlcov",
                   ".venv", "venv"}
#: Folders never entered at the top of the project (build output).
SKIPPED_AT_TOP = {"build", "dist"}
_REQUIREMENT_FILES = {"setup.py", "setup.cfg", "pyproject.toml", "pipfile"}


class ProjectReport(NamedTuple):
    """The findings of a project, and the edits ``--fix`` would make, by file."""

    findings: List[Finding]
    edits: Dict[str, List[Edit]]


def is_virtualenv(folder: str, names: Iterable[str]) -> bool:
    """Tell whether a folder is a virtualenv (venv's pyvenv.cfg, or an old virtualenv's activate script)."""
    names = set(names)
    return "pyvenv.cfg" in names or (os.path.isfile(os.path.join(folder, "bin", "activate")) and "lib" in names) \
        or os.path.isfile(os.path.join(folder, "Scripts", "activate"))


def is_migrations_folder(names: Set[str]) -> bool:
    """Tell whether a folder is an Alembic migrations folder (env.py beside its versions or its template)."""
    return "env.py" in names and bool(names & {"versions", "alembic.ini", "script.py.mako"})


def is_requirement_file(name: str, folder_name: str) -> bool:
    """Tell whether a file name is one of the requirement files the doctor reads."""
    lowered = name.lower()
    return lowered in _REQUIREMENT_FILES or (lowered.endswith(".txt") and (
        lowered.startswith(("requirements", "constraints")) or folder_name.lower() == "requirements"))


class _Walk(NamedTuple):
    python: List[str]
    requirements: List[str]
    migrations: List[str]
    unreadable: List[Tuple[str, str]]  # (path, why)


def _walk(root: str, known_migrations: Iterable[str]) -> _Walk:
    python: List[str] = []
    requirements: List[str] = []
    migrations: List[str] = [os.path.abspath(folder) for folder in known_migrations]
    unreadable: List[Tuple[str, str]] = []
    versions = {os.path.join(folder, "versions") for folder in migrations}

    def refused(error: OSError) -> None:
        unreadable.append((error.filename or root, error.strerror or str(error)))

    for folder, folders, files in os.walk(root, onerror=refused):  # links to folders are never entered
        names = set(folders) | set(files)
        if folder != root and is_virtualenv(folder, names):
            folders[:] = []
            continue
        folders[:] = sorted(name for name in folders if name not in SKIPPED_FOLDERS and
                            not name.endswith(".egg-info") and not (folder == root and name in SKIPPED_AT_TOP))
        if is_migrations_folder(names) and os.path.abspath(folder) not in migrations:
            migrations.append(os.path.abspath(folder))
            versions.add(os.path.join(os.path.abspath(folder), "versions"))
        in_versions = os.path.abspath(folder) in versions
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError as exc:
                unreadable.append((path, exc.strerror or str(exc)))
                continue
            if stat.S_ISLNK(mode):
                if in_versions and name.endswith(".py") and not os.path.exists(path):
                    unreadable.append((path, "a link to nothing (or to itself): Alembic cannot load it"))
                continue  # never followed: a link inside the project is read where it points
            if not stat.S_ISREG(mode):
                continue
            if is_requirement_file(name, os.path.basename(folder)):
                requirements.append(path)
            if name.endswith(".py") and not in_versions:
                python.append(path)
    return _Walk(python, requirements, migrations, unreadable)


def audit_project(root: str, migrations: Iterable[str] = ()) -> ProjectReport:
    """Read the project under ``root`` and return what will break on today's stack, with the fixes.

    ``migrations`` names migrations folders to read even where the walk would
    not recognise them (``db doctor`` passes the app's own).
    """
    root = os.path.abspath(root)

    def show(path: str) -> str:
        return os.path.relpath(os.path.abspath(path), root)

    walk = _walk(root, migrations)
    uses = _uses(walk.python, (b"flask_sqlalchemy", b"flask.ext.sqlalchemy"), (b"flask_login", b"flask.ext.login"),
                 (b"MigrateCommand",))
    uses_flask_sqlalchemy, uses_flask_login, uses_manage_py = uses
    findings: List[Finding] = []
    edits: Dict[str, List[Edit]] = {}
    for path in walk.python:  # one file at a time: a large project's trees are never all in memory
        file = read_source(path)
        if file.tree is None:
            code = "not-read" if file.problem.startswith(("larger than", "Permission", "Is a directory")) or \
                not file.source else "code-does-not-parse"
            findings.append(finding(code, show(path), "%s (%s)" % (
                "Python 3 cannot parse it" if code == "code-does-not-parse" else "not read", file.problem)))
            continue
        found = audit_code(file, show(path), uses_flask_sqlalchemy=uses_flask_sqlalchemy,
                           uses_flask_login=uses_flask_login)
        if file.undecodable_line:  # --fix cannot write back bytes it could not read
            found = [each._replace(fixable=False, edits=()) for each in found]
        findings.extend(found)
    for path in walk.requirements:
        text = _read_text(path)
        if text is None:
            findings.append(finding("not-read", show(path), "not read (it cannot be opened)"))
            continue
        findings.extend(audit_requirements(path, show(path), text, uses_manage_py=uses_manage_py))
    for folder in walk.migrations:
        findings.extend(audit_folder(folder, show))
    for path, why in walk.unreadable:
        findings.append(finding("not-read", show(path), "not read (%s)" % why))
    for each in findings:  # every finding names its file relative to root
        if each.fixable:
            edits.setdefault(os.path.join(root, file_of(each)), []).extend(each.edits)
    return ProjectReport(findings, edits)


def review_migrations(root: str, directory: str, against: Optional[str], review_all: bool,
                      verify_url: Optional[str] = None) -> List[Finding]:
    """Review the migrations folder ``directory`` before a merge: what the branch changes against git ``against``
    (``branch_review``) and the lock safety of the revisions it adds, or of every revision (``lock_review``)."""
    root = os.path.abspath(root)
    findings: List[Finding] = []
    reviewed = revision_files(directory) if review_all or against is None else []
    if against is not None:
        branch = review_branch(directory, against)
        findings.extend(branch.findings)
        if not review_all:
            reviewed = branch.added
    walk = _walk(root, [directory])
    migrations = os.path.realpath(directory)
    models = mapped_columns(file.tree for file in (read_source(path) for path in walk.python
                                                   if not os.path.realpath(path).startswith(migrations + os.sep))
                            if file.tree is not None)
    lock_findings: List[Finding] = []
    for path in reviewed:
        file = read_source(path)
        if file.tree is not None:
            lock_findings.extend(review_revision(file.source, file.tree, os.path.relpath(path, root), models))
    findings.extend(lock_findings)
    if needs_lock_timeout(lock_findings) and not _uses(walk.python, (b"MIGRATE_DDL_LOCK_TIMEOUT",))[0] and \
            "MIGRATE_DDL_LOCK_TIMEOUT" not in os.environ:
        findings.append(finding("no-lock-timeout", "", "the reviewed revisions take locks a busy table feels, and "
                                "nothing sets MIGRATE_DDL_LOCK_TIMEOUT"))
    if verify_url is not None:
        from .lock_verify import verify

        findings = verify(findings, root, directory, verify_url)
    return findings


def _uses(paths: List[str], *markers: Tuple[bytes, ...]) -> List[bool]:
    """Tell, for each group of markers, whether any of the files mentions one (a project-wide fact)."""
    found = [False] * len(markers)
    for path in paths:
        try:
            with open(path, "rb") as handle:
                text = handle.read()
        except OSError:
            continue
        for index, group in enumerate(markers):
            found[index] = found[index] or any(marker in text for marker in group)
        if all(found):
            break
    return found


def file_of(found: Finding) -> str:
    """Return the file a finding names (its ``where`` without the line)."""
    path, _, line = found.where.rpartition(":")
    return path if path and line.isdigit() else found.where


def _read_text(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return handle.read(4 * 1024 * 1024).decode("utf-8", "replace")
    except OSError:
        return None


def doctor_project(root: str, migrations: List[str], fix: bool, write: bool, out: "Output",
                   command: str) -> List[Finding]:
    """Read the project; with ``fix``, show (or ``write``) the certain rewrites; return what is left to report."""
    from .fixer import fix_files

    found = audit_project(root, migrations)
    if fix:
        changed = fix_files(found.edits, write, out, lambda path: os.path.relpath(path, root))
        sys.stderr.write("%s --fix %s %d file(s)\n" % (
            command, "rewrote" if write else "would rewrite (add --write to write them)", changed))
        if write and changed:
            found = audit_project(root, migrations)  # what is left
    return found.findings


def merge_findings(first: List[Finding], then: List[Finding]) -> List[Finding]:
    """Return ``then`` after ``first``, leaving out what ``first`` already says of the same place."""
    said = {(each.code, each.where) for each in first}
    return [each for each in then if (each.code, each.where) not in said] + first


def all_checks() -> List[Check]:
    """Return every check (this module imports each module that declares them)."""
    return list(CHECKS.values())


def rules_table() -> str:
    """Return README's table of rules (Markdown), one row per check, grouped by what it reads."""
    order = {scope: index for index, (scope, _) in enumerate(SCOPES)}
    rows = ["| code | severity | reads | release | finds | `--fix` |", "| --- | --- | --- | --- | --- | --- |"]
    for check in sorted(all_checks(), key=lambda c: (order[c.scope], c.code)):
        rows.append("| `%s` | %s | %s | %s | %s | %s |" % (
            check.code, check.severity, check.scope, check.release or "", check.summary.replace("|", "\\|"),
            "rewrites" if check.fixable else ""))
    return "\n".join(rows) + "\n"

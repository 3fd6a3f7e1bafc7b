"""The doctor's reading of a project's requirement files: dead packages, pins that cap the stack or cannot install.

Read line by line (requirements*.txt, setup.py, setup.cfg, pyproject.toml,
Pipfile), never resolved or installed: each finding names the file and line.
The facts are from the packages' own metadata (Requires-Python, Requires-Dist)
and changelogs, by release.
"""

import re
import sys
from typing import Iterator, List, NamedTuple, Optional, Tuple

from .checks import Finding, declare, finding

declare("requirement-flask-script", "fail", "requirements", "Flask-Script required",
        "replace the line with flask-migrate-legacy, which gives manage.py the same Manager", "Flask 2.0.0")
declare("requirement-flask-migrate-2", "fail", "requirements",
        "Flask-Migrate required by a project whose manage.py uses MigrateCommand",
        "replace the line with flask-migrate-legacy (installed beside it, the real one is imported instead)",
        "Flask-Migrate 3.0.0")
declare("requirement-dead", "fail", "requirements", "a package that no longer imports on today's stack",
        "replace it as the finding says")
declare("requirement-caps-stack", "may", "requirements", "a pin or upper bound that holds the stack back",
        "raise or remove the bound (see the finding)")
declare("requirement-needs-newer-python", "fail", "requirements", "a pinned release that cannot install on "
        "this Python", "pin a release that supports this Python, or move to a newer Python")


class Requirement(NamedTuple):
    """One requirement as written: its name, its bounds, and where."""

    name: str  # normalised: lower case, "-" for "_" and "."
    line: int
    pinned: Optional[Tuple[int, ...]]  # ==X
    below: Optional[Tuple[int, ...]]  # <X, <=X (as X), ~=X.Y (as X+1), ==X
    at_least: Optional[Tuple[int, ...]]  # >=X, ==X, ~=X


class Cap(NamedTuple):
    """A bound below ``version`` on ``package`` holds back the stack, for ``reason``."""

    package: str
    version: Tuple[int, ...]
    reason: str


CAPS = [
    Cap("sqlalchemy", (2, 0), "Flask-SQLAlchemy 3.1.0 needs SQLAlchemy 2.0.16+ and Alembic 1.20 needs 2.0+ "
        "(their Requires-Dist); the legacy API calls the doctor lists are what stands in the way"),
    Cap("flask-sqlalchemy", (3, 0), "Flask-SQLAlchemy 2.5.1, the last 2.x, reads sqlalchemy.__all__, which "
        "SQLAlchemy 2.0 no longer has (AttributeError at import)"),
    Cap("flask", (2, 2), "Flask-SQLAlchemy 3.0.0 needs Flask 2.2+; Flask 1.x imports jinja2.Markup, removed in "
        "Jinja 3.1.0"),
    Cap("alembic", (1, 9), "this package needs Alembic 1.9+"),
    Cap("jinja2", (3, 0), "Flask 2.0 and later need Jinja2 3.0+ (their Requires-Dist)"),
    Cap("werkzeug", (2, 2), "Flask 2.2 and later need Werkzeug 2.2.2+ (its Requires-Dist)"),
    Cap("itsdangerous", (2, 0), "Flask 2.0 and later need itsdangerous 2.0+ (their Requires-Dist)"),
]

#: (package, first release, the Python it needs), from each release's Requires-Python.
NEEDS_PYTHON = [
    ("sqlalchemy", (2, 1), (3, 11)),
    ("alembic", (1, 17), (3, 10)),
    ("flask", (3, 1), (3, 9)),
    ("werkzeug", (3, 1), (3, 9)),
    ("wtforms", (3, 2), (3, 9)),
]

#: Packages that no longer import on today's stack, with their successor.
DEAD = {
    "flask-cache": "Flask-Cache 0.13.1, its last release (2014), imports werkzeug.contrib.cache, removed in "
                   "Werkzeug 1.0.0: use Flask-Caching",
}

_REQUIREMENT = re.compile(r"""^\s*["']?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*"""
                          r"""((?:(?:==|>=|<=|~=|!=|<|>)\s*[0-9][\w.*+!-]*\s*,?\s*)*)""")
_PIPFILE_ENTRY = re.compile(r"""^\s*["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?\s*=\s*["']([^"']*)["']""")
_BOUND = re.compile(r"(==|>=|<=|~=|!=|<|>)\s*([0-9][\w.*+!-]*)")


def normalised(name: str) -> str:
    """Return a distribution name as PyPI compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def version_tuple(text: str) -> Tuple[int, ...]:
    """Return the leading numbers of a version ("2.0.16" -> (2, 0, 16); "1.4.*" -> (1, 4))."""
    numbers = []
    for part in text.split("."):
        found = re.match(r"\d+", part)
        if not found:
            break
        numbers.append(int(found.group()))
    return tuple(numbers)


def parse_bounds(name: str, specifiers: str, line: int) -> Requirement:
    """Read the bounds of one requirement."""
    pinned = below = at_least = None
    for operator, version in _BOUND.findall(specifiers):
        value = version_tuple(version)
        if operator == "==" and "*" not in version:
            pinned = below = at_least = value
        elif operator == "==":  # ==1.4.*
            below = value[:-1] + (value[-1] + 1,) if value else None
            at_least = value
        elif operator in ("<", "<="):
            below = value
        elif operator == "~=":
            at_least = value
            below = value[:-2] + (value[-2] + 1,) if len(value) >= 2 else None
        elif operator == ">=":
            at_least = value
    return Requirement(normalised(name), line, pinned, below, at_least)


def read_requirements(path: str, text: str) -> Iterator[Requirement]:
    """Yield the requirements written in a requirement file of any of the usual kinds."""
    base = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    pipfile = base == "pipfile"
    in_packages = not pipfile
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        if pipfile:
            if stripped.startswith("["):
                in_packages = stripped in ("[packages]", "[dev-packages]")
                continue
            found = _PIPFILE_ENTRY.match(stripped)
            if in_packages and found:
                yield parse_bounds(found.group(1), found.group(2), number)
            continue
        if base.endswith(".txt"):
            if stripped.startswith(("-", "http:", "https:", "git+", ".", "/")):
                continue  # options, URLs and paths
            found = _REQUIREMENT.match(stripped)
            if found:
                yield parse_bounds(found.group(1), found.group(3), number)
            continue
        # setup.py, setup.cfg, pyproject.toml: quoted requirement strings (or cfg lines) that carry a bound
        candidates = re.findall(r"""["']([A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*(?:[<>=!~][^"']*)?)["']""",
                                stripped) if base != "setup.cfg" else [stripped]
        for candidate in candidates:
            found = _REQUIREMENT.match(candidate)
            if found and (found.group(3) or normalised(found.group(1)) in _NAMED_ALONE):
                yield parse_bounds(found.group(1), found.group(3), number)


#: Packages that are findings even unbounded (in setup.py and TOML a bare name may be anything: only these count).
_NAMED_ALONE = {"flask-script", "flask-migrate", "flask-cache"}


def audit_requirements(path: str, shown: str, text: str, python: Tuple[int, int] = sys.version_info[:2],
                       uses_manage_py: bool = True) -> List[Finding]:
    """Return the findings of one requirement file."""
    findings = []
    for requirement in read_requirements(path, text):
        where = "%s:%d" % (shown, requirement.line)
        name = requirement.name
        if name == "flask-script":
            findings.append(finding("requirement-flask-script", where, "Flask-Script 2.0.6, its last release, "
                                    "imports flask._compat, removed in Flask 2.0.0"))
        elif name == "flask-migrate" and uses_manage_py:
            findings.append(finding("requirement-flask-migrate-2", where, "installed, the real Flask-Migrate is "
                                    "what `flask_migrate` imports: 3.0.0 and later have no MigrateCommand "
                                    "(ImportError), 2.x runs without this package's lock and checks"))
        elif name in DEAD:
            findings.append(finding("requirement-dead", where, DEAD[name]))
        for cap in CAPS:
            if name == cap.package and requirement.below is not None and requirement.below <= cap.version:
                findings.append(finding("requirement-caps-stack", where, "%s is held below %s: %s" % (
                    name, ".".join(map(str, cap.version)), cap.reason)))
        for package, first, needs in NEEDS_PYTHON:
            release = requirement.at_least if requirement.pinned else None
            if name == package and release is not None and release >= first and python < needs:
                findings.append(finding("requirement-needs-newer-python", where, "%s %s needs Python %s+ (its "
                                        "Requires-Python); this is Python %s" % (
                                            name, ".".join(map(str, release)), ".".join(map(str, needs)),
                                            ".".join(map(str, python)))))
    return findings

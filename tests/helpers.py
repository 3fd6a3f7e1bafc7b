"""Shared test helpers: write a small legacy project, run its CLIs as a user would."""

import locale
import os
import subprocess
import sys
import textwrap
from typing import Dict, List, Optional, Sequence

import warm as warm_processes

APP_TEMPLATE = '''\
import json
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_migrate import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
if os.environ.get("DATABASE_BINDS"):
    app.config["SQLALCHEMY_BINDS"] = json.loads(os.environ["DATABASE_BINDS"])
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
db = SQLAlchemy(app)
migrate = Migrate(app, db{migrate_args})

{models}
'''

#: The classic manage.py (Flask-Script + Flask-Migrate 2.x); benchmarks/ generates its projects from it too.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "projects", "manage.py"), encoding="utf-8") as _handle:
    MANAGE_TEMPLATE = _handle.read()

USER_MODEL = '''
class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64))
'''

USER_WITH_EMAIL = USER_MODEL + '''    email = db.Column(db.String(120))
'''

#: Users in the main database, an audit log in the "audit" bind.
USER_AND_AUDIT_EVENT = USER_MODEL + '''

class AuditEvent(db.Model):
    __bind_key__ = "audit"
    __tablename__ = "audit_events"
    id = db.Column(db.Integer, primary_key=True)
    what = db.Column(db.String(200))
'''


def write_project(folder: str, models: str = USER_MODEL, migrate_args: str = "", manage: str = MANAGE_TEMPLATE) -> None:
    """Write app.py (the app, db, models) and manage.py (the legacy CLI) into ``folder``."""
    with open(os.path.join(folder, "app.py"), "w") as handle:
        handle.write(APP_TEMPLATE.format(models=textwrap.dedent(models), migrate_args=migrate_args))
    with open(os.path.join(folder, "manage.py"), "w") as handle:
        handle.write(manage)


def clean_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Return an environment for a child process without this test run's noise."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTEST_"))}
    env.pop("PYTHONPATH", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def run(args: Sequence[str], cwd: str, env: Optional[Dict[str, str]] = None, input: Optional[str] = None,
        timeout: float = 120, warm: bool = False) -> subprocess.CompletedProcess:
    """Run a command to completion and return it with text output (as ``subprocess.run(text=True)``).

    ``warm``: a ``python ...`` command line runs as a process forked from a warm
    interpreter (``warm.py``); cold, it starts from nothing (what start-up shows).
    """
    if not warm:
        return subprocess.run(
            list(args), cwd=cwd, env=clean_env(env), input=input, capture_output=True, text=True, timeout=timeout
        )
    encoding = locale.getpreferredencoding(False)
    done = warm_processes.run(list(args), cwd, clean_env(env), None if input is None else input.encode(encoding),
                              timeout)
    return subprocess.CompletedProcess(done.args, done.returncode, _text(done.stdout, encoding),
                                       _text(done.stderr, encoding))


def _text(data: bytes, encoding: str) -> str:
    """Decode as ``subprocess.run(text=True)`` does: the locale's encoding, universal newlines."""
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


def manage(folder: str, *args: str, env: Optional[Dict[str, str]] = None, input: Optional[str] = None,
           script: str = "manage.py", warm: bool = True) -> subprocess.CompletedProcess:
    """Run ``python manage.py ARGS`` in ``folder`` as a real process (forked warm unless ``warm=False``)."""
    return run([sys.executable, script] + list(args), folder, env, input=input, warm=warm)


def flask_db(folder: str, *args: str, env: Optional[Dict[str, str]] = None,
             warm: bool = True) -> subprocess.CompletedProcess:
    """Run ``flask db ARGS`` in ``folder`` with FLASK_APP=app.py as a real process (forked warm by default)."""
    extra = dict(env or {}, FLASK_APP="app.py")
    return run([sys.executable, "-m", "flask", "db"] + list(args), folder, extra, warm=warm)


def _shown(result: subprocess.CompletedProcess) -> str:
    # Lone surrogates (bytes of a non-UTF-8 path) would stop pytest-xdist from reporting the failure.
    text = "exit %s\nstdout:\n%s\nstderr:\n%s" % (result.returncode, result.stdout, result.stderr)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def assert_ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """Fail with the child's output unless it exited 0."""
    assert result.returncode == 0, _shown(result)
    return result


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str, code: int = 1) -> str:
    """Check a clean failure: exit ``code``, no traceback, an ``Error:`` line holding ``fragments``."""
    assert result.returncode == code, _shown(result)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def version_files(folder: str, directory: str = "migrations") -> List[str]:
    """Return the revision files of a migrations folder."""
    versions = os.path.join(folder, directory, "versions")
    return sorted(f for f in os.listdir(versions) if f.endswith(".py"))


def flask_sqlalchemy_major() -> int:
    """Return the major version of the installed Flask-SQLAlchemy."""
    import importlib.metadata

    return int(importlib.metadata.version("Flask-SQLAlchemy").split(".")[0])


def table_names(url: str) -> set:
    """Return the names of the tables in the database at ``url``."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def revision_in(url: str) -> Optional[str]:
    """Return the revision stamped in the database at ``url`` (None before the first upgrade)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        if "alembic_version" not in sa.inspect(engine).get_table_names():
            return None
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def upgraded_to_r1(folder: str, url: str) -> Dict[str, str]:
    """Write the project, migrate its users model as revision r1 and upgrade ``url`` to it; return its env."""
    from inprocess import manage_in_process

    write_project(folder)
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    assert_ok(manage_in_process(folder, "db", "migrate", "-m", "users", "--rev-id", "r1", env=env))
    assert_ok(manage_in_process(folder, "db", "upgrade", env=env))
    return env


def calls_recorded(monkeypatch, owner, name: str) -> list:
    """Record the arguments of each call of ``owner.name`` (which still runs) for the test's inspection."""
    calls: list = []
    real = getattr(owner, name)

    def recorded(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(owner, name, recorded)
    return calls

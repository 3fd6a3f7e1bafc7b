"""Property: whatever argv a user types, manage.py exits 0, 1 or 2 and never shows a traceback.

The in-process test runs the same Manager.run() that manage.py runs, against a
real project (SQLite, a migrations folder with revisions), so it can try
hundreds of command lines; a smaller subprocess test checks the real process.
"""

import contextlib
import io
import os
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import assert_ok, manage

WORDS = [
    "db", "init", "migrate", "revision", "upgrade", "downgrade", "current", "history", "heads", "branches",
    "show", "stamp", "check", "merge", "edit", "list-templates", "hello", "--name", "-n", "--loud", "-l",
    "-m", "--message", "--sql", "--tag", "-d", "--directory", "-x", "--x-arg", "-r", "--rev-range", "-v",
    "--verbose", "-i", "--purge", "--autogenerate", "--head", "--splice", "--branch-label", "--rev-id",
    "--resolve-dependencies", "--multidb", "-t", "--template", "--package", "--help", "-?", "-h",
    "head", "heads", "base", "-1", "+1", "+2", "base:head", "head:base", ":", "aaaa00000001", "aaaa",
    "zzzz", "flask", "x=1", "--nope", "-q", "", " ", "--", "=", "%", "%%(here)s", "ünïcode",
]

# Free text stays inside the test's folder: no absolute paths, no climbing out of it.
SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\~\x00"),
                    max_size=12).filter(lambda text: ".." not in text)
ARGV = st.lists(st.one_of(st.sampled_from(WORDS), SAFE_TEXT), max_size=6)


@pytest.fixture(scope="module")
def legacy_manager(tmp_path_factory):
    """A Manager over a Flask app with a migrations folder of two revisions, as manage.py builds it."""
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_migrate_legacy import Migrate, MigrateCommand
    from flask_migrate_legacy.script import Manager

    folder = tmp_path_factory.mktemp("fuzz")
    app = Flask("fuzzapp")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(folder / "app.sqlite")
    db = SQLAlchemy(app)

    class User(db.Model):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)

    Migrate(app, db, directory=str(folder / "migrations"))
    manager = Manager(app, with_default_commands=False)
    manager.add_command("db", MigrateCommand)

    @manager.option("-n", "--name", dest="name", default="world")
    @manager.option("-l", "--loud", dest="loud", action="store_true")
    def hello(name, loud):
        print(("hello %s" % name).upper() if loud else "hello %s" % name)

    old_cwd = os.getcwd()
    os.chdir(str(folder))
    try:
        for argv in (["db", "init"], ["db", "revision", "--rev-id", "aaaa00000001"],
                     ["db", "revision", "--rev-id", "aaaa00000002"]):
            assert run_manager(manager, argv)[0] == 0
        # The harness sees what manage.py would show.
        assert "aaaa00000002 (head)" in run_manager(manager, ["db", "heads"])[1]
        code, _, err = run_manager(manager, ["db", "upgrade", "zzzz"])
        assert code == 1 and "Error: Can't locate revision identified by 'zzzz'" in err
        assert run_manager(manager, ["db", "nope"])[0] == 2
        yield manager, str(folder)
    finally:
        os.chdir(old_cwd)
        with app.app_context():
            db.engine.dispose()  # Python 3.13 warns about pooled connections left unclosed


def run_manager(manager, argv):
    """Run ``manage.py ARGV`` in-process; return (exit code, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    saved_argv = sys.argv
    sys.argv = ["manage.py"] + list(argv)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                manager.run()
                code = 0
            except SystemExit as exc:
                code = exc.code
    finally:
        sys.argv = saved_argv
    return code, stdout.getvalue(), stderr.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=ARGV)
def test_any_argv_exits_0_1_or_2_without_traceback(legacy_manager, monkeypatch_env, argv):
    manager, folder = legacy_manager
    code, out, err = run_manager(manager, argv)
    assert code in (0, 1, 2, None), (argv, code, err)
    assert "Traceback" not in out + err, (argv, err)
    if code == 1:
        assert err.strip(), (argv, "exit 1 without a message")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=ARGV)
def test_any_db_argv_exits_0_1_or_2_without_traceback(legacy_manager, monkeypatch_env, argv):
    manager, folder = legacy_manager
    code, out, err = run_manager(manager, ["db"] + argv)
    assert code in (0, 1, 2, None), (argv, code, err)
    assert "Traceback" not in out + err, (argv, err)


@pytest.fixture(scope="module")
def monkeypatch_env():
    """No editor opens, no traceback is requested, for the whole module."""
    saved = {key: os.environ.get(key) for key in ("EDITOR", "VISUAL", "FLASK_MIGRATE_LEGACY_TRACEBACK")}
    os.environ["EDITOR"] = os.environ["VISUAL"] = "true"
    os.environ.pop("FLASK_MIGRATE_LEGACY_TRACEBACK", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(argv=st.one_of(ARGV, ARGV.map(lambda argv: ["db"] + argv)))
def test_real_manage_py_process(project, sqlite_url, argv):
    env = {"DATABASE_URL": sqlite_url, "EDITOR": "true"}
    if not os.path.isdir(os.path.join(project, "migrations")):
        assert_ok(manage(project, "db", "init", env=env))
    result = manage(project, *argv, env=env, input="")
    assert result.returncode in (0, 1, 2), (argv, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr, (argv, result.stderr)

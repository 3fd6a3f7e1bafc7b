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
from helpers import assert_ok, manage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


@pytest.mark.e2e
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


# -- examples drawn from the command table, each on a fresh project -----------------------------

from flask_migrate_legacy import arguments  # noqa: E402
from flask_migrate_legacy.subcommands import SUBCOMMANDS  # noqa: E402

VALUES = {
    "directory": ["migrations", "migrations", "migrations", "nowhere", "migrations/versions"],
    "message": ["first", "", "ünïcode msg", "%(rev)s"],
    "template": ["flask", "flask-multidb", "nope", "./nope"],
    "tag": ["release-1"],
    "head": ["head", "base", "r1", "zzzz", "r1@head"],
    "branch_label": ["feature", "r1"],
    "version_path": ["migrations/versions", "nowhere"],
    "rev_id": ["r9", "r1", "bad id"],
    "rev_range": ["r1:", ":r2", "base:head", "zzzz:"],
    "x_arg": ["a=1", "database=sqlite://"],
    "format": ["text", "json", "xml"],
    "against": ["HEAD", "nosuch"],
    "verify": ["sqlite:///x.db", "not a url"],
}
REVISIONS = ["head", "heads", "base", "-1", "+1", "r1", "r2", "zzzz", "r1:r2", "head:base"]


@st.composite
def table_argv(draw):
    """A db command line made of one subcommand and a random choice of its real options."""
    subcommand = draw(st.sampled_from(SUBCOMMANDS))
    argv = ["db", subcommand.name]
    for argument in subcommand.arguments:
        if isinstance(argument, arguments.RequiredPositional):
            if draw(st.integers(0, 9)):  # mostly given
                argv.append(draw(st.sampled_from(REVISIONS)))
            continue
        if not draw(st.booleans()):
            continue
        if isinstance(argument, arguments.Flag):
            argv.append(draw(st.sampled_from(argument.flags)))
        elif isinstance(argument, arguments.Value):  # Repeated too
            argv += [draw(st.sampled_from(argument.flags)), draw(st.sampled_from(VALUES[argument.name]))]
        elif isinstance(argument, arguments.OptionalPositional):
            argv.append(draw(st.sampled_from(REVISIONS)))
        else:
            argv += draw(st.lists(st.sampled_from(REVISIONS), max_size=3))
    return argv


def snapshot(folder, url):
    """Every file (name and bytes) and every table (rows) of a project, to compare before and after."""
    import sqlalchemy as sa

    files = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [name for name in dirnames if name != "__pycache__"]
        for name in filenames:
            if name.endswith((".migrate-lock", ".pyc")) or name == "app.sqlite":
                continue
            with open(os.path.join(dirpath, name), "rb") as handle:
                files[os.path.relpath(os.path.join(dirpath, name), folder)] = handle.read()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(sa.inspect(connection).get_table_names())
            tables = {name: sorted(map(tuple, connection.execute(sa.text('SELECT * FROM "%s"' % name))))
                      for name in names}
    finally:
        engine.dispose()
    return files, tables


def fresh_manager(folder):
    """A Manager for the project in ``folder``, as its manage.py would build it."""
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_migrate_legacy import Migrate, MigrateCommand
    from flask_migrate_legacy.script import Manager

    app = Flask("tableapp")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(folder, "app.sqlite")
    db = SQLAlchemy(app)

    class User(db.Model):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(20))

    Migrate(app, db)
    manager = Manager(app, with_default_commands=False)
    manager.add_command("db", MigrateCommand)
    return manager, app, db


def test_examples_from_the_command_table_fail_without_changing_anything(tmp_path, monkeypatch_env):
    import shutil

    from flask_migrate_legacy import operations

    template = str(tmp_path / "template")
    os.mkdir(template)
    old_cwd = os.getcwd()
    os.chdir(template)
    try:
        manager, app, db = fresh_manager(template)
        for argv in (["db", "init"], ["db", "revision", "--rev-id", "r1", "-m", "one"]):
            assert run_manager(manager, argv)[0] == 0
        with app.app_context():
            db.engine.dispose()
    finally:
        os.chdir(old_cwd)

    seen = {"examples": 0, "reached alembic": 0, "failed": 0, "run an alembic command": 0}
    # init, list-templates and doctor call Alembic otherwise (or not at all): not counted in the share
    not_through_run = {"init", "list-templates", "doctor"}
    real_run = operations._run

    def counting_run(*args, **kwargs):
        seen["reached alembic"] += 1
        return real_run(*args, **kwargs)

    monkeypatch_attr = pytest.MonkeyPatch()
    monkeypatch_attr.setattr(operations, "_run", counting_run)

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(argv=table_argv())
    def example(argv):
        folder = str(tmp_path / ("example-%d" % seen["examples"]))
        seen["examples"] += 1
        seen["run an alembic command"] += argv[1] not in not_through_run
        shutil.copytree(template, folder)
        url = "sqlite:///" + os.path.join(folder, "app.sqlite")
        before = snapshot(folder, url)
        os.chdir(folder)
        try:
            manager, app, db = fresh_manager(folder)
            code, out, err = run_manager(manager, argv)
            with app.app_context():
                db.engine.dispose()
        finally:
            os.chdir(old_cwd)
        assert code in (0, 1, 2, None), (argv, code, err)
        assert "Traceback" not in out + err, (argv, err)
        if code not in (0, None):
            seen["failed"] += 1
            assert err.strip(), (argv, "failed without a message")
            after = snapshot(folder, url)
            if "alembic_version" not in before[1] and after[1].get("alembic_version") == []:
                del after[1]["alembic_version"]  # Alembic creates its empty version table before resolving
            assert after == before, (argv, "a failure changed the project", err)
        shutil.rmtree(folder)

    try:
        example()
    finally:
        monkeypatch_attr.undo()
    print("table examples:", seen)
    assert seen["failed"] > 10, seen  # the failure path really was exercised
    # most examples of the subcommands that run an Alembic command got as far as running it
    assert seen["reached alembic"] > seen["run an alembic command"] / 2, seen

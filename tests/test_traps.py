"""Traps of the new stack, end to end: SQLite files that moved, URIs changed after start-up, drivers.

Real processes on real files. Where Flask-SQLAlchemy 2.5 and 3.x differ, both
are tested (CI's legacy leg runs this file on 2.5): 2.5 has neither trap.
"""

import os
import sqlite3
import textwrap

import pytest
from helpers import USER_AND_AUDIT_EVENT, assert_ok, flask_sqlalchemy_major, manage, table_names, write_project
from inprocess import manage_in_process

needs_fsa3 = pytest.mark.skipif(flask_sqlalchemy_major() < 3, reason="Flask-SQLAlchemy 2 keeps relative paths and rebuilds engines")

MANAGE = '''\
import os
import sqlalchemy
from flask_script import Manager
from flask_migrate import MigrateCommand, upgrade

from app import app, db

manager = Manager(app)
manager.add_command("db", MigrateCommand)


@manager.command
def count():
    "Count the users."
    print("users:", db.session.execute(sqlalchemy.text("SELECT count(*) FROM users")).scalar())


@manager.command
def testdb(path):
    "Point the app at a test database, as 2015-2019 test runners did, and build it."
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.abspath(path)
    db.create_all()
    print("created")


@manager.command
def deploy(path):
    "Migrate another database."
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.abspath(path)
    upgrade()


if __name__ == "__main__":
    manager.run()
'''


def make_project(folder, models=None):
    write_project(folder, manage=MANAGE, **({"models": models} if models else {}))
    return folder


def make_sqlite(path, table="users"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE %s (id INTEGER PRIMARY KEY)" % table)
    connection.commit()
    connection.close()


def one_error_line(result):
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: ") and "Traceback" not in result.stderr, result.stderr
    return lines[-1]


def app_file(folder, name="app.db"):
    """The file a relative sqlite:///NAME opens: in the instance folder since Flask-SQLAlchemy 3."""
    if flask_sqlalchemy_major() >= 3:
        return os.path.join(folder, "instance", name)
    return os.path.join(folder, name)


# -- 1. an old env.py and the app work on the same file ----------------------------------------


def test_an_old_env_reading_the_uri_migrates_the_file_the_app_opens(tmp_path):
    from test_legacy_envs import use_legacy_env

    folder = make_project(str(tmp_path))
    env = {"DATABASE_URL": "sqlite:///app.db"}
    use_legacy_env(folder, "v1_config_uri.py", env=env)
    migrated = assert_ok(manage_in_process(folder, "db", "migrate", "-m", "users", env=env))
    upgraded = assert_ok(manage_in_process(folder, "db", "upgrade", env=env))
    assert "Warning" not in migrated.stderr + upgraded.stderr
    assert "users" in table_names("sqlite:///" + app_file(folder))
    if flask_sqlalchemy_major() >= 3:
        assert not os.path.exists(os.path.join(folder, "app.db"))  # nothing migrated beside the app
    assert assert_ok(manage_in_process(folder, "count", env=env)).stdout == "users: 0\n"


# -- 2. data where Flask-SQLAlchemy 2 kept it, an empty file where 3 looks ---------------------------


@needs_fsa3
@pytest.mark.parametrize("subcommand", [["upgrade"], ["current"], ["migrate", "-m", "x"], ["stamp", "head"]])
def test_db_subcommands_refuse_while_the_data_is_in_the_old_file(tmp_path, subcommand):
    folder = make_project(str(tmp_path))
    env = {"DATABASE_URL": "sqlite:///app.db"}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    make_sqlite(os.path.join(folder, "app.db"))
    line = one_error_line(manage_in_process(folder, "db", *subcommand, env=env))
    assert line.startswith("Error: SQLALCHEMY_DATABASE_URI 'sqlite:///app.db' now opens %s" % app_file(folder))
    assert "which is missing, while your data is in %s" % os.path.join(folder, "app.db") in line
    assert "Move that file to %s, or make the URI absolute: 'sqlite:///%s'" % (
        app_file(folder), os.path.join(folder, "app.db")) in line
    assert line.endswith("Nothing was changed.")
    assert not os.path.exists(app_file(folder))


@needs_fsa3
def test_other_commands_warn_once_before_using_the_empty_file(tmp_path):
    folder = make_project(str(tmp_path))
    env = {"DATABASE_URL": "sqlite:///app.db"}
    make_sqlite(os.path.join(folder, "app.db"))
    result = manage_in_process(folder, "count", env=env)  # fails on the empty file, but the user was told why
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 1, result.stderr
    assert "while your data is in %s" % os.path.join(folder, "app.db") in warnings[0]
    quiet = assert_ok(manage_in_process(folder, "shell", env=env, input="print('no database used')\n"))
    assert "Warning" not in quiet.stderr


@needs_fsa3
@pytest.mark.parametrize("fix", ["move", "absolute"])
def test_either_fix_brings_the_data_back(tmp_path, fix):
    folder = make_project(str(tmp_path))
    env = {"DATABASE_URL": "sqlite:///app.db"}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    make_sqlite(os.path.join(folder, "app.db"))
    connection = sqlite3.connect(os.path.join(folder, "app.db"))  # `with` would commit but not close
    connection.execute("INSERT INTO users (id) VALUES (1)")
    connection.commit()
    connection.close()
    if fix == "move":
        os.makedirs(os.path.join(folder, "instance"), exist_ok=True)
        os.rename(os.path.join(folder, "app.db"), app_file(folder))
    else:
        env = {"DATABASE_URL": "sqlite:///" + os.path.join(folder, "app.db")}
    assert "Error" not in assert_ok(manage_in_process(folder, "db", "current", env=env)).stderr
    counted = assert_ok(manage_in_process(folder, "count", env=env))
    assert counted.stdout == "users: 1\n" and "Warning" not in counted.stderr


@pytest.mark.parametrize("case", ["absolute", "memory", "fresh", "both-have-data"])
def test_no_refusal_where_nothing_moved_or_nothing_would_be_lost(tmp_path, case):
    folder = make_project(str(tmp_path))
    url = {"absolute": "sqlite:///" + os.path.join(folder, "app.db"), "memory": "sqlite://"}.get(case, "sqlite:///app.db")
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    if case == "absolute":
        make_sqlite(os.path.join(folder, "app.db"), table="kept")
    if case == "both-have-data":
        make_sqlite(os.path.join(folder, "app.db"), table="old_copy")
        make_sqlite(app_file(folder), table="kept")
    result = assert_ok(manage_in_process(folder, "db", "current", env=env))
    assert "Warning" not in result.stderr and "Error" not in result.stderr


@needs_fsa3
def test_with_several_binds_the_refusal_names_the_moved_one(tmp_path):
    import json

    folder = make_project(str(tmp_path), models=USER_AND_AUDIT_EVENT)
    env = {"DATABASE_URL": "sqlite:///" + os.path.join(folder, "main.db"),
           "DATABASE_BINDS": json.dumps({"audit": "sqlite:///audit.db"})}
    assert_ok(manage_in_process(folder, "db", "init", "--multidb", env=env))
    make_sqlite(os.path.join(folder, "audit.db"), table="audit_events")
    line = one_error_line(manage_in_process(folder, "db", "upgrade", env=env))
    assert line.startswith("Error: SQLALCHEMY_BINDS['audit'] 'sqlite:///audit.db' now opens %s"
                           % app_file(folder, "audit.db"))
    assert not os.path.exists(os.path.join(folder, "main.db"))


# -- 3. SQLALCHEMY_DATABASE_URI changed after the app was built ----------------------------------


@needs_fsa3
def test_a_test_runner_that_switches_the_uri_stops_before_touching_the_dev_database(tmp_path):
    folder = make_project(str(tmp_path))
    dev = os.path.join(folder, "dev.db")
    env = {"DATABASE_URL": "sqlite:///" + dev}
    line = one_error_line(manage_in_process(folder, "testdb", "test.db", env=env))
    assert line.startswith("Error: SQLALCHEMY_DATABASE_URI is now sqlite:///%s, but the app's engine was built "
                           "for sqlite:///%s" % (os.path.join(folder, "test.db"), dev))
    assert line.endswith("Stopped before using it.")
    assert not os.path.exists(dev) and not os.path.exists(os.path.join(folder, "test.db"))
    allowed = assert_ok(manage_in_process(folder, "testdb", "test.db", env=dict(env, MIGRATE_ALLOW_STALE_DATABASE_URI="1")))
    assert allowed.stdout == "created\n" and "users" in table_names("sqlite:///" + dev)  # as the user asked


@needs_fsa3
@pytest.mark.parametrize("url", ["sqlite:///file:app.db?uri=true",
                                 "sqlite:///file:shared?mode=memory&cache=shared&uri=true"])
def test_sqlite_in_the_drivers_uri_form_is_not_taken_for_a_switched_uri(tmp_path, url):
    # Flask-SQLAlchemy 3 puts a relative file: URI into the instance folder too: the engine's URL
    # differs from the configured one although nobody switched it, and every command refused.
    folder = make_project(str(tmp_path))
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    assert_ok(manage_in_process(folder, "db", "migrate", "-m", "users", env=env))
    assert_ok(manage_in_process(folder, "db", "upgrade", env=env))
    switched = one_error_line(manage_in_process(folder, "testdb", str(tmp_path / "test.db"), env=env))
    assert "SQLALCHEMY_DATABASE_URI is now" in switched  # a real switch still stops


@needs_fsa3
def test_the_module_functions_refuse_a_switched_uri(tmp_path, make_secret_postgres_url):
    folder = make_project(str(tmp_path))
    url = make_secret_postgres_url()
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    line = one_error_line(manage_in_process(folder, "deploy", "other.db", env=env))
    assert "SQLALCHEMY_DATABASE_URI is now sqlite:///%s" % os.path.join(folder, "other.db") in line
    assert "fml_secret:***@127.0.0.1:5432" in line and "s3cr" not in line and line.endswith("Nothing was changed.")


def test_flask_sqlalchemy_2_rebuilt_engines_so_a_switched_uri_just_works_there(tmp_path):
    if flask_sqlalchemy_major() >= 3:
        pytest.skip("Flask-SQLAlchemy 3 fixes engines at start-up (tested above)")
    folder = make_project(str(tmp_path))
    env = {"DATABASE_URL": "sqlite:///" + os.path.join(folder, "dev.db")}
    assert assert_ok(manage_in_process(folder, "testdb", "test.db", env=env)).stdout == "created\n"
    assert "users" in table_names("sqlite:///" + os.path.join(folder, "test.db"))


# -- 4. drivers that changed -----------------------------------------------------------------------


def test_a_missing_driver_names_the_url_forms_and_packages_that_fix_it(tmp_path, postgres_url):
    import sqlalchemy

    if int(sqlalchemy.__version__.split(".")[0]) < 2:
        pytest.skip("SQLAlchemy 1.x has no psycopg 3 dialect: nothing maps to it")
    folder = make_project(str(tmp_path))
    assert_ok(manage_in_process(folder, "db", "init", env={"DATABASE_URL": postgres_url}))
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(textwrap.dedent("""
        import sys
        sys.modules['psycopg'] = None  # as if only psycopg2 were installed
    """))
    env = {"DATABASE_URL": postgres_url, "PYTHONPATH": str(blocker)}  # postgresql+psycopg://
    line = one_error_line(manage(folder, "db", "current", env=env))  # sitecustomize: a process of its own
    assert line.startswith("Error: the database driver 'psycopg' is not installed: pip install psycopg[binary]")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        assert "psycopg2" not in line
    else:
        assert "or keep psycopg2 with a postgresql+psycopg2:// URL" in line


@needs_fsa3
def test_every_use_of_an_engine_is_checked_and_a_refused_engine_stays_refused(tmp_path):
    """A switch after a first good use is caught too; a refusal holds for the retry, the loop, the teardown."""
    import sqlalchemy
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_migrate_legacy import Migrate
    from flask_migrate_legacy.traps import StaleDatabaseURI

    app = Flask("every")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(tmp_path / "a.db")
    db = SQLAlchemy(app)
    Migrate(app, db)
    try:
        with app.app_context():
            db.session.execute(sqlalchemy.text("SELECT 1"))  # as configured: fine
            db.session.remove()
            app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(tmp_path / "b.db")
            for _ in range(3):  # the pooled connection too: it is checked at every checkout
                with pytest.raises(StaleDatabaseURI):
                    db.session.execute(sqlalchemy.text("SELECT 1"))
                db.session.remove()
            app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(tmp_path / "a.db")
            with pytest.raises(StaleDatabaseURI):  # once refused, refused for the life of the process
                db.session.execute(sqlalchemy.text("SELECT 1"))
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()


@needs_fsa3
def test_a_refusal_belongs_to_its_engine_and_never_reaches_a_later_one(tmp_path):
    """An app factory's test suite builds an app per test: a refused engine's successor (often at the same
    address, once the refused one is gone) must work, and the refusal must go with its engine."""
    import gc

    import sqlalchemy as sa
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_migrate_legacy import Migrate
    from flask_migrate_legacy.traps import StaleDatabaseURI

    def app_on(path):
        app = Flask("factory")
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(path)
        db = SQLAlchemy(app)
        Migrate(app, db)
        return app, db

    refused = set()
    for attempt in range(40):
        app, db = app_on(tmp_path / ("dev%d.db" % attempt))
        with app.app_context():
            refused.add(id(db.engine))
            app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(tmp_path / "test.db")
            with pytest.raises(StaleDatabaseURI):
                db.session.execute(sa.text("SELECT 1"))
            db.session.remove()
            db.engine.dispose()
        del app, db
        gc.collect()
        app, db = app_on(tmp_path / ("next%d.db" % attempt))  # nobody switched this one's URI
        with app.app_context():
            reused = id(db.engine) in refused
            assert db.session.execute(sa.text("SELECT 1")).scalar() == 1, "refused (address reused: %s)" % reused
            db.session.remove()
            db.engine.dispose()
        del app, db
        gc.collect()

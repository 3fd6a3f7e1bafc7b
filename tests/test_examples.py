"""The examples in examples/ run exactly as their docstrings say, on a copy of each."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import sqlalchemy as sa
from helpers import assert_ok, clean_env, flask_sqlalchemy_major, manage, run, table_names, version_files

pytestmark = pytest.mark.e2e  # real processes: what only a process shows

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def flask_script_is_the_real_one(folder):
    """Tell whether flask_script (and so flask.ext.script) is the real Flask-Script here."""
    code = "import flask_script, flask_migrate_legacy.script as ours; print(flask_script is not ours)"
    return assert_ok(run([sys.executable, "-c", code], folder)).stdout.strip() == "True"


def copy_example(name, tmp_path):
    source = os.path.join(EXAMPLES, name)
    target = str(tmp_path / "example")
    if os.path.isdir(source):
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "migrations", "*.sqlite*"))
    else:
        os.makedirs(target)
        shutil.copy(source, target)
    return target



def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_when_up(url, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the server exited with %s: %s" % (process.returncode, process.stderr.read()))
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer within %s s" % timeout)


@pytest.mark.parametrize("database", ["embedded sqlite", "postgresql"])
def test_hello_runs_like_the_tutorial(tmp_path, request, database):
    folder = copy_example("hello.py", tmp_path)
    env = {}
    if database == "postgresql":
        env["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    url = env.get("DATABASE_URL", "sqlite:///" + os.path.join(folder, "hello.sqlite"))

    assert_ok(manage(folder, "db", "init", env=env, script="hello.py"))
    migrate = assert_ok(manage(folder, "db", "migrate", "-m", "initial migration", env=env, script="hello.py"))
    assert "Detected added table 'roles'" in migrate.stderr
    [revision_file] = version_files(folder)
    assert revision_file.endswith("_initial_migration.py")
    assert_ok(manage(folder, "db", "upgrade", env=env, script="hello.py"))
    assert {"roles", "users", "alembic_version"} <= table_names(url)

    shell = assert_ok(manage(folder, "shell", env=env, script="hello.py", input=(
        "db.session.add(User(username='john', role=Role(name='admin')))\n"
        "db.session.commit()\n"
        "print(User.query.one().role.name, app.name)\n")))
    if flask_script_is_the_real_one(folder):
        # flask.ext.script is flask_script: the real one prompts even when its input is piped
        assert shell.stdout.replace(">>>", "").split() == ["admin", "hello"]
    else:
        assert shell.stdout.strip() == "admin hello"

    port = free_port()
    with subprocess.Popen([sys.executable, "hello.py", "runserver", "-p", str(port)], cwd=folder,
                          env=clean_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert get_when_up("http://127.0.0.1:%d/" % port, server) == "<h1>Hello, 1 users!</h1>"
        finally:
            server.terminate()
            server.communicate(timeout=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def factory_config(request, tmp_path):
    """A config file for the factory example's -c option, and its database URL."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path / "production.sqlite")
    else:
        url = request.getfixturevalue("postgres_url")
    path = tmp_path / "production.cfg"
    path.write_text("SQLALCHEMY_DATABASE_URI = %r\n" % url)
    return str(path), url


def test_factory_example_deploys_with_a_config_file(tmp_path, factory_config):
    folder = copy_example("factory", tmp_path)
    config, url = factory_config

    def run(*args, **kwargs):
        return assert_ok(manage(folder, "-c", config, *args, **kwargs))

    run("db", "init")
    run("db", "migrate", "-m", "roles and users")
    assert table_names(url) <= {"alembic_version"}
    run("deploy")
    run("deploy")  # a second deploy finds nothing to migrate and no role to add
    assert {"roles", "users"} <= table_names(url)
    assert run("adduser", "-n", "ann", "-r", "Moderator").stdout == "added ann (Moderator)\n"
    shell = run("shell", input=(
        "from flask import current_app\n"
        "print(current_app.test_client().get('/api/v1/roles').get_json())\n"
        "print(current_app.test_client().get('/').get_data(as_text=True))\n"))
    # The real Flask-Script (legacy stack) echoes '>>> ' prompts for piped input; ours does not.
    printed = [line for line in shell.stdout.replace(">>> ", "").splitlines() if line.strip()]
    assert printed == ["['Administrator', 'Moderator', 'User']", "1 users"]
    urls = run("urls").stdout
    assert "/api/v1/roles" in urls and "main.index" in urls
    assert not os.path.exists(os.path.join(folder, "instance", "factory.sqlite")), "-c was not used"


@pytest.mark.skipif(flask_sqlalchemy_major() < 3,
                    reason="Flask-SQLAlchemy 2 resolved relative SQLite paths elsewhere")
def test_factory_example_defaults_to_the_instance_folder(tmp_path):
    folder = copy_example("factory", tmp_path)
    assert_ok(manage(folder, "db", "init"))
    assert_ok(manage(folder, "db", "migrate"))
    assert_ok(manage(folder, "deploy"))
    assert {"roles", "users"} <= table_names("sqlite:///" + os.path.join(folder, "instance", "factory.sqlite"))
    missing_name = manage(folder, "adduser")
    assert missing_name.returncode == 1 and "a name is required" in missing_name.stdout


def test_multidb_example_on_postgresql_and_mariadb(tmp_path, postgres_url, mariadb_url):
    folder = copy_example("multidb", tmp_path)
    env = {"DATABASE_URL": postgres_url, "LOGS_DATABASE_URL": mariadb_url}
    assert_ok(manage(folder, "db", "init", "--multidb", env=env))
    assert_ok(manage(folder, "db", "migrate", "-m", "users and events", env=env))
    assert_ok(manage(folder, "db", "upgrade", env=env))
    assert "users" in table_names(postgres_url) and "events" not in table_names(postgres_url)
    assert "events" in table_names(mariadb_url) and "users" not in table_names(mariadb_url)
    assert assert_ok(manage(folder, "signup", "alice", env=env)).stdout == "alice signed up\n"
    engine = sa.create_engine(mariadb_url)
    try:
        with engine.connect() as connection:
            assert [row[0] for row in connection.execute(sa.text("SELECT what FROM events"))] == ["signed up"]
    finally:
        engine.dispose()
    assert_ok(manage(folder, "db", "downgrade", "base", env=env))
    assert not {"users", "events"} & (table_names(postgres_url) | table_names(mariadb_url))


def test_multidb_example_on_its_embedded_sqlite_files(tmp_path):
    folder = copy_example("multidb", tmp_path)
    assert_ok(manage(folder, "db", "init", "--multidb"))
    assert_ok(manage(folder, "db", "migrate", "-m", "users and events"))
    assert_ok(manage(folder, "db", "upgrade"))
    assert "users" in table_names("sqlite:///" + os.path.join(folder, "main.sqlite"))
    assert "events" in table_names("sqlite:///" + os.path.join(folder, "logs.sqlite"))

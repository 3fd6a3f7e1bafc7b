"""Every db subcommand through `python manage.py db` and `flask db`.

Most tests run the two command lines in this process (tests/inprocess.py);
the full cycle on each database runs them as real processes.
"""

import json
import os
import re
import sys

import pytest
import sqlalchemy as sa
from helpers import (
    USER_AND_AUDIT_EVENT,
    USER_MODEL,
    USER_WITH_EMAIL,
    assert_ok,
    assert_one_line_error,
    flask_db,
    manage,
    table_names,
    version_files,
    write_project,
)
from inprocess import flask_db_in_process, manage_in_process


class DB:
    """Runs db subcommands in one project folder through one of the two CLIs."""

    def __init__(self, folder, url, cli, binds=None, processes=False):
        self.folder = folder
        self.processes = processes
        self.env = {"DATABASE_URL": url}
        if binds:
            self.env["DATABASE_BINDS"] = json.dumps(binds)
        self.cli = cli
        self.url = url

    def __call__(self, *args):
        if self.cli == "manage":
            return (manage if self.processes else manage_in_process)(self.folder, "db", *args, env=self.env)
        return (flask_db if self.processes else flask_db_in_process)(self.folder, *args, env=self.env)

    def ok(self, *args):
        return assert_ok(self(*args))

    def revision_in_db(self, url=None):
        engine = sa.create_engine(url or self.url)
        try:
            if "alembic_version" not in sa.inspect(engine).get_table_names():
                return None
            with engine.connect() as connection:
                rows = connection.execute(sa.text("SELECT version_num FROM alembic_version")).fetchall()
            return sorted(row[0] for row in rows) or None
        finally:
            engine.dispose()

    def tables(self, url=None):
        return table_names(url or self.url)


def revision_ids(output):
    return re.findall(r"\b([0-9a-f]{12})\b", output)


@pytest.fixture(params=["manage", "flask"])
def cli(request):
    return request.param


URL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_url", "mariadb": "mariadb_url"}


@pytest.fixture(params=[("manage", "sqlite"), ("flask", "sqlite"), ("manage", "postgresql"), ("flask", "mariadb")],
                ids=lambda param: "-".join(param))
def db(project, request):
    """A project driven through each of the two CLIs, each CLI also on a database server."""
    cli, database = request.param
    return DB(project, request.getfixturevalue(URL_FIXTURES[database]), cli)


@pytest.fixture
def legacy_db(project, database_url):
    """A project on each of the three databases, driven through `python manage.py db`."""
    return DB(project, database_url, "manage")


@pytest.mark.e2e
def test_full_cycle_on_each_database(project, database_url, cli):
    db = DB(project, database_url, cli, processes=True)
    init = db.ok("init")
    assert "Generating" in init.stdout and os.path.isfile(os.path.join(project, "migrations", "env.py"))
    db.ok("migrate", "-m", "create users")
    [first_file] = version_files(project)
    first = first_file.split("_")[0]
    assert db.revision_in_db() is None
    db.ok("upgrade")
    assert db.revision_in_db() == [first] and "users" in db.tables()
    assert first in db.ok("current").stdout
    assert "(head)" in db.ok("heads").stdout
    assert "create users" in db.ok("show").stdout
    assert db.ok("check").returncode == 0

    write_project(project, models=USER_WITH_EMAIL)
    drift = db("check")
    assert drift.returncode == 1
    assert "email" in drift.stderr and "Traceback" not in drift.stderr
    db.ok("migrate", "-m", "add email")
    second = [f for f in version_files(project) if f != first_file][0].split("_")[0]
    db.ok("upgrade")
    assert db.revision_in_db() == [second]
    history = db.ok("history").stdout.splitlines()
    assert history == ["%s -> %s (head), add email" % (first, second), "<base> -> %s, create users" % first]
    db.ok("downgrade")
    assert db.revision_in_db() == [first]
    db.ok("downgrade", "base")
    assert db.revision_in_db() is None and "users" not in db.tables()
    db.ok("stamp", second)
    assert db.revision_in_db() == [second]
    db.ok("stamp", "--purge", "base")
    assert db.revision_in_db() is None


def test_autogenerate_without_changes_writes_nothing(legacy_db):
    legacy_db.ok("init")
    legacy_db.ok("migrate", "-m", "one")
    legacy_db.ok("upgrade")
    result = legacy_db.ok("migrate", "-m", "nothing")
    assert "No changes in schema detected." in result.stderr
    assert len(version_files(legacy_db.folder)) == 1


def test_revision_manual_and_autogenerate_flags(db):
    db.ok("init")
    db.ok("revision", "-m", "empty one", "--rev-id", "aaaa00000001")
    db.ok("upgrade")
    db.ok("revision", "-m", "auto", "--autogenerate", "--rev-id", "aaaa00000002")
    files = version_files(db.folder)
    assert files == ["aaaa00000001_empty_one.py", "aaaa00000002_auto.py"]
    with open(os.path.join(db.folder, "migrations", "versions", files[1])) as handle:
        assert "create_table('users'" in handle.read()


def test_merge_two_heads_and_branches(db):
    db.ok("init")
    db.ok("revision", "-m", "root", "--rev-id", "000000000001")
    db.ok("revision", "-m", "left", "--rev-id", "00000000000a")
    db.ok("revision", "-m", "right", "--head", "000000000001", "--splice", "--rev-id", "00000000000b")
    heads = db.ok("heads").stdout
    assert "00000000000a" in heads and "00000000000b" in heads
    assert "000000000001" in db.ok("branches").stdout
    several = db("upgrade")
    line = assert_one_line_error(several, "00000000000a", "00000000000b", "merge")
    assert db.revision_in_db() is None, line
    db.ok("merge", "-m", "join", "--rev-id", "00000000000c", "00000000000a", "00000000000b")
    assert revision_ids(db.ok("heads").stdout) == ["00000000000c"]
    db.ok("upgrade")
    assert db.revision_in_db() == ["00000000000c"]


def test_merge_defaults_to_all_heads(legacy_db):
    legacy_db.ok("init")
    legacy_db.ok("revision", "-m", "root", "--rev-id", "000000000001")
    legacy_db.ok("revision", "-m", "a", "--rev-id", "00000000000a")
    legacy_db.ok("revision", "-m", "b", "--head", "000000000001", "--splice", "--rev-id", "00000000000b")
    legacy_db.ok("merge", "-m", "all heads", "--rev-id", "00000000000d")
    assert revision_ids(legacy_db.ok("heads").stdout) == ["00000000000d"]


def test_history_ranges_verbose_and_current_marker(legacy_db):
    legacy_db.ok("init")
    for number in range(1, 5):
        legacy_db.ok("revision", "-m", "step %d" % number, "--rev-id", "%012d" % number)
    legacy_db.ok("upgrade", "000000000002")
    ranged = revision_ids(legacy_db.ok("history", "-r", "000000000002:000000000003").stdout)
    assert set(ranged) == {"000000000001", "000000000002", "000000000003"}
    assert "000000000004" not in ranged
    assert "Revision ID: 000000000004" in legacy_db.ok("history", "-v").stdout
    assert "000000000002 (current)" in legacy_db.ok("history", "-i").stdout
    assert "000000000002" in legacy_db.ok("current", "-v").stdout
    assert "Revises: 000000000002" in legacy_db.ok("show", "000000000003").stdout


def test_offline_sql_output(legacy_db):
    legacy_db.ok("init")
    legacy_db.ok("migrate", "-m", "users")
    upgrade_sql = legacy_db.ok("upgrade", "--sql").stdout
    assert "CREATE TABLE users" in upgrade_sql and "CREATE TABLE alembic_version" in upgrade_sql
    assert legacy_db.revision_in_db() is None and "users" not in legacy_db.tables()
    downgrade_sql = legacy_db.ok("downgrade", "--sql").stdout
    assert "DROP TABLE users" in downgrade_sql
    assert "INSERT INTO alembic_version" in legacy_db.ok("stamp", "--sql", "head").stdout
    tagged = legacy_db.ok("upgrade", "--sql", "--tag", "release-1").stdout
    assert "CREATE TABLE users" in tagged


def test_custom_directory_option(legacy_db):
    legacy_db.ok("init", "-d", "db_changes")
    assert os.path.isfile(os.path.join(legacy_db.folder, "db_changes", "env.py"))
    legacy_db.ok("migrate", "-d", "db_changes", "-m", "users")
    legacy_db.ok("upgrade", "-d", "db_changes")
    assert "users" in legacy_db.tables()
    missing = legacy_db("upgrade")
    assert_one_line_error(missing, "no migrations folder", "init")


def test_directory_as_path_in_migrate(project, sqlite_url, cli):
    write_project(project, migrate_args=', directory=__import__("pathlib").Path("schema_history")')
    db = DB(project, sqlite_url, cli)
    db.ok("init")
    db.ok("migrate", "-m", "users")
    db.ok("upgrade")
    assert version_files(project, "schema_history") and "users" in db.tables()


def test_compare_type_catches_a_column_type_change(legacy_db):
    legacy_db.ok("init")
    legacy_db.ok("migrate", "-m", "users")
    legacy_db.ok("upgrade")
    write_project(legacy_db.folder, models=USER_MODEL.replace("db.String(64)", "db.Text"))
    assert legacy_db("check").returncode == 1
    legacy_db.ok("migrate", "-m", "name as text")
    [newest] = [f for f in version_files(legacy_db.folder) if "name_as_text" in f]
    with open(os.path.join(legacy_db.folder, "migrations", "versions", newest)) as handle:
        text = handle.read()
    assert "alter_column('name'" in text and "type_=sa.Text()" in text
    assert "batch_alter_table" in text  # batch mode, which SQLite needs
    legacy_db.ok("upgrade")


def test_configure_callbacks_shape_the_alembic_config(project, sqlite_url, cli):
    models = USER_MODEL + '''

@migrate.configure
def custom_file_names(config):
    config.set_main_option("file_template", "custom_%%(rev)s")
    return config


@migrate.configure
def second_callback(config):
    # Runs after the first one, and sees what it set.
    if config.get_main_option("file_template") == "custom_%(rev)s":
        config.set_main_option("file_template", "custom_%%(rev)s_%%(slug)s")
    return config
'''
    write_project(project, models=models)
    db = DB(project, sqlite_url, cli)
    db.ok("init")
    db.ok("migrate", "-m", "users table")
    [name] = version_files(project)
    assert re.match(r"custom_[0-9a-f]{12}_users_table\.py$", name), name


def test_x_arguments_reach_env_py(legacy_db):
    legacy_db.ok("init")
    env_py = os.path.join(legacy_db.folder, "migrations", "env.py")
    with open(env_py) as handle:
        text = handle.read()
    text = text.replace("config = context.config\n",
                        "config = context.config\nprint('X-ARGS', sorted(context.get_x_argument(as_dictionary=True).items()))\n")
    with open(env_py, "w") as handle:
        handle.write(text)
    result = legacy_db.ok("current", "-x", "tenant=acme", "-x", "dry=1")
    assert "X-ARGS [('dry', '1'), ('tenant', 'acme')]" in result.stdout
    result = legacy_db.ok("upgrade", "-x", "tenant=acme")
    assert "X-ARGS [('tenant', 'acme')]" in result.stdout


def test_flask_db_group_options(project, sqlite_url):
    db = DB(project, sqlite_url, "flask")
    db.ok("-d", "elsewhere", "init")
    assert os.path.isdir(os.path.join(project, "elsewhere"))
    db.ok("-d", "elsewhere", "migrate", "-m", "users")
    db.ok("-d", "elsewhere", "upgrade")
    assert "users" in db.tables()


def test_list_templates(db):
    out = db.ok("list-templates").stdout
    assert "flask - Single-database configuration for Flask." in out
    assert "flask-multidb - Multi-database configuration for Flask." in out


def test_init_with_template_folder_and_package(legacy_db, tmp_path):
    from flask_migrate_legacy.config import TEMPLATES_DIRECTORY

    legacy_db.ok("init", "-t", os.path.join(TEMPLATES_DIRECTORY, "flask"), "--package")
    assert os.path.isfile(os.path.join(legacy_db.folder, "migrations", "__init__.py"))
    assert os.path.isfile(os.path.join(legacy_db.folder, "migrations", "versions", "__init__.py"))


def test_edit_opens_the_revision_in_editor(db):
    db.ok("init")
    db.ok("revision", "-m", "to edit", "--rev-id", "0000000000ed")
    marker = os.path.join(db.folder, "edited.txt")
    editor = os.path.join(db.folder, "editor.py")
    with open(editor, "w") as handle:
        handle.write("#!%s\nimport sys\nopen(%r, 'w').write(sys.argv[1])\n" % (sys.executable, marker))
    os.chmod(editor, 0o755)
    db.env["EDITOR"] = editor
    db.ok("edit", "0000000000ed")
    with open(marker) as handle:
        assert handle.read().endswith("0000000000ed_to_edit.py")


def test_multidb_with_two_binds(project, tmp_path, cli):
    write_project(project, models=USER_AND_AUDIT_EVENT)
    main_url = "sqlite:///" + str(tmp_path / "main.sqlite")
    audit_url = "sqlite:///" + str(tmp_path / "audit.sqlite")
    db = DB(project, main_url, cli, binds={"audit": audit_url})
    db.ok("init", "--multidb")
    db.ok("migrate", "-m", "both")
    db.ok("upgrade")
    assert "users" in db.tables(main_url) and "audit_events" not in db.tables(main_url)
    assert "audit_events" in db.tables(audit_url) and "users" not in db.tables(audit_url)
    assert "No changes in schema detected." in db.ok("migrate", "-m", "none").stderr
    db.ok("downgrade", "base")
    assert "audit_events" not in db.tables(audit_url)


def test_multidb_on_postgresql(project, postgres_url, mariadb_url, cli):
    write_project(project, models=USER_AND_AUDIT_EVENT)
    db = DB(project, postgres_url, cli, binds={"audit": mariadb_url})
    db.ok("init", "--multidb")
    db.ok("migrate", "-m", "both")
    db.ok("upgrade")
    assert "users" in db.tables(postgres_url) and "audit_events" in db.tables(mariadb_url)


def test_programmatic_upgrade_in_an_app_context(tmp_path, monkeypatch):
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_migrate_legacy import Migrate, init, migrate, upgrade

    monkeypatch.chdir(tmp_path)
    app = Flask("programmatic")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(tmp_path / "p.sqlite")
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    database = SQLAlchemy(app)

    class Thing(database.Model):
        id = database.Column(database.Integer, primary_key=True)

    Migrate(app, database)
    with app.app_context():
        try:
            init()
            migrate(message="things")
            upgrade()
            assert "thing" in sa.inspect(database.engine).get_table_names()
        finally:
            database.engine.dispose()  # Python 3.13 warns about pooled connections left unclosed


def test_init_refuses_a_non_empty_folder(legacy_db):
    os.makedirs(os.path.join(legacy_db.folder, "migrations"))
    keep = os.path.join(legacy_db.folder, "migrations", "notes.txt")
    with open(keep, "w") as handle:
        handle.write("mine")
    assert_one_line_error(legacy_db("init"), "already exists and is not empty")
    assert os.listdir(os.path.join(legacy_db.folder, "migrations")) == ["notes.txt"]


def test_init_with_unknown_template_writes_nothing(legacy_db):
    assert_one_line_error(legacy_db("init", "-t", "nope"), "no template 'nope'")
    assert not os.path.exists(os.path.join(legacy_db.folder, "migrations"))


@pytest.mark.parametrize("command", [["upgrade"], ["current"], ["history"], ["migrate"], ["check"]])
def test_missing_migrations_folder(db, command):
    assert_one_line_error(db(*command), "no migrations folder", "init")


def test_unknown_and_ambiguous_revisions(legacy_db):
    legacy_db.ok("init")
    legacy_db.ok("revision", "-m", "a", "--rev-id", "abc000000001")
    legacy_db.ok("revision", "-m", "b", "--rev-id", "abc000000002")
    assert_one_line_error(legacy_db("upgrade", "zzzz"), "Can't locate revision identified by 'zzzz'")
    assert_one_line_error(legacy_db("upgrade", "abc0"), "ambiguous revision 'abc0'", "abc000000001, abc000000002")
    assert legacy_db.revision_in_db() is None
    assert_one_line_error(legacy_db("stamp", "nope"), "Can't locate revision identified by 'nope'")
    legacy_db.ok("upgrade", "abc000000001")
    assert_one_line_error(legacy_db("downgrade", "-5"), "didn't produce 5 migrations")
    assert legacy_db.revision_in_db() == ["abc000000001"]


def test_syntax_error_in_a_version_script_names_the_file(legacy_db):
    legacy_db.ok("init")
    legacy_db.ok("revision", "-m", "good", "--rev-id", "000000000001")
    legacy_db.ok("revision", "-m", "bad", "--rev-id", "000000000002")
    path = os.path.join(legacy_db.folder, "migrations", "versions", "000000000002_bad.py")
    with open(path, "a") as handle:
        handle.write("\ndef broken(:\n")
    line = assert_one_line_error(legacy_db("upgrade"), "cannot read the revision file", "000000000002_bad.py",
                                 "invalid syntax", "Nothing was run")
    assert legacy_db.revision_in_db() is None, line


def test_stamp_without_a_revision_is_as_each_original_had_it(db):
    # manage.py: a usage error, as Flask-Script 2.x's argparse made it; flask db: head, as Flask-Migrate 4.1.
    db.ok("init")
    db.ok("revision", "-m", "one", "--rev-id", "000000000001")
    result = db("stamp")
    if db.cli == "manage":
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert db.revision_in_db() is None
    else:
        assert_ok(result)
        assert db.revision_in_db() == ["000000000001"]


def test_migrate_without_setup_is_a_clear_error(tmp_path, cli):
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (tmp_path / "manage.py").write_text(
        "from flask_script import Manager\nfrom flask_migrate import MigrateCommand\nfrom app import app\n"
        "manager = Manager(app)\nmanager.add_command('db', MigrateCommand)\nmanager.run()\n")
    if cli == "manage":
        result = manage_in_process(str(tmp_path), "db", "upgrade")
        assert_one_line_error(result, "Flask-Migrate is not set up", "Migrate(app, db)")
    else:
        result = flask_db_in_process(str(tmp_path), "upgrade")
        assert result.returncode == 2 and "No such command 'db'" in result.stderr

"""Lose nothing under a busy team's accidents: a run removes only what it wrote, and never replaces a revision.

In-process (``inprocess.manage_in_process``) with the command's real folder, argv and
environment; the teammate is a second process (a post-write hook), as a `git pull` is.
"""

import contextlib
import os
import sys

import pytest
from helpers import assert_ok, upgraded_to_r1, write_project
from inprocess import manage_in_process


@pytest.fixture
def project(tmp_path):
    folder = str(tmp_path)
    write_project(folder)
    env = {"DATABASE_URL": "sqlite:///" + os.path.join(folder, "app.db")}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    return folder, env


@contextlib.contextmanager
def sqlite_file(path):
    """A connection to the SQLite file at ``path`` that commits and is closed (sqlite3's own ``with`` only commits)."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def versions(folder):
    return sorted(os.listdir(os.path.join(folder, "migrations", "versions")))


def add_to_ini(folder, text):
    with open(os.path.join(folder, "migrations", "alembic.ini"), "a") as handle:
        handle.write(text)


TEAMMATE = '''revision = "teammate1"
down_revision = None


def upgrade():
    pass


def downgrade():
    pass
'''


def write_teammate(folder):
    return "open(%r, 'w').write(%r)\n" % (os.path.join(folder, "migrations", "versions", "teammate1_.py"), TEAMMATE)


def test_a_migrate_that_fails_before_writing_removes_nothing_that_appeared_meanwhile(project):
    folder, env = project
    # env.py fails (a database that times out, a settings error) after a teammate's revision
    # landed in versions/ (a `git pull`, a second `db revision`): Alembic had written nothing yet.
    with open(os.path.join(folder, "migrations", "env.py"), "a") as handle:
        handle.write("\nimport subprocess, sys\nsubprocess.run([sys.executable, '-c', %r], check=True)\n"
                     "raise RuntimeError('the database timed out')\n" % write_teammate(folder))
    failed = manage_in_process(folder, "db", "migrate", "-m", "users", env=env)
    assert failed.returncode == 1 and "the database timed out" in failed.stderr, failed.stderr
    assert versions(folder) == ["teammate1_.py"]


def test_a_migrate_that_fails_after_writing_removes_its_own_file_and_only_that(project):
    folder, env = project
    hook = os.path.join(folder, "teammate")
    with open(hook, "w") as handle:
        handle.write("#!%s\n%s" % (sys.executable, write_teammate(folder)))
    os.chmod(hook, 0o755)
    # Alembic writes our file, the first hook (a teammate, meanwhile) adds theirs, the second fails.
    add_to_ini(folder, "\n[post_write_hooks]\nhooks = team, broken\nteam.type = exec\nteam.executable = %s\n"
                       "broken.type = exec\nbroken.executable = %s\n"
               % (hook, os.path.join(folder, "no-such-formatter")))
    failed = manage_in_process(folder, "db", "migrate", "-m", "users", env=env)
    assert failed.returncode == 1 and "Error: No such file or directory: no-such-formatter" in failed.stderr
    assert versions(folder) == ["teammate1_.py"]  # ours removed (it failed), the teammate's kept


def test_a_rev_id_that_is_taken_is_refused_before_anything_is_written(project):
    folder, env = project
    assert_ok(manage_in_process(folder, "db", "revision", "--rev-id", "0001", "-m", "init", env=env))
    [first] = versions(folder)
    with open(os.path.join(folder, "migrations", "versions", first), "rb") as handle:
        original = handle.read()
    for message in ("init", "another"):  # the same file name, and another
        again = manage_in_process(folder, "db", "revision", "--rev-id", "0001", "-m", message, env=env)
        assert again.returncode == 2, again.stderr
        assert again.stderr == ("Error: revision 0001 already exists (%s): choose another --rev-id; nothing was "
                                "written\n" % os.path.join("migrations", "versions", first))
    assert_ok(manage_in_process(folder, "db", "revision", "--rev-id", "0002", "--head", "base", "--splice",
                                "-m", "second head", env=env))
    for command in (["migrate"], ["merge", "heads"]):
        refused = manage_in_process(folder, "db", *command, "--rev-id", "0001", env=env)
        assert refused.returncode == 2 and "revision 0001 already exists" in refused.stderr, refused.stderr
    assert len(versions(folder)) == 2 and first in versions(folder)
    with open(os.path.join(folder, "migrations", "versions", first), "rb") as handle:
        assert handle.read() == original


def test_a_file_name_that_is_taken_is_never_overwritten(project):
    folder, env = project
    # A file_template without the revision id: the same message on the same day is the same file.
    with open(os.path.join(folder, "migrations", "alembic.ini")) as handle:
        text = handle.read()
    with open(os.path.join(folder, "migrations", "alembic.ini"), "w") as handle:
        handle.write(text.replace("[alembic]\n", "[alembic]\nfile_template = %%(slug)s\n", 1))
    assert_ok(manage_in_process(folder, "db", "revision", "-m", "add users", env=env))
    assert versions(folder) == ["add_users.py"]
    path = os.path.join(folder, "migrations", "versions", "add_users.py")
    with open(path, "rb") as handle:
        original = handle.read()
    again = manage_in_process(folder, "db", "revision", "-m", "add users", env=env)
    assert again.returncode == 1 and again.stderr == (
        "Error: refusing to overwrite %s, which exists: choose another --rev-id or message (nothing was written)\n"
        % os.path.join("migrations", "versions", "add_users.py")), again.stderr
    with open(path, "rb") as handle:
        assert handle.read() == original
    assert versions(folder) == ["add_users.py"]
    assert_ok(manage_in_process(folder, "db", "heads", env=env))  # one head: no self-loop, no cycle


# -- masking is exact: a credential where it stands as one, nothing else -------------------------------


@pytest.mark.parametrize("password", ["1", "s", "item", "postgres", "0001"])
def test_sql_output_is_byte_identical_whatever_the_password(tmp_path, postgres_url, password):
    folder = str(tmp_path)
    write_project(folder)
    url = postgres_url.replace("postgres@", "postgres:%s@" % password)  # trust auth: any password is accepted
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    with open(os.path.join(folder, "migrations", "versions", "r0001_items.py"), "w") as handle:
        handle.write("from alembic import op\nimport sqlalchemy as sa\nrevision = 'r0001'\ndown_revision = None\n\n"
                     "def upgrade():\n    op.create_table('items', sa.Column('id', sa.Integer, primary_key=True),\n"
                     "                    sa.Column('host', sa.String(20), server_default='127.0.0.1'))\n"
                     "    op.execute(\"INSERT INTO items (host) VALUES ('postgres 1 s item')\")\n\n"
                     "def downgrade():\n    op.drop_table('items')\n")
    masked = assert_ok(manage_in_process(folder, "db", "upgrade", "--sql", env=env)).stdout
    other = assert_ok(manage_in_process(folder, "db", "upgrade", "--sql",
                                        env={"DATABASE_URL": postgres_url.replace("postgres@", "postgres:z-9-Q@")}))
    assert masked == other.stdout  # byte for byte: no '***' in SQL, revision ids or host names
    assert "CREATE TABLE items" in masked and "'r0001'" in masked and "***" not in masked


def test_an_error_line_masks_the_password_and_leaves_the_host_and_words(tmp_path):
    from conftest import postgres_scheme

    folder = str(tmp_path)
    write_project(folder)
    env = {"DATABASE_URL": "%s://postgres:1@127.0.0.1:1/app1" % postgres_scheme()}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    failed = manage_in_process(folder, "db", "upgrade", env=env)
    assert failed.returncode == 1 and "127.0.0.1:1" in failed.stderr and "***" not in failed.stderr.replace(
        "postgres:***@", ""), failed.stderr


# -- a database the app no longer means is never used, not even on the second try ---------------------

TEST_SUITE = '''
import os, unittest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_migrate import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DEV_DATABASE_URL"]
db = SQLAlchemy(app)
Migrate(app, db)


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)


class NoteTests(unittest.TestCase):
    # 2015-era set-up: the testing URI is set after SQLAlchemy(app)
    def setUp(self):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["TEST_DATABASE_URL"]
        self.context = app.app_context()
        self.context.push()
        db.create_all()

    def tearDown(self):
        db.session.remove()
        db.drop_all()
        self.context.pop()

    def test_one(self):
        db.session.add(Note()); db.session.commit()

    def test_two(self):
        db.session.add(Note()); db.session.commit()

    def test_three(self):
        self.assertEqual(Note.query.count(), 0)


if __name__ == "__main__":
    unittest.main()
'''


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_tests_that_switch_the_uri_never_reach_the_development_database(tmp_path, request, database):
    import subprocess

    import sqlalchemy as sa
    from helpers import clean_env

    if not hasattr(__import__("flask_sqlalchemy").SQLAlchemy, "engines"):
        pytest.skip("Flask-SQLAlchemy 2 rebuilds engines when the URI changes")
    dev = request.getfixturevalue("postgres_url") if database == "postgresql" else "sqlite:///%s" % (tmp_path / "dev.db")
    engine = sa.create_engine(dev)
    with engine.begin() as connection:  # the developer's data
        connection.execute(sa.text("CREATE TABLE note (id INTEGER PRIMARY KEY)"))
        connection.execute(sa.text("INSERT INTO note (id) VALUES (1), (2)"))
    (tmp_path / "test_notes.py").write_text(TEST_SUITE)
    done = subprocess.run([sys.executable, "test_notes.py"], cwd=str(tmp_path), capture_output=True, text=True,
                          env=clean_env({"DEV_DATABASE_URL": dev,
                                         "TEST_DATABASE_URL": "sqlite:///%s" % (tmp_path / "test.db")}))
    assert done.returncode == 1 and "errors=3" in done.stderr, done.stderr  # every test, not only the first
    assert done.stderr.count("StaleDatabaseURI") >= 3
    with engine.connect() as connection:  # nothing created, written or dropped there
        assert connection.execute(sa.text("SELECT count(*) FROM note")).scalar() == 2
    engine.dispose()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999", "-5", "abc", "", "12s"])
def test_a_lock_timeout_outside_its_domain_is_one_line_and_nothing_runs(project, value):
    folder, env = project
    failed = manage_in_process(folder, "db", "upgrade", env=dict(env, MIGRATE_LOCK_TIMEOUT=value))
    assert failed.returncode == 1 and failed.stderr == (
        "Error: MIGRATE_LOCK_TIMEOUT must be a number of seconds, 0 or more (0: do not wait), not %r\n" % value)
    assert not os.path.exists(os.path.join(folder, "app.db"))


@pytest.mark.parametrize("value", ["0", "2.5", "120"])
def test_a_lock_timeout_inside_its_domain_is_taken(project, value):
    folder, env = project
    assert_ok(manage_in_process(folder, "db", "upgrade", env=dict(env, MIGRATE_LOCK_TIMEOUT=value)))


# -- every file-level error names the file ---------------------------------------------------------------


def write_bytes(path, data):
    with open(path, "wb") as handle:
        handle.write(data)


@pytest.mark.parametrize("make,expected", [
    (lambda path: write_bytes(path, b"revision = 'a'\ndown_revision = None\nx = 1\x00\n"),
     "Error: Python cannot read the revision file {shown} (source code string cannot contain null bytes)\n"),
    (lambda path: os.symlink("gone.py", path),
     "Error: Alembic cannot load the revision file {shown}: it is a link to gone.py, which does not exist; remove "
     "it or restore what it points to\n"),
    (lambda path: os.symlink(os.path.basename(path), path),
     "Error: Alembic cannot load the revision file {shown}: it is a link to itself (or a loop of links); remove it "
     "or restore what it points to\n"),
    (lambda path: write_bytes(path, b"revision = 'a'\ndown_revision = None\nname = 'M\xfcller'\n"),
     "Error: Python cannot read the revision file {shown} (line 3: (unicode error) 'utf-8' codec can't decode byte "
     "0xfc in position 1: invalid start byte)\n"),
])
@pytest.mark.parametrize("command", [["upgrade"], ["heads"], ["history"]])
def test_a_revision_file_alembic_cannot_load_is_named_with_why(project, make, expected, command):
    folder, env = project
    path = os.path.join(folder, "migrations", "versions", "a_.py")
    make(path)
    failed = manage_in_process(folder, "db", *command, env=env)
    lines = [line for line in failed.stderr.splitlines(keepends=True) if not line.startswith("INFO ")]
    expected = expected.format(shown=os.path.join("migrations", "versions", "a_.py"))
    if command == ["upgrade"]:  # nothing ran: Alembic loads every revision before it runs one
        expected = expected[:-1] + ". Nothing was run.\n"
    assert failed.returncode == 1 and lines == [expected]


# -- db doctor claims nothing false -----------------------------------------------------------------------


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"])
def test_doctor_fails_on_a_database_at_a_revision_the_checkout_lacks(tmp_path, request, database):
    import sqlalchemy as sa

    folder = str(tmp_path)
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "postgres_url",
                                   "mariadb": "mariadb_url"}[database])
    env = upgraded_to_r1(folder, url)
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # a newer deploy's revision, from a branch this checkout lacks
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'r9'"))
    engine.dispose()
    found = manage_in_process(folder, "db", "doctor", "--format", "json", env=env)
    import json

    report = json.loads(found.stdout)
    [ahead] = [f for f in report["findings"] if f["code"] == "database-ahead"]
    assert found.returncode == 1 and report["exit_status"] == 1
    assert ahead["severity"] == "fail" and ahead["message"].startswith("the database is at r9, which no revision file")
    assert "db stamp" in ahead["fix"] and "deploy the code" in ahead["fix"]
    assert not [f for f in report["findings"] if f["code"] in ("not-at-head", "models-differ")]


# -- where a failed run left the database is told from what really ran -------------------------------------


def test_what_an_autocommit_block_committed_is_named_not_covered_by_rolled_back(tmp_path, postgres_url):
    import sqlalchemy as sa

    folder = str(tmp_path)
    write_project(folder)
    env = {"DATABASE_URL": postgres_url}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    assert_ok(manage_in_process(folder, "db", "migrate", "-m", "users", "--rev-id", "r1", env=env))
    with open(os.path.join(folder, "migrations", "versions", "r2_index.py"), "w") as handle:
        handle.write("from alembic import op\nrevision = 'r2'\ndown_revision = 'r1'\n\n"
                     "def upgrade():\n    with op.get_context().autocommit_block():\n"
                     "        op.execute('CREATE INDEX CONCURRENTLY ix_users_name ON users (name)')\n"
                     "    op.execute('SELECT * FROM no_such_table')\n\n"
                     "def downgrade():\n    pass\n")
    failed = manage_in_process(folder, "db", "upgrade", env=env)
    [line] = [line for line in failed.stderr.splitlines() if line.startswith("Error: ")]
    assert failed.returncode == 1 and "no_such_table" in line
    assert "its schema matches it" not in line
    assert line.endswith(
        "The open transaction was rolled back: the database is at revision r1, but this statement ran outside it (an "
        "autocommit block) and stayed: CREATE INDEX CONCURRENTLY ix_users_name ON users (name); undo it by hand, "
        "or make the script able to run again over it."), line
    engine = sa.create_engine(postgres_url)
    try:
        assert "ix_users_name" in {index["name"] for index in sa.inspect(engine).get_indexes("users")}
    finally:
        engine.dispose()


def test_a_failed_sqlite_batch_leaves_no_partial_copy_and_the_next_attempt_runs(tmp_path):
    folder = str(tmp_path)
    database = os.path.join(folder, "app.db")
    env = upgraded_to_r1(folder, "sqlite:///" + database)
    with sqlite_file(database) as connection:
        connection.execute("INSERT INTO users (name) VALUES (NULL)")  # what the NOT NULL below breaks
    with open(os.path.join(folder, "migrations", "versions", "r2_.py"), "w") as handle:
        handle.write("from alembic import op\nimport sqlalchemy as sa\nrevision = 'r2'\ndown_revision = 'r1'\n\n"
                     "def upgrade():\n    with op.batch_alter_table('users') as batch:\n"
                     "        batch.alter_column('name', existing_type=sa.String(64), nullable=False)\n\n"
                     "def downgrade():\n    pass\n")

    def tables():
        with sqlite_file(database) as connection:
            return sorted(row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'"))

    for attempt in range(2):  # the second attempt failed on "table _alembic_tmp_users already exists"
        failed = manage_in_process(folder, "db", "upgrade", env=env)
        [line] = [line for line in failed.stderr.splitlines() if line.startswith("Error: ")]
        assert "NOT NULL constraint failed" in line, (attempt, line)
        assert line.endswith("Batch mode's partial copy _alembic_tmp_users was removed: users is as it was before "
                             "the batch."), line
        assert tables() == ["alembic_version", "users"]
    with sqlite_file(database) as connection:
        connection.execute("UPDATE users SET name = 'someone'")
    assert_ok(manage_in_process(folder, "db", "upgrade", env=env))


def test_a_batch_copy_that_was_there_before_the_run_is_not_ours_to_remove(tmp_path):
    folder = str(tmp_path)
    database = os.path.join(folder, "app.db")
    env = upgraded_to_r1(folder, "sqlite:///" + database)
    with sqlite_file(database) as connection:
        connection.execute("CREATE TABLE _alembic_tmp_users (id INTEGER)")  # someone's, from before this run
    with open(os.path.join(folder, "migrations", "versions", "r2_.py"), "w") as handle:
        handle.write("from alembic import op\nrevision = 'r2'\ndown_revision = 'r1'\n\n"
                     "def upgrade():\n    op.execute('SELECT * FROM no_such_table')\n\ndef downgrade():\n    pass\n")
    failed = manage_in_process(folder, "db", "upgrade", env=env)
    assert failed.returncode == 1 and "partial copy" not in failed.stderr
    with sqlite_file(database) as connection:
        [(count,)] = connection.execute("SELECT count(*) FROM sqlite_master WHERE name = '_alembic_tmp_users'")
    assert count == 1


# -- data revisions that use the app's models run on the migration's connection ------------------------------

FACES = '''
class Face(db.Model):
    __tablename__ = "faces"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64))
    label = db.Column(db.String(64))
'''

FACE_REVISIONS = {
    "r1_faces.py": "from alembic import op\nimport sqlalchemy as sa\nrevision = 'r1'\ndown_revision = None\n\n"
                   "def upgrade():\n    faces = op.create_table('faces', sa.Column('id', sa.Integer, primary_key=True),"
                   "\n                            sa.Column('name', sa.String(64)))\n"
                   "    op.bulk_insert(faces, [{'id': 1, 'name': 'ann'}, {'id': 2, 'name': 'bob'}])\n\n"
                   "def downgrade():\n    op.drop_table('faces')\n",
    "r2_label.py": "from alembic import op\nimport sqlalchemy as sa\nrevision = 'r2'\ndown_revision = 'r1'\n\n"
                   "def upgrade():\n    op.add_column('faces', sa.Column('label', sa.String(64)))\n\n"
                   "def downgrade():\n    op.drop_column('faces', 'label')\n",
    # a data migration written with the app's own models, as real apps do
    "r3_fill.py": "from app import db, Face\nrevision = 'r3'\ndown_revision = 'r2'\n\n"
                  "def upgrade():\n    for face in Face.query.order_by(Face.id).all():\n"
                  "        face.label = face.name.upper()\n    db.session.commit()\n"
                  "    assert db.session.get(Face, 1).label == 'ANN'\n\n"
                  "def downgrade():\n    pass\n",
}


def faces_project(folder, url, failing=False):
    write_project(folder, models=FACES)
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    revisions = dict(FACE_REVISIONS)
    if failing:
        revisions["r4_fails.py"] = ("from alembic import op\nrevision = 'r4'\ndown_revision = 'r3'\n\n"
                                    "def upgrade():\n    op.execute('SELECT * FROM no_such_table')\n\n"
                                    "def downgrade():\n    pass\n")
    for name, text in revisions.items():
        with open(os.path.join(folder, "migrations", "versions", name), "w") as handle:
            handle.write(text)
    return env


def rows(url, sql):
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


needs_sqlalchemy_2 = pytest.mark.skipif(int(__import__("sqlalchemy").__version__.split(".")[0]) < 2,
                                        reason="joining a session to an external transaction needs SQLAlchemy 2")


@needs_sqlalchemy_2
@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"])
def test_a_data_revision_using_the_models_sees_earlier_revisions_of_the_same_run(tmp_path, request, database):
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "postgres_url",
                                   "mariadb": "mariadb_url"}[database])
    folder = str(tmp_path)
    env = faces_project(folder, url)
    done = manage_in_process(folder, "db", "upgrade", env=dict(env, MIGRATE_LOCK_TIMEOUT="20"))
    assert_ok(done)
    assert rows(url, "SELECT id, name, label FROM faces ORDER BY id") == [(1, "ann", "ANN"), (2, "bob", "BOB")]
    assert rows(url, "SELECT version_num FROM alembic_version") == [("r3",)]


@needs_sqlalchemy_2
def test_a_commit_inside_a_revision_does_not_commit_the_migrations_transaction(tmp_path, postgres_url):
    folder = str(tmp_path)
    env = faces_project(folder, postgres_url, failing=True)
    failed = manage_in_process(folder, "db", "upgrade", env=env)
    assert failed.returncode == 1 and "no_such_table" in failed.stderr
    # PostgreSQL ran the four revisions in one transaction: r3's db.session.commit() released a
    # savepoint only, so the failure of r4 rolled everything back.
    assert rows(postgres_url, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'faces'") == [(0,)]


def test_a_revision_using_another_engine_stops_within_seconds_naming_the_revision_and_query(tmp_path, postgres_url):
    import time

    folder = str(tmp_path)
    env = faces_project(folder, postgres_url)
    # r3 as some projects wrote it: an engine of its own, which no session can join
    with open(os.path.join(folder, "migrations", "versions", "r3_fill.py"), "w") as handle:
        handle.write("import sqlalchemy as sa\nfrom flask import current_app\nrevision = 'r3'\ndown_revision = 'r2'\n\n"
                     "def upgrade():\n    engine = sa.create_engine(current_app.config['SQLALCHEMY_DATABASE_URI'])\n"
                     "    try:\n        with engine.connect() as other:\n"
                     "            other.execute(sa.text('SELECT label FROM faces'))\n"
                     "    finally:\n        engine.dispose()\n\n"
                     "def downgrade():\n    pass\n")
    assert_ok(manage_in_process(folder, "db", "upgrade", "r1", env=env))  # the table exists, committed
    started = time.monotonic()
    failed = manage_in_process(folder, "db", "upgrade", env=env)  # r2's ALTER locks it; r3's engine waits
    took = time.monotonic() - started
    [line] = [line for line in failed.stderr.splitlines() if line.startswith("Error: ")]
    assert failed.returncode == 1 and took < 30, (took, line)
    assert line.startswith("Error: revision r3 (%s) failed: " % os.path.join("migrations", "versions", "r3_fill.py"))
    assert "a connection other than the migration's waited 10 s on a lock the migration itself holds" in line
    assert "its query: SELECT label FROM faces" in line
    assert "rolled back" in line and "at revision r1" in line


# -- a lock wait that gives up names who holds the lock ----------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"])
def test_a_lock_wait_that_gives_up_names_the_holder(tmp_path, request, database):
    import re
    import socket

    from test_production import finish, start_manage, wait_for_file, write_slow_revision

    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "postgres_url",
                                   "mariadb": "mariadb_url"}[database])
    folder = str(tmp_path)
    write_project(folder)
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    marker = write_slow_revision(folder)
    slow = start_manage(folder, "db", "upgrade", env=dict(env, MIGRATION_SLEEP="6"))
    try:
        wait_for_file(marker, slow)
        waiting = manage_in_process(folder, "db", "upgrade", env=dict(env, MIGRATE_LOCK_TIMEOUT="1"))
        [line] = [line for line in waiting.stderr.splitlines() if line.startswith("Error: ")]
        assert waiting.returncode == 1 and "gave up waiting, nothing was changed" in line, line
        expected = {
            "sqlite": r"\(held by pid %d \(.+\)\)" % slow.pid,  # (its command line: the warm runner, forked)
            "postgresql": r"\(held by flask-migrate-legacy lock, pid %d on %s \(server pid \d+ from 127\.0\.0\.1\), "
                          r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ s\)\)" % (slow.pid, re.escape(
                              socket.gethostname()[:20])),
            "mariadb": r"\(held by server connection \d+ \(root@[\w.:]+\), in its current state for \d+ s\)",
        }[database]
        assert re.search(expected, line), line
    finally:
        assert_ok(finish(slow))


# -- the advice at the end of a failure matches its cause ------------------------------------------------


def failing_revision(folder, body):
    with open(os.path.join(folder, "migrations", "versions", "r2_fails.py"), "w") as handle:
        handle.write("from alembic import op\nimport sqlalchemy as sa\nrevision = 'r2'\ndown_revision = 'r1'\n\n"
                     "def upgrade():\n%s\n\ndef downgrade():\n    pass\n"
                     % "\n".join("    " + line for line in body.strip().splitlines()))


@pytest.mark.parametrize("body,advice", [
    ("op.execute('SET TRANSACTION READ ONLY')\nop.create_table('t', sa.Column('id', sa.Integer, primary_key=True))",
     "the database is read-only here (a replica, or read-only mode): run the command against the primary."),
    ("op.execute('SET LOCAL ROLE fml_no_privileges')\n"
     "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))",
     "the database user lacks a privilege the revision needs: grant it, or migrate as a user that has it, then run "
     "the command again."),
    ("op.execute(\"SET LOCAL statement_timeout = '50ms'\")\nop.execute('SELECT pg_sleep(1)')",
     "a statement waited too long (a lock or statement timeout, such as MIGRATE_DDL_LOCK_TIMEOUT): run the command "
     "again when the tables it needs are not busy, or raise the timeout."),
])
def test_a_failure_outside_the_script_is_not_told_to_fix_the_script(tmp_path, postgres_url, body, advice):
    import sqlalchemy as sa

    admin = sa.create_engine(postgres_url)
    with admin.begin() as connection:  # a role without privileges (CREATE ROLE has no IF NOT EXISTS)
        connection.execute(sa.text("DO $$ BEGIN CREATE ROLE fml_no_privileges; EXCEPTION WHEN duplicate_object "
                                   "OR unique_violation THEN NULL; END $$"))
    admin.dispose()
    folder = str(tmp_path)
    env = upgraded_to_r1(folder, postgres_url)
    failing_revision(folder, body)
    failed = manage_in_process(folder, "db", "upgrade", env=env)
    [line] = [line for line in failed.stderr.splitlines() if line.startswith("Error: ")]
    assert failed.returncode == 1 and line.endswith("the database is at revision r1 and its schema matches it; "
                                                    + advice), line
    assert "fix the script" not in line


def test_a_lock_wait_timeout_on_mariadb_gets_its_advice(tmp_path, mariadb_url):
    import sqlalchemy as sa

    folder = str(tmp_path)
    env = upgraded_to_r1(folder, mariadb_url)
    failing_revision(folder, "op.execute('SET SESSION innodb_lock_wait_timeout = 1')\n"
                             "op.execute(\"UPDATE users SET name = 'x' WHERE id = 1\")")
    holder = sa.create_engine(mariadb_url)
    with holder.connect() as connection:
        with connection.begin():
            connection.execute(sa.text("INSERT INTO users (id, name) VALUES (1, 'a')"))
        locking = connection.begin()
        connection.execute(sa.text("SELECT * FROM users WHERE id = 1 FOR UPDATE"))  # held while the upgrade runs
        failed = manage_in_process(folder, "db", "upgrade", env=env)
        locking.rollback()
    holder.dispose()
    [line] = [line for line in failed.stderr.splitlines() if line.startswith("Error: ")]
    assert failed.returncode == 1 and line.endswith(
        "stayed applied (MySQL/MariaDB does not roll back DDL): a statement waited too long (a lock or statement "
        "timeout, such as MIGRATE_DDL_LOCK_TIMEOUT): run the command again when the tables it needs are not busy, or raise the timeout, after undoing them by "
        "hand or making the script able to run again over them."), line


# -- Ctrl-C at any instant is one line ----------------------------------------------------------------------


@pytest.mark.e2e
def test_ctrl_c_while_a_command_starts_or_runs_is_one_line_and_130(tmp_path):
    import signal
    import time

    import flask_script

    if flask_script.__name__ != "flask_migrate_legacy.script":
        pytest.skip("the real Flask-Script runs here: its Manager prints the traceback, as it always did")

    from test_production import finish, start_manage, wait_for_file

    folder = str(tmp_path)
    marker = os.path.join(folder, "started")
    write_project(folder, manage=(
        "import time\nfrom flask import Flask\nfrom flask_script import Manager\n\n"
        "def create_app():\n    open(%r, 'w').close()\n    time.sleep(30)  # a slow app factory: Ctrl-C lands here\n"
        "    return Flask(__name__)\n\nmanager = Manager(create_app)\n\n@manager.command\ndef hello():\n"
        "    print('hello')\n\nif __name__ == '__main__':\n    manager.run()\n" % marker))
    process = start_manage(folder, "hello", env={})
    wait_for_file(marker, process)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    done = finish(process)
    assert done.returncode == 130 and done.stderr == "Error: interrupted (Ctrl-C)\n", done.stderr


# -- a database Flask-SQLAlchemy 3 no longer opens is still found, whatever a db migrate left ----------------


def test_the_moved_sqlite_refusal_holds_when_the_new_file_has_only_alembics_table(tmp_path):
    if not hasattr(__import__("flask_sqlalchemy").SQLAlchemy, "engines"):
        pytest.skip("Flask-SQLAlchemy 2 keeps relative SQLite paths where they were")
    folder = str(tmp_path)
    write_project(folder)
    env = {"DATABASE_URL": "sqlite:///app.db"}  # relative: Flask-SQLAlchemy 3 opens instance/app.db
    with sqlite_file(os.path.join(folder, "app.db")) as old:  # the data, where 2.x kept it
        old.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(64))")
        old.execute("INSERT INTO users (name) VALUES ('ann')")
    os.makedirs(os.path.join(folder, "instance"))
    with sqlite_file(os.path.join(folder, "instance", "app.db")) as new:  # what a `db migrate` left there
        new.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    refused = manage_in_process(folder, "db", "upgrade", env=env)
    assert refused.returncode == 1 and "while your data is in %s" % os.path.join(folder, "app.db") in refused.stderr
    assert "Nothing was changed." in refused.stderr and refused.stderr.count("\n") == 1, refused.stderr
    with sqlite_file(os.path.join(folder, "instance", "app.db")) as new:
        assert [row[0] for row in new.execute("SELECT name FROM sqlite_master")] == ["alembic_version"]

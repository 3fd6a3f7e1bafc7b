"""Production safety, end to end on real databases: the migration lock, failures mid-way,
lost connections, Ctrl-C, and passwords kept out of every output."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import sqlalchemy as sa
import warm
from conftest import SECRET_PASSWORD
from helpers import (
    USER_AND_AUDIT_EVENT,
    assert_ok,
    assert_one_line_error,
    clean_env,
    revision_in,
    table_names,
    write_project,
)
from inprocess import manage_in_process

REVISION_TEMPLATE = '''\
"""{message}"""
import os
import time

from alembic import op
import sqlalchemy as sa

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''


def revision_id(number):
    return "%012d" % number


def write_revision(folder, number, upgrade, downgrade="pass", message="step"):
    """Write revision ``number`` (revising ``number - 1``) into the project's migrations folder."""
    path = os.path.join(folder, "migrations", "versions", "%s_%s.py" % (revision_id(number), message))
    with open(path, "w") as handle:
        handle.write(REVISION_TEMPLATE.format(
            message=message, revision=revision_id(number),
            down_revision=revision_id(number - 1) if number > 1 else None,
            upgrade=textwrap.indent(textwrap.dedent(upgrade).strip(), "    "),
            downgrade=textwrap.indent(textwrap.dedent(downgrade).strip(), "    ")))
    return path




def start_manage(folder, *args, env, stdout=warm.PIPE, stderr=warm.PIPE):
    """Start ``python manage.py ARGS`` as a real process without waiting for it (Ctrl-C works as in a
    terminal, even when the suite runs as a background job: see ``warm._default_sigint``)."""
    return warm.start([sys.executable, "manage.py"] + list(args), folder, clean_env(env), stdout=stdout,
                      stderr=stderr, text=True)


def finish(process, timeout=120):
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def write_slow_revision(folder):
    """Write revision 1: it touches a marker file, sleeps MIGRATION_SLEEP seconds, then creates
    table 'a'. Return the marker's path (it appears once the migration is under way)."""
    marker = os.path.join(folder, "started")
    write_revision(folder, 1, """
        open(%r, "w").close()
        time.sleep(float(os.environ.get("MIGRATION_SLEEP", "0")))
        op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))
    """ % marker)
    return marker


def wait_for_file(path, process, timeout=60):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if process.poll() is not None:
            result = finish(process)
            raise AssertionError("exited %s before %s appeared: %s" % (result.returncode, path, result.stderr))
        assert time.monotonic() < deadline, "%s did not appear" % path
        time.sleep(0.05)


@pytest.fixture(params=["postgresql", "mariadb"])
def server_url(request):
    return request.getfixturevalue(request.param.replace("postgresql", "postgres") + "_url")


# -- the migration lock --------------------------------------------------------------


@pytest.mark.e2e
def test_concurrent_upgrades_apply_each_migration_once(project, server_url, tmp_path):
    upgrade_at_once(project, server_url, tmp_path, 8)


@pytest.mark.e2e
def test_concurrent_upgrades_through_pgbouncer_in_transaction_mode(project, pgbouncer_url, tmp_path):
    # A session-level lock does not survive a pooler that hands each transaction any free server
    # session: other deploys took it on the same session, psycopg's prepared statements collided
    # ("prepared statement _pg3_0 already exists"), and the lock stayed behind on a pooled session.
    upgrade_at_once(project, pgbouncer_url, tmp_path, 6)
    started = time.monotonic()  # nothing left behind: the next deploy takes the lock at once
    assert_ok(manage_in_process(project, "db", "upgrade", env={"DATABASE_URL": pgbouncer_url,
                                                              "MIGRATE_LOCK_TIMEOUT": "5"}))
    assert time.monotonic() - started < 5
    engine = sa.create_engine(pgbouncer_url)
    try:
        with engine.connect() as connection:  # the lock's settings stayed in its transaction
            for _ in range(3):
                assert not connection.execute(sa.text("SHOW application_name")).scalar().startswith(
                    "flask-migrate-legacy lock")
    finally:
        engine.dispose()


def upgrade_at_once(project, server_url, tmp_path, count):
    """Start ``count`` `db upgrade`s of 30 revisions at once; check each revision ran exactly once."""
    env = {"DATABASE_URL": server_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    release = tmp_path / "release"
    # Revision 1 holds the lock until the test has seen the others queue behind it.
    write_revision(project, 1, """
        op.create_table('side_effects', sa.Column('id', sa.Integer, primary_key=True),
                        sa.Column('revision', sa.String(12)))
        op.execute("INSERT INTO side_effects (revision) VALUES ('1')")
        deadline = time.monotonic() + 60
        while not os.path.exists(%r) and time.monotonic() < deadline:
            time.sleep(0.05)
    """ % str(release))
    for number in range(2, 31):
        write_revision(project, number, """
            op.create_table('t_%d', sa.Column('id', sa.Integer, primary_key=True))
            op.execute("INSERT INTO side_effects (revision) VALUES ('%d')")
        """ % (number, number))

    logs = [tmp_path / ("upgrade-%d.log" % n) for n in range(count)]
    processes = []
    for log in logs:
        with open(str(log), "w") as stderr:
            processes.append(start_manage(project, "db", "upgrade", env=env, stdout=warm.DEVNULL, stderr=stderr))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        waiting = sum("Waiting for the migration lock" in log.read_text() for log in logs)
        if waiting == count - 1:
            break
        time.sleep(0.1)
    release.touch()
    codes = [process.wait(120) for process in processes]
    outputs = [log.read_text() for log in logs]
    assert codes == [0] * count, outputs
    assert waiting == count - 1, outputs
    assert not any("Traceback" in output for output in outputs), outputs

    engine = sa.create_engine(server_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT revision, COUNT(*) FROM side_effects GROUP BY revision")).fetchall()
    finally:
        engine.dispose()
    assert {int(revision): count for revision, count in rows} == {n: 1 for n in range(1, 31)}
    assert revision_in(server_url) == revision_id(30)


def hold_sqlite_lock(database_path):
    import fcntl

    handle = open(database_path + ".migrate-lock", "a")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


@pytest.mark.e2e
def test_lock_timeout_is_a_clear_error_and_changes_nothing(project, sqlite_url):
    env = {"DATABASE_URL": sqlite_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    write_revision(project, 1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
    holder = hold_sqlite_lock(sqlite_url[len("sqlite:///"):])
    try:
        started = time.monotonic()
        result = manage_in_process(project, "db", "upgrade", env=dict(env, MIGRATE_LOCK_TIMEOUT="1"))
        assert time.monotonic() - started < 30
        assert_one_line_error(result, "another process held the migration lock", "for 1 s", "nothing was changed",
                              "MIGRATE_LOCK_TIMEOUT")
        assert "Waiting for the migration lock" in result.stderr
        assert revision_in(sqlite_url) is None

        unlocked = assert_ok(manage_in_process(project, "db", "upgrade", env=dict(env, MIGRATE_LOCK="0")))
        assert "Waiting" not in unlocked.stderr and revision_in(sqlite_url) == revision_id(1)
    finally:
        holder.close()


@pytest.mark.e2e
def test_lock_timeout_on_a_server_names_no_password(project, make_secret_postgres_url):
    url = make_secret_postgres_url()
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    marker = write_slow_revision(project)
    slow = start_manage(project, "db", "upgrade", env=dict(env, MIGRATION_SLEEP="4"))
    try:
        wait_for_file(marker, slow)
        waiting = manage_in_process(project, "db", "upgrade", env=dict(env, MIGRATE_LOCK_TIMEOUT="1"))
        line = assert_one_line_error(waiting, "another process held the migration lock", "127.0.0.1:5432")
        assert SECRET_PASSWORD not in waiting.stderr and "s3cr" not in line
    finally:
        assert_ok(finish(slow))
    assert revision_in(url) == revision_id(1)


@pytest.mark.e2e
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_ctrl_c_during_an_upgrade_leaves_no_lock(project, request, database):
    url = request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "postgres_url"}[database])
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    marker = write_slow_revision(project)
    process = start_manage(project, "db", "upgrade", env=dict(env, MIGRATION_SLEEP="60"))
    wait_for_file(marker, process)
    process.send_signal(signal.SIGINT)
    interrupted = finish(process, timeout=30)
    assert_one_line_error(interrupted, "interrupted", "database is at revision", code=130)

    again = assert_ok(manage_in_process(project, "db", "upgrade", env=dict(env, MIGRATE_LOCK_TIMEOUT="2")))
    assert "Waiting" not in again.stderr
    assert revision_in(url) == revision_id(1)


# -- failures mid-way ----------------------------------------------------------------

FIVE_STEPS = """
    op.create_table('b', sa.Column('id', sa.Integer, primary_key=True))
    op.create_table('c', sa.Column('id', sa.Integer, primary_key=True))
    op.execute("INSERT INTO no_such_table (id) VALUES (1)")
    op.create_table('d', sa.Column('id', sa.Integer, primary_key=True))
    op.create_table('e', sa.Column('id', sa.Integer, primary_key=True))
"""
FIXED_FIVE_STEPS = """
    existing = sa.inspect(op.get_bind()).get_table_names()
    for name in ('b', 'c'):  # may be left over from the failed run (MariaDB)
        if name not in existing:
            op.create_table(name, sa.Column('id', sa.Integer, primary_key=True))
    op.execute("INSERT INTO b (id) VALUES (1)")
    op.create_table('d', sa.Column('id', sa.Integer, primary_key=True))
    op.create_table('e', sa.Column('id', sa.Integer, primary_key=True))
"""


def test_a_migration_failing_in_its_third_step(project, server_url):
    env = {"DATABASE_URL": server_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    write_revision(project, 1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
    write_revision(project, 2, FIVE_STEPS, message="five_steps")
    assert_ok(manage_in_process(project, "db", "upgrade", revision_id(1), env=env))

    failed = manage_in_process(project, "db", "upgrade", env=env)
    line = assert_one_line_error(failed, "revision %s" % revision_id(2),
                                 os.path.join("migrations", "versions", "000000000002_five_steps.py"),
                                 "no_such_table", "database is at revision %s" % revision_id(1))
    assert revision_in(server_url) == revision_id(1)
    if server_url.startswith("postgresql"):
        assert "rolled back" in line and "schema matches" in line
        assert table_names(server_url) == {"alembic_version", "a"}
    else:
        assert "stayed applied" in line and "MariaDB" in line
        assert "doesn't exist (error 1146)" in line and "(1146, " not in line  # the driver's words, not its tuple
        assert table_names(server_url) == {"alembic_version", "a", "b", "c"}

    write_revision(project, 2, FIXED_FIVE_STEPS, message="five_steps")
    assert_ok(manage_in_process(project, "db", "upgrade", env=env))
    assert revision_in(server_url) == revision_id(2)
    assert table_names(server_url) == {"alembic_version", "a", "b", "c", "d", "e"}


def test_the_aftermath_reads_the_version_table_and_database_env_py_migrated(project, server_url):
    # env.py keeps its revision in a table of its own: the default alembic_version is not there.
    env = {"DATABASE_URL": server_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    shutil.copy(os.path.join(os.path.dirname(__file__), "envpy_gallery", "own_version_table.py"),
                os.path.join(project, "migrations", "env.py"))
    write_revision(project, 1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
    write_revision(project, 2, FIVE_STEPS, message="five_steps")
    assert_ok(manage_in_process(project, "db", "upgrade", revision_id(1), env=env))

    failed = manage_in_process(project, "db", "upgrade", env=env)
    line = assert_one_line_error(failed, "no_such_table", "database is at revision %s" % revision_id(1))
    assert re.search(r"(exist|\(error 1146\))\. The (open transaction|database)", line), line  # two sentences
    assert table_names(server_url) >= {"shop_alembic_version", "a"} and "alembic_version" not in table_names(server_url)


def test_a_multidb_failure_names_the_bind_that_failed_and_where_it_stopped(tmp_path, postgres_url, mariadb_url):
    project = str(tmp_path)
    write_project(project, models=USER_AND_AUDIT_EVENT)
    env = {"DATABASE_URL": postgres_url, "DATABASE_BINDS": json.dumps({"audit": mariadb_url})}
    assert_ok(manage_in_process(project, "db", "init", "--multidb", env=env))
    assert_ok(manage_in_process(project, "db", "migrate", "-m", "both", "--rev-id", revision_id(1), env=env))
    assert_ok(manage_in_process(project, "db", "upgrade", env=env))
    assert_ok(manage_in_process(project, "db", "revision", "-m", "fails", "--rev-id", revision_id(2), env=env))
    path = os.path.join(project, "migrations", "versions", "%s_fails.py" % revision_id(2))
    with open(path) as handle:
        source = handle.read()
    with open(path, "w") as handle:  # the audit bind (MariaDB) fails after one DDL statement
        handle.write(source.replace("def upgrade_audit():\n", "def upgrade_audit():\n"
                                    "    op.create_table('x', sa.Column('id', sa.Integer, primary_key=True))\n"
                                    "    op.execute('INSERT INTO no_such_table VALUES (1)')\n"))

    failed = manage_in_process(project, "db", "upgrade", env=env)
    line = assert_one_line_error(failed, "no_such_table", "The database mysql+pymysql://root@127.0.0.1:3306/",
                                 "is at revision %s" % revision_id(1), "stayed applied (MySQL/MariaDB")
    assert "rolled back" not in line
    assert revision_in(mariadb_url) == revision_in(postgres_url) == revision_id(1)
    assert "x" in table_names(mariadb_url)  # what the line said stayed applied, did


def test_with_transactional_ddl_turned_off_in_env_py_it_does_not_promise_a_rollback(project, postgres_url):
    env = {"DATABASE_URL": postgres_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    env_py = os.path.join(project, "migrations", "env.py")
    with open(env_py) as handle:
        source = handle.read()
    online = "target_metadata=get_metadata(), **options)"
    assert online in source
    with open(env_py, "w") as handle:
        handle.write(source.replace(online, "target_metadata=get_metadata(), transactional_ddl=False, **options)"))
    write_revision(project, 1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
    write_revision(project, 2, FIVE_STEPS, message="five_steps")
    assert_ok(manage_in_process(project, "db", "upgrade", revision_id(1), env=env))

    failed = manage_in_process(project, "db", "upgrade", env=env)
    line = assert_one_line_error(failed, "no_such_table", "database is at revision %s" % revision_id(1),
                                 "transactional DDL is turned off", "may have stayed applied")
    assert "rolled back" not in line and "does not roll back" not in line


def test_a_failed_sql_run_says_nothing_of_the_database_it_did_not_touch(project, server_url):
    env = {"DATABASE_URL": server_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    write_revision(project, 1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
    write_revision(project, 2, "raise RuntimeError('cannot be written as SQL')", message="online_only")
    assert_ok(manage_in_process(project, "db", "upgrade", revision_id(1), env=env))

    failed = manage_in_process(project, "db", "upgrade", "--sql", "%s:head" % revision_id(1), env=env)
    line = assert_one_line_error(failed, "revision %s" % revision_id(2), "cannot be written as SQL")
    assert "database is at" not in line and "rolled back" not in line and "stayed applied" not in line
    assert revision_in(server_url) == revision_id(1)


def find_backend(admin, database, text):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        row = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND query LIKE %s",
                            (database, text + "%")).fetchone()
        if row:
            return row[0]
        time.sleep(0.1)
    raise AssertionError("no backend running %r" % text)


@pytest.mark.e2e
def test_a_connection_killed_during_an_upgrade(project, postgres_url):
    import psycopg

    env = {"DATABASE_URL": postgres_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    write_revision(project, 1, """
        op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))
        op.execute("SELECT pg_sleep(%s)" % os.environ.get("MIGRATION_SLEEP", "0"))
    """)
    process = start_manage(project, "db", "upgrade", env=dict(env, MIGRATION_SLEEP="60"))
    database = postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as admin:
        pid = find_backend(admin, database, "SELECT pg_sleep")
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    killed = finish(process, timeout=30)
    line = assert_one_line_error(killed, "127.0.0.1:5432")
    assert "connection" in line.lower()
    assert "not the script at fault: run the command again once the database answers" in line
    assert revision_in(postgres_url) is None and "a" not in table_names(postgres_url)

    assert_ok(manage_in_process(project, "db", "upgrade", env=env))
    assert revision_in(postgres_url) == revision_id(1)


# -- secrets ----------------------------------------------------------------------------


def test_no_subcommand_prints_the_password(project, make_secret_postgres_url):
    from urllib.parse import quote, quote_plus

    url = make_secret_postgres_url()
    env = {"DATABASE_URL": url, "EDITOR": "true"}
    outputs = []

    def db(*args, expect=0):
        result = manage_in_process(project, "db", *args, env=env)
        assert result.returncode == expect, (args, result.stderr)
        outputs.append((args, result.stdout + result.stderr))
        return result

    db("init")
    db("list-templates")
    db("migrate", "-m", "users")
    db("revision", "-m", "manual", "--rev-id", "bbbbbbbbbbbb")
    db("upgrade", "--sql")
    db("upgrade")
    for command in (["current", "-v"], ["show"], ["heads", "-v"], ["branches", "-v"], ["history", "-v"],
                    ["check"], ["edit"], ["downgrade", "--sql", "head:base"], ["stamp", "--sql", "head"]):
        db(*command)
    db("stamp", "no-such-revision", expect=1)
    db("revision", "-m", "broken", "--rev-id", "cccccccccccc")
    broken = os.path.join(project, "migrations", "versions", "cccccccccccc_broken.py")
    with open(broken) as handle:
        source = handle.read().replace("    pass", "    op.execute('SELECT * FROM no_such_table')", 1)
    with open(broken, "w") as handle:
        handle.write(source)
    db("upgrade", expect=1)
    wrong = dict(env, DATABASE_URL=url.replace(quote(SECRET_PASSWORD, safe=""), "not-the-password"))
    wrong_result = manage_in_process(project, "db", "current", env=wrong)
    assert_one_line_error(wrong_result, "password authentication failed")
    outputs.append((("wrong password",), wrong_result.stdout + wrong_result.stderr))

    forms = {SECRET_PASSWORD, quote(SECRET_PASSWORD, safe=""), quote_plus(SECRET_PASSWORD), "not-the-password"}
    for args, output in outputs:
        for form in forms:
            assert form not in output, (args, output)

"""Production faults, injected: a lock whose session the server drops, secrets in every spelling,
odd encodings, a full disk, interrupts at every stage, one SQLite file under two paths.

In-process where the fault can be made deterministic (the migration itself kills the lock's
session; a configure callback raises the interrupt), real processes where only a process shows
it (signals, waiting for another process's lock).
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import IN_CI
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from helpers import assert_ok, assert_one_line_error, clean_env, manage, revision_in, table_names
from inprocess import manage_in_process
from test_production import (
    finish,
    hold_sqlite_lock,
    revision_id,
    start_manage,
    wait_for_file,
    write_revision,
    write_slow_revision,
)

from flask_migrate_legacy import Migrate, MigrationError, current, init, revision, upgrade
from flask_migrate_legacy.errors import Terminated
from flask_migrate_legacy.masking import MaskedStream, mask_secrets, secret_spellings

pytestmark = pytest.mark.e2e  # real processes: what only a process shows

PASSWORD = "s3cr%t@p:ss/w d"


class InProcess:
    """An app with Migrate, a migrations folder and numbered revisions, in its folder."""

    def __init__(self, folder, url, monkeypatch, engine_options=None):
        monkeypatch.chdir(folder)
        self.folder, self.url = str(folder), url
        self.app = Flask("faults")
        self.app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_TRACK_MODIFICATIONS=False,
                               SQLALCHEMY_ENGINE_OPTIONS=engine_options or {})
        self.db = SQLAlchemy(self.app)
        self.migrate = Migrate(self.app, self.db)
        with self.app.app_context():
            init()

    def revision(self, number, body):
        write_revision(self.folder, number, body)

    def close(self):
        with self.app.app_context():
            self.db.engine.dispose()


@pytest.fixture
def make_project(tmp_path, monkeypatch, closes):
    return lambda url, **kwargs: closes(InProcess(tmp_path, url, monkeypatch, **kwargs))


# -- the lock: never lost silently --------------------------------------------------------

KILL_THE_LOCK = {
    "postgresql": """
        op.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   "WHERE application_name LIKE 'flask-migrate-legacy lock, pid %%' AND pid <> pg_backend_pid() "
                   "AND datname = current_database()")
    """,
    "mariadb": """
        bind = op.get_bind()
        holder = bind.execute(sa.text("SELECT IS_USED_LOCK(:name)"),
                              {"name": "flask_migrate_legacy:default:" + bind.engine.url.database}).scalar()
        bind.execute(sa.text("KILL %d" % holder))
    """,
}


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_a_lost_lock_stops_the_run_before_the_next_revision(server, request, make_project):
    url = request.getfixturevalue({"postgresql": "postgres_url", "mariadb": "mariadb_url"}[server])
    project = make_project(url)
    project.revision(1, "op.create_table('first', sa.Column('id', sa.Integer, primary_key=True))\n"
                     + textwrap.dedent(KILL_THE_LOCK[server]))
    project.revision(2, "op.create_table('second', sa.Column('id', sa.Integer, primary_key=True))")
    with project.app.app_context(), pytest.raises(MigrationError) as error:
        upgrade()
    message = str(error.value)
    assert message.startswith("lost the migration lock on ")
    assert "after applying revision %s" % revision_id(1) in message
    assert "Stopped before the next revision" in message and "\n" not in message
    tables = table_names(url)
    assert "second" not in tables
    if server == "postgresql":  # one transaction: the whole run was rolled back
        assert "rolled back" in message and "at revision base" in message and "first" not in tables
    else:  # MariaDB committed revision 1's DDL, but its version row went with the transaction: said so
        assert "at revision base" in message and "stayed applied" in message and "first" in tables


def _cursor_class(answers):
    """A PyMySQL cursor that answers the lock's probes the way another MySQL driver would."""
    import pymysql.cursors

    class Answering(pymysql.cursors.Cursor):
        def execute(self, query, args=None):
            counted = super().execute(query, args)
            if answers == "raises on warnings" and self._result.warning_count:
                raise pymysql.err.Warning("the server sent %d warning(s)" % self._result.warning_count)
            if answers == "counts nothing":
                self.rowcount = -1
                return None
            return counted

    return Answering


@pytest.mark.parametrize("answers", ["counts", "raises on warnings", "counts nothing"])
def test_the_mariadb_lock_probe_tells_held_from_gone_whatever_the_driver_counts(mariadb_url, answers):
    """The probe after each revision asks with SELECT ... INTO (a count, no result set); a driver that
    raises on the server's "no rows" warning, or counts nothing, gets the answer from the row probe."""
    import sqlalchemy as sa

    from flask_migrate_legacy.lock import LockLost, _lock_engine

    engine = sa.create_engine(mariadb_url, connect_args={"cursorclass": _cursor_class(answers)})
    try:
        with _lock_engine(engine, None, 5) as held:
            for attempt in range(3):  # every revision's check, not only the first
                held.check(after="applying revision %d" % attempt)
            held._connection.execute(sa.text("SELECT RELEASE_LOCK(:name)"),
                                     {"name": "flask_migrate_legacy:default:" + engine.url.database})
            for attempt in range(2):  # gone, and it stays gone
                with pytest.raises(LockLost) as lost:
                    held.check(after="applying revision %d" % (3 + attempt))
                assert "the server no longer lists this session as its holder" in str(lost.value)
            assert (held._probe_by_count is None) == (answers != "counts")
    finally:
        engine.dispose()


SERVER_SLEEP = {"postgresql": "SELECT pg_sleep(2.5)", "mariadb": "SELECT SLEEP(3.5)"}


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_the_lock_survives_a_server_that_drops_idle_sessions(server, request, make_project):
    """Every session of the app is idle-killable after a second or two; the lock's own is not.

    (On MariaDB the migration's own connection is idle between statements too, so it gets 2 s.)"""
    url = request.getfixturevalue({"postgresql": "postgres_url", "mariadb": "mariadb_url"}[server])
    if server == "postgresql":
        options = {"connect_args": {
            "options": "-c idle_session_timeout=1000 -c idle_in_transaction_session_timeout=1000"}}
    else:
        options = {"connect_args": {"init_command": "SET SESSION wait_timeout = 2"}}
    project = make_project(url, engine_options=options)
    project.revision(1, "op.execute(%r)\nop.create_table('slow', sa.Column('id', sa.Integer, primary_key=True))"
                     % SERVER_SLEEP[server])
    project.revision(2, "op.create_table('after', sa.Column('id', sa.Integer, primary_key=True))")
    with project.app.app_context():
        upgrade()  # the check after revision 1 would raise LockLost had the lock's session been dropped
    assert revision_in(url) == revision_id(2)


def test_the_heartbeat_alone_keeps_the_lock_session_busy(postgres_url, make_project, monkeypatch):
    """Where the session settings cannot help (a NAT or proxy cutting idle TCP), the heartbeat does."""
    from flask_migrate_legacy import lock

    monkeypatch.setitem(lock._SESSION_SETTINGS, "postgresql", ())
    monkeypatch.setattr(lock, "HEARTBEAT_SECONDS", 0.3)
    # The lock is held by a transaction: what would end it is the idle-in-transaction timeout.
    project = make_project(postgres_url, engine_options={
        "connect_args": {"options": "-c idle_in_transaction_session_timeout=1000"}})
    project.revision(1, "op.execute('SELECT pg_sleep(2.5)')")
    project.revision(2, "op.create_table('after', sa.Column('id', sa.Integer, primary_key=True))")
    with project.app.app_context():
        upgrade()
    assert revision_in(postgres_url) == revision_id(2)


def test_a_setting_the_server_refuses_is_left_out_and_the_others_still_apply(postgres_url, make_project,
                                                                           monkeypatch):
    # This PostgreSQL (15) is made to pass for 17, whose transaction_timeout it does not know.
    from sqlalchemy.dialects.postgresql.base import PGDialect

    monkeypatch.setattr(PGDialect, "_get_server_version_info", lambda self, connection: (17, 0))
    project = make_project(postgres_url)
    project.revision(1, """
        named = op.get_bind().execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name LIKE 'flask-migrate-legacy lock, pid %'")).scalar()
        assert named == 1, named  # the lock still named itself: only the unknown setting was left out
    """)
    with project.app.app_context():
        upgrade()
        assert project.db.engine.dialect.server_version_info == (17, 0)
    assert revision_in(postgres_url) == revision_id(1)


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_databases_whose_long_names_start_alike_do_not_share_a_lock(server, request):
    # Lock names were cut at 64 characters (MySQL's limit): two apps on such databases waited
    # for each other's migrations, and timed out saying another process held their lock.
    import sqlalchemy as sa
    from conftest import MariaDBServer, PostgresServer, _unique_name, postgres_scheme

    from flask_migrate_legacy.lock import _lock_engine

    request.getfixturevalue(server.replace("postgresql", "postgres") + "_url")  # fails in CI if unreachable
    admin = PostgresServer() if server == "postgresql" else MariaDBServer()
    common = _unique_name() + "_shared_start_of_a_long_name_"
    names = [common + "eu", common + "us"]
    engines = []
    try:
        for name in names:
            if server == "postgresql":
                with admin.admin() as connection:
                    connection.execute('CREATE DATABASE "%s"' % name)
                engines.append(sa.create_engine("%s://postgres@127.0.0.1:5432/%s" % (postgres_scheme(), name)))
            else:
                connection = admin.admin()
                connection.cursor().execute("CREATE DATABASE `%s`" % name)
                connection.close()
                engines.append(sa.create_engine("mysql+pymysql://root@127.0.0.1:3306/%s" % name))
        started = time.monotonic()
        with _lock_engine(engines[0], None, timeout=30):
            with _lock_engine(engines[1], None, timeout=2):
                pass
        assert time.monotonic() - started < 2
    finally:
        for engine in engines:
            engine.dispose()
        for name in names:
            admin.drop(name)


SESSION_STATE = {
    # What the lock does to its own session: a year-long idle timeout and the probe's variable
    # (MariaDB), no server-side prepares (psycopg 3); none of it may reach the app's connections.
    "mariadb": "SELECT @@session.wait_timeout = @@global.wait_timeout AND @flask_migrate_legacy_lock_probe IS NULL",
    "postgresql": "SELECT current_setting('idle_in_transaction_session_timeout') = "
                  "(SELECT boot_val FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout')",
}


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_the_lock_session_never_goes_back_to_the_apps_pool(server, request, make_project):
    """An app that migrates at start-up (upgrade() in its own process) then serves requests from its pool:
    the lock's session, with the settings it made for itself, must not be among those connections."""
    import sqlalchemy as sa

    from flask_migrate_legacy.lock_session import dbapi_connection_of

    url = request.getfixturevalue({"postgresql": "postgres_url", "mariadb": "mariadb_url"}[server])
    project = make_project(url)
    project.revision(1, "op.create_table('first', sa.Column('id', sa.Integer, primary_key=True))")
    project.revision(2, "op.create_table('second', sa.Column('id', sa.Integer, primary_key=True))")
    with project.app.app_context():
        engine = project.db.engine
        for attempt in range(2):  # a second run reuses whatever the first left in the pool
            upgrade() if attempt == 0 else upgrade(revision="heads")
        idle = engine.pool.checkedin()
        connections = [engine.connect() for _ in range(max(idle, 1))]
        try:
            for connection in connections:
                assert connection.execute(sa.text(SESSION_STATE[server])).scalar()
                driver_connection = dbapi_connection_of(connection)
                assert getattr(driver_connection, "prepare_threshold", 5) == 5
                assert type(driver_connection).__module__.split(".")[0] in ("pymysql", "psycopg", "psycopg2")
        finally:
            for connection in connections:
                connection.close()
    assert revision_in(url) == revision_id(2)


def test_one_sqlite_file_under_two_paths_is_one_lock(tmp_path, make_project):
    real = tmp_path / "real.sqlite"
    link = tmp_path / "link.sqlite"
    project = make_project("sqlite:///" + str(link))
    link.symlink_to(real)
    project.revision(1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
    holder = hold_sqlite_lock(str(real))  # another process migrating through the real path
    try:
        project.app.config["MIGRATE_LOCK_TIMEOUT"] = 0.3
        with project.app.app_context(), pytest.raises(MigrationError) as error:
            upgrade()
        assert "another process held the migration lock" in str(error.value)
    finally:
        holder.close()
    assert not os.path.exists(str(link) + ".migrate-lock")


# -- secrets, in every spelling ------------------------------------------------------------


def test_every_spelling_of_a_password_is_masked_where_it_stands_as_a_credential():
    spellings = secret_spellings(PASSWORD)
    assert {"s3cr%25t%40p%3Ass%2Fw%20d", "s3cr%25t%40p%3ass%2fw+d", "s3cr%25t%40p%3Ass/w%20d"} <= set(spellings)
    assert "s3cr%%25t%%40p%%3Ass%%2Fw%%20d" in spellings and "s3cr%%t@p:ss/w d" in spellings
    for form in spellings:
        for text, expected in (("postgresql://u:%s@h/db" % form, "postgresql://u:***@h/db"),
                               ("host=h password=%s dbname=x" % form, "host=h password=*** dbname=x"),
                               ("password='%s'" % form, "password='***'")):
            assert mask_secrets(text, [PASSWORD]) == expected, form
        # anywhere else it is text like any other: masking it there corrupted SQL and gave it away
        assert mask_secrets("it said %s" % form, [PASSWORD]) == "it said %s" % form


@pytest.mark.parametrize("text,expected", [
    ("postgresql://u@h/db?password=hunter2: refused", "postgresql://u@h/db?password=***: refused"),
    ("mysql://u@h/db?charset=utf8&passwd=x%40y&ssl=1", "mysql://u@h/db?charset=utf8&passwd=***&ssl=1"),
    ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),
])
def test_passwords_in_url_queries_and_userinfo_are_masked(text, expected):
    assert mask_secrets(text, []) == expected


def test_what_alembic_prints_for_us_is_masked(postgres_url, make_project, capsys):
    url = postgres_url + "?password=" + "hunter2%40x"  # trust auth: accepted, and must never show
    project = make_project(url)
    project.revision(1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))\n"
                     "op.execute(\"COMMENT ON TABLE a IS 'hunter2@x'\")")
    with project.app.app_context():
        upgrade()
        current(verbose=True)
        upgrade(revision="base:head", sql=True)
    out, err = capsys.readouterr()
    assert "hunter2%40x" not in out + err and "password=***" in out  # the URL's password
    # SQL is printed as the revision wrote it, whatever the password is
    assert "COMMENT ON TABLE a IS 'hunter2@x'" in out


def test_a_stream_passes_writes_through_masked():
    import io

    target = io.StringIO()
    stream = MaskedStream(target, ["pw"])
    stream.write("a pw b: postgresql://u:pw@h/db\n")
    assert target.getvalue() == "a pw b: postgresql://u:***@h/db\n" and stream.getvalue() == target.getvalue()


# -- bad input and odd encodings ---------------------------------------------------------


def test_a_url_sqlalchemy_cannot_write_for_bytes_that_are_not_utf8_is_not_blamed_on_a_password():
    # What an env.py of its own meets when it renders the app's engine URL in a Latin-1 folder
    # (this package's own rendering keeps such bytes: tests/test_legacy_envs.py).
    from sqlalchemy.engine.url import make_url

    from flask_migrate_legacy.foreign_errors import translate
    from flask_migrate_legacy.masking import render_url

    for text in ("sqlite:////srv/caf\udce9/app.sqlite", "postgresql://caf\udce9:pw@127.0.0.1/caf\udce9"):
        url = make_url(text)
        assert make_url(render_url(url, hide_password=False)) == url, ascii(render_url(url, hide_password=False))
        assert "pw" not in render_url(url, hide_password=True)
    if not hasattr(url, "render_as_string"):
        pytest.skip("SQLAlchemy 1.3 does not quote a URL's parts")
    with pytest.raises(UnicodeEncodeError) as raised:  # 1.4 and 2.0 quote the user, 2.1 the database too
        url.render_as_string(hide_password=False)
    message = str(translate(raised.value))
    assert message.startswith("the database URL holds bytes that are not UTF-8") and "password" not in message


@pytest.mark.parametrize("url,expected", [
    ("postgresql://user:p@ss:w/rd#x@127.0.0.1:5432/db", "cannot parse the database URL (ValueError): if its password"),
    ("mysql+pymysql://root@127.0.0.1:3306/db?connect_timeout=abc",
     "the database URL's parameter connect_timeout='abc' is not valid: it must be of type int"),
])
def test_a_database_url_sqlalchemy_cannot_read_is_one_line_without_the_password(tmp_path, url, expected):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "manage.py").write_text(textwrap.dedent("""
        import os
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        from flask_script import Manager
        from flask_migrate import Migrate, MigrateCommand
        app = Flask(__name__)
        app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']
        app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = False
        db = SQLAlchemy(app)
        Migrate(app, db)
        manager = Manager(app)
        manager.add_command('db', MigrateCommand)
        if __name__ == '__main__':
            manager.run()
    """))
    # A real process: Flask-SQLAlchemy 3 fails in SQLAlchemy(app), before any command (the start-up report).
    manage(str(folder), "db", "init", env={"DATABASE_URL": url})  # Flask-SQLAlchemy 2 reads the URL later
    result = manage(str(folder), "db", "current", env={"DATABASE_URL": url})
    import sqlalchemy

    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "ss:w" not in result.stderr and "rd#x" not in result.stderr
    if "p@ss" in url and sqlalchemy.__version__.startswith("1.3"):
        # SQLAlchemy 1.3 parses it (the password runs to the last '@'): a masked connection error
        assert result.stderr.startswith("Error: cannot connect to the database postgresql://user:***@127.0.0.1")
    else:
        assert result.stderr.startswith("Error: " + expected), result.stderr


def test_a_latin1_env_py_with_a_coding_line_runs(sqlite_url, make_project):
    project = make_project(sqlite_url)
    env = os.path.join(project.folder, "migrations", "env.py")
    with open(env, "rb") as handle:
        body = handle.read()
    with open(env, "wb") as handle:  # names SQLALCHEMY_DATABASE_URI, which makes us read the file
        handle.write(b"# -*- coding: latin-1 -*-\n# M\xfcller's SQLALCHEMY_DATABASE_URI notes\n" + body)
    project.revision(1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
    with project.app.app_context():
        upgrade()
    assert revision_in(sqlite_url) == revision_id(1)


def test_an_alembic_ini_that_is_not_utf8_is_one_line(sqlite_url, make_project):
    project = make_project(sqlite_url)
    with open(os.path.join(project.folder, "migrations", "alembic.ini"), "ab") as handle:
        handle.write(b"# caf\xe9\n")
    with project.app.app_context(), pytest.raises(MigrationError) as error:
        current()
    assert str(error.value).startswith(
        "cannot read %s: it is not UTF-8 text (byte 0xe9 at offset " % os.path.join("migrations", "alembic.ini"))


# -- interrupts before the database is reached -------------------------------------------------


@pytest.mark.parametrize("interrupt,code,said", [(KeyboardInterrupt, 130, "interrupted (Ctrl-C)"),
                                                 (Terminated, 143, "terminated (SIGTERM)")])
def test_an_interrupt_while_the_configuration_is_read_is_one_line(sqlite_url, make_project, interrupt, code, said):
    project = make_project(sqlite_url)
    project.revision(1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")

    @project.migrate.configure
    def interrupted(config):
        raise interrupt()

    with project.app.app_context(), pytest.raises(MigrationError) as error:
        upgrade()
    assert str(error.value) == "%s before upgrade started: nothing was changed" % said
    assert error.value.exit_code == code
    assert revision_in(sqlite_url) is None


# -- a full disk ---------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (root only; in CI a test that cannot mount it fails)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        message = "cannot mount a tmpfs: %s" % done.stderr.decode().strip()
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder):
    """Fill the file system of ``folder``; return the filler (delete it to free the space)."""
    filler = folder / "filler"
    with open(str(filler), "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def test_a_revision_on_a_full_disk_leaves_no_file_and_the_next_one_works(small_disk, tmp_path, monkeypatch):
    project = InProcess(small_disk, "sqlite:///" + str(tmp_path / "app.sqlite"), monkeypatch)
    try:
        versions = small_disk / "migrations" / "versions"
        filler = fill(small_disk)
        with project.app.app_context(), pytest.raises(MigrationError) as error:
            revision(message="will not fit", rev_id="r1")
        assert "No space left on device" in str(error.value)
        assert [name for name in os.listdir(str(versions)) if name.endswith(".py")] == []
        filler.unlink()
        with project.app.app_context():
            revision(message="fits", rev_id="r2")
            current()
        assert [name for name in os.listdir(str(versions)) if name.endswith(".py")] == ["r2_fits.py"]
    finally:
        project.close()


def test_the_revision_cache_on_a_full_disk_costs_only_the_imports_and_stays_whole(small_disk, tmp_path, monkeypatch,
                                                                                  capsys):
    import json

    from flask_migrate_legacy import heads
    from flask_migrate_legacy.revision_graph import CACHE_NAME

    project = InProcess(small_disk, "sqlite:///" + str(tmp_path / "app.sqlite"), monkeypatch)
    try:
        cache_folder = small_disk / "migrations" / "__pycache__"
        cache = cache_folder / CACHE_NAME
        with project.app.app_context():
            revision(message="one", rev_id="r1")
            heads()
        assert sorted(json.loads(cache.read_text())["files"]) == [
            os.path.realpath(os.path.join(project.folder, "migrations", "versions", "r1_one.py"))]
        kept = cache.read_bytes()
        with project.app.app_context():
            revision(message="two", rev_id="r2")  # a file the cache does not know: a read wants to rewrite it
        filler = fill(small_disk)
        try:
            capsys.readouterr()
            with project.app.app_context():
                heads()  # the cache cannot be written: the answer is the same, and no error
            assert capsys.readouterr().out == "r2 (head)\n"
            assert cache.read_bytes() == kept  # replaced atomically or not at all: never half written
            assert sorted(os.listdir(str(cache_folder))) == [CACHE_NAME]  # no temporary file left
        finally:
            filler.unlink()
        with project.app.app_context():
            heads()
        assert len(json.loads(cache.read_text())["files"]) == 2  # with room again, it is written
    finally:
        project.close()


def test_init_on_a_full_disk_names_the_file_it_could_not_write_and_leaves_no_folder(small_disk, tmp_path):
    from helpers import write_project

    project = str(small_disk / "project")
    os.mkdir(project)
    write_project(project)
    env = {"DATABASE_URL": "sqlite:///" + str(tmp_path / "app.sqlite")}
    filler = fill(small_disk)
    try:
        line = assert_one_line_error(manage_in_process(project, "db", "init", env=env), "No space left on device: ")
    finally:
        filler.unlink()
    # shutil names the template first: the line names the file being written, then where it came from
    assert line.split("No space left on device: ", 1)[1].startswith("migrations" + os.sep), line
    assert not os.path.exists(os.path.join(project, "migrations"))
    assert_ok(manage_in_process(project, "db", "init", env=env))


def test_doctor_fix_write_on_a_full_disk_keeps_every_file_whole(small_disk, tmp_path, monkeypatch, capsys):
    import shutil

    from flask_migrate_legacy import doctor

    project = InProcess(small_disk, "sqlite:///" + str(tmp_path / "app.sqlite"), monkeypatch)
    try:
        gallery = os.path.join(os.path.dirname(__file__), "doctor_gallery", "d02_rename_admin.py")
        target = small_disk / "migrations" / "versions" / "d02_rename_admin.py"
        shutil.copy(gallery, str(target))
        before = target.read_bytes()
        filler = fill(small_disk)
        with project.app.app_context(), pytest.raises(MigrationError) as error:
            doctor(fix=True, write=True)
        assert str(error.value) == "could not write %s (No space left on device): it is unchanged" % os.path.join(
            "migrations", "versions", "d02_rename_admin.py")
        assert target.read_bytes() == before
        assert sorted(os.listdir(str(target.parent))) == ["d02_rename_admin.py"]  # no temporary file left
        filler.unlink()
        capsys.readouterr()
        with project.app.app_context(), pytest.raises(MigrationError):  # what --fix cannot rewrite remains
            doctor(fix=True, write=True)
        assert "sa.text(" in target.read_text() and "rewrote 1 file(s)" in capsys.readouterr().err
    finally:
        project.close()


@pytest.fixture
def read_only_copy(tmp_path):
    """Return a function mounting a read-only view of a folder (as a container image gives it)."""
    mounts = []

    def mount(folder):
        view = tmp_path / ("read-only-%d" % len(mounts))
        view.mkdir()
        for command in (["mount", "--bind", folder, str(view)], ["mount", "-o", "remount,bind,ro", str(view)]):
            done = subprocess.run(command, capture_output=True)
            if done.returncode != 0:
                if os.path.ismount(str(view)):
                    subprocess.run(["umount", "-l", str(view)], check=False)
                message = "cannot mount a read-only view: %s" % done.stderr.decode().strip()
                if IN_CI:
                    pytest.fail(message)
                pytest.skip(message)
        mounts.append(view)
        return str(view)

    yield mount
    for view in mounts:
        subprocess.run(["umount", "-l", str(view)], check=False)


def test_a_read_only_project_upgrades_and_a_new_revision_there_is_one_line(read_only_copy, project, tmp_path):
    env = {"DATABASE_URL": "sqlite:///" + str(tmp_path / "app.sqlite")}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    write_revision(project, 1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
    image = read_only_copy(project)
    assert_ok(manage_in_process(image, "db", "upgrade", env=env))
    assert revision_in(env["DATABASE_URL"]) == revision_id(1)
    assert revision_id(1) in assert_ok(manage_in_process(image, "db", "current", env=env)).stdout
    line = assert_one_line_error(manage_in_process(image, "db", "revision", "-m", "more", "--rev-id", "r2", env=env),
                                 "Read-only file system: ")
    assert line.endswith(os.path.join("versions", "r2_more.py")) and "Errno" not in line


def run_into(project, args, stdout, env):
    """Run a command line of ``project`` with its standard output going to ``stdout`` (a file or a pipe)."""
    command = [sys.executable, "manage.py", "db"] + args if args[0] != "flask" else \
        [sys.executable, "-m", "flask", "db"] + args[1:]
    process = subprocess.Popen(command, cwd=project, env=clean_env(dict(env, FLASK_APP="app.py")), stdout=stdout,
                               stderr=subprocess.PIPE, text=True)
    _, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(command, process.returncode, "", stderr)


@pytest.mark.e2e
@pytest.mark.parametrize("args", [["history"], ["upgrade", "--sql"], ["flask", "history"], ["doctor"],
                                  ["flask", "doctor"]])
def test_output_redirected_to_a_full_disk_is_an_error_not_a_short_file(small_disk, project, sqlite_url, args):
    # Alembic's printing swallows write errors: `db history > file` on a full disk exited 0 with the
    # file cut short, and the SQL of --sql blamed env.py.
    env = {"DATABASE_URL": sqlite_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    for number in range(1, 4):
        write_revision(project, number, "op.create_table('t%d', sa.Column('id', sa.Integer))" % number)
    filler = fill(small_disk)
    try:
        with open(str(small_disk / "out.txt"), "w") as output:
            result = run_into(project, args, output, env)
    finally:
        filler.unlink()
    assert_one_line_error(result, "could not write the output (No space left on device): what was written is "
                                  "incomplete")


@pytest.mark.e2e
@pytest.mark.parametrize("args, code", [(["history"], 0), (["doctor"], 141), (["flask", "doctor"], 141)])
def test_a_reader_that_goes_away_is_not_an_error(project, sqlite_url, args, code):
    # `db history | head -1`: as under Alembic, quiet and exit 0. Output this package writes itself
    # (db doctor's report) ends as a shell reports SIGPIPE, 141, without a traceback.
    env = {"DATABASE_URL": sqlite_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    for number in range(1, 4):
        write_revision(project, number, "pass")
    read, write = os.pipe()
    os.close(read)  # nobody will read
    try:
        result = run_into(project, args, write, env)
    finally:
        os.close(write)
    assert result.returncode == code and "Traceback" not in result.stderr and "Error" not in result.stderr, \
        result.stderr


# -- signals, as only a process shows them ----------------------------------------------------


AFTERMATH = {
    "sqlite": "The database is at revision base (no revision); statements of the failed revision",
    "postgresql": "The open transaction was rolled back (transactional DDL): the database is at revision base",
    "mariadb": "The database is at revision base (no revision); statements of the failed revision",
}


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"])
def test_sigterm_during_an_upgrade_is_one_line_exit_143_and_releases_the_lock(project, request, database):
    url = request.getfixturevalue(database.replace("postgresql", "postgres") + "_url")
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    marker = write_slow_revision(project)
    process = start_manage(project, "db", "upgrade", env=dict(env, MIGRATION_SLEEP="60"))
    wait_for_file(marker, process)
    process.send_signal(signal.SIGTERM)
    result = finish(process)
    assert result.returncode == 143
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: terminated (SIGTERM). " + AFTERMATH[database]), result.stderr
    assert "Traceback" not in result.stderr
    started = time.monotonic()
    assert_ok(manage_in_process(project, "db", "upgrade", env=dict(env, MIGRATE_LOCK_TIMEOUT="5")))
    assert time.monotonic() - started < 30 and revision_in(url) == revision_id(1)


@pytest.mark.parametrize("database", ["postgresql", "mariadb"])
def test_stopped_while_waiting_for_a_server_lock_it_says_it_changed_nothing(project, request, database):
    url = request.getfixturevalue(database.replace("postgresql", "postgres") + "_url")
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    marker = write_slow_revision(project)
    holder = start_manage(project, "db", "upgrade", env=dict(env, MIGRATION_SLEEP="4"))
    try:
        wait_for_file(marker, holder)
        waiting = start_manage(project, "db", "upgrade", env=env)
        assert waiting.stderr.readline().startswith("Waiting for the migration lock")
        waiting.send_signal(signal.SIGINT)
        result = finish(waiting)
    finally:
        assert_ok(finish(holder))
    assert result.returncode == 130
    assert result.stderr.strip().startswith("Error: interrupted (Ctrl-C) while waiting for the migration lock on ")
    assert result.stderr.strip().endswith(": this process changed nothing")


def test_a_password_given_as_a_query_parameter_is_masked_when_the_connection_fails(project, mariadb_url):
    url = mariadb_url + ("&" if "?" in mariadb_url else "?") + "password=Wr0ng%25pass"
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(project, "db", "init", env={"DATABASE_URL": mariadb_url}))
    result = manage(project, "db", "current", "-v", env=env)
    assert result.returncode == 1
    assert "Wr0ng" not in result.stdout + result.stderr
    assert result.stderr.startswith("Error: cannot connect to the database ") and "password=***" in result.stderr


def test_an_env_py_error_quoting_the_password_in_any_spelling_is_masked(project, postgres_url):
    from urllib.parse import quote

    password = "s3cr%t@p:ss/w"
    url = postgres_url.replace("postgres@", "postgres:%s@" % quote(password, safe=""))  # trust: accepted
    env = {"DATABASE_URL": url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    env_py = os.path.join(project, "migrations", "env.py")
    spelled = [password, quote(password, safe=""), quote(password, safe="").lower(), password.replace("%", "%%"),
               quote(password), quote(password).lower()]  # quote() keeps '/' and writes upper-case hex
    with open(env_py, "a") as handle:
        handle.write("\nraise RuntimeError(%r)\n" % " ".join("postgresql://postgres:%s@127.0.0.1/app" % form
                                                             for form in spelled))
    result = manage(project, "db", "upgrade", env=env)
    assert result.returncode == 1
    assert "s3cr" not in result.stdout + result.stderr, result.stderr
    assert result.stderr.strip().endswith("RuntimeError: " + " ".join(["postgresql://postgres:***@127.0.0.1/app"]
                                                                      * len(spelled))), result.stderr


@pytest.mark.parametrize("sent,code,said", [(signal.SIGINT, 130, "interrupted (Ctrl-C)"),
                                            (signal.SIGTERM, 143, "terminated (SIGTERM)")])
def test_stopped_while_waiting_for_the_lock_it_says_it_changed_nothing(project, sqlite_url, sent, code, said):
    env = {"DATABASE_URL": sqlite_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    write_revision(project, 1, "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))")
    holder = hold_sqlite_lock(sqlite_url[len("sqlite:///"):])
    try:
        process = start_manage(project, "db", "upgrade", env=env)
        assert process.stderr.readline().startswith("Waiting for the migration lock")
        process.send_signal(sent)
        result = finish(process)
    finally:
        holder.close()
    assert result.returncode == code
    assert result.stderr.strip() == (
        "Error: %s while waiting for the migration lock on %s: this process changed nothing" % (said, sqlite_url))
    assert revision_in(sqlite_url) is None


CONVERTIBLE = ("from flask import Flask\nfrom flask_script import Manager\napp = Flask('converted')\n"
               "manager = Manager(app)\n\n\n@manager.command\ndef hello():\n    print('hi')\n\n\n"
               "if __name__ == '__main__':\n    manager.run()\n")


@pytest.mark.parametrize("where", ["a full disk", "a read-only checkout"])
def test_convert_write_that_cannot_write_is_one_line_and_leaves_manage_py_whole(where, small_disk, read_only_copy,
                                                                                capsys):
    from flask_migrate_legacy.package_cli import main

    (small_disk / "manage.py").write_text(CONVERTIBLE + "# " + "padding " * 2000 + "\n")
    before = (small_disk / "manage.py").read_bytes()
    if where == "a full disk":
        filler, folder = fill(small_disk), str(small_disk)
    else:
        filler, folder = None, read_only_copy(str(small_disk))
    assert main(["convert", os.path.join(folder, "manage.py"), "--write"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: could not write ") and err.count("\n") == 1, err
    assert ("No space left on device" if filler else "Read-only file system") in err and "it is unchanged" in err
    assert (small_disk / "manage.py").read_bytes() == before
    assert sorted(os.listdir(str(small_disk))) == sorted(["manage.py"] + (["filler"] if filler else []))
    if filler:  # with room again, the same command writes it
        filler.unlink()
        assert main(["convert", str(small_disk / "manage.py"), "--write"]) == 0
        assert "flask_script" not in (small_disk / "manage.py").read_text()

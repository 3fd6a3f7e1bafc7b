"""Review-time guards: doctor --against REF (heads once merged, rewritten history) and the lock-safety review,
on both command lines; MIGRATE_DDL_LOCK_TIMEOUT on PostgreSQL and MariaDB."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
from helpers import assert_ok, upgraded_to_r1, write_project
from inprocess import manage_in_process

from flask_migrate_legacy.package_cli import main

HERE = os.path.dirname(os.path.abspath(__file__))
GALLERY = os.path.join(HERE, "review_gallery")

#: Each gallery revision -> the findings (code, line) the review must give, and nothing else.
EXPECTED = {
    "u01_index_on_busy_table.py": [("lock-index-blocks-writes", 16)],
    "u02_concurrently_in_transaction.py": [("lock-concurrently-in-transaction", 16)],
    "s03_concurrently_outside_transaction.py": [],
    "u04_not_null_without_default.py": [("lock-not-null-column", 16)],
    "s05_not_null_with_default.py": [],
    "u06_type_change.py": [("lock-type-change-rewrites", 16)],
    "u07_foreign_key.py": [("lock-constraint-validates", 16)],
    "u08_unique_constraint.py": [("lock-unique-constraint", 16)],
    "s09_new_table.py": [],
    "u10_raw_sql.py": [("raw-sql-unreviewed", 16)],
    "u11_drop_mapped_column.py": [("column-still-used", 16)],
    "s12_ignored_with_reason.py": [],
    "u13_ignore_without_reason.py": [("ignore-without-reason", 16), ("lock-index-blocks-writes", 16)],
    "u14_batch_type_change.py": [("lock-type-change-rewrites", 17)],
    "u15_check_and_rename.py": [("column-still-used", 17), ("lock-constraint-validates", 16)],
    "s16_foreign_key_not_valid.py": [],
}


def gallery_project(folder):
    """A project folder: the gallery's revisions in migrations/versions, its models beside them."""
    versions = os.path.join(folder, "migrations", "versions")
    os.makedirs(versions)
    for name in EXPECTED:
        shutil.copy(os.path.join(GALLERY, name), versions)
    shutil.copy(os.path.join(GALLERY, "models.py"), folder)
    with open(os.path.join(folder, "migrations", "env.py"), "w") as handle:
        handle.write("")
    return folder


def findings_by_file(report):
    found = {name: [] for name in EXPECTED}
    for each in report["findings"]:
        if each["where"]:
            path, _, line = each["where"].rpartition(":")
            found[os.path.basename(path)].append((each["code"], int(line)))
    return {name: sorted(codes) for name, codes in found.items()}


def test_every_gallery_revision_gets_exactly_its_findings(tmp_path, capsys):
    project = gallery_project(str(tmp_path / "project"))
    status = main(["doctor", project, "--all", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert findings_by_file(report) == {name: sorted(codes) for name, codes in EXPECTED.items()}
    assert status == 1  # CONCURRENTLY in a transaction, an ignore without a reason, a mapped column dropped
    assert [each["code"] for each in report["findings"] if not each["where"]] == ["no-lock-timeout"]
    for each in report["findings"]:
        assert each["fix"] and each["message"]


def test_each_finding_gives_the_safe_recipe_with_code(tmp_path, capsys):
    project = gallery_project(str(tmp_path / "project"))
    main(["doctor", project, "--all"])
    out = capsys.readouterr().out
    assert "postgresql_concurrently=True" in out and "autocommit_block()" in out
    assert "NOT VALID" in out and "VALIDATE CONSTRAINT" in out and "UNIQUE USING INDEX" in out
    assert "MIGRATE_DDL_LOCK_TIMEOUT" in out


def test_a_review_with_only_advice_passes(tmp_path, capsys):
    project = gallery_project(str(tmp_path / "project"))
    versions = os.path.join(project, "migrations", "versions")
    for name in os.listdir(versions):
        if name != "u10_raw_sql.py":
            os.remove(os.path.join(versions, name))
    assert main(["doctor", project, "--all", "--format", "json"]) == 0
    assert [each["code"] for each in json.loads(capsys.readouterr().out)["findings"]] == ["raw-sql-unreviewed"]


def test_a_lock_timeout_in_the_project_settles_the_advice(tmp_path, capsys):
    project = gallery_project(str(tmp_path / "project"))
    with open(os.path.join(project, "config.py"), "w") as handle:
        handle.write("MIGRATE_DDL_LOCK_TIMEOUT = 5\n")
    main(["doctor", project, "--all", "--format", "json"])
    assert "no-lock-timeout" not in capsys.readouterr().out


# -- --against: a git repository with a base branch and a feature branch ---------------------------------

REVISION = '''"""{doc}"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    {body}


def downgrade():
    pass
'''


def git(folder, *args):
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                          env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
                                   GIT_COMMITTER_EMAIL="t@t"))
    assert done.returncode == 0, done.stderr
    return done.stdout


def add_revision(folder, rev, down, doc="a change", body="op.add_column('users', sa.Column('x', sa.Text()))"):
    path = os.path.join(folder, "migrations", "versions", "%s_.py" % rev)
    with open(path, "w") as handle:
        handle.write(REVISION.format(doc=doc, rev=rev, down=down, body=body))
    return path


@pytest.fixture
def repository(tmp_path):
    """A project on branch main with revisions r1 <- r2, and a branch `feature` started there."""
    folder = str(tmp_path / "repo")
    os.makedirs(os.path.join(folder, "migrations", "versions"))
    with open(os.path.join(folder, "migrations", "env.py"), "w") as handle:
        handle.write("")
    git(folder, "init", "-q", "-b", "main")
    add_revision(folder, "r1", None, "users")
    add_revision(folder, "r2", "r1", "names")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "base")
    git(folder, "checkout", "-q", "-b", "feature")
    return folder


def on_main_meanwhile(folder, rev="r3", down="r2", body="pass"):
    """Commit a revision to main (as a teammate's merged branch), then return to feature."""
    git(folder, "checkout", "-q", "main")
    add_revision(folder, rev, down, "teammate", body)
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "teammate")
    git(folder, "checkout", "-q", "feature")


def against(folder, capsys, *extra):
    status = main(["doctor", folder, "--against", "main", "--format", "json", *extra])
    captured = capsys.readouterr()
    return status, json.loads(captured.out) if captured.out else None, captured.err


def codes(report):
    return sorted(each["code"] for each in report["findings"])


def test_a_branch_that_would_make_two_heads_fails_with_the_merge_command(repository, capsys):
    add_revision(repository, "f1", "r2", "feature work", "pass")
    on_main_meanwhile(repository)
    status, report, _ = against(repository, capsys)
    assert status == 1 and codes(report) == ["heads-after-merge"]
    (head,) = report["findings"]
    assert "2 heads (f1, r3)" in head["message"] and head["fix"] == "merge them on this branch: db merge -m " \
                                                                    "'merge heads' f1 r3"


def test_a_clean_branch_passes_and_its_base_revisions_are_not_reviewed(repository, capsys):
    on_main_meanwhile(repository, body="op.create_index('ix', 'users', ['name'])")  # main's own risk, not ours
    git(repository, "merge", "-q", "main")
    add_revision(repository, "f1", "r3", "feature work", "pass")
    status, report, _ = against(repository, capsys)
    assert status == 0 and codes(report) == []


def test_the_branchs_own_unsafe_revision_is_reviewed(repository, capsys):
    add_revision(repository, "f1", "r2", "index", "op.create_index('ix_users_x', 'users', ['x'])")
    status, report, _ = against(repository, capsys)
    assert status == 1 and codes(report) == ["lock-index-blocks-writes", "no-lock-timeout"]  # the CI step fails
    assert report["exit_status"] == 1
    assert report["findings"][0]["where"].endswith("f1_.py:12")


@pytest.mark.parametrize("change, expected", [
    ("edit", "revision r1, which databases may have run, was edited"),
    ("delete", "revision r1, which main has, was deleted"),
    ("reparent", "revision r2 was re-parented (r1 -> base)"),
])
def test_a_revision_the_base_has_must_not_be_rewritten(repository, capsys, change, expected):
    path = os.path.join(repository, "migrations", "versions", "r1_.py" if change != "reparent" else "r2_.py")
    if change == "delete":
        os.remove(path)
    elif change == "edit":
        with open(path, "a") as handle:
            handle.write("# fixed a typo\n")
    else:
        add_revision(repository, "r2", None, "names")
    status, report, _ = against(repository, capsys)
    assert status == 1 and "revision-rewritten" in codes(report)
    assert any(expected in each["message"] for each in report["findings"])


def test_two_branches_giving_one_id_to_two_files_fail(repository, capsys):
    on_main_meanwhile(repository, rev="r3")
    path = add_revision(repository, "r3", "r2", "mine too", "pass")
    os.rename(path, path.replace("r3_.py", "r3_mine.py"))
    status, report, _ = against(repository, capsys)
    assert status == 1 and "revision-id-taken" in codes(report)


@pytest.mark.parametrize("ref, words", [("nosuch", "--against: git could not find 'nosuch'"),
                                        ("main~5", "--against: git could not find 'main~5'")])
def test_a_ref_git_does_not_know_is_one_line(repository, capsys, ref, words):
    assert main(["doctor", repository, "--against", ref]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: " + words) and err.count("\n") == 1


def test_outside_a_git_repository_is_one_line(tmp_path, capsys):
    project = gallery_project(str(tmp_path / "project"))
    assert main(["doctor", project, "--against", "main"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: --against: git could not find the git repository") and err.count("\n") == 1


def test_db_doctor_reviews_too_and_fix_does_not_go_with_a_review(tmp_path):
    folder = str(tmp_path)
    write_project(folder)
    env = {"DATABASE_URL": "sqlite:///" + os.path.join(folder, "app.db")}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    with open(os.path.join(folder, "migrations", "versions", "r1_.py"), "w") as handle:
        handle.write(REVISION.format(doc="index", rev="r1", down=None,
                                     body="op.create_index('ix_users_name', 'users', ['name'])"))
    reviewed = manage_in_process(folder, "db", "doctor", "--all", "--format", "json", env=env)
    assert reviewed.returncode == 1 and reviewed.stderr.startswith("Error: db doctor found 0 will fail, 1 may fail")
    assert sorted(each["code"] for each in json.loads(reviewed.stdout)["findings"]) == [
        "lock-index-blocks-writes", "no-lock-timeout"]
    refused = manage_in_process(folder, "db", "doctor", "--all", "--fix", env=env)
    assert refused.returncode == 2
    assert refused.stderr == "Error: --fix does not go with a review (--against, --all): it changes no revision\n"


# -- MIGRATE_DDL_LOCK_TIMEOUT -------------------------------------------------------------------------------


def busy_table_project(folder, url):
    """A project at r1 (users), with r2 adding a column to users; return its env."""
    env = upgraded_to_r1(folder, url)
    with open(os.path.join(folder, "migrations", "versions", "r2_.py"), "w") as handle:
        handle.write(REVISION.format(doc="index", rev="r2", down="r1",
                                     body="op.add_column('users', sa.Column('seen', sa.Text()))"))
    return env


@pytest.mark.parametrize("database", ["postgres", "mariadb"])
def test_a_migration_waiting_on_a_busy_table_gives_up_after_the_timeout(tmp_path, request, database):
    import sqlalchemy as sa

    url = request.getfixturevalue(database + "_url")
    folder = str(tmp_path)
    env = busy_table_project(folder, url)
    engine = sa.create_engine(url)
    reader = engine.connect()
    transaction = reader.begin()
    reader.execute(sa.text("SELECT * FROM users"))  # a long transaction that read the table holds its lock
    try:
        started = time.monotonic()
        failed = manage_in_process(folder, "db", "upgrade", env=dict(env, MIGRATE_DDL_LOCK_TIMEOUT="1"))
        elapsed = time.monotonic() - started
    finally:
        transaction.rollback()
        reader.close()
    assert failed.returncode == 1 and elapsed < 30, (failed.stderr, elapsed)
    error = [line for line in failed.stderr.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1 and "waited too long" in error[0] and "MIGRATE_DDL_LOCK_TIMEOUT" in error[0]
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "r1"
    engine.dispose()
    assert_ok(manage_in_process(folder, "db", "upgrade", env=dict(env, MIGRATE_DDL_LOCK_TIMEOUT="1")))


def test_without_the_setting_the_migration_waits_for_the_table_as_before(tmp_path, postgres_url):
    import sqlalchemy as sa

    folder = str(tmp_path)
    env = busy_table_project(folder, postgres_url)
    engine = sa.create_engine(postgres_url)
    reader = engine.connect()
    transaction = reader.begin()
    reader.execute(sa.text("SELECT * FROM users"))
    release = threading.Timer(3, lambda: (transaction.rollback(), reader.close()))
    release.start()
    started = time.monotonic()
    try:
        assert_ok(manage_in_process(folder, "db", "upgrade", env=env))
    finally:
        release.join()
    assert time.monotonic() - started >= 2.5  # it waited for the reader, and then ran
    engine.dispose()


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "abc", "1e999"])
def test_a_ddl_lock_timeout_outside_its_domain_is_one_line_and_nothing_runs(tmp_path, value):
    folder = str(tmp_path)
    write_project(folder)
    env = {"DATABASE_URL": "sqlite:///" + os.path.join(folder, "app.db"), "MIGRATE_DDL_LOCK_TIMEOUT": value}
    assert_ok(manage_in_process(folder, "db", "init", env=env))
    failed = manage_in_process(folder, "db", "upgrade", env=env)
    assert failed.returncode == 1 and failed.stderr == (
        "Error: MIGRATE_DDL_LOCK_TIMEOUT must be a number of seconds, 0 or more (0: no timeout, the default), "
        "not %r\n" % value)


def test_the_standalone_review_needs_no_app_and_runs_as_a_process(tmp_path):
    project = gallery_project(str(tmp_path / "project"))
    done = subprocess.run([sys.executable, "-m", "flask_migrate_legacy", "doctor", project, "--all"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "lock-concurrently-in-transaction" in done.stdout
    assert done.stderr.startswith("Error: doctor found ")


# -- --verify: the flagged revisions run, rolled back, on a scratch database ------------------------------


def verified_project(folder):
    versions = os.path.join(folder, "migrations", "versions")
    os.makedirs(versions)
    with open(os.path.join(folder, "migrations", "env.py"), "w") as handle:
        handle.write("")
    steps = [("r0", None, "op.create_table('users', sa.Column('id', sa.Integer, primary_key=True), "
                          "sa.Column('name', sa.String(64)))\n    op.create_table('posts', sa.Column('id', sa.Integer, "
                          "primary_key=True), sa.Column('user_id', sa.Integer))"),
             ("r1", "r0", "op.create_index('ix_users_name', 'users', ['name'])"),
             ("r2", "r1", "op.alter_column('users', 'name', type_=sa.Text(), existing_type=sa.String(64))"),
             ("r2b", "r2", "op.alter_column('users', 'name', type_=sa.Integer(), existing_type=sa.Text(), "
                           "postgresql_using='length(name)')"),
             ("r3", "r2b", "op.create_foreign_key('fk_posts_user', 'posts', 'users', ['user_id'], ['id'])"),
             ("r4", "r3", "op.create_index('ix_posts_user', 'posts', ['user_id'], postgresql_concurrently=True)")]
    for rev, down, body in steps:
        with open(os.path.join(versions, "%s_.py" % rev), "w") as handle:
            handle.write(REVISION.format(doc=rev, rev=rev, down=down, body=body))
    return folder


def scratch_databases_created(monkeypatch):
    """Record the name of every database a SQLAlchemy engine of this process creates from now on."""
    import re

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    created = []

    def seen(connection, cursor, statement, parameters, context, executemany):
        found = re.match(r'CREATE DATABASE "([^"]+)"', statement)
        if found:
            created.append(found.group(1))

    event.listen(Engine, "before_cursor_execute", seen)
    return created, lambda: event.remove(Engine, "before_cursor_execute", seen)


@pytest.fixture
def one_verify_at_a_time():
    """Each --verify drops what killed runs left on the whole server: the tests that run one, or leave a
    database for one to find, hold this lock, across workers and test runs of this machine."""
    import fcntl
    import tempfile

    with open(os.path.join(tempfile.gettempdir(), "flask-migrate-legacy-verify-tests.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.mark.usefixtures("one_verify_at_a_time")
def test_verify_runs_each_flagged_revision_and_reports_its_locks_and_rewrites(tmp_path, capsys, postgres_url,
                                                                              monkeypatch):
    import sqlalchemy as sa

    project = verified_project(str(tmp_path / "project"))
    created, stop_recording = scratch_databases_created(monkeypatch)
    try:
        status = main(["doctor", project, "--all", "--verify", postgres_url, "--format", "json"])
    finally:
        stop_recording()
    assert len(created) == 1 and created[0].startswith("fml_verify_")
    report = json.loads(capsys.readouterr().out)
    shown = {os.path.basename(each["where"].rpartition(":")[0]): each["message"] for each in report["findings"]
             if each["where"]}
    assert status == 1  # r4: CONCURRENTLY in the transaction
    assert "[verified on PostgreSQL: took ShareLock on users; rewrote no table]" in shown["r1_.py"]
    # varchar to text is binary-coercible: PostgreSQL locks but does not rewrite; text to integer rewrites
    assert "took AccessExclusiveLock on users; rewrote no table]" in shown["r2_.py"]
    assert "took AccessExclusiveLock on users; rewrote users]" in shown["r2b_.py"]
    assert "took ShareRowExclusiveLock on posts, ShareRowExclusiveLock on users; rewrote no table]" in shown["r3_.py"]
    assert "[verified on PostgreSQL: PostgreSQL refused it (CREATE INDEX CONCURRENTLY cannot run inside a " \
           "transaction block)]" in shown["r4_.py"]
    engine = sa.create_engine(postgres_url)  # the scratch database is gone, and nothing reached this one
    with engine.connect() as connection:
        assert not connection.execute(sa.text("SELECT datname FROM pg_database WHERE datname = :name"),
                                      {"name": created[0]}).fetchall()
        assert not connection.execute(sa.text("SELECT 1 FROM information_schema.tables WHERE table_name = "
                                              "'posts' AND table_schema = 'public'")).fetchall()
    engine.dispose()


def _dropped(err, names):
    """The lines saying one of ``names`` was dropped (a shared server may hold other runs' leftovers)."""
    return [line for line in err.splitlines() if line.startswith("--verify dropped") and line.split()[2] in names]


def _databases(engine, names):
    import sqlalchemy as sa

    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT datname FROM pg_database")).fetchall()
    return {name for (name,) in rows} & set(names)


@pytest.mark.usefixtures("one_verify_at_a_time")
def test_verify_drops_what_killed_runs_left_and_nothing_else(tmp_path, capsys, postgres_url,
                                                              make_secret_postgres_url):
    """A killed run's scratch database goes at the next run; a live run's (its mark open), one someone is
    connected to, another user's and a name not of the pattern stay."""
    import uuid

    import sqlalchemy as sa
    from conftest import SECRET_ROLE

    make_secret_postgres_url()  # the other user exists
    scratch = lambda: "fml_verify_" + uuid.uuid4().hex[:12]  # noqa: E731
    left, live, busy, theirs = scratch(), scratch(), scratch(), scratch()
    not_the_pattern = "fml_verify_" + uuid.uuid4().hex[:8] + "_keep"
    names = [left, live, busy, theirs, not_the_pattern]
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    others = []
    try:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql('CREATE DATABASE "%s"%s' % (name, ' OWNER "%s"' % SECRET_ROLE
                                                                        if name == theirs else ""))
        marked = sa.create_engine(postgres_url, connect_args={"application_name": "flask-migrate-legacy verify "
                                                                                  + live})
        on_busy = sa.create_engine(postgres_url.rsplit("/", 1)[0] + "/" + busy)
        others += [marked, on_busy]
        mark, busy_session = marked.connect(), on_busy.connect()
        project = verified_project(str(tmp_path / "project"))
        said = []
        for _ in range(2):  # the next run, too: what stayed stays while its reason holds
            assert main(["doctor", project, "--all", "--verify", postgres_url]) == 1
            said.append(_dropped(capsys.readouterr().err, names))
            assert _databases(admin, names) == {live, busy, theirs, not_the_pattern}
        assert said == [["--verify dropped %s on %s, the scratch database of a run that was killed" % (
            left, postgres_url)], []]
        mark.close()  # the live run ends without dropping (killed), and the session on busy closes
        busy_session.close()
        marked.dispose()
        on_busy.dispose()
        assert main(["doctor", project, "--all", "--verify", postgres_url]) == 1
        err = capsys.readouterr().err
        assert _databases(admin, names) == {theirs, not_the_pattern}
        assert sorted(line.split()[2] for line in _dropped(err, names)) == sorted([live, busy])
    finally:
        for engine in others:
            engine.dispose()
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        admin.dispose()


@pytest.mark.usefixtures("one_verify_at_a_time")
def test_a_killed_verify_leaves_a_database_the_next_run_drops(tmp_path, postgres_url):
    """SIGKILL in the middle of --verify (the OOM killer, a CI timeout): its scratch database stays, and the
    next run drops it, saying so in one line."""
    import signal

    import sqlalchemy as sa

    project = str(tmp_path / "project")
    versions = os.path.join(project, "migrations", "versions")
    os.makedirs(versions)
    open(os.path.join(project, "migrations", "env.py"), "w").close()
    for rev, down, body in [("r0", None, "op.create_table('posts', sa.Column('id', sa.Integer, primary_key=True))"),
                            ("r1", "r0", "import os, time\n    open(os.environ['FML_STARTED'], 'w').close()\n"
                                         "    time.sleep(float(os.environ['FML_SLEEP']))\n"
                                         "    op.create_index('ix_posts_id', 'posts', ['id'])")]:
        with open(os.path.join(versions, "%s_.py" % rev), "w") as handle:
            handle.write(REVISION.format(doc=rev, rev=rev, down=down, body=body))
    started = str(tmp_path / "started")
    env = dict(os.environ, FML_STARTED=started, FML_SLEEP="60")
    command = [sys.executable, "-m", "flask_migrate_legacy", "doctor", project, "--all", "--verify", postgres_url]
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")

    def scratch_databases():
        with admin.connect() as connection:
            return {name for (name,) in connection.exec_driver_sql(
                "SELECT datname FROM pg_database d WHERE datname ~ '^fml_verify_' AND NOT EXISTS (SELECT 1 FROM "
                "pg_stat_activity a WHERE a.application_name = 'flask-migrate-legacy verify ' || d.datname "
                "OR a.datname = d.datname)")}

    def marks():
        with admin.connect() as connection:
            return {name for (name,) in connection.exec_driver_sql(
                "SELECT substr(application_name, 29) FROM pg_stat_activity WHERE application_name LIKE "
                "'flask-migrate-legacy verify fml_verify_%%'")}

    others = marks()  # a run elsewhere on this server
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(started):
            assert process.poll() is None and time.monotonic() < deadline, "the revision never ran"
            time.sleep(0.05)
        marked = sorted(marks() - others)  # the running process's database, named by its mark
        assert len(marked) == 1, (marked, others)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        deadline = time.monotonic() + 10  # the server sees the killed process's sessions end
        while marked[0] not in scratch_databases():
            assert time.monotonic() < deadline, "the killed run's database did not stay, or its sessions did not end"
            time.sleep(0.05)
        done = subprocess.run(command, env=dict(env, FML_SLEEP="0"), capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stderr
        assert _dropped(done.stderr, marked) == ["--verify dropped %s on %s, the scratch database of a run that "
                                                 "was killed" % (marked[0], postgres_url)]
        assert marked[0] not in scratch_databases()
    finally:
        if process.poll() is None:
            process.kill()
        admin.dispose()


@pytest.mark.parametrize("url, words", [("sqlite:///x.db", "--verify runs the revisions on PostgreSQL"),
                                        ("not a url", "--verify takes a PostgreSQL URL")])
def test_verify_needs_a_postgresql_url(tmp_path, capsys, url, words):
    project = verified_project(str(tmp_path / "project"))
    assert main(["doctor", project, "--all", "--verify", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: " + words) and err.count("\n") == 1
    assert main(["doctor", project, "--verify", url]) == 2
    assert "--verify goes with a review" in capsys.readouterr().err

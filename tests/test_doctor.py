"""db doctor: finds what will break in a legacy project, without false alarms, and fixes what is safe."""

import io
import json
import os
import re
import shutil
import sys

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from helpers import assert_ok, flask_db, manage, revision_in, table_names, write_project

from flask_migrate_legacy import Migrate, MigrationError, doctor, downgrade, init, migrate, revision, upgrade
from flask_migrate_legacy.audit import audit_folder
from flask_migrate_legacy.code_audit import select_takes_columns
from flask_migrate_legacy.fixer import fix, fixed_source
from flask_migrate_legacy.revision_files import read_revision

GALLERY = os.path.join(os.path.dirname(__file__), "doctor_gallery")


def read(name):
    with open(os.path.join(GALLERY, name), encoding="utf-8") as handle:
        return handle.read()


def line_of(name, text):
    """The number of the first line of gallery file ``name`` holding ``text``."""
    return next(number for number, line in enumerate(read(name).splitlines(), 1) if text in line)
EXPECTED = {  # file -> the codes db doctor must report for it, and nothing else
    "d01_users.py": [],
    "d02_rename_admin.py": ["needs-database", "string-sql", "string-sql"],
    "d03_copy_users.py": ["needs-database", "select-list"],
    "d04_report.py": ["engine-execute", "needs-database", "row-string-key"],
    "d05_email.py": ["autoload", "bound-metadata", "needs-database"],
    "d06_unique_email.py": ["renamed-op-argument", "sqlite-needs-batch", "sqlite-needs-batch", "unnamed-constraint"],
    "d07_longer_names.py": ["needs-database"],
    "d08_avatars.py": ["removed-type"],
}
FIXABLE = ["d01_users.py", "d02_rename_admin.py", "d03_copy_users.py"]


def migrations_folder(folder, names):
    """A migrations folder as `db init` writes it, holding the gallery files ``names``."""
    from alembic import command

    from flask_migrate_legacy.config import Config

    config = Config(os.path.join(folder, "migrations", "alembic.ini"))
    command.init(config, os.path.join(folder, "migrations"), template="flask")
    for name in names:
        shutil.copy(os.path.join(GALLERY, name), os.path.join(folder, "migrations", "versions", name))
    return os.path.join(folder, "migrations")


@pytest.fixture
def gallery(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return migrations_folder(str(tmp_path), sorted(EXPECTED))


def codes_by_file(findings):
    found = {}
    for finding in findings:
        name = os.path.basename(finding.where.split(":")[0]) if finding.where else ""
        found.setdefault(name, []).append(finding.code)
    return {name: sorted(codes) for name, codes in found.items()}


def test_each_revision_gets_exactly_its_findings(gallery):
    found = codes_by_file(audit_folder(gallery))
    for name, codes in EXPECTED.items():
        assert found.get(name, []) == codes, name
    assert set(found) - set(EXPECTED) <= {"alembic.ini"}, found


def test_findings_say_where_what_and_how_to_fix(gallery):
    findings = {}
    for finding in audit_folder(gallery):  # the first of each code in each file
        findings.setdefault((finding.code, os.path.basename(finding.where.split(":")[0])), finding)
    string_sql = findings[("string-sql", "d02_rename_admin.py")]
    assert string_sql.severity == "fail" and string_sql.fixable
    assert string_sql.where == "%s:%d" % (os.path.join("migrations", "versions", "d02_rename_admin.py"),
                                          line_of("d02_rename_admin.py", "conn.execute("))
    assert "ObjectNotExecutableError" in string_sql.message and "SQLAlchemy 2.0" in string_sql.message
    assert string_sql.fix == "wrap the SQL in sa.text(...)"
    assert findings[("sqlite-needs-batch", "d06_unique_email.py")].severity == "may"
    assert findings[("needs-database", "d07_longer_names.py")].severity == "advice"


@pytest.mark.parametrize("history,code", [
    ({"a": None, "b": "a", "c": "a"}, "multiple-heads"),
    ({"a": None, "b": "a", "b2": "zzz"}, "missing-parent"),
    ({"a": "c", "b": "a", "c": "b"}, "cycle"),
])
def test_history_problems(tmp_path, history, code):
    folder = migrations_folder(str(tmp_path), [])
    for revision_id, down in history.items():
        with open(os.path.join(folder, "versions", "%s_.py" % revision_id), "w") as handle:
            handle.write("revision = %r\ndown_revision = %r\n" % (revision_id, down))
    codes = [finding.code for finding in audit_folder(folder)]
    assert code in codes
    assert all(c in ("multiple-heads", "missing-parent", "cycle") for c in codes if c != code) or code == "cycle"


def test_a_duplicate_revision_id_and_a_file_without_one(tmp_path):
    folder = migrations_folder(str(tmp_path), [])
    for name, text in (("a_.py", "revision = 'a'\ndown_revision = None\n"),
                       ("a2_.py", "revision = 'a'\ndown_revision = None\n"),
                       ("x_.py", "down_revision = 'a'\n"), ("broken_.py", "def upgrade(:\n")):
        with open(os.path.join(folder, "versions", name), "w") as handle:
            handle.write(text)
    codes = sorted(finding.code for finding in audit_folder(folder))
    assert codes == ["does-not-parse", "duplicate-revision", "no-revision-id"]


def write_versions(folder, files):
    for name, data in files.items():
        with open(os.path.join(folder, "versions", name), "wb") as handle:
            handle.write(data)


def test_a_file_python_reads_is_not_said_to_fail_whatever_its_bytes(tmp_path):
    # Python runs a file with Latin-1 bytes in a comment and no coding line (Flask-Migrate 2.x
    # revisions edited on Windows): db doctor said it did not parse, its child had a missing
    # parent, and the history two heads.
    folder = migrations_folder(str(tmp_path), [])
    write_versions(folder, {
        "a_.py": b"revision = 'a'\ndown_revision = None\n",
        "b_.py": b"# Ge\xe4ndert von M\xfcller\nrevision = 'b'\ndown_revision = 'a'\n"
                 b"def upgrade():\n    op.get_bind().execute('SELECT 1')\n",
        "c_.py": b"revision = 'c'\ndown_revision = 'b'\n",
    })
    findings = audit_folder(folder)
    assert sorted(finding.code for finding in findings) == ["needs-database", "not-in-its-encoding", "string-sql"]
    [advice] = [finding for finding in findings if finding.code == "not-in-its-encoding"]
    assert advice.severity == "advice" and advice.where.endswith("b_.py:1") and "UTF-8" in advice.message
    assert not any(finding.fixable for finding in findings)  # --fix cannot write back bytes it could not read
    assert fixed_source(read_revision(os.path.join(folder, "versions", "b_.py"))) is None


def test_a_file_python_cannot_read_is_one_finding_saying_why(tmp_path):
    folder = migrations_folder(str(tmp_path), [])
    write_versions(folder, {
        "a_.py": b"revision = 'a'\ndown_revision = None\n",
        "b_.py": b"revision = 'b'\ndown_revision = 'a'\ndef upgrade():\n    x = (\n",
        "c_.py": b"revision: str = 'c'\ndown_revision = ('b',)\n",
        "d_.py": b"revision = 'd'\ndown_revision = 'c'\nname = 'M\xfcller'\n",  # not UTF-8 in code
    })
    findings = audit_folder(folder)
    assert sorted(finding.code for finding in findings) == ["does-not-parse", "does-not-parse"]
    by_file = {os.path.basename(finding.where): finding.message for finding in findings}
    assert re.search(r"\(line \d+: \S", by_file["b_.py"]), by_file["b_.py"]  # Python's own words, per version
    assert "utf-8" in by_file["d_.py"].lower()


def test_a_revision_that_cannot_be_opened_is_one_finding_with_the_reason(tmp_path):
    folder = migrations_folder(str(tmp_path), [])
    os.mkdir(os.path.join(folder, "versions", "a_.py"))  # what os.listdir shows, open() refuses
    [finding] = audit_folder(folder)
    assert finding.code == "does-not-parse"
    assert finding.message == "Python cannot read the revision file (Is a directory)"


def test_the_env_generation_is_named_with_what_it_means(tmp_path):
    folder = migrations_folder(str(tmp_path), [])
    shutil.copy(os.path.join(os.path.dirname(__file__), "legacy_envs", "v1_config_uri.py"),
                os.path.join(folder, "env.py"))
    [finding] = [f for f in audit_folder(folder) if f.code == "env-generation"]
    assert finding.severity == "advice" and "Flask-Migrate 1.x-2.4" in finding.message


def test_env_py_problems_are_reported_before_any_command_runs_them(tmp_path, monkeypatch, closes, capsys):
    monkeypatch.chdir(tmp_path)
    project = closes(App(str(tmp_path), "sqlite:///" + str(tmp_path / "app.db")))
    project.app.extensions["migrate"].migrate._give({"compare_type": True}, None, None)  # Migrate(compare_type=True)
    gallery_env = os.path.join(os.path.dirname(__file__), "envpy_gallery", "explicit_compare_type.py")
    with project.app.app_context():
        init()
        with open(gallery_env) as handle:
            lines = handle.read().splitlines()
        lines.insert(lines.index("target_metadata = current_app.extensions['migrate'].db.metadata") + 1,
                     "tables = current_app.extensions['migrate'].db.get_tables_for_bind()")
        with open(os.path.join("migrations", "env.py"), "w") as handle:
            handle.write("\n".join(lines) + "\n")
        with pytest.raises(MigrationError):
            doctor()
    out = capsys.readouterr().out
    assert "env.py passes compare_type= to context.configure() and Migrate() was given compare_type too" in out
    assert "[argument-given-twice]" in out
    import flask_sqlalchemy

    assert "db.get_tables_for_bind() was removed in Flask-SQLAlchemy 3" in out
    gone = not hasattr(flask_sqlalchemy.SQLAlchemy, "get_tables_for_bind")  # 3.1 on; 2.x and 3.0 have it
    assert ("Will fail" if gone else "still has it") in out


def test_the_fixer_rewrites_only_what_is_certainly_safe_and_keeps_the_rest():
    fixed = fixed_source(read_revision(os.path.join(GALLERY, "d02_rename_admin.py")))
    assert 'conn.execute(sa.text("UPDATE users SET name = \'root\' WHERE name = \'admin\'"))' in fixed
    assert "sa.text(\"UPDATE users SET name = '%s' WHERE name = 'root'\" % 'admin')" in fixed
    assert fixed.count("\n") == read("d02_rename_admin.py").count("\n")
    fixed_select = fixed_source(read_revision(os.path.join(GALLERY, "d03_copy_users.py")))
    if select_takes_columns():
        assert "sa.select(users.c.id, users.c.name)" in fixed_select
    else:  # SQLAlchemy 1.3 would read the second column as a WHERE clause: not certainly safe there
        assert fixed_select is None
    for name in ("d01_users.py", "d04_report.py", "d07_longer_names.py"):
        assert fixed_source(read_revision(os.path.join(GALLERY, name))) is None, name


def test_the_fixer_keeps_a_files_encoding_and_adds_the_import_it_needs(tmp_path):
    path = tmp_path / "r1_.py"
    path.write_bytes("# -*- coding: latin-1 -*-\n# Müller\nfrom alembic import op\nrevision = 'r1'\n"
                     "down_revision = None\n\ndef upgrade():\n    op.get_bind().execute('SELECT 1')  # é\n"
                     .encode("latin-1"))
    fixed = fixed_source(read_revision(str(path)))
    assert "import sqlalchemy as sa\n" in fixed and "execute(sa.text('SELECT 1'))  # é" in fixed
    assert read_revision(str(path)).encoding == "iso-8859-1"


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_the_fixer_keeps_line_endings_and_a_bom_and_counts_lines_as_python_does(tmp_path, newline):
    # A form feed and U+2028 in comments are not line breaks to Python, only to str.splitlines.
    lines = ["# \x0c page 2 \u2028 still the same line", "from alembic import op", "revision = 'r1'",
             "down_revision = None", "", "def upgrade():", "    op.get_bind().execute('SELECT 1')  # \u2028 é", ""]
    path = tmp_path / "migrations" / "versions" / "r1_.py"
    path.parent.mkdir(parents=True)
    original = newline.join(lines).encode("utf-8-sig")
    path.write_bytes(original)
    fix(str(tmp_path / "migrations"), write=True, out=io.StringIO())
    written = path.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf")
    expected = lines[:2] + ["import sqlalchemy as sa"] + lines[2:6] + [
        "    op.get_bind().execute(sa.text('SELECT 1'))  # \u2028 é", ""]
    assert written.decode("utf-8-sig") == newline.join(expected)


def test_a_rewrite_that_would_not_parse_is_one_line_and_the_file_is_left_as_it_was(tmp_path, monkeypatch):
    from flask_migrate_legacy import fixer, pysource

    path = tmp_path / "migrations" / "versions" / "r1_.py"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"# \x0c\nfrom alembic import op\nrevision = 'r1'\ndown_revision = None\n\n"
                     b"def upgrade():\n    op.get_bind().execute('SELECT 1')\n")
    before = path.read_bytes()
    # the line splitting this package had: it counted the form feed as a line break
    monkeypatch.setattr(pysource, "python_lines", lambda source: source.splitlines(keepends=True))
    with pytest.raises(MigrationError) as raised:
        fixer.fix(str(tmp_path / "migrations"), write=True, out=io.StringIO())
    assert str(raised.value).startswith("doctor --fix could not rewrite ") and "\n" not in str(raised.value)
    assert "it is unchanged" in str(raised.value) and path.read_bytes() == before


class App:
    """An in-process app on ``url`` whose migrations are the fixable gallery files, fixed by db doctor."""

    def __init__(self, folder, url):
        self.app = Flask("doctor")
        self.app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_TRACK_MODIFICATIONS=False)
        self.db = SQLAlchemy(self.app)
        Migrate(self.app, self.db)

    def close(self):
        with self.app.app_context():
            self.db.engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"])
def test_fixed_revisions_upgrade_and_downgrade_on_sqlalchemy_2(tmp_path, monkeypatch, request, database, closes, capsys):
    import sqlalchemy

    if int(sqlalchemy.__version__.split(".")[0]) < 2:
        pytest.skip("the fixes are for SQLAlchemy 2 (on 1.3 select([...]) is not rewritten, see above)")

    url = request.getfixturevalue(database.replace("postgresql", "postgres") + "_url")
    monkeypatch.chdir(tmp_path)
    project = closes(App(str(tmp_path), url))
    with project.app.app_context():
        init()
        for name in FIXABLE:
            shutil.copy(os.path.join(GALLERY, name), os.path.join("migrations", "versions", name))
        with pytest.raises(MigrationError):
            doctor(fix=True)  # shows the diff, writes nothing, and still reports the problems
        assert "+    conn.execute(sa.text(" in capsys.readouterr().out
        doctor(fix=True, write=True)  # nothing left that will fail: no error
        upgrade()
        rows = project.db.session.execute(sqlalchemy.text("SELECT id, name FROM users ORDER BY id")).fetchall()
        project.db.session.remove()
        downgrade(revision="base")
    assert [tuple(row) for row in rows] == [(1, "root"), (101, "copy of root")]
    assert "users" not in table_names(url)


@pytest.fixture
def migrated(tmp_path, monkeypatch, closes, sqlite_url):
    """A project with a users model, migrated and upgraded by this package (its own env.py)."""
    monkeypatch.chdir(tmp_path)
    project = closes(App(str(tmp_path), sqlite_url))

    class User(project.db.Model):
        __tablename__ = "users"
        id = project.db.Column(project.db.Integer, primary_key=True)

    with project.app.app_context():
        init()
        migrate(message="users", rev_id="r1")
        upgrade()
    return project


def test_a_clean_project_has_nothing_to_report(migrated, capsys):
    with migrated.app.app_context():
        capsys.readouterr()
        doctor()
        out, err = capsys.readouterr()
        doctor(format="json")
        report = json.loads(capsys.readouterr().out)
    # Before Python 3.10 one piece of advice is true for every project: newer Alembic needs 3.10.
    limit = [f for f in report["findings"] if f["code"] == "alembic-python-limit"]
    assert len(limit) == (1 if sys.version_info < (3, 10) else 0)
    assert out.endswith("db doctor: 0 will fail, 0 may fail, %d advice\n" % len(limit))
    assert "INFO" not in err and "Context impl" not in err  # the report alone, not env.py's logging
    assert report == {"findings": limit, "summary": "0 will fail, 0 may fail, %d advice" % len(limit), "exit_status": 0}


def test_with_the_database_it_says_when_models_and_database_disagree(migrated, capsys):
    project = migrated

    class Late(project.db.Model):
        __tablename__ = "late"
        id = project.db.Column(project.db.Integer, primary_key=True)

    with project.app.app_context():
        doctor()
    out = capsys.readouterr().out
    assert "the models differ from the database: 1 change(s), e.g. add_table" in out and "[models-differ]" in out


def test_the_command_lines_exit_0_1_and_2(tmp_path):
    folder = str(tmp_path)
    write_project(folder)
    env = {"DATABASE_URL": "sqlite:///" + os.path.join(folder, "app.db")}
    assert_ok(manage(folder, "db", "init", env=env))
    clean = assert_ok(manage(folder, "db", "doctor", env=env))
    advice = 1 + (sys.version_info < (3, 10))  # no database yet; before 3.10, newer Alembic's limit
    assert clean.stdout.strip().endswith("db doctor: 0 will fail, 0 may fail, %d advice" % advice)
    shutil.copy(os.path.join(GALLERY, "d01_users.py"), os.path.join(folder, "migrations", "versions"))
    shutil.copy(os.path.join(GALLERY, "d02_rename_admin.py"), os.path.join(folder, "migrations", "versions"))
    found = manage(folder, "db", "doctor", env=env)
    assert found.returncode == 1
    assert found.stdout.startswith("Will fail (2)\n  %s:%d: " % (os.path.join("migrations", "versions", "d02_rename_admin.py"),
                                                                 line_of("d02_rename_admin.py", "conn.execute(")))
    assert found.stderr.strip() == "Error: db doctor found 2 will fail, 0 may fail, %d advice; 2 fixable with --fix" % (
        advice + 1)
    assert "does not exist yet" in found.stdout and not os.path.exists(os.path.join(folder, "app.db"))
    as_json = flask_db(folder, "doctor", "--format", "json", env=env)
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["exit_status"] == 1
    for bad in (["--format", "xml"], ["--write"]):
        usage = manage(folder, "db", "doctor", *bad, env=env)
        assert usage.returncode == 2 and usage.stderr.startswith("Error: ") and usage.stderr.count("\n") == 1
    assert revision_in(env["DATABASE_URL"]) is None  # the doctor changed nothing


# -- the database, as the project's own env.py sees it ------------------------------------------


class Project:
    """An in-process app with a users model (and an events model in a bind, with ``binds``)."""

    def __init__(self, url, binds=None, **migrate_args):
        self.app = Flask("doctor")
        self.app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_BINDS=binds or {},
                               SQLALCHEMY_TRACK_MODIFICATIONS=False)
        self.db = SQLAlchemy(self.app)
        Migrate(self.app, self.db, **migrate_args)

        class User(self.db.Model):
            __tablename__ = "users"
            id = self.db.Column(self.db.Integer, primary_key=True)

        if binds:
            class Event(self.db.Model):
                __bind_key__ = "logs"
                __tablename__ = "events"
                id = self.db.Column(self.db.Integer, primary_key=True)

    def doctor(self, capsys):
        """Run db doctor; return its findings (as JSON) and whether it exited 1."""
        capsys.readouterr()
        with self.app.app_context():
            try:
                doctor(format="json")
                failed = False
            except MigrationError:
                failed = True
        report = json.loads(capsys.readouterr().out)
        return [f for f in report["findings"] if f["code"] != "alembic-python-limit"], failed

    def close(self):
        with self.app.app_context():
            for engine in self.db.engines.values() if hasattr(self.db, "engines") else [self.db.engine]:
                engine.dispose()


def test_a_multidb_project_is_checked_bind_by_bind_as_its_env_py_migrates_them(tmp_path, monkeypatch, closes,
                                                                               capsys):
    # Every table of every bind was compared with the default database: a project at head was
    # told its models differ (add_table events).
    monkeypatch.chdir(tmp_path)
    logs = "sqlite:///" + str(tmp_path / "logs.sqlite")
    project = closes(Project("sqlite:///" + str(tmp_path / "main.sqlite"), binds={"logs": logs}))
    with project.app.app_context():
        init(multidb=True)
        migrate(message="users and events", rev_id="r1")
        upgrade()
    assert project.doctor(capsys) == ([], False)

    class Late(project.db.Model):
        __bind_key__ = "logs"
        __tablename__ = "late"
        id = project.db.Column(project.db.Integer, primary_key=True)

    [finding], failed = project.doctor(capsys)
    assert not failed and finding["code"] == "models-differ"
    assert finding["message"].startswith("the models differ from the database %s: 1 change(s), e.g. add_table" % logs)


def test_its_own_version_table_and_include_object_are_honoured_as_db_check_does(tmp_path, monkeypatch, closes,
                                                                                 capsys, postgres_url):
    import sqlalchemy as sa

    # An own version table was read as alembic_version ("at base, head is r1: run db upgrade"), and
    # a table env.py leaves out on purpose was reported as a difference.
    def include_object(obj, name, kind, reflected, compare_to):
        return name != "spatial_ref_sys"

    monkeypatch.chdir(tmp_path)
    project = closes(Project(postgres_url, version_table="schema_versions", include_object=include_object))
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE spatial_ref_sys (srid integer PRIMARY KEY)"))
    engine.dispose()
    with project.app.app_context():
        init()
        migrate(message="users", rev_id="r1")
        upgrade()
    assert project.doctor(capsys) == ([], False)
    with project.app.app_context():
        revision(message="not applied yet", rev_id="r2")
    [finding], failed = project.doctor(capsys)
    assert not failed and (finding["code"], finding["message"]) == (
        "not-at-head", "the database is at r1, the migrations' head is r2")


def test_env_py_failing_when_it_runs_will_fail_every_command(tmp_path, monkeypatch, closes, capsys):
    monkeypatch.chdir(tmp_path)
    project = closes(Project("sqlite:///" + str(tmp_path / "app.db")))
    with project.app.app_context():
        init()
        upgrade()
    with open(os.path.join("migrations", "env.py"), "a") as handle:
        handle.write("\nraise RuntimeError('the settings module is gone')\n")
    [finding], failed = project.doctor(capsys)
    assert failed and finding["severity"] == "fail" and finding["code"] == "env-py-fails"
    assert finding["message"].startswith("running the migrations' env.py fails: ")
    assert "RuntimeError: the settings module is gone" in finding["message"]


def test_a_revision_python_cannot_read_is_reported_not_raised_by_the_database_check(tmp_path, monkeypatch, closes,
                                                                                    capsys):
    monkeypatch.chdir(tmp_path)
    project = closes(Project("sqlite:///" + str(tmp_path / "app.db")))
    with project.app.app_context():
        init()
        upgrade()
    with open(os.path.join("migrations", "versions", "b_.py"), "w") as handle:
        handle.write("revision = 'b'\ndown_revision = None\ndef upgrade(:\n")
    findings, failed = project.doctor(capsys)  # Alembic loading it would raise SyntaxError
    assert failed and [finding["code"] for finding in findings] == ["does-not-parse"]


def test_a_database_that_is_not_there_is_advice_and_nothing_is_created(tmp_path, monkeypatch, closes, capsys):
    monkeypatch.chdir(tmp_path)
    from conftest import postgres_scheme

    unreachable = closes(Project("%s://postgres:pw-not-shown@127.0.0.1:1/app" % postgres_scheme()))
    with unreachable.app.app_context():
        init()
    [finding], failed = unreachable.doctor(capsys)
    assert not failed and finding["code"] == "database-unreachable" and "127.0.0.1:1" in finding["message"]
    assert "pw-not-shown" not in json.dumps(finding)
    shutil.rmtree("migrations")
    missing = tmp_path / "not-yet.sqlite"
    fresh = closes(Project("sqlite:///" + str(missing)))
    with fresh.app.app_context():
        init()
    [finding], failed = fresh.doctor(capsys)
    assert not failed and finding["code"] == "no-database-yet" and not missing.exists()


def test_a_connection_lost_during_the_check_is_advice_not_a_failure_of_env_py(tmp_path, monkeypatch, closes, capsys,
                                                                             postgres_url):
    import psycopg
    import sqlalchemy as sa

    monkeypatch.chdir(tmp_path)
    project = closes(Project(postgres_url))
    with project.app.app_context():
        init()
        upgrade()
        engine = project.db.engine
    killed = []

    def kill_the_session(connection, cursor, statement, parameters, context, executemany):
        if "alembic_version" in statement and not killed:  # the check's first look at the database
            killed.append(cursor.connection.info.backend_pid)  # psycopg2 and psycopg alike
            with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres",
                                 autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (killed[0],))

    sa.event.listen(engine, "before_cursor_execute", kill_the_session)
    [finding], failed = project.doctor(capsys)
    assert killed and not failed
    assert finding["code"] == "database-unreachable" and finding["message"].startswith("lost the connection")

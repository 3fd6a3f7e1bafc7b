"""db upgrade/downgrade move the version row with a statement compiled once, and every observer sees exactly
what Alembic's own update shows: the same SQL at the cursor, the same statement objects to a listener of
them, the same error; ids a dialect would quote, and classes someone else put in place, keep Alembic's way."""

import functools
import threading

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.runtime import migration
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_legacy import Migrate, MigrationError, downgrade, init, revision, upgrade
from flask_migrate_legacy.version_updates import cached_version_updates, supported

#: Alembic's own class, as the tests found it.
ALEMBICS_MAINTAINER = migration.HeadMaintainer


needs_the_statement = pytest.mark.skipif(not supported(), reason="Alembic's own update runs on this stack")


def app_with_migrate(url, **migrate_keywords):
    """Return an app on ``url`` with its SQLAlchemy and Migrate (Migrate's keywords given)."""
    app = Flask("version_updates")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db = SQLAlchemy(app)
    Migrate(app, db, **migrate_keywords)
    return app, db


@pytest.fixture
def app_on(database_url, tmp_path, monkeypatch):
    """Return a function building the app on ``database_url`` (Migrate's keywords given), inside its context."""
    monkeypatch.chdir(tmp_path)
    contexts = []

    def build(**migrate_keywords):
        app, db = app_with_migrate(database_url, **migrate_keywords)
        context = app.app_context()
        context.push()
        contexts.append((context, db))
        return db

    yield build
    for context, db in reversed(contexts):
        db.engine.dispose()
        context.pop()
    assert migration.HeadMaintainer is ALEMBICS_MAINTAINER


def with_revisions(*ids):
    """Write a straight history of ``ids`` (Alembic's template, empty steps)."""
    init()
    for rev_id in ids:
        revision(message="step %s" % rev_id, rev_id=rev_id)


def alembics_own(monkeypatch):
    """Make db upgrade/downgrade call Alembic's commands themselves (a wrapped command is called as is)."""
    for name in ("upgrade", "downgrade"):
        original = getattr(command, name)
        monkeypatch.setattr(command, name, functools.wraps(original)(
            lambda *args, _original=original, **keywords: _original(*args, **keywords)))


class Seen:
    """What the database is sent about the version table, on any connection of ``engine``."""

    def __init__(self, engine, table):
        self.table = table
        self.sent = []
        self.compiled = []
        sa.event.listen(engine, "before_cursor_execute", self._sent)

    def _sent(self, connection, cursor, statement, parameters, context, executemany):
        if self.table in statement:
            self.sent.append((statement, parameters))
            if statement.startswith("UPDATE"):
                self.compiled.append(context.compiled)  # held, so that no id is reused

    def take(self):
        taken = self.sent, len({id(compiled) for compiled in self.compiled})
        self.sent, self.compiled = [], []
        return taken


IDS = ("a1000000000b", "b2000000000c", "c3000000000d", "d4000000000e", "e5000000000f")


@needs_the_statement
@pytest.mark.parametrize("table", ["alembic_version", "deploy_versions"])
def test_the_row_moves_by_the_same_sql_from_one_compiled_statement(app_on, monkeypatch, table):
    db = app_on(**({} if table == "alembic_version" else {"version_table": table}))
    with_revisions(*IDS)
    seen = Seen(db.engine, table)
    upgrade()  # both compared runs start from an empty version table
    downgrade(revision="base")
    seen.take()
    upgrade()
    downgrade(revision="a1000000000b")
    upgrade(revision="c3000000000d")
    our_sql, our_compiled = seen.take()
    downgrade(revision="base")
    seen.take()
    alembics_own(monkeypatch)
    upgrade()
    downgrade(revision="a1000000000b")
    upgrade(revision="c3000000000d")
    their_sql, their_compiled = seen.take()
    assert our_sql == their_sql
    assert sum(statement.startswith("UPDATE") for statement, _ in our_sql) == 4 + 4 + 2
    assert "SET version_num='b2000000000c' WHERE" in "".join(statement for statement, _ in our_sql)
    # one compilation for each run (each run's version table is a Table object of its own), not one per step
    assert our_compiled == 3 and their_compiled == 10


@needs_the_statement
def test_a_schema_qualified_version_table_is_updated_as_alembic_updates_it(postgres_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app, db = app_with_migrate(postgres_url, version_table="deploy_versions", version_table_schema="audit")
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(sa.text("CREATE SCHEMA audit"))
        with_revisions(*IDS)
        seen = Seen(db.engine, "deploy_versions")
        for _ in range(2):  # the first from no version table at all
            upgrade()
            downgrade(revision="base")
            ours = seen.take()
        alembics_own(monkeypatch)
        upgrade()
        downgrade(revision="base")
        assert seen.take()[0] == ours[0] and ours[1] == 2  # one for each run
        assert 'UPDATE audit.deploy_versions SET' in "".join(statement for statement, _ in ours[0])
        db.engine.dispose()


def test_ids_a_dialect_could_quote_take_alembics_statement(app_on, monkeypatch):
    db = app_on()
    with_revisions("r1", "r.2", "r3", "r4", "r5", "r6")
    seen = Seen(db.engine, "alembic_version")
    upgrade()
    downgrade(revision="base")
    seen.take()
    upgrade()
    ours = seen.take()
    downgrade(revision="base")
    seen.take()
    alembics_own(monkeypatch)
    upgrade()
    theirs = seen.take()
    assert ours[0] == theirs[0]
    # r1 -> r.2 and r.2 -> r3 compile Alembic's statements, the three after them share the cached one (on a
    # stack without it, each is Alembic's)
    assert ours[1] == (3 if supported() else 5) and theirs[1] == 5
    updates = [statement for statement, _ in ours[0] if statement.startswith("UPDATE")]
    assert updates[0] == "UPDATE alembic_version SET version_num='r.2' WHERE alembic_version.version_num = 'r1'"


def failures_of_ours_and_alembics(monkeypatch, database_url, before_each=lambda: None, left=None):
    """Return the error of a failing ``upgrade()``, then of Alembic's own, each from an empty database
    (``before_each`` called before each run; the tables each failed run left appended to ``left``)."""
    failures = []
    for own in (False, True):
        if own:
            alembics_own(monkeypatch)
        before_each()
        with pytest.raises(MigrationError) as error:
            upgrade()
        failures.append(str(error.value))
        engine = sa.create_engine(database_url)
        with engine.begin() as connection:  # what the failed run left (PostgreSQL's DDL rolled back already)
            tables = sa.inspect(connection).get_table_names()
            if left is not None:
                left.append(sorted(tables))
            for table in tables:
                connection.execute(sa.text("DROP TABLE %s" % table))
        engine.dispose()
    return failures


def _revision_file(project_folder, rev_id, down, body="pass"):
    """Write a revision file by hand (any id, any step)."""
    path = project_folder / "migrations" / "versions" / ("%s.py" % abs(hash(rev_id)))
    path.write_text('"""step"""\nfrom alembic import op\nrevision = %r\ndown_revision = %r\nbranch_labels = None\n'
                    'depends_on = None\n\n\ndef upgrade():\n    %s\n\n\ndef downgrade():\n    pass\n'
                    % (rev_id, down, body))


def test_an_id_alembic_writes_unquoted_fails_as_alembic_fails(app_on, monkeypatch, tmp_path, database_url):
    """Alembic writes ids into its SQL as they are: a quote in one breaks its statement, and must break ours."""
    app_on()
    init()
    _revision_file(tmp_path, "r1", None)
    _revision_file(tmp_path, "r2", "r1")
    _revision_file(tmp_path, "it's", "r2")
    failures = failures_of_ours_and_alembics(monkeypatch, database_url)
    assert failures[0] == failures[1]
    assert "syntax" in failures[0]  # the statement Alembic wrote, with the quote as it was


def test_a_listener_of_statement_objects_receives_alembics(app_on, monkeypatch):
    db = app_on()
    with_revisions(*IDS)
    received = []

    @sa.event.listens_for(db.engine, "before_execute", named=True)  # named: one signature for every release
    def before_execute(clauseelement, multiparams, params, **others):
        if isinstance(clauseelement, sa.sql.dml.UpdateBase):
            received.append((type(clauseelement).__name__, str(clauseelement), multiparams, params))

    upgrade()
    downgrade(revision="base")
    received.clear()
    upgrade()
    downgrade(revision="base")
    ours, received[:] = list(received), []
    alembics_own(monkeypatch)
    upgrade()
    downgrade(revision="base")
    assert ours == received
    assert ("Update", "UPDATE alembic_version SET version_num='b2000000000c' WHERE alembic_version.version_num = "
            "'a1000000000b'") in [entry[:2] for entry in ours]


def test_an_update_that_finds_no_row_fails_with_alembics_words(app_on, monkeypatch, tmp_path, database_url):
    app_on()
    with_revisions("a1000000000b")
    # its step deletes the version row under Alembic's feet: the update then finds no row
    _revision_file(tmp_path, "b2000000000c", "a1000000000b", body='op.execute("DELETE FROM alembic_version")')
    failures = failures_of_ours_and_alembics(monkeypatch, database_url)
    assert failures[0] == failures[1]
    assert "expected to match one row when updating 'a1000000000b' to 'b2000000000c' in 'alembic_version'; " \
           "0 found" in failures[0]
    assert migration.HeadMaintainer is ALEMBICS_MAINTAINER  # put back after a failed run too


@needs_the_statement
def test_a_head_maintainer_someone_else_put_in_place_is_left_to_run(app_on, monkeypatch):
    app_on()
    with_revisions(*IDS[:3])
    updates = []

    class Theirs(ALEMBICS_MAINTAINER):
        def _update_version(self, from_, to_):
            updates.append((from_, to_))
            super()._update_version(from_, to_)

    monkeypatch.setattr(migration, "HeadMaintainer", Theirs)
    upgrade()
    assert updates == [IDS[0:2], IDS[1:3]]
    assert migration.HeadMaintainer is Theirs
    monkeypatch.undo()


@needs_the_statement
def test_blocks_in_several_threads_put_alembics_class_back_after_the_last():
    entered, leave = threading.Barrier(3), threading.Event()
    inside = []

    def block():
        with cached_version_updates():
            inside.append(migration.HeadMaintainer)
            entered.wait()
            leave.wait()

    threads = [threading.Thread(target=block, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        entered.wait(10)
        assert migration.HeadMaintainer is not ALEMBICS_MAINTAINER
        assert inside[0] is inside[1] and issubclass(inside[0], ALEMBICS_MAINTAINER)
        with cached_version_updates():
            pass
        assert migration.HeadMaintainer is inside[0]  # a block ending leaves the others' class in place
    finally:
        leave.set()
        for thread in threads:
            thread.join(10)
    assert migration.HeadMaintainer is ALEMBICS_MAINTAINER


def test_a_connection_lost_at_the_version_update_fails_as_alembics_does(postgres_url, tmp_path, monkeypatch):
    """The server ends the migration's session just as the version row moves: one line, nothing half-done,
    and the same words as Alembic's own update gets."""
    monkeypatch.chdir(tmp_path)
    app, db = app_with_migrate(postgres_url)
    killer = sa.create_engine(postgres_url)
    armed = []

    def end_the_session_at_the_update(connection, cursor, statement, parameters, context, executemany):
        if armed and statement.startswith("UPDATE alembic_version"):
            armed.clear()
            pooled = connection.connection
            driver = getattr(pooled, "dbapi_connection", None) or pooled.connection  # SQLAlchemy 1.3: .connection
            pid = driver.info.backend_pid if hasattr(driver, "info") else driver.get_backend_pid()
            with killer.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    with app.app_context():
        with_revisions(*IDS[:3])
        sa.event.listen(db.engine, "before_cursor_execute", end_the_session_at_the_update)
        left = []
        failures = failures_of_ours_and_alembics(monkeypatch, postgres_url, lambda: armed.append(True), left)
        db.engine.dispose()
    killer.dispose()
    assert left == [[], []]  # transactional DDL: each whole run rolled back
    assert failures[0] == failures[1]
    assert "\n" not in failures[0] and "Traceback" not in failures[0]
    assert failures[0].startswith("lost the connection to the database")
    assert failures[0].endswith("the database is at revision base (no revision) and its schema matches it; the "
                                "connection was lost, not the script at fault: run the command again once the "
                                "database answers.")

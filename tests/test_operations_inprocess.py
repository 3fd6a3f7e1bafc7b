"""db operations called in-process, on a SQLite project in a temporary folder."""

import os
import shutil

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from helpers import calls_recorded

from flask_migrate_legacy import Migrate, MigrationError, init, merge, revision
from flask_migrate_legacy.config import TEMPLATES_DIRECTORY


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An app with one model and Migrate, inside its app context, run from its folder."""
    monkeypatch.chdir(tmp_path)
    app = Flask("inprocess")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(tmp_path / "app.db")
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db = SQLAlchemy(app)
    Migrate(app, db)
    with app.app_context():
        yield tmp_path
        db.engine.dispose()


def _versions(folder):
    return sorted(name for name in os.listdir(folder / "migrations" / "versions") if name.endswith(".py"))


def _custom_template(folder, name="custom_template"):
    target = folder / name
    shutil.copytree(os.path.join(TEMPLATES_DIRECTORY, "flask"), target)
    with open(target / "env.py", "a") as handle:
        handle.write("# written from the custom template\n")
    return target


@pytest.mark.parametrize("given", ["./custom_template", "custom_template/", "{abs}"])
def test_init_takes_a_template_folder_however_it_is_written(project, given):
    folder = _custom_template(project)
    init(template=given.format(abs=folder))
    with open(project / "migrations" / "env.py") as handle:
        assert handle.read().endswith("# written from the custom template\n")


def test_a_bare_name_is_a_template_name_and_the_error_says_how_to_name_the_folder(project):
    _custom_template(project, "mine")
    with pytest.raises(MigrationError) as error:
        init(template="mine")
    assert "no template 'mine'" in str(error.value)
    assert "pass './mine'" in str(error.value)
    assert not os.path.exists(project / "migrations")


def test_merge_with_one_head_writes_nothing_and_says_so(project, capsys):
    init()
    revision(message="first", rev_id="r1")
    capsys.readouterr()
    merge(revisions=["heads"], rev_id="r9")
    merge(revisions=["r1"], rev_id="r9")
    merge(rev_id="r9")
    assert _versions(project) == ["r1_first.py"]
    out = capsys.readouterr().out
    assert out.count("Nothing to merge") == 3
    assert "'heads' names a single revision (r1)" not in out  # the names are shown plainly
    assert "heads names a single revision (r1)" in out


def test_merge_with_two_heads_writes_the_merge(project):
    init()
    revision(message="first", rev_id="r1")
    revision(message="left", rev_id="r2")
    revision(message="right", rev_id="r3", head="r1", splice=True)
    merge(rev_id="r4", message="join")
    assert _versions(project) == ["r1_first.py", "r2_left.py", "r3_right.py", "r4_join.py"]
    with open(project / "migrations" / "versions" / "r4_join.py") as handle:
        assert "down_revision = ('r2', 'r3')" in handle.read()


def test_merge_of_an_unknown_revision_is_one_error_and_writes_nothing(project):
    init()
    revision(message="first", rev_id="r1")
    with pytest.raises(MigrationError) as error:
        merge(revisions=["r1", "nope"], rev_id="r4")
    assert "nope" in str(error.value) and "\n" not in str(error.value)
    assert _versions(project) == ["r1_first.py"]


@pytest.mark.parametrize("revisions", [["-1"], ["r1", "+2"], ["r1:head"]])
def test_merge_of_relative_revisions_or_ranges_is_one_clear_error(project, revisions):
    init()
    revision(message="first", rev_id="r1")
    with pytest.raises(MigrationError) as error:
        merge(revisions=revisions, rev_id="r4")
    assert str(error.value).startswith("merge takes revision ids (or 'heads'), not relative revisions or ranges: ")
    assert _versions(project) == ["r1_first.py"]


# -- a bad parameter is named as the caller wrote it --------------------------------------


def test_a_bad_parameter_is_named_as_a_parameter_by_the_module_function(project):
    from flask_migrate_legacy import doctor
    from flask_migrate_legacy.errors import UsageError

    with pytest.raises(UsageError) as error:
        doctor(format="xml")
    assert str(error.value) == "format takes 'text' or 'json', not 'xml'"
    with pytest.raises(UsageError) as error:
        doctor(write=True)
    assert str(error.value) == "write goes with fix"
    init()
    revision(message="first", rev_id="r1")
    with pytest.raises(UsageError) as error:
        revision(message="again", rev_id="r1")
    assert "choose another rev_id; nothing was written" in str(error.value)
    with pytest.raises(UsageError) as error:
        revision(message="caf\udce9")
    assert str(error.value).startswith("message holds bytes that are not text in this terminal's encoding")


@pytest.mark.parametrize("command_line", ["manage.py", "flask"])
def test_each_command_line_names_a_bad_parameter_by_its_flag(project, command_line, capsys, monkeypatch):
    from flask import current_app

    from flask_migrate_legacy.flask_db import db_group
    from flask_migrate_legacy.migrate_command import build_migrate_command
    from flask_migrate_legacy.script import Manager

    argv = ["doctor", "--format", "xml"]
    if command_line == "flask":
        from click.testing import CliRunner
        from flask.cli import ScriptInfo

        app = current_app._get_current_object()
        result = CliRunner().invoke(db_group(), argv, obj=ScriptInfo(create_app=lambda: app))
        status, stderr = result.exit_code, result.output
    else:
        manager = Manager(current_app._get_current_object(), with_default_commands=False)
        manager.add_command("db", build_migrate_command())
        monkeypatch.setattr("sys.argv", ["manage.py", "db"] + argv)
        with pytest.raises(SystemExit) as exited:
            manager.run()
        status, stderr = exited.value.code, capsys.readouterr().err
    assert status == 2
    assert "Error: --format takes 'text' or 'json', not 'xml'" in stderr


def test_an_apps_subclass_that_overrides_get_config_still_builds_the_config(tmp_path, monkeypatch):
    # Flask-Migrate 2.x and 4.x commands called migrate.get_config(); a project may override it.
    from flask_migrate_legacy import current, init

    monkeypatch.chdir(tmp_path)
    calls = []

    class TaggedMigrate(Migrate):
        def get_config(self, directory=None, x_arg=None, opts=None):
            config = super().get_config(directory, x_arg, opts)
            calls.append(directory)
            config.set_main_option("tagged", "yes")
            return config

    app = Flask("subclass")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(tmp_path / "app.db")
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db = SQLAlchemy(app)
    TaggedMigrate(app, db)
    with app.app_context():
        init()
        current()
        db.engine.dispose()
    assert calls == ["migrations"]


def _revision_recording_freeze_count(folder, rev_id="r1"):
    """A revision whose upgrade writes gc.get_freeze_count() (as the run sees it) next to the project."""
    path = folder / "migrations" / "versions" / ("%s_freeze.py" % rev_id)
    path.write_text(
        '"""freeze"""\nimport gc\nrevision = %r\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\n\n'
        "def upgrade():\n    with open(%r, 'w') as handle:\n        handle.write(str(gc.get_freeze_count()))\n\n\n"
        "def downgrade():\n    raise RuntimeError('downgrade refused')\n" % (rev_id, str(folder / "seen")))


def test_a_run_leaves_earlier_objects_out_of_collections_and_hands_them_back(project):
    import gc

    from flask_migrate_legacy import downgrade, upgrade

    init()
    _revision_recording_freeze_count(project)
    before = gc.get_freeze_count()
    assert before == 0
    upgrade()
    assert int((project / "seen").read_text()) > 1000  # the app and its imports were frozen while it ran
    assert gc.get_freeze_count() == 0  # and handed back to the collector after it
    with pytest.raises(MigrationError):
        downgrade()  # a failed run hands them back too
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_objects_of_its_own_keeps_them_frozen(project):
    import gc

    from flask_migrate_legacy import upgrade

    init()
    _revision_recording_freeze_count(project)
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 0
        upgrade()
        assert int((project / "seen").read_text()) > 0
        assert gc.get_freeze_count() > 0  # its own freeze was not undone (unfreeze() would leave 0)
    finally:
        gc.unfreeze()


def test_upgrade_and_downgrade_list_the_files_the_cheap_way_and_run_each_once(project, monkeypatch, capsys):
    import sqlalchemy as sa

    from flask_migrate_legacy import downgrade, revision_graph, upgrade

    init()
    revision(message="first", rev_id="r1")
    revision(message="second", rev_id="r2")
    listed = calls_recorded(monkeypatch, revision_graph, "_imported_revisions")
    engine = sa.create_engine("sqlite:///" + str(project / "app.db"))

    def version():
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    upgrade()
    assert version() == "r2" and [len(listing) for _, listing in listed] == [2]
    downgrade()
    assert version() == "r1" and [len(listing) for _, listing in listed] == [2, 2]
    capsys.readouterr()
    upgrade(sql=True, revision="r1:r2")  # offline ranges are Alembic's own command
    assert "UPDATE alembic_version SET version_num='r2'" in capsys.readouterr().out
    assert [len(listing) for _, listing in listed] == [2, 2] and version() == "r1"
    with pytest.raises(MigrationError) as error:
        upgrade(revision="r1:r2")  # a range without --sql: Alembic's refusal
    assert "Range revision not allowed" in str(error.value)
    engine.dispose()


@pytest.mark.parametrize("how", ["wrapped", "replaced"])
def test_an_apps_patch_of_alembics_command_runs_as_the_originals_ran_it(project, monkeypatch, how):
    """Flask-Migrate called alembic.command.upgrade/downgrade at each run: a tool that wraps or replaces
    them (to time or audit migrations) still sees every run, and what it does is what happens."""
    import functools

    from alembic import command

    from flask_migrate_legacy import downgrade, revision_graph, upgrade

    init()
    revision(message="first", rev_id="r1")
    seen = []
    for name in ("upgrade", "downgrade"):
        original = getattr(command, name)

        def patched(config, revision, *args, _original=original, _name=name, **kwargs):
            seen.append((_name, revision))
            if how == "wrapped":
                return _original(config, revision, *args, **kwargs)

        monkeypatch.setattr(command, name, functools.wraps(original)(patched) if how == "wrapped" else patched)
    listed = calls_recorded(monkeypatch, revision_graph, "_imported_revisions")
    upgrade()
    downgrade(revision="base")
    upgrade()
    assert seen == [("upgrade", "head"), ("downgrade", "base"), ("upgrade", "head")]
    assert listed == []  # none of it went the package's own way
    import sqlalchemy as sa

    engine = sa.create_engine("sqlite:///" + str(project / "app.db"))
    with engine.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        applied = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() \
            if "alembic_version" in tables else None
    engine.dispose()
    assert applied == ("r1" if how == "wrapped" else None)


def test_a_downgrade_runs_through_the_constant_time_steps(project, monkeypatch):
    """db downgrade's steps never ask Alembic's walk of every ancestor on a straight history."""
    from alembic.runtime.migration import RevisionStep

    from flask_migrate_legacy import downgrade, upgrade

    init()
    for number in range(5):
        revision(message="step %d" % number, rev_id="r%d" % number)
    upgrade()
    import sqlalchemy as sa

    engine = sa.create_engine("sqlite:///" + str(project / "app.db"))

    def versions():
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.text("SELECT version_num FROM alembic_version"))]

    walked = calls_recorded(monkeypatch, RevisionStep, "_unmerge_to_revisions")
    downgrade(revision="r1")
    assert versions() == ["r1"]
    downgrade(revision="base")
    assert versions() == [] and walked == []
    engine.dispose()


def test_a_sigterm_in_the_middle_of_a_run_hands_the_frozen_objects_back(project):
    """The signal arrives as an exception inside the run (not only a revision that raises)."""
    import gc
    import signal

    from flask_migrate_legacy import upgrade
    from flask_migrate_legacy.errors import Interrupted

    init()
    path = project / "migrations" / "versions" / "r1_terminated.py"
    path.write_text(
        '"""terminated"""\nimport gc, os, signal, time\nrevision = "r1"\ndown_revision = None\nbranch_labels = None\n'
        "depends_on = None\n\n\ndef upgrade():\n    with open(%r, 'w') as handle:\n"
        "        handle.write(str(gc.get_freeze_count()))\n    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n\n\ndef downgrade():\n    pass\n" % str(project / "seen"))
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as stopped:
        upgrade()
    assert stopped.value.exit_code == 143  # reported as the SIGTERM it was
    assert int((project / "seen").read_text()) > 1000  # frozen while the revision ran
    assert gc.get_freeze_count() == 0  # and handed back although a signal ended the run
    assert signal.getsignal(signal.SIGTERM) is handler

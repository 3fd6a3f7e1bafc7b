"""Hand-edited env.py files run unchanged (envpy_gallery/), and configure_args never collides with them.

Under Flask-Migrate 2.x, ``configure_args`` held exactly what was given to
``Migrate()``; Flask-Migrate 4 added ``compare_type`` and ``render_as_batch``
defaults, which an env.py that passes either itself cannot take twice. Each
gallery file runs in-process through migrate, upgrade, current, downgrade and
``upgrade --sql`` on SQLite and PostgreSQL.
"""

import logging
import os
import shutil
import sys
import types

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_migrate_legacy import Migrate, current, downgrade, init, migrate, upgrade
from flask_migrate_legacy.config import TEMPLATES_DIRECTORY
from flask_migrate_legacy.envpy import configure_args_for, read_env_script
from flask_migrate_legacy.errors import UserError
from flask_migrate_legacy.extension import DEFAULT_CONFIGURE_ARGS

GALLERY = os.path.join(os.path.dirname(__file__), "envpy_gallery")
RUNS_UNCHANGED = sorted(name for name in os.listdir(GALLERY)
                        if name.endswith(".py") and name != "directives_also_given_to_migrate.py")
NAMING_CONVENTION = {"pk": "pk_%(table_name)s", "uq": "uq_%(table_name)s_%(column_0_name)s"}


@pytest.fixture(autouse=True)
def logging_restored():
    """Old env.py files call fileConfig(), which disables every logger it does not name."""
    loggers = {name: logger.disabled for name, logger in logging.Logger.manager.loggerDict.items()
               if isinstance(logger, logging.Logger)}
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for name, disabled in loggers.items():
        logging.getLogger(name).disabled = disabled
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request):
    return request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "postgres_url"}[request.param])


class Project:
    """An app with users, a cache table env.py files may ignore, and Core reporting tables."""

    def __init__(self, folder, url, monkeypatch, migrate_args=None, naming_convention=None):
        self.folder = folder
        self.url = url
        self.app = Flask("gallery")
        self.app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_TRACK_MODIFICATIONS=False)
        metadata = sa.MetaData(naming_convention=naming_convention) if naming_convention else None
        self.db = db = SQLAlchemy(self.app, metadata=metadata) if metadata is not None else SQLAlchemy(self.app)

        class User(db.Model):
            __tablename__ = "users"
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String(120), unique=True)

        class CacheEntry(db.Model):
            __tablename__ = "cache_entries"
            key = db.Column(db.String(64), primary_key=True)

        reports = sa.MetaData()
        sa.Table("daily_reports", reports, sa.Column("id", sa.Integer, primary_key=True))
        module = types.ModuleType("app")
        module.reports_metadata = reports
        monkeypatch.setitem(sys.modules, "app", module)  # env.py files import from the app's module
        Migrate(self.app, db, **(migrate_args or {}))
        monkeypatch.chdir(folder)

    def use_env(self, name):
        with self.app.app_context():
            init()
        shutil.copy(os.path.join(GALLERY, name), os.path.join(self.folder, "migrations", "env.py"))

    def tables(self, url=None):
        engine = sa.create_engine(url or self.url)
        try:
            return set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def revision_text(self):
        versions = os.path.join(self.folder, "migrations", "versions")
        (name,) = [n for n in os.listdir(versions) if n.endswith(".py")]
        with open(os.path.join(versions, name)) as handle:
            return handle.read()

    def close(self):
        with self.app.app_context():
            self.db.engine.dispose()


@pytest.fixture
def make_project(tmp_path, monkeypatch, closes):
    return lambda url, **kwargs: closes(Project(tmp_path, url, monkeypatch, **kwargs))


@pytest.mark.parametrize("env_name", RUNS_UNCHANGED)
def test_gallery_env_runs_the_whole_cycle_unchanged(env_name, url, make_project, capsys):
    project = make_project(url)
    project.use_env(env_name)
    with project.app.app_context():
        migrate(message="initial", rev_id="r1")
        text = project.revision_text()
        upgrade()
        current()
        assert "r1 (head)" in capsys.readouterr().out
        after_upgrade = project.tables()
        downgrade(revision="base")
        after_downgrade = project.tables()
        upgrade(sql=True)
        sql = capsys.readouterr().out
    assert "op.create_table('users'" in text
    assert {"users"} <= after_upgrade and "users" not in after_downgrade
    assert "CREATE TABLE users" in sql
    if env_name == "include_object_and_schemas.py":
        assert "cache_entries" not in text and "cache_entries" not in after_upgrade
    else:
        assert "cache_entries" in after_upgrade
    if env_name == "several_metadata.py":
        assert "daily_reports" in after_upgrade and "daily_reports" in sql
    if env_name == "own_version_table.py":
        assert "shop_alembic_version" in after_upgrade and "alembic_version" not in after_upgrade
        assert "INSERT INTO " in sql and "shop_alembic_version" in sql


def test_a_2x_env_gets_only_what_migrate_was_given_and_a_batch_free_revision(sqlite_url, make_project):
    """Flask-Migrate 2.x's meaning: no render_as_batch default for a file of that era."""
    project = make_project(sqlite_url)
    project.use_env("explicit_compare_type.py")
    with project.app.app_context():
        migrate(message="initial", rev_id="r1")
        state = project.app.extensions["migrate"]
        with state.env_script_in_use(os.path.join("migrations", "env.py")):
            assert state.configure_args == {}
    assert "batch_alter_table" not in project.revision_text()


def test_what_migrate_was_given_still_reaches_a_2x_env(sqlite_url, make_project):
    project = make_project(sqlite_url, migrate_args={"render_as_batch": True, "user_module_prefix": "sa."})
    project.use_env("transaction_per_migration.py")
    with project.app.app_context():
        state = project.app.extensions["migrate"]
        with state.env_script_in_use(os.path.join("migrations", "env.py")):
            assert state.configure_args == {"render_as_batch": True, "user_module_prefix": "sa."}


def test_our_template_still_gets_the_defaults_and_renders_sqlite_changes_in_batch(sqlite_url, make_project):
    project = make_project(sqlite_url)
    with project.app.app_context():
        init()
        migrate(message="initial", rev_id="r1")
        upgrade()
        state = project.app.extensions["migrate"]
        with state.env_script_in_use(os.path.join("migrations", "env.py")):
            assert state.configure_args == DEFAULT_CONFIGURE_ARGS
    # An ALTER on SQLite: a new index on an existing table renders inside batch_alter_table.
    project.db.Model.metadata.tables["users"].append_constraint(sa.UniqueConstraint("id", name="uq_users_id"))
    with project.app.app_context():
        migrate(message="second", rev_id="r2")
    with open(os.path.join(project.folder, "migrations", "versions", "r2_second.py")) as handle:
        assert "with op.batch_alter_table('users'" in handle.read()


def test_our_template_edited_to_pass_compare_type_itself_runs(sqlite_url, make_project):
    project = make_project(sqlite_url)
    with project.app.app_context():
        init()
        env = os.path.join(project.folder, "migrations", "env.py")
        with open(env) as handle:
            text = handle.read()
        assert "**options)" in text
        with open(env, "w") as handle:
            handle.write(text.replace("**options)", "compare_type=False, **options)"))
        migrate(message="initial", rev_id="r1")
        upgrade()
        with project.app.extensions["migrate"].env_script_in_use(env):
            assert project.app.extensions["migrate"].configure_args == {"render_as_batch": True}
    assert "users" in project.tables()


def test_the_same_argument_in_env_py_and_migrate_is_one_line_naming_the_env_line(url, make_project):
    project = make_project(url, migrate_args={"process_revision_directives": lambda *args: None})
    project.use_env("directives_also_given_to_migrate.py")
    with project.app.app_context():
        with pytest.raises(UserError) as error:
            upgrade()
    message = str(error.value)
    with open(os.path.join(GALLERY, "directives_also_given_to_migrate.py")) as handle:
        line = next(number for number, text in enumerate(handle, 1) if "process_revision_directives=" in text)
    assert message.startswith("%s, line %d passes process_revision_directives=" % (os.path.join("migrations", "env.py"), line))
    assert "remove one of the two" in message and "\n" not in message
    assert "users" not in project.tables()


def test_x_argument_picks_another_database(sqlite_url, make_project, tmp_path):
    project = make_project(sqlite_url)
    project.use_env("x_argument_database.py")
    other = "sqlite:///" + str(tmp_path / "tenant.sqlite")
    with project.app.app_context():
        migrate(message="initial", rev_id="r1")
        upgrade(x_arg=["database=" + other])
    assert "users" in project.tables(other) and "users" not in project.tables()


def test_naming_convention_on_the_metadata_names_the_constraints(url, make_project):
    project = make_project(url, naming_convention=NAMING_CONVENTION)
    project.use_env("explicit_compare_type.py")
    with project.app.app_context():
        migrate(message="initial", rev_id="r1")
        upgrade()
    text = project.revision_text()
    assert "name=op.f('pk_users')" in text and "name=op.f('uq_users_email')" in text


class TestReadingEnvScripts:
    """envpy reads the keywords of context.configure without running the file."""

    def write(self, tmp_path, text, encoding="utf-8"):
        path = tmp_path / "env.py"
        path.write_bytes(text.encode(encoding))
        return str(path)

    def test_explicit_keywords_and_their_lines(self, tmp_path):
        path = self.write(tmp_path, "from alembic import context\n\ncontext.configure(\n    url=1,\n"
                                    "    compare_type=True,\n    **extra)\nalembic.context.configure(render_as_batch=1)\n")
        script = read_env_script(path)
        assert script.explicit == {"url": 4, "compare_type": 5, "render_as_batch": 7}
        assert not script.expects_defaults

    def test_a_latin1_file_with_a_coding_line(self, tmp_path):
        path = self.write(tmp_path, "# -*- coding: latin-1 -*-\n# Müller's app\nfrom alembic import context\n"
                                    "context.configure(compare_type=True)\n", encoding="latin-1")
        assert read_env_script(path).explicit == {"compare_type": 4}

    def test_generations_that_expect_the_defaults(self, tmp_path):
        ours = os.path.join(TEMPLATES_DIRECTORY, "flask", "env.py")
        assert read_env_script(ours).expects_defaults
        assert read_env_script(os.path.join(TEMPLATES_DIRECTORY, "flask-multidb", "env.py")).expects_defaults
        fm41 = self.write(tmp_path, "conf_args = current_app.extensions['migrate'].configure_args\n"
                                    "context.configure(connection=c, **conf_args)\n")
        assert read_env_script(fm41).expects_defaults
        for name in RUNS_UNCHANGED:
            assert not read_env_script(os.path.join(GALLERY, name)).expects_defaults, name

    def test_a_file_that_does_not_parse_gives_no_keywords(self, tmp_path):
        path = self.write(tmp_path, "def broken(:\n")
        assert read_env_script(path).explicit == {}
        assert configure_args_for(path, {"a": 1}, {"compare_type": True}) == {"a": 1, "compare_type": True}

    def test_outside_a_command_defaults_and_given_are_merged(self):
        assert configure_args_for(None, {"compare_type": False}, DEFAULT_CONFIGURE_ARGS) == {
            "compare_type": False, "render_as_batch": True}

    def test_a_changed_file_is_read_again(self, tmp_path):
        path = self.write(tmp_path, "context.configure(a=1)\n")
        assert read_env_script(path).explicit == {"a": 1}
        self.write(tmp_path, "context.configure(a=1,\n                  bb=2)\n")
        assert read_env_script(path).explicit == {"a": 1, "bb": 2}

    def test_an_edit_keeping_size_and_time_stamp_is_read_again(self, tmp_path):
        """cp -p, rsync -a, a checkout that restores times: the same size and mtime, other keywords."""
        path = self.write(tmp_path, "context.configure(aa=1)\n")
        assert read_env_script(path).explicit == {"aa": 1}
        status = os.stat(path)
        self.write(tmp_path, "context.configure(bb=1)\n")
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
        assert os.stat(path).st_size == status.st_size
        assert read_env_script(path).explicit == {"bb": 1}



def test_an_env_failure_names_its_line_and_the_fix_for_a_removed_flask_sqlalchemy_api(sqlite_url, make_project):
    from flask_migrate_legacy import MigrationError

    project = make_project(sqlite_url)
    project.use_env("explicit_compare_type.py")
    env = os.path.join(project.folder, "migrations", "env.py")
    with open(env) as handle:
        lines = handle.read().splitlines()
    index = next(i for i, text in enumerate(lines) if text.startswith("target_metadata ="))
    lines.insert(index + 1, "tables = current_app.extensions['migrate'].db.get_tables_for_bind()")
    with open(env, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    import flask_sqlalchemy

    if hasattr(flask_sqlalchemy.SQLAlchemy, "get_tables_for_bind"):  # 2.x, and 3.0 (deprecated there)
        import warnings

        with project.app.app_context(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            upgrade()
        return
    with project.app.app_context(), pytest.raises(MigrationError) as error:
        upgrade()
    message = str(error.value)
    assert message.startswith("%s, line %d failed: AttributeError: " % (os.path.join("migrations", "env.py"), index + 2))
    assert message.endswith("get_tables_for_bind' (Flask-SQLAlchemy 3 removed db.get_tables_for_bind: use "
                            "db.metadatas[bind].tables.values() (db.metadata.tables for the default bind))"
                            ) or message.endswith("AttributeError: get_tables_for_bind (Flask-SQLAlchemy 3 removed "
                                                  "db.get_tables_for_bind: use db.metadatas[bind].tables.values() "
                                                  "(db.metadata.tables for the default bind))")

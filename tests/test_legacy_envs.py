"""Old migrations folders run as they are: env.py files of every Flask-Migrate generation.

Each fixture in legacy_envs/ replaces the env.py of a fresh repository; the
project then migrates, upgrades and downgrades on today's Flask-SQLAlchemy and
SQLAlchemy, on SQLite and on PostgreSQL with a role whose password (holding
'%', '@', ':' and '/') is really checked.
"""

import os
import shutil

import pytest
from conftest import SECRET_PASSWORD
from helpers import (
    USER_AND_AUDIT_EVENT,
    USER_WITH_EMAIL,
    assert_ok,
    flask_sqlalchemy_major,
    revision_in,
    table_names,
    version_files,
    write_project,
)
from inprocess import manage_in_process

HERE = os.path.dirname(__file__)
SINGLE_DATABASE_ENVS = ["v1_config_uri.py", "v2_0_str_url.py", "v2_7_reuse_engine.py"]
MULTIDB_ENVS = ["v2_multidb_app_bind.py", "v3_multidb_bind_kw.py"]

@pytest.fixture(params=["sqlite", "postgresql-with-password"])
def new_database_url(request, tmp_path):
    """A function giving URLs of new, empty databases of one kind."""
    if request.param == "sqlite":
        counter = iter(range(100))
        return lambda: "sqlite:///%s" % (tmp_path / ("db%d.sqlite" % next(counter)))
    return request.getfixturevalue("make_secret_postgres_url")




def use_legacy_env(project, fixture, *init_args, env):
    assert_ok(manage_in_process(project, "db", "init", *init_args, env=env))
    shutil.copy(os.path.join(HERE, "legacy_envs", fixture), os.path.join(project, "migrations", "env.py"))


def assert_no_password(result):
    output = result.stdout + result.stderr
    assert SECRET_PASSWORD not in output and "s3cr%25t" not in output, output


@pytest.mark.parametrize("fixture", SINGLE_DATABASE_ENVS)
def test_single_database_env_migrates_upgrades_and_downgrades(project, fixture, new_database_url):
    url = new_database_url()
    env = {"DATABASE_URL": url}
    use_legacy_env(project, fixture, env=env)

    assert_no_password(assert_ok(manage_in_process(project, "db", "migrate", "-m", "users", env=env)))
    [first] = version_files(project)
    assert_no_password(assert_ok(manage_in_process(project, "db", "upgrade", env=env)))
    assert "users" in table_names(url) and revision_in(url) == first.split("_")[0]

    write_project(project, models=USER_WITH_EMAIL)
    assert_ok(manage_in_process(project, "db", "migrate", "-m", "email", env=env))
    [second] = [name for name in version_files(project) if name != first]
    with open(os.path.join(project, "migrations", "versions", second)) as handle:
        # A file of the 2.x era gets 2.x's configure_args (no render_as_batch default): a plain op.
        assert "op.add_column('users', sa.Column('email'" in handle.read()
    assert_ok(manage_in_process(project, "db", "upgrade", env=env))
    assert revision_in(url) == second.split("_")[0]

    offline = assert_ok(manage_in_process(project, "db", "upgrade", "--sql", "base:head", env=env))
    assert "CREATE TABLE users" in offline.stdout
    assert_no_password(offline)

    assert_no_password(assert_ok(manage_in_process(project, "db", "downgrade", "base", env=env)))
    assert "users" not in table_names(url)


@pytest.mark.parametrize("fixture", MULTIDB_ENVS)
def test_multidb_env_migrates_each_bind(project, fixture, new_database_url):
    import json

    url, audit_url = new_database_url(), new_database_url()
    env = {"DATABASE_URL": url, "DATABASE_BINDS": json.dumps({"audit": audit_url})}
    write_project(project, models=USER_AND_AUDIT_EVENT)
    use_legacy_env(project, fixture, "--multidb", env=env)

    assert_no_password(assert_ok(manage_in_process(project, "db", "migrate", "-m", "both", env=env)))
    [revision_file] = version_files(project)
    assert_no_password(assert_ok(manage_in_process(project, "db", "upgrade", env=env)))
    assert "users" in table_names(url) and "audit_events" not in table_names(url)
    assert "audit_events" in table_names(audit_url) and "users" not in table_names(audit_url)
    revision = revision_file.split("_")[0]
    assert revision_in(url) == revision and revision_in(audit_url) == revision

    unchanged = assert_ok(manage_in_process(project, "db", "migrate", "-m", "nothing", env=env))
    assert "No changes in schema detected." in unchanged.stderr
    assert version_files(project) == [revision_file]

    assert_no_password(assert_ok(manage_in_process(project, "db", "downgrade", "base", env=env)))
    assert not {"users", "audit_events"} & (table_names(url) | table_names(audit_url))


needs_fsa3 = pytest.mark.skipif(flask_sqlalchemy_major() < 3,
                                reason="Flask-SQLAlchemy 3 moved relative SQLite paths into the instance folder")


@needs_fsa3
def test_relative_sqlite_path_is_fine_when_env_uses_the_engine(project):
    env = {"DATABASE_URL": "sqlite:///app.db"}
    use_legacy_env(project, "v2_7_reuse_engine.py", env=env)
    result = assert_ok(manage_in_process(project, "db", "migrate", "-m", "users", env=env))
    assert "Warning:" not in result.stderr
    assert_ok(manage_in_process(project, "db", "upgrade", env=env))
    assert "users" in table_names("sqlite:///" + os.path.join(project, "instance", "app.db"))


@pytest.mark.parametrize("fixture", [None] + SINGLE_DATABASE_ENVS)
def test_a_project_folder_whose_name_is_not_utf8_migrates(tmp_path, fixture):
    # A folder named in Latin-1 (b"caf\xe9") on a UTF-8 system: Python keeps the byte as a lone
    # surrogate, which SQLAlchemy could not render in a URL (every env.py renders the engine's).
    from inprocess import flask_db_in_process

    project = str(tmp_path / "caf\udce9")
    os.mkdir(project)
    write_project(project)
    url = "sqlite:///" + os.path.join(project, "app.sqlite")
    env = {"DATABASE_URL": url}
    if fixture is None:
        assert_ok(manage_in_process(project, "db", "init", env=env))
    else:
        use_legacy_env(project, fixture, env=env)
    assert_ok(manage_in_process(project, "db", "migrate", "-m", "users", env=env))
    [first] = version_files(project)
    assert_ok(manage_in_process(project, "db", "upgrade", env=env))
    assert "users" in table_names(url) and revision_in(url) == first.split("_")[0]
    assert os.path.exists(os.path.join(project, "app.sqlite"))  # the file the app opens, not a look-alike
    assert "--" in assert_ok(manage_in_process(project, "db", "upgrade", "--sql", "base:head", env=env)).stdout
    assert first.split("_")[0] in assert_ok(flask_db_in_process(project, "current", env=env)).stdout
    assert_ok(manage_in_process(project, "db", "downgrade", "base", env=env))
    assert revision_in(url) is None

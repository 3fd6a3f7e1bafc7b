"""Bad input and broken environments: one line on stderr, a non-zero exit, nothing changed."""

import importlib.util
import os
import time

import pytest
import sqlalchemy as sa
from helpers import assert_ok, assert_one_line_error, flask_db, manage, revision_in, version_files
from inprocess import flask_db_in_process, manage_in_process

PASSWORD = "pw-not-to-print"


@pytest.fixture
def migrated(project, sqlite_url):
    """A project with one applied revision; returns a function checking nothing changed since."""
    env = {"DATABASE_URL": sqlite_url}
    assert_ok(manage_in_process(project, "db", "init", env=env))
    assert_ok(manage_in_process(project, "db", "migrate", "-m", "users", env=env))
    assert_ok(manage_in_process(project, "db", "upgrade", env=env))
    before = (version_files(project), revision_in(sqlite_url))

    def unchanged():
        assert (version_files(project), revision_in(sqlite_url)) == before

    unchanged.env = env
    return unchanged



@pytest.mark.parametrize("url, where", [
    ("postgresql+psycopg://postgres:%s@127.0.0.1:1/app" % PASSWORD, "127.0.0.1:1"),
    ("mysql+pymysql://root:%s@127.0.0.1:1/app" % PASSWORD, "127.0.0.1:1"),
    ("postgresql+psycopg://postgres:%s@no-such-host.invalid:5432/app" % PASSWORD, "no-such-host.invalid:5432"),
    ("mysql+pymysql://root:%s@no-such-host.invalid:3306/app" % PASSWORD, "no-such-host.invalid:3306"),
])
def test_unreachable_database_names_host_and_port_not_password(migrated, project, url, where):
    if url.startswith("postgresql") and int(sa.__version__.split(".")[0]) < 2:
        pytest.skip("psycopg 3 needs SQLAlchemy 2")
    started = time.monotonic()
    result = manage_in_process(project, "db", "upgrade", env={"DATABASE_URL": url})
    assert time.monotonic() - started < 30
    line = assert_one_line_error(result, "cannot connect to the database", where)
    assert PASSWORD not in result.stdout + result.stderr, line
    migrated()


@pytest.mark.parametrize("url, package", [
    ("postgresql+pg8000://postgres:%s@127.0.0.1/app" % PASSWORD, "pip install pg8000"),
    ("postgresql+psycopg2://postgres:%s@127.0.0.1/app" % PASSWORD, "pip install psycopg2-binary"),
])
def test_missing_driver_names_the_package_to_install(migrated, project, url, package):
    driver = url.split("+")[1].split(":")[0]
    if importlib.util.find_spec(driver) is not None:
        pytest.skip("%s is installed here" % driver)
    result = manage_in_process(project, "db", "upgrade", env={"DATABASE_URL": url})
    assert_one_line_error(result, "database driver %r is not installed" % driver, package)
    assert PASSWORD not in result.stderr
    migrated()


@pytest.mark.e2e
@pytest.mark.parametrize("cli", ["manage", "flask"])
def test_unknown_dialect_and_malformed_url(migrated, project, cli):
    # Flask-SQLAlchemy 3 fails inside SQLAlchemy(app), before any command: only a real
    # process shows that the start-up report is installed in time, for both command lines.
    def run(url):
        if cli == "manage":
            return manage(project, "db", "current", env={"DATABASE_URL": url})
        return flask_db(project, "current", env={"DATABASE_URL": url})

    assert_one_line_error(run("nosuchdb://x/y"), "unknown database dialect", "nosuchdb")
    assert_one_line_error(run("not a url"), "bad database URL")
    migrated()


@pytest.mark.parametrize("cli", ["manage", "flask"])
@pytest.mark.parametrize("args, option", [
    (["revision", "-m", "Gr\udcfc\udcdfe"], "-m/--message"),  # b"Gr\xfc\xdfe": Latin-1 from a UTF-8 terminal
    (["migrate", "-m", "ok", "--rev-id", "r\udce9v"], "--rev-id"),
    (["revision", "-m", "ok", "--branch-label", "caf\udce9"], "--branch-label"),
    (["merge", "-m", "\udcff", "heads"], "-m/--message"),
])
def test_bytes_the_terminal_could_not_decode_are_refused_before_any_file_is_written(migrated, project, cli, args,
                                                                                  option):
    # Python keeps such argv bytes as lone surrogates; Alembic's template failed on them, pointing
    # to a traceback file it left in /tmp.
    run = manage_in_process if cli == "manage" else flask_db_in_process
    result = run(project, *(["db"] if cli == "manage" else []), *args, env=migrated.env)
    line = assert_one_line_error(result, option, "not text in this terminal's encoding", "no file was written",
                                 code=2)
    assert "\\x" in line  # the bytes, shown escaped
    migrated()


def test_malformed_alembic_ini(migrated, project):
    with open(os.path.join(project, "migrations", "alembic.ini"), "w") as handle:
        handle.write("[alembic\nthis is not an ini file\n")
    result = manage_in_process(project, "db", "upgrade", env=migrated.env)
    assert_one_line_error(result, "cannot read", "alembic.ini", "no section headers")
    migrated()


def test_env_py_that_raises(migrated, project):
    with open(os.path.join(project, "migrations", "env.py"), "a") as handle:
        handle.write("\nraise RuntimeError('boom in env')\n")
    for command in (["upgrade"], ["current"], ["migrate", "-m", "x"]):
        result = manage_in_process(project, "db", *command, env=migrated.env)
        assert_one_line_error(result, os.path.join("migrations", "env.py"), "failed", "RuntimeError: boom in env")
    migrated()


@pytest.mark.parametrize("command, message", [
    (["migrate", "--sql"], "--sql with --autogenerate"),
    (["downgrade", "--sql", "base"], "requires <fromrev>:<torev>"),
])
def test_sql_with_a_command_that_cannot_run_offline(migrated, project, command, message):
    assert_one_line_error(manage_in_process(project, "db", *command, env=migrated.env), message)
    migrated()


def test_stamp_to_an_unknown_revision(migrated, project):
    assert_one_line_error(manage_in_process(project, "db", "stamp", "feedfacecafe", env=migrated.env),
                          "Can't locate revision identified by 'feedfacecafe'")
    migrated()


def test_bad_lock_timeout_setting(migrated, project):
    result = manage_in_process(project, "db", "upgrade", env=dict(migrated.env, MIGRATE_LOCK_TIMEOUT="soon"))
    assert_one_line_error(result, "MIGRATE_LOCK_TIMEOUT must be a number")
    migrated()


@pytest.mark.parametrize("cli", ["manage", "flask"])
def test_bad_lock_switch_is_one_line_on_both_command_lines(migrated, project, cli):
    from inprocess import flask_db_in_process

    env = dict(migrated.env, MIGRATE_LOCK="2")
    if cli == "manage":
        result = manage_in_process(project, "db", "upgrade", env=env)
    else:
        result = flask_db_in_process(project, "upgrade", env=env)
    assert_one_line_error(result, "MIGRATE_LOCK must be 1/true/yes/on (on) or 0/false/no/off (off), not '2'")
    migrated()


@pytest.mark.parametrize("text, expected", [
    ("Could not parse rfc1738 URL from string 'postgresql://u:s3cr%t@p:ss/w@db/app'",
     "Could not parse rfc1738 URL from string 'postgresql://u:***@db/app'"),
    ("mysql+pymysql://root:pw@127.0.0.1:1/x, sqlite:///a.db", "mysql+pymysql://root:***@127.0.0.1:1/x, sqlite:///a.db"),
    ("postgresql://app@db/x has no password", "postgresql://app@db/x has no password"),
])
def test_passwords_in_urls_quoted_by_error_messages_are_masked(text, expected):
    from flask_migrate_legacy.masking import mask_url_passwords

    assert mask_url_passwords(text) == expected

"""`db heads --check` and `db current --check-heads`: exit 1 for CI and deploy scripts when the history has
several heads, or a database is not at every head; both command lines, on every Alembic release CI installs."""

import os

import pytest
from helpers import assert_ok, write_project
from inprocess import flask_db_in_process, manage_in_process

RUN = {"manage": manage_in_process, "flask": flask_db_in_process}


@pytest.fixture(params=sorted(RUN))
def cli(request, tmp_path):
    folder = str(tmp_path)
    write_project(folder)
    env = {"DATABASE_URL": "sqlite:///" + os.path.join(folder, "app.db")}
    run = RUN[request.param]

    def db(*args):
        return run(folder, *args, env=env) if request.param == "flask" else run(folder, "db", *args, env=env)

    assert_ok(db("init"))
    return db


def errors(result):
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def test_heads_check_passes_one_head_and_fails_two_with_the_merge_to_run(cli):
    assert_ok(cli("revision", "-m", "one", "--rev-id", "a1"))
    one = assert_ok(cli("heads", "--check"))
    assert one.stdout.startswith("a1 (head)")
    assert_ok(cli("revision", "-m", "two", "--rev-id", "b1", "--head", "base", "--splice"))
    two = cli("heads", "--check")
    assert two.returncode == 1 and "a1 (head)" in two.stdout and "b1 (head)" in two.stdout  # the list, then the verdict
    assert errors(two) == ["Error: 2 heads (a1, b1): `db upgrade` stops with 'Multiple head revisions'; merge them: "
                           "db merge -m 'merge heads' a1 b1"]
    assert cli("heads").returncode == 0  # without --check: as before


def test_current_check_heads_fails_until_the_database_is_at_every_head(cli):
    assert_ok(cli("revision", "-m", "one", "--rev-id", "a1"))
    behind = cli("current", "--check-heads")
    assert behind.returncode == 1 and errors(behind) == [
        "Error: the database is at base, not at every head (a1): run db upgrade"]
    assert_ok(cli("upgrade"))
    at_head = assert_ok(cli("current", "--check-heads"))
    assert "a1 (head)" in at_head.stdout and not errors(at_head)
    assert_ok(cli("revision", "-m", "two", "--rev-id", "a2"))
    again = cli("current", "--check-heads")
    assert again.returncode == 1 and errors(again) == [
        "Error: the database is at a1, not at every head (a2): run db upgrade"]

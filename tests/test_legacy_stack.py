"""MigrateCommand under the real Flask-Script, where it still runs (Flask 1.1, Python <= 3.10).

CI runs this file on its legacy leg; elsewhere the real Flask-Script cannot
run, and the hook gives ours (checked in test_shim.py).
"""

import os
import textwrap

import pytest
from helpers import assert_ok, assert_one_line_error, manage, run, version_files, write_project


def _python():
    import sys

    return sys.executable


pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    "not _real_flask_script_is_importable()",
    reason="the real Flask-Script does not run on this Flask/Python",
)]


def _real_flask_script_is_importable():
    result = run([_python(), "-c", "import flask_script; print(flask_script.__file__)"], os.getcwd())
    return result.returncode == 0 and "flask_migrate_legacy" not in result.stdout


MANAGE = textwrap.dedent('''\
    from flask_script import Manager
    from flask_migrate import MigrateCommand

    from app import app

    manager = Manager(app)
    manager.add_command("db", MigrateCommand)


    @manager.command
    def hello(name="world"):
        print("hello %s" % name)


    if __name__ == "__main__":
        manager.run()
''')


def test_flask_script_is_the_real_one(tmp_path):
    result = assert_ok(run([_python(), "-c", "import flask_script, flask_migrate; "
                                              "print(flask_script.__file__); print(flask_migrate.MigrateCommand)"],
                           str(tmp_path)))
    first, second = result.stdout.splitlines()
    assert "site-packages/flask_script/__init__.py" in first
    assert "flask_script.Manager" in second


@pytest.mark.parametrize("url_fixture", ["sqlite_url", "postgres_url"])
def test_migrate_command_under_real_flask_script(tmp_path, request, url_fixture):
    url = request.getfixturevalue(url_fixture)
    folder = str(tmp_path)
    write_project(folder, manage=MANAGE)
    env = {"DATABASE_URL": url}
    assert_ok(manage(folder, "db", "init", env=env))
    assert_ok(manage(folder, "db", "migrate", "-m", "users", env=env))
    assert_ok(manage(folder, "db", "upgrade", env=env))
    [revision_file] = version_files(folder)
    assert revision_file.split("_")[0] in assert_ok(manage(folder, "db", "current", env=env)).stdout
    assert assert_ok(manage(folder, "hello", "-n", "old friend", env=env)).stdout == "hello old friend\n"
    assert_one_line_error(manage(folder, "db", "upgrade", "nope", env=env), "Can't locate revision")
    assert_ok(manage(folder, "db", "downgrade", "base", env=env))

"""A real manage.py in a subprocess: what only a real process shows."""

import sys
import textwrap

import pytest
from helpers import assert_ok, manage, run

pytestmark = pytest.mark.e2e  # real processes: what only a process shows

MANAGE = textwrap.dedent('''\
    import sys
    from flask import Flask
    from flask_script import Manager, Command, Option, Shell
    from flask_script.commands import InvalidCommand, ShowUrls, Clean


    def create_app(config=None):
        app = Flask("e2e")
        app.config["WHICH"] = config or "default"
        return app


    manager = Manager(create_app)
    manager.add_option("-c", "--config", dest="config", required=False)
    manager.add_command("urls", ShowUrls())
    manager.add_command("clean", Clean())


    @manager.command
    def hello(name, loud=False):
        "Greet someone"
        from flask import current_app
        text = "hello %s from %s" % (name, current_app.config["WHICH"])
        print(text.upper() if loud else text)


    @manager.command
    def status(code):
        return int(code)


    @manager.command
    def refuse():
        raise InvalidCommand("refused: no release tag")


    @manager.command
    def crash():
        return 1 // 0


    @manager.command
    def modules():
        print(" ".join(sorted(m for m in ("alembic", "alembic.command") if m in sys.modules)) or "none")


    if __name__ == "__main__":
        manager.run()
''')


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "manage.py").write_text(MANAGE)
    return str(tmp_path)


def test_command_with_factory_option(folder):
    result = assert_ok(manage(folder, "-c", "prod.cfg", "hello", "world", "--loud"))
    assert result.stdout == "HELLO WORLD FROM PROD.CFG\n"
    assert assert_ok(manage(folder, "hello", "you")).stdout == "hello you from default\n"


def test_exit_status_is_the_commands_return_value(folder):
    assert manage(folder, "status", "7").returncode == 7
    assert manage(folder, "status", "0").returncode == 0


def test_no_arguments_shows_help_exit_2(folder):
    result = manage(folder)
    assert result.returncode == 2
    assert "Greet someone" in result.stdout and "runserver" in result.stdout


@pytest.mark.parametrize("args,message", [
    (["bogus"], "invalid choice"),
    (["hello"], "required: name"),
    (["hello", "x", "--nope"], "error: too many arguments"),
    (["runserver", "-p", "eighty"], "invalid int value"),
])
def test_usage_errors(folder, args, message):
    result = manage(folder, *args)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: manage.py")
    assert message in result.stderr and "Traceback" not in result.stderr


def test_invalid_command_is_one_line_exit_1(folder):
    result = manage(folder, "refuse")
    assert result.returncode == 1
    assert result.stderr == "Error: refused: no release tag\n"


def test_user_exception_keeps_traceback(folder):
    result = manage(folder, "crash")
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "ZeroDivisionError" in result.stderr


def test_traceback_on_request_for_user_errors(folder):
    result = manage(folder, "refuse", env={"FLASK_MIGRATE_LEGACY_TRACEBACK": "1"})
    assert result.returncode == 1
    assert "Traceback" in result.stderr and result.stderr.endswith("Error: refused: no release tag\n")


def test_shell_reads_a_pipe(folder):
    result = assert_ok(manage(folder, "shell", input="print(app.name)\n"))
    assert result.stdout == "e2e\n"


def test_show_urls(folder):
    result = assert_ok(manage(folder, "urls"))
    assert "/static/<path:filename>" in result.stdout and "static" in result.stdout


def test_no_app_is_a_clear_error(tmp_path):
    (tmp_path / "manage.py").write_text(
        "from flask_script import Manager\nmanager = Manager()\n"
        "@manager.command\ndef hello():\n    pass\nmanager.run()\n")
    result = manage(str(tmp_path), "hello")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: this manager has no Flask application")


def test_non_db_commands_do_not_import_alembic(folder):
    assert assert_ok(manage(folder, "modules", warm=False)).stdout == "none\n"  # a cold start shows the imports


def test_importing_the_script_package_does_not_import_alembic(tmp_path):
    code = ("import sys, flask_migrate_legacy, flask_migrate_legacy.script; "
            "print('alembic' in sys.modules)")
    assert assert_ok(run([sys.executable, "-c", code], str(tmp_path))).stdout == "False\n"


def test_the_script_package_stands_alone(tmp_path):
    """The Flask-Script layer imports no migration module (only the error model it reports with) and
    installs no start-up report: importing Migrate or MigrateCommand does."""
    # (The import hook's removal hint wraps sys.excepthook from interpreter start: the start-up
    # report is told apart by its own marker.)
    code = ("import sys, flask_migrate_legacy.script; "
            "reports = lambda: getattr(sys.excepthook, 'reports_startup_errors', False); "
            "print(sorted(m for m in sys.modules if m.startswith('flask_migrate_legacy.') "
            "and not m.startswith('flask_migrate_legacy.script')), reports()); "
            "from flask_migrate_legacy import MigrateCommand; print(reports())")
    loaded = assert_ok(run([sys.executable, "-c", code], str(tmp_path))).stdout
    assert loaded == ("['flask_migrate_legacy.errors', 'flask_migrate_legacy.shim', 'flask_migrate_legacy.switches'] "
                      "False\nTrue\n")


def test_exit_still_flushes_files_and_runs_atexit(tmp_path):
    """What users rely on at exit happens: atexit callbacks, unclosed files flushed, the command's status."""
    (tmp_path / "manage.py").write_text(textwrap.dedent('''\
        import atexit
        from flask import Flask
        from flask_script import Manager

        manager = Manager(Flask("exit"))
        LOG = None


        @manager.command
        def write():
            global LOG
            LOG = open("log.txt", "w")  # never closed: flushed when the module is torn down
            LOG.write("kept")
            atexit.register(lambda: print("atexit ran"))
            return 3


        manager.run()
    '''))
    result = manage(str(tmp_path), "write")
    assert result.returncode == 3 and result.stdout == "atexit ran\n"
    assert (tmp_path / "log.txt").read_text() == "kept"


def test_a_non_db_command_of_a_migrate_project_does_not_import_alembic(tmp_path, sqlite_url):
    """Migrate(app, db) and MigrateCommand are set up, yet only db subcommands pay for Alembic."""
    from helpers import MANAGE_TEMPLATE, write_project

    write_project(str(tmp_path), manage=MANAGE_TEMPLATE.replace(
        'if __name__ == "__main__":',
        '@manager.command\ndef modules():\n    import sys\n    print(sorted(m for m in sys.modules if m.split(".")[0] == "alembic"))\n\n\n'
        'if __name__ == "__main__":'))
    result = assert_ok(manage(str(tmp_path), "modules", env={"DATABASE_URL": sqlite_url}, warm=False))
    assert result.stdout == "[]\n"
    db_help = assert_ok(manage(str(tmp_path), "db", "--help", env={"DATABASE_URL": sqlite_url}))
    assert "upgrade" in db_help.stdout

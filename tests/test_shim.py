"""The import hook: old import lines resolve to the right modules, and nothing else changes.

Most checks run in a fresh interpreter, because the hook is installed at
interpreter start by the .pth file that ``pip install`` placed in site-packages.
"""

import os
import sys
import textwrap

import pytest
from helpers import assert_ok, run

from flask_migrate_legacy import shim


def python(folder, code, **env):
    """Run ``code`` in a fresh interpreter with ``folder`` on sys.path."""
    extra = dict(env, PYTHONPATH=str(folder))
    return run([sys.executable, "-c", textwrap.dedent(code)], str(folder), extra)


def write_module(folder, relative_path, source=""):
    path = os.path.join(str(folder), relative_path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(textwrap.dedent(source))


def test_hook_is_active_at_start_and_imports_nothing_heavy(tmp_path):
    if os.environ.get("COVERAGE_PROCESS_CONFIG") or os.environ.get("COVERAGE_PROCESS_START"):
        pytest.skip("measured by coverage: its own start-up in the child imports typing")
    result = assert_ok(python(tmp_path, """
        import sys
        print(type(sys.meta_path[0]).__name__)
        heavy = sorted(m for m in sys.modules
                       if m.split('.')[0] in ('flask', 'werkzeug', 'alembic', 'sqlalchemy', 'typing', 'importlib')
                       and m not in ('importlib', 'importlib._bootstrap', 'importlib._bootstrap_external',
                                     'importlib.machinery'))
        print(heavy)
    """))
    assert result.stdout.splitlines() == ["LegacyImportFinder", "[]"]


def test_flask_ext_names_are_the_same_module_objects(tmp_path):
    assert_ok(python(tmp_path, """
        import sys
        from flask.ext.sqlalchemy import SQLAlchemy
        import flask.ext.sqlalchemy, flask_sqlalchemy
        assert SQLAlchemy is flask_sqlalchemy.SQLAlchemy
        assert sys.modules['flask.ext.sqlalchemy'] is flask_sqlalchemy
        # (flask.ext.script is flask_script, which is ours where the real one cannot run)

        from flask.ext.script import Manager, Shell
        from flask.ext.migrate import Migrate, MigrateCommand
        import flask_migrate_legacy, flask_migrate_legacy.script
        assert Manager is flask_migrate_legacy.script.Manager and Shell is flask_migrate_legacy.script.Shell
        assert Migrate is flask_migrate_legacy.Migrate and MigrateCommand is flask_migrate_legacy.MigrateCommand

        import flask.ext.script.commands, flask_migrate_legacy.script.commands
        assert flask.ext.script.commands is flask_migrate_legacy.script.commands
    """))


def test_flask_script_and_flask_migrate_names_resolve_to_ours(tmp_path):
    assert_ok(python(tmp_path, """
        import flask_script, flask_script.commands, flask_script.cli, flask_migrate
        import flask_migrate_legacy, flask_migrate_legacy.script
        assert flask_script is flask_migrate_legacy.script
        assert flask_script.commands is flask_migrate_legacy.script.commands
        assert flask_script.cli is flask_migrate_legacy.script.cli
        assert flask_migrate is flask_migrate_legacy
        from flask_script import Manager, Command, Option, Shell, Server
        from flask_script.cli import prompt_bool
        from flask_migrate import Migrate, MigrateCommand, upgrade
    """))


def test_old_flaskext_namespace_is_the_fallback(tmp_path):
    write_module(tmp_path, "flaskext/__init__.py")
    write_module(tmp_path, "flaskext/oldthing.py", "VALUE = 42\n")
    result = assert_ok(python(tmp_path, """
        from flask.ext.oldthing import VALUE
        import flask.ext.oldthing, flaskext.oldthing
        assert flask.ext.oldthing is flaskext.oldthing
        print(VALUE)
    """))
    assert result.stdout.strip() == "42"


def test_missing_extension_names_the_module_to_install(tmp_path):
    result = python(tmp_path, """
        try:
            from flask.ext.nonexistent import x
        except ModuleNotFoundError as exc:
            print(exc.name)
            print(exc)
    """)
    name, message = assert_ok(result).stdout.splitlines()
    assert name == "flask_nonexistent"
    assert "'flask_nonexistent'" in message and "flask.ext.nonexistent" in message


def test_a_missing_dependency_of_an_extension_is_not_masked(tmp_path):
    write_module(tmp_path, "flask_broken.py", "import some_missing_dependency\n")
    result = python(tmp_path, """
        try:
            import flask.ext.broken
        except ModuleNotFoundError as exc:
            print(exc.name)
    """)
    assert assert_ok(result).stdout.strip() == "some_missing_dependency"


def test_a_flask_script_that_cannot_run_here_is_passed_over(tmp_path):
    # The real 2.0.6 needs flask._compat (gone in Flask 2.0); a copy of that
    # import line stands in for it.
    write_module(tmp_path, "flask_script/__init__.py", "from flask._compat import text_type\n")
    result = assert_ok(python(tmp_path, """
        import flask_script, flask_migrate_legacy.script
        assert flask_script is flask_migrate_legacy.script
        from flask_script import Manager
        print(Manager.__module__)
    """))
    assert result.stdout.strip() == "flask_migrate_legacy.script.manager"


def test_an_installed_flask_migrate_is_never_shadowed(tmp_path):
    write_module(tmp_path, "flask_migrate/__init__.py", "WHO = 'the real one'\n")
    result = assert_ok(python(tmp_path, "import flask_migrate; print(flask_migrate.WHO)"))
    assert result.stdout.strip() == "the real one"


def test_one_variable_turns_every_alias_off(tmp_path):
    result = python(tmp_path, """
        for name in ('flask.ext.sqlalchemy', 'flask.ext.script', 'flask_script', 'flask_migrate'):
            try:
                __import__(name)
                print('imported', name)
            except ImportError:
                print('missing', name)
    """, FLASK_MIGRATE_LEGACY_NO_ALIASES="1")
    assert assert_ok(result).stdout.split("\n")[:4] == [
        "missing flask.ext.sqlalchemy", "missing flask.ext.script", "missing flask_script", "missing flask_migrate"]


@pytest.mark.parametrize("value, disabled", [("1", True), ("yes", True), ("0", False), ("", False), ("off", False)])
def test_disable_variable_values(monkeypatch, value, disabled):
    monkeypatch.setenv(shim.DISABLE_ENV, value)
    assert shim.aliases_disabled() is disabled


# -- the choice between a real Flask-Script and ours, in-process ------------------


@pytest.fixture
def isolated_finder(monkeypatch, tmp_path):
    """A finder of our own on a sys.meta_path and sys.modules restored afterwards."""
    saved_modules = dict(sys.modules)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n.split(".")[0] == "flask_script" or n.startswith("flask.ext")]:
        del sys.modules[name]
    shim.uninstall()
    finder = shim.LegacyImportFinder()
    sys.meta_path.insert(0, finder)
    yield finder
    sys.modules.clear()
    sys.modules.update(saved_modules)


def pretend_flask_script_runs_here(monkeypatch):
    from importlib.machinery import PathFinder

    monkeypatch.setattr(shim, "_runnable_flask_script_spec", lambda: PathFinder.find_spec("flask_script"))


def test_a_runnable_real_flask_script_is_used_with_its_submodules(isolated_finder, monkeypatch, tmp_path):
    write_module(tmp_path, "flask_script/__init__.py", "WHO = 'real'\n")
    write_module(tmp_path, "flask_script/commands.py", "WHO = 'real commands'\n")
    pretend_flask_script_runs_here(monkeypatch)
    import flask_script
    import flask_script.commands

    assert flask_script.WHO == "real" and flask_script.commands.WHO == "real commands"


def test_flask_ext_script_follows_the_same_rule_as_flask_script(isolated_finder, monkeypatch, tmp_path):
    write_module(tmp_path, "flask_script/__init__.py", "WHO = 'real'\n")
    write_module(tmp_path, "flask_script/commands.py", "WHO = 'real commands'\n")
    pretend_flask_script_runs_here(monkeypatch)
    import flask.ext.script
    import flask.ext.script.commands
    import flask_script

    assert flask.ext.script is flask_script and flask.ext.script.WHO == "real"
    assert flask.ext.script.commands.WHO == "real commands"


def test_a_real_flask_script_failing_on_import_falls_back_to_ours(isolated_finder, monkeypatch, tmp_path):
    write_module(tmp_path, "flask_script/__init__.py", "from ._compat import gone\n")
    pretend_flask_script_runs_here(monkeypatch)
    import flask_script
    import flask_script.commands

    import flask_migrate_legacy.script

    assert flask_script is flask_migrate_legacy.script
    assert flask_script.commands is flask_migrate_legacy.script.commands
    assert "flask_script._compat" not in sys.modules


def test_install_is_idempotent(monkeypatch):
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.delenv(shim.DISABLE_ENV, raising=False)
    first = shim.install()
    assert shim.install() is first
    assert sum(isinstance(f, shim.LegacyImportFinder) for f in sys.meta_path) == 1


#: Every public name of Flask-Migrate 2.7.0's module (its __init__.py, read from the release).
FLASK_MIGRATE_2_NAMES = ["AlembicConfig", "CommandError", "Config", "Manager", "Migrate", "MigrateCommand",
                         "alembic_version", "branches", "catch_errors", "command", "current", "current_app",
                         "downgrade", "edit", "heads", "history", "init", "log", "merge", "migrate", "revision",
                         "show", "stamp", "upgrade"]


def test_every_name_flask_migrate_2_exposed_imports(tmp_path):
    code = ("import flask_migrate, flask_script\n"
            "names = %r\n"
            "missing = [n for n in names if not hasattr(flask_migrate, n)]\n"
            "from flask_migrate import Manager, CommandError, catch_errors\n"
            "import alembic.util\n"
            "print(missing, Manager is flask_script.Manager, CommandError is alembic.util.CommandError)\n"
            "@catch_errors\n"
            "def fails():\n"
            "    raise CommandError('Target database is not up to date.')\n"
            "fails()\n" % FLASK_MIGRATE_2_NAMES)
    done = run([sys.executable, "-c", code], str(tmp_path))
    if "real Flask-Migrate" in done.stderr:
        pytest.skip("the real Flask-Migrate is installed here")
    assert done.stdout == "[] True True\n", done.stderr
    assert done.returncode == 1 and done.stderr == "Error: Target database is not up to date.\n"


def fake_flask_migrate(folder, version, source):
    """Install a stand-in for a real Flask-Migrate release into ``folder`` (its module and its metadata)."""
    (folder / "flask_migrate").mkdir()
    (folder / "flask_migrate" / "__init__.py").write_text(source)
    info = folder / ("Flask_Migrate-%s.dist-info" % version)
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Flask-Migrate\nVersion: %s\n" % version)


def test_a_real_flask_migrate_2_left_installed_is_said_once(tmp_path):
    fake_flask_migrate(tmp_path, "2.7.0", "class Migrate:\n    pass\nMigrateCommand = object()\n")
    done = run([sys.executable, "-c", "import flask_migrate\nimport flask_migrate\nprint(flask_migrate.__file__)"],
               str(tmp_path), {"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0 and done.stdout.strip() == str(tmp_path / "flask_migrate" / "__init__.py")
    assert done.stderr == (
        "flask-migrate-legacy: Flask-Migrate 2.7.0 is installed, so `import flask_migrate` gets it, not this "
        "package: its commands run without the migration lock, password masking and checks, and have no "
        "`db doctor`; `pip uninstall Flask-Migrate` (this package answers the same imports)\n")


def test_a_real_flask_migrate_3_or_later_explains_its_missing_migratecommand(tmp_path):
    fake_flask_migrate(tmp_path, "4.1.0", "class Migrate:\n    pass\n")
    (tmp_path / "manage.py").write_text("from flask_migrate import Migrate, MigrateCommand\n")
    done = run([sys.executable, "manage.py", "db", "upgrade"], str(tmp_path), {"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "flask-migrate-legacy: manage.py:1: flask_migrate.MigrateCommand was removed in Flask-Migrate 3.0.0; fix: "
        "the real Flask-Migrate is installed and answers `import flask_migrate`: `pip uninstall Flask-Migrate`, and "
        "this package provides MigrateCommand under the same import. `python -m flask_migrate_legacy doctor` lists "
        "every such change (--fix --write rewrites the safe ones)")

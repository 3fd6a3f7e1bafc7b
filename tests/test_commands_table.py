"""The subcommand table, the operations' signatures and both CLIs agree; README follows the table."""

import inspect
import json
import os

import click
import pytest
from flask import Flask

from flask_migrate_legacy import operations, subcommands
from flask_migrate_legacy.arguments import Flag, OptionalPositional, Positionals, Repeated, RequiredPositional
from flask_migrate_legacy.flask_db import db_group
from flask_migrate_legacy.migrate_command import build_migrate_command
from flask_migrate_legacy.script import Manager
from flask_migrate_legacy.subcommands import SUBCOMMANDS

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")

RECORDED_FLASK_MIGRATE_4_1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conformance",
                                          "originals-flask-migrate-4.1.json")


def flask_migrate_4_1_subcommands():
    """Return the subcommands Flask-Migrate 4.1's `flask db --help` listed, as the conformance run recorded it."""
    with open(RECORDED_FLASK_MIGRATE_4_1, encoding="utf-8") as handle:
        outcome = json.load(handle)["outcomes"]["db-help"]
    listing = (outcome["stdout"] + outcome["stderr"]).split("Commands:\n", 1)[1]
    return {line.split()[0] for line in listing.splitlines() if line.startswith("  ") and line.split()}


def test_table_covers_every_subcommand_and_every_operation():
    # Flask-Migrate 4.1's subcommands, and the one only this package has.
    assert len(flask_migrate_4_1_subcommands()) == 15
    assert {s.name for s in SUBCOMMANDS} == flask_migrate_4_1_subcommands() | {"doctor"}
    declared = {value for value in vars(operations).values() if inspect.isfunction(value) and hasattr(value, "needs")}
    public = {value for name, value in vars(operations).items()
              if inspect.isfunction(value) and not name.startswith("_") and value.__module__ == operations.__name__}
    assert {s.operation for s in SUBCOMMANDS} == declared == public - {operations.operation}


@pytest.mark.parametrize("subcommand", SUBCOMMANDS, ids=lambda s: s.name)
def test_each_entry_declares_consistent_needs(subcommand):
    needs = subcommand.needs
    assert not (needs.writes_database and needs.writes_revision_files)


@pytest.mark.parametrize("subcommand", SUBCOMMANDS, ids=lambda s: s.name)
def test_table_matches_the_operation_signature(subcommand):
    parameters = inspect.signature(subcommand.operation).parameters
    assert {a.name for a in subcommand.arguments} == set(parameters)
    for argument in subcommand.arguments:
        default = parameters[argument.name].default
        if argument.required_default is not inspect.Parameter.empty:
            assert default is argument.required_default, argument
    assert subcommand.help, "operation %s needs a docstring" % subcommand.operation.__name__


@pytest.mark.parametrize("subcommand", SUBCOMMANDS, ids=lambda s: s.name)
def test_directory_and_x_arg_on_every_subcommand_that_runs_env_py(subcommand):
    names = [a.name for a in subcommand.arguments]
    if subcommand.name == "list-templates":
        assert names == []  # it reads only the package's templates
        return
    assert "directory" in names
    if subcommand.name not in ("init", "doctor"):  # they write or read env.py, they do not run it
        assert "x_arg" in names


def _script_parser_for(subcommand_name):
    manager = Manager(Flask("table"))
    manager.add_command("db", build_migrate_command())
    manager.set_defaults()
    manager.create_parser("manage.py")
    return manager._commands["db"]._commands[subcommand_name].parser


@pytest.mark.parametrize("subcommand", SUBCOMMANDS, ids=lambda s: s.name)
def test_table_defaults_are_the_functions_defaults(subcommand):
    import inspect

    parameters = inspect.signature(subcommand.operation).parameters
    for argument in subcommand.arguments:
        assert subcommand.default(argument) == parameters[argument.name].default, argument


@pytest.mark.parametrize("subcommand", SUBCOMMANDS, ids=lambda s: s.name)
def test_migrate_command_is_built_from_the_table(subcommand):
    parser = _script_parser_for(subcommand.name)
    actions = {a.dest: a for a in parser._actions if a.dest != "help"}
    assert set(actions) == {a.name for a in subcommand.arguments}
    for argument in subcommand.arguments:
        action = actions[argument.name]
        assert tuple(action.option_strings) == argument.flags
        if not isinstance(argument, (Repeated, RequiredPositional)):
            assert action.default == subcommand.default(argument), argument
        assert action.help == argument.help


@pytest.mark.parametrize("subcommand", SUBCOMMANDS, ids=lambda s: s.name)
def test_flask_db_group_is_built_from_the_table(subcommand):
    command = db_group().get_command(None, subcommand.name)
    params = {p.name: p for p in command.params}
    assert set(params) == {a.name for a in subcommand.arguments}
    for argument in subcommand.arguments:
        param = params[argument.name]
        if isinstance(param, click.Option):
            assert tuple(param.opts + param.secondary_opts) == argument.flags
            assert param.help == argument.help
        else:
            assert isinstance(argument, (OptionalPositional, RequiredPositional, Positionals))
        if not isinstance(argument, (Repeated, Positionals, Flag)):
            assert param.default == subcommand.default(argument), argument
        assert not getattr(param, "show_default", None), argument  # a name passed as show_default showed "(directory)"
    assert command.help == subcommand.help


def test_flask_db_help_shows_each_option_once_with_its_help_only():
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    app = Flask("help")
    runner = CliRunner()
    for name in ("upgrade", "stamp", "history"):
        result = runner.invoke(db_group(), [name, "--help"], obj=ScriptInfo(create_app=lambda: app))
        assert result.exit_code == 0, result.output
        assert "[default:" not in result.output, result.output
        assert '-d, --directory TEXT Migration script directory (default is "migrations")' in " ".join(
            result.output.split())


def test_readme_documents_every_subcommand_as_the_table_says():
    with open(README, encoding="utf-8") as handle:
        readme = handle.read()
    assert subcommands.reference_markdown() in readme, (
        "README's subcommand reference is out of date: run python scripts/regenerate.py")


def test_every_operation_is_a_module_function_of_the_package():
    # The package's lazy exports list names (importing the table would cost every start-up);
    # this keeps that list and the table the same.
    import flask_migrate_legacy

    for subcommand in SUBCOMMANDS:
        name = subcommand.operation.__name__
        assert name in flask_migrate_legacy.__all__, name
        assert getattr(flask_migrate_legacy, name) is subcommand.operation
    for name in flask_migrate_legacy.__all__:
        assert getattr(flask_migrate_legacy, name) is not None


def test_the_generated_files_are_up_to_date():
    # README's reference and table of rules, and the package's exports of the operations
    import subprocess
    import sys

    script = os.path.join(os.path.dirname(README), "scripts", "regenerate.py")
    result = subprocess.run([sys.executable, script, "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

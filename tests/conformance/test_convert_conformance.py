"""`convert` proven command by command: every conformance scenario's manage.py, converted, run under `flask`.

Each scenario runs twice as real processes: the original `python manage.py ARGV`
(this package's Flask-Script), and the converted project as `python -m flask
--app manage.py ...` with the command line `convert` says replaces it. The two
must be equal after normalisation, unless the scenario is on the reviewed list
below (README "Leaving Flask-Script" gives the same reasons), whose check says
what may differ and what must not.
"""

import re
import sys
from typing import Callable, Dict, List, NamedTuple

import pytest
from harness import Outcome, run_scenario
from scenarios import SCENARIOS

from flask_migrate_legacy.convert import SERVER_OPTIONS, command_line_after, convert_source

pytestmark = [pytest.mark.conformance, pytest.mark.e2e]

if tuple(int(part) for part in re.findall(r"\d+", __import__("importlib.metadata").metadata.version("flask"))[:2]) \
        < (2, 2):
    pytest.skip("convert writes code for Flask >= 2.2 (flask --app)", allow_module_level=True)

Check = Callable[[Outcome, Outcome, "Converted"], List[str]]


class Converted:
    """A scenario's project with manage.py converted, run through ``flask``."""

    def __init__(self, scenario) -> None:
        self.scenario = scenario
        files = scenario.project_files()
        self.conversion = convert_source(files["manage.py"])
        self.files = dict(files, **{"manage.py": self.conversion.source})
        self.name, self.setup, self.env = scenario.name, scenario.setup, scenario.env
        self.stdin, self.argv = scenario.stdin, scenario.argv

    def project_files(self) -> Dict[str, str]:
        return self.files

    def command(self, python: str, argv) -> List[str]:
        return [python, "-m", "flask"] + command_line_after(self.conversion, argv)[1:]


def _same(old: Outcome, new: Outcome, *fields: str) -> List[str]:
    return ["%s differs: %r != %r" % (field, getattr(old, field), getattr(new, field))
            for field in fields if getattr(old, field) != getattr(new, field)]


def _effects(old: Outcome, new: Outcome) -> List[str]:
    return _same(old, new, "files", "database", "setup_exits")


def _help_layout(old, new, converted):
    return _same(old, new, "exit") + _effects(old, new)


def _usage_error(old, new, converted):
    problems = _effects(old, new)
    if old.exit != 2 or new.exit != 2:
        problems.append("not a usage error on both sides: %s, %s" % (old.exit, new.exit))
    if not new.stderr.rstrip().splitlines()[-1:][0].startswith("Error: "):
        problems.append("Click's error line is missing: %r" % new.stderr)
    return problems


def _traceback(old, new, converted):
    problems = _same(old, new, "exit", "stdout") + _effects(old, new)
    if old.stderr.splitlines()[-1:] != new.stderr.splitlines()[-1:] or "Traceback" not in new.stderr:
        problems.append("the exception lines differ: %r / %r" % (old.stderr[-200:], new.stderr[-200:]))
    return problems


def _left_for_the_user(old, new, converted):
    return [] if converted.conversion.todos else ["convert marked nothing TODO"]


def _not_a_flask_app(old, new, converted):
    if new.exit and ("Failed to find Flask application" in new.stderr or "object has no attribute 'cli'" in new.stderr):
        return []
    return ["flask did not refuse the app object: %r" % new.stderr[-300:]]


def _flask_shell(old, new, converted):
    if "--no-ipython" in converted.argv:
        return [] if new.exit == 2 and "No such option" in new.stderr else ["flask shell took --no-ipython"]
    problems = _same(old, new, "exit") + _effects(old, new)
    unprompted = re.sub(r"^(>>> |\.\.\. )+", "", new.stdout, flags=re.M).rstrip("\n> ") + "\n"
    if unprompted != old.stdout:
        problems.append("the shell's output differs once its prompts are removed: %r / %r" % (old.stdout, unprompted))
    return problems


def _ignored_manager_option(old, new, converted):
    problems = _same(old, new, "exit", "stdout") + _effects(old, new)
    if "Manager options are ignored" not in old.stderr or new.stderr:
        problems.append("stderr: %r / %r" % (old.stderr, new.stderr))
    return problems


def _flask_routes(old, new, converted):
    problems = _effects(old, new)
    if new.exit != 0 and new.exit != 2:
        problems.append("flask routes failed: %r" % new.stderr)
    if new.exit == 0 and not all(name in new.stdout for name in ("about", "static", "user")):
        problems.append("flask routes did not list the endpoints: %r" % new.stdout)
    return problems


class Difference(NamedTuple):
    """One reviewed reason why a converted command behaves otherwise, and what its check allows."""

    summary: str
    check: Check
    #: The converted command is not run (it would serve forever, or convert left it to the user).
    run: bool = True


CONVERT_DIFFERENCES: Dict[str, Difference] = {
    "help-layout": Difference(
        "Help screens are Click's: another layout, and flask's own commands (run, shell, routes) listed.",
        _help_layout),
    "usage-error": Difference(
        "A command line that does not parse is refused by Click, in Click's words; still exit status 2. "
        "Manager options written after the command were refused by Flask-Script and are by Click.",
        _usage_error),
    "help-options": Difference(
        "Click's help option is --help: `-?`, `-h` and a manager's custom `help_args` are gone (convert says so).",
        lambda old, new, converted: _effects(old, new)),
    "traceback": Difference(
        "An exception in a command ends with Python's traceback, as Flask-Script's did (this package's "
        "manage.py printed one line).", _traceback),
    "todo": Difference(
        "What has no certain equivalent is left to the user, marked TODO(convert), and convert exits 1: "
        "get_options(), exclusive or required option groups, manager.run(default_command=...), "
        "run(commands=...), a sub-manager's own options, manager() in a command, prompt_choices with "
        "(key, value) choices.", _left_for_the_user, run=False),
    "not-a-flask-app": Difference(
        "flask runs only a Flask app (or a factory returning one): an object that only imitates one fails at start-up.",
        _not_a_flask_app),
    "flask-shell": Difference(
        "`flask shell` reads piped input as an interactive console (prompts and banner), as Flask-Script's "
        "original did; --no-ipython/--no-bpython are not its options.", _flask_shell),
    "ignored-manager-option": Difference(
        "A manager option of a Manager given the app was ignored (with a warning): the command line convert "
        "prints leaves it out.", _ignored_manager_option),
    "flask-routes": Difference(
        "`urls` is `flask routes`: its own table (methods column), --sort for --order, no URL matching.",
        _flask_routes),
    "flask-run": Difference(
        "`runserver` is `flask run` (--host, --port, --debug, --reload, --with-threads, --cert/--key): it serves "
        "through Werkzeug itself, never app.run(); not run here, its command line is checked instead.",
        lambda old, new, converted: [], run=False),
    "flask-db-defaults": Difference(
        "`flask db` has Flask-Migrate 4's defaults: `stamp` without a revision stamps head, `merge` without "
        "revisions merges the heads (README, Compatibility notes).", lambda old, new, converted: _same(
            old, new, "setup_exits")),
}

_HELP = ("command-help", "command-help-question", "top-help", "top-help-question", "no-arguments",
         "underscore-option-help", "option-help", "group-titled-help", "class-command-help-listing",
         "no-default-commands", "sub-manager-alone", "sub-manager-help", "sub-manager-command-help", "factory-help",
         "shell-help", "db-alone", "db-help") + tuple("db-%s-help" % name for name in (
             "init", "revision", "migrate", "edit", "merge", "upgrade", "downgrade", "show", "history", "heads",
             "branches", "current", "stamp"))
_USAGE = ("command-missing-positional", "command-stray-argument", "command-unknown-option", "unknown-command",
          "sub-manager-unknown", "db-unknown-subcommand", "factory-option-after-command", "top-dash-h",
          "shell-no-ipython")
_TODO = ("get-options-override", "get-options-value", "group-exclusive-conflict", "group-exclusive-required",
         "class-command-double", "capture-all-args-double", "default-command-not-used", "default-command-used",
         "default-command-double", "run-commands-dict", "sub-manager-own-option", "manager-call-returns-app",
         "prompts-answered-flask", "prompts-answered-double", "prompts-defaults", "prompts-retry",
         "prompt-end-of-input")
_DOUBLE = ("command-positional-double", "command-options-double", "option-values-double", "option-defaults-double",
           "sub-manager-command-double", "double-manager-option")

#: Scenario -> the reviewed difference it shows; any other scenario must behave the same.
EXPECTED: Dict[str, str] = dict(
    [(name, "help-layout") for name in _HELP] + [(name, "usage-error") for name in _USAGE]
    + [(name, "todo") for name in _TODO] + [(name, "not-a-flask-app") for name in _DOUBLE]
    + [(name, "help-options") for name in ("help-args-empty-after", "help-args-empty-before", "help-args-custom",
                                           "command-help-args")]
    + [(name, "flask-shell") for name in ("user-shell-replaces-default", "shell-piped", "shell-banner-context",
                                          "shell-no-ipython")]
    + [(name, "flask-routes") for name in ("showurls", "showurls-order", "showurls-match", "showurls-no-match")]
    + [(s.name, "flask-run") for s in SCENARIOS if s.name.startswith("runserver")]
    + [("user-exception", "traceback"), ("ready-app-with-option", "ignored-manager-option"),
       ("db-stamp-missing-revision", "flask-db-defaults"), ("db-merge-no-revisions", "flask-db-defaults")]
)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_the_converted_command_does_what_manage_py_did(scenario):
    converted = Converted(scenario)
    assert "flask_script" not in converted.conversion.source and "flask_migrate_legacy" not in \
        converted.conversion.source
    compile(converted.conversion.source, "manage.py", "exec")
    difference = CONVERT_DIFFERENCES[EXPECTED[scenario.name]] if scenario.name in EXPECTED else None
    if difference is not None and not difference.run:
        assert not difference.check(None, None, converted)
        return
    old = run_scenario(sys.executable, scenario)
    new = run_scenario(sys.executable, converted)
    if difference is None:
        assert old == new, [field for field in Outcome._fields if getattr(old, field) != getattr(new, field)]
    else:
        assert old != new, "%s behaves the same now: take it off the list" % scenario.name
        assert not difference.check(old, new, converted)


def test_every_listed_scenario_exists_and_every_difference_is_used():
    names = {s.name for s in SCENARIOS}
    assert set(EXPECTED) <= names
    assert set(EXPECTED.values()) == set(CONVERT_DIFFERENCES)


def test_runserver_becomes_flask_run_with_the_same_settings():
    from scenarios import SERVER

    scenario = next(s for s in SCENARIOS if s.name == "runserver-options")
    conversion = Converted(scenario).conversion
    assert command_line_after(conversion, ["runserver", "-h", "0.0.0.0", "-p", "8000", "--threaded"]) == [
        "flask", "--app", "manage.py", "run", "--host", "0.0.0.0", "--port", "8000", "--with-threads"]
    assert command_line_after(conversion, ["runserver", "-d", "-r"]) == [
        "flask", "--app", "manage.py", "--debug", "run", "--reload"]
    assert command_line_after(conversion, ["runserver", "--ssl-crt", "c.pem", "--ssl-key", "k.pem"]) == [
        "flask", "--app", "manage.py", "run", "--cert", "c.pem", "--key", "k.pem"]
    assert SERVER in scenario.body
    import subprocess

    shown = subprocess.run([sys.executable, "-m", "flask", "run", "--help"], capture_output=True, text=True).stdout
    for flag in set(SERVER_OPTIONS.values()) - {"--debug", "--no-debug"}:
        assert re.search(r"(^|[ ,/])%s\b" % re.escape(flag), shown, re.M), flag
    top = subprocess.run([sys.executable, "-m", "flask", "--help"], capture_output=True, text=True).stdout
    assert "--debug / --no-debug" in top


def test_readme_gives_every_reason():
    import os

    with open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md"), encoding="utf-8") as handle:
        readme = " ".join(handle.read().split())
    for name, difference in CONVERT_DIFFERENCES.items():
        assert " ".join(difference.summary.split()) in readme, name

"""Commands run through the app object's own ``test_request_context()``, as Flask-Script did.

Projects hand the Manager test doubles and wrappers that are not Flask
instances, and Flask subclasses that build their own request context; every
way of running a command must go through the object's method.
(tests/conformance compares the same cases with the real Flask-Script.)
"""

import io
import sys

import pytest
from flask import Flask, current_app, request

from flask_migrate_legacy.script import Command, Manager, Option, prompt, prompt_bool


class AppDouble:
    """Not a Flask: only the two context methods, and callable as Flask-Script requires."""

    def __init__(self):
        self.wrapped = Flask("double")
        self.contexts = 0

    def test_request_context(self, *args, **kwargs):
        self.contexts += 1
        return self.wrapped.test_request_context(*args, **kwargs)

    def app_context(self):
        return self.wrapped.app_context()

    def __call__(self):
        return self


@pytest.fixture
def double():
    return AppDouble()


def test_every_kind_of_command_runs_in_the_doubles_context(double, monkeypatch):
    manager = Manager(double)
    seen = []

    @manager.command
    def hello(name, loud=False, greeting="hi"):
        seen.append(("hello", name, loud, greeting, current_app.name, request.path))

    @manager.option("-n", "--number", dest="number", type=int, default=1)
    def count(number):
        seen.append(("count", number))

    class Capture(Command):
        capture_all_args = True

        def run(self, remaining):
            seen.append(("capture", remaining))

    class Ask(Command):
        def run(self):
            seen.append(("ask", prompt("Name"), prompt_bool("Sure?")))

    sub = Manager()

    @sub.command
    def build(target="all"):
        seen.append(("build", target, current_app.name))

    manager.add_command("capture", Capture())
    manager.add_command("ask", Ask())
    manager.add_command("tools", sub)

    manager.handle("manage.py", ["hello", "bob", "-l", "-g", "yo"])
    manager.handle("manage.py", ["count", "-n", "4"])
    manager.handle("manage.py", ["capture", "a", "--b"])
    monkeypatch.setattr(sys, "stdin", io.StringIO("ann\ny\n"))
    manager.handle("manage.py", ["ask"])
    manager.handle("manage.py", ["tools", "build", "-t", "docs"])
    assert seen == [
        ("hello", "bob", True, "yo", "double", "/"),
        ("count", 4),
        ("capture", ["a", "--b"]),
        ("ask", "ann", True),
        ("build", "docs", "double"),
    ]
    assert double.contexts == 5


def test_factory_returning_a_double_gets_the_manager_options(monkeypatch, capsys):
    made = []

    def factory(config=None):
        made.append(config)
        return AppDouble()

    manager = Manager(factory)
    manager.add_option("-c", "--config", dest="config")

    @manager.command
    def show():
        print("shown in", current_app.name)

    monkeypatch.setattr(sys, "argv", ["manage.py", "-c", "prod.cfg", "show"])
    with pytest.raises(SystemExit) as exit_info:
        manager.run()
    assert exit_info.value.code == 0
    assert made == ["prod.cfg"]
    assert capsys.readouterr().out == "shown in double\n"


def test_default_command_runs_with_a_double(double, monkeypatch, capsys):
    manager = Manager(double)

    @manager.command
    def ping():
        print("pong", request.url)

    monkeypatch.setattr(sys, "argv", ["manage.py"])
    with pytest.raises(SystemExit) as exit_info:
        manager.run(default_command="ping")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == "pong http://localhost/\n"


def test_an_overridden_test_request_context_is_used():
    class TenantFlask(Flask):
        def test_request_context(self, *args, **kwargs):
            kwargs.setdefault("base_url", "https://shop.example.com/api/")
            kwargs.setdefault("headers", {"X-Tenant": "acme"})
            return super().test_request_context(*args, **kwargs)

    manager = Manager(TenantFlask("tenant"))
    seen = {}

    @manager.command
    def where():
        seen.update(url=request.url, tenant=request.headers.get("X-Tenant"))

    manager.handle("manage.py", ["where"])
    assert seen == {"url": "https://shop.example.com/api/", "tenant": "acme"}


def test_server_name_config_reaches_the_request_context():
    from flask import url_for

    app = Flask("named")
    app.config["SERVER_NAME"] = "example.org:8080"
    app.add_url_rule("/items", "items", lambda: "")
    manager = Manager(app)
    seen = {}

    @manager.command
    def link():
        seen.update(url=request.url, external=url_for("items", _external=True))

    manager.handle("manage.py", ["link"])
    assert seen == {"url": "http://example.org:8080/", "external": "http://example.org:8080/items"}


class TestUsageErrorsAsFlaskScriptWordedThem:
    """Usage errors come from the top-level parser, with Flask-Script's words, exit 2."""

    @pytest.fixture
    def manager(self):
        manager = Manager(Flask("usage"))

        @manager.command
        def hello(name):
            print("hello", name)

        sub = Manager(usage="Team tools")
        sub.add_option("-e", "--env", dest="env")

        @sub.command
        def build():
            print("built")

        manager.add_command("tools", sub)
        return manager

    @pytest.mark.parametrize("argv,message", [
        (["hello", "bob", "extra"], "manage.py: error: too many arguments"),
        (["hello", "--nope", "bob"], "manage.py: error: too many arguments"),
        (["-h"], "manage.py: error: too few arguments"),
        (["tools", "-e", "prod"], "manage.py: error: too few arguments"),
    ])
    def test_error(self, manager, capsys, argv, message):
        with pytest.raises(SystemExit) as exit_info:
            manager.handle("manage.py", argv)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: manage.py [-?] {hello,tools,shell,runserver} ...")
        assert err.rstrip().endswith(message)

    @pytest.mark.parametrize("argv", [["hello", "bob", "--help"], ["--help", "hello", "bob"], ["hello", "bob", "-?"]])
    def test_help_switch_with_help_args_off_is_too_many_arguments(self, manager, capsys, argv):
        manager.help_args = ()
        with pytest.raises(SystemExit) as exit_info:
            manager.handle("manage.py", argv)
        assert exit_info.value.code == 2
        assert capsys.readouterr().err.rstrip().endswith("error: too many arguments")

    def test_sub_manager_alone_prints_its_help_exit_2(self, manager, capsys):
        with pytest.raises(SystemExit) as exit_info:
            manager.handle("manage.py", ["tools"])
        assert exit_info.value.code == 2
        out = capsys.readouterr().out
        assert out.startswith("usage: Team tools") and "{build}" in out

    def test_listing_shows_choices_and_whole_docstrings(self, capsys):
        manager = Manager(Flask("listing"), with_default_commands=False)

        @manager.command
        def deploy():
            """Deploy the app.

            Runs migrations first."""

        with pytest.raises(SystemExit):
            manager.handle("manage.py", ["--help"])
        out = capsys.readouterr().out
        assert out.startswith("usage: manage.py [-?] {deploy} ...")
        assert "positional arguments:\n  {deploy}\n    deploy" in out
        assert "Deploy the app. Runs migrations first." in " ".join(out.split())


def test_manager_options_come_before_the_help_switch(capsys):
    manager = Manager(lambda config=None: Flask("f"), with_default_commands=False)
    manager.add_option("-c", "--config", dest="config")
    manager.add_command("noop", Command())
    with pytest.raises(SystemExit):
        manager.handle("manage.py", ["--help"])
    assert capsys.readouterr().out.startswith("usage: manage.py [-c CONFIG] [-?] {noop} ...")


def test_stacked_options_keep_flask_scripts_order():
    manager = Manager(Flask("order"))
    seen = {}

    @manager.option("first")
    @manager.option("second")
    def pair(first, second):
        seen.update(first=first, second=second)

    manager.handle("manage.py", ["pair", "A", "B"])
    assert seen == {"first": "B", "second": "A"}  # the option written last is added first
    assert [o.args for o in manager._commands["pair"].option_list] == [("second",), ("first",)]
    assert isinstance(manager._commands["pair"].option_list[0], Option)

"""Manager: registration, parsing, dispatch and exit codes (in-process)."""

import re
import sys

import pytest
from flask import Flask, current_app, request

from flask_migrate_legacy.script import Command, Group, InvalidCommand, Manager, Option


@pytest.fixture
def app():
    return Flask("testapp")


def run_manager(manager, monkeypatch, *argv):
    """Call manager.run() with argv; return its exit code."""
    monkeypatch.setattr(sys, "argv", ["manage.py"] + list(argv))
    with pytest.raises(SystemExit) as exit_info:
        manager.run()
    return exit_info.value.code


def test_command_return_value_is_the_exit_status(app, monkeypatch):
    manager = Manager(app)

    @manager.command
    def fails():
        return 3

    @manager.command
    def succeeds():
        return None

    assert run_manager(manager, monkeypatch, "fails") == 3
    assert run_manager(manager, monkeypatch, "succeeds") == 0


def test_no_arguments_prints_full_help_and_exits_2(app, monkeypatch, capsys):
    manager = Manager(app)

    @manager.command
    def hello():
        "Say hello"

    assert run_manager(manager, monkeypatch) == 2
    out = capsys.readouterr().out
    assert "usage: manage.py" in out
    assert "hello" in out and "Say hello" in out
    assert "runserver" in out and "shell" in out


@pytest.mark.parametrize("flag", ["-?", "--help"])
def test_help_flags(app, monkeypatch, capsys, flag):
    manager = Manager(app)

    @manager.command
    def hello(name):
        "Say hello"

    assert run_manager(manager, monkeypatch, flag) == 0
    assert "hello" in capsys.readouterr().out
    assert run_manager(manager, monkeypatch, "hello", flag) == 0
    out = capsys.readouterr().out
    assert "usage: manage.py hello" in out and "name" in out


def test_default_command_is_used_without_arguments(app, monkeypatch, capsys):
    manager = Manager(app)

    @manager.command
    def hello():
        print("hi there")

    monkeypatch.setattr(sys, "argv", ["manage.py"])
    with pytest.raises(SystemExit) as exit_info:
        manager.run(default_command="hello")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == "hi there\n"


def test_run_merges_commands_dict(app, monkeypatch, capsys):
    class Hi(Command):
        def run(self):
            print("hi from dict")

    manager = Manager(app)
    monkeypatch.setattr(sys, "argv", ["manage.py", "hi"])
    with pytest.raises(SystemExit):
        manager.run(commands={"hi": Hi()})
    assert capsys.readouterr().out == "hi from dict\n"


@pytest.mark.parametrize("argv,message", [
    (["nope"], "invalid choice: 'nope'"),
    (["hello", "x", "--bogus"], "error: too many arguments"),
    (["hello"], "the following arguments are required: name"),
    (["count", "x", "-n", "notanumber"], "invalid int value: 'notanumber'"),
    (["hello", "a", "b"], "error: too many arguments"),
])
def test_usage_errors_exit_2_with_usage_line(app, monkeypatch, capsys, argv, message):
    manager = Manager(app)

    @manager.command
    def hello(name):
        pass

    @manager.option("what")
    @manager.option("-n", "--number", type=int, default=1)
    def count(what, number):
        pass

    assert run_manager(manager, monkeypatch, *argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: manage.py")
    assert message in err
    assert "Traceback" not in err


def test_invalid_command_prints_message_only_exit_1(app, monkeypatch, capsys):
    manager = Manager(app)

    @manager.command
    def deploy():
        raise InvalidCommand("the release tag is missing")

    assert run_manager(manager, monkeypatch, "deploy") == 1
    captured = capsys.readouterr()
    assert captured.err == "Error: the release tag is missing\n"
    assert captured.out == ""


def test_user_bug_keeps_its_traceback(app, monkeypatch):
    manager = Manager(app)

    @manager.command
    def broken():
        raise ZeroDivisionError("their bug")

    monkeypatch.setattr(sys, "argv", ["manage.py", "broken"])
    with pytest.raises(ZeroDivisionError):
        manager.run()


def test_manager_without_app_is_a_clear_error(monkeypatch, capsys):
    manager = Manager()

    @manager.command
    def hello():
        pass

    assert run_manager(manager, monkeypatch, "hello") == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: this manager has no Flask application")
    assert "Traceback" not in err


def test_command_argument_rules(app):
    manager = Manager(app)
    seen = {}

    @manager.command
    def hello(name, profile_dir="~/.x", verbose=False, value="v", port=5):
        seen.update(name=name, profile_dir=profile_dir, verbose=verbose, value=value, port=port)

    manager.handle("manage.py", ["hello", "bob", "--profile_dir", "/tmp/p", "-v", "--value", "w", "--port", "8"])
    assert seen == {"name": "bob", "profile_dir": "/tmp/p", "verbose": True, "value": "w", "port": "8"}
    manager.handle("manage.py", ["hello", "ann", "-p", "/q"])
    assert seen["profile_dir"] == "/q" and seen["verbose"] is False and seen["port"] == 5


def test_true_default_stays_a_store_true_flag_as_in_flask_script(app):
    # Flask-Script made every boolean default a store_true flag; scripts typed
    # `build --minify` and got True. tests/conformance checks it against the original.
    manager = Manager(app)
    seen = {}

    @manager.command
    def build(minify=True):
        seen["minify"] = minify

    manager.handle("manage.py", ["build"])
    assert seen["minify"] is True
    manager.handle("manage.py", ["build", "--minify"])
    assert seen["minify"] is True


def test_shared_first_letter_gives_short_flag_to_the_first_only(app, capsys):
    """Flask-Script crashed with an argparse conflict here; now the first of each letter gets it."""
    manager = Manager(app)
    seen = {}

    @manager.command
    def serve(host="localhost", hostname="h", port="1", path="/"):
        seen.update(host=host, hostname=hostname, port=port, path=path)

    manager.handle("manage.py", ["serve", "-h", "0.0.0.0", "--hostname", "box", "-p", "80", "--path", "/x"])
    assert seen == {"host": "0.0.0.0", "hostname": "box", "port": "80", "path": "/x"}
    with pytest.raises(SystemExit):
        manager.handle("manage.py", ["serve", "--help"])
    out = capsys.readouterr().out
    # Python 3.13 prints "-h, --host HOST"; older versions repeat the metavar.
    assert re.search(r"-h( HOST)?, --host HOST", out) and re.search(r"-p( PORT)?, --port PORT", out)
    assert "--hostname HOSTNAME" in out and "-h HOSTNAME" not in out


def test_short_flag_colliding_with_a_help_flag_is_dropped(app):
    class HelpH(Manager):
        help_args = ("-h", "--help")

    manager = HelpH(app, with_default_commands=False)
    seen = {}

    @manager.command
    def serve(host="localhost"):
        seen["host"] = host

    manager.handle("manage.py", ["serve", "--host", "example"])
    assert seen["host"] == "example"


def test_option_decorator_keeps_written_order_and_is_stackable(app, capsys):
    manager = Manager(app)
    seen = {}

    @manager.option("-n", "--name", dest="name", default="joe", help="your name")
    @manager.option("-u", "--url", dest="url", default=None)
    def hello(name, url):
        "Say hello with options"
        seen.update(name=name, url=url)

    manager.handle("manage.py", ["hello", "-u", "http://x"])
    assert seen == {"name": "joe", "url": "http://x"}
    with pytest.raises(SystemExit):
        manager.handle("manage.py", ["hello", "--help"])
    out = capsys.readouterr().out
    # Decorators apply bottom-up and Flask-Script appended each: the last written comes first.
    assert out.index("--url") < out.index("--name")
    assert "Say hello with options" in out


def test_commands_run_inside_a_request_context(app):
    manager = Manager(app)
    seen = {}

    @manager.command
    def where():
        seen["app"] = current_app.name
        seen["path"] = request.path

    manager.handle("manage.py", ["where"])
    assert seen == {"app": "testapp", "path": "/"}


def test_add_command_name_rules_and_classes(app, capsys):
    class PrintCommand(Command):
        "Print things"

        def run(self):
            print("printed")

    class Named(Command):
        name = "custom-name"

        def run(self):
            print("named")

    manager = Manager(app)
    manager.add_command(PrintCommand)  # a class: instantiated, name from class
    manager.add_command(Named())
    assert list(manager._commands)[:2] == ["print", "custom-name"]
    manager.handle("manage.py", ["print"])
    manager.handle("manage.py", ["custom-name"])
    assert capsys.readouterr().out == "printed\nnamed\n"


def test_namespaces_create_sub_managers(app, capsys):
    class Seed(Command):
        def run(self):
            print("seeding")

    class Wipe(Command):
        namespace = "data"

        def run(self):
            print("wiping")

    manager = Manager(app)
    manager.add_command("seed", Seed(), namespace="data")
    manager.add_command("wipe", Wipe())
    assert isinstance(manager._commands["data"], Manager)
    manager.handle("manage.py", ["data", "seed"])
    manager.handle("manage.py", ["data", "wipe"])
    assert capsys.readouterr().out == "seeding\nwiping\n"


def test_nested_sub_managers_and_their_help(app, monkeypatch, capsys):
    top = Manager(app)
    middle = Manager(help="Middle things", description="Middle things")
    bottom = Manager(help="Bottom things")

    @bottom.command
    def leaf(word):
        "A leaf command"
        print("leaf", word, current_app.name)

    middle.add_command("bottom", bottom)
    top.add_command("middle", middle)
    assert bottom.parent is middle and middle.parent is top
    top.handle("manage.py", ["middle", "bottom", "leaf", "w"])
    assert capsys.readouterr().out == "leaf w testapp\n"
    # A sub-manager named without a command shows its own help and exits 2.
    assert run_manager(top, monkeypatch, "middle") == 2
    out = capsys.readouterr().out
    assert "usage: manage.py middle" in out and "bottom" in out and "Bottom things" in out
    # Sub-managers get no default commands.
    assert "shell" not in middle._commands and "runserver" not in middle._commands


def test_default_commands_rules(app):
    top = Manager(app)
    top.set_defaults()
    assert {"shell", "runserver"} <= set(top._commands)
    bare = Manager(app, with_default_commands=False)
    bare.set_defaults()
    assert "shell" not in bare._commands

    own = Manager(app)

    @own.command
    def shell():
        return "mine"

    own.set_defaults()
    assert own.handle("manage.py", ["shell"]) == "mine"


def test_app_factory_receives_manager_options(monkeypatch, capsys):
    created = []

    def create_app(config=None):
        app = Flask("factory")
        app.config["CONFIG_FILE"] = config
        created.append(app)
        return app

    def make_manager():
        manager = Manager(create_app)
        manager.add_option("-c", "--config", dest="config", required=False)

        @manager.command
        def which():
            print(current_app.config["CONFIG_FILE"])

        return manager

    manager = make_manager()
    manager.handle("manage.py", ["-c", "dev.cfg", "which"])
    assert capsys.readouterr().out == "dev.cfg\n"
    assert manager.app is created[-1]  # the factory's app is stored back
    make_manager().handle("manage.py", ["which"])
    assert capsys.readouterr().out == "None\n"


def test_options_with_a_ready_app_are_ignored_with_a_warning(app, capsys):
    manager = Manager(app)
    manager.add_option("-c", "--config", dest="config", required=False)

    @manager.command
    def hello():
        print("ran")

    with pytest.warns(UserWarning, match="ignored"):
        manager.handle("manage.py", ["-c", "x.cfg", "hello"])
    assert capsys.readouterr().out == "ran\n"
    manager.handle("manage.py", ["hello"])  # no option given: no warning (warnings are errors here)


def test_calling_a_manager_returns_the_app():
    app = Flask("called")
    assert Manager(app)() is app
    factory_manager = Manager(lambda: app)
    assert factory_manager() is app
    assert factory_manager.app is app


def test_capture_all_args(app):
    class Passthrough(Command):
        capture_all_args = True

        def run(self, remaining):
            return remaining

    manager = Manager(app)
    manager.add_command("pass", Passthrough())
    assert manager.handle("manage.py", ["pass", "a", "--b", "c"]) == ["a", "--b", "c"]


def test_groups_exclusive_and_titled(app, monkeypatch, capsys):
    class Export(Command):
        option_list = (
            Group(Option("--json", action="store_true"), Option("--csv", action="store_true"),
                  exclusive=True, required=True),
            Group(Option("--out", default="-"), title="output", description="where to write"),
        )

        def run(self, json, csv, out):
            return ("json" if json else "csv", out)

    manager = Manager(app)
    manager.add_command("export", Export())
    assert manager.handle("manage.py", ["export", "--json", "--out", "f"]) == ("json", "f")
    assert run_manager(manager, monkeypatch, "export", "--json", "--csv") == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert run_manager(manager, monkeypatch, "export") == 2
    assert "one of the arguments --json --csv is required" in capsys.readouterr().err
    assert run_manager(manager, monkeypatch, "export", "--help") == 0
    out = capsys.readouterr().out
    assert "output:" in out and "where to write" in out


def test_group_title_with_exclusive_is_a_type_error():
    with pytest.raises(TypeError):
        Group(Option("--a"), title="t", exclusive=True)
    with pytest.raises(TypeError):
        Group(Option("--a"), description="d", required=True)


def test_parent_value_options_reach_the_parent_only(monkeypatch, capsys):
    received = {}

    def create_app(config=None, verbose=False):
        received.update(config=config, verbose=verbose)
        return Flask("p")

    manager = Manager(create_app)
    manager.add_option("-c", "--config", dest="config")
    manager.add_option("-v", "--verbose", dest="verbose", action="store_true")

    @manager.command
    def hello(name="x"):
        received["name"] = name

    manager.handle("manage.py", ["-c", "a.cfg", "-v", "hello", "-n", "y"])
    assert received == {"config": "a.cfg", "verbose": True, "name": "y"}


def test_command_subclass_with_get_options_and_add_option(app):
    class Greet(Command):
        "Greet someone"

        def __init__(self, default_name):
            super().__init__()
            self.default_name = default_name

        def get_options(self):
            return [Option("-n", "--name", default=self.default_name)] + list(self.option_list)

        def run(self, name, loud):
            return name.upper() if loud else name

    greet = Greet("ann")
    greet.add_option(Option("--loud", action="store_true"))
    manager = Manager(app)
    manager.add_command("greet", greet)
    assert manager.handle("manage.py", ["greet"]) == "ann"
    assert manager.handle("manage.py", ["greet", "-n", "bo", "--loud"]) == "BO"
    assert greet.description == "Greet someone"


def test_shell_decorator_registers_context(app):
    manager = Manager(app)

    @manager.shell
    def make_context():
        return {"answer": 42}

    assert manager._commands["shell"].get_context() == {"answer": 42}


def test_argcomplete_is_consulted_only_when_completing(app, monkeypatch):
    calls = []
    fake = type(sys)("argcomplete")
    fake.autocomplete = lambda parser, **kwargs: calls.append(kwargs)
    monkeypatch.setitem(sys.modules, "argcomplete", fake)
    manager = Manager(app)

    @manager.command
    def hello():
        pass

    manager.handle("manage.py", ["hello"])
    assert calls == []
    monkeypatch.setenv("_ARGCOMPLETE", "1")
    manager.handle("manage.py", ["hello"])
    assert calls == [{"always_complete_options": True}]
    disabled = Manager(app, disable_argcomplete=True)
    disabled.add_command("hello", Command(hello))
    disabled.handle("manage.py", ["hello"])
    assert len(calls) == 1


def test_only_the_commands_named_on_the_command_line_build_their_options(app, capsys):
    built = []

    class Counted(Command):
        def __init__(self, name):
            super().__init__()
            self.name = name

        def get_options(self):
            built.append(self.name)
            return [Option("--flag", action="store_true")]

        def run(self, flag):
            print("%s %s" % (self.name, flag))

    manager = Manager(app, with_default_commands=False)
    sub = Manager(usage="the sub-manager")
    sub.add_command("inner", Counted("inner"))
    sub.add_command("other", Counted("other"))
    manager.add_command("first", Counted("first"))
    manager.add_command("sub", sub)

    manager.handle("manage.py", ["sub", "inner", "--flag"])
    assert capsys.readouterr().out == "inner True\n"
    assert built == ["inner"]
    with pytest.raises(SystemExit):
        manager.handle("manage.py", ["sub"])
    listing = capsys.readouterr().out
    assert "inner" in listing and "other" in listing


@pytest.mark.parametrize("config", [{}, {"SERVER_NAME": "example.com:8080", "PREFERRED_URL_SCHEME": "https",
                                         "APPLICATION_ROOT": "/app"}])
def test_commands_run_in_the_request_context_flask_script_gave(config, capsys):
    from flask import url_for

    app = Flask("ctx")
    app.config.update(config)
    app.add_url_rule("/page", "page", lambda: "")

    def describe():
        return "%s %s %s %s" % (url_for("page", _external=True), request.url, request.host, request.scheme)

    with app.test_request_context():
        expected = describe()
    manager = Manager(app, with_default_commands=False)

    @manager.command
    def show():
        print(describe())

    manager.handle("manage.py", ["show"])
    assert capsys.readouterr().out.strip() == expected

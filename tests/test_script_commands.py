"""Shell, Server, Clean, ShowUrls and the prompts (in-process)."""

import io
import os

import pytest
from flask import Flask

from flask_migrate_legacy.script import Manager, Server, Shell, prompt, prompt_bool, prompt_choices, prompt_pass
from flask_migrate_legacy.script.commands import Clean, ShowUrls
from flask_migrate_legacy.script.errors import EndOfInput


@pytest.fixture
def app():
    app = Flask("cmdapp")

    @app.route("/users/<int:user_id>")
    def user(user_id):
        return str(user_id)

    @app.route("/about")
    def about():
        return "about"

    return app


class FakeStdin(io.StringIO):
    def __init__(self, text, tty=False):
        super().__init__(text)
        self._tty = tty

    def isatty(self):
        return self._tty


def test_shell_runs_piped_input_with_the_context(app, monkeypatch, capsys):
    manager = Manager(app)
    manager.add_command("shell", Shell(make_context=lambda: {"app": app, "answer": 42}))
    monkeypatch.setattr("sys.stdin", FakeStdin("print(app.name, answer)\n"))
    manager.handle("manage.py", ["shell"])
    assert capsys.readouterr().out == "cmdapp 42\n"


def test_shell_default_context_holds_the_app(app, monkeypatch, capsys):
    manager = Manager(app)
    monkeypatch.setattr("sys.stdin", FakeStdin("print(sorted(globals().keys() & {'app'}), app.name)\n"))
    manager.handle("manage.py", ["shell"])
    assert capsys.readouterr().out == "['app'] cmdapp\n"


def test_shell_tries_enhanced_shells_in_order_then_plain(app, monkeypatch):
    tried = []
    real_import = __import__

    def fake_import(name, *args, **kwargs):
        if name in ("ptpython.ipython", "ptpython.repl", "bpython", "IPython"):
            tried.append(name)
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    interacted = []
    monkeypatch.setattr("sys.stdin", FakeStdin("", tty=True))
    monkeypatch.setattr("builtins.__import__", fake_import)
    monkeypatch.setattr("code.interact", lambda banner, local: interacted.append(local["app"]))
    manager = Manager(app)
    manager.handle("manage.py", ["shell"])
    assert tried == ["ptpython.ipython", "ptpython.repl", "bpython", "IPython"]
    assert interacted == [app]
    tried.clear()
    manager.handle("manage.py", ["shell", "--no-ipython", "--no-bpython", "--no-ptipython", "--no-ptpython"])
    assert tried == []


def test_server_hands_its_settings_to_app_run(app, monkeypatch):
    calls = []
    monkeypatch.setattr(app, "run", lambda **kwargs: calls.append(kwargs))
    manager = Manager(app)
    manager.add_command("runserver", Server(port=8000, extra_option="kept"))
    manager.handle("manage.py", ["runserver", "-h", "0.0.0.0", "-p", "9001", "--threaded", "-d", "-R",
                                 "--ssl-crt", "c.pem", "--ssl-key", "k.pem"])
    assert calls[-1] == dict(host="0.0.0.0", port=9001, debug=True, use_debugger=True, use_reloader=False,
                             threaded=True, processes=1, passthrough_errors=False, ssl_context=("c.pem", "k.pem"),
                             extra_option="kept")
    manager.handle("manage.py", ["runserver"])
    assert calls[-1]["port"] == 8000 and calls[-1]["host"] == "127.0.0.1"
    assert calls[-1]["use_debugger"] is False and calls[-1]["use_reloader"] is False  # app.debug is off
    app.debug = True
    manager.handle("manage.py", ["runserver", "--processes", "3", "--passthrough-errors"])
    assert calls[-1]["use_debugger"] is True and calls[-1]["use_reloader"] is True
    assert calls[-1]["processes"] == 3 and calls[-1]["passthrough_errors"] is True
    assert calls[-1]["ssl_context"] is None


def test_server_port_must_be_a_number(app, monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit_info:
        Manager(app).handle("manage.py", ["runserver", "-p", "http"])
    assert exit_info.value.code == 2
    assert "invalid int value: 'http'" in capsys.readouterr().err


def test_clean_removes_compiled_files_and_names_them(app, tmp_path, monkeypatch, capsys):
    (tmp_path / "pkg").mkdir()
    for name in ("a.pyc", "pkg/b.pyo", "pkg/keep.py"):
        (tmp_path / name).write_text("x")
    monkeypatch.chdir(tmp_path)
    manager = Manager(app)
    manager.add_command("clean", Clean())
    manager.handle("manage.py", ["clean"])
    out = capsys.readouterr().out.splitlines()
    assert sorted(out) == ["Removing ./a.pyc", "Removing ./pkg/b.pyo"]
    assert sorted(os.listdir(tmp_path / "pkg")) == ["keep.py"]


def test_show_urls_table_and_match(app, capsys):
    manager = Manager(app)
    manager.add_command("urls", ShowUrls())
    manager.handle("manage.py", ["urls"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Rule", "Endpoint"]
    assert set(lines[1]) == {"-"}
    rules = [line.split()[0] for line in lines[2:]]
    assert rules == sorted(rules) and "/users/<int:user_id>" in rules
    manager.handle("manage.py", ["urls", "--order", "endpoint"])
    endpoints = [line.split()[1] for line in capsys.readouterr().out.splitlines()[2:]]
    assert endpoints == sorted(endpoints)
    manager.handle("manage.py", ["urls", "/users/7"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Rule", "Endpoint", "Arguments"]
    assert lines[2].split() == ["/users/<int:user_id>", "user", "{'user_id':", "7}"]
    manager.handle("manage.py", ["urls", "/nowhere"])
    assert "404 Not Found" in capsys.readouterr().out


def test_show_urls_bad_order_is_a_clear_error(app, capsys):
    manager = Manager(app)
    manager.add_command("urls", ShowUrls())
    with pytest.raises(Exception) as info:
        manager.handle("manage.py", ["urls", "--order", "nonsense"])
    assert "cannot order by 'nonsense'" in str(info.value)


# -- prompts -----------------------------------------------------------------------------


def feed(monkeypatch, *answers):
    """Make input() return ``answers`` in turn, then hit end of input; record the questions."""
    questions = []
    remaining = list(answers)

    def fake_input(question=""):
        questions.append(question)
        if not remaining:
            raise EOFError
        return remaining.pop(0)

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr("getpass.getpass", fake_input)
    return questions


def test_prompt_text_default_and_reasking(monkeypatch):
    questions = feed(monkeypatch, "", "bob")
    assert prompt("Name") == "bob"
    assert questions == ["Name: ", "Name: "]
    questions = feed(monkeypatch, "")
    assert prompt("Name", default="ann") == "ann"
    assert questions == ["Name [ann]: "]
    questions = feed(monkeypatch, "yes")
    assert prompt("Continue?") == "yes"
    assert questions == ["Continue? "]


def test_prompt_pass_uses_getpass(monkeypatch):
    questions = feed(monkeypatch, "", "s3cret")
    assert prompt_pass("Password") == "s3cret"
    assert questions == ["Password: ", "Password: "]
    feed(monkeypatch, "")
    assert prompt_pass("Password", default="x") == "x"


@pytest.mark.parametrize("answer,expected", [("y", True), ("YES", True), ("on", True), ("t", True), ("1", True),
                                              ("n", False), ("No", False), ("off", False), ("0", False),
                                              ("f", False)])
def test_prompt_bool_words(monkeypatch, answer, expected):
    feed(monkeypatch, answer)
    assert prompt_bool("Sure?") is expected


def test_prompt_bool_default_and_reasking(monkeypatch):
    questions = feed(monkeypatch, "maybe", "")
    assert prompt_bool("Sure?", default=True) is True
    assert questions == ["Sure? [y] ", "Sure? [y] "]
    feed(monkeypatch, "")
    assert prompt_bool("Sure?") is False
    feed(monkeypatch, "si")
    assert prompt_bool("Sure?", yes_choices=["si"], no_choices=["no"]) is True


def test_prompt_choices(monkeypatch):
    questions = feed(monkeypatch, "purple", "Red")
    assert prompt_choices("Colour", ["red", "green"]) == "red"
    assert questions[0] == "Colour - (red, green): "
    questions = feed(monkeypatch, "m")
    assert prompt_choices("Size", [("s", "small"), ("m", "medium")]) == "m"
    assert questions == ["Size - (small [s], medium [m]): "]
    feed(monkeypatch, "none")
    assert prompt_choices("Size", ["s"]) is None
    feed(monkeypatch, "")
    assert prompt_choices("Size", ["s", "m"], default="m") == "m"


@pytest.mark.parametrize("ask", [
    lambda: prompt("Name"),
    lambda: prompt_pass("Password"),
    lambda: prompt_bool("Sure?"),
    lambda: prompt_choices("Colour", ["red"]),
])
def test_prompts_stop_at_end_of_input(monkeypatch, ask):
    feed(monkeypatch, "not-valid-for-choices-or-bool")
    with pytest.raises(EndOfInput) as info:
        for _ in range(3):
            ask()
    assert "standard input ended" in str(info.value)

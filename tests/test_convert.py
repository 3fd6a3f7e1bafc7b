"""convert: a Flask-Script manage.py becomes Flask's own command line, with Flask-Script's exact semantics.

In-process: the converted module is imported from a temporary folder and its
commands run through Flask's test CLI runner. As processes: the examples and a
gallery project, old against new, the last one on Flask-Migrate 4.1 alone.
"""

import importlib.util
import os
import shutil
import sys
import textwrap
import uuid

import pytest
from flask import Flask

from flask_migrate_legacy.convert import NotConvertible, command_line_after, convert_source
from flask_migrate_legacy.package_cli import main

HEADER = "from flask import Flask, current_app, request\nfrom flask_script import Manager\n" \
         "app = Flask('converted')\nmanager = Manager(app)\n"


def converted(body, header=HEADER):
    """Return the Conversion of a manage.py made of ``header`` and ``body``."""
    return convert_source(header + textwrap.dedent(body))


def load(tmp_path, source):
    """Import converted source as a module of its own; return it."""
    path = tmp_path / ("manage_%s.py" % uuid.uuid4().hex[:8])
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def invoke(module, *argv):
    """Run a converted command as `flask --app manage.py ARGV` would; return click's Result."""
    app = module.app if isinstance(getattr(module, "app", None), Flask) else module.create_app()
    return app.test_cli_runner().invoke(args=list(argv))


# -- commands from functions: Flask-Script's rules ---------------------------------------


def test_a_function_command_keeps_its_name_positionals_and_first_letter_options(tmp_path):
    conversion = converted("""
        @manager.command
        def seed_db(name, greeting='Hello', loud=False):
            "Seed it."
            print('%s %s %s %s' % (greeting, name, loud, request.url))
    """)
    assert not conversion.todos
    module = load(tmp_path, conversion.source)
    result = invoke(module, "seed_db", "-g", "Hi", "--loud", "bob")
    assert result.exit_code == 0, result.output
    assert result.output == "Hi bob True http://localhost/\n"  # in a test request context, as Flask-Script ran it
    assert invoke(module, "seed_db", "ann").output == "Hello ann False http://localhost/\n"
    assert invoke(module, "seed-db", "ann").exit_code == 2  # the old name, not Click's dashed one
    assert conversion.commands == [("python manage.py seed_db", "flask --app manage.py seed_db")]


def test_a_boolean_default_is_an_on_switch_whatever_its_value(tmp_path):
    conversion = converted("""
        @manager.command
        def verbose(chatty=True):
            print('chatty=%r' % (chatty,))
    """)
    module = load(tmp_path, conversion.source)
    assert invoke(module, "verbose").output == "chatty=True\n"
    assert invoke(module, "verbose", "-c").output == "chatty=True\n"  # Flask-Script could never turn it off
    assert any("always on" in note for note in conversion.notes)


def test_a_value_arrives_as_text_and_an_absent_one_keeps_the_functions_default(tmp_path):
    conversion = converted("""
        marker = object()
        @manager.command
        def seed(count=10, where=marker):
            print(repr(count), where is marker)
    """)
    module = load(tmp_path, conversion.source)
    assert invoke(module, "seed", "--count", "3").output == "'3' True\n"
    assert invoke(module, "seed").output == "10 True\n"  # the default itself, evaluated once
    assert any("arrives as text" in note for note in conversion.notes)


def test_two_names_of_one_letter_only_the_first_gets_the_short_option_and_underscores_keep_both_spellings(tmp_path):
    conversion = converted("""
        @manager.command
        def serve(host='localhost', hostname='x', profile_dir='/tmp'):
            print(host, hostname, profile_dir)
    """)
    module = load(tmp_path, conversion.source)
    assert invoke(module, "serve", "-h", "a", "--hostname", "b", "--profile_dir", "c").output == "a b c\n"
    assert invoke(module, "serve", "--profile-dir", "d").output == "localhost x d\n"
    assert "'-h', '--hostname'" not in conversion.source


@pytest.mark.parametrize("returned, status, stderr", [("3", 3, ""), ("'it went wrong'", 1, "it went wrong\n"),
                                                      ("0", 0, ""), ("None", 0, "")])
def test_the_return_value_is_the_exit_status(tmp_path, returned, status, stderr):
    conversion = converted("""
        @manager.command
        def fail():
            return %s
    """ % returned)
    path = tmp_path / "manage.py"
    path.write_text(conversion.source)
    import subprocess

    done = subprocess.run([sys.executable, "-m", "flask", "--app", "manage.py", "fail"], cwd=str(tmp_path),
                          capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (status, stderr)


def test_stacked_options_keep_flask_scripts_order_and_meaning(tmp_path):
    conversion = converted("""
        @manager.option('first')
        @manager.option('second')
        @manager.option('-n', '--name', dest='who', default='joe', help='who, 100%% sure')
        @manager.option('-v', action='store_true', dest='verbose')
        @manager.option('-t', '--tag', action='append', dest='tags')
        @manager.option('-k', '--kind', choices=['a', 'b'], default='a')
        @manager.option('--count', type=int, default=1)
        def pair(first, second, who, verbose, tags, kind, count):
            print(first, second, who, verbose, tags, kind, repr(count))
    """)
    assert not conversion.todos
    module = load(tmp_path, conversion.source)
    # Flask-Script listed the lowest decorator first: `pair A B` gave first=B, second=A.
    assert invoke(module, "pair", "A", "B").output == "B A joe False None a 1\n"
    result = invoke(module, "pair", "A", "B", "-n", "ann", "-v", "-t", "x", "-t", "y", "-k", "b", "--count", "4")
    assert result.output == "B A ann True ['x', 'y'] b 4\n"
    assert invoke(module, "pair", "A", "B", "-k", "c").exit_code == 2
    assert "who, 100% sure" in invoke(module, "pair", "--help").output


def test_prompts_become_clicks(tmp_path):
    conversion = converted("""
        from flask_script import prompt, prompt_bool, prompt_pass, prompt_choices
        @manager.command
        def ask():
            name = prompt('Name', default='anon')
            sure = prompt_bool('Sure?')
            secret = prompt_pass('Password')
            colour = prompt_choices('Colour', ['red', 'blue'], default='red')
            print(name, sure, len(secret), colour)
    """)
    assert not conversion.todos
    assert "click.prompt('Name', default='anon')" in conversion.source
    assert "click.confirm('Sure?')" in conversion.source
    assert "click.prompt('Password', hide_input=True)" in conversion.source
    assert "click.prompt('Colour', type=click.Choice(['red', 'blue']), default='red')" in conversion.source
    module = load(tmp_path, conversion.source)
    result = module.app.test_cli_runner().invoke(args=["ask"], input="ann\ny\nhunter2\nblue\n")
    assert result.output.endswith("ann True 7 blue\n"), result.output


def test_invalid_command_is_a_click_error(tmp_path):
    conversion = converted("""
        from flask_script.commands import InvalidCommand
        @manager.command
        def check():
            raise InvalidCommand('the input is wrong')
    """)
    module = load(tmp_path, conversion.source)
    result = invoke(module, "check")
    assert result.exit_code == 1 and "Error: the input is wrong" in result.output


# -- classes, groups, the shell, MigrateCommand ------------------------------------------------


def test_command_classes_sub_managers_and_namespaces(tmp_path):
    conversion = converted("""
        from flask_script import Command, Option
        class Print(Command):
            "Print a word."
            option_list = (Option('word'), Option('--times', '-t', dest='times', type=int, default=1))
            def run(self, word, times):
                print(' '.join([word] * times))
        class ReportCommand(Command):
            "Named from its class."
            def run(self):
                print('report ran')
        class Capture(Command):
            capture_all_args = True
            def run(self, remaining):
                print(remaining)
        tools = Manager(usage='Tools for the team')
        @tools.command
        def build(target='all'):
            "Build a target."
            print('building %s' % target)
        manager.add_command('print', Print())
        manager.add_command(ReportCommand)
        manager.add_command('up', Print(), namespace='more')
        manager.add_command('capture', Capture())
        manager.add_command('tools', tools)
    """)
    assert not conversion.todos, conversion.todos
    module = load(tmp_path, conversion.source)
    assert invoke(module, "print", "hi", "-t", "2").output == "hi hi\n"
    assert invoke(module, "report").output == "report ran\n"
    assert invoke(module, "more", "up", "yo").output == "yo\n"
    assert invoke(module, "capture", "one", "--two", "-3").output == "['one', '--two', '-3']\n"
    assert invoke(module, "tools", "build", "-t", "docs").output == "building docs\n"
    assert "Tools for the team" in invoke(module, "tools", "--help").output


def test_the_shell_context_and_migrate_command(tmp_path):
    conversion = converted("""
        from flask_script import Shell, Server
        from flask_migrate import Migrate, MigrateCommand
        def make_context():
            return dict(answer=42)
        manager.add_command('shell', Shell(make_context=make_context))
        manager.add_command('db', MigrateCommand)
        manager.add_command('runserver', Server(port=9000))
    """)
    assert "MigrateCommand" not in conversion.source and "from flask_migrate import Migrate\n" in conversion.source
    assert "app.shell_context_processor(make_context)" in conversion.source
    module = load(tmp_path, conversion.source)
    assert module.app.make_shell_context()["answer"] == 42
    assert any("flask run" in note and "port=9000" in note for note in conversion.notes)
    assert ("python manage.py db ...", "flask --app manage.py db ...") in conversion.commands


def test_migrate_command_under_another_name_is_left_to_the_user():
    conversion = converted("""
        from flask_migrate import MigrateCommand
        manager.add_command('migrate', MigrateCommand)
    """)
    assert [todo.message for todo in conversion.todos] == [
        "MigrateCommand was added as 'migrate': give Migrate(app, db, command='migrate')"]


def test_a_factory_gets_create_app_with_the_managers_options(tmp_path):
    header = "from flask import Flask, current_app\nfrom flask_script import Manager\n"
    conversion = converted("""
        def create_app(config=None):
            app = Flask('factory')
            app.config['CHOSEN'] = config
            return app
        manager = Manager(create_app)
        manager.add_option('-c', '--config', dest='config', required=False)
        @manager.command
        def show():
            print('config=%r' % current_app.config['CHOSEN'])
    """, header)
    assert conversion.kind == "factory" and not conversion.todos
    module = load(tmp_path, conversion.source)
    assert invoke(module, "show").output == "config=None\n"
    assert command_line_after(conversion, ["-c", "prod.cfg", "show"]) == [
        "flask", "--app", 'manage:create_app(config="prod.cfg")', "show"]
    app = module.create_app(config="prod.cfg")
    assert app.test_cli_runner().invoke(args=["show"]).output == "config='prod.cfg'\n"


def test_what_has_no_certain_equivalent_is_a_todo_at_its_line_and_in_the_report():
    conversion = converted("""
        from flask_script import Command, Option
        class Dynamic(Command):
            def get_options(self):
                return [Option('-c', '--colour', dest='colour', default='red')]
            def run(self, colour):
                print(colour)
        manager.add_command('dynamic', Dynamic())
        @manager.command
        def run():
            print(manager.app)
        if __name__ == '__main__':
            manager.run(default_command='run')
    """)
    messages = [todo.message for todo in conversion.todos]
    assert any("get_options" in message for message in messages)
    assert any("flask has a command 'run' of its own" in message for message in messages)
    assert any("default command" in message for message in messages)
    assert any("manager is Flask-Script's Manager" in message for message in messages)
    lines = conversion.source.splitlines()
    for todo in conversion.todos:
        assert any(line.strip() == "# TODO(convert): %s" % todo.message for line in lines)


# -- bad input: one line, nothing written -------------------------------------------------------


@pytest.mark.parametrize("source, message", [
    ("from flask_script import Manager\nmanager = Manager(app\n", "does not parse"),
    ("from flask import Flask\napp = Flask('x')\n", "has no Flask-Script Manager(app)"),
    ("from flask_script import Manager\ndef make():\n    return Manager(app)\nmanager = make()\n",
     "builds a Manager where it runs"),
    ("from flask_script import Manager, Command\nmanager = Manager(app)\nCommand.run = lambda self: 1\n",
     "changes Flask-Script itself"),
    ("import flask_script\nmanager = flask_script.Manager(app)\n", "imports flask_script as a module"),
])
def test_a_manage_py_it_must_not_touch_is_one_line_and_nothing_written(tmp_path, capsys, source, message):
    path = tmp_path / "manage.py"
    path.write_text(source)
    with pytest.raises(NotConvertible) as error:
        convert_source(source)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert main(["convert", str(path), "--write"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("Error: ") and message in captured.err
    assert path.read_text() == source


def test_the_command_line_shows_a_diff_writes_with_write_and_exits_1_while_todos_remain(tmp_path, capsys):
    path = tmp_path / "manage.py"
    source = HEADER + "@manager.command\ndef hello():\n    print('hi')\n\nif __name__ == '__main__':\n" \
                      "    manager.run()\n"
    path.write_text(source)
    assert main(["convert", str(path)]) == 0
    out = capsys.readouterr().out
    assert "+@app.cli.command('hello', help=hello.__doc__)" in out and "python manage.py hello" in out
    assert path.read_text() == source  # a diff only
    assert main(["convert", str(path), "--write"]) == 0
    assert "flask_script" not in path.read_text()
    assert [name for name in os.listdir(str(tmp_path)) if name != "manage.py"] == []  # no temporary file left
    assert main(["convert", str(path)]) == 1  # converted already: nothing to convert
    assert "has no Flask-Script Manager(app)" in capsys.readouterr().err
    (tmp_path / "todo.py").write_text(HEADER + "print(manager)\n")
    assert main(["convert", str(tmp_path / "todo.py")]) == 1
    captured = capsys.readouterr()
    assert "TODO " in captured.out and "1 thing(s) to translate by hand" in captured.err
    assert main(["convert", str(tmp_path / "nowhere.py")]) == 2


def test_python_manage_py_keeps_working_through_a_thin_click_entry_point(tmp_path):
    import subprocess

    conversion = converted("""
        @manager.command
        def hello():
            print('hello from', current_app.name)
        if __name__ == '__main__':
            manager.run()
    """)
    (tmp_path / "manage.py").write_text(conversion.source)
    done = subprocess.run([sys.executable, "manage.py", "hello"], cwd=str(tmp_path), capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "hello from converted\n"), done.stderr


# -- the whole path, as processes ---------------------------------------------------------------

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def _run(argv, folder, **env):
    import subprocess

    environment = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "DATABASE_"))}
    environment.update(env)
    return subprocess.run(argv, cwd=folder, capture_output=True, text=True, env=environment)


def _tables(path):
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    finally:
        connection.close()


#: Each example: its script, and the command lines of its docstring (plus its own commands).
EXAMPLE_STEPS = {
    "factory": ("manage.py", [["db", "init"], ["db", "migrate", "-m", "initial", "--rev-id", "r1"], ["deploy"],
                              ["adduser", "-n", "bob", "-r", "User"], ["adduser"], ["db", "current"]]),
    "hello.py": ("hello.py", [["db", "init"], ["db", "migrate", "-m", "initial migration", "--rev-id", "r1"],
                              ["db", "upgrade"], ["db", "current"], ["db", "downgrade"]]),
    "multidb": ("manage.py", [["db", "init", "--multidb"], ["db", "migrate", "-m", "users and events",
                                                         "--rev-id", "r1"], ["db", "upgrade"], ["db", "history"]]),
}


@pytest.mark.e2e
@pytest.mark.parametrize("example", sorted(EXAMPLE_STEPS))
def test_each_example_migrates_and_runs_its_commands_the_same_after_convert(tmp_path, example):
    script, steps = EXAMPLE_STEPS[example]
    old, new = str(tmp_path / "old"), str(tmp_path / "new")
    for folder in (old, new):
        source = os.path.join(EXAMPLES, example)
        if os.path.isdir(source):
            shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__", "migrations", "instance",
                                                                          "*.sqlite*"))
        else:
            os.makedirs(folder)
            shutil.copy(source, folder)
    assert main(["convert", os.path.join(new, script), "--write"]) == 0
    with open(os.path.join(old, script)) as handle:
        conversion = convert_source(handle.read(), script)
    with open(os.path.join(new, script)) as handle:
        text = handle.read()
    assert "flask_script" not in text and "flask.ext" not in text and "flask_migrate_legacy" not in text
    for step in steps:
        before = _run([sys.executable, script] + step, old)
        after = _run([sys.executable, "-m"] + command_line_after(conversion, step, script), new)
        assert before.returncode == after.returncode, (step, before.stderr, after.stderr)
        assert before.stdout.replace(old, "<p>") == after.stdout.replace(new, "<p>"), step
    databases = {}
    for folder in (old, new):
        for parent, _, names in os.walk(folder):
            for name in names:
                if name.endswith(".sqlite"):
                    path = os.path.join(parent, name)
                    databases.setdefault(os.path.relpath(path, folder), []).append(_tables(path))
    assert databases and all(len(found) == 2 and found[0] == found[1] for found in databases.values()), databases


@pytest.mark.e2e
def test_a_2016_project_runs_on_flask_and_flask_migrate_4_alone_after_doctor_and_convert(tmp_path):
    """The gallery blog: `doctor --fix --write`, `convert --write`, then Flask-Migrate 4.1 without this package."""
    python = os.environ.get("CONFORMANCE_FLASK_MIGRATE_4_PYTHON")
    if not python:
        pytest.skip("needs CONFORMANCE_FLASK_MIGRATE_4_PYTHON: an interpreter with Flask-Migrate 4.1 and not this "
                    "package (scripts/conformance.sh builds one and runs this test with it)")
    from test_project_doctor import prepare

    project = prepare("blog", tmp_path)
    main(["doctor", project, "--fix", "--write"])
    assert main(["convert", os.path.join(project, "manage.py"), "--write"]) == 0
    alone = _run([python, "-c", "import flask_migrate_legacy"], project)
    assert alone.returncode == 1, "the interpreter must not have this package"
    upgrade = _run([python, "-m", "flask", "--app", "manage.py", "db", "upgrade"], project)
    assert upgrade.returncode == 0, upgrade.stderr
    seed = _run([python, "-m", "flask", "--app", "manage.py", "seed"], project)
    assert seed.returncode == 0, seed.stderr
    assert "post" in _tables(os.path.join(project, "blog.db"))
    own_test = _run([python, "-c", "import test_blog; test_blog.test_the_pages(); print('passed')"], project)
    assert own_test.stdout == "passed\n", own_test.stderr


def test_readmes_before_and_after_are_what_convert_writes():
    import re

    readme_path = os.path.join(os.path.dirname(EXAMPLES), "README.md")
    with open(readme_path, encoding="utf-8") as handle:
        readme = handle.read()
    blocks = {name: re.search(r"<!-- convert: %s -->\n```python\n(.*?)```" % name, readme, re.S).group(1)
              for name in ("before", "after")}
    conversion = convert_source(blocks["before"])
    assert conversion.source == blocks["after"]
    shown = re.findall(r"^python (manage\.py [^/\n]+?) +-> (flask [^/\n]+)$", readme, re.M)
    assert len(shown) == 3
    for old, new in shown:
        assert " ".join(command_line_after(conversion, old.split()[1:])) == new

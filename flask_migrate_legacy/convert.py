"""The way out of Flask-Script: a ``manage.py`` rewritten as Flask's own command line (Click).

``convert_source`` reads a manage.py without importing it and returns the new
text, what it could not translate with certainty (each a ``TODO`` comment at its
line too), and how each command runs afterwards. The user's functions and classes
stay as they are; each command gets a Click command beside it that parses the
command line as Flask-Script did and calls the function through
``run_like_manage_py`` (written into the file): inside the app's
``test_request_context()``, its return value the exit status. Commands keep their
names (``seed_db``, not ``seed-db``). ``Manager(app)`` commands go on
``app.cli``; a ``Manager(factory)`` gets a ``create_app`` that builds the app with
the manager's options as arguments and adds the commands, which is what
``flask --app manage.py`` calls. ``MigrateCommand`` goes: ``Migrate(app, db)``
already gives ``flask db``.

Flask-Script's semantics kept exactly: a parameter without a default is a
positional, one with a default an option ``-<first letter>``/``--<name>`` (the
short form only for the first of a letter), the value as the text given (the
default untouched when not given), and a boolean default an on-switch whatever
its value.
"""

import ast
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from .errors import UserError
from .pysource import ADD_IMPORT, Edit, Positions, dotted_name, newline_of

#: Where the names of Flask-Script are imported from.
FLASK_SCRIPT_MODULES = ("flask_script", "flask_script.commands", "flask_script.cli", "flask.ext.script")
#: The commands ``flask`` has of its own: a converted command of that name would be hidden by it.
FLASK_OWN_COMMANDS = ("run", "shell", "routes")
#: Option keywords translated to Click; anything else is left for the user.
_OPTION_KEYWORDS = {"dest", "default", "help", "type", "action", "choices", "required", "metavar", "nargs", "const"}
#: Flask-Script's Server options and the ``flask run`` option that replaces each.
SERVER_OPTIONS = {"-h": "--host", "--host": "--host", "-p": "--port", "--port": "--port",
                  "--threaded": "--with-threads", "-d": "--debug", "--debug": "--debug",
                  "-D": "--no-debug", "--no-debug": "--no-debug", "-r": "--reload", "--reload": "--reload",
                  "-R": "--no-reload", "--no-reload": "--no-reload", "--ssl-crt": "--cert", "--ssl-key": "--key"}
#: ``flask run`` takes these before the command name (as ``flask --debug run``).
_FLASK_GLOBAL_SERVER_OPTIONS = ("--debug", "--no-debug")

HELPER = '''


def run_like_manage_py(function, options, keep_defaults=False):
    """Run a command as Flask-Script's manage.py did: inside the app's test_request_context(),
    its return value the exit status; with keep_defaults, an option not given keeps the
    function's own default."""
    import sys

    from flask import current_app

    if keep_defaults:
        options = {name: value for name, value in options.items() if value is not None}
    with current_app.test_request_context():
        result = function(**options)
    if result:
        sys.exit(result)


def as_list(default):
    """Return a Click callback giving what argparse gave: a list, or the default when nothing was given."""
    return lambda context, parameter, value: list(value) if value else default

'''


class NotConvertible(UserError):
    """A manage.py this converter must not touch (it does not parse, has no Manager, builds it at run time...)."""


class Todo(NamedTuple):
    """What the converter could not translate with certainty, at a line of the original."""

    line: int
    message: str


class Conversion(NamedTuple):
    """The converted manage.py, and what the user must know about it."""

    source: str
    todos: List[Todo]
    #: (how a command ran, how it runs now), for deploy scripts.
    commands: List[Tuple[str, str]]
    notes: List[str]
    #: The app's kind: "app" (Manager(app)) or "factory" (Manager(create_app)).
    kind: str
    #: The manager's own options: (flags, parameter) of each (a factory's arguments; with an app, ignored).
    factory_options: List[Tuple[Tuple[str, ...], str]]


class _Command(NamedTuple):
    name: str
    group: Optional[str]  # a sub-manager's or namespace's group, or None for the top level


def convert_source(source: str, filename: str = "manage.py") -> Conversion:
    """Convert the text of a Flask-Script ``manage.py``; raise :class:`NotConvertible` for one it must not touch."""
    return _Converter(source, filename).convert()


def command_line_after(conversion: Conversion, argv: Sequence[str], app_file: str = "manage.py") -> List[str]:
    """Return the ``flask`` command line that does what ``python manage.py ARGV`` did (without ``python -m``)."""
    argv = list(argv)
    app = app_file
    if conversion.factory_options:  # the manager's own options (a factory's arguments; ignored with an app)
        given: Dict[str, str] = {}
        flags = {flag: parameter for option_flags, parameter in conversion.factory_options for flag in option_flags}
        while argv and argv[0].split("=", 1)[0] in flags:
            flag, _, value = argv.pop(0).partition("=")
            if not value and argv:
                value = argv.pop(0)
            given[flags[flag]] = value
        if given and conversion.kind == "factory":
            module = app_file[:-3] if app_file.endswith(".py") else app_file
            app = "%s:create_app(%s)" % (module, ", ".join('%s="%s"' % (name, value.replace("\\", "\\\\").replace(
                '"', '\\"')) for name, value in sorted(given.items())))
    before: List[str] = []
    if argv and argv[0] == "runserver":
        rest: List[str] = []
        for word in argv[1:]:
            flag, sep, value = word.partition("=")
            new = SERVER_OPTIONS.get(flag)
            if new in _FLASK_GLOBAL_SERVER_OPTIONS:
                before.append(new)
            elif new is not None:
                rest.append(new + sep + value)
            else:
                rest.append(word)
        argv = ["run"] + rest
    elif argv and argv[0] == "urls":
        argv = ["routes"] + ["--sort" if word == "--order" else word for word in argv[1:]]
    elif argv[:1] == ["db"] and argv[-1:] and re.match(r"^-\d+$", argv[-1]):
        argv = argv[:-1] + ["--", argv[-1]]  # a relative revision (-1), which Click would read as an option
    argv = ["--help" if word == "-?" else word for word in argv]
    return ["flask", "--app", app] + before + argv


def _shown(argv: List[str]) -> str:
    """Return a command line as a shell reads it back."""
    import shlex

    return " ".join(shlex.quote(word) for word in argv)


def _literal(node: Optional[ast.AST]) -> object:
    try:
        return ast.literal_eval(node) if node is not None else None
    except ValueError:
        return _NOT_LITERAL


_NOT_LITERAL = object()


class _Converter:
    def __init__(self, source: str, filename: str) -> None:
        self.source = source
        self.filename = filename
        try:
            self.tree = ast.parse(source, filename)
        except SyntaxError as error:
            raise NotConvertible("%s:%s: does not parse (%s): nothing was converted"
                                 % (filename, error.lineno, error.msg)) from error
        self.positions = Positions(source)
        self.newline = newline_of(source)
        self.edits: List[Edit] = []
        self.todos: List[Todo] = []
        self.notes: List[str] = []
        self.commands: List[_Command] = []
        self.script_names: Dict[str, str] = {}  # local name -> Flask-Script name
        self.migrate_command_names: Set[str] = set()
        self.manager = ""
        self.app = ""
        self.kind = "app"
        self.sub_managers: Dict[str, str] = {}  # variable -> group name
        self.groups: Dict[str, str] = {}  # group name -> variable of its AppGroup
        self.factory = ""
        self.factory_options: List[Tuple[Tuple[str, ...], str, str]] = []  # (flags, parameter, default source)
        self.registrations: List[str] = []  # statements run on the app (a factory: inside create_app)
        self.functions = {node.name: node for node in self.tree.body if isinstance(node, ast.FunctionDef)}
        self.classes = {node.name: node for node in self.tree.body if isinstance(node, ast.ClassDef)}
        self.handled: Set[int] = set()  # ids of nodes translated (their manager uses are not TODOs)

    # -- the whole ----------------------------------------------------------------------

    def convert(self) -> Conversion:
        self._read_imports()
        self._find_manager()
        self._refuse_monkeypatching()
        for statement in self.tree.body:
            self._statement(statement, top=True)
        self._prompts_and_errors()
        self._leftover_uses()
        self._finish()
        for todo in sorted(set(self.todos)):
            start = self.positions.starts[todo.line - 1]
            indent = re.match(r"[ \t]*", self.source[start:]).group(0)  # type: ignore[union-attr]
            self.edits.append((start, start, "%s# TODO(convert): %s%s" % (indent, todo.message, self.newline)))
        text = _without_wide_gaps(_apply(self.source, self.edits))
        factory_options = [(flags, parameter) for flags, parameter, _ in self.factory_options]
        conversion = Conversion(text, sorted(set(self.todos)), [], self.notes, self.kind, factory_options)
        shown = []
        for command in self.commands:
            words = ([command.group] if command.group else []) + command.name.split(" ")
            old = "python %s %s" % (self.filename, " ".join(words))
            shown.append((old, _shown(command_line_after(conversion, words, self.filename))))
        if self.kind == "factory" and self.factory_options:
            flags, parameter, _ = self.factory_options[0]
            example = [flags[0], parameter.upper(), "COMMAND"]
            self.notes.append("the manager's options are create_app()'s arguments: python %s %s -> %s" % (
                self.filename, " ".join(example), _shown(command_line_after(conversion, example, self.filename))))
        return conversion._replace(commands=shown, notes=self.notes)

    def _todo(self, node: ast.AST, message: str) -> None:
        self.todos.append(Todo(getattr(node, "lineno", 1), message))

    # -- imports and the manager -----------------------------------------------------------

    def _read_imports(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in FLASK_SCRIPT_MODULES:
                        raise NotConvertible("%s:%d: imports %s as a module: write `from flask_script import "
                                             "Manager, ...` first; nothing was converted"
                                             % (self.filename, node.lineno, alias.name))
            if not isinstance(node, ast.ImportFrom) or node.level:
                continue
            if node.module in FLASK_SCRIPT_MODULES:
                if node not in self.tree.body:
                    self._todo(node, "Flask-Script imported inside a block: remove it once nothing uses it")
                    continue
                for alias in node.names:
                    self.script_names[alias.asname or alias.name] = alias.name
                self._delete_statement(node)
            elif node.module in ("flask_migrate", "flask.ext.migrate"):
                kept = [alias for alias in node.names if alias.name != "MigrateCommand"]
                self.migrate_command_names.update(alias.asname or alias.name for alias in node.names
                                                  if alias.name == "MigrateCommand")
                if kept:
                    names = ", ".join(alias.name + (" as " + alias.asname if alias.asname else "") for alias in kept)
                    self._replace(node, "from flask_migrate import %s" % names)
                else:
                    self._delete_statement(node)
            elif (node.module or "").startswith("flask.ext."):
                # the extension under its own name (Flask 1.0 removed flask.ext: removals.py, flask-ext)
                names = ", ".join(alias.name + (" as " + alias.asname if alias.asname else "") for alias in node.names)
                self._replace(node, "from flask_%s import %s" % ((node.module or "")[len("flask.ext."):], names))
        self.edits.append((ADD_IMPORT, ADD_IMPORT, "import click"))

    def _find_manager(self) -> None:
        manager_class = [name for name, original in self.script_names.items() if original == "Manager"]
        found: List[Tuple[ast.Assign, ast.Call]] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and dotted_name(node.func) in manager_class:
                statement = next((s for s in self.tree.body if isinstance(s, ast.Assign) and s.value is node), None)
                if statement is None or len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
                    raise NotConvertible("%s:%d: builds a Manager where it runs (in a function, a condition or an "
                                         "expression): convert it by hand; nothing was converted"
                                         % (self.filename, node.lineno))
                found.append((statement, node))
        with_app = [(s, call) for s, call in found if call.args or any(k.arg == "app" for k in call.keywords)]
        if not with_app:
            raise NotConvertible("%s: has no Flask-Script Manager(app): nothing to convert" % self.filename)
        if len(with_app) > 1:
            raise NotConvertible("%s:%d: has more than one Manager(app): convert it by hand; nothing was converted"
                                 % (self.filename, with_app[1][1].lineno))
        statement, call = with_app[0]
        self.manager = statement.targets[0].id  # type: ignore[attr-defined]
        argument = call.args[0] if call.args else next(k.value for k in call.keywords if k.arg == "app")
        if not isinstance(argument, ast.Name):
            raise NotConvertible("%s:%d: Manager() is given an expression, not a name: bind the app or factory to a "
                                 "name first; nothing was converted" % (self.filename, call.lineno))
        self.app = argument.id
        self.kind = self._kind_of(argument.id, call)
        for sub_statement, sub_call in found:
            if sub_call is not call:
                self.sub_managers[sub_statement.targets[0].id] = ""  # type: ignore[attr-defined]
        self._delete_statement(statement)
        self.handled.add(id(statement))
        for name in self.sub_managers:
            self._sub_manager(name, found)

    def _kind_of(self, name: str, call: ast.Call) -> str:
        """Tell whether Manager() was given the app or a factory (Flask-Script decided at run time)."""
        if name in self.functions:
            return "factory"
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return "app"
            if isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names):
                if re.match(r"(create|make|build|get)_?\w*app|\w*factory", name):
                    return "factory"
                if name not in ("app", "application"):
                    self._todo(call, "%s is imported; it is taken to be the Flask app (not a factory)" % name)
                return "app"
        return "app"

    def _sub_manager(self, variable: str, found: List[Tuple[ast.Assign, ast.Call]]) -> None:
        statement, call = next((s, c) for s, c in found if s.targets[0].id == variable)  # type: ignore[attr-defined]
        name = None
        for node in self.tree.body:
            added = self._add_command_call(node)
            if added is not None and added[1] is not None and dotted_name(added[1]) == variable:
                name = added[0]
        if name is None:
            self._todo(statement, "the Manager %s is never added to the main manager" % variable)
            return
        self.sub_managers[variable] = name
        self.groups[name] = variable
        usage = next((k.value for k in call.keywords if k.arg in ("usage", "description", "help")), None)
        help_text = ", help=%s" % self._text(usage) if usage is not None else ""
        self._replace(statement, '%s = AppGroup(%r%s)' % (variable, name, help_text))
        self.edits.append((ADD_IMPORT, ADD_IMPORT, "from flask.cli import AppGroup"))
        self.handled.add(id(statement))

    def _refuse_monkeypatching(self) -> None:
        patched = set(self.script_names) | {self.manager}
        for node in ast.walk(self.tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and dotted_name(target).split(".")[0] in self.script_names:
                    raise NotConvertible("%s:%d: changes Flask-Script itself (%s = ...): convert it by hand; "
                                         "nothing was converted" % (self.filename, getattr(node, "lineno", 0),
                                                                    dotted_name(target)))
            if isinstance(node, ast.Call) and dotted_name(node.func) in ("setattr",) and node.args and \
                    dotted_name(node.args[0]) in patched - {self.manager}:
                raise NotConvertible("%s:%d: changes Flask-Script itself (setattr): convert it by hand; nothing "
                                     "was converted" % (self.filename, node.lineno))

    # -- statements ------------------------------------------------------------------

    def _statement(self, node: ast.stmt, top: bool) -> None:
        if isinstance(node, ast.FunctionDef) and top:
            self._function(node)
        elif isinstance(node, ast.ClassDef) and top:
            self._class(node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self._call_statement(node, node.value)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute) \
                and dotted_name(node.targets[0].value) == self.manager:
            self._manager_setting(node, node.targets[0].attr)
        elif isinstance(node, ast.If) and top and dotted_name(getattr(node.test, "left", node.test)) == "__name__":
            for inner in node.body:
                self._statement(inner, top=False)

    def _manager_setting(self, node: ast.Assign, attribute: str) -> None:
        if attribute in ("help_args", "with_default_commands"):
            self.notes.append("%s.%s is gone: Click's help option is --help, and flask's own commands (run, shell, "
                              "routes) are always there" % (self.manager, attribute))
            self._delete_statement(node)
            self.handled.add(id(node))

    def _call_statement(self, node: ast.Expr, call: ast.Call) -> None:
        function = dotted_name(call.func)
        owner, _, method = function.rpartition(".")
        if owner == self.manager and method == "run":
            self._run_call(node, call)
        elif owner == self.manager and method == "add_option":
            self._manager_option(node, call)
        elif (owner == self.manager or owner in self.sub_managers) and method == "add_command":
            self._add_command(node, call, owner)
        elif (owner == self.manager or owner in self.sub_managers) and method == "command" and call.args and \
                isinstance(call.args[0], ast.Name) and call.args[0].id in self.functions:
            self._function_command(self.functions[call.args[0].id], [], self._group_of(owner), after=node)
            self._delete_statement(node)
            self.handled.add(id(node))

    def _group_of(self, owner: str) -> Optional[str]:
        return None if owner == self.manager else self.sub_managers.get(owner) or None

    def _manager_option(self, node: ast.Expr, call: ast.Call) -> None:
        self.handled.add(id(node))
        self._delete_statement(node)
        flags = tuple(a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
        if self.kind == "app":
            self.notes.append("%s.add_option(%s) is gone: Flask-Script ignored a manager option when it was given "
                              "the app itself; leave it out of the command line" % (
                                  self.manager, ", ".join(self._text(a) for a in call.args)))
            self.factory_options.append((flags, "", "None"))
            return
        keywords = {k.arg: k.value for k in call.keywords}
        dest = _literal(keywords.get("dest"))
        if not isinstance(dest, str):
            long = next((f for f in flags if f.startswith("--")), flags[0] if flags else "")
            dest = long.lstrip("-").replace("-", "_")
        unknown = set(keywords) - {"dest", "default", "required", "help", "metavar"}
        if unknown or len(flags) != len(call.args) or not dest.isidentifier():
            self._todo(node, "the manager option %s is not translated: give create_app() that parameter yourself"
                       % ", ".join(self._text(a) for a in call.args))
            return
        default = self._text(keywords["default"]) if "default" in keywords else "None"
        self.factory_options.append((flags, dest, default))

    def _run_call(self, node: ast.Expr, call: ast.Call) -> None:
        self.handled.add(id(node))
        if call.args or call.keywords:
            self._todo(node, "%s.run(%s) had arguments (a default command, extra commands): flask has no such "
                       "settings" % (self.manager, ", ".join(self._text(a) for a in [*call.args, *call.keywords])))
        create = "lambda: %s" % self.app if self.kind == "app" else "create_app"
        self.edits.append((ADD_IMPORT, ADD_IMPORT, "from flask.cli import FlaskGroup"))
        self._replace(node, "FlaskGroup(create_app=%s)()  # python %s COMMAND keeps working"
                      % (create, self.filename))

    # -- add_command ---------------------------------------------------------------------

    def _add_command_call(self, node: ast.stmt) -> Optional[Tuple[Optional[str], Optional[ast.expr]]]:
        """Return (name, command) of a top-level ``<manager>.add_command(...)`` statement, else None."""
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return None
        call = node.value
        if not dotted_name(call.func).endswith(".add_command"):
            return None
        if len(call.args) == 2:
            name = _literal(call.args[0])
            return (name if isinstance(name, str) else None), call.args[1]
        if len(call.args) == 1:
            return None, call.args[0]
        return None

    def _add_command(self, node: ast.Expr, call: ast.Call, owner: str) -> None:
        added = self._add_command_call(node)
        command = added[1] if added is not None else None
        if added is None or command is None:
            self._todo(node, "this add_command() is not translated")
            return
        name = added[0]
        namespace = next((_literal(k.value) for k in call.keywords if k.arg == "namespace"), None)
        group = self._group_of(owner)
        if isinstance(namespace, str):
            group = self._namespace_group(namespace, node)
        constructor = command.func if isinstance(command, ast.Call) else command
        kind = self.script_names.get(dotted_name(constructor), "")
        self.handled.add(id(node))
        if dotted_name(command) in self.migrate_command_names:
            self._delete_statement(node)
            if name != "db":
                self._todo(node, "MigrateCommand was added as %r: give Migrate(app, db, command=%r)" % (name, name))
            self.notes.append("`db` comes from Migrate(app, db) as `flask db`; nothing to register")
            self.commands.append(_Command("%s ..." % name, None))
        elif dotted_name(command) in self.sub_managers:
            self._delete_statement(node)
            self.registrations.append("cli.add_command(%s)" % dotted_name(command))
        elif kind == "Server":
            self._delete_statement(node)
            self._server_note(command, name or "runserver")
        elif kind == "Shell":
            self._shell(node, command)
        elif kind == "ShowUrls":
            self._delete_statement(node)
            self.notes.append("`%s` is `flask routes` now (its options differ: --sort, --all-methods)"
                              % (name or "urls"))
        elif kind == "Clean":
            self._clean(node, name or "clean", group)
        elif isinstance(constructor, ast.Name) and constructor.id in self.classes:
            self._class_command(node, command, name, group)
        else:
            self._todo(node, "the command %s is not translated (not a Command class of this file)"
                       % self._text(command))

    def _namespace_group(self, namespace: str, node: ast.stmt) -> str:
        if namespace not in self.groups:
            variable = re.sub(r"\W", "_", namespace) + "_group"
            self.groups[namespace] = variable
            self.edits.append((ADD_IMPORT, ADD_IMPORT, "from flask.cli import AppGroup"))
            self._insert_before(node, "%s = AppGroup(%r)" % (variable, namespace))
            self.registrations.append("cli.add_command(%s)" % variable)
        return namespace

    def _server_note(self, command: ast.expr, name: str) -> None:
        settings = ""
        if isinstance(command, ast.Call) and (command.args or command.keywords):
            given = ", ".join(self._text(k) for k in [*command.args, *command.keywords])
            settings = " (its settings %s: give them to flask run: --host, --port, --debug, --reload, " \
                       "--with-threads, --cert/--key)" % given
        self.notes.append("`%s` is `flask run` now%s" % (name, settings))

    def _shell(self, node: ast.Expr, command: ast.expr) -> None:
        keywords = {k.arg: k.value for k in getattr(command, "keywords", [])}
        maker = keywords.get("make_context")
        if maker is None and getattr(command, "args", None):
            maker = command.args[0]  # type: ignore[attr-defined]
        for dropped in set(keywords) - {"make_context"}:
            self.notes.append("Shell(%s=...) has no equivalent in flask shell; it was dropped" % dropped)
        if maker is None:
            self._delete_statement(node)
            return
        if isinstance(maker, ast.Lambda):
            self._replace(node, "shell_context = %s" % self._text(maker))
            self.registrations.append("cli_app.shell_context_processor(shell_context)")
        else:
            self._delete_statement(node)
            self.registrations.append("cli_app.shell_context_processor(%s)" % self._text(maker))

    def _clean(self, node: ast.stmt, name: str, group: Optional[str]) -> None:
        self.commands.append(_Command(name, group))
        code = [
            "@%s.command(%r)" % (self._registry(group), name),
            "def %s_command():" % re.sub(r"\W", "_", name),
            '    """Remove *.pyc and *.pyo files recursively starting at current directory"""',
            "    import os",
            "",
            "    for dirpath, _, filenames in os.walk('.'):",
            "        for filename in filenames:",
            "            if filename.endswith(('.pyc', '.pyo')):",
            "                path = os.path.join(dirpath, filename)",
            "                print('Removing %s' % path)",
            "                os.remove(path)",
        ]
        self._replace(node, self.newline.join(code))

    # -- commands from functions and classes ------------------------------------------------

    def _manager_decorators(self, node: ast.FunctionDef) -> List[Tuple[ast.expr, str, str]]:
        found = []
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            owner, _, method = dotted_name(target).rpartition(".")
            if (owner == self.manager or owner in self.sub_managers) and method in ("command", "option", "shell"):
                found.append((decorator, owner, method))
        return found

    def _function(self, node: ast.FunctionDef) -> None:
        decorators = self._manager_decorators(node)
        if not decorators:
            return
        for decorator, _, _ in decorators:
            self.handled.add(id(decorator))
            self._delete_decorator(decorator)
        if len(decorators) != len(node.decorator_list):
            self._todo(node, "%s has decorators besides the manager's: check that the command calls what "
                       "Flask-Script called" % node.name)
        owners = {owner for _, owner, _ in decorators}
        methods = {method for _, _, method in decorators}
        if methods == {"shell"}:
            self.registrations.append("cli_app.shell_context_processor(%s)" % node.name)
            return
        if len(owners) > 1 or "shell" in methods:
            self._todo(node, "%s is registered in more than one way: not translated" % node.name)
            return
        options = [decorator for decorator, _, method in decorators if method == "option"]
        self._function_command(node, options, self._group_of(owners.pop()), after=node)

    def _function_command(self, node: ast.FunctionDef, options: List[ast.expr], group: Optional[str],
                          after: ast.stmt) -> None:
        name = node.name
        self.commands.append(_Command(name, group))
        if options:
            # Flask-Script collected them as the decorators applied, the lowest first; Click lists the top first.
            params = [self._option(call) for call in reversed(options) if isinstance(call, ast.Call)]
            keep_defaults = False
        else:
            params = self._signature_options(node)
            keep_defaults = True
        self._check_name(name, node)
        lines = ["@%s.command(%r, help=%s.__doc__)" % (self._registry(group), name, name)]
        lines += ["@%s" % param for param in params if param]
        lines += ["def %s_command(**options):" % name,
                  "    run_like_manage_py(%s, options%s)" % (name, ", keep_defaults=True" if keep_defaults else "")]
        self._insert_after(after, lines)

    def _check_name(self, name: str, node: ast.AST) -> None:
        if name in FLASK_OWN_COMMANDS:
            self._todo(node, "flask has a command %r of its own, which hides this one: rename it" % name)

    def _signature_options(self, node: ast.FunctionDef) -> List[str]:
        """Return the Click parameters Flask-Script derived from a function's signature."""
        arguments = node.args.posonlyargs + node.args.args
        defaults = [None] * (len(arguments) - len(node.args.defaults)) + list(node.args.defaults)
        params, shorts = [], set()
        pairs = list(zip(arguments, defaults)) + list(zip(node.args.kwonlyargs, node.args.kw_defaults))
        for argument, default in pairs:
            name = argument.arg
            if default is None:
                params.append("click.argument(%r)" % name)
                continue
            flags = [] if name[0] in shorts else ["-" + name[0]]
            shorts.add(name[0])
            flags.append("--" + name)
            if "_" in name:
                flags.append("--" + name.replace("_", "-"))
            declared = ", ".join(repr(flag) for flag in flags + [name])
            value = _literal(default)
            if isinstance(value, bool):
                params.append("click.option(%s, is_flag=True, flag_value=True, default=%r)" % (declared, value))
                if value:
                    self.notes.append("%s: --%s was always on under Flask-Script (a boolean default makes an "
                                      "on-switch) and still is" % (node.name, name))
            elif isinstance(value, str) or value is None:
                params.append("click.option(%s)" % declared)
            else:
                params.append("click.option(%s, type=click.UNPROCESSED)" % declared)
                self.notes.append("%s: --%s arrives as text when given, as under Flask-Script (its default %s "
                                  "when not): add type=... to have a number" % (node.name, name, self._text(default)))
        return params

    def _option(self, call: ast.Call) -> str:
        """Translate one Flask-Script ``Option(...)`` (argparse's add_argument) to a Click parameter."""
        flags = [_literal(a) for a in call.args]
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if any(not isinstance(flag, str) for flag in flags) or not flags or None in keywords or \
                set(keywords) - _OPTION_KEYWORDS:
            self._todo(call, "the option %s is not translated" % self._text(call))
            return ""
        action = _literal(keywords.get("action"))
        nargs = _literal(keywords.get("nargs"))
        texts = {key: self._text(value) for key, value in keywords.items()}
        extra: List[str] = []
        if "type" in keywords:
            extra.append("type=%s" % texts["type"])
        if "choices" in keywords:
            if "type" in keywords:
                self._todo(call, "choices with a type: check the Click type")
            extra.append("type=click.Choice(%s)" % texts["choices"])
        if "metavar" in keywords:
            extra.append("metavar=%s" % texts["metavar"])
        positional = len(flags) == 1 and not str(flags[0]).startswith("-")
        if positional:
            name = str(flags[0])
            if nargs == "?":
                extra += ["required=False", "default=%s" % texts.get("default", "None")]
            elif nargs in ("*", "+") or isinstance(nargs, int):
                count = -1 if nargs in ("*", "+") else nargs
                extra += ["nargs=%s" % count, "callback=as_list(%s)" % texts.get("default", "[]" if count == -1
                                                                                 else "None")]
                if nargs == "+":
                    extra.append("required=True")
            elif nargs is not None:
                self._todo(call, "nargs=%r is not translated" % (nargs,))
            elif "default" in keywords:
                self._todo(call, "a positional with a default is required by argparse unless nargs='?'")
            if "help" in keywords:
                self.notes.append("the help of the argument %r is not shown by Click (arguments have none)" % name)
            return "click.argument(%s)" % ", ".join([repr(name)] + extra)
        dest = _literal(keywords.get("dest"))
        if not isinstance(dest, str):
            long = next((str(f) for f in flags if str(f).startswith("--")), str(flags[0]))
            dest = long.lstrip("-").replace("-", "_")
        declared = ", ".join([repr(flag) for flag in flags] + [repr(dest)])
        if action == "store_true":
            extra += ["is_flag=True", "flag_value=True", "default=%s" % texts.get("default", "False")]
        elif action == "store_false":
            extra += ["is_flag=True", "flag_value=False", "default=%s" % texts.get("default", "True")]
        elif action == "store_const":
            extra += ["is_flag=True", "flag_value=%s" % texts.get("const", "None"),
                      "default=%s" % texts.get("default", "None")]
        elif action == "count":
            extra += ["count=True", "default=%s" % texts.get("default", "None")]
        elif action == "append":
            extra += ["multiple=True", "callback=as_list(%s)" % texts.get("default", "None")]
        elif action is not None:
            self._todo(call, "action=%r is not translated" % (action,))
        elif nargs is not None:
            if isinstance(nargs, int):
                extra += ["nargs=%d" % nargs, "callback=as_list(%s)" % texts.get("default", "None")]
            else:
                self._todo(call, "an option with nargs=%r is not translated" % (nargs,))
        elif "default" in keywords:
            extra.append("default=%s" % texts["default"])
        if "required" in keywords:
            extra.append("required=%s" % texts["required"])
        if "help" in keywords:
            extra.append("help=%s" % self._help(keywords["help"], call))
        return "click.option(%s)" % ", ".join([declared] + extra)

    def _help(self, node: ast.expr, call: ast.AST) -> str:
        value = _literal(node)
        if isinstance(value, str):
            if "%(" in value:
                self._todo(call, "argparse filled %(...)s in this help; Click does not")
            return repr(value.replace("%%", "%"))
        return self._text(node)

    def _class(self, node: ast.ClassDef) -> None:
        bases = [dotted_name(base) for base in node.bases]
        if not any(self.script_names.get(base) == "Command" for base in bases):
            return
        for base in node.bases:
            if self.script_names.get(dotted_name(base)) == "Command":
                self._replace_node(base, "object")
        for statement in node.body:
            if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "option_list"
                                                        for t in statement.targets):
                self._delete_statement(statement)
            if isinstance(statement, ast.FunctionDef) and statement.name in ("get_options", "__call__",
                                                                              "create_parser", "handle"):
                self._todo(statement, "%s.%s() changes how Flask-Script parsed or ran the command: translate it "
                           "by hand" % (node.name, statement.name))

    def _class_command(self, node: ast.stmt, command: ast.expr, name: Optional[str], group: Optional[str]) -> None:
        class_name = dotted_name(command.func if isinstance(command, ast.Call) else command)
        definition = self.classes[class_name]
        if name is None:
            name = re.sub("command$", "", class_name.lower())
        self.commands.append(_Command(name, group))
        self._check_name(name, node)
        options_node = next((s.value for s in definition.body if isinstance(s, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "option_list" for t in s.targets)), None)
        params: List[str] = []
        if options_node is not None:
            if not isinstance(options_node, (ast.Tuple, ast.List)):
                self._todo(definition, "option_list is not a literal list: translate its options by hand")
            else:
                for element in options_node.elts:
                    params.extend(self._class_option(element))
        capture = any(isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "capture_all_args"
                                                        for t in s.targets) and _literal(s.value) is True
                      for s in definition.body)
        instance = self._text(command) if isinstance(command, ast.Call) else "%s()" % class_name
        variable = re.sub(r"\W", "_", name) + "_command"
        settings = ""
        if capture:
            settings = ", context_settings={'ignore_unknown_options': True}"
            params.append("click.argument('remaining', nargs=-1, type=click.UNPROCESSED, callback=as_list([]))")
        lines = ["%s_object = %s" % (variable, instance), "",
                 "",
                 "@%s.command(%r, help=%s_object.__doc__%s)" % (self._registry(group), name, variable, settings)]
        lines += ["@%s" % param for param in params if param]
        run = "%s_object.run" % variable
        if capture:  # Flask-Script passed what it captured as the first positional argument
            run = "lambda remaining, **rest: %s_object.run(remaining, **rest)" % variable
        lines += ["def %s(**options):" % variable, "    run_like_manage_py(%s, options)" % run]
        self._replace(node, self.newline.join(lines))

    def _class_option(self, element: ast.expr) -> List[str]:
        if not isinstance(element, ast.Call):
            self._todo(element, "%s in option_list is not translated" % self._text(element))
            return []
        constructor = self.script_names.get(dotted_name(element.func))
        if constructor == "Option":
            return [self._option(element)]
        if constructor == "Group":
            keywords = {k.arg: _literal(k.value) for k in element.keywords}
            if keywords.get("exclusive") or keywords.get("required"):
                self._todo(element, "a mutually exclusive or required Group: Click has no such group; check the "
                           "options yourself in the command")
            return [self._option(option) for option in element.args
                    if isinstance(option, ast.Call) and self.script_names.get(dotted_name(option.func)) == "Option"]
        self._todo(element, "%s in option_list is not translated" % self._text(element))
        return []

    # -- prompts, errors, what is left ------------------------------------------------------

    def _prompts_and_errors(self) -> None:
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            original = self.script_names.get(node.func.id)
            if original is None:
                continue
            self.handled.add(id(node.func))
            if original == "prompt":
                self._rename_call(node, "click.prompt", node.args[:2], node.keywords, {"default"})
            elif original == "prompt_pass":
                self._rename_call(node, "click.prompt", node.args[:2], node.keywords, {"default"},
                                  extra="hide_input=True")
            elif original == "prompt_bool":
                self._rename_call(node, "click.confirm", node.args[:2], node.keywords, {"default"})
                self.notes.append("prompt_bool is click.confirm: it takes y/yes/n/no (Flask-Script also took "
                                  "1/on/true/t and 0/off/false/f)")
            elif original == "prompt_choices":
                choices = node.args[1] if len(node.args) > 1 else None
                values = _literal(choices)
                if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
                    self._todo(node, "prompt_choices with these choices is not translated: use "
                               "click.prompt(name, type=click.Choice([...]))")
                    continue
                default = next((self._text(k.value) for k in node.keywords if k.arg == "default"),
                               self._text(node.args[2]) if len(node.args) > 2 else None)
                text = "click.prompt(%s, type=click.Choice(%s)%s)" % (
                    self._text(node.args[0]), self._text(choices) if choices is not None else "[]",
                    ", default=%s" % default if default else "")
                self._replace_node(node, text)
            elif original == "InvalidCommand":
                self._replace_node(node.func, "click.ClickException")
            else:
                self.handled.discard(id(node.func))

    def _rename_call(self, node: ast.Call, name: str, args: List[ast.expr], keywords: List[ast.keyword],
                     allowed: Set[str], extra: str = "") -> None:
        if len(node.args) > 2 or any(k.arg not in allowed for k in keywords):
            self._todo(node, "this %s(...) is not translated" % dotted_name(node.func))
            return
        parts = [self._text(args[0])] if args else []
        if len(args) > 1:
            parts.append("default=%s" % self._text(args[1]))
        parts += [self._text(k) for k in keywords]
        if extra:
            parts.append(extra)
        self._replace_node(node, "%s(%s)" % (name, ", ".join(parts)))

    def _leftover_uses(self) -> None:
        """Each use of the manager or of a Flask-Script name that nothing translated is a TODO at its line."""
        for statement in self.tree.body:
            if id(statement) in self.handled:
                continue
            for node in ast.walk(statement):
                if id(node) in self.handled:
                    continue
                if isinstance(node, ast.Name) and node.id in (self.manager, *self.sub_managers) and \
                        not self._inside_handled(statement, node):
                    self._todo(node, "%s is Flask-Script's Manager, which is gone: translate this use by hand"
                               % node.id)
                elif isinstance(node, ast.Name) and node.id in self.migrate_command_names:
                    self._todo(node, "MigrateCommand is gone: flask db comes from Migrate(app, db)")
                elif isinstance(node, ast.Name) and node.id in self.script_names and \
                        self.script_names[node.id] not in ("Manager",) and not self._inside_handled(statement, node):
                    if isinstance(statement, ast.ClassDef) and node in statement.bases:
                        continue
                    if self._in_deleted_option_list(statement, node):
                        continue
                    self._todo(node, "%s came from Flask-Script, which is gone: translate this use by hand" % node.id)

    def _inside_handled(self, statement: ast.stmt, target: ast.AST) -> bool:
        for node in ast.walk(statement):
            if id(node) in self.handled and node is not target:
                for inner in ast.walk(node):
                    if inner is target:
                        return True
        return False

    def _in_deleted_option_list(self, statement: ast.stmt, target: ast.AST) -> bool:
        if not isinstance(statement, ast.ClassDef):
            return False
        for node in statement.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "option_list"
                                                    for t in node.targets):
                if any(inner is target for inner in ast.walk(node)):
                    return True
        return False

    # -- the app or the factory ---------------------------------------------------------------

    def _registry(self, group: Optional[str]) -> str:
        """Return what a command is declared on: the app's cli, a group, or the module's command group."""
        if group is not None:
            return self.groups.get(group, "cli")
        return "%s.cli" % self.app if self.kind == "app" else "cli"

    def _finish(self) -> None:
        helper_at = self._after_imports()
        helper = HELPER if any("as_list(" in edit[2] for edit in self.edits) else \
            HELPER[:HELPER.index("def as_list(")].rstrip("\n") + "\n"
        blocks = [helper]
        registrations = [line.replace("cli_app.", "%s." % self.app if self.kind == "app" else "app.")
                         for line in self.registrations]
        if self.kind == "app":
            registrations = [line.replace("cli.add_command", "%s.cli.add_command" % self.app)
                             for line in registrations]
        else:
            self.edits.append((ADD_IMPORT, ADD_IMPORT, "from flask.cli import AppGroup"))
            blocks.append(self.newline + self.newline + "cli = AppGroup('manage', help='The commands of %s.')"
                          % self.filename + self.newline)
            self._factory(registrations)
            registrations = []
        if registrations:
            end = len(self.source)
            main = next((n for n in self.tree.body if isinstance(n, ast.If) and
                         dotted_name(getattr(n.test, "left", n.test)) == "__name__"), None)
            at = self.positions.span(main)[0] if main is not None else end
            text = self.newline.join(registrations) + self.newline
            self.edits.append((at, at, (self.newline * 2 if at == end else "") + text + self.newline * 2))
        imports = [line for start, _, line in self.edits if start == ADD_IMPORT]
        self.edits = [edit for edit in self.edits if edit[0] != ADD_IMPORT]
        flask_cli = sorted({line.rsplit(" ", 1)[1] for line in imports if line.startswith("from flask.cli import ")})
        wanted = ["import click"] + (["from flask.cli import %s" % ", ".join(flask_cli)] if flask_cli else [])
        present = [line for line in wanted if re.search(r"^%s$" % re.escape(line), self.source, re.M)]
        block = "".join("\n" + line for line in wanted if line not in present) + "".join(blocks)
        self.edits.append((helper_at, helper_at, self.newline.join(block.split("\n"))))

    def _factory(self, registrations: List[str]) -> None:
        original = self.app
        renamed = "project_" + original if original in ("create_app", "make_app") else original
        if renamed != original:
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Name) and node.id == original:
                    self._replace_node(node, renamed)
                elif isinstance(node, ast.FunctionDef) and node.name == original:
                    start = self.positions.offset(node.lineno, node.col_offset)
                    found = self.source.index(original, start)
                    self.edits.append((found, found + len(original), renamed))
                elif isinstance(node, ast.ImportFrom):
                    for alias in node.names:
                        if (alias.asname or alias.name) == original:
                            self._replace(node, "from %s%s import %s" % ("." * node.level, node.module or "", ", ".join(
                                a.name + (" as " + a.asname if a.asname else "") if a is not alias else
                                "%s as %s" % (a.name, renamed) for a in node.names)))
        parameters = ", ".join("%s=%s" % (parameter, default) for _, parameter, default in self.factory_options)
        passed = ", ".join("%s=%s" % (parameter, parameter) for _, parameter, _ in self.factory_options)
        lines = ["def create_app(%s):" % parameters,
                 '    """Build the app as python %s did (Manager(%s), its options as arguments), with its '
                 'commands;' % (self.filename, original),
                 '    `flask --app %s` calls this."""' % self.filename,
                 "    app = %s(%s)" % (renamed, passed),
                 "    for command in cli.commands.values():",
                 "        app.cli.add_command(command)"]
        lines += ["    " + re.sub(r"^cli\.add_command\(", "app.cli.add_command(", line) for line in registrations]
        lines.append("    return app")
        main = next((n for n in self.tree.body if isinstance(n, ast.If) and
                     dotted_name(getattr(n.test, "left", n.test)) == "__name__"), None)
        at = self.positions.span(main)[0] if main is not None else len(self.source)
        text = self.newline.join(lines) + self.newline
        self.edits.append((at, at, (self.newline * 2 if main is None else "") + text + self.newline * 2))

    def _after_imports(self) -> int:
        last = None
        for node in self.tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) or (
                    last is None and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                last = node
            else:
                break
        return self.positions.span(last)[1] if last is not None else 0

    # -- edits ----------------------------------------------------------------------------

    def _text(self, node: ast.AST) -> str:
        if isinstance(node, ast.keyword):  # (Python 3.8 gives a keyword no position of its own)
            value = self._text(node.value)
            return "%s=%s" % (node.arg, value) if node.arg else "**" + value
        return ast.get_source_segment(self.source, node) or ""

    def _line_span(self, node: ast.AST) -> Tuple[int, int]:
        """Return the span of the whole lines a statement occupies, its line ending included."""
        start, end = self.positions.span(node)
        start = self.positions.starts[node.lineno - 1]  # type: ignore[attr-defined]
        following = self.positions.starts[node.end_lineno] if node.end_lineno < len(  # type: ignore[attr-defined]
            self.positions.starts) else len(self.source)
        return start, max(end, following)

    def _delete_statement(self, node: ast.stmt) -> None:
        start, end = self._line_span(node)
        before = self.source[:start]
        if not before.strip() or re.search(r"(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)$", before):
            # A blank line above already: take the blank lines below too, not to leave a wider gap.
            end += len(re.match(r"(?:[ \t]*(?:\r\n|\r|\n))*", self.source[end:]).group(0))  # type: ignore
        self.edits.append((start, end, ""))

    def _delete_decorator(self, decorator: ast.expr) -> None:
        start = self.positions.starts[decorator.lineno - 1]
        last = decorator.end_lineno or decorator.lineno
        end = self.positions.starts[last] if last < len(self.positions.starts) else len(self.source)
        self.edits.append((start, end, ""))

    def _replace(self, node: ast.stmt, text: str) -> None:
        start, end = self.positions.span(node)
        self.edits.append((start, end, text))

    def _replace_node(self, node: ast.AST, text: str) -> None:
        start, end = self.positions.span(node)
        self.edits.append((start, end, text))

    def _insert_after(self, node: ast.stmt, lines: List[str]) -> None:
        end = self._line_span(node)[1]
        blank = len(re.match(r"(?:[ \t]*(?:\r\n|\r|\n))*", self.source[end:]).group(0).splitlines())  # type: ignore
        text = self.newline * 2 + self.newline.join(lines) + self.newline + self.newline * max(0, 2 - blank)
        self.edits.append((end, end, text))

    def _insert_before(self, node: ast.stmt, text: str) -> None:
        start = self._line_span(node)[0]
        self.edits.append((start, start, text + self.newline))


def _apply(source: str, edits: List[Edit]) -> str:
    """Make the edits: spans of the original replaced, insertions at one place kept in the order given."""
    spans = [(start, end, index, text) for index, (start, end, text) in enumerate(edits) if start != ADD_IMPORT]
    kept: List[Tuple[int, int, int, str]] = []
    for span in sorted(spans, key=lambda item: (item[0], item[1] - item[0], item[2])):
        if any(span[0] < end and start < span[1] for start, end, _, _ in kept if start != end and span[0] != span[1]):
            continue  # overlaps a span already replaced
        kept.append(span)
    # At one offset: the replacement first, then the insertions before it, the first given outermost.
    for start, end, _, text in sorted(kept, key=lambda item: (item[0], item[1] != item[0], item[2]), reverse=True):
        source = source[:start] + text + source[end:]
    return source


def _without_wide_gaps(text: str) -> str:
    """Fold runs of more than two blank lines (left where statements went) to two, never inside a string."""
    import io
    import tokenize

    in_strings: Set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                in_strings.update(range(token.start[0], token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return text
    kept: List[str] = []
    blank = 0
    for number, line in enumerate(text.splitlines(True), 1):
        blank = blank + 1 if not line.strip() and number not in in_strings else 0
        if blank <= 2:
            kept.append(line)
    return "".join(kept)

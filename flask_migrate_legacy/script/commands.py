"""Command, Option, Group and the stock commands of Flask-Script 2.0.6."""

import argparse
import inspect
import os
import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .cli import prompt, prompt_bool, prompt_choices, prompt_pass  # noqa: F401  (old imports)
from .errors import InvalidCommand  # noqa: F401  (``from flask_script.commands import ...``)

#: argparse actions whose value a parent manager may receive (plain values, no side effects).
VALUE_ACTIONS = frozenset(
    (None, "store", "store_const", "store_true", "store_false", "append", "append_const", "count")
)


class Option:
    """Hold the arguments of one ``ArgumentParser.add_argument`` call."""

    def __init__(self, *args: str, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        #: Flags that may be dropped when another option already uses them
        #: (set for options generated from a function signature).
        self.droppable_flags: Sequence[str] = ()

    def __repr__(self) -> str:
        return "Option(%s)" % ", ".join(
            [repr(a) for a in self.args] + ["%s=%r" % item for item in self.kwargs.items()]
        )


class Group:
    """Hold options that form an argument group, or a mutually exclusive group."""

    def __init__(
        self,
        *options: Option,
        title: Optional[str] = None,
        description: Optional[str] = None,
        exclusive: bool = False,
        required: bool = False,
    ) -> None:
        if (title or description) and (exclusive or required):
            raise TypeError("title and/or description cannot be used with required and/or exclusive.")
        self.option_list = options
        self.title = title
        self.description = description
        self.exclusive = exclusive
        self.required = required

    def get_options(self) -> Sequence[Option]:
        """Return the grouped options; override for instance-specific options."""
        return self.option_list


def add_help(parser: argparse.ArgumentParser, help_args: Sequence[str]) -> None:
    """Give ``parser`` a help option under the flags ``help_args``."""
    if help_args:
        parser.add_argument(
            *help_args, action="help", default=argparse.SUPPRESS, help="show this help message and exit"
        )


def add_options(
    parser: argparse.ArgumentParser, options: Iterable[Any], taken: Set[str]
) -> List[Tuple[argparse.Action, Option]]:
    """Add Options and Groups to ``parser``; return each action with its Option.

    ``taken`` holds the flags already in use; a droppable flag found there is
    left out instead of raising argparse's conflict error.
    """
    actions = []
    for option in options:
        if isinstance(option, Group):
            if option.exclusive:
                target: Any = parser.add_mutually_exclusive_group(required=option.required)
            else:
                target = parser.add_argument_group(title=option.title, description=option.description)
            members: Iterable[Option] = option.get_options()
        else:
            target, members = parser, (option,)
        for member in members:
            flags = [
                flag
                for flag in member.args
                if not (flag in taken and flag in getattr(member, "droppable_flags", ()))
            ]
            taken.update(flag for flag in flags if flag.startswith("-"))
            actions.append((target.add_argument(*flags, **member.kwargs), member))
    return actions


def options_from_signature(func: Callable[..., Any]) -> List[Option]:
    """Build the options ``@manager.command`` derives from a function's signature.

    Parameters without a default are positionals; with one they are
    ``-<first letter>``/``--<name>`` options; a boolean default makes a
    ``store_true`` flag whatever its value, as in Flask-Script. Two names
    sharing a first letter: only the first gets the short form.
    """
    options = []
    shorts_used: Set[str] = set()
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.default is param.empty:
            options.append(Option(param.name, type=str))
            continue
        short = "-" + param.name[0]
        flags = [] if short in shorts_used else [short]
        shorts_used.add(short)
        flags.append("--" + param.name)
        if "_" in param.name:
            flags.append("--" + param.name.replace("_", "-"))
        if isinstance(param.default, bool):
            option = Option(*flags, action="store_true", dest=param.name, required=False, default=param.default)
        else:
            option = Option(*flags, dest=param.name, type=str, required=False, default=param.default)
        option.droppable_flags = (short,)
        options.append(option)
    return options


class Command:
    """A command of a :class:`~flask_migrate_legacy.script.Manager`.

    Subclass it and define ``run``, or pass a function to introspect.
    """

    option_list: Sequence[Any] = ()
    help_args: Optional[Sequence[str]] = None
    capture_all_args = False

    def __init__(self, func: Optional[Callable[..., Any]] = None) -> None:
        if func is None:
            if not self.option_list:
                self.option_list = []
            return
        self.option_list = options_from_signature(func)
        self.run = func  # type: ignore[method-assign]
        self.__doc__ = func.__doc__

    @property
    def description(self) -> str:
        """Return the command's docstring, stripped, as its description."""
        return (self.__doc__ or "").strip()

    def add_option(self, option: Any) -> None:
        """Append an Option (or Group) to this command."""
        if not isinstance(self.option_list, list):
            self.option_list = list(self.option_list)
        self.option_list.append(option)

    def get_options(self) -> Sequence[Any]:
        """Return the options; override for instance-specific options."""
        return self.option_list

    def create_parser(self, *args: Any, **kwargs: Any) -> argparse.ArgumentParser:
        """Build a standalone parser for this command (kept for old callers)."""
        kwargs.pop("func_stack", None)
        parent = kwargs.pop("parent", None)
        kwargs["add_help"] = False
        parser = argparse.ArgumentParser(*args, **kwargs)
        help_args = self.help_args if self.help_args is not None else getattr(parent, "help_args", ())
        add_help(parser, help_args)
        add_options(parser, self.get_options(), set(help_args))
        self.parser = parser
        return parser

    def __call__(self, app: Any = None, *args: Any, **kwargs: Any) -> Any:
        """Run the command inside ``app.test_request_context()``, as Flask-Script did.

        The app's own method is called: apps override it (server name,
        environ, extra context), and managers are handed objects that are
        not Flask instances at all.
        """
        with app.test_request_context():
            return self.run(*args, **kwargs)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Do the command's work; subclasses must implement it."""
        raise NotImplementedError


def _stdin_is_interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


class Shell(Command):
    """Runs a Python shell inside Flask application context."""

    banner = ""
    help = description = "Runs a Python shell inside Flask application context."

    def __init__(
        self,
        banner: Optional[str] = None,
        make_context: Optional[Callable[[], Dict[str, Any]]] = None,
        use_ipython: bool = True,
        use_bpython: bool = True,
        use_ptipython: bool = True,
        use_ptpython: bool = True,
    ) -> None:
        self.banner = banner or self.banner
        self.use_ipython = use_ipython
        self.use_bpython = use_bpython
        self.use_ptipython = use_ptipython
        self.use_ptpython = use_ptpython
        self.make_context = make_context or self._default_context

    @staticmethod
    def _default_context() -> Dict[str, Any]:
        from flask import current_app

        return {"app": current_app._get_current_object()}  # type: ignore[attr-defined]

    def get_options(self) -> Sequence[Option]:
        """Offer a switch to turn off each enhanced shell."""
        return tuple(
            Option(
                "--no-" + shell,
                action="store_true",
                dest="no_" + shell,
                default=not getattr(self, "use_" + shell),
                help="Do not use the %s shell" % label,
            )
            for shell, label in (
                ("ipython", "IPython"),
                ("bpython", "BPython"),
                ("ptipython", "PtIPython"),
                ("ptpython", "PtPython"),
            )
        )

    def get_context(self) -> Dict[str, Any]:
        """Return the names the shell starts with."""
        return self.make_context()

    def run(
        self, no_ipython: bool = False, no_bpython: bool = False, no_ptipython: bool = False, no_ptpython: bool = False
    ) -> None:
        """Start the first available shell; run piped input as a script."""
        context = self.get_context()
        if not _stdin_is_interactive():
            # Fed from a pipe: run the input like ``python < file`` would, no prompts.
            exec(compile(sys.stdin.read(), "<stdin>", "exec"), context)
            return
        history = os.path.expanduser("~/.ptpython_history")
        attempts = (
            (no_ptipython, "ptpython.ipython",
             lambda m: m.embed(banner1=self.banner, user_ns=context, history_filename=history)),
            (no_ptpython, "ptpython.repl", lambda m: m.embed(globals=context, history_filename=history)),
            (no_bpython, "bpython", lambda m: m.embed(banner=self.banner, locals_=context)),
            (no_ipython, "IPython", lambda m: m.embed(banner1=self.banner, user_ns=context)),
        )
        for disabled, module_name, start in attempts:
            if disabled:
                continue
            try:
                module = __import__(module_name, fromlist=["embed"])
            except ImportError:
                continue
            start(module)
            return
        import code

        code.interact(self.banner, local=context)


class Server(Command):
    """Runs the Flask development server i.e. app.run()"""

    help = description = "Runs the Flask development server i.e. app.run()"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 5000,
        use_debugger: Optional[bool] = None,
        use_reloader: Optional[bool] = None,
        threaded: bool = False,
        processes: int = 1,
        passthrough_errors: bool = False,
        ssl_crt: Optional[str] = None,
        ssl_key: Optional[str] = None,
        **options: Any,
    ) -> None:
        self.host = host
        self.port = port
        self.use_debugger = use_debugger
        self.use_reloader = use_reloader if use_reloader is not None else use_debugger
        self.threaded = threaded
        self.processes = processes
        self.passthrough_errors = passthrough_errors
        self.ssl_crt = ssl_crt
        self.ssl_key = ssl_key
        self.server_options = options

    def get_options(self) -> Sequence[Option]:
        """Offer host, port, threading, debugger, reloader and TLS settings."""
        return (
            Option("-h", "--host", dest="host", default=self.host),
            Option("-p", "--port", dest="port", type=int, default=self.port),
            Option("--threaded", dest="threaded", action="store_true", default=self.threaded),
            Option("--processes", dest="processes", type=int, default=self.processes),
            Option("--passthrough-errors", action="store_true", dest="passthrough_errors",
                   default=self.passthrough_errors),
            Option("-d", "--debug", action="store_true", dest="use_debugger", default=self.use_debugger,
                   help="enable the Werkzeug debugger (DO NOT use in production code)"),
            Option("-D", "--no-debug", action="store_false", dest="use_debugger", default=self.use_debugger,
                   help="disable the Werkzeug debugger"),
            Option("-r", "--reload", action="store_true", dest="use_reloader", default=self.use_reloader,
                   help="monitor Python files for changes (not 100%% safe for production use)"),
            Option("-R", "--no-reload", action="store_false", dest="use_reloader", default=self.use_reloader,
                   help="do not monitor Python files for changes"),
            Option("--ssl-crt", dest="ssl_crt", type=str, default=self.ssl_crt, help="Path to ssl certificate"),
            Option("--ssl-key", dest="ssl_key", type=str, default=self.ssl_key, help="Path to ssl key"),
        )

    def __call__(  # type: ignore[override]
        self,
        app: Any,
        host: str,
        port: int,
        use_debugger: Optional[bool],
        use_reloader: Optional[bool],
        threaded: bool,
        processes: int,
        passthrough_errors: bool,
        ssl_crt: Optional[str],
        ssl_key: Optional[str],
    ) -> None:
        """Serve ``app`` (outside any request context) with these settings."""
        if use_debugger is None:
            use_debugger = bool(app.debug)
        if use_reloader is None:
            use_reloader = use_debugger
        ssl_context = (ssl_crt, ssl_key) if ssl_crt and ssl_key else None
        app.run(
            host=host,
            port=port,
            debug=use_debugger,
            use_debugger=use_debugger,
            use_reloader=use_reloader,
            threaded=threaded,
            processes=processes,
            passthrough_errors=passthrough_errors,
            ssl_context=ssl_context,
            **self.server_options,
        )


class Clean(Command):
    "Remove *.pyc and *.pyo files recursively starting at current directory"

    def run(self) -> None:
        """Delete compiled Python files below the current folder, naming each."""
        for dirpath, _dirnames, filenames in os.walk("."):
            for filename in filenames:
                if filename.endswith((".pyc", ".pyo")):
                    path = os.path.join(dirpath, filename)
                    print("Removing %s" % path)
                    os.remove(path)


class ShowUrls(Command):
    """Displays all of the url matching routes for the project"""

    def __init__(self, order: str = "rule") -> None:
        self.order = order

    def get_options(self) -> Sequence[Option]:
        """Offer an optional URL to match and the sort key."""
        return (
            Option("url", nargs="?", help="Url to test (ex. /static/image.png)"),
            Option("--order", dest="order", default=self.order,
                   help="Property on Rule to order by (default: %s)" % self.order),
        )

    def run(self, url: Optional[str] = None, order: str = "rule") -> None:
        """Print the URL map, or the rule one URL matches, as a table."""
        from flask import current_app
        from werkzeug.exceptions import MethodNotAllowed, NotFound

        headers = ("Rule", "Endpoint", "Arguments")
        if url:
            try:
                rule, arguments = current_app.url_map.bind("localhost").match(url, return_rule=True)
                rows = [(rule.rule, rule.endpoint, str(arguments))]
            except (NotFound, MethodNotAllowed) as exc:
                rows = [("<%s>" % exc,)]  # type: ignore[list-item]
        else:
            rules = current_app.url_map.iter_rules()
            try:
                ordered = sorted(rules, key=lambda rule: getattr(rule, order))
            except AttributeError:
                raise InvalidCommand("cannot order by %r: a URL rule has no such property" % order) from None
            rows = [(rule.rule, rule.endpoint) for rule in ordered]  # type: ignore[misc]
        columns = len(rows[0])
        minimum = (4, 8, 9)
        widths = [max([minimum[i]] + [len(str(row[i])) for row in rows]) for i in range(columns)]
        template = "  ".join("%%-%ds" % width for width in widths)
        print(template % headers[:columns])
        print("-" * (sum(widths) + 2 * (columns - 1)))
        for row in rows:
            print(template % row)

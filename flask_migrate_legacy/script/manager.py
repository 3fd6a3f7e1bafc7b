"""Manager: Flask-Script 2.0.6's command registry and argv dispatcher, on argparse's public API."""

import argparse
import os
import re
import sys
import warnings
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..errors import Interrupted, UserError, flush_output, interruption_description, reader_went_away, report
from .commands import VALUE_ACTIONS, Command, Option, Server, Shell, add_help, add_options
from .errors import NoAppError

# The parsed namespace carries the chain of handlers under this key.
_CHAIN = "_flask_migrate_legacy_chain"


class _Link:
    """One handler on the path argv selects: a manager or the final command."""

    def __init__(self, handler: Any, parser: argparse.ArgumentParser) -> None:
        self.handler = handler
        self.parser = parser
        self.dests: List[str] = []  # every option dest of this handler
        self.value_dests: List[str] = []  # those a non-final manager may receive

    def record(self, added: Sequence[Tuple[argparse.Action, Option]]) -> None:
        for action, option in added:
            self.dests.append(action.dest)
            if option.kwargs.get("action") in VALUE_ACTIONS:
                self.value_dests.append(action.dest)


class _ManagerParser(argparse.ArgumentParser):
    """A manager's parser: named with nothing after it, it prints its help and exits 2.

    That is Flask-Script's answer to ``manage.py`` alone and to a sub-manager
    named without a command (``manage.py db``). Subparsers are parsed
    through this public method, so no argparse internals are touched.
    """

    #: Set on the parsers of managers; a command's parser runs with no arguments.
    help_when_empty = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self.help_when_empty and args is not None and not list(args):
            self.print_help()
            self.exit(2)
        return super().parse_known_args(args, namespace)


class Manager:
    """Collect commands and run the one named on the command line.

    ``app`` is a Flask application or a callable that returns one (a factory
    receiving the values of the manager's own options).
    """

    help_args: Sequence[str] = ("-?", "--help")

    def __init__(
        self,
        app: Any = None,
        with_default_commands: Optional[bool] = None,
        usage: Optional[str] = None,
        help: Optional[str] = None,
        description: Optional[str] = None,
        disable_argcomplete: bool = False,
    ) -> None:
        self.app = app
        self._commands: "OrderedDict[str, Any]" = OrderedDict()
        self._options: List[Option] = []
        self.usage = usage
        self.help = help if help is not None else usage
        self.description = description if description is not None else usage
        self.disable_argcomplete = disable_argcomplete
        self.with_default_commands = with_default_commands
        self.parent: Optional["Manager"] = None
        self.subparser_kwargs: Dict[str, Any] = {}

    # -- registry -------------------------------------------------------------

    def add_default_commands(self) -> None:
        """Add ``shell`` and ``runserver`` unless commands of those names exist."""
        if "shell" not in self._commands:
            self.add_command("shell", Shell())
        if "runserver" not in self._commands:
            self.add_command("runserver", Server())

    def set_defaults(self) -> None:
        """Add the default commands once, to a top-level manager by default."""
        if self.with_default_commands is None:
            self.with_default_commands = self.parent is None
        if self.with_default_commands:
            self.add_default_commands()
        self.with_default_commands = False

    def add_option(self, *args: Any, **kwargs: Any) -> None:
        """Add a manager-level option; its value goes to the app factory."""
        self._options.append(Option(*args, **kwargs))

    def get_options(self) -> List[Option]:
        """Return the manager-level options."""
        return self._options

    def add_command(self, *args: Any, **kwargs: Any) -> None:
        """Register a command: ``add_command(name, command)`` or ``add_command(command)``.

        A class is instantiated; ``namespace=`` (or a ``namespace`` attribute)
        places the command in a sub-manager of that name.
        """
        if len(args) == 1:
            name, command = None, args[0]
        elif len(args) == 2:
            name, command = args
        else:
            raise TypeError("add_command() takes a command, or a name and a command")
        if isinstance(command, type):
            command = command()
        if not isinstance(command, Manager) and callable(getattr(command, "add_command", None)):
            raise TypeError(
                "%r is a manager of another Flask-Script (the real one?): import Manager and MigrateCommand "
                "through the same name, flask_script (or flask.ext.script)" % (command,))
        if name is None:
            name = getattr(command, "name", None) or re.sub("command$", "", type(command).__name__.lower())
        if isinstance(command, Manager):
            command.parent = self
        namespace = kwargs.get("namespace") or getattr(command, "namespace", None)
        if namespace:
            if namespace not in self._commands:
                self.add_command(namespace, Manager())
            self._commands[namespace]._commands[name] = command
        else:
            self._commands[name] = command

    def command(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Register a function as a command; its signature gives the arguments."""
        self.add_command(func.__name__, Command(func))
        return func

    def option(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a function as a command with this explicit option (stackable)."""
        option = Option(*args, **kwargs)

        def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
            name = func.__name__
            if name not in self._commands:
                command = Command()
                command.run = func  # type: ignore[method-assign]
                command.__doc__ = func.__doc__
                command.option_list = []
                self.add_command(name, command)
            # Decorators apply bottom-up, so the option written last comes first,
            # as in Flask-Script: it decides the order of positional arguments.
            self._commands[name].option_list.append(option)
            return func

        return decorate

    def shell(self, func: Callable[[], Dict[str, Any]]) -> Callable[[], Dict[str, Any]]:
        """Register ``func`` as the shell's context maker."""
        self.add_command("shell", Shell(make_context=func))
        return func

    # -- the app ---------------------------------------------------------------

    def __call__(self, app: Any = None, **options: Any) -> Any:
        """Return the Flask app, calling the factory with the manager options if needed."""
        from flask import Flask

        if app is None:
            app = self.app
        if app is None:
            raise NoAppError(
                "this manager has no Flask application: pass one, or a function returning one, "
                "as Manager(app)"
            )
        if isinstance(app, Flask):
            if any(value is not None for value in options.values()):
                # No stacklevel: where the warning points is compared with Flask-Script's.
                warnings.warn(  # noqa: B028
                    "Manager options are ignored: the manager was given an app, not an app factory.")
            return app
        app = app(**options)
        self.app = app
        return app

    # -- parsing and dispatch -----------------------------------------------------

    def create_parser(self, prog: str, func_stack: Sequence[_Link] = (), parent: Any = None,
                      named: Optional[Sequence[str]] = None) -> argparse.ArgumentParser:
        """Build the argparse parser for this manager and everything below it.

        With ``named`` (the command line's words), only the commands named
        there get their options; the others are listed with their help but
        cost nothing, so a run does not pay for every command's parser.
        """
        completing = parent is None and not self.disable_argcomplete and "_ARGCOMPLETE" in os.environ
        parser = _ManagerParser(
            prog=os.path.basename(prog), usage=self.usage, description=self.description, add_help=False
        )
        self._populate(parser, tuple(func_stack), None if named is None or completing else frozenset(named))
        if completing:
            try:
                import argcomplete
            except ImportError:
                pass
            else:
                argcomplete.autocomplete(parser, always_complete_options=True)
        self.parser = parser
        return parser

    def _populate(self, parser: argparse.ArgumentParser, chain: tuple, named: Optional[frozenset] = None) -> None:
        link = _Link(self, parser)
        # The manager's own options come before its help switch, as in Flask-Script's usage line.
        link.record(add_options(parser, self.get_options(), set(self.help_args)))
        add_help(parser, self.help_args)
        chain = chain + (link,)
        parser.set_defaults(**{_CHAIN: chain})
        if not self._commands:
            return
        subparsers = parser.add_subparsers(**self.subparser_kwargs)
        for name, command in self._commands.items():
            help_text = getattr(command, "help", None)
            if help_text is None:
                help_text = command.__doc__
            description = getattr(command, "description", None)
            if description is None:
                description = command.__doc__
            subparser = subparsers.add_parser(
                name,
                usage=getattr(command, "usage", None),
                help=help_text,
                description=description,
                add_help=False,
            )
            if named is not None and name not in named:
                continue  # not chosen on this command line: its name and help suffice
            if isinstance(command, Manager):
                subparser.help_when_empty = True
                command.set_defaults()
                command._populate(subparser, chain, named)
                command.parser = subparser
                continue
            command_link = _Link(command, subparser)
            help_args = command.help_args if command.help_args is not None else self.help_args
            add_help(subparser, help_args)
            command_link.record(add_options(subparser, command.get_options(), set(help_args)))
            subparser.set_defaults(**{_CHAIN: chain + (command_link,)})
            command.parser = subparser

    def handle(self, prog: str, args: Optional[Sequence[str]] = None) -> Any:
        """Parse ``args``, run the selected command and return its result."""
        self.set_defaults()
        parser = self.create_parser(prog, named=args)
        args = list(args or [])
        if not args:
            parser.print_help()
            parser.exit(2)
        namespace, remaining = parser.parse_known_args(args)
        values = vars(namespace)
        chain = values.pop(_CHAIN)
        last = chain[-1]
        # Flask-Script's two usage errors, both from the top-level parser, in its order.
        if isinstance(last.handler, Manager):
            parser.error("too few arguments")
        capture = getattr(last.handler, "capture_all_args", False)
        if remaining and not capture:
            parser.error("too many arguments")

        result: Any = None
        for position, link in enumerate(chain):
            final = link is last
            own = link.dests if final else link.value_dests
            kwargs = {dest: values.pop(dest) for dest in own if dest in values}
            call_args: List[Any] = [] if position == 0 else [result]
            if final and capture:
                call_args.append(remaining)
            result = link.handler(*call_args, **kwargs)
        return result

    def run(self, commands: Optional[Dict[str, Any]] = None, default_command: Optional[str] = None) -> None:
        """Run the command named in ``sys.argv`` and exit with its result."""
        if commands:
            self._commands.update(commands)
        argv = list(sys.argv)
        if default_command is not None and len(argv) == 1:
            argv.append(default_command)
        try:
            try:
                result = self.handle(argv[0], argv[1:])
            except SystemExit as exc:
                result = exc.code
            flush_output()  # a full disk under `> file` is an error, not a short file and exit 0
        except UserError as exc:
            report(exc)
            result = exc.exit_code
        except BrokenPipeError:
            result = reader_went_away()
        except KeyboardInterrupt as exc:  # before a db operation took over, or in a command of the project's own
            interrupted = Interrupted(interruption_description(exc), exc)
            report(interrupted)
            result = interrupted.exit_code
        sys.exit(result or 0)


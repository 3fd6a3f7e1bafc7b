"""The argument shapes of the db subcommands: one class each, rendering itself for every command line.

A shape knows how argparse (``manage.py db``, through the Flask-Script API),
Click (``flask db``) and the usage line of README's reference take it; the
subcommand table (``subcommands.py``) only says which shape each parameter has.
This module imports nothing at import time (Click is loaded with Flask anyway,
and only when a ``flask db`` command is built).
"""

import inspect
from typing import Any, List, Tuple

#: What a default is when the operation has none.
NO_DEFAULT = inspect.Parameter.empty


class Argument:
    """One argument of a subcommand: the operation parameter it fills, its flags and its help."""

    #: The operation's default a shape requires (checked by the tests against each signature).
    required_default: Any = NO_DEFAULT

    def __init__(self, name: str, flags: Tuple[str, ...] = (), help: str = "") -> None:
        self.name = name
        self.flags = flags
        self.help = help

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self.name)

    @property
    def metavar(self) -> str:
        """Return how a command line shows the argument's value (``REVISION``)."""
        return self.name.upper()

    @property
    def spelling(self) -> str:
        """Return how an error message names the argument on a command line (``-m/--message``)."""
        return "/".join(self.flags) or self.metavar

    def click_parameter(self, default: Any) -> Any:
        """Return the ``click.Parameter`` of ``flask db`` for this argument."""
        raise NotImplementedError

    def script_option(self, script: Any, default: Any) -> Any:
        """Return the Flask-Script ``Option`` of ``manage.py db`` (argparse) for this argument."""
        raise NotImplementedError

    def usage(self) -> str:
        """Return the argument as the usage line shows it (``[--sql]``, ``REVISION``)."""
        raise NotImplementedError

    def _declared(self) -> List[str]:
        """Return click's declaration of an option: its flags, then the parameter it fills."""
        return [*self.flags, self.name]


class Flag(Argument):
    """An on-switch: ``--sql`` -> True."""

    required_default = False

    def click_parameter(self, default: Any) -> Any:
        import click

        return click.Option(self._declared(), is_flag=True, default=False, help=self.help)

    def script_option(self, script: Any, default: Any) -> Any:
        return script.Option(*self.flags, dest=self.name, action="store_true", default=False, help=self.help)

    def usage(self) -> str:
        return "[%s]" % self.flags[-1]


class Value(Argument):
    """An option with one value: ``-m MESSAGE`` -> str."""

    def click_parameter(self, default: Any) -> Any:
        import click

        return click.Option(self._declared(), default=default, help=self.help)

    def script_option(self, script: Any, default: Any) -> Any:
        return script.Option(*self.flags, dest=self.name, default=default, help=self.help)

    def usage(self) -> str:
        return "[%s %s]" % (self.flags[-1], self.metavar)


class Repeated(Value):
    """An option that may be given again: ``-x A -x B`` -> a list of str."""

    required_default = None

    def click_parameter(self, default: Any) -> Any:
        import click

        return click.Option(self._declared(), multiple=True, help=self.help)

    def script_option(self, script: Any, default: Any) -> Any:
        return script.Option(*self.flags, dest=self.name, action="append", default=None, help=self.help)


class OptionalPositional(Argument):
    """A positional that may be left out: ``[REVISION]``."""

    def click_parameter(self, default: Any) -> Any:
        import click

        return click.Argument([self.name], required=False, default=default)

    def script_option(self, script: Any, default: Any) -> Any:
        # shown as `revision`, as Flask-Migrate 2.x did
        return script.Option(self.name, nargs="?", default=default, help=self.help)

    def usage(self) -> str:
        return "[%s]" % self.metavar


class RequiredPositional(Argument):
    """A positional ``manage.py`` requires (Flask-Script 2.x's argparse made it so); ``flask db`` takes the
    operation's default when it has one, as Flask-Migrate 4's click command does."""

    def click_parameter(self, default: Any) -> Any:
        import click

        if default is NO_DEFAULT:
            return click.Argument([self.name], required=True)
        return click.Argument([self.name], required=False, default=default)

    def script_option(self, script: Any, default: Any) -> Any:
        return script.Option(self.name, help=self.help)

    def usage(self) -> str:
        return self.metavar


class Positionals(Argument):
    """Any number of positionals: ``[REVISIONS ...]``."""

    def click_parameter(self, default: Any) -> Any:
        import click

        return click.Argument([self.name], nargs=-1)

    def script_option(self, script: Any, default: Any) -> Any:
        return script.Option(self.name, nargs="*", default=default, help=self.help)

    def usage(self) -> str:
        return "[%s ...]" % self.metavar


"""The ``flask db`` click group, built from the subcommand table.

Errors are reported in one place, :meth:`DbGroup.invoke`: a :class:`UserError`
becomes ``Error: <one line>`` on stderr and its exit status, as under
``manage.py``.
"""

import inspect
from typing import IO, Any, Callable, List, Optional, Tuple

import click

from .commands import (
    DIRECTORY,
    FLAG,
    POSITIONALS,
    REPEATED,
    REQUIRED_POSITIONAL,
    SUBCOMMANDS,
    VALUE,
    X_ARG,
    Argument,
    Subcommand,
)
from .errors import UserError, flush_output, reader_went_away, report

_GROUP_OPTIONS = __name__  # where the group's own -d/-x wait for the subcommand, on the click context


class ReportedError(click.ClickException):
    """A :class:`UserError` on its way out of click: shown by :func:`errors.report`, with its exit status."""

    def __init__(self, error: UserError) -> None:
        super().__init__(str(error))
        self.error = error
        self.exit_code = error.exit_code  # type: ignore[misc]  # click reads the instance attribute

    def show(self, file: Optional[IO[Any]] = None) -> None:
        report(self.error, file)  # type: ignore[arg-type]


def _declared(argument: Argument) -> List[str]:
    """Return click's declaration of an option: its flags, then the parameter it fills."""
    return [*argument.flags, argument.name]


def _parameter(subcommand: Subcommand, argument: Argument) -> click.Parameter:
    default = subcommand.default(argument)
    if argument.shape == FLAG:
        return click.Option(_declared(argument), is_flag=True, default=False, help=argument.help)
    if argument.shape == VALUE:
        return click.Option(_declared(argument), default=default, help=argument.help)
    if argument.shape == REPEATED:
        return click.Option(_declared(argument), multiple=True, help=argument.help)
    if argument.shape == POSITIONALS:
        return click.Argument([argument.name], nargs=-1)
    if argument.shape == REQUIRED_POSITIONAL and default is inspect.Parameter.empty:
        return click.Argument([argument.name], required=True)
    return click.Argument([argument.name], required=False, default=default)


def _callback(subcommand: Subcommand) -> Callable[..., None]:
    def callback(**kwargs: Any) -> None:
        group_options = click.get_current_context().meta.get(_GROUP_OPTIONS, {})
        if "directory" in kwargs and kwargs["directory"] is None:
            kwargs["directory"] = group_options.get("directory")
        if "x_arg" in kwargs:
            kwargs["x_arg"] = list(group_options.get("x_arg", ())) + list(kwargs["x_arg"])
        if "revisions" in kwargs and not kwargs["revisions"]:
            kwargs.pop("revisions")
        subcommand.operation(**kwargs)

    return callback


class DbGroup(click.Group):
    """``flask db``: builds each subcommand when first asked for (every command of the app would
    otherwise pay for all of them) and reports their errors."""

    by_name = {subcommand.name: subcommand for subcommand in SUBCOMMANDS}

    def list_commands(self, ctx: click.Context) -> List[str]:
        return list(self.by_name)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        from flask.cli import with_appcontext

        if name not in self.commands and name in self.by_name:
            subcommand = self.by_name[name]
            self.add_command(click.Command(
                subcommand.name,
                callback=with_appcontext(_callback(subcommand)),
                params=[_parameter(subcommand, argument) for argument in subcommand.arguments],
                help=subcommand.help,
                short_help=subcommand.help,
            ))
        return self.commands.get(name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            flush_output()  # a full disk under `> file` is an error, not a short file and exit 0
            return result
        except UserError as exc:
            raise ReportedError(exc) from exc
        except BrokenPipeError:
            ctx.exit(reader_went_away())


def _remember_group_options(directory: Optional[str], x_arg: Tuple[str, ...]) -> None:
    click.get_current_context().meta[_GROUP_OPTIONS] = {"directory": directory, "x_arg": x_arg}


_db_group: Optional[DbGroup] = None


def db_group() -> DbGroup:
    """Return the ``flask db`` click group (built once per process)."""
    global _db_group
    if _db_group is None:
        _db_group = DbGroup(
            "db",
            help="Perform database migrations.",
            callback=_remember_group_options,
            params=[
                click.Option(_declared(DIRECTORY), default=None, help=DIRECTORY.help),
                click.Option(_declared(X_ARG), multiple=True, help=X_ARG.help),
            ],
        )
    return _db_group

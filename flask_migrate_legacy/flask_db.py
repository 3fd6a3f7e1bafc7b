"""The ``flask db`` click group, built from the subcommand table.

Errors are reported in one place, :meth:`DbGroup.invoke`: a :class:`UserError`
becomes ``Error: <one line>`` on stderr and its exit status, as under
``manage.py``.
"""

from typing import IO, Any, Callable, List, Optional, Tuple

import click

from .errors import UserError, flush_output, reader_went_away, report
from .subcommands import DIRECTORY, SUBCOMMANDS, X_ARG, Subcommand

_GROUP_OPTIONS = __name__  # where the group's own -d/-x wait for the subcommand, on the click context


class ReportedError(click.ClickException):
    """A :class:`UserError` on its way out of click: shown by :func:`errors.report`, with its exit status."""

    def __init__(self, error: UserError) -> None:
        super().__init__(str(error))
        self.error = error
        self.exit_code = error.exit_code  # type: ignore[misc]  # click reads the instance attribute

    def show(self, file: Optional[IO[Any]] = None) -> None:
        report(self.error, file)  # type: ignore[arg-type]


def _callback(subcommand: Subcommand) -> Callable[..., None]:
    def callback(**kwargs: Any) -> None:
        group_options = click.get_current_context().meta.get(_GROUP_OPTIONS, {})
        if "directory" in kwargs and kwargs["directory"] is None:
            kwargs["directory"] = group_options.get("directory")
        if "x_arg" in kwargs:
            kwargs["x_arg"] = list(group_options.get("x_arg", ())) + list(kwargs["x_arg"])
        if "revisions" in kwargs and not kwargs["revisions"]:
            kwargs.pop("revisions")
        subcommand.run(**kwargs)

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
                params=[argument.click_parameter(subcommand.default(argument)) for argument in subcommand.arguments],
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
                DIRECTORY.click_parameter(None),
                X_ARG.click_parameter(None),
            ],
        )
    return _db_group

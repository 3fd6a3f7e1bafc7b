"""The single table of db subcommands, and the two command lines built from it.

Each subcommand is one operation in ``operations.py``; its help is the
operation's docstring and each argument's default is the operation's default.
This table adds only what a command line needs: flags, help, and shape.
From it come ``MigrateCommand`` (for ``python manage.py db ...``), the
``flask db`` click group, and the reference in README.md.
"""

import inspect
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from . import operations
from .errors import UserError, report

# Argument shapes.
FLAG = "flag"  # --sql               -> bool
VALUE = "value"  # -m MESSAGE        -> str
REPEATED = "repeated"  # -x A -x B   -> list of str
OPTIONAL_POSITIONAL = "optional positional"  # [REVISION]
REQUIRED_POSITIONAL = "required positional"  # REVISION
POSITIONALS = "positionals"  # [REVISIONS ...]


class Argument(NamedTuple):
    """One argument of a subcommand: the operation parameter it fills, and how."""

    name: str
    shape: str
    flags: Tuple[str, ...]
    help: str


class Subcommand(NamedTuple):
    """One db subcommand: its name on the command line and its operation."""

    name: str
    operation: Callable[..., Any]
    arguments: Tuple[Argument, ...]

    @property
    def help(self) -> str:
        """Return the first line of the operation's docstring."""
        return (self.operation.__doc__ or "").strip().splitlines()[0]

    def default(self, argument: Argument) -> Any:
        """Return the operation's default for ``argument`` (``inspect.Parameter.empty`` if none)."""
        return _defaults_of(self.operation).get(argument.name, inspect.Parameter.empty)


def _defaults_of(function: Callable[..., Any]) -> Dict[str, Any]:
    """Return a function's parameter defaults by name.

    Read from the code object: ``inspect.signature`` for every argument of
    every subcommand cost ~2 ms, paid by each ``manage.py`` run.
    """
    function = getattr(function, "__wrapped__", function)
    code = function.__code__
    names = code.co_varnames[: code.co_argcount]
    defaults = function.__defaults__ or ()
    found = dict(zip(names[len(names) - len(defaults):], defaults))
    found.update(function.__kwdefaults__ or {})
    return found


DIRECTORY = Argument("directory", VALUE, ("-d", "--directory"), 'Migration script directory (default is "migrations")')
X_ARG = Argument("x_arg", REPEATED, ("-x", "--x-arg"), "Additional arguments consumed by custom env.py scripts")
MESSAGE = Argument("message", VALUE, ("-m", "--message"), "Revision message")
SQL = Argument("sql", FLAG, ("--sql",), "Don't emit SQL to database - dump to standard output instead")
TAG = Argument("tag", VALUE, ("--tag",), 'Arbitrary "tag" name - can be used by custom env.py scripts')
HEAD = Argument("head", VALUE, ("--head",), "Specify head revision or <branchname>@head to base new revision on")
SPLICE = Argument("splice", FLAG, ("--splice",), 'Allow a non-head revision as the "head" to splice onto')
BRANCH_LABEL = Argument("branch_label", VALUE, ("--branch-label",), "Specify a branch label to apply to the new revision")
VERSION_PATH = Argument("version_path", VALUE, ("--version-path",), "Specify specific path from config for version file")
REV_ID = Argument("rev_id", VALUE, ("--rev-id",), "Specify a hardcoded revision id instead of generating one")
VERBOSE = Argument("verbose", FLAG, ("-v", "--verbose"), "Use more verbose output")


def _revision(shape: str, help: str) -> Argument:
    return Argument("revision", shape, (), help)


_NEW_REVISION = (MESSAGE, SQL, HEAD, SPLICE, BRANCH_LABEL, VERSION_PATH, REV_ID)

SUBCOMMANDS: Tuple[Subcommand, ...] = (
    Subcommand("init", operations.init, (
        DIRECTORY,
        Argument("multidb", FLAG, ("--multidb",), "Support multiple databases"),
        Argument("template", VALUE, ("-t", "--template"), 'Repository template to use: a name or a folder (default is "flask")'),
        Argument("package", FLAG, ("--package",), "Write empty __init__.py files to the environment and version locations"),
    )),
    Subcommand("list-templates", operations.list_templates, ()),
    Subcommand("revision", operations.revision, (DIRECTORY,) + _NEW_REVISION[:1] + (
        Argument("autogenerate", FLAG, ("--autogenerate",),
                 "Populate revision script with candidate migration operations, based on comparison of database to model"),
    ) + _NEW_REVISION[1:] + (X_ARG,)),
    Subcommand("migrate", operations.migrate, (DIRECTORY,) + _NEW_REVISION + (X_ARG,)),
    Subcommand("edit", operations.edit, (DIRECTORY, _revision(OPTIONAL_POSITIONAL, "revision identifier"), X_ARG)),
    Subcommand("merge", operations.merge, (
        DIRECTORY,
        Argument("message", VALUE, ("-m", "--message"), "Merge revision message"),
        BRANCH_LABEL,
        REV_ID,
        Argument("revisions", POSITIONALS, (), "revisions to merge (default: all heads)"),
        X_ARG,
    )),
    Subcommand("upgrade", operations.upgrade, (DIRECTORY, SQL, TAG, _revision(OPTIONAL_POSITIONAL, "revision identifier"), X_ARG)),
    Subcommand("downgrade", operations.downgrade, (DIRECTORY, SQL, TAG, _revision(OPTIONAL_POSITIONAL, "revision identifier"), X_ARG)),
    Subcommand("show", operations.show, (DIRECTORY, _revision(OPTIONAL_POSITIONAL, "revision identifier"), X_ARG)),
    Subcommand("history", operations.history, (
        DIRECTORY,
        Argument("rev_range", VALUE, ("-r", "--rev-range"), "Specify a revision range; format is [start]:[end]"),
        VERBOSE,
        Argument("indicate_current", FLAG, ("-i", "--indicate-current"), "Indicate the current revision"),
        X_ARG,
    )),
    Subcommand("heads", operations.heads, (
        DIRECTORY,
        VERBOSE,
        Argument("resolve_dependencies", FLAG, ("--resolve-dependencies",), "Treat dependency versions as down revisions"),
        X_ARG,
    )),
    Subcommand("branches", operations.branches, (DIRECTORY, VERBOSE, X_ARG)),
    Subcommand("current", operations.current, (DIRECTORY, VERBOSE, X_ARG)),
    Subcommand("stamp", operations.stamp, (
        DIRECTORY,
        SQL,
        TAG,
        Argument("purge", FLAG, ("--purge",), "Delete the version table before stamping"),
        _revision(REQUIRED_POSITIONAL, "revision identifier"),
        X_ARG,
    )),
    Subcommand("check", operations.check, (DIRECTORY, X_ARG)),
    Subcommand("doctor", operations.doctor, (
        DIRECTORY,
        Argument("format", VALUE, ("--format",), "Report format: text or json"),
        Argument("fix", FLAG, ("--fix",), "Show the certainly-safe rewrites of revision files as a diff"),
        Argument("write", FLAG, ("--write",), "With --fix, write the rewritten files (each atomically)"),
    )),
)


def _metavar(argument: Argument) -> str:
    return argument.name.upper()


# -- MigrateCommand: a Flask-Script sub-manager --------------------------------------


def _script_option(script: Any, subcommand: Subcommand, argument: Argument) -> Any:
    default = subcommand.default(argument)
    if argument.shape == FLAG:
        return script.Option(*argument.flags, dest=argument.name, action="store_true", default=False, help=argument.help)
    if argument.shape == VALUE:
        return script.Option(*argument.flags, dest=argument.name, default=default, help=argument.help)
    if argument.shape == REPEATED:
        return script.Option(*argument.flags, dest=argument.name, action="append", default=None, help=argument.help)
    nargs = {OPTIONAL_POSITIONAL: "?", REQUIRED_POSITIONAL: None, POSITIONALS: "*"}[argument.shape]
    kwargs: Dict[str, Any] = {"help": argument.help}  # shown as `revision`, as Flask-Migrate 2.x did
    if nargs is not None:
        kwargs.update(nargs=nargs, default=default)
    return script.Option(argument.name, **kwargs)


def _script_runner(subcommand: Subcommand, handles_errors: bool) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            subcommand.operation(**kwargs)
        except UserError as exc:
            if not handles_errors:
                raise  # our Manager reports it
            report(exc)  # the real Flask-Script would print a traceback
            raise SystemExit(exc.exit_code) from None

    run.__doc__ = subcommand.help
    return run


def build_migrate_command(script: Any = None) -> Any:
    """Build the ``db`` sub-manager for a Flask-Script compatible ``script`` module.

    ``script`` defaults to ours; the real Flask-Script works too where it still runs.
    """
    if script is None:
        from . import script as our_script

        script = our_script
    ours = script.__name__ == __name__.rsplit(".", 1)[0] + ".script"
    manager = script.Manager(help="Perform database migrations", description="Perform database migrations")
    for subcommand in SUBCOMMANDS:
        command = script.Command()
        command.option_list = [_script_option(script, subcommand, a) for a in subcommand.arguments]
        command.run = _script_runner(subcommand, handles_errors=not ours)
        command.__doc__ = subcommand.help
        command.help = subcommand.help
        manager.add_command(subcommand.name, command)
    if not ours:
        # Added to our Manager (``flask.ext.script`` is always ours), it is rebuilt for it.
        manager.flask_migrate_legacy_equivalent = build_migrate_command
    return manager


def _script_module() -> Any:
    """Return the Flask-Script API ``manage.py`` files get: the real one where it runs, else ours.

    With the import hook on, ``flask_script`` is whichever of the two works here.
    """
    try:
        import flask_script
    except Exception:
        return None
    return flask_script if hasattr(flask_script, "Manager") else None


def __getattr__(name: str) -> Any:
    if name == "MigrateCommand":
        value = build_migrate_command(_script_module())
        globals()[name] = value
        return value
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


# -- the `flask db` click group ------------------------------------------------------


def _click_parameter(click: Any, subcommand: Subcommand, argument: Argument) -> Any:
    default = subcommand.default(argument)
    if argument.shape == FLAG:
        return click.Option(argument.flags, argument.name, is_flag=True, default=False, help=argument.help)
    if argument.shape == VALUE:
        return click.Option(argument.flags, argument.name, default=default, help=argument.help)
    if argument.shape == REPEATED:
        return click.Option(argument.flags, argument.name, multiple=True, help=argument.help)
    if argument.shape == OPTIONAL_POSITIONAL:
        return click.Argument([argument.name], required=False, default=default)
    if argument.shape == REQUIRED_POSITIONAL:
        return click.Argument([argument.name], required=True)
    return click.Argument([argument.name], nargs=-1)


def _click_callback(subcommand: Subcommand) -> Callable[..., Any]:
    import click

    def callback(**kwargs: Any) -> None:
        group_options = click.get_current_context().meta.get(__name__, {})
        if "directory" in kwargs and kwargs["directory"] is None:
            kwargs["directory"] = group_options.get("directory")
        if "x_arg" in kwargs:
            kwargs["x_arg"] = list(group_options.get("x_arg", ())) + list(kwargs["x_arg"])
        if "revisions" in kwargs and not kwargs["revisions"]:
            kwargs.pop("revisions")
        try:
            subcommand.operation(**kwargs)
        except UserError as exc:
            raise _click_error(click, exc) from exc

    return callback


def _click_error(click: Any, error: UserError) -> Any:
    class ReportedError(click.ClickException):
        exit_code = error.exit_code

        def show(self, file: Optional[Any] = None) -> None:
            report(error, file)

    return ReportedError(str(error))


_click_group: Optional[Any] = None


def click_group() -> Any:
    """Return the ``flask db`` click group (built once per process)."""
    global _click_group
    if _click_group is None:
        _click_group = _build_click_group()
    return _click_group


def _build_click_group() -> Any:
    import click
    from flask.cli import with_appcontext

    def group_callback(directory: Optional[str], x_arg: Tuple[str, ...]) -> None:
        click.get_current_context().meta[__name__] = {"directory": directory, "x_arg": x_arg}

    by_name = {subcommand.name: subcommand for subcommand in SUBCOMMANDS}

    class SubcommandsOnDemand(click.Group):
        """Build each subcommand when it is first asked for: every command of the app
        (``init_app`` registers this group) would otherwise pay for all of them."""

        def list_commands(self, ctx: Any) -> List[str]:
            return list(by_name)

        def get_command(self, ctx: Any, name: str) -> Any:
            if name not in self.commands and name in by_name:
                subcommand = by_name[name]
                self.add_command(click.Command(
                    subcommand.name,
                    callback=with_appcontext(_click_callback(subcommand)),
                    params=[_click_parameter(click, subcommand, a) for a in subcommand.arguments],
                    help=subcommand.help,
                    short_help=subcommand.help,
                ))
            return self.commands.get(name)

    return SubcommandsOnDemand(
        "db",
        help="Perform database migrations.",
        callback=group_callback,
        params=[
            click.Option(DIRECTORY.flags, DIRECTORY.name, default=None, help=DIRECTORY.help),
            click.Option(X_ARG.flags, X_ARG.name, multiple=True, help=X_ARG.help),
        ],
    )


# -- documentation ---------------------------------------------------------------------


def reference_markdown() -> str:
    """Render the subcommand reference README.md carries (a test keeps them equal)."""
    common = (DIRECTORY, X_ARG)
    lines = ["Every subcommand but `list-templates` takes:", ""]
    lines.extend("- %s: %s" % (_names(argument), argument.help) for argument in common)
    lines.append("")
    lines.append("`-x` may be repeated; `init` and `doctor` do not take it (they do not run env.py).")
    lines.append("")
    for subcommand in SUBCOMMANDS:
        own = [a for a in subcommand.arguments if a not in common]
        lines.append("#### `db %s`" % " ".join([subcommand.name] + [_usage(a) for a in own]))
        lines.append("")
        lines.append(subcommand.help)
        if own:
            lines.append("")
        for argument in own:
            default = subcommand.default(argument)
            if argument.shape == REQUIRED_POSITIONAL:
                shown = " (required)"
            elif default in (None, False, inspect.Parameter.empty):
                shown = ""
            else:
                shown = " (default: `%s`)" % default
            lines.append("- %s: %s%s" % (_names(argument), argument.help, shown))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _names(argument: Argument) -> str:
    return ", ".join("`%s`" % flag for flag in argument.flags) or "`%s`" % _metavar(argument)


def _usage(argument: Argument) -> str:
    if argument.shape == FLAG:
        return "[%s]" % argument.flags[-1]
    if argument.shape in (VALUE, REPEATED):
        return "[%s %s]" % (argument.flags[-1], _metavar(argument))
    if argument.shape == OPTIONAL_POSITIONAL:
        return "[%s]" % _metavar(argument)
    if argument.shape == REQUIRED_POSITIONAL:
        return _metavar(argument)
    return "[%s ...]" % _metavar(argument)

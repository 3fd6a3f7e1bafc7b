"""The single table of db subcommands: what each is, takes and needs.

Each subcommand is one operation in ``operations.py``; its help is the
operation's docstring and each argument's default is the operation's default.
An entry adds what the command lines need (flags, help, shape); what the
run needs (the Alembic command, the lock, revision files) is declared on the
operation (``@operation(...)``, see ``needs.py``) and shown as ``entry.needs``.
From the table come ``MigrateCommand`` (``migrate_command.py``), the ``flask db``
group (``flask_db.py``) and the reference in README.md.
"""

import enum
import inspect
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

from . import operations
from .needs import Needs, needs_of


class Shape(enum.Enum):
    """How a command line takes an argument; each command line renders every shape."""

    FLAG = "flag"  # --sql                                 -> bool
    VALUE = "value"  # -m MESSAGE                          -> str
    REPEATED = "repeated"  # -x A -x B                     -> list of str
    OPTIONAL_POSITIONAL = "optional positional"  # [REVISION]
    # REVISION: required by manage.py (Flask-Script 2.x's argparse made it so); `flask db` takes
    # the operation's default when it has one, as Flask-Migrate 4's click command does.
    REQUIRED_POSITIONAL = "required positional"
    POSITIONALS = "positionals"  # [REVISIONS ...]

    @property
    def nargs(self) -> Optional[str]:
        """Return argparse's ``nargs`` for a positional shape (None: exactly one)."""
        return {Shape.OPTIONAL_POSITIONAL: "?", Shape.POSITIONALS: "*"}.get(self)


FLAG, VALUE, REPEATED = Shape.FLAG, Shape.VALUE, Shape.REPEATED
OPTIONAL_POSITIONAL, REQUIRED_POSITIONAL, POSITIONALS = (
    Shape.OPTIONAL_POSITIONAL, Shape.REQUIRED_POSITIONAL, Shape.POSITIONALS)


class Argument(NamedTuple):
    """One argument of a subcommand: the operation parameter it fills, and how."""

    name: str
    shape: Shape
    flags: Tuple[str, ...]
    help: str


class Subcommand(NamedTuple):
    """One db subcommand: its name on the command line, its operation, and what it needs."""

    name: str
    operation: Callable[..., Any]
    arguments: Tuple[Argument, ...]

    @property
    def needs(self) -> Needs:
        """Return what the operation declared it runs and needs (lock, revision files)."""
        return needs_of(self.operation)

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
BRANCH_LABEL = Argument("branch_label", VALUE, ("--branch-label",),
                        "Specify a branch label to apply to the new revision")
VERSION_PATH = Argument("version_path", VALUE, ("--version-path",),
                        "Specify specific path from config for version file")
REV_ID = Argument("rev_id", VALUE, ("--rev-id",), "Specify a hardcoded revision id instead of generating one")
VERBOSE = Argument("verbose", FLAG, ("-v", "--verbose"), "Use more verbose output")


def _revision(shape: Shape, help: str) -> Argument:
    return Argument("revision", shape, (), help)


_OPTIONAL_REVISION = _revision(OPTIONAL_POSITIONAL, "revision identifier")
_NEW_REVISION = (MESSAGE, SQL, HEAD, SPLICE, BRANCH_LABEL, VERSION_PATH, REV_ID)

SUBCOMMANDS: Tuple[Subcommand, ...] = (
    Subcommand("init", operations.init, (
        DIRECTORY,
        Argument("multidb", FLAG, ("--multidb",), "Support multiple databases"),
        Argument("template", VALUE, ("-t", "--template"),
                 'Repository template to use: a name or a folder (default is "flask")'),
        Argument("package", FLAG, ("--package",),
                 "Write empty __init__.py files to the environment and version locations"),
    )),
    Subcommand("list-templates", operations.list_templates, ()),
    Subcommand("revision", operations.revision, (DIRECTORY,) + _NEW_REVISION[:1] + (
        Argument("autogenerate", FLAG, ("--autogenerate",), "Populate revision script with candidate migration "
                 "operations, based on comparison of database to model"),
    ) + _NEW_REVISION[1:] + (X_ARG,)),
    Subcommand("migrate", operations.migrate, (DIRECTORY,) + _NEW_REVISION + (X_ARG,)),
    Subcommand("edit", operations.edit, (DIRECTORY, _OPTIONAL_REVISION, X_ARG)),
    Subcommand("merge", operations.merge, (
        DIRECTORY,
        Argument("message", VALUE, ("-m", "--message"), "Merge revision message"),
        BRANCH_LABEL,
        REV_ID,
        Argument("revisions", POSITIONALS, (), "revisions to merge (default: all heads)"),
        X_ARG,
    )),
    Subcommand("upgrade", operations.upgrade, (DIRECTORY, SQL, TAG, _OPTIONAL_REVISION, X_ARG)),
    Subcommand("downgrade", operations.downgrade, (DIRECTORY, SQL, TAG, _OPTIONAL_REVISION, X_ARG)),
    Subcommand("show", operations.show, (DIRECTORY, _OPTIONAL_REVISION, X_ARG)),
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
        Argument("resolve_dependencies", FLAG, ("--resolve-dependencies",),
                 "Treat dependency versions as down revisions"),
        Argument("check", FLAG, ("--check",), "Fail (exit status 1) when the history has more than one head"),
        X_ARG,
    )),
    Subcommand("branches", operations.branches, (DIRECTORY, VERBOSE, X_ARG)),
    Subcommand("current", operations.current, (
        DIRECTORY,
        VERBOSE,
        Argument("check_heads", FLAG, ("--check-heads",),
                 "Fail (exit status 1) unless each database is at every head"),
        X_ARG,
    )),
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
        Argument("fix", FLAG, ("--fix",), "Show the certainly-safe rewrites of the project's files as a diff"),
        Argument("write", FLAG, ("--write",), "With --fix, write the rewritten files (each atomically)"),
    )),
)


def metavar(argument: Argument) -> str:
    """Return how a command line shows an argument's value (``REVISION``)."""
    return argument.name.upper()


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
                shown = " (required)" if default is inspect.Parameter.empty else (
                    " (required by `manage.py db`; `flask db` defaults to `%s`, as Flask-Migrate 4 does)" % default)
            elif default in (None, False, inspect.Parameter.empty) or "(default:" in argument.help:
                shown = ""
            else:
                shown = " (default: `%s`)" % default
            lines.append("- %s: %s%s" % (_names(argument), argument.help, shown))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _names(argument: Argument) -> str:
    return ", ".join("`%s`" % flag for flag in argument.flags) or "`%s`" % metavar(argument)


def _usage(argument: Argument) -> str:
    if argument.shape == FLAG:
        return "[%s]" % argument.flags[-1]
    if argument.shape in (VALUE, REPEATED):
        return "[%s %s]" % (argument.flags[-1], metavar(argument))
    if argument.shape == OPTIONAL_POSITIONAL:
        return "[%s]" % metavar(argument)
    if argument.shape == REQUIRED_POSITIONAL:
        return metavar(argument)
    return "[%s ...]" % metavar(argument)

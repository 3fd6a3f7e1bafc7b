"""The single table of db subcommands: what each is, takes and needs.

Each subcommand is one operation in ``operations.py``; its help is the
operation's docstring and each argument's default is the operation's default.
An entry adds what the command lines need: each parameter's shape (a class of
``arguments.py``), flags and help. What the run needs (the lock, revision files)
is declared on the operation (``@operation(...)``, see ``needs.py``) and shown
as ``entry.needs``. From the table come ``MigrateCommand``
(``migrate_command.py``), the ``flask db`` group (``flask_db.py``), and README's
reference and the package's exports (``scripts/regenerate.py``).
"""

import inspect
from typing import Any, Callable, Dict, NamedTuple, Tuple

from . import operations
from .arguments import (
    Argument,
    Flag,
    OptionalPositional,
    Positionals,
    Repeated,
    RequiredPositional,
    Value,
)
from .errors import ParameterError
from .needs import Needs, needs_of


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

    def run(self, **values: Any) -> None:
        """Run the operation with what a command line parsed; a bad value is named by its flag there."""
        try:
            self.operation(**values)
        except ParameterError as error:
            spelling = {argument.name: argument.spelling for argument in self.arguments}
            raise error.spelled(lambda name: spelling.get(name, name)) from error

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


DIRECTORY = Value("directory", ("-d", "--directory"), 'Migration script directory (default is "migrations")')
X_ARG = Repeated("x_arg", ("-x", "--x-arg"), "Additional arguments consumed by custom env.py scripts")
MESSAGE = Value("message", ("-m", "--message"), "Revision message")
SQL = Flag("sql", ("--sql",), "Don't emit SQL to database - dump to standard output instead")
TAG = Value("tag", ("--tag",), 'Arbitrary "tag" name - can be used by custom env.py scripts')
HEAD = Value("head", ("--head",), "Specify head revision or <branchname>@head to base new revision on")
SPLICE = Flag("splice", ("--splice",), 'Allow a non-head revision as the "head" to splice onto')
BRANCH_LABEL = Value("branch_label", ("--branch-label",),
                        "Specify a branch label to apply to the new revision")
VERSION_PATH = Value("version_path", ("--version-path",),
                        "Specify specific path from config for version file")
REV_ID = Value("rev_id", ("--rev-id",), "Specify a hardcoded revision id instead of generating one")
VERBOSE = Flag("verbose", ("-v", "--verbose"), "Use more verbose output")


_OPTIONAL_REVISION = OptionalPositional("revision", (), "revision identifier")
_NEW_REVISION = (MESSAGE, SQL, HEAD, SPLICE, BRANCH_LABEL, VERSION_PATH, REV_ID)

SUBCOMMANDS: Tuple[Subcommand, ...] = (
    Subcommand("init", operations.init, (
        DIRECTORY,
        Flag("multidb", ("--multidb",), "Support multiple databases"),
        Value("template", ("-t", "--template"),
                 'Repository template to use: a name or a folder (default is "flask")'),
        Flag("package", ("--package",),
                 "Write empty __init__.py files to the environment and version locations"),
    )),
    Subcommand("list-templates", operations.list_templates, ()),
    Subcommand("revision", operations.revision, (DIRECTORY,) + _NEW_REVISION[:1] + (
        Flag("autogenerate", ("--autogenerate",), "Populate revision script with candidate migration "
                 "operations, based on comparison of database to model"),
    ) + _NEW_REVISION[1:] + (X_ARG,)),
    Subcommand("migrate", operations.migrate, (DIRECTORY,) + _NEW_REVISION + (X_ARG,)),
    Subcommand("edit", operations.edit, (DIRECTORY, _OPTIONAL_REVISION, X_ARG)),
    Subcommand("merge", operations.merge, (
        DIRECTORY,
        Value("message", ("-m", "--message"), "Merge revision message"),
        BRANCH_LABEL,
        REV_ID,
        Positionals("revisions", (), "revisions to merge (default: all heads)"),
        X_ARG,
    )),
    Subcommand("upgrade", operations.upgrade, (DIRECTORY, SQL, TAG, _OPTIONAL_REVISION, X_ARG)),
    Subcommand("downgrade", operations.downgrade, (DIRECTORY, SQL, TAG, _OPTIONAL_REVISION, X_ARG)),
    Subcommand("show", operations.show, (DIRECTORY, _OPTIONAL_REVISION, X_ARG)),
    Subcommand("history", operations.history, (
        DIRECTORY,
        Value("rev_range", ("-r", "--rev-range"), "Specify a revision range; format is [start]:[end]"),
        VERBOSE,
        Flag("indicate_current", ("-i", "--indicate-current"), "Indicate the current revision"),
        X_ARG,
    )),
    Subcommand("heads", operations.heads, (
        DIRECTORY,
        VERBOSE,
        Flag("resolve_dependencies", ("--resolve-dependencies",),
                 "Treat dependency versions as down revisions"),
        Flag("check", ("--check",), "Fail (exit status 1) when the history has more than one head"),
        X_ARG,
    )),
    Subcommand("branches", operations.branches, (DIRECTORY, VERBOSE, X_ARG)),
    Subcommand("current", operations.current, (
        DIRECTORY,
        VERBOSE,
        Flag("check_heads", ("--check-heads",),
                 "Fail (exit status 1) unless each database is at every head"),
        X_ARG,
    )),
    Subcommand("stamp", operations.stamp, (
        DIRECTORY,
        SQL,
        TAG,
        Flag("purge", ("--purge",), "Delete the version table before stamping"),
        RequiredPositional("revision", (), "revision identifier"),
        X_ARG,
    )),
    Subcommand("check", operations.check, (DIRECTORY, X_ARG)),
    Subcommand("doctor", operations.doctor, (
        DIRECTORY,
        Value("format", ("--format",), "Report format: text or json"),
        Flag("fix", ("--fix",), "Show the certainly-safe rewrites of the project's files as a diff"),
        Flag("write", ("--write",), "With --fix, write the rewritten files (each atomically)"),
        Value("against", ("--against",), "Review only what this branch changes under the migrations folder, "
              "against this git ref (the base branch): heads once merged, rewritten revisions, lock safety"),
        Flag("review_all", ("--all",), "Review the lock safety of every revision, not only the branch's"),
        Value("verify", ("--verify",), "With a review: run each flagged revision, rolled back, on a scratch "
              "database of this PostgreSQL server (a URL) and report the locks it took and the tables it rewrote"),
    )),
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
        lines.append("#### `db %s`" % " ".join([subcommand.name] + [a.usage() for a in own]))
        lines.append("")
        lines.append(subcommand.help)
        if own:
            lines.append("")
        for argument in own:
            default = subcommand.default(argument)
            if isinstance(argument, RequiredPositional):
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
    return ", ".join("`%s`" % flag for flag in argument.flags) or "`%s`" % argument.metavar

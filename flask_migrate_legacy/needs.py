"""What a db operation needs, said once where the operation is defined.

``operations.operation(...)`` attaches a :class:`Needs` to each operation; the
subcommand table shows it, ``lock`` and ``foreign_errors`` act on it. This module
imports nothing, so every floor of the package can read it.
"""

from typing import Any, Callable, NamedTuple, Optional


class Needs(NamedTuple):
    """What an operation needs, declared once where it is defined (``@operation(...)``)
    and read by the table, the lock and the error translator."""

    #: It changes the database: it takes the migration lock, and a stopped run says where it left it.
    writes_database: bool = False
    #: It writes revision files: a failed run removes the ones it started.
    writes_revision_files: bool = False


def needs_of(operation: Optional[Callable[..., Any]]) -> Needs:
    """Return what ``operation`` declared it needs (nothing, for None or a plain function)."""
    return getattr(operation, "needs", Needs())


def command_name(operation: Optional[Callable[..., Any]]) -> str:
    """Return the subcommand name of ``operation`` (``list-templates`` for ``list_templates``)."""
    return operation.__name__.replace("_", "-") if operation is not None else "the command"

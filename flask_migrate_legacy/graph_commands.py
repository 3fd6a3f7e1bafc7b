"""``db heads``, ``branches``, ``show`` and ``history``: Alembic's output, from the cached revision graph.

Each prints what the ``alembic.command`` function of the same name prints
(the same in Alembic 1.12 to 1.20; the conformance tests compare them with the
originals), but reads the graph through ``revision_graph.script_directory``,
which does not run plain revision files. ``db current`` is in ``current_revisions``.
"""

from typing import Any, Iterable, Optional, Tuple

from .revision_graph import script_directory


def heads(config: Any, verbose: bool = False, resolve_dependencies: bool = False) -> None:
    """Print the heads of the history (with dependencies as down revisions, when asked)."""
    script = script_directory(config)
    found = script.get_revisions("heads" if resolve_dependencies else script.get_heads())
    for revision in found:
        config.print_stdout(revision.cmd_format(verbose, include_branches=True, tree_indicators=False))


def branches(config: Any, verbose: bool = False) -> None:
    """Print each branch point of the history, with the revisions it branches into."""
    script = script_directory(config)
    for revision in script.walk_revisions():
        if not revision.is_branch_point:
            continue
        children = "\n".join("%s -> %s" % (" " * len(str(revision.revision)), script.get_revision(child).cmd_format(
            False, include_branches=True, include_doc=verbose)) for child in revision.nextrev)
        config.print_stdout("%s\n%s\n", revision.cmd_format(verbose, include_branches=True), children)


def show(config: Any, rev: str) -> None:
    """Print the log entry of each revision ``rev`` names (``current``: the database's)."""
    script = script_directory(config)

    def print_entries(names: Any, context: Any = None) -> list:
        for revision in script.get_revisions(names):
            config.print_stdout(revision.log_entry)
        return []

    if rev == "current":
        _with_database(config, script, print_entries)
    else:
        print_entries(rev)


def history(config: Any, rev_range: Optional[str] = None, verbose: bool = False,
            indicate_current: bool = False) -> None:
    """Print the revisions from newest to oldest (within ``[start]:[end]``), marking the current ones when asked."""
    from alembic import util

    script = script_directory(config)
    base: Optional[str] = None
    head: Optional[str] = None
    if rev_range is not None:
        if ":" not in rev_range:
            raise util.CommandError("History range requires [start]:[end], [start]:, or :[end]")
        base, head = rev_range.strip().split(":")
    read_option = getattr(config, "get_alembic_option", config.get_main_option)  # Alembic < 1.16: main
    runs_env = util.asbool(read_option("revision_environment")) or indicate_current

    def print_range(start: Optional[str], end: Optional[str], currents: Iterable[str] = ()) -> None:
        currents = tuple(currents)
        for revision in script.walk_revisions(base=start or "base", head=end or "heads"):
            if indicate_current:
                revision._db_current_indicator = revision.revision in currents
            config.print_stdout(revision.cmd_format(verbose=verbose, include_branches=True, include_doc=True,
                                                    include_parents=True))

    if base == "current" or head == "current" or runs_env:
        def print_with_current(current: Tuple[str, ...], context: Any) -> list:
            if head == "current":
                print_range(base, current, current)  # type: ignore[arg-type]
            elif base == "current":
                print_range(current, head, current)  # type: ignore[arg-type]
            else:
                print_range(base, head, current)
            return []

        _with_database(config, script, print_with_current)
    else:
        print_range(base, head)


def _with_database(config: Any, script: Any, function: Any) -> None:
    """Run env.py with ``function`` called per database, as Alembic's commands that read the current revision."""
    from alembic.runtime.environment import EnvironmentContext

    with EnvironmentContext(config, script, fn=function):
        script.run_env()


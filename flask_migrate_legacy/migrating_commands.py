"""``db upgrade`` and ``downgrade``: Alembic's commands, with the revision files found the cheap way.

Both run as ``alembic.command.upgrade``/``downgrade`` run (the same in Alembic
1.12 to 1.20: one EnvironmentContext around env.py, whose ``fn`` asks the
ScriptDirectory for the steps), and every revision file is imported as Alembic
imports it; only the ScriptDirectory comes from
``revision_graph.script_directory(config, run_code=True)``, which lists the
folders without resolving each file's path (a third of the cost of loading 1,000
files). ``--sql`` and ``from:to`` ranges take Alembic's own commands unchanged.
"""

from typing import Any, Optional


def upgrade(config: Any, revision: str, sql: bool = False, tag: Optional[str] = None) -> None:
    """Upgrade the database to ``revision``, as ``alembic.command.upgrade`` does."""
    from alembic import command

    script = _script_of(config) if not sql and ":" not in revision else None
    if script is None:
        command.upgrade(config, revision, sql=sql, tag=tag)
        return
    _run_env(config, script, lambda current, context: script._upgrade_revs(revision, current), revision, tag)


def downgrade(config: Any, revision: str, sql: bool = False, tag: Optional[str] = None) -> None:
    """Downgrade the database to ``revision``, as ``alembic.command.downgrade`` does."""
    from alembic import command

    script = _script_of(config) if not sql and ":" not in revision else None
    if script is None:
        command.downgrade(config, revision, sql=sql, tag=tag)
        return
    _run_env(config, script, lambda current, context: script._downgrade_revs(revision, current), revision, tag)


def _script_of(config: Any) -> Optional[Any]:
    """The ScriptDirectory to run with, or None where Alembic's own command must run (its private step
    functions are missing)."""
    from alembic.script import ScriptDirectory

    if not (hasattr(ScriptDirectory, "_upgrade_revs") and hasattr(ScriptDirectory, "_downgrade_revs")):
        return None
    from .revision_graph import script_directory

    return script_directory(config, run_code=True)


def _run_env(config: Any, script: Any, steps: Any, revision: str, tag: Optional[str]) -> None:
    from alembic.runtime.environment import EnvironmentContext

    with EnvironmentContext(config, script, fn=steps, as_sql=False, starting_rev=None, destination_rev=revision,
                            tag=tag):
        script.run_env()

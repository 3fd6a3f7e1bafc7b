"""``db upgrade`` and ``downgrade``: Alembic's commands, with the revision files found the cheap way.

Both run as ``alembic.command.upgrade``/``downgrade`` run (the same in Alembic
1.12 to 1.20: one EnvironmentContext around env.py, whose ``fn`` asks the
ScriptDirectory for the steps), and every revision file is imported as Alembic
imports it. What differs: the ScriptDirectory comes from
``revision_graph.script_directory(config, run_code=True)``, which lists the
folders without resolving each file's path (a third of the cost of loading
1,000 files); a downgrade's steps answer through ``downgrade_steps``; and the
version row moves by ``version_updates``' statement, compiled once. ``--sql``,
``from:to`` ranges, and a command function the app (or a tool of its) replaced
or wrapped take ``alembic.command``'s function unchanged, as Flask-Migrate
called it.
"""

from typing import Any, Optional

#: Each command's ScriptDirectory method that lists its steps from the current revisions (what Alembic's
#: command of the same name asks for).
_STEPS = {"upgrade": "_upgrade_revs", "downgrade": "_downgrade_revs"}


def upgrade(config: Any, revision: str, sql: bool = False, tag: Optional[str] = None) -> None:
    """Upgrade the database to ``revision``, as ``alembic.command.upgrade`` does."""
    _run("upgrade", config, revision, sql, tag)


def downgrade(config: Any, revision: str, sql: bool = False, tag: Optional[str] = None) -> None:
    """Downgrade the database to ``revision``, as ``alembic.command.downgrade`` does."""
    _run("downgrade", config, revision, sql, tag)


def _run(name: str, config: Any, revision: str, sql: bool, tag: Optional[str]) -> None:
    from alembic import command
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    # --sql, a from:to range, an Alembic without the step method, or a patched command: alembic.command's
    if sql or ":" in revision or not hasattr(ScriptDirectory, _STEPS[name]) or _replaced(getattr(command, name)):
        getattr(command, name)(config, revision, sql=sql, tag=tag)
        return
    from .downgrade_steps import answering_in_constant_time
    from .revision_graph import script_directory
    from .version_updates import cached_version_updates

    script = script_directory(config, run_code=True)
    steps = getattr(script, _STEPS[name])

    with cached_version_updates() as adopt:

        def listed_steps(current: Any, context: Any) -> Any:
            adopt(context)
            listed = steps(revision, current)
            return answering_in_constant_time(listed) if name == "downgrade" else listed

        with EnvironmentContext(config, script, fn=listed_steps, as_sql=False, starting_rev=None,
                                destination_rev=revision, tag=tag):
            script.run_env()


def _replaced(function: Any) -> bool:
    """Tell whether ``alembic.command``'s function is no longer Alembic's own code (a mock, a wrapper,
    a replacement): calling it is what the originals did, so its owner's code runs."""
    from alembic import command

    code = getattr(function, "__code__", None)
    return code is None or code.co_filename != command.__file__

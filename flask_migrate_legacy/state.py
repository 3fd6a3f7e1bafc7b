"""The per-app state: what ``app.extensions['migrate']`` holds, what env.py files read, and what a run
hands down to the rooms that guard it.

``Migrate.init_app`` builds it; an operation looks it up once (:func:`current_state`)
and passes it on. It sits low in the house: it imports the error model, and when
used the Flask-SQLAlchemy differences, the Config builder and the masking; never
the extension above it.
"""

import contextlib
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Union

from .errors import MigrationError

if TYPE_CHECKING:  # for annotations only
    from typing import Protocol

    from .config import Config

    class RevisionCheck(Protocol):
        """What is checked after each revision (a held migration lock)."""

        def check(self, after: str) -> None: ...

XArg = Union[None, str, Sequence[str]]
#: ``Migrate.get_config`` where an app's subclass of ``Migrate`` overrides it.
ConfigBuilder = Callable[[Optional[str], XArg, Optional[Sequence[str]]], "Config"]


class MigrateState:
    """What ``app.extensions['migrate']`` holds; env.py files read these attributes."""

    def __init__(self, migrate: Any, db: Any, directory: str, given_args: Set[str],
                 configure_callbacks: List[Callable[["Config"], "Config"]],
                 own_config_builder: Optional[ConfigBuilder] = None, **configure_args: Any) -> None:
        #: The ``Migrate`` object (env.py files of Flask-Migrate 2.x read it; this package does not).
        self.migrate = migrate
        from .compat import LegacyDatabase  # (SQLAlchemy loads only when an app sets up Migrate)

        self.db = LegacyDatabase(db) if db is not None else None
        self.directory = directory
        #: Names of the context.configure arguments the user gave (not defaults).
        self.given_args = given_args
        self.configure_callbacks = configure_callbacks
        self._own_config_builder = own_config_builder
        self._configure_args = configure_args
        #: The env.py a db subcommand is running now (None outside of one).
        self.env_script: Optional[str] = None
        #: The migration locks held now (``lock.HeldLock``), checked after each revision.
        self.held_locks: List["RevisionCheck"] = []
        #: What else runs after each revision of a run (the joined session's reset).
        self.after_each_revision: List[Callable[[], None]] = []

    def config(self, directory: Optional[str] = None, x_arg: XArg = None,
               opts: Optional[Sequence[str]] = None) -> "Config":
        """Build the Alembic Config of a run (``directory`` defaults to the app's migrations folder)."""
        if self._own_config_builder is not None:
            return self._own_config_builder(directory, x_arg, opts)
        from .config import build_config
        from .masking import app_passwords

        return build_config(directory if directory is not None else self.directory, x_arg, opts,
                            app_passwords() if self.db is not None else [], self.configure_callbacks)

    @property
    def configure_args(self) -> Dict[str, Any]:
        """Return the arguments for ``context.configure`` that the running env.py can take.

        What was given to ``Migrate()`` always; the Flask-Migrate 4 defaults
        (``compare_type``, ``render_as_batch``) only for an env.py of a
        generation that expects them, and never for a keyword the env.py
        passes itself (see ``envpy.configure_args_for``). A fresh dict each
        time: some env.py files add keys to it, which must not leak into the
        next command run in the same process.
        """
        from .envpy import configure_args_for

        given = {name: value for name, value in self._configure_args.items() if name in self.given_args}
        defaults = {name: value for name, value in self._configure_args.items() if name not in given}
        args = configure_args_for(self.env_script, given, defaults)
        if (self.held_locks or self.after_each_revision) and not self._env_passes("on_version_apply"):
            args["on_version_apply"] = self._after_each_revision(args.get("on_version_apply"))
        return args

    def takes_per_revision_callbacks(self) -> bool:
        """Tell whether the running env.py lets this package act after each revision (it passes no
        ``on_version_apply`` of its own to ``context.configure``)."""
        return not self._env_passes("on_version_apply")

    def _env_passes(self, name: str) -> bool:
        from .envpy import read_env_script

        return self.env_script is not None and name in read_env_script(self.env_script).explicit

    def _after_each_revision(self, callback: Optional[Callable[..., Any]]) -> Callable[..., Any]:
        """Wrap Alembic's per-revision callback: the locks are checked, and the run's own resets made."""
        held_locks = list(self.held_locks)
        resets = list(self.after_each_revision)

        def on_version_apply(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
            if callback is not None:
                callback(ctx=ctx, step=step, heads=heads, run_args=run_args)
            for reset in resets:
                reset()
            verb = "applying" if getattr(step, "is_upgrade", True) else "undoing"
            applied = "%s revision %s" % (verb, getattr(step, "up_revision_id", None) or step)
            for held in held_locks:
                held.check(after=applied)

        return on_version_apply

    @contextlib.contextmanager
    def env_script_in_use(self, env_script: str) -> Iterator[None]:
        """Mark ``env_script`` as the env.py being run, for as long as the block lasts."""
        previous, self.env_script = self.env_script, env_script
        try:
            yield
        finally:
            self.env_script = previous

    @property
    def metadata(self) -> Any:
        """Return the models' MetaData (Flask-Migrate 1.x env.py files read it here)."""
        from .compat import all_tables_metadata, real_db

        return all_tables_metadata(real_db(self.db))


def current_state() -> MigrateState:
    """Return the state of the app in context; refuse, in one line, an app without ``Migrate``."""
    from flask import current_app

    state = current_app.extensions.get("migrate") if hasattr(current_app, "extensions") else None
    if state is None:
        raise MigrationError(
            "Flask-Migrate is not set up for this app: create Migrate(app, db) (or call migrate.init_app(app, db))"
        )
    return state


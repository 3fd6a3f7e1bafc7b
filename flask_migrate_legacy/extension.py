"""Migrate, the Flask extension, and the per-app state env.py files read."""

import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Union

from .compat import LegacyDatabase, MaskedStream, all_tables_metadata, iter_passwords, real_db
from .startup import report_startup_errors

if TYPE_CHECKING:  # for annotations only
    from flask import Flask

    from .config import Config
    from .lock import HeldLock

PathLike = Union[str, "os.PathLike[str]"]

#: What Flask-Migrate 4 passes to context.configure unless told otherwise.
DEFAULT_CONFIGURE_ARGS: Dict[str, Any] = {"compare_type": True, "render_as_batch": True}
ConfigureCallback = Callable[["Config"], "Config"]


report_startup_errors()


class MigrateState:
    """What ``app.extensions['migrate']`` holds; env.py files read these attributes."""

    def __init__(self, migrate: "Migrate", db: Any, **configure_args: Any) -> None:
        self.migrate = migrate
        self.db = LegacyDatabase(db) if db is not None else None
        self.directory = migrate.directory
        self._configure_args = configure_args
        #: The env.py a db subcommand is running now (None outside of one).
        self.env_script: Optional[str] = None
        #: The migration locks held now (``lock.HeldLock``), checked after each revision.
        self.held_locks: List["HeldLock"] = []
        #: What else runs after each revision of a run (the joined session's reset).
        self.after_each_revision: List[Callable[[], None]] = []

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

        given = {name: value for name, value in self._configure_args.items() if name in self.migrate.given_args}
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
    def running(self, env_script: str) -> Iterator[None]:
        """Mark ``env_script`` as the env.py being run, for as long as the block lasts."""
        previous, self.env_script = self.env_script, env_script
        try:
            yield
        finally:
            self.env_script = previous

    @property
    def metadata(self) -> Any:
        """Return the models' MetaData (Flask-Migrate 1.x env.py files read it here)."""
        return all_tables_metadata(real_db(self.db))


class Migrate:
    """Register Alembic-backed migrations for a Flask app and its Flask-SQLAlchemy db.

    Gives ``flask <command>`` (``flask db`` by default) and the state the
    ``MigrateCommand`` and module-level functions use.
    """

    def __init__(
        self,
        app: Optional["Flask"] = None,
        db: Any = None,
        directory: PathLike = "migrations",
        command: str = "db",
        compare_type: Optional[bool] = None,
        render_as_batch: Optional[bool] = None,
        **kwargs: Any,
    ) -> None:
        self.configure_callbacks: List[ConfigureCallback] = []
        self.db = db
        self.command = command
        self.directory = os.fspath(directory)
        #: Names of the context.configure arguments the user gave (not defaults).
        self.given_args: Set[str] = set()
        #: Every argument for context.configure, Flask-Migrate 4's defaults included.
        self.alembic_ctx_kwargs: Dict[str, Any] = dict(DEFAULT_CONFIGURE_ARGS)
        self._give(kwargs, compare_type, render_as_batch)
        if app is not None and db is not None:
            self.init_app(app, db, directory)

    def init_app(
        self,
        app: "Flask",
        db: Any = None,
        directory: Optional[PathLike] = None,
        command: Optional[str] = None,
        compare_type: Optional[bool] = None,
        render_as_batch: Optional[bool] = None,
        **kwargs: Any,
    ) -> None:
        """Attach to ``app``: store the state and register the ``flask db`` group."""
        self.db = db if db is not None else self.db
        self.command = command or self.command
        self.directory = os.fspath(directory) if directory is not None else self.directory
        self._give(kwargs, compare_type, render_as_batch)
        if not hasattr(app, "extensions"):
            app.extensions = {}
        app.extensions["migrate"] = MigrateState(self, self.db, **self.alembic_ctx_kwargs)
        if self.db is not None:
            from .traps import watch_connections

            watch_connections(app, self.db)
        from .flask_db import db_group

        app.cli.add_command(db_group(), name=self.command)

    def _give(self, kwargs: Dict[str, Any], compare_type: Optional[bool], render_as_batch: Optional[bool]) -> None:
        given = dict(kwargs)
        if compare_type is not None:
            given["compare_type"] = compare_type
        if render_as_batch is not None:
            given["render_as_batch"] = render_as_batch
        self.alembic_ctx_kwargs.update(given)
        self.given_args.update(given)

    def _passwords(self) -> List[str]:
        from flask import current_app

        if self.db is None or not current_app:
            return []
        return list(iter_passwords(current_app))

    def configure(self, callback: ConfigureCallback) -> ConfigureCallback:
        """Register a callback that receives and returns the Alembic Config (a decorator)."""
        self.configure_callbacks.append(callback)
        return callback

    def call_configure_callbacks(self, config: "Config") -> "Config":
        """Pass ``config`` through every configure callback, in registration order."""
        for callback in self.configure_callbacks:
            config = callback(config)
        return config

    def get_config(
        self,
        directory: Optional[PathLike] = None,
        x_arg: Union[None, str, Sequence[str]] = None,
        opts: Optional[Sequence[str]] = None,
    ) -> "Config":
        """Build the Alembic Config for ``directory`` with ``-x`` values and flags in cmd_opts."""
        import argparse

        from .config import Config

        directory = os.fspath(directory) if directory is not None else self.directory
        # What Alembic prints for us (current -v, show, history, the SQL of --sql) passes a mask.
        stream = MaskedStream(sys.stdout, self._passwords())
        config = Config(os.path.join(directory, "alembic.ini"), stdout=stream, output_buffer=stream)
        config.set_main_option("script_location", directory)
        if config.cmd_opts is None:
            config.cmd_opts = argparse.Namespace()
        for opt in opts or ():
            setattr(config.cmd_opts, opt, True)
        if isinstance(x_arg, str):
            x_arg = [x_arg]
        config.cmd_opts.x = list(x_arg or ())
        return self.call_configure_callbacks(config)

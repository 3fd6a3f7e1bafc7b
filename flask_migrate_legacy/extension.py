"""Migrate, the Flask extension: attaches the per-app state (``state.py``) and the ``flask db`` group."""

import os
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Set, Union

from .startup import report_startup_errors
from .state import MigrateState

if TYPE_CHECKING:  # for annotations only
    from flask import Flask

    from .config import Config

PathLike = Union[str, "os.PathLike[str]"]

#: What Flask-Migrate 4 passes to context.configure unless told otherwise.
DEFAULT_CONFIGURE_ARGS: Dict[str, Any] = {"compare_type": True, "render_as_batch": True}
ConfigureCallback = Callable[["Config"], "Config"]


report_startup_errors()


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
        overridden = type(self).get_config is not Migrate.get_config  # an app's subclass builds its own Config
        app.extensions["migrate"] = MigrateState(
            self, self.db, self.directory, self.given_args, self.configure_callbacks,
            own_config_builder=self.get_config if overridden else None, **self.alembic_ctx_kwargs)
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

    def configure(self, callback: ConfigureCallback) -> ConfigureCallback:
        """Register a callback that receives and returns the Alembic Config (a decorator)."""
        self.configure_callbacks.append(callback)
        return callback

    def call_configure_callbacks(self, config: "Config") -> "Config":
        """Pass ``config`` through every configure callback, in registration order."""
        from .config import apply_configure_callbacks

        return apply_configure_callbacks(config, self.configure_callbacks)

    def get_config(
        self,
        directory: Optional[PathLike] = None,
        x_arg: Union[None, str, Sequence[str]] = None,
        opts: Optional[Sequence[str]] = None,
    ) -> "Config":
        """Build the Alembic Config for ``directory`` with ``-x`` values and flags in cmd_opts."""
        from .config import build_config
        from .masking import app_passwords

        directory = os.fspath(directory) if directory is not None else self.directory
        return build_config(directory, x_arg, opts, app_passwords() if self.db is not None else [],
                            self.configure_callbacks)

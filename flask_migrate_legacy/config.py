"""The Alembic Config this package hands to alembic.command and to env.py."""

import os
import re
import sys
from typing import Any, Callable, List, Optional, Sequence, Union

from alembic import __version__ as _alembic_version_string
from alembic.config import Config as AlembicConfig

#: Alembic's version as a tuple of ints, as Flask-Migrate exported it.
alembic_version = tuple(int(part) for part in re.findall(r"\d+", _alembic_version_string)[:3])

TEMPLATES_DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

# A '%' that starts neither '%%' nor '%(': configparser would reject it.
_PERCENT = re.compile(r"%%|%\(|%")


def escape_lone_percents(value: str) -> str:
    """Double each '%' that configparser interpolation would reject, keep the rest."""
    return _PERCENT.sub(lambda match: match.group(0) if len(match.group(0)) == 2 else "%%", value)


class Config(AlembicConfig):
    """Alembic's Config, with our templates and a tolerance old env.py files need.

    Flask-Migrate 2.0-2.3 era env.py files set ``sqlalchemy.url`` without
    escaping '%', which breaks on passwords like ``p%40ss``; values are
    escaped here instead, so those files run unchanged.
    """

    def __init__(self, *args: Any, template_directory: Optional[str] = None, **kwargs: Any) -> None:
        self.template_directory = template_directory
        # Alembic's default is the sys.stdout of import time; take today's, so
        # output redirected by the caller (tests, contextlib) is captured.
        kwargs.setdefault("stdout", sys.stdout)
        super().__init__(*args, **kwargs)

    def get_template_directory(self) -> str:
        """Return the folder holding the repository templates."""
        return self.template_directory or TEMPLATES_DIRECTORY

    def set_section_option(self, section: str, name: str, value: str) -> None:
        """Set an option, escaping '%' signs that interpolation would reject."""
        super().set_section_option(section, name, escape_lone_percents(value))


def build_config(directory: str, x_arg: Union[None, str, Sequence[str]], opts: Optional[Sequence[str]],
                 passwords: List[str], configure_callbacks: Sequence[Callable[["Config"], "Config"]]) -> "Config":
    """Build the Alembic Config of the migrations folder ``directory``: ``-x`` values and flags in
    ``cmd_opts``, output masked of ``passwords``, then passed through the ``@migrate.configure`` callbacks."""
    import argparse

    from .masking import MaskedStream

    # What Alembic prints for us (current -v, show, history, the SQL of --sql) passes a mask.
    stream = MaskedStream(sys.stdout, passwords)
    config = Config(os.path.join(directory, "alembic.ini"), stdout=stream, output_buffer=stream)
    config.set_main_option("script_location", directory)
    if config.cmd_opts is None:
        config.cmd_opts = argparse.Namespace()
    for opt in opts or ():
        setattr(config.cmd_opts, opt, True)
    if isinstance(x_arg, str):
        x_arg = [x_arg]
    config.cmd_opts.x = list(x_arg or ())
    return apply_configure_callbacks(config, configure_callbacks)


def apply_configure_callbacks(config: "Config", callbacks: Sequence[Callable[["Config"], "Config"]]) -> "Config":
    """Pass ``config`` through the ``@migrate.configure`` callbacks, in registration order."""
    for callback in callbacks:
        config = callback(config)
    return config

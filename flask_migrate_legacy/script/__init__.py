"""A Flask-Script 2.0.6 compatible API that runs on today's Flask and Python.

Old ``manage.py`` files import these names from ``flask_script`` (or
``flask.ext.script``); the import hook points those names here.
"""

from .cli import prompt, prompt_bool, prompt_choices, prompt_pass
from .commands import Clean, Command, Group, Option, Server, Shell, ShowUrls
from .errors import InvalidCommand
from .manager import Manager

__all__ = [
    "Command",
    "Shell",
    "Server",
    "Manager",
    "Group",
    "Option",
    "prompt",
    "prompt_pass",
    "prompt_bool",
    "prompt_choices",
    "Clean",
    "ShowUrls",
    "InvalidCommand",
]

"""Errors of the Flask-Script compatible layer."""

from ..errors import UserError


class InvalidCommand(UserError):
    """Raise from a command to report a user error: its message only, exit 1."""


class NoAppError(UserError):
    """Raised when a command needs a Flask app and the manager has none."""


class EndOfInput(UserError):
    """Raised by a prompt when standard input ends before a valid answer."""

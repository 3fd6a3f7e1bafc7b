"""The files a command itself creates among the revision files: known exactly, never guessed.

A failed ``revision``/``migrate``/``merge`` removes what it wrote (a full disk
leaves an empty file), and only that: a teammate's revision or a ``git pull``
that lands in ``versions/`` meanwhile is not this process's. And no write of
this process replaces an existing revision file: the open is refused before a
byte is written.

Python's audit hooks (PEP 578) see every ``open`` this process makes. A hook
cannot be removed once added, so one is added on first use and does nothing
unless a recording is active.
"""

import contextlib
import os
import sys
import threading
from typing import Iterator, List, Optional, Sequence, Tuple

from .errors import UserError
from .paths import shown_path


class RevisionFileExists(UserError):
    """A write would have replaced an existing revision file; nothing was written."""

    def __init__(self, path: str) -> None:
        super().__init__("refusing to overwrite %s, which exists: choose another --rev-id or message (nothing was "
                         "written)" % shown_path(path))


class _Recording:
    def __init__(self, folders: Sequence[str]) -> None:
        self.folders = tuple(os.path.join(os.path.realpath(folder), "") for folder in folders)
        self.created: List[str] = []
        self.thread = threading.get_ident()

    def watches(self, path: str) -> bool:
        return os.path.realpath(path).startswith(self.folders)


_recording: Optional[_Recording] = None
_hooked = False
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _writes(mode: Optional[str], flags: int) -> bool:
    if isinstance(mode, str):
        return any(letter in mode for letter in "wax+")
    return bool(flags & _WRITE_FLAGS)


def _audit(event: str, arguments: Tuple[object, ...]) -> None:
    recording = _recording
    if recording is None or event != "open" or threading.get_ident() != recording.thread:
        return
    path, mode, flags = (tuple(arguments) + (None, 0))[:3]
    if not isinstance(path, (str, bytes, os.PathLike)) or not _writes(mode, flags or 0):  # type: ignore[arg-type]
        return
    path = os.fsdecode(path)
    if not recording.watches(path):
        return
    if os.path.lexists(path):
        if os.path.realpath(path) not in recording.created:
            raise RevisionFileExists(path)
        return
    recording.created.append(os.path.realpath(path))


@contextlib.contextmanager
def removed_on_failure(folders: Sequence[str]) -> Iterator[None]:
    """Refuse to replace a file under ``folders``; on failure, remove the files this block created there."""
    global _recording, _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    previous, _recording = _recording, _Recording(folders)
    recording = _recording
    try:
        yield
    except BaseException:
        for path in recording.created:
            with contextlib.suppress(OSError):
                os.remove(path)
        raise
    finally:
        _recording = previous

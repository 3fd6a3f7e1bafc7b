"""How a file's path appears in a message: relative to the current folder where that reads well."""

import os


def shown_path(path: str) -> str:
    """Return ``path`` relative to the current folder, unless it lies two or more levels above it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative.startswith(os.pardir + os.sep + os.pardir) else relative

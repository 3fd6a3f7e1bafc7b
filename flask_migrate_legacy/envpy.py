"""What a project's ``env.py`` passes to ``context.configure``, read from its source, never run.

Projects edited the ``env.py`` that ``db init`` wrote: many pass ``compare_type=``
or ``render_as_batch=`` themselves beside ``**configure_args``. Knowing those
keywords (and the file's generation) lets ``Migrate`` hand each file the
arguments that file can take.
"""

import ast
from typing import Any, Dict, NamedTuple, Optional

from .paths import shown_path

#: Text only env.py files of a generation that expects Migrate's defaults contain:
#: Flask-Migrate >= 4.0 (``metadatas``), 4.1 (``conf_args``, ``render_as_string``) and ours.
_DEFAULTS_ERA_MARKERS = (b"metadatas", b"conf_args", b"render_as_string")


class EnvScript(NamedTuple):
    """What one env.py does with ``context.configure``."""

    #: keyword -> line of the first ``context.configure(keyword=...)`` naming it
    explicit: Dict[str, int]
    #: written by a generation whose Migrate gave compare_type/render_as_batch defaults
    expects_defaults: bool


#: By the file's bytes: an edit that keeps its size and time stamp is read again all the same.
_CACHE: Dict[bytes, EnvScript] = {}


def read_env_script(path: str) -> EnvScript:
    """Return what ``path`` passes to ``context.configure`` (parsed once per content).

    A file that cannot be read or parsed gives an empty answer: running it
    will report the real problem.
    """
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError:
        return EnvScript({}, True)
    if content not in _CACHE:
        _CACHE[content] = _parsed(content, path)
    return _CACHE[content]


def _parsed(content: bytes, path: str) -> EnvScript:
    try:
        tree = ast.parse(content, path)  # bytes: decoded as Python decodes a source file (coding line, BOM)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return EnvScript({}, True)
    explicit: Dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_configure_call(node):
            for keyword in node.keywords:
                if keyword.arg is not None and keyword.arg not in explicit:
                    explicit[keyword.arg] = keyword.value.lineno
    return EnvScript(explicit, any(marker in content for marker in _DEFAULTS_ERA_MARKERS))


def _is_configure_call(node: ast.AST) -> bool:
    """Tell whether ``node`` is ``context.configure(...)`` (or ``<anything>.context.configure``)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr != "configure":
        return False
    owner = node.func.value
    return (isinstance(owner, ast.Name) and owner.id == "context") or (
        isinstance(owner, ast.Attribute) and owner.attr == "context"
    )


def configure_args_for(path: Optional[str], given: Dict[str, Any], defaults: Dict[str, Any]) -> Dict[str, Any]:
    """Return the ``configure_args`` an env.py at ``path`` can pass on without a clash.

    ``given`` are the arguments the user gave ``Migrate()``: they always reach
    env.py, as under Flask-Migrate 2.x; one the file also passes itself is an
    error naming its line (Flask-Migrate failed there with a TypeError).
    ``defaults`` reach only files of a generation that expects them, and never
    a keyword the file passes itself. ``path`` None: the file is unknown, so
    defaults and given arguments are merged as Flask-Migrate 4 does.
    """
    if path is None:
        return dict(defaults, **given)
    script = read_env_script(path)
    for name in given:
        if name in script.explicit:
            from .errors import MigrationError

            raise MigrationError(
                "%s, line %d passes %s= to context.configure() and Migrate() was given %s too (Flask-Migrate "
                "failed here with 'got multiple values for keyword argument'): remove one of the two"
                % (shown_path(path), script.explicit[name], name, name)
            )
    args = dict(given)
    if script.expects_defaults:
        for name, value in defaults.items():
            if name not in script.explicit:
                args.setdefault(name, value)
    return args


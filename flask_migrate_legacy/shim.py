"""The import hook that lets old import lines work: flask.ext.*, flask_script, flask_migrate.

Installed at interpreter start by ``flask_migrate_legacy.pth``, so this module
imports nothing but ``sys`` and ``os`` until an aliased name is imported.

Rules:
- ``flask.ext.NAME[.SUB]`` is ``flask_NAME[.SUB]`` (else ``flaskext.NAME[.SUB]``, as
  old Flask did), for every NAME: ``flask.ext.script`` and ``flask.ext.migrate``
  follow the two rules below, as ``flask_script`` and ``flask_migrate`` do.
- ``flask_script[.SUB]`` is the real Flask-Script where it is installed and runs
  here, else ``flask_migrate_legacy.script[.SUB]``.
- ``flask_migrate[.SUB]`` is ``flask_migrate_legacy[.SUB]`` unless the real
  Flask-Migrate is installed.
An alias is the same module object, not a copy. ``FLASK_MIGRATE_LEGACY_NO_ALIASES=1``
turns every rule off.
"""

import os
import sys

DISABLE_ENV = "FLASK_MIGRATE_LEGACY_NO_ALIASES"


class _AliasLoader:
    """Load a name as an existing module: the target, imported under its own name."""

    def __init__(self, resolve):
        self._resolve = resolve

    def create_module(self, spec):
        return self._resolve()

    def exec_module(self, module):
        """Do nothing: the target module ran when it was imported under its own name."""


class _EmptyPackageLoader:
    """Create ``flask.ext``, the empty package old Flask had."""

    def create_module(self, spec):
        return None  # the default: an empty module

    def exec_module(self, module):
        module.__doc__ = "Old Flask's extension namespace, kept by flask-migrate-legacy."


def _import(name):
    import importlib

    return importlib.import_module(name)


def _import_extension(name, fallback, shown_name):
    """Import ``name``, else ``fallback``; name ``name`` when neither exists."""
    try:
        return _import(name)
    except ModuleNotFoundError as exc:
        if exc.name not in _parents(name):
            raise  # the extension exists but a module it needs does not
    try:
        return _import(fallback)
    except ModuleNotFoundError as exc:
        if exc.name not in _parents(fallback):
            raise
    raise ModuleNotFoundError(
        "No module named %r (imported as %r): install the Flask extension that provides it" % (name, shown_name),
        name=name,
    )


def _parents(name):
    parts = name.split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts))}


class LegacyImportFinder:
    """A meta path finder (the ``MetaPathFinder.find_spec`` protocol) for old import names.

    It does not subclass ``importlib.abc.MetaPathFinder``: importing that
    module costs ~40 ms at interpreter start, and this class is loaded in
    every Python process of the environment.
    """

    def __init__(self):
        self._flask_script_is_real = None

    def find_spec(self, fullname, path=None, target=None):
        """Return a spec aliasing ``fullname``, or None for names this hook leaves alone."""
        head = fullname.partition(".")[0]
        if head == "flask":
            return self._flask_ext_spec(fullname)
        if head == "flask_script":
            return self._flask_script_spec(fullname)
        if head == "flask_migrate":
            return self._flask_migrate_spec(fullname)
        return None

    def invalidate_caches(self):
        """Forget which Flask-Script was chosen (for tests that change the environment)."""
        self._flask_script_is_real = None

    @staticmethod
    def _spec(fullname, loader, is_package=False):
        from importlib.machinery import ModuleSpec

        return ModuleSpec(fullname, loader, is_package=is_package)

    def _flask_ext_spec(self, fullname):
        parts = fullname.split(".")
        if len(parts) < 2 or parts[1] != "ext":
            return None
        if len(parts) == 2:
            return self._spec(fullname, _EmptyPackageLoader(), is_package=True)
        name, rest = parts[2], parts[3:]
        target = ".".join(["flask_" + name] + rest)
        fallback = ".".join(["flaskext", name] + rest)
        return self._spec(fullname, _AliasLoader(lambda: _import_extension(target, fallback, fullname)))

    def _flask_script_spec(self, fullname):
        if fullname == "flask_script":
            real_spec = _runnable_flask_script_spec()
            if real_spec is not None:
                return self._spec(fullname, _RealOrOursLoader(self, real_spec), is_package=True)
            self._flask_script_is_real = False
        if self._flask_script_is_real:
            return None
        target = "flask_migrate_legacy.script" + fullname[len("flask_script"):]
        return self._spec(fullname, _AliasLoader(lambda: _import(target)))

    def _flask_migrate_spec(self, fullname):
        from importlib.machinery import PathFinder

        if PathFinder.find_spec("flask_migrate") is not None:
            if fullname == "flask_migrate":
                _say_which_flask_migrate()
            return None  # the real Flask-Migrate is installed: never shadow it
        target = "flask_migrate_legacy" + fullname[len("flask_migrate"):]
        return self._spec(fullname, _AliasLoader(lambda: _import(target)))


_SAID = [False]  # said once per process


def _say_which_flask_migrate():
    """Say once, on stderr, that a real Flask-Migrate 2.x answers ``import flask_migrate`` instead of this package.

    pip leaves it installed when a project drops it from its requirements; then
    ``manage.py db ...`` runs the original silently, without this package's lock,
    masking and checks. (3.0 and later have no MigrateCommand: the start-up hint
    explains that ImportError.)
    """
    if _SAID[0]:
        return
    _SAID[0] = True
    try:
        from importlib.metadata import version

        installed = version("Flask-Migrate")
        if int(installed.split(".")[0]) >= 3:
            return
    except Exception:
        return
    sys.stderr.write("flask-migrate-legacy: Flask-Migrate %s is installed, so `import flask_migrate` gets it, not "
                     "this package: its commands run without the migration lock, password masking and checks, and "
                     "have no `db doctor`; `pip uninstall Flask-Migrate` (this package answers the same imports)\n"
                     % installed)


class _RealOrOursLoader:
    """Run the real Flask-Script; if it fails to import, use ours instead."""

    def __init__(self, finder, real_spec):
        self._finder = finder
        self._real_spec = real_spec

    def create_module(self, spec):
        from importlib.util import module_from_spec

        self._finder._flask_script_is_real = True  # its own submodules load normally
        module = module_from_spec(self._real_spec)
        sys.modules[spec.name] = module
        try:
            self._real_spec.loader.exec_module(module)
            return module
        except Exception:
            for name in [n for n in sys.modules if n == "flask_script" or n.startswith("flask_script.")]:
                del sys.modules[name]
            self._finder._flask_script_is_real = False
            return _import("flask_migrate_legacy.script")

    def exec_module(self, module):
        """Do nothing: create_module already ran the chosen package."""


def _runnable_flask_script_spec():
    """Return the spec of an installed Flask-Script that can work here, or None.

    Flask-Script 2.0.6 needs ``flask._compat`` (gone in Flask 2.0) and
    ``inspect.getargspec`` (gone in Python 3.11).
    """
    from importlib.machinery import PathFinder
    from importlib.util import find_spec

    spec = PathFinder.find_spec("flask_script")
    if spec is None or spec.loader is None:
        return None
    import inspect

    if not hasattr(inspect, "getargspec"):
        return None
    try:
        if find_spec("flask._compat") is None:
            return None
    except Exception:
        return None
    return spec


def aliases_disabled():
    """Tell whether the user turned aliasing off with FLASK_MIGRATE_LEGACY_NO_ALIASES."""
    if not os.environ.get(DISABLE_ENV):
        return False  # the common case, without importing the parser at every interpreter start
    from .switches import read_switch

    try:
        return read_switch(DISABLE_ENV, False)
    except ValueError as exc:  # at interpreter start: say so, keep the aliases, never stop Python
        sys.stderr.write("flask-migrate-legacy: %s; the import aliases stay on\n" % exc)
        return False


def _hint_after_traceback(previous):
    """Wrap ``previous`` (an excepthook) to add one line after its traceback for a known removal.

    Installed at interpreter start, before an app's own imports run: a project
    whose ``from wtforms import TextField`` fails before anything imports this
    package still hears what removed it. Silent for every other error, and for
    errors raised inside installed packages.
    """

    def excepthook(kind, error, trace):
        previous(kind, error, trace)
        if not issubclass(kind, (ImportError, AttributeError, TypeError)):
            return
        try:
            from .removals import hint_line

            line = hint_line(error)
            if line is not None:
                sys.stderr.write("flask-migrate-legacy: %s\n" % line)
        except Exception:  # a hint must never hide the error
            pass

    excepthook.adds_removal_hints = True  # type: ignore[attr-defined]
    return excepthook


def install():
    """Put the finder first on ``sys.meta_path`` (once), unless aliasing is disabled; add the removal hint."""
    if aliases_disabled():
        return None
    if not getattr(sys.excepthook, "adds_removal_hints", False):
        sys.excepthook = _hint_after_traceback(sys.excepthook)
    for finder in sys.meta_path:
        if type(finder).__name__ == LegacyImportFinder.__name__ and type(finder).__module__ == __name__:
            return finder
    finder = LegacyImportFinder()
    sys.meta_path.insert(0, finder)
    return finder


def uninstall():
    """Remove the finder from ``sys.meta_path``."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, LegacyImportFinder)]

"""Run a project's two command lines inside the test process, as its own process would run them.

``manage_in_process`` runs ``manage.py`` as ``__main__`` (so ``manager.run()``
and its exit status are the real ones) and ``flask_db_in_process`` calls
Flask's own ``flask`` command group, each with the folder, argv, environment,
standard streams and import state a fresh ``python`` process would have, then
puts everything back and closes the engines the project created. The result
is a ``subprocess.CompletedProcess``, so a test reads it like a real run.

Starting a process costs ~0.4 s (importing Flask, SQLAlchemy and Alembic);
this costs the command's own work. What only a real process shows (the
import hook at interpreter start, signals, the start-up excepthook) stays in
the tests marked ``e2e``.
"""

import contextlib
import importlib
import io
import os
import runpy
import subprocess
import sys
import warnings
from typing import Any, Callable, Dict, Iterator, Optional, Sequence

from helpers import clean_env


class _Stream(io.TextIOWrapper):
    """A UTF-8 text stream kept in memory (Alembic encodes output with the stream's encoding)."""

    def __init__(self, text: str = "") -> None:
        super().__init__(io.BytesIO(text.encode("utf-8")), encoding="utf-8", write_through=True)

    def isatty(self) -> bool:
        return False

    def text(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]


@contextlib.contextmanager
def _fresh_process_state(folder: str, argv: Sequence[str], env: Optional[Dict[str, str]],
                         input: Optional[str]) -> Iterator[Dict[str, _Stream]]:
    saved = dict(environ=dict(os.environ), path=list(sys.path), argv=list(sys.argv), cwd=os.getcwd(),
                 modules=set(sys.modules), bytecode=sys.dont_write_bytecode,
                 streams=(sys.stdin, sys.stdout, sys.stderr))
    streams = {"stdout": _Stream(), "stderr": _Stream()}
    environment = clean_env(env)
    os.environ.clear()
    os.environ.update(environment)
    sys.path.insert(0, folder)
    sys.argv = list(argv)
    os.chdir(folder)
    sys.dont_write_bytecode = True  # a rewritten app.py must not run from a stale .pyc
    importlib.invalidate_caches()
    sys.stdin, sys.stdout, sys.stderr = _Stream(input or ""), streams["stdout"], streams["stderr"]
    try:
        with warnings.catch_warnings():
            _python_default_warning_filters()  # a process prints warnings; it does not raise them
            warnings.showwarning = _print_warning
            yield streams
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved["streams"]
        loaded = [name for name in set(sys.modules) - saved["modules"] if _defined_in(sys.modules[name], folder)]
        _close_engines([sys.modules[name] for name in loaded])
        for name in loaded:
            del sys.modules[name]
        os.chdir(saved["cwd"])
        sys.path[:] = saved["path"]
        sys.argv = saved["argv"]
        sys.dont_write_bytecode = saved["bytecode"]
        os.environ.clear()
        os.environ.update(saved["environ"])


def _python_default_warning_filters() -> None:
    """Set the filters a fresh interpreter starts with (DeprecationWarning shown in __main__ only)."""
    warnings.resetwarnings()
    for category in (ResourceWarning, ImportWarning, PendingDeprecationWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")


def _print_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
                   line: Optional[str] = None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _defined_in(module: Any, folder: str) -> bool:
    path = getattr(module, "__file__", None) or ""
    return os.path.abspath(path).startswith(os.path.abspath(folder) + os.sep)


def _close_engines(modules: Sequence[Any]) -> None:
    """Dispose of every engine the project's Flask-SQLAlchemy objects made (no connection left open)."""
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_migrate_legacy.compat import engines_of

    for module in modules:
        apps = [value for value in vars(module).values() if isinstance(value, Flask)]
        for db in [value for value in vars(module).values() if isinstance(value, SQLAlchemy)]:
            for app in apps:
                if "sqlalchemy" not in app.extensions:
                    continue
                with app.app_context(), contextlib.suppress(Exception):  # a broken URL has no engine
                    for engine in engines_of(db, app).values():
                        engine.dispose()


def _exit_status(run: Callable[[], Any]) -> int:
    """Call ``run`` and return the status its process would exit with."""
    try:
        run()
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        sys.stderr.write("%s\n" % exc.code)
        return 1
    except BaseException as exc:  # what Python does with an uncaught exception
        sys.excepthook(type(exc), exc, exc.__traceback__)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    return 0


def _completed(argv: Sequence[str], status: int, streams: Dict[str, _Stream]) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess(list(argv), status, streams["stdout"].text(), streams["stderr"].text())


def manage_in_process(folder: str, *args: str, env: Optional[Dict[str, str]] = None, input: Optional[str] = None,
                      script: str = "manage.py") -> subprocess.CompletedProcess:
    """Run ``python manage.py ARGS`` in ``folder``, in this process."""
    argv = [script] + list(args)
    with _fresh_process_state(folder, argv, env, input) as streams:
        status = _exit_status(lambda: runpy.run_path(os.path.join(folder, script), run_name="__main__"))
    return _completed(argv, status, streams)


def flask_db_in_process(folder: str, *args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """Run ``flask db ARGS`` in ``folder`` with FLASK_APP=app.py, in this process."""
    argv = ["flask", "db"] + list(args)
    with _fresh_process_state(folder, argv, dict(env or {}, FLASK_APP="app.py"), None) as streams:
        from flask.cli import cli

        status = _exit_status(lambda: cli.main(args=argv[1:], prog_name="flask"))
    return _completed(argv, status, streams)


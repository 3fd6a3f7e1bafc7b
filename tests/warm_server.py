"""A warm interpreter that forks one real process per ``python SCRIPT ARGS`` or ``python -m MODULE ARGS``.

Started by ``warm.py`` (``python -c BOOT SOCKET MODULE...``, so that ``__main__`` is
free for the programs it runs): it imports
the given third-party modules once (Flask, SQLAlchemy, Alembic and what they
use; never this package, whose import hook is installed by its .pth file as
in every interpreter, nor a project's code), then serves requests on the Unix
socket. Each request carries argv, the folder, the environment and three file
descriptors (stdin, stdout, stderr); the server forks a child that puts them
in place, runs the program in the real ``__main__`` module as the interpreter's
main does, and then ends through the interpreter's own exit (SystemExit,
tracebacks, Ctrl-C, threads, atexit, flushing, module teardown). The child is a
real process with its own exit status and signals; only the imports of those
modules are already done.

Runs on every Python the suite runs (3.8 and up) and imports nothing of the tests.
"""

import json
import os
import selectors
import signal
import socket
import struct
import sys
import warnings

_HEADER = struct.Struct("!I")


def _receive(connection):
    """Read one request (length-prefixed JSON) and the three descriptors sent with it."""
    fds = []
    data = b""
    while len(data) < _HEADER.size or len(data) < _HEADER.size + _HEADER.unpack_from(data)[0]:
        chunk, ancillary, _flags, _address = connection.recvmsg(65536, socket.CMSG_SPACE(3 * 4))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.extend(struct.unpack("%di" % (len(payload) // 4), payload[: len(payload) - len(payload) % 4]))
        if not chunk:
            raise EOFError("the client closed the connection mid-request")
        data += chunk
    return json.loads(data[_HEADER.size:].decode("utf-8")), fds


def _send(connection, message):
    body = json.dumps(message).encode("utf-8")
    connection.sendall(_HEADER.pack(len(body)) + body)


def _returncode(status):
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _run_main(request):
    """Run the request's program in this (forked) process, then end as the interpreter ends.

    Its SystemExit, an uncaught exception (KeyboardInterrupt included) or its
    end leave through the interpreter's own exit: threads joined, atexit run,
    streams flushed, modules torn down, the exit status (or SIGINT) set as for
    any program. Only the traceback is trimmed of this server's frames.
    """
    argv = request["argv"]
    try:
        if request["mode"] == "module":  # python -m MODULE ARGS
            import runpy

            sys.argv = list(argv)  # runpy puts the module's file in argv[0], as -m does
            sys.path.insert(0, os.getcwd())
            _fresh_main()  # runpy runs the module in the current __main__'s namespace
            runpy._run_module_as_main(argv[0], alter_argv=True)
        elif request["mode"] == "code":  # python -c CODE ARGS
            sys.argv = ["-c"] + argv[1:]
            sys.path.insert(0, "")
            _run_in_main(compile(argv[0], "<string>", "exec", dont_inherit=True), {})
        else:  # python SCRIPT ARGS
            script = os.path.abspath(argv[0]) if sys.version_info >= (3, 9) else argv[0]
            sys.argv = list(argv)
            sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
            from importlib.machinery import SourceFileLoader

            with open(argv[0], "rb") as handle:
                code = compile(handle.read(), script, "exec", dont_inherit=True)
            _run_in_main(code, dict(__file__=script, __cached__=None,
                                    __loader__=SourceFileLoader("__main__", script)))
    except SystemExit:
        raise
    except BaseException:  # noqa: B036 - left to the interpreter, which reports it through sys.excepthook
        sys.excepthook = _program_frames_only(sys.excepthook)
        raise
    raise SystemExit(0)


def _program_frames_only(hook):
    """Wrap ``hook`` so that the traceback it is given starts at the program's frame, as for a cold start."""

    def excepthook(kind, error, trace):
        if trace is not None:
            trace = trace.tb_next  # the boot line (``-c``) that called this server
        while trace is not None and trace.tb_frame.f_code.co_filename == __file__:
            trace = trace.tb_next
        sys.excepthook = hook
        hook(kind, error.with_traceback(trace), trace)

    return excepthook


def _fresh_main():
    """Put a new, empty ``__main__`` module in place: the server's own is frozen (see ``main``)."""
    import types

    main = sys.modules["__main__"] = types.ModuleType("__main__")
    return main


def _run_in_main(code, names):
    """Run ``code`` as the ``__main__`` module, as the interpreter runs a program.

    In a new module made in the child: the server's own is in the collector's
    permanent generation (``gc.freeze``), and a program's cycles through it
    (its functions and classes) would never be collected at exit, nor its
    unclosed files flushed.
    """
    import builtins

    main = _fresh_main()
    main.__dict__.update(__name__="__main__", __doc__=None, __package__=None, __spec__=None,
                         __builtins__=builtins, __annotations__={}, **names)
    if "__loader__" not in names:
        from importlib.machinery import BuiltinImporter

        main.__loader__ = BuiltinImporter
    exec(code, main.__dict__)


def _become(request, fds, server_objects):
    """In the forked child: drop the server's sockets, take the request's descriptors, folder and environment."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for thing in server_objects:
        # Closed through their objects: a descriptor closed behind a socket's back would be
        # closed again by its finalizer at exit, by then perhaps a file of the program's.
        thing.close()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    _run_main(request)


def serve(path):
    """Serve requests on the Unix socket at ``path`` until stdin closes (the client went away)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".binding")
    listener.listen(64)
    os.rename(path + ".binding", path)  # the client connects once the path exists: listening by then
    wake_read, wake_write = os.pipe()
    wake = [os.fdopen(wake_read, "rb", buffering=0), os.fdopen(wake_write, "wb", buffering=0)]
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(wake_read, selectors.EVENT_READ, "child")
    selector.register(sys.stdin, selectors.EVENT_READ, "stop")
    waiting = {}  # child pid -> the connection that waits for its status
    while True:
        for key, _events in selector.select():
            if key.data == "stop":
                os._exit(0)
            if key.data == "child":
                os.read(wake_read, 4096)
                _reap(waiting)
                continue
            connection, _address = listener.accept()
            request, fds = _receive(connection)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _become(request, fds, [listener, selector, connection, *wake, *waiting.values()])
            for fd in fds:
                os.close(fd)
            waiting[pid] = connection
            _send(connection, {"pid": pid})
        _reap(waiting)


def _reap(waiting):
    for pid in list(waiting):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            connection = waiting.pop(pid)
            try:
                _send(connection, {"returncode": _returncode(status)})
            except OSError:
                pass
            connection.close()


def preload(modules):
    """Import ``modules`` (those not installed are skipped); fail if a cold process would have shown a warning."""
    import importlib

    with warnings.catch_warnings(record=True) as shown:
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError:
                pass
    if shown:
        sys.stderr.write("warm server: importing %s shows warnings a child would print itself: %s\n"
                         % (", ".join(modules), "; ".join(str(w.message) for w in shown)))
        sys.stderr.flush()
        os._exit(3)


def main():
    """Preload, then serve (``sys.argv``: the socket path, then the modules)."""
    import gc

    preload(sys.argv[2:])
    # The preloaded objects go to the collector's permanent generation: a child's collections
    # (the interpreter's last ones at exit above all) then do not touch, and so copy, every
    # page of the server's heap. That was 0.35 s of each child's 0.4 s.
    gc.freeze()
    serve(sys.argv[1])

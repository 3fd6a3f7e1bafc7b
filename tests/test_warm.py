"""The warm runner (tests/warm.py) behaves as a cold ``python`` does, as the end-to-end suites rely on.

Each probe is a small program run both ways; exit status, stdout and stderr
must be equal. The live conformance leg checks the same on a larger scale:
the originals, run warm, must still do what was recorded from cold processes.
"""

import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest
import warm
from helpers import clean_env

pytestmark = [pytest.mark.e2e, pytest.mark.warm_runner]

PROBES = {
    "identity": ("script", '''
        import os, sys, __main__
        print(sys.argv, sys.path[0] == os.path.dirname(os.path.abspath(__file__)), __file__, __name__, __spec__)
        print(type(__loader__).__name__, __package__, sorted(vars(__main__)))
        print(os.getcwd() == os.path.dirname(os.path.abspath(__file__)), os.environ.get("PROBE_VALUE"))
        print(sys.stdout.encoding, sys.stdout.line_buffering, sys.stderr.errors, sys.stdin.read().upper())
        print(sys.flags.dont_write_bytecode, "flask_migrate_legacy.shim" in sys.modules)
    '''),
    "uncaught exception, chained": ("script", '''
        def inner():
            raise KeyError("inner")
        try:
            inner()
        except KeyError as exc:
            raise RuntimeError("outer") from exc
    '''),
    "uncaught ctrl-c ends by SIGINT": ("script", "print('before', flush=True)\nraise KeyboardInterrupt\n"),
    "SystemExit with a message": ("script", "import sys\nsys.exit('no release tag')\n"),
    "SystemExit with a large status": ("script", "import sys\nsys.exit(300)\n"),
    "SystemExit(None)": ("script", "raise SystemExit\n"),
    "atexit after threads": ("script", '''
        import atexit, threading, time
        atexit.register(print, "atexit 1")
        atexit.register(print, "atexit 2")
        threading.Thread(target=lambda: (time.sleep(0.2), print("thread"))).start()
        print("main done")
    '''),
    "an unclosed file is flushed at teardown": ("script", '''
        import atexit, os
        LOG = open("probe.log", "w")
        LOG.write("kept")
        class Last:
            def __del__(self):
                pass
        last = Last()
    '''),
    "an own excepthook sees the program's frames": ("script", '''
        import sys, traceback
        def hook(kind, error, trace):
            print("hook:", kind.__name__, [frame.name for frame in traceback.extract_tb(trace)])
        sys.excepthook = hook
        def fail():
            raise ValueError("x")
        fail()
    '''),
    "a warning in __main__": ("script", "import warnings\nwarnings.warn('old', DeprecationWarning)\n"),
    "SIGTERM by default": ("script", "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n"),
    "a megabyte on each stream": ("script", "import sys\nsys.stdout.write('o' * 2**20)\nsys.stderr.write('e' * 2**20)\n"),
    "python -m with a traceback": ("module", "def f():\n    raise ValueError(1)\nf()\n"),
    "python -m flushes an unclosed file at teardown": ("module", '''
        LOG = open("probe.log", "w")
        LOG.write("kept")
        def keep():
            return LOG  # a cycle through the module's namespace, as every function makes
    '''),
    "python -c": ("code", "import sys; print(sys.argv, repr(sys.path[0]), __name__); sys.exit(4)"),
}


def _run_both(tmp_path, kind, source):
    source = textwrap.dedent(source)
    if kind == "script":
        (tmp_path / "probe.py").write_text(source)
        command = [sys.executable, "probe.py", "one", "two"]
    elif kind == "module":
        (tmp_path / "probemod.py").write_text(source)
        command = [sys.executable, "-m", "probemod", "one"]
    else:
        command = [sys.executable, "-c", source, "one"]
    env = clean_env({"PROBE_VALUE": "from the environment"})
    outcomes = []
    for how in ("cold", "warm"):
        if how == "cold":
            done = subprocess.run(command, cwd=str(tmp_path), env=env, input=b"stdin text", capture_output=True,
                                  timeout=60)
        else:
            done = warm.run(command, str(tmp_path), env, input=b"stdin text", timeout=60)
        log = tmp_path / "probe.log"
        left = log.read_text() if log.exists() else None
        if log.exists():
            log.unlink()
        outcomes.append((done.returncode, _addresses(done.stdout), _addresses(done.stderr), left))
    return outcomes


def _addresses(data):
    return re.sub(rb"0x[0-9a-f]+", b"0x?", data)


@pytest.mark.skipif(warm.cold_requested(), reason="FML_TESTS_COLD=1: everything runs cold")
@pytest.mark.parametrize("name", sorted(PROBES))
def test_a_warm_process_does_what_a_cold_one_does(tmp_path, name):
    kind, source = PROBES[name]
    cold, warm_outcome = _run_both(tmp_path, kind, source)
    assert warm_outcome == cold


def test_the_probes_see_what_they_look_for(tmp_path):
    # The probes compare something real: the cold outcomes are what each name says.
    outcomes = {name: _run_both(tmp_path, *PROBES[name])[0] for name in (
        "uncaught ctrl-c ends by SIGINT", "SystemExit with a large status", "an unclosed file is flushed at teardown",
        "SIGTERM by default", "atexit after threads")}
    assert outcomes["uncaught ctrl-c ends by SIGINT"][0] == -2
    assert outcomes["SystemExit with a large status"][0] == 300 % 256
    assert outcomes["an unclosed file is flushed at teardown"][3] == "kept"
    assert outcomes["SIGTERM by default"][0] == -15
    assert outcomes["atexit after threads"][1].split() == [b"main", b"done", b"thread", b"atexit", b"2", b"atexit", b"1"]


def test_warm_servers_import_none_of_the_package_or_a_project(tmp_path):
    code = ("import sys; print(sorted(m for m in sys.modules if m.startswith(('flask_migrate_legacy', 'flask_script', "
            "'flask_migrate'))))")
    done = warm.run([sys.executable, "-c", code], str(tmp_path), clean_env(), timeout=60)
    # The import hook, installed by the .pth file in every interpreter, and nothing else of the package.
    assert done.stdout.decode().strip() == "['flask_migrate_legacy', 'flask_migrate_legacy.shim']"
    assert "alembic" in warm.PRELOAD and os.path.isfile(warm.__file__)


@pytest.mark.skipif(warm.cold_requested(), reason="FML_TESTS_COLD=1: everything runs cold")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_started_warm_child_takes_signals_as_a_cold_one(tmp_path, signum):
    (tmp_path / "sleeper.py").write_text(textwrap.dedent('''\
        import signal, sys, time
        signal.signal(signal.SIGTERM, lambda *args: sys.exit("terminated"))
        print("ready", flush=True)
        time.sleep(60)
    '''))
    command = [sys.executable, "sleeper.py"]
    env = clean_env()
    outcomes = []
    for process in (subprocess.Popen(command, cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, preexec_fn=warm._default_sigint),
                    warm.start(command, str(tmp_path), env, text=True)):
        assert process.stdout.readline() == "ready\n" and process.poll() is None
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=30)
        outcomes.append((process.returncode, stdout, re.sub(r"line \d+", "line N", stderr).splitlines()[-1:]))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == (1 if signum == signal.SIGTERM else -signal.SIGINT)

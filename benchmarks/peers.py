"""The peers' virtualenvs under benchmarks/.work/, and the command runner every part uses."""

import hashlib
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, ".work")


def venv_python(name):
    """Return the interpreter of the peer virtualenv ``name`` (ours, fm41, bare)."""
    return os.path.join(WORK, "venvs", name, "bin", "python")


def _fingerprint(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()[:16]


def ensure_venvs(base_python):
    """Build (or reuse) the three virtualenvs; always reinstall this package into 'ours'."""
    with open(os.path.join(ROOT, "requirements.txt")) as handle:
        requirements = handle.read()
    wanted = {
        "ours": [],
        "fm41": ["Flask-Migrate==4.1.0"],
        "bare": [],
    }
    for name, extra in wanted.items():
        folder = os.path.join(WORK, "venvs", name)
        stamp = os.path.join(folder, ".fingerprint")
        fingerprint = _fingerprint(base_python, requirements, *extra)
        if os.path.exists(stamp) and open(stamp).read() == fingerprint:
            continue
        print("building the %s virtualenv ..." % name, flush=True)
        shutil.rmtree(folder, ignore_errors=True)
        check([base_python, "-m", "venv", folder])
        pip = [venv_python(name), "-m", "pip", "install", "-q"]
        check(pip + ["--upgrade", "pip"])
        check(pip + ["-r", os.path.join(ROOT, "requirements.txt")] + extra)
        with open(stamp, "w") as handle:
            handle.write(fingerprint)
    shutil.rmtree(os.path.join(ROOT, "build"), ignore_errors=True)  # a stale build/lib would ship old modules
    check([venv_python("ours"), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", ROOT])


def check(command, cwd=None, env=None):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("benchmark setup failed: %s\n%s%s" % (" ".join(command), result.stdout, result.stderr))
    return result


def versions():
    code = ("import sys, importlib.metadata as m; print('Python %s; ' % sys.version.split()[0] + ', '.join("
            "'%s %s' % (n, m.version(n)) for n in ('Flask', 'Flask-SQLAlchemy', 'SQLAlchemy', 'alembic')))")
    return check([venv_python("bare"), "-c", code]).stdout.strip()

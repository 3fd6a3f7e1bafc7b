#!/usr/bin/env bash
# Run the test suite in a virtualenv, against the package installed the way users
# install it (a built wheel, not an editable checkout), so a packaging mistake
# fails the tests.
#   PYTHON        interpreter to build the venv with      (default: python3)
#   VENV          where to put the venv                    (default: .venv)
#   REQUIREMENTS  the dependency set to install            (default: requirements.txt)
#   WORKERS       pytest-xdist workers                     (default: 4)
#   PREPARE_ONLY  set to 1: build the venv, run nothing (.ci/run builds all legs' first)
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
REQUIREMENTS=${REQUIREMENTS:-requirements.txt}

make_venv "$PYTHON" "$VENV" "$REQUIREMENTS" pytest-xdist
[ "${PREPARE_ONLY:-}" = 1 ] && exit 0
install_package "$VENV"
"$VENV/bin/python" - <<'PY'
import sys, importlib.metadata as m
names = ["Flask", "Flask-SQLAlchemy", "SQLAlchemy", "alembic", "Flask-Script"]
versions = []
for name in names:
    try:
        versions.append("%s %s" % (name, m.version(name)))
    except m.PackageNotFoundError:
        pass
print("Python %s; %s" % (sys.version.split()[0], ", ".join(versions)))
PY
# Four workers on two cores: the tests spend much of their time waiting on the
# database servers, child processes and lock timeouts.
exec "$VENV/bin/pytest" -n "${WORKERS:-4}" "$@"

#!/usr/bin/env bash
# The differential test, both sides live: the real Flask-Script 2.0.6 +
# Flask-Migrate 2.7.0 in one virtualenv, this package in another, on the same
# Python 3.9 and Flask 1.1 stack, so that only the code under test differs.
#   PYTHON        a Python 3.9 interpreter (default: the newest 3.9 under pyenv)
#   PREPARE_ONLY  set to 1: build the two venvs, run nothing
#   --record      write tests/conformance/originals.json from the originals instead
# Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
if [ -z "${PYTHON:-}" ]; then
  PYTHON=$(ls -d "$(pyenv root 2>/dev/null || echo /root/.pyenv)"/versions/3.9.*/bin/python 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "${PYTHON:-}" ] || { echo "conformance: needs Python 3.9 (set PYTHON)" >&2; exit 1; }

make_venv "$PYTHON" .venv-originals .ci/requirements-originals.txt
make_venv "$PYTHON" .venv-conformance .ci/requirements-legacy-stack.txt pytest-xdist
[ "${PREPARE_ONLY:-}" = 1 ] && exit 0
install_package .venv-conformance

if [ "${1:-}" = "--record" ]; then
  exec .venv-conformance/bin/python tests/conformance/record.py "$PWD/.venv-originals/bin/python"
fi
export CONFORMANCE_ORIGINALS_PYTHON=$PWD/.venv-originals/bin/python
export CONFORMANCE_PYTHON=$PWD/.venv-conformance/bin/python
exec .venv-conformance/bin/pytest -n "${WORKERS:-4}" tests/conformance "$@"

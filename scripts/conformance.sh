#!/usr/bin/env bash
# The differential test, both sides live: the real Flask-Script 2.0.6 +
# Flask-Migrate 2.7.0 in one virtualenv, this package in another, on the same
# Python 3.9 and Flask 1.1 stack, so that only the code under test differs.
#   PYTHON  a Python 3.9 interpreter (default: the newest 3.9 under pyenv)
#   --record  write tests/conformance/originals.json from the originals instead
# Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PYTHON:-}" ]; then
  PYTHON=$(ls -d "$(pyenv root 2>/dev/null || echo /root/.pyenv)"/versions/3.9.*/bin/python 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "${PYTHON:-}" ] || { echo "conformance: needs Python 3.9 (set PYTHON)" >&2; exit 1; }

venv() {  # venv DIR REQUIREMENTS [package]
  "$PYTHON" -m venv "$1"
  "$1/bin/python" -m pip install -q --upgrade pip
  "$1/bin/python" -m pip install -q -r "$2"
}
venv .venv-originals .ci/requirements-originals.txt
venv .venv-conformance .ci/requirements-legacy-stack.txt
.venv-conformance/bin/python -m pip install -q pytest-xdist
rm -rf build  # setuptools reuses build/lib: a stale one would ship modules deleted since
.venv-conformance/bin/python -m pip install -q --no-deps --force-reinstall .

if [ "${1:-}" = "--record" ]; then
  exec .venv-conformance/bin/python tests/conformance/record.py "$PWD/.venv-originals/bin/python"
fi
export CONFORMANCE_ORIGINALS_PYTHON=$PWD/.venv-originals/bin/python
export CONFORMANCE_PYTHON=$PWD/.venv-conformance/bin/python
exec .venv-conformance/bin/pytest -n "${WORKERS:-4}" tests/conformance "$@"

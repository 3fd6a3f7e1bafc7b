#!/usr/bin/env bash
# The differential tests, both sides live, each on one stack so that only the code
# under test differs:
#   - manage.py: the real Flask-Script 2.0.6 + Flask-Migrate 2.7.0 in one virtualenv,
#     this package in another, on Python 3.9 and Flask 1.1;
#   - flask db: the real Flask-Migrate 4.1.0 beside this package, on the pinned
#     modern stack (requirements.txt) and python3.
#   PYTHON        a Python 3.9 interpreter (default: the newest 3.9 under pyenv)
#   PREPARE_ONLY  set to 1: build the originals' venvs and the 3.9 one, run nothing
#   --record      write the originals' outcomes (tests/conformance/originals*.json) instead
# Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
if [ -z "${PYTHON:-}" ]; then
  PYTHON=$(ls -d "$(pyenv root)"/versions/3.9.*/bin/python 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "${PYTHON:-}" ] || { echo "conformance: needs Python 3.9 (set PYTHON)" >&2; exit 1; }

make_venv "$PYTHON" .venv-originals .ci/requirements-originals.txt
make_venv "$PYTHON" .venv-conformance .ci/requirements-legacy-stack.txt pytest-xdist
make_venv python3 .venv-flask-migrate-4 .ci/requirements-flask-migrate-4.txt
[ "${PREPARE_ONLY:-}" = 1 ] && exit 0
# This package on the modern stack is README's test venv (.venv), as scripts/test.sh builds it.
make_venv python3 .venv requirements.txt pytest-xdist
install_package .venv
install_package .venv-conformance

if [ "${1:-}" = "--record" ]; then
  .venv-conformance/bin/python tests/conformance/record.py flask-script "$PWD/.venv-originals/bin/python"
  exec .venv/bin/python tests/conformance/record.py flask-migrate-4.1 "$PWD/.venv-flask-migrate-4/bin/python"
fi
CONFORMANCE_ORIGINALS_PYTHON=$PWD/.venv-originals/bin/python CONFORMANCE_PYTHON=$PWD/.venv-conformance/bin/python \
  .venv-conformance/bin/pytest -n "${WORKERS:-4}" tests/conformance --ignore tests/conformance/test_flask_db_conformance.py \
  --ignore tests/conformance/test_convert_conformance.py "$@"
# (convert writes code for today's Flask: its comparison runs in the test legs of today's stack; here,
# the converted gallery project runs on Flask-Migrate 4.1 with nothing of this package.)
CONFORMANCE_FLASK_MIGRATE_4_PYTHON=$PWD/.venv-flask-migrate-4/bin/python \
  exec .venv/bin/pytest -n "${WORKERS:-4}" tests/conformance/test_flask_db_conformance.py \
  "tests/test_convert.py::test_a_2016_project_runs_on_flask_and_flask_migrate_4_alone_after_doctor_and_convert" "$@"

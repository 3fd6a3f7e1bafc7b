#!/usr/bin/env bash
# Line and branch coverage of the package over the whole suite, child processes
# included (coverage's subprocess patch), in README's test venv (.venv).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
[ -x "$VENV/bin/pytest" ] || bash scripts/test.sh --co -q > /dev/null
"$VENV/bin/python" -m pip install -q coverage==7.17.4
data=$(mktemp -d)
export COVERAGE_FILE=$data/.coverage
status=0
"$VENV/bin/coverage" run --rcfile=pyproject.toml -m pytest -n "${WORKERS:-4}" -p no:cacheprovider "$@" || status=$?
"$VENV/bin/coverage" combine --rcfile=pyproject.toml -q
"$VENV/bin/coverage" report --rcfile=pyproject.toml
rm -rf "$data"
exit $status

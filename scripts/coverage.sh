#!/usr/bin/env bash
# Line and branch coverage of the package over the whole suite, child processes
# included (coverage's subprocess and fork patches: the warm runner forks), in
# README's test venv (.venv), with the package as it is in this checkout.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
VENV=${VENV:-.venv}
make_venv "${PYTHON:-python3}" "$VENV" "${REQUIREMENTS:-requirements.txt}" pytest-xdist
install_package "$VENV"
"$VENV/bin/python" -m pip install -q coverage==7.17.4
data=$(mktemp -d)
export COVERAGE_FILE=$data/.coverage
status=0
"$VENV/bin/coverage" run --rcfile=pyproject.toml -m pytest -n "${WORKERS:-4}" -p no:cacheprovider "$@" || status=$?
"$VENV/bin/coverage" combine --rcfile=pyproject.toml -q
"$VENV/bin/coverage" report --rcfile=pyproject.toml
"$VENV/bin/coverage" json --rcfile=pyproject.toml -q -o "$data/coverage.json"
"$VENV/bin/python" - "$data/coverage.json" <<'PY'
import json, sys
totals = json.load(open(sys.argv[1]))["totals"]
print("lines %d/%d = %.1f%%, branches %d/%d = %.1f%%" % (
    totals["covered_lines"], totals["num_statements"], 100.0 * totals["covered_lines"] / totals["num_statements"],
    totals["covered_branches"], totals["num_branches"], 100.0 * totals["covered_branches"] / totals["num_branches"]))
PY
rm -rf "$data"
exit $status

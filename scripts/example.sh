#!/usr/bin/env bash
# Run the classic hello.py exactly as the old tutorials did, on SQLite:
# db init, db migrate, db upgrade, then show the result. Works in a scratch
# copy of examples/ so it can be run again and again.
#   PYTHON  interpreter to build the venv with (default: python3)
#   VENV    where to put the venv               (default: .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
rm -rf build  # setuptools reuses build/lib: a stale one would ship modules deleted since
"$VENV/bin/python" -m pip install -q .
python_bin=$(cd "$VENV/bin" && pwd)/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp examples/hello.py "$work/"
cd "$work"
set -x
"$python_bin" hello.py db init
"$python_bin" hello.py db migrate -m "initial migration"
"$python_bin" hello.py db upgrade
"$python_bin" hello.py db current
echo 'import sqlalchemy; print("tables:", sorted(sqlalchemy.inspect(db.engine).get_table_names()))' | "$python_bin" hello.py shell

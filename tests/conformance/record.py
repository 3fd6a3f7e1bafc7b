"""Record what the originals do in every scenario.

Usage: ``python tests/conformance/record.py flask-script PYTHON`` records the
real Flask-Script 2.0.6 + Flask-Migrate 2.7.0 (``originals.json``);
``python tests/conformance/record.py flask-migrate-4.1 PYTHON`` records the real
Flask-Migrate 4.1.0's ``flask db`` (``originals-flask-migrate-4.1.json``, with
the versions of the stack). PYTHON is an interpreter with those originals
installed; ``bash scripts/conformance.sh --record`` builds both and runs this.
The record is made of cold processes (``FML_TESTS_COLD=1``): the live runs,
which start warm (tests/warm.py), are checked against it.
"""

import concurrent.futures
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ["FML_TESTS_COLD"] = "1"

from flask_db_scenarios import FLASK_DB_SCENARIOS  # noqa: E402
from harness import dumps, installed_stack, run_scenario  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402

SETS = {"flask-script": (SCENARIOS, "originals.json"),
        "flask-migrate-4.1": (FLASK_DB_SCENARIOS, "originals-flask-migrate-4.1.json")}


def main(which: str, python: str) -> None:
    scenarios, name = SETS[which]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        outcomes = dict(zip((s.name for s in scenarios), pool.map(lambda s: run_scenario(python, s), scenarios)))
    text = dumps(outcomes)
    if which == "flask-migrate-4.1":
        text = json.dumps({"stack": installed_stack(python), "outcomes": json.loads(text)},
                          indent=1, sort_keys=True) + "\n"
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    print("recorded %d scenarios in %s" % (len(outcomes), path))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in SETS:
        sys.exit("usage: record.py {%s} PYTHON_WITH_THE_ORIGINALS" % ",".join(SETS))
    main(sys.argv[1], sys.argv[2])

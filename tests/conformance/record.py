"""Record what the real Flask-Script 2.0.6 + Flask-Migrate 2.7.0 do in every scenario.

Usage: ``python tests/conformance/record.py PYTHON`` where PYTHON is an
interpreter with the originals installed (``bash scripts/conformance.sh --record``
builds one and runs this). Writes ``originals.json`` beside this file. The
record is made of cold processes (``FML_TESTS_COLD=1``): the live runs, which
start warm (tests/warm.py), are checked against it.
"""

import concurrent.futures
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["FML_TESTS_COLD"] = "1"

from harness import dumps, run_scenario  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402


def main(python: str) -> None:
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        outcomes = dict(zip((s.name for s in SCENARIOS), pool.map(lambda s: run_scenario(python, s), SCENARIOS)))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "originals.json")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps(outcomes))
    print("recorded %d scenarios in %s" % (len(outcomes), path))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: record.py PYTHON_WITH_THE_ORIGINALS")
    main(sys.argv[1])

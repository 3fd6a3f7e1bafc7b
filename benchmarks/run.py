#!/usr/bin/env python3
"""Compare flask-migrate-legacy with its peers, timing whole processes.

    python benchmarks/run.py            # the full comparison (about 40 minutes, 2 more the first time)
    python benchmarks/run.py --quick    # fewer repetitions, smaller histories
    python benchmarks/run.py --only startup,current

Peers, each in a virtualenv of its own under benchmarks/.work/ (built on the
first run from requirements.txt, so all share the same Flask, Flask-SQLAlchemy,
SQLAlchemy and Alembic):

- ours:    this package, through ``python manage.py ...``
- fm41:    Flask-Migrate 4.1.0, through ``flask db ...`` on the same app and migrations
- alembic: the plain ``alembic`` CLI with an equivalent env.py
- floor:   a process that imports Flask and Flask-SQLAlchemy (and Alembic, for the db
           scenarios), builds the same app and, for the db scenarios, reads the version row

Parts: peers.py (the virtualenvs), projects.py + templates/ (the generated
inputs), measure.py (timing), scenarios.py (what is compared, with targets),
report.py (the lines printed and results.json).

Every scenario runs its peers interleaved (one of each, then again) after one
untimed warm-up run each, and reports per peer the median and minimum wall
time, the median and minimum CPU time of the process (user + system; a shared
machine's load moves it less than wall time), peak memory (max RSS) and, with
--instructions, the instructions of one run under valgrind's callgrind; then the
ratios the README quotes. Inputs (apps with N
models, N linear revisions) are generated under benchmarks/.work/.
"""

import argparse
import sys
import time

import measure
from peers import ensure_venvs, versions
from projects import mariadb_available, postgres_available
from report import write_results
from scenarios import FULL, QUICK, SCENARIOS


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and smaller inputs")
    parser.add_argument("--only", help="comma-separated scenarios: %s" % ", ".join(SCENARIOS))
    parser.add_argument("--python", default=sys.executable, help="interpreter for the virtualenvs")
    parser.add_argument("--instructions", action="store_true",
                        help="also count each command's instructions once under valgrind (slow)")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    measure.COUNT_INSTRUCTIONS = args.instructions
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        parser.error("unknown scenario(s): %s" % ", ".join(unknown))
    started = time.monotonic()
    ensure_venvs(args.python)
    print(versions())
    print("medians of %d interleaved runs (twice that for start-up and current/heads, "
          "half for the heavy scenarios but the upgrades); memory is max RSS\n" % size["repetitions"])
    if "upgrade-postgresql" in chosen and not postgres_available():
        print("upgrade-postgresql: skipped, PostgreSQL is not reachable at 127.0.0.1:5432")
        chosen.remove("upgrade-postgresql")
    if "upgrade-mariadb" in chosen and not mariadb_available():
        print("upgrade-mariadb: skipped, MariaDB is not reachable at 127.0.0.1:3306")
        chosen.remove("upgrade-mariadb")
    for name in chosen:
        SCENARIOS[name](size, size["repetitions"])
    met, targeted = write_results(versions(), size)
    print("\n%d of %d targets met; results in benchmarks/.work/results.json; done in %.0f s" % (
        met, targeted, time.monotonic() - started))


if __name__ == "__main__":
    main()

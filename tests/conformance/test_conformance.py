"""Differential conformance: every scenario behaves as under the real Flask-Script 2.0.6 + Flask-Migrate 2.7.0.

Two ways to run:

- everywhere: ours (this interpreter, with the package installed) against the
  originals' outcomes recorded in ``originals.json``;
- live, when ``CONFORMANCE_ORIGINALS_PYTHON`` names an interpreter with the real
  originals and ``CONFORMANCE_PYTHON`` one with this package (both Python 3.9 +
  Flask 1.1, as ``.ci/run``'s legacy leg builds them): both sides run now, and
  the recording must still match what the originals do.

Re-record with ``python tests/conformance/record.py PYTHON_WITH_ORIGINALS``.
"""

import json
import os
import sys

import pytest
from differences import DIFFERENCES, assert_conforms, readme_list
from harness import Outcome
from scenarios import SCENARIOS

HERE = os.path.dirname(os.path.abspath(__file__))
RECORDED_FILE = os.path.join(HERE, "originals.json")
ORIGINALS_PYTHON = os.environ.get("CONFORMANCE_ORIGINALS_PYTHON")
OURS_PYTHON = os.environ.get("CONFORMANCE_PYTHON") or sys.executable

pytestmark = [pytest.mark.conformance, pytest.mark.e2e]


def _recorded():
    with open(RECORDED_FILE, encoding="utf-8") as handle:
        return {name: Outcome.from_json(data) for name, data in json.load(handle).items()}


RECORDED = _recorded()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_behaves_as_the_originals(scenario):
    assert_conforms(scenario, RECORDED[scenario.name], ORIGINALS_PYTHON, OURS_PYTHON)


def test_every_scenario_is_recorded_and_every_record_has_a_scenario():
    assert sorted(RECORDED) == sorted(s.name for s in SCENARIOS)


def test_the_set_is_large_enough_and_uses_only_listed_differences():
    assert len(SCENARIOS) >= 80
    used = {name for s in SCENARIOS for name in s.differences}
    assert used <= set(DIFFERENCES)
    assert used == set(DIFFERENCES), "a listed difference no scenario shows: %s" % (set(DIFFERENCES) - used)


def test_readme_lists_every_intended_difference():
    with open(os.path.join(HERE, "..", "..", "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert readme_list() in readme

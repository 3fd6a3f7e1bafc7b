"""Differential conformance: `flask db` behaves as under the real Flask-Migrate 4.1.0, on today's stack.

Two ways to run:

- on the stack the originals were recorded on (requirements.txt's pins): ours
  against the outcomes in ``originals-flask-migrate-4.1.json``; other stacks
  print what Flask, click and Alembic print differently, and skip;
- live, when ``CONFORMANCE_FLASK_MIGRATE_4_PYTHON`` names an interpreter with
  the real Flask-Migrate 4.1.0 on the same stack as this one (``bash
  scripts/conformance.sh`` builds it): both sides run now, and the recording
  must still match what the original does.

Re-record with ``bash scripts/conformance.sh --record``.
"""

import json
import os
import sys

import pytest
from differences import FLASK_DB_DIFFERENCES, assert_conforms, readme_list
from flask_db_scenarios import FLASK_DB_SCENARIOS
from harness import Outcome, installed_stack

HERE = os.path.dirname(os.path.abspath(__file__))
RECORDED_FILE = os.path.join(HERE, "originals-flask-migrate-4.1.json")
ORIGINAL_PYTHON = os.environ.get("CONFORMANCE_FLASK_MIGRATE_4_PYTHON")
pytestmark = [pytest.mark.conformance, pytest.mark.e2e]


def _recorded():
    with open(RECORDED_FILE, encoding="utf-8") as handle:
        data = json.load(handle)
    return data["stack"], {name: Outcome.from_json(outcome) for name, outcome in data["outcomes"].items()}


RECORDED_STACK, RECORDED = _recorded()


@pytest.mark.parametrize("scenario", FLASK_DB_SCENARIOS, ids=[s.name for s in FLASK_DB_SCENARIOS])
def test_flask_db_behaves_as_flask_migrate_4_1(scenario):
    if not ORIGINAL_PYTHON and installed_stack() != RECORDED_STACK:
        pytest.skip("recorded on %s; this is %s (run it live: bash scripts/conformance.sh)"
                    % (RECORDED_STACK, installed_stack()))
    assert_conforms(scenario, RECORDED[scenario.name], ORIGINAL_PYTHON, sys.executable, FLASK_DB_DIFFERENCES)


def test_every_flask_db_scenario_is_recorded_and_uses_only_listed_differences():
    assert sorted(RECORDED) == sorted(s.name for s in FLASK_DB_SCENARIOS)
    used = {name for s in FLASK_DB_SCENARIOS for name in s.differences}
    assert used == set(FLASK_DB_DIFFERENCES), set(FLASK_DB_DIFFERENCES) ^ used


def test_the_recording_was_made_on_the_pinned_stack():
    pins = {}
    with open(os.path.join(HERE, "..", "..", "requirements.txt"), encoding="utf-8") as handle:
        for line in handle:
            if "==" in line and not line.startswith("#"):
                name, version = line.split("#")[0].strip().split("==")
                pins[name.split("[")[0].lower()] = version
    for name in RECORDED_STACK:
        if name.lower() in pins:
            assert RECORDED_STACK[name] == pins[name.lower()], name


def test_readme_lists_every_intended_flask_db_difference():
    with open(os.path.join(HERE, "..", "..", "README.md"), encoding="utf-8") as handle:
        assert readme_list(FLASK_DB_DIFFERENCES) in handle.read()

"""A downgrade's steps tell whether they end a branch without walking every ancestor, and answer exactly as
Alembic's own steps do, over generated histories, on every Alembic release CI installs."""

from types import SimpleNamespace

import pytest
from alembic.runtime.migration import RevisionStep
from helpers import calls_recorded
from hypothesis import given, settings
from hypothesis import strategies as st
from test_current_revisions import as_script, histories

from flask_migrate_legacy.downgrade_steps import answering_in_constant_time


def downgrade_step(revision_map, name):
    revision = revision_map.get_revision(name)
    revision.module = SimpleNamespace(upgrade=None, downgrade=None)  # what a step reads of a revision file
    return RevisionStep(revision_map, revision, False)


def answers(step, heads):
    """Everything a step tells the run about ``heads``: each answer, or the error it raises."""
    told = []
    for question in ("_unmerge_to_revisions", "should_delete_branch", "should_unmerge_branches",
                     "should_merge_branches", "unmerge_branch_idents", "delete_version_num"):
        try:
            told.append(getattr(step, question)(set(heads)) if question != "delete_version_num"
                        else step.delete_version_num)
        except Exception as error:  # Alembic's own refusal must be ours too
            told.append((type(error), str(error)))
    return told


@settings(max_examples=150, deadline=None)
@given(histories(), st.data())
def test_each_steps_answers_are_alembics(history, data):
    revisions, current = history
    revision_map = as_script(revisions).revision_map
    names = [name for name, _, _ in revisions]
    for name in names:
        others = data.draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
        for heads in ({name}, {name, *others}):
            theirs = downgrade_step(revision_map, name)
            ours = answering_in_constant_time([downgrade_step(revision_map, name)])[0]
            assert type(ours) is not RevisionStep
            assert answers(ours, heads) == answers(theirs, heads)


def test_a_straight_downgrade_walks_no_ancestors(monkeypatch):
    revisions = [("r%d" % n, "r%d" % (n - 1) if n else None, None) for n in range(200)]
    revision_map = as_script(revisions).revision_map
    walked = calls_recorded(monkeypatch, RevisionStep, "_unmerge_to_revisions")
    steps = answering_in_constant_time([downgrade_step(revision_map, "r%d" % n) for n in range(199, -1, -1)])
    deletes = [step.should_delete_branch({step.revision.revision}) for step in steps]
    assert deletes == [False] * 199 + [True]  # only the base's step removes the row
    assert walked == []  # Alembic's method, with its walk, was never needed
    assert [step.should_delete_branch({step.revision.revision})
            for step in [downgrade_step(revision_map, "r%d" % n) for n in range(199, -1, -1)]] == deletes
    assert len(walked) == 199  # Alembic's own steps ask it each time (the base's answers before asking)


def test_an_alembic_without_the_method_keeps_its_steps(monkeypatch):
    revision_map = as_script([("a", None, None), ("b", "a", None)]).revision_map
    monkeypatch.delattr(RevisionStep, "_unmerge_to_revisions")
    steps = answering_in_constant_time([downgrade_step(revision_map, "b")])
    assert type(steps[0]) is RevisionStep


@pytest.mark.parametrize("heads", [{"m"}, {"m", "x"}])
def test_a_merge_revision_still_asks_alembic(monkeypatch, heads):
    revision_map = as_script([("a", None, None), ("b", "a", None), ("c", "a", None), ("m", ("b", "c"), None),
                              ("x", None, None)]).revision_map
    walked = calls_recorded(monkeypatch, RevisionStep, "_unmerge_to_revisions")
    step = answering_in_constant_time([downgrade_step(revision_map, "m")])[0]
    assert set(step._unmerge_to_revisions(heads)) == {"b", "c"}
    assert len(walked) == 1

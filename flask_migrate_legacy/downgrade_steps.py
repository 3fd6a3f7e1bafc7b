"""``db downgrade``'s steps, told in constant time whether each ends a branch, with exactly Alembic's answer.

Before each downgrade step, Alembic asks the step whether it deletes its
branch's row of the version table (``should_delete_branch``). In 1.13.3 to
1.20.1 (read here; 1.12.1 does not walk) the step answers by walking every
ancestor of each revision the row would move to, in order to leave out those
that are an ancestor of another; a downgrade of N revisions of a straight
history so walks about N*N/2 revisions (about 0.2 s of CPU for 1,000). When
the step moves to a single revision and no other head is current, nothing can
be left out: the answer is that one revision, which is what this module gives
without the walk. Any other case (a merge revision, a ``depends_on``, several
heads) is Alembic's own method. The method is private
(``RevisionStep._unmerge_to_revisions``, the same from 1.12, which did not
walk, to 1.20): an Alembic without it keeps its steps as they are.
"""

import functools
from typing import Any, List


def answering_in_constant_time(steps: List[Any]) -> List[Any]:
    """Return ``steps`` (Alembic's RevisionSteps of a downgrade), each answering as described above."""
    from alembic.runtime.migration import RevisionStep

    if not hasattr(RevisionStep, "_unmerge_to_revisions"):
        return steps
    for step in steps:
        if type(step) is RevisionStep:  # a subclass of someone else's is left as it is
            step.__class__ = _step_class(RevisionStep)
    return steps


@functools.lru_cache(maxsize=None)
def _step_class(base: type) -> type:
    def _unmerge_to_revisions(self: Any, heads: Any) -> Any:
        to_revisions = self.to_revisions
        if len(to_revisions) == 1 and not set(heads).difference([self.revision.revision]):
            return tuple(set(to_revisions))
        return base._unmerge_to_revisions(self, heads)  # type: ignore[attr-defined]

    return type("ConstantTimeRevisionStep", (base,), {"_unmerge_to_revisions": _unmerge_to_revisions})

"""``doctor --against REF``: what this branch changes under the migrations folder, judged before a merge.

Read with git (no import of the app): the revision files at REF, at the merge base
of REF and HEAD, and in the working tree. Merged onto REF, the history must keep
one head; a revision the base already had must not be edited, deleted or
re-parented (a database that ran it will never run it again); no two files may
share a revision id. The lock-safety review (``lock_review``) then reads the
revisions this branch adds (or, with ``--all``, every one).
"""

import ast
import os
import subprocess
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from .checks import Finding, declare, finding
from .errors import UsageError
from .revision_files import files_in_version_folders

declare("heads-after-merge", "fail", "review", "merged onto the base branch, the history has several heads",
        "merge them on this branch: db merge -m 'merge heads' HEAD1 HEAD2, and commit the new revision")
declare("revision-rewritten", "fail", "review", "a revision the base branch has was edited, deleted or re-parented",
        "restore it as the base branch has it (git checkout REF -- FILE) and put the change in a new revision")
declare("revision-id-taken", "fail", "review", "two revision files share one revision id once merged",
        "give this branch's revision a new id (revision = '...', and its children's down_revision)")


class Revision(NamedTuple):
    """A revision file as git or the disk holds it."""

    path: str  # relative to the repository
    revision: Optional[str]
    down_revisions: Tuple[str, ...]
    text: bytes


class BranchReview(NamedTuple):
    """What --against found, and the revisions the branch adds (for the lock review)."""

    findings: List[Finding]
    added: List[str]  # absolute paths of the revision files this branch adds


def review_branch(directory: str, ref: str) -> BranchReview:
    """Compare the migrations folder ``directory`` (the working tree) with git ``ref`` and the merge base."""
    directory = os.path.abspath(directory)
    top = _git(directory, "rev-parse", "--show-toplevel", what="find the git repository").strip()
    folder = os.path.relpath(os.path.realpath(os.path.join(directory, "versions")), os.path.realpath(top))
    _git(top, "rev-parse", "--verify", "--quiet", ref + "^{commit}",
         what="find %r (in CI fetch it first: git fetch origin %s, with the history: fetch-depth 0)" % (ref, ref))
    base = _git(top, "merge-base", ref, "HEAD",
                what="find where this branch left %r (a shallow clone? fetch with fetch-depth 0)" % ref).strip()
    at_ref = _at(top, ref, folder)
    at_base = _at(top, base, folder)
    here = _here(top, directory)
    return BranchReview(_judge(ref, at_ref, at_base, here),
                        [os.path.join(top, path) for path, revision in here.items()
                         if revision.revision not in {r.revision for r in at_base.values()}])


def _judge(ref: str, at_ref: Dict[str, Revision], at_base: Dict[str, Revision],
           here: Dict[str, Revision]) -> List[Finding]:
    findings: List[Finding] = []
    base_ids = {revision.revision: revision for revision in at_base.values()}
    here_ids = {revision.revision: revision for revision in here.values()}
    for revision_id, before in sorted(base_ids.items(), key=lambda item: str(item[0])):
        after = here_ids.get(revision_id)
        if after is None:
            findings.append(finding("revision-rewritten", before.path, "revision %s, which %s has, was deleted"
                                    % (revision_id, ref)))
        elif after.down_revisions != before.down_revisions:
            findings.append(finding("revision-rewritten", after.path, "revision %s was re-parented (%s -> %s): "
                                    "databases at it will not follow" % (revision_id, _ids(before.down_revisions),
                                                                         _ids(after.down_revisions))))
        elif after.text != before.text:
            findings.append(finding("revision-rewritten", after.path, "revision %s, which databases may have run, "
                                    "was edited" % revision_id))
    added = [revision for revision in here.values() if revision.revision not in base_ids]
    merged = list(at_ref.values()) + added
    by_id: Dict[Optional[str], List[Revision]] = {}
    for revision in merged:
        by_id.setdefault(revision.revision, []).append(revision)
    for revision_id, holders in sorted(by_id.items(), key=lambda item: str(item[0])):
        paths = sorted({holder.path for holder in holders})
        if revision_id is not None and len(paths) > 1:
            findings.append(finding("revision-id-taken", paths[-1], "revision id %s is also %s's (%s)"
                                    % (revision_id, ref, ", ".join(paths[:-1]))))
    heads = _heads(merged)
    if len(heads) > 1 and len(heads) > len(_heads(list(here.values()))):
        findings.append(finding("heads-after-merge", "", "merged onto %s the history has %d heads (%s)"
                                % (ref, len(heads), ", ".join(heads)),
                                "merge them on this branch: db merge -m 'merge heads' %s" % " ".join(heads)))
    return findings


def _heads(revisions: List[Revision]) -> List[str]:
    parents: Set[str] = {parent for revision in revisions for parent in revision.down_revisions}
    return sorted({revision.revision for revision in revisions if revision.revision} - parents)


def _ids(ids: Tuple[str, ...]) -> str:
    return ", ".join(ids) or "base"


def _parsed(path: str, text: bytes) -> Revision:
    revision: Optional[str] = None
    downs: Tuple[str, ...] = ()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return Revision(path, None, (), text)
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, expression = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, expression = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        try:
            value = ast.literal_eval(expression)
        except ValueError:
            continue
        if target.id == "revision" and isinstance(value, str):
            revision = value
        elif target.id == "down_revision":
            downs = tuple(value) if isinstance(value, (list, tuple)) else (value,) if isinstance(value, str) else ()
    return Revision(path, revision, downs, text)


def _here(top: str, directory: str) -> Dict[str, Revision]:
    """The revision files of the working tree, by path relative to the repository."""
    found = {}
    for path in files_in_version_folders([os.path.join(directory, "versions")]):
        with open(path, "rb") as handle:
            relative = os.path.relpath(os.path.realpath(path), os.path.realpath(top))
            found[relative] = _parsed(relative, handle.read())
    return found


def _at(top: str, commit: str, folder: str) -> Dict[str, Revision]:
    """The revision files of ``folder`` at ``commit``, read in one ``git cat-file --batch``."""
    listing = _git(top, "ls-tree", "-z", commit, folder + "/", what="list %s at %s" % (folder, commit))
    blobs: List[Tuple[str, str]] = []
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        name = os.path.basename(path)
        if parts[1] == "blob" and name.endswith(".py") and not name.startswith("__"):
            blobs.append((path, parts[2]))
    if not blobs:
        return {}
    done = subprocess.run(["git", "cat-file", "--batch"], cwd=top, input="".join(blob + "\n" for _, blob in blobs)
                          .encode(), capture_output=True, check=False)
    if done.returncode:
        raise UsageError("git could not read the revision files at %s: %s" % (commit, _first(done.stderr)))
    found: Dict[str, Revision] = {}
    data, position = done.stdout, 0
    for path, _ in blobs:
        header_end = data.index(b"\n", position)
        size = int(data[position:header_end].split()[2])
        text = data[header_end + 1:header_end + 1 + size]
        position = header_end + 1 + size + 1
        found[path] = _parsed(path, text)
    return found


def _git(cwd: str, *arguments: str, what: str) -> str:
    try:
        done = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, check=False)
    except OSError as error:
        raise UsageError("--against needs git, which could not run here (%s)" % error.strerror) from error
    if done.returncode:
        raise UsageError("--against: git could not %s%s" % (what, (": " + _first(done.stderr)) if done.stderr
                                                              else ""))
    return done.stdout.decode("utf-8", "replace")


def _first(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else ""

"""The doctor's registry of checks, the findings made from them, and the report.

Every check is declared once, with its code, severity, the release it concerns,
what it finds and how to fix it. The detectors (``audit``, ``code_audit``,
``requirements``, ``project``) make findings through ``finding(code, ...)``;
``--fix`` applies the edits a finding carries; the JSON output and README's
table of rules (``project.rules_table``) read the same entries.
"""

from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

#: Severities, worst first, with the heading each gets in the report.
SEVERITIES = (("fail", "Will fail"), ("may", "May fail"), ("advice", "Advice"))

#: What a check reads, in the order README's table lists them.
SCOPES = (("code", "the project's Python files"), ("config", "configuration keys"),
          ("requirements", "requirement files"), ("revision", "revision files"),
          ("migrations", "the migrations folder and its history"), ("app", "the app and its databases"),
          ("review", "the revisions a branch adds (doctor --against REF, or --all)"),
          ("files", "files the doctor could not read"))

#: (start offset, end offset, replacement) in a file's text.
Edit = Tuple[int, int, str]


class Check(NamedTuple):
    """One rule of the doctor."""

    code: str  # a stable name, for CI filters
    severity: str  # "fail", "may" or "advice"
    scope: str  # one of SCOPES
    summary: str  # what it finds (README's table)
    fix: str  # what to do
    release: str = ""  # the release that removed or changed the thing, e.g. "WTForms 3.0.0"
    fixable: bool = False  # --fix rewrites what it finds (where the finding carries edits)


class Finding(NamedTuple):
    """One thing the doctor found."""

    severity: str  # "fail", "may" or "advice"
    code: str  # the check's code
    where: str  # "path:line", a path, or "" for the project as a whole
    message: str  # what breaks, and on which versions
    fix: str  # what to do
    fixable: bool = False  # --fix rewrites it
    #: The rewrite of the file in ``where`` that fixes it (empty: advice only).
    edits: Tuple[Edit, ...] = ()

    def as_dict(self) -> Dict[str, Any]:
        """Return the finding as JSON shows it (with the release its check concerns)."""
        shown = self._asdict()
        del shown["edits"]
        shown["release"] = CHECKS[self.code].release if self.code in CHECKS else ""
        return shown


CHECKS: Dict[str, Check] = {}


def declare(code: str, severity: str, scope: str, summary: str, fix: str, release: str = "",
            fixable: bool = False) -> Check:
    """Register a check; a code is declared once."""
    if code in CHECKS:
        raise ValueError("the check %r is declared twice" % code)
    if severity not in dict(SEVERITIES) or scope not in dict(SCOPES):
        raise ValueError("the check %r has an unknown severity or scope" % code)
    CHECKS[code] = Check(code, severity, scope, summary, fix, release, fixable)
    return CHECKS[code]


def finding(code: str, where: str, message: str, fix: Optional[str] = None, edits: Iterable[Edit] = (),
            severity: Optional[str] = None) -> Finding:
    """Make a finding of a declared check (its fix and severity unless given)."""
    check = CHECKS[code]
    edits = tuple(edits) if check.fixable else ()
    return Finding(severity or check.severity, code, where, message, check.fix if fix is None else fix,
                   bool(edits), edits)


# -- the report ---------------------------------------------------------------------------


#: What fails the doctor: what will fail; a review (--against, --all) fails on what may, too.
FAILING = ("fail",)
FAILING_A_REVIEW = ("fail", "may")


def exit_status(findings: List[Finding], failing: Tuple[str, ...] = FAILING) -> int:
    """0 when nothing of a failing severity was found, 1 otherwise."""
    return 1 if any(finding.severity in failing for finding in findings) else 0


def summary(findings: List[Finding]) -> str:
    """One line: how many findings of each severity."""
    counts = {severity: sum(f.severity == severity for f in findings) for severity, _ in SEVERITIES}
    return "%d will fail, %d may fail, %d advice%s" % (
        counts["fail"], counts["may"], counts["advice"],
        "; %d fixable with --fix" % sum(f.fixable for f in findings) if any(f.fixable for f in findings) else "")


def render_text(findings: List[Finding], command: str = "db doctor") -> Iterator[str]:
    """Yield the report's lines, grouped by severity."""
    for severity, heading in SEVERITIES:
        group = [finding for finding in findings if finding.severity == severity]
        if not group:
            continue
        yield "%s (%d)" % (heading, len(group))
        for finding in group:
            where = finding.where + ": " if finding.where else ""
            yield "  %s%s [%s]" % (where, finding.message, finding.code)
            yield "      fix: %s%s" % (finding.fix, " (%s --fix)" % command if finding.fixable else "")
        yield ""
    yield "%s: %s" % (command, summary(findings))


def render_json(findings: List[Finding], failing: Tuple[str, ...] = FAILING) -> str:
    """Return the findings and the summary as JSON."""
    import json

    return json.dumps({"findings": [finding.as_dict() for finding in findings], "summary": summary(findings),
                       "exit_status": exit_status(findings, failing)}, indent=2)


def print_report(out: Any, format: str, findings: List[Finding], command: str,
                 failing: Tuple[str, ...] = FAILING) -> None:
    """Write the report (text or JSON) to ``out``; raise a one-line error when a failing finding is in it."""
    from .errors import MigrationError

    if format == "json":
        out.write(render_json(findings, failing) + "\n")
    else:
        out.write("\n".join(render_text(findings, command)) + "\n")
    if exit_status(findings, failing):
        raise MigrationError("%s found %s" % (command, summary(findings)))

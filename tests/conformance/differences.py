"""The reviewed lists of intended differences: from Flask-Script 2.0.6 + Flask-Migrate 2.7.0 (``manage.py``),
and from Flask-Migrate 4.1.0 (``flask db``).

Each entry says what differs and why (README "Compatibility notes" carries the
same text; a test keeps them equal) and how a scenario tagged with it is
compared: the entry's check receives both outcomes and returns what is wrong,
so a difference never excuses more than it names. A scenario with no tag must
match the original exactly after normalisation.
"""

import re
from typing import Callable, Dict, List, NamedTuple, Optional

from harness import Outcome

Check = Callable[[Outcome, Outcome], List[str]]


class Difference(NamedTuple):
    """One intended difference: its README text and the comparison it allows."""

    summary: str
    check: Check


def same(original: Outcome, ours: Outcome, fields=Outcome._fields) -> List[str]:
    """Return the fields in which the two outcomes differ."""
    return ["%s differs" % field for field in fields if getattr(original, field) != getattr(ours, field)]


def _others(*excluded: str):
    return tuple(field for field in Outcome._fields if field not in excluded)


_ERROR_LINE = re.compile(r"^(Traceback \(most recent call last\):|  .*|\S+Error: .*|\S*Exception: .*|ERROR .*|Error: .*|"
                         r"\S+\.InvalidCommand: .*)$")


def _one_error_line(original: Outcome, ours: Outcome) -> List[str]:
    problems = same(original, ours, _others("stderr"))
    lines = ours.stderr.splitlines()
    if not lines or not lines[-1].startswith("Error: ") or sum(line.startswith("Error: ") for line in lines) != 1:
        problems.append("ours does not end in exactly one 'Error: ' line: %r" % ours.stderr)
    if "Traceback" in ours.stderr:
        problems.append("ours printed a traceback")
    kept = [line for line in original.stderr.splitlines() if not _ERROR_LINE.match(line)]
    if kept != lines[:-1]:
        problems.append("the lines before the error differ: %r != %r" % (kept, lines[:-1]))
    return problems


def _traceback_tail(original: Outcome, ours: Outcome) -> List[str]:
    problems = same(original, ours, _others("stderr"))
    for outcome in (original, ours):
        if not outcome.stderr.startswith("Traceback (most recent call last):"):
            problems.append("no traceback in %r" % outcome.stderr[:200])
    if original.stderr.splitlines()[-1:] != ours.stderr.splitlines()[-1:]:
        problems.append("the exception lines differ")
    return problems


def _short_flag_conflict(original: Outcome, ours: Outcome) -> List[str]:
    problems = []
    if original.exit != 1 or "conflicting option string" not in original.stderr:
        problems.append("the original did not crash with an argparse conflict")
    if ours.exit != 0 or ours.stderr:
        problems.append("ours did not run the command cleanly")
    return problems


_PROMPTS = re.compile(r"^(>>> |\.\.\. )+", re.M)


def _shell_pipe(original: Outcome, ours: Outcome) -> List[str]:
    problems = same(original, ours, _others("stdout", "stderr"))
    unprompted = _PROMPTS.sub("", original.stdout).rstrip("\n> ") + "\n"
    if unprompted != ours.stdout:
        problems.append("stdout differs once the prompts are removed: %r != %r" % (unprompted, ours.stdout))
    if ours.stderr:
        problems.append("ours wrote to stderr: %r" % ours.stderr)
    return problems


def _ignored_options_warning(original: Outcome, ours: Outcome) -> List[str]:
    problems = same(original, ours, _others("stderr"))
    for outcome in (original, ours):
        if not re.search(r"UserWarning: .*ignored", outcome.stderr):
            problems.append("no warning about ignored options in %r" % outcome.stderr)
    return problems


_FLAG = re.compile(r"(?<![\w-])(--?[\w?][\w-]*)")
_CHOICES = re.compile(r"\{([\w,-]+)\}")


def _help_problems(original: Outcome, ours: Outcome) -> List[str]:
    """What help output may not differ in: exit status, files, database, and every option the original names."""
    problems = same(original, ours, ("exit", "files", "database"))
    theirs, mine = original.stdout + original.stderr, ours.stdout + ours.stderr
    missing = sorted(set(_FLAG.findall(theirs)) - set(_FLAG.findall(mine)))
    if missing:
        problems.append("options of the original missing from ours: %s" % missing)
    return problems


def _db_help_text(original: Outcome, ours: Outcome) -> List[str]:
    problems = _help_problems(original, ours)
    theirs, mine = original.stdout + original.stderr, ours.stdout + ours.stderr
    names = {name for group in _CHOICES.findall(theirs) for name in group.split(",")}
    missing_names = sorted(name for name in names if name not in mine)
    if missing_names:
        problems.append("subcommands of the original missing from ours: %s" % missing_names)
    return problems


def _invalid_choice_in_original(original: Outcome) -> List[str]:
    if original.exit != 2 or "invalid choice" not in original.stderr:
        return ["the original did not reject the subcommand"]
    return []


def _newer_subcommands(original: Outcome, ours: Outcome) -> List[str]:
    problems = _invalid_choice_in_original(original)
    if ours.exit != 0:
        problems.append("ours failed: %r" % ours.stderr)
    return problems


def _merge_default(original: Outcome, ours: Outcome) -> List[str]:
    problems = []
    if original.exit != 2 or "required: revisions" not in original.stderr:
        problems.append("the original did not require revisions")
    if ours.exit != 0 or not any("down_revision = (" in text for text in ours.files.values()):
        problems.append("ours did not merge the heads")
    return problems


def _merge_nothing(original: Outcome, ours: Outcome) -> List[str]:
    problems = same(original, ours, ("exit", "database"))
    added = set(original.files) - set(ours.files)
    if len(added) != 1 or set(ours.files) - set(original.files):
        problems.append("the original should have written exactly one file more than ours")
    if "Nothing to merge" not in ours.stdout:
        problems.append("ours did not say there was nothing to merge: %r" % ours.stdout)
    return problems


_DASHED_ALIAS = re.compile(r", --\w+(?:-\w+)+(?= [A-Z_]+\b|\n|  |$)")


def _dashed_long_option(original: Outcome, ours: Outcome) -> List[str]:
    stripped = ours._replace(stdout=_DASHED_ALIAS.sub("", ours.stdout))
    return same(original, stripped)


DIFFERENCES: Dict[str, Difference] = {
    "one-error-line": Difference(
        "A failure the original reported with a traceback, or as a logged `ERROR [flask_migrate] Error: ...` "
        "line, is one `Error: ...` line on stderr with the same exit status: `InvalidCommand`, a prompt at end "
        "of input, and every failing db subcommand (whose message may say more, e.g. the heads to merge).",
        _one_error_line),
    "own-frames": Difference(
        "An exception raised by your own command keeps its traceback; the frames inside the package are ours, "
        "the exception line is the same.",
        _traceback_tail),
    "short-flag-conflict": Difference(
        "`@manager.command` on a function whose arguments share a first letter (`host`, `hostname`) crashed "
        "with an argparse conflict; now the first gets `-h`, the others only the long form. A short form that "
        "collides with the help switches is dropped the same way.",
        _short_flag_conflict),
    "dashed-long-option": Difference(
        "Long options made by `@manager.command` keep underscores (`--profile_dir`) and also accept dashes "
        "(`--profile-dir`), so their help lines name both.",
        _dashed_long_option),
    "shell-pipe": Difference(
        "`shell` fed from a pipe (`echo 'print(app.name)' | python manage.py shell`) runs the input as a script: "
        "no `>>>` prompts in the output and no banner on stderr.",
        _shell_pipe),
    "ignored-options-warning": Difference(
        "A manager option given with a ready app (not a factory) warns `Manager options are ignored: ...`; "
        "options not given on the command line do not warn (Flask-Script warned whenever the manager had options).",
        _ignored_options_warning),
    "db-help-text": Difference(
        "`db --help` and `db SUBCOMMAND --help` describe each subcommand in this package's words and list every option of "
        "Flask-Migrate 2.7 plus the newer ones (`-x` on every subcommand that runs env.py, `--purge`, `--package`, ...); their "
        "usage lines name the command (`manage.py db upgrade`) where 2.7 printed "
        "`Perform database migrations upgrade`.",
        _db_help_text),
    "newer-subcommands": Difference(
        "`db check`, `db list-templates` and `db doctor` exist (Flask-Migrate 2.7 had none of them).",
        _newer_subcommands),
    "db-merge-default": Difference(
        "`db merge` without revisions merges all heads (Flask-Migrate 2.7 required them).",
        _merge_default),
    "merge-nothing": Difference(
        "`db merge` when there is nothing to merge (the revisions name one head) writes no file and says "
        "`Nothing to merge`, exit 0; Flask-Migrate 2.7 wrote a pointless revision with a single parent.",
        _merge_nothing),
}


# -- `flask db` beside Flask-Migrate 4.1 ---------------------------------------------------------

_CLICK_COMMANDS = re.compile(r"^Commands:\n((?:  .*\n?)+)", re.M)


def _click_help_text(original: Outcome, ours: Outcome) -> List[str]:
    problems = _help_problems(original, ours)
    theirs, mine = original.stdout + original.stderr, ours.stdout + ours.stderr
    if "[default:" in mine and "[default:" not in theirs:
        problems.append("ours shows defaults the original does not: %r" % mine)
    listed = _CLICK_COMMANDS.search(theirs)
    names = {line.split()[0] for line in listed.group(1).splitlines() if line[2:3] != " "} if listed else set()
    missing_names = sorted(name for name in names if not re.search(r"^  %s\b" % re.escape(name), mine, re.M))
    if missing_names:
        problems.append("subcommands of the original missing from ours: %s" % missing_names)
    return problems


def _own_templates(original: Outcome, ours: Outcome) -> List[str]:
    problems = same(original, ours, _others("stdout"))
    extra = sorted(set(ours.stdout.splitlines()) - set(original.stdout.splitlines()))
    if extra or "flask - " not in ours.stdout:
        problems.append("ours lists templates the original does not: %s" % extra)
    return problems


def _no_such_command_in_original(original: Outcome, ours: Outcome) -> List[str]:
    problems = [] if original.exit == 2 and "No such command" in original.stderr else [
        "the original did not reject the subcommand"]
    if ours.exit != 0:
        problems.append("ours failed: %r" % ours.stderr)
    return problems


def _merge_heads_not_nothing(original: Outcome, ours: Outcome) -> List[str]:
    problems = []
    merge = [text for name, text in original.files.items() if "r6merge" in name]
    if original.exit != 0 or not merge or "down_revision = None" not in merge[0]:
        problems.append("the original did not write a merge revision without parents")
    if ours.exit != 0 or not any("r6merge" in name and "down_revision = (" in text for name, text in ours.files.items()):
        problems.append("ours did not merge the heads")
    return problems


FLASK_DB_DIFFERENCES: Dict[str, Difference] = {
    "one-error-line": Difference(
        "A failure Flask-Migrate 4.1 logged as `ERROR [flask_migrate] Error: ...` (or printed as `Error: ...` "
        "before logging was set up) is one `Error: ...` line, with the same exit status; its message may say "
        "more (the heads to merge, the command that creates the folder).",
        _one_error_line),
    "help-text": Difference(
        "`flask db --help` and `flask db SUBCOMMAND --help` describe each subcommand in this package's words and "
        "list every option of Flask-Migrate 4.1, plus `-x` on every subcommand that runs env.py and `doctor`.",
        _click_help_text),
    "own-templates": Difference(
        "`flask db list-templates` lists `flask` and `flask-multidb`: the `aioflask` templates of Flask-Migrate "
        "4.1 are not shipped.",
        _own_templates),
    "merge-default": Difference(
        "`flask db merge` without revisions merges all heads; Flask-Migrate 4.1 wrote a revision with no "
        "parent at all (a second root).",
        _merge_heads_not_nothing),
    "merge-nothing": Difference(
        "`flask db merge` when there is nothing to merge (the revisions name one head) writes no file and says "
        "`Nothing to merge`, exit 0; Flask-Migrate 4.1 wrote a pointless revision with a single parent.",
        _merge_nothing),
    "newer-subcommands": Difference(
        "`flask db doctor` exists (Flask-Migrate 4.1 has no such command).",
        _no_such_command_in_original),
}


def _as_compared(scenario, outcome: Outcome) -> Outcome:
    if scenario.any_line_order:
        return outcome._replace(stdout="\n".join(sorted(outcome.stdout.splitlines())))
    return outcome


def unchanged(scenario, recorded: Outcome, now: Outcome) -> List[str]:
    """Return how a fresh run of the originals differs from their recording (nothing is excused)."""
    return same(_as_compared(scenario, recorded), _as_compared(scenario, now))


def compare(scenario, original: Outcome, ours: Outcome, listed: Dict[str, Difference] = DIFFERENCES) -> List[str]:
    """Return what is wrong with ``ours`` given the original's outcome and the scenario's differences in ``listed``."""
    original, ours = _as_compared(scenario, original), _as_compared(scenario, ours)
    if not scenario.differences:
        return same(original, ours)
    problems = []
    for name in scenario.differences:
        problems.extend(listed[name].check(original, ours))
    return problems


def assert_conforms(scenario, recorded: Outcome, original_python: Optional[str], ours_python: str,
                    listed: Dict[str, Difference] = DIFFERENCES) -> None:
    """Fail unless ours behaves as the original in ``scenario``, but for the differences it names.

    With ``original_python`` the original runs now too, and must still do what ``recorded`` says.
    """
    from harness import run_scenario

    original = recorded
    if original_python:
        original = run_scenario(original_python, scenario)
        drift = unchanged(scenario, recorded, original)
        assert not drift, "the original no longer does what was recorded (%s): re-record\n%r\n%r" % (
            ", ".join(drift), recorded, original)
    ours = run_scenario(ours_python, scenario)
    assert ours.setup_exits == original.setup_exits
    problems = compare(scenario, original, ours, listed)
    assert not problems, "\n".join(problems) + "\n\noriginal: %r\n\nours: %r" % (original, ours)


def readme_list(listed: Dict[str, Difference] = DIFFERENCES) -> str:
    """Render a list README.md carries under "Compatibility notes"."""
    return "".join("- %s\n" % difference.summary for difference in listed.values())

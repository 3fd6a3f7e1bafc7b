"""``python -m flask_migrate_legacy``: the tools that read a project without importing it.

``doctor [PATH]``: the project doctor, for a project that does not start. The
same report, ``--fix``, ``--fix --write``, ``--format json`` and exit statuses as
``db doctor`` (0 nothing will fail, 1 something will, 2 a usage error), but read
from the project's files alone, so an app that dies at import still gets its
diagnosis.

``convert [MANAGE_PY]``: the way out of Flask-Script (``convert.py``): the new
manage.py as a diff, or written with ``--write``; how each command runs now;
exit status 1 while something is left for the user (a ``TODO(convert)``).
"""

import argparse
import os
import sys
from typing import List, NoReturn, Optional

from .errors import UsageError, UserError, flush_output, reader_went_away, report

PROGRAM = "python -m flask_migrate_legacy"


class _Parser(argparse.ArgumentParser):
    """argparse, its usage errors one ``Error:`` line and exit status 2 like every command of this package."""

    def error(self, message: str) -> NoReturn:
        raise UsageError("%s (see %s --help)" % (message, self.prog))


def parser() -> argparse.ArgumentParser:
    """Return the command line's parser."""
    top = _Parser(prog=PROGRAM, description="Tools for Flask-Script and Flask-Migrate 2.x era projects.")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    doctor = commands.add_parser("doctor", help="report what will break on today's stack, without importing the app",
                                 description="Report what will break on today's stack, reading the project's files "
                                             "without importing the app; --fix shows the certain rewrites.")
    doctor.add_argument("path", nargs="?", default=".", metavar="PATH", help="the project's folder (default: here)")
    doctor.add_argument("--fix", action="store_true", help="show the rewrites that are certainly safe, as a diff")
    doctor.add_argument("--write", action="store_true", help="with --fix: write them (each file atomically)")
    doctor.add_argument("--format", choices=("text", "json"), default="text", help="the report's format")
    doctor.add_argument("--rules", action="store_true", help="print the table of rules and exit")
    doctor.add_argument("--against", metavar="REF", help="review only what this branch changes under the migrations "
                        "folder, against this git ref: heads once merged, rewritten revisions, lock safety")
    doctor.add_argument("--all", dest="review_all", action="store_true",
                        help="review the lock safety of every revision, not only the branch's")
    doctor.add_argument("--verify", metavar="URL", help="with a review: run each flagged revision, rolled back, on "
                        "a scratch database of this PostgreSQL server; report the locks it took and what it rewrote")
    convert = commands.add_parser("convert", help="rewrite a Flask-Script manage.py as Flask's own command line",
                                  description="Rewrite a Flask-Script manage.py as Flask's own command line (Click "
                                              "commands on app.cli, flask db from Migrate): a diff, or --write.")
    convert.add_argument("manage_py", nargs="?", default="manage.py", metavar="MANAGE_PY",
                         help="the file to convert (default: manage.py here)")
    convert.add_argument("--write", action="store_true", help="write the converted file (atomically)")
    return top


def doctor(path: str, fix: bool = False, write: bool = False, format: str = "text", against: Optional[str] = None,
           review_all: bool = False, verify: Optional[str] = None) -> int:
    """Run the project doctor on ``path``; print the report; return the exit status."""
    from . import checks
    from .project import doctor_project, review_migrations

    if write and not fix:
        raise UsageError("--write goes with --fix (doctor --fix --write)")
    if fix and (against is not None or review_all):
        raise UsageError("--fix does not go with a review (--against, --all): it changes no revision")
    if verify is not None and against is None and not review_all:
        raise UsageError("--verify goes with a review (--against or --all)")
    if not os.path.isdir(path):
        raise UsageError("%s is not a folder: give the project's folder" % path)
    if against is not None or review_all:
        folders = [os.path.join(path, name) for name in sorted(os.listdir(path))
                   if os.path.isfile(os.path.join(path, name, "env.py"))]
        if len(folders) != 1:
            raise UsageError("%s has %s migrations folder: give the project's folder (the one that holds "
                             "migrations/)" % (path, "no" if not folders else "more than one"))
        findings = review_migrations(os.path.abspath(path), folders[0], against, review_all, verify)
        checks.print_report(sys.stdout, format, findings, "doctor", checks.FAILING_A_REVIEW)
    else:
        findings = doctor_project(os.path.abspath(path), [], fix, write, sys.stdout, "doctor")
        checks.print_report(sys.stdout, format, findings, "doctor")
    return 0


def convert(path: str, write: bool = False) -> int:
    """Convert the Flask-Script ``path``; print the diff (or write it) and the report; return the exit status."""
    import difflib

    from .convert import convert_source
    from .paths import shown_path
    from .pysource import read_source, write_atomically

    if not os.path.isfile(path):
        raise UsageError("%s is not a file: give the project's manage.py" % shown_path(path))
    original = read_source(path)
    if original.problem:
        raise UserError("%s does not parse (%s): nothing was converted" % (shown_path(path), original.problem))
    conversion = convert_source(original.source, os.path.basename(path))
    if write:
        try:
            write_atomically(path, conversion.source, original.encoding)
        except OSError as exc:  # a full disk, a read-only checkout: the old file stays whole
            raise UserError("could not write %s (%s): it is unchanged" % (shown_path(path), exc.strerror or exc)) \
                from exc
        print("wrote %s" % shown_path(path))
    else:
        sys.stdout.writelines(difflib.unified_diff(
            original.source.splitlines(True), conversion.source.splitlines(True), path, "%s (converted)" % path))
    print("\nHow each command runs now (set FLASK_APP=%s once instead of --app):" % os.path.basename(path))
    for old, new in conversion.commands:
        print("  %-40s -> %s" % (old, new))
    for note in conversion.notes:
        print("note: %s" % note)
    for todo in conversion.todos:
        print("TODO %s:%d: %s" % (shown_path(path), todo.line, todo.message))
    if conversion.todos:
        raise UserError("%d thing(s) to translate by hand, each marked TODO(convert) in the file%s"
                        % (len(conversion.todos), "" if write else " (nothing was written; --write writes it)"))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; return its exit status."""
    try:
        arguments = parser().parse_args(argv)
        if arguments.command is None:
            raise UsageError("give a command: doctor or convert (see %s --help)" % PROGRAM)
        if arguments.command == "convert":
            status = convert(arguments.manage_py, arguments.write)
        elif arguments.rules:
            from .project import rules_table

            sys.stdout.write(rules_table())
            status = 0
        else:
            status = doctor(arguments.path, arguments.fix, arguments.write, arguments.format, arguments.against,
                            arguments.review_all, arguments.verify)
        flush_output()
        return status
    except BrokenPipeError:
        return reader_went_away()
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted: every file written was written whole\n")
        return 130
    except UserError as error:
        try:
            flush_output()
        except UserError:
            pass
        report(error)
        return error.exit_code


def run() -> None:
    """The console script ``flask-migrate-legacy``."""
    sys.exit(main())

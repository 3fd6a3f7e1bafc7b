"""Write what is generated from the package's tables: README's subcommand reference and table of
rules, and the package's exports of the operations.

Run it after adding or changing a subcommand, an argument or a doctor rule:

    python scripts/regenerate.py           # rewrite the files
    python scripts/regenerate.py --check   # exit 1, naming the files, when one is out of date

The tests fail until the files match.
"""

import os
import re
import sys
from typing import Callable, Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

README = os.path.join(ROOT, "README.md")
PACKAGE_INIT = os.path.join(ROOT, "flask_migrate_legacy", "__init__.py")


def _between(start: str, end: str, body: Callable[[], str]) -> Callable[[str], str]:
    """Return a rewrite of ``text`` that replaces what stands between the line starting ``start``
    and the line ``end`` with ``body()``."""

    def rewrite(text: str) -> str:
        pattern = r"(^%s[^\n]*\n).*?(^%s)" % (re.escape(start), re.escape(end))
        new, count = re.subn(pattern, lambda found: found.group(1) + body() + found.group(2), text,
                             flags=re.S | re.M)
        if count != 1:
            raise SystemExit("no %r ... %r block to regenerate" % (start, end))
        return new

    return rewrite


def _reference() -> str:
    from flask_migrate_legacy.subcommands import reference_markdown

    return reference_markdown()


def _rules() -> str:
    from flask_migrate_legacy.project import rules_table

    return rules_table()


def _exports() -> str:
    from flask_migrate_legacy.subcommands import SUBCOMMANDS

    return "".join('    "%s": "operations",\n' % subcommand.operation.__name__ for subcommand in SUBCOMMANDS)


#: Each generated file, and the blocks in it.
GENERATED: Dict[str, List[Callable[[str], str]]] = {
    README: [_between("<!-- reference:", "<!-- /reference -->", _reference),
             _between("<!-- rules:", "<!-- /rules -->", _rules)],
    PACKAGE_INIT: [_between("    # the operations, one per db subcommand", "    # end of the operations", _exports)],
}


def regenerated(path: str) -> str:
    """Return the content ``path`` should have."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for rewrite in GENERATED[path]:
        text = rewrite(text)
    return text


def main(argv: List[str]) -> int:
    check = "--check" in argv
    stale = []
    for path in GENERATED:
        text = regenerated(path)
        with open(path, encoding="utf-8") as handle:
            if handle.read() == text:
                continue
        stale.append(os.path.relpath(path, ROOT))
        if not check:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
    if check and stale:
        print("out of date (run python scripts/regenerate.py): %s" % ", ".join(stale), file=sys.stderr)
        return 1
    for name in stale:
        print("rewrote %s" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

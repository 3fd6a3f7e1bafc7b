"""Write README's table of the doctor's rules from the registry (the checks declared in the package).

Run after adding or changing a rule: python scripts/readme_rules.py (a test fails until README matches).
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir))

from flask_migrate_legacy.checks import rules_table  # noqa: E402

README = os.path.join(HERE, os.pardir, "README.md")


def main() -> None:
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    new, count = re.subn(r"(<!-- rules: [^\n]*-->\n).*?(<!-- /rules -->)", lambda found: found.group(1) +
                         rules_table() + found.group(2), text, flags=re.S)
    if count != 1:
        sys.exit("README.md has no <!-- rules: ... --> block")
    with open(README, "w", encoding="utf-8") as handle:
        handle.write(new)


if __name__ == "__main__":
    main()

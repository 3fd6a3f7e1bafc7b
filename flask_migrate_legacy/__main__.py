"""``python -m flask_migrate_legacy``: the package's own command line (see ``package_cli``)."""

import sys

from .package_cli import main

if __name__ == "__main__":
    sys.exit(main())

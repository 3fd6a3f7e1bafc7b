"""``python -m flask_migrate_legacy``: the project doctor (see ``doctor_cli``)."""

import sys

from .doctor_cli import main

if __name__ == "__main__":
    sys.exit(main())

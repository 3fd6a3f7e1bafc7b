"""On/off settings: one parser for every switch the package reads.

Imports nothing but ``os``: the import hook reads a switch at interpreter start.
"""

import os
from typing import Any, Mapping, Optional

ON = ("1", "true", "yes", "on")
OFF = ("0", "false", "no", "off")


def parse_switch(name: str, value: Any, default: bool) -> bool:
    """Return ``value`` as on/off; unset or empty is ``default``; anything else raises ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ON:
        return True
    if word in OFF:
        return False
    raise ValueError("%s must be %s (on) or %s (off), not %r" % (name, "/".join(ON), "/".join(OFF), value))


def read_switch(name: str, default: bool, config: Optional[Mapping[str, Any]] = None) -> bool:
    """Read the switch ``name``: the environment variable wins over ``config[name]``."""
    value = os.environ.get(name)
    if value is None and config is not None:
        value = config.get(name)
    return parse_switch(name, value, default)

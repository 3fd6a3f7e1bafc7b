"""``MIGRATE_DDL_LOCK_TIMEOUT``: a migration's statements give up waiting for a busy table instead of queueing.

A DDL statement waiting for a table's lock makes every later reader of that table
wait behind it (PostgreSQL's lock queue; MySQL/MariaDB's metadata locks). With the
setting (seconds, app config or environment; off by default, as the originals),
each connection a run checks out waits at most that long for a lock and the run
fails in one line, rolled back where the database can (PostgreSQL ``lock_timeout``,
since 9.3; MySQL/MariaDB ``lock_wait_timeout``, whole seconds, at least 1).
"""

import contextlib
import math
from typing import Any, Iterator, Optional

#: The setting's name (app config key or environment variable).
SETTING = "MIGRATE_DDL_LOCK_TIMEOUT"


def configured_seconds() -> Optional[float]:
    """Return the configured timeout in seconds, or None when it is off (unset or 0)."""
    from .lock import seconds_setting

    seconds = seconds_setting(SETTING, 0, "no timeout, the default")
    return seconds or None


@contextlib.contextmanager
def applied(seconds: Optional[float]) -> Iterator[None]:
    """While the block runs, give every connection checked out in this process that lock timeout."""
    if seconds is None:
        yield
        return
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        statement = _statement(dbapi_connection, seconds)
        if statement is None:
            return
        cursor = dbapi_connection.cursor()
        cursor.execute(statement[0])
        cursor.close()
        record.info["fml_ddl_lock_timeout"] = statement[1]

    def checkin(dbapi_connection: Any, record: Any) -> None:
        reset = record.info.pop("fml_ddl_lock_timeout", None)
        if reset is not None and dbapi_connection is not None:
            cursor = dbapi_connection.cursor()
            cursor.execute(reset)
            cursor.close()

    event.listen(Pool, "checkout", checkout)
    event.listen(Pool, "checkin", checkin)
    try:
        yield
    finally:
        event.remove(Pool, "checkout", checkout)
        event.remove(Pool, "checkin", checkin)


def _statement(dbapi_connection: Any, seconds: float) -> Optional[tuple]:
    """Return (the statement that sets the timeout, the one that resets it) for this driver's database."""
    module = type(dbapi_connection).__module__
    if module.startswith(("psycopg", "pg8000")):
        return ("SET lock_timeout = %d" % max(1, round(seconds * 1000)), "RESET lock_timeout")
    if module.startswith(("pymysql", "MySQLdb", "mysql", "mariadb")):
        return ("SET SESSION lock_wait_timeout = %d" % max(1, math.ceil(seconds)),
                "SET SESSION lock_wait_timeout = DEFAULT")
    return None  # SQLite: one writer, and the migration lock already keeps others out

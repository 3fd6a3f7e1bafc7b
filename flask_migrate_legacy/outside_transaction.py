"""What a migration run committed outside its transaction: the statements of Alembic's autocommit blocks.

``op.get_context().autocommit_block()`` (``CREATE INDEX CONCURRENTLY`` on
PostgreSQL) commits the open transaction and runs its statements on the
connection with ``isolation_level="AUTOCOMMIT"``. When the run then fails, its
transaction is rolled back but those statements stay; the aftermath names them
instead of claiming that the schema matches the revision the database is at.
"""

import contextlib
from typing import Any, Iterable, Iterator, List

#: The statements the latest run executed outside its transaction (kept after it ends, for its aftermath).
_statements: List[str] = []


def statements() -> List[str]:
    """Return the statements the latest writing run executed in autocommit mode."""
    return list(_statements)


def _record(connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        _statements.append(" ".join(statement.split()))


@contextlib.contextmanager
def recording(engines: Iterable[Any]) -> Iterator[None]:
    """Record, on ``engines``, the statements run in autocommit mode while the block runs."""
    from sqlalchemy import event

    del _statements[:]
    listening = []
    for engine in engines:
        event.listen(engine, "before_cursor_execute", _record)
        listening.append(engine)
    try:
        yield
    finally:
        for engine in listening:
            event.remove(engine, "before_cursor_execute", _record)

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


def _record(cursor: Any, statement: str, parameters: Any, context: Any) -> None:
    """Note a statement the driver runs on a connection in autocommit mode (a dialect event: SQLAlchemy
    dispatches those without the per-statement work a connection event would add to every statement)."""
    connection = getattr(context, "root_connection", None)
    if connection is not None and connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        _statements.append(" ".join(statement.split()))


def _record_without_parameters(cursor: Any, statement: str, context: Any) -> None:
    _record(cursor, statement, None, context)


_EVENTS = (("do_execute", _record), ("do_execute_no_params", _record_without_parameters),
           ("do_executemany", _record))


@contextlib.contextmanager
def recording(engines: Iterable[Any]) -> Iterator[None]:
    """Record, on ``engines``, the statements run in autocommit mode while the block runs."""
    from sqlalchemy import event

    del _statements[:]
    listening = []
    for engine in engines:
        for name, listener in _EVENTS:
            event.listen(engine, name, listener)
        listening.append(engine)
    try:
        yield
    finally:
        for engine in listening:
            for name, listener in _EVENTS:
                event.remove(engine, name, listener)

"""SQLite batch mode's temporary tables, removed when a failed run left them, and only then.

Alembic's batch mode on SQLite copies a table into ``_alembic_tmp_<table>``,
drops the table and renames the copy. A failure while copying (a NOT NULL
that the data breaks) leaves the copy behind, and every later batch on that
table fails with "table _alembic_tmp_... already exists". A copy that this run
made (it was not there before) while the table itself is still there is
removed; one whose table is gone holds the data, and is only named.
"""

import contextlib
from typing import Any, Dict, Iterable, Iterator, List, Set

_PREFIX = "_alembic_tmp_"
#: What the latest run did or found, worded for its error line.
_notes: List[str] = []


def notes() -> List[str]:
    """Return what the latest failed run did with batch mode's temporary tables."""
    return list(_notes)


def _temporary_tables(engine: Any) -> Set[str]:
    from sqlalchemy import text

    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE :prefix "
                                       "ESCAPE '!'"), {"prefix": _PREFIX.replace("_", "!_") + "%"})
        return {row[0] for row in rows}


def _table_exists(engine: Any, name: str) -> bool:
    from sqlalchemy import text

    with engine.connect() as connection:
        return connection.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                                  {"name": name}).first() is not None


@contextlib.contextmanager
def removed_on_failure(engines: Iterable[Any]) -> Iterator[None]:
    """On failure, drop the batch copies this block left on SQLite whose tables are still there."""
    del _notes[:]
    sqlite = [engine for engine in engines if engine.dialect.name == "sqlite"]
    before: Dict[int, Set[str]] = {}
    for engine in sqlite:
        try:
            before[id(engine)] = _temporary_tables(engine)
        except Exception:  # a database not created yet, or unreadable: the run will say why
            before[id(engine)] = set()
    try:
        yield
    except BaseException:
        for engine in sqlite:
            with contextlib.suppress(Exception):
                _clean(engine, before[id(engine)])
        raise


def _clean(engine: Any, before: Set[str]) -> None:
    from sqlalchemy import text

    for name in sorted(_temporary_tables(engine) - before):
        table = name[len(_PREFIX):]
        if _table_exists(engine, table):
            with engine.begin() as connection:
                connection.execute(text('DROP TABLE "%s"' % name.replace('"', '""')))
            _notes.append("batch mode's partial copy %s was removed: %s is as it was before the batch" % (name, table))
        else:
            _notes.append("%s is gone and its data is in batch mode's copy %s: rename that back to %s" % (
                table, name, table))

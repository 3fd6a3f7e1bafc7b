"""The version row's update after each step of ``db upgrade``/``downgrade``, compiled once instead of per step.

After each step, Alembic moves the version row with an UPDATE that holds both
revision ids as SQL text (``literal_column("'<id>'")``, the same in
``HeadMaintainer._update_version`` from 1.12.1 to 1.20.1, read), so SQLAlchemy
compiles a new statement for every revision, and each one takes a place in the
engine's compiled cache: about 600 M of the 5.1 G instructions of an upgrade of
1,000 revisions on SQLite. Here the update is one statement whose two ids are
written into its SQL when it runs (``literal_execute``): compiled once, and the
database, the cursor events and SQLAlchemy's echo log get the same SQL, byte for
byte (the echo's "generated in" timing becomes "cached since").

It applies only where that sameness is known, and otherwise Alembic's own
method runs: an Alembic of those releases, SQLAlchemy 1.4 or later, SQLite,
PostgreSQL, MySQL or MariaDB, Alembic's own ``_exec``, ids of ASCII letters,
digits and underscores (nothing a dialect would quote or escape), no
``before_execute``/``after_execute`` listener on the connection (those receive
the statement object, not its SQL), and only for the migration contexts a
``cached_version_updates`` block adopted. Inside such a block Alembic's
``HeadMaintainer`` is a subclass with that method; a class someone else put there
is left alone.
"""

import contextlib
import functools
import re
import threading
import weakref
from typing import Any, Callable, Iterator, Optional

#: The Alembic releases whose ``HeadMaintainer._update_version`` this module repeats (read for each).
KNOWN_ALEMBIC = ((1, 12), (1, 20))
_DIALECTS = frozenset(("sqlite", "postgresql", "mysql", "mariadb"))
#: An id every one of those dialects renders as '<id>', as Alembic's text does.
_PLAIN_ID = re.compile(r"[0-9A-Za-z_]+\Z")

_mutex = threading.Lock()
_blocks = 0
_alembics_class: Optional[type] = None
_adopted: "weakref.WeakSet[Any]" = weakref.WeakSet()


def supported() -> bool:
    """Tell whether this Alembic and SQLAlchemy can take the compiled-once statement at all."""
    from .compat import sqlalchemy_release
    from .config import alembic_version

    return KNOWN_ALEMBIC[0] <= alembic_version[:2] <= KNOWN_ALEMBIC[1] and sqlalchemy_release() >= (1, 4)


@contextlib.contextmanager
def cached_version_updates() -> Iterator[Callable[[Any], None]]:
    """Yield ``adopt(migration_context)``: the version updates of each adopted context within the block run
    from the compiled-once statement (see the module's docstring)."""
    global _blocks, _alembics_class
    from alembic.runtime import migration

    usable = supported()
    with _mutex:
        if usable and _blocks == 0:
            current = migration.HeadMaintainer
            if (current.__module__, current.__qualname__) == ("alembic.runtime.migration", "HeadMaintainer"):
                _alembics_class = current
                migration.HeadMaintainer = _maintainer_class(current)  # type: ignore[misc,assignment]
        _blocks += 1
    adopted = []

    def adopt(context: Any) -> None:
        if usable:
            _adopted.add(context)
            adopted.append(context)

    try:
        yield adopt
    finally:
        with _mutex:
            for context in adopted:
                _adopted.discard(context)
            _blocks -= 1
            if _blocks == 0 and _alembics_class is not None:
                if migration.HeadMaintainer is _maintainer_class(_alembics_class):  # not replaced meanwhile
                    migration.HeadMaintainer = _alembics_class  # type: ignore[misc,assignment]
                _alembics_class = None


@functools.lru_cache(maxsize=None)
def _maintainer_class(base: type) -> type:
    """Alembic's HeadMaintainer with ``_update_version`` from the compiled-once statement (one class per base)."""

    def _update_version(self: Any, from_: str, to_: str) -> None:
        statement = _statement_for(self, from_, to_)
        if statement is None:
            base._update_version(self, from_, to_)  # type: ignore[attr-defined]
            return
        # Alembic's own steps around the statement (HeadMaintainer._update_version, 1.12.1 to 1.20.1).
        assert to_ not in self.heads
        self.heads.remove(from_)
        self.heads.add(to_)
        result = self.context.impl._exec(statement, params={"from_": from_, "to_": to_})
        if self.context.dialect.supports_sane_rowcount and result is not None and result.rowcount != 1:
            from alembic.util import CommandError

            raise CommandError(
                "Online migration expected to match one row when updating '%s' to '%s' in '%s'; %d found"
                % (from_, to_, self.context.version_table, result.rowcount))

    return type("CompiledOnceHeadMaintainer", (base,), {"_update_version": _update_version})


def _listened(connection: Any) -> bool:
    """Tell whether a listener receives the statement objects this connection executes."""
    return bool(connection.dispatch.before_execute or connection.dispatch.after_execute)


def _statement_for(maintainer: Any, from_: str, to_: str) -> Any:
    """Return the compiled-once UPDATE for this update, or None where Alembic's own method must run."""
    context = maintainer.context
    if context not in _adopted or context.as_sql or not (_PLAIN_ID.match(from_) and _PLAIN_ID.match(to_)):
        return None
    from alembic.ddl.impl import DefaultImpl

    connection = context.connection
    if context.dialect.name not in _DIALECTS or getattr(type(context.impl), "_exec", None) is not DefaultImpl._exec \
            or connection is None or _listened(connection):
        return None
    version = context._version
    cached = getattr(maintainer, "_compiled_once", None)
    if cached is None or cached[0] is not version:
        from sqlalchemy import String, bindparam

        statement = version.update().values(
            version_num=bindparam("to_", type_=String(), literal_execute=True)
        ).where(version.c.version_num == bindparam("from_", type_=String(), literal_execute=True))
        cached = maintainer._compiled_once = (version, statement)
    return cached[1]

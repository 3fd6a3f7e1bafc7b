"""Every Flask-SQLAlchemy 2.x/3.x and SQLAlchemy 1.3/1.4/2.x difference, in one place.

Also the object old ``env.py`` files see as ``current_app.extensions['migrate'].db``:
it answers the calls those files make (``db.engine.url`` rendered with its
password, ``db.get_engine(app, bind)``, tables tagged with ``bind_key``) on
today's Flask-SQLAlchemy, without touching the application's own objects.
"""

import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from sqlalchemy import MetaData

from .masking import masked_url, render_url

if TYPE_CHECKING:  # for annotations only
    from flask import Flask


def sqlalchemy_release() -> Tuple[int, ...]:
    """Return the installed SQLAlchemy's (major, minor)."""
    import sqlalchemy

    return tuple(int(part) for part in re.findall(r"\d+", sqlalchemy.__version__)[:2])


# -- engines, binds, metadata ----------------------------------------------------


def has_metadatas(db: Any) -> bool:
    """Tell whether ``db`` keeps one MetaData per bind (Flask-SQLAlchemy >= 3)."""
    return isinstance(getattr(db, "metadatas", None), dict)


def bind_keys(db: Any, app: "Flask") -> List[str]:
    """Return the names of the extra binds (not the default database)."""
    if hasattr(db, "engines"):  # Flask-SQLAlchemy >= 3.0
        return [key for key in db.engines if key is not None]
    return list((app.config.get("SQLALCHEMY_BINDS") or {}).keys())


def engine_for(db: Any, bind: Optional[str] = None) -> Any:
    """Return the engine of ``bind`` (None: the default database)."""
    if hasattr(db, "engines"):  # Flask-SQLAlchemy >= 3.0
        try:
            return db.engines[bind]
        except KeyError:
            raise KeyError("no bind named %r in SQLALCHEMY_BINDS" % bind) from None
    if bind is None:
        return db.engine
    return db.get_engine(bind=bind)


def engines_of(db: Any, app: "Flask") -> Dict[Optional[str], Any]:
    """Return every engine of the app, the default one under the key None."""
    engines: Dict[Optional[str], Any] = {None: engine_for(db, None)}
    for key in bind_keys(db, app):
        engines[key] = engine_for(db, key)
    return engines


def _copy_table(table: Any, metadata: MetaData) -> Any:
    if hasattr(table, "to_metadata"):  # SQLAlchemy >= 1.4
        return table.to_metadata(metadata)
    return table.tometadata(metadata)


def all_tables_metadata(db: Any) -> MetaData:
    """Return one MetaData with every bind's tables, each tagged ``info['bind_key']``.

    Flask-SQLAlchemy 2.x kept all tables in ``db.metadata`` tagged this way, and
    multidb env.py files of that era filter on the tag. Flask-SQLAlchemy 3
    keeps a MetaData per bind instead; this rebuilds the old view from copies.
    """
    if not has_metadatas(db) or len(db.metadatas) <= 1:
        return db.metadata
    combined = MetaData()
    for key, metadata in db.metadatas.items():
        for table in metadata.tables.values():
            copy = _copy_table(table, combined)
            if key is not None:
                copy.info["bind_key"] = key
    return combined


# -- what legacy env.py files see --------------------------------------------------


def _url_class_rendering_password(url: Any) -> Any:
    """Return ``url`` as an object whose ``str()`` includes the password.

    SQLAlchemy >= 1.4 masks the password in ``str(url)``; env.py files written
    before that build their engine from ``str(db.engine.url)``, so they would
    connect with the literal password ``***``.
    """
    if not hasattr(url, "render_as_string"):
        return url
    return _PlainURL.from_url(url)


try:  # SQLAlchemy >= 1.4: URL is an immutable named tuple we can subclass.
    from sqlalchemy.engine import URL as _URL

    class _PlainURL(_URL):
        @classmethod
        def from_url(cls, url: Any) -> Any:
            return cls(*tuple(url))

        def render_as_string(self, hide_password: bool = True) -> str:
            return render_url(self, hide_password)

        def __str__(self) -> str:
            return self.render_as_string(hide_password=False)

except ImportError:  # pragma: no cover - SQLAlchemy 1.3
    _PlainURL = None  # type: ignore[assignment,misc]


class LegacyEngine:
    """An engine as SQLAlchemy 1.3 showed it: ``str(engine.url)`` has the password."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    @property
    def url(self) -> Any:
        """Return the URL; its ``str()`` renders the real password."""
        return _url_class_rendering_password(self._engine.url)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def __repr__(self) -> str:
        return "Engine(%s)" % masked_url(self._engine.url)


class LegacyDatabase:
    """The Flask-SQLAlchemy object as env.py files of every generation expect it.

    Attribute access falls through to the real ``db``; only the calls whose
    meaning changed are answered here.
    """

    def __init__(self, db: Any) -> None:
        self._db = db

    @property
    def real(self) -> Any:
        """Return the application's own Flask-SQLAlchemy object."""
        return self._db

    @property
    def engine(self) -> LegacyEngine:
        """Return the default engine, as old env.py files use it."""
        return LegacyEngine(engine_for(self._db, None))

    def get_engine(self, app: Any = None, bind: Optional[str] = None, **kwargs: Any) -> LegacyEngine:
        """Return the engine of a bind: ``get_engine(app, bind)`` or ``get_engine(bind=...)``."""
        bind = kwargs.pop("bind_key", bind)
        if app is not None and not hasattr(app, "config"):
            bind = app  # Flask-SQLAlchemy 3 style: the bind key came first
        return LegacyEngine(engine_for(self._db, bind))

    def get_binds(self, app: Any = None) -> Dict[Any, LegacyEngine]:
        """Return a table -> engine mapping for every table, as Flask-SQLAlchemy 2 did."""
        mapping = {}
        for table in self.metadata.tables.values():
            mapping[table] = self.get_engine(bind=table.info.get("bind_key"))
        return mapping

    @property
    def metadata(self) -> MetaData:
        """Return all tables of all binds, tagged with their ``bind_key``."""
        if "_metadata" not in self.__dict__:
            self.__dict__["_metadata"] = all_tables_metadata(self._db)
        return self.__dict__["_metadata"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def real_db(db: Any) -> Any:
    """Return the application's Flask-SQLAlchemy object behind a LegacyDatabase."""
    return db.real if isinstance(db, LegacyDatabase) else db



"""Every Flask-SQLAlchemy 2.x/3.x and SQLAlchemy 1.3/1.4/2.x difference, in one place.

Also the object old ``env.py`` files see as ``current_app.extensions['migrate'].db``:
it answers the calls those files make (``db.engine.url`` rendered with its
password, ``db.get_engine(app, bind)``, tables tagged with ``bind_key``) on
today's Flask-SQLAlchemy, without touching the application's own objects.
"""

import re
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional

from sqlalchemy import MetaData

from .errors import OutputFailed

if TYPE_CHECKING:  # for annotations only
    from flask import Flask

MASK = "***"


# -- URLs ----------------------------------------------------------------------


#: A byte of a path that is not UTF-8, as Python keeps it in a str (PEP 383).
UNDECODED_BYTE = re.compile("[\udc80-\udcff]")


def render_url(url: Any, hide_password: bool) -> str:
    """Render a URL as text that reads back as the same URL.

    SQLAlchemy >= 1.4 %-quotes the parts of a URL as UTF-8, which fails on the
    bytes of a path that is not UTF-8 (a project folder named in Latin-1), and
    would read back wrong if they were quoted: such bytes stay as they are.
    (SQLAlchemy 2.1 quotes the database too, 1.4 and 2.0 only the user and password.)
    """
    if not hasattr(url, "render_as_string"):  # SQLAlchemy 1.3: str() shows the password, repr() masks it
        return repr(url) if hide_password else str(url)
    from urllib.parse import quote

    from sqlalchemy.engine import URL

    stand_ins: Dict[str, str] = {}
    changed = {}
    for name in ("username", "password", "database"):
        value = getattr(url, name)
        if isinstance(value, str) and UNDECODED_BYTE.search(value):
            def stand_in(match: "re.Match[str]") -> str:
                private = chr(0xF0000 + ord(match.group()))  # a private-use character, quoted predictably
                stand_ins[quote(private)] = stand_ins[private] = match.group()
                return private

            changed[name] = UNDECODED_BYTE.sub(stand_in, value)
    text = URL.render_as_string(url.set(**changed) if changed else url, hide_password=hide_password)
    for stand_in_text, byte in stand_ins.items():  # quoted or not, as this SQLAlchemy renders the part
        text = text.replace(stand_in_text, byte)
    return text


def url_with_password(url: Any) -> str:
    """Render a URL with its real password (for engines and config, never output)."""
    return render_url(url, hide_password=False)


def masked_url(url: Any) -> str:
    """Render a URL with its password replaced by ``***``, safe to print."""
    return render_url(url, hide_password=True)


def password_of(url: Any) -> Optional[str]:
    """Return the URL's password as text, or None."""
    password = getattr(url, "password", None)
    return None if password is None else str(password)


# The password runs to the URL's last '@': unencoded ones may hold '@' too.
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][\w+.-]*://[^:/@\s'\"]*:)([^\s'\"]*)(@)")
#: Query parameters drivers take a password from (``?password=...``).
PASSWORD_PARAMETERS = ("password", "passwd", "pwd")
_QUERY_PASSWORD = re.compile(r"([?&](?:%s)=)((?:(?!: )[^&\s'\"])*)" % "|".join(PASSWORD_PARAMETERS), re.IGNORECASE)


def mask_url_passwords(text: str) -> str:
    """Replace the password of every URL written in ``text`` (userinfo or query) with ``***``."""
    text = _URL_PASSWORD.sub(lambda match: match.group(1) + MASK + match.group(3), text)
    return _QUERY_PASSWORD.sub(lambda match: match.group(1) + MASK, text)


def secret_spellings(secret: str) -> List[str]:
    """Return every way ``secret`` can appear in output: as is, URL-quoted (``quote`` keeping '/',
    or quoting everything; either hex case; '+' for spaces), and each of those with '%' doubled as
    configparser escapes it."""
    from urllib.parse import quote, quote_plus

    forms = {secret, quote(secret), quote(secret, safe=""), quote_plus(secret)}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form) for form in forms}
    forms |= {form.replace("%", "%%") for form in forms}
    return sorted(forms, key=len, reverse=True)  # longest first: a form may contain another


class SecretMask:
    """Mask credentials where they stand as credentials, and nowhere else.

    A URL's password (``scheme://user:PASSWORD@``, ``?password=``) is masked
    whatever it is; a known secret is masked as a URL's password (spelled any
    way, even unquoted with '@', ':' or spaces in it) or as the value of a
    ``password=`` key (a DSN). A secret that is also a word, a host or part of
    SQL (``1``, ``item``, ``postgres``) is left alone everywhere else, so output
    holding no credential is byte for byte what it was.
    """

    def __init__(self, secrets: List[str]) -> None:
        forms = sorted({form for secret in secrets if secret for form in secret_spellings(secret)}, key=len,
                       reverse=True)
        alternatives = "|".join(re.escape(form) for form in forms)
        self._known = None if not forms else re.compile(
            r"(://[^:/@\s'\"]*:)(?:%s)(?=@)|((?<![\w.])(?:%s)\s*=\s*['\"]?)(?:%s)(?=['\"]|[\s&;,)]|$)"
            % (alternatives, "|".join(PASSWORD_PARAMETERS), alternatives), re.IGNORECASE)

    def mask(self, text: str) -> str:
        """Return ``text`` with every credential in a credential position replaced by ``***``."""
        if self._known is not None:
            text = self._known.sub(lambda match: (match.group(1) or match.group(2)) + MASK, text)
        return mask_url_passwords(text)


def mask_secrets(text: str, secrets: List[str]) -> str:
    """Replace each credential in a credential position in ``text`` with ``***`` (see :class:`SecretMask`)."""
    return SecretMask(secrets).mask(text)


class MaskedStream:
    """A text stream that masks the given secrets (and any URL password) where they stand as credentials."""

    def __init__(self, stream: Any, secrets: List[str]) -> None:
        self._stream = stream
        self._mask = SecretMask(list(secrets))

    def write(self, text: str) -> int:
        try:
            self._stream.write(self._mask.mask(text))
        except BrokenPipeError:
            raise  # the reader went away (| head): Alembic keeps quiet about it
        except OSError as exc:  # not an OSError any more, so that Alembic's printing does not swallow it
            raise OutputFailed(exc) from exc
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


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


def iter_passwords(app: "Flask") -> Iterator[str]:
    """Yield every database password the app's config holds (to keep them out of output)."""
    urls = []
    for key in ("SQLALCHEMY_DATABASE_URI",):
        if app.config.get(key):
            urls.append(app.config[key])
    urls.extend((app.config.get("SQLALCHEMY_BINDS") or {}).values())
    for raw in urls:
        if isinstance(raw, dict):
            raw = raw.get("url")
        yield from _password_in(raw)


def _password_in(raw: Any) -> List[str]:
    """Return the passwords a database URL (string or URL object) carries, in userinfo or query."""
    if raw is None:
        return []
    if isinstance(raw, str):
        from sqlalchemy.engine.url import make_url

        try:
            raw = make_url(raw)
        except Exception:  # unparseable: take what looks like a password
            found = re.findall(r"^[^:]+://[^:/@]*:(.*)@", raw) + [m.group(2) for m in _QUERY_PASSWORD.finditer(raw)]
            return [password for password in found if password]
    found = [password_of(raw)]
    for name, value in (getattr(raw, "query", None) or {}).items():
        if name.lower() in PASSWORD_PARAMETERS:
            found.extend(value if isinstance(value, (list, tuple)) else [value])
    return [str(password) for password in found if password]

"""Secrets kept out of every output: URL passwords, and the app's known passwords in any spelling.

Exact, never approximate: a URL's password (userinfo, ``?password=``) is masked
wherever it appears; a known secret only where it stands as a URL's password or a
``password=`` value, so that SQL or text that happens to contain the same
characters prints as written.
"""

import re
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional

from .errors import OutputFailed

if TYPE_CHECKING:  # for annotations only
    from flask import Flask

MASK = "***"

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


def app_passwords() -> List[str]:
    """Return the database passwords of the app in context ([] outside an app context)."""
    from flask import current_app

    return list(iter_passwords(current_app)) if current_app else []


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

"""A database setting the user must fix (a missing driver, an unknown dialect, an unreadable URL), in one line.

Read by the run's translator, by the start-up report (an app that fails while
it builds its engines) and by ``db doctor``; it never quotes a password.
"""

import os
import traceback
from typing import Optional

from .masking import mask_url_passwords

#: Driver modules SQLAlchemy dialects import, and the pip package that provides each.
DRIVER_PACKAGES = {
    "psycopg2": "psycopg2-binary",
    "psycopg": "psycopg[binary]",
    "pymysql": "PyMySQL",
    "MySQLdb": "mysqlclient",
    "mysql": "mysql-connector-python",
    "mariadb": "mariadb",
    "pg8000": "pg8000",
    "asyncpg": "asyncpg",
    "aiomysql": "aiomysql",
    "aiosqlite": "aiosqlite",
    "pyodbc": "pyodbc",
    "oracledb": "oracledb",
    "cx_Oracle": "cx_Oracle",
    "pymssql": "pymssql",
}


def describe_startup_error(error: BaseException) -> Optional[str]:
    """Return the one line for a database setting that failed while the app was built, else None."""
    if isinstance(error, ImportError) and not _raised_by_sqlalchemy(error):
        return None  # an import the user's own code makes
    return describe_configuration_error(error)


def _raised_by_sqlalchemy(error: BaseException) -> bool:
    frame = error.__traceback__
    while frame is not None:
        if "sqlalchemy" in frame.tb_frame.f_code.co_filename:
            return True
        frame = frame.tb_next
    return False


def describe_configuration_error(exc: BaseException) -> Optional[str]:
    """Describe a database setting the user must fix (driver, dialect, URL), else None."""
    if isinstance(exc, ImportError):
        driver = missing_driver(exc)
        if driver is None:
            return None
        return "the database driver %r is not installed: pip install %s%s" % (
            driver, DRIVER_PACKAGES[driver], _installed_alternative(driver))
    if isinstance(exc, (ValueError, TypeError)):
        return _bad_url_value(exc)
    if not (type(exc).__module__ or "").startswith("sqlalchemy"):
        return None
    kind, text = type(exc).__name__, " ".join(str(exc).split())
    if kind == "NoSuchModuleError":
        return "unknown database dialect in the URL: %s" % text
    if kind == "ArgumentError" and "URL" in text:
        return "bad database URL: %s" % mask_url_passwords(text)  # SQLAlchemy 1.3 quotes the URL
    return None


def _bad_url_value(exc: BaseException) -> Optional[str]:
    """Describe a database URL that SQLAlchemy could not read, without quoting it (it may hold a password)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if any(frame.filename.replace(os.sep, "/").endswith("sqlalchemy/engine/url.py") for frame in frames):
        if isinstance(exc, UnicodeEncodeError) and "surrogates" in str(exc):
            return ("the database URL holds bytes that are not UTF-8 (a path named in another encoding?), which "
                    "SQLAlchemy cannot write as a URL: rename the folder or file in UTF-8")
        return ("cannot parse the database URL (%s): if its password holds '@', ':', '/', '%%', '#' or '?', "
                "URL-encode it, e.g. urllib.parse.quote(password, safe='')" % type(exc).__name__)
    traceback_ = exc.__traceback__
    while traceback_ is not None:  # SQLAlchemy converts URL query parameters with coerce_kw_type(kw, key, type)
        frame = traceback_.tb_frame
        if frame.f_code.co_name == "coerce_kw_type" and "sqlalchemy" in frame.f_code.co_filename:
            key, wanted = frame.f_locals.get("key"), getattr(frame.f_locals.get("type_"), "__name__", "another type")
            return "the database URL's parameter %s=%r is not valid: it must be of type %s" % (
                key, mask_url_passwords(str((frame.f_locals.get("kw") or {}).get(key))), wanted)
        traceback_ = traceback_.tb_next
    return None


#: For a missing driver: another driver of the same database, and the URL form that selects it.
_ALTERNATIVES = {
    "psycopg": ("psycopg2", "postgresql+psycopg2://", " (SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3)"),
    "psycopg2": ("psycopg", "postgresql+psycopg://", ""),
    "MySQLdb": ("pymysql", "mysql+pymysql://", ""),
    "pymysql": ("MySQLdb", "mysql+mysqldb://", ""),
}


def _installed_alternative(driver: str) -> str:
    """Return ", or keep X with a Y URL" when another driver for the same database is importable."""
    if driver not in _ALTERNATIVES:
        return ""
    module, url_form, why = _ALTERNATIVES[driver]
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    return ", or keep %s with a %s URL%s" % (module, url_form, why) if found else ""


def missing_driver(exc: ImportError) -> Optional[str]:
    """Return the database driver module whose absence ``exc`` reports, or None."""
    name = getattr(exc, "name", None) or ""
    root = name.split(".")[0]
    return root if root in DRIVER_PACKAGES else None

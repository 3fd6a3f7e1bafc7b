"""The lock's own database session: opened beside the app's connections, closed for good at the end.

PyMySQL 1.2.0 made TLS its default mode ("preferred": TLS whenever the server
offers it, the server's certificate not verified; its changelog, "Reorganize TLS
connection behavior", PR #1234). It builds that unverified context with
``ssl.create_default_context()``, which loads the system's CA bundle, a bundle
an unverified context never reads: about 20 ms of CPU for every connection.
The lock's session gets the same context without that load. Every other TLS
setting (a CA, a client certificate, verification, an ``SSLContext`` of the
app's, ``ssl_disabled``) takes PyMySQL's own path unchanged, as does a PyMySQL
release this module has not been checked against.
"""

import contextlib
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Dict, Optional

if TYPE_CHECKING:  # for annotations only
    import ssl

    from sqlalchemy.engine import Connection, Engine

#: The PyMySQL releases (major, minor) whose "preferred" context is known to be the one
#: ``unverified_context`` builds; the tests hold the two equal, setting by setting.
KNOWN_PYMYSQL_RELEASES = ((1, 2),)

_connection_classes: Dict[type, type] = {}


def open_session(engine: "Engine") -> "Connection":
    """Return ``engine.connect()`` for the lock: through the app's engine (its URL, connect_args and
    events), a PyMySQL session of its own opened without the CA-bundle load described above."""
    connection_class = _lock_connection_class(engine)
    if connection_class is None:
        return engine.connect()
    from sqlalchemy import event

    opener = threading.get_ident()

    def connect(dialect: Any, connection_record: Any, cargs: Any, cparams: Any) -> Any:
        # Only the connection this thread opens for the lock; an app's own do_connect listener
        # (registered earlier) has already had its say, and an engine built with creator= has none.
        if threading.get_ident() != opener:
            return None
        return connection_class(*cargs, **cparams)

    event.listen(engine, "do_connect", connect)
    try:
        return engine.connect()
    finally:
        event.remove(engine, "do_connect", connect)


def _lock_connection_class(engine: "Engine") -> Optional[type]:
    if engine.dialect.driver != "pymysql":
        return None
    dbapi = getattr(engine.dialect, "loaded_dbapi", None) or getattr(engine.dialect, "dbapi", None)
    base = getattr(dbapi, "Connection", None)
    release = tuple(getattr(dbapi, "VERSION", ())[:2])
    if base is None or release not in KNOWN_PYMYSQL_RELEASES or not hasattr(base, "_create_ssl_ctx"):
        return None
    if base not in _connection_classes:
        def _create_ssl_ctx(self: Any, sslp: Any) -> Any:
            # PyMySQL 1.2 asks for an empty dict exactly in its "preferred" mode (_ssl_required just set False).
            if isinstance(sslp, dict) and not sslp and getattr(self, "_ssl_required", True) is False:
                return unverified_context()
            return base._create_ssl_ctx(self, sslp)

        _connection_classes[base] = type("LockSessionConnection", (base,), {"_create_ssl_ctx": _create_ssl_ctx})
    return _connection_classes[base]


def unverified_context() -> "ssl.SSLContext":
    """PyMySQL 1.2's "preferred" context, setting for setting, without the CA bundle it never reads."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if sys.version_info >= (3, 13):  # what create_default_context adds there (PyMySQL then drops STRICT)
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.options |= ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3
    key_log = os.environ.get("SSLKEYLOGFILE")  # honoured by create_default_context: kept for debugging TLS
    if key_log and not sys.flags.ignore_environment and hasattr(context, "keylog_filename"):
        context.keylog_filename = key_log
    return context


def discard(connection: "Connection") -> None:
    """Close the lock's session for good rather than hand it back to the app's pool: it carries what the
    lock set for itself (MariaDB's year-long idle timeout and probe variable, psycopg's prepare switch),
    which the app's requests must never inherit."""
    with contextlib.suppress(Exception):
        connection.invalidate()
    with contextlib.suppress(Exception):
        connection.close()


def dbapi_connection_of(connection: "Connection") -> Any:
    """The driver's own connection under a SQLAlchemy Connection (``.connection.connection`` before 1.4.24)."""
    return getattr(connection.connection, "dbapi_connection", None) or connection.connection.connection


def without_server_side_prepares(connection: "Connection") -> None:
    """Keep psycopg 3 from preparing the statements the lock repeats (the wait, the heartbeat).

    Behind a pooler in transaction mode a prepared statement outlives its
    transaction on a server session other clients then get ("prepared
    statement _pg3_0 already exists").
    """
    dbapi_connection = dbapi_connection_of(connection)
    if hasattr(dbapi_connection, "prepare_threshold"):
        dbapi_connection.prepare_threshold = None

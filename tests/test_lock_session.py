"""The lock's own session: PyMySQL's default TLS context without the CA bundle, exactly PyMySQL's
otherwise; the app's own ways of connecting still honoured; nothing of it left in the app's pool."""

import ssl

import pymysql
import pytest
import sqlalchemy as sa
from helpers import calls_recorded

from flask_migrate_legacy.lock import _lock_engine
from flask_migrate_legacy.lock_session import KNOWN_PYMYSQL_RELEASES, _lock_connection_class, dbapi_connection_of

#: The PyMySQL release whose "preferred" context these tests know; the module must know it too.
KNOWN = tuple(pymysql.VERSION[:2]) == (1, 2)


def test_the_release_the_tests_know_is_one_the_module_knows():
    assert ((1, 2) in KNOWN_PYMYSQL_RELEASES) and (KNOWN == (tuple(pymysql.VERSION[:2]) in KNOWN_PYMYSQL_RELEASES))


def settings(context):
    """Everything of a client context that decides a TLS handshake, but the certificates it holds."""
    return (context.protocol, context.options, context.verify_mode, context.check_hostname, context.verify_flags,
            context.minimum_version, context.maximum_version, [cipher["name"] for cipher in context.get_ciphers()],
            getattr(context, "keylog_filename", None), context.post_handshake_auth)


def lock_connection_class():
    return _lock_connection_class(sa.create_engine("mysql+pymysql://root@127.0.0.1:3306/unused"))


@pytest.mark.skipif(not KNOWN, reason="this PyMySQL's preferred context is not known: the lock uses PyMySQL's own")
@pytest.mark.parametrize("key_log", [None, "keys.log"])
def test_the_preferred_context_is_pymysqls_own_but_for_the_ca_bundle(key_log, tmp_path, monkeypatch):
    if key_log:  # create_default_context honours it; so must the lock's context
        monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / key_log))
    else:
        monkeypatch.delenv("SSLKEYLOGFILE", raising=False)
    theirs = pymysql.connections.Connection(host="127.0.0.1", defer_connect=True)
    ours = lock_connection_class()(host="127.0.0.1", defer_connect=True)
    assert (ours.ssl, ours._ssl_required) == (theirs.ssl, theirs._ssl_required) == (True, False)  # preferred
    assert settings(ours.ctx) == settings(theirs.ctx)
    assert ours.ctx.verify_mode == ssl.CERT_NONE  # what makes the bundle unread: nothing is verified
    assert ours.ctx.cert_store_stats() == {"crl": 0, "x509": 0, "x509_ca": 0}


@pytest.mark.skipif(not KNOWN, reason="this PyMySQL's preferred context is not known: the lock uses PyMySQL's own")
@pytest.mark.parametrize("options", [
    {"ssl_verify_cert": True},
    {"ssl_verify_identity": True},
    {"ssl": {"check_hostname": False}},
    {"ssl_disabled": True},
], ids=["verify-cert", "verify-identity", "ssl-dict", "disabled"])
def test_every_other_tls_setting_takes_pymysqls_own_path(options):
    theirs = pymysql.connections.Connection(host="127.0.0.1", defer_connect=True, **options)
    ours = lock_connection_class()(host="127.0.0.1", defer_connect=True, **options)
    assert (ours.ssl, ours._ssl_required) == (theirs.ssl, theirs._ssl_required)
    if theirs.ssl:
        assert settings(ours.ctx) == settings(theirs.ctx)
        assert ours.ctx.cert_store_stats() == theirs.ctx.cert_store_stats()


def test_an_apps_own_context_is_used_as_it_is():
    context = ssl.create_default_context()
    connection_class = lock_connection_class() or pymysql.connections.Connection
    assert connection_class(host="127.0.0.1", defer_connect=True, ssl=context).ctx is context


def test_a_pymysql_release_not_checked_against_gets_pymysqls_own_connection(monkeypatch):
    monkeypatch.setattr(pymysql, "VERSION", (pymysql.VERSION[0], 99, 0, "final"))
    assert lock_connection_class() is None
    assert _lock_connection_class(sa.create_engine("sqlite://")) is None


def test_the_lock_session_loads_no_ca_bundle_and_holds_the_lock(mariadb_url, monkeypatch):
    loads = calls_recorded(monkeypatch, ssl.SSLContext, "load_default_certs")
    engine = sa.create_engine(mariadb_url)
    with engine.connect():  # what one connection of this PyMySQL loads (1.2: the bundle; 1.1: nothing)
        per_connection = len(loads)
    engine.dispose()
    del loads[:]
    name = "flask_migrate_legacy:default:" + engine.url.database
    try:
        with _lock_engine(engine, None, 5) as held:
            lock_dbapi = held._dbapi_connection
            held.check(after="applying revision 1")
            held.check(after="applying revision 2")
            assert len(loads) == (0 if KNOWN else per_connection)
            if KNOWN:  # still PyMySQL's "preferred" mode: TLS whenever the server offers it
                assert (lock_dbapi.ssl, lock_dbapi._ssl_required) == (True, False)
            assert (type(lock_dbapi) is pymysql.connections.Connection) == (not KNOWN)
            with engine.connect() as app_connection:  # the app's, opened while the lock is held
                assert type(dbapi_connection_of(app_connection)) is pymysql.connections.Connection
                assert app_connection.execute(sa.text("SELECT IS_USED_LOCK(:n) = CONNECTION_ID()"),
                                              {"n": name}).scalar() == 0
            # the app's connection loaded what it always did
            assert len(loads) == (0 if KNOWN else per_connection) + per_connection
        assert per_connection == (1 if KNOWN else per_connection)
        with engine.connect() as other:  # released, and not left in the pool
            assert type(dbapi_connection_of(other)) is pymysql.connections.Connection
            assert other.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar() == 1
            other.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": name})
    finally:
        engine.dispose()


def test_an_apps_own_connect_hook_and_creator_still_open_the_lock_session(mariadb_url):
    """A do_connect listener (an IAM token, say) and a creator= function keep opening every session."""
    from sqlalchemy import event

    hooked = []
    engine = sa.create_engine(mariadb_url)

    @event.listens_for(engine, "do_connect")
    def own_connect(dialect, connection_record, cargs, cparams):
        hooked.append(dict(cparams))
        return pymysql.connect(*cargs, **cparams)

    url = engine.url
    created = []

    def creator():
        created.append(True)
        return pymysql.connect(host=url.host, port=url.port, user=url.username, database=url.database)

    with_creator = sa.create_engine("mysql+pymysql://", creator=creator)
    try:
        for chosen, record in ((engine, hooked), (with_creator, created)):
            with _lock_engine(chosen, None, 5) as held:
                held.check(after="applying revision 1")
                assert type(held._dbapi_connection) is pymysql.connections.Connection
            assert len(record) == 1
    finally:
        engine.dispose()
        with_creator.dispose()

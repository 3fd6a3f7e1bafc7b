"""Fixtures: throwaway databases on SQLite, PostgreSQL and MariaDB, and project folders.

Each PostgreSQL/MariaDB test gets a database of its own, dropped afterwards.
In CI (CI=true) an unreachable server fails the test; elsewhere it is skipped.
"""

import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from helpers import write_project  # noqa: E402

#: The gallery's projects carry tests of their own: tests/test_project_doctor.py runs them in their folders.
collect_ignore = ["project_gallery"]

PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
MYSQL_ADMIN = dict(host="127.0.0.1", port=3306, user="root", password="")
IN_CI = os.environ.get("CI", "").lower() == "true"

#: A PostgreSQL role that must give its password (see .ci/setup-databases).
SECRET_ROLE = "fml_secret"
SECRET_PASSWORD = "s3cr%t@p:ss/w"
SECRET_ROLE_SETUP_LOCK = 731_000_015  # an advisory lock key of the test suite's own


def unavailable(what: str, error: Exception) -> None:
    """Fail in CI, skip elsewhere: a database test cannot run without its server."""
    message = "%s is not reachable: %s" % (what, error)
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def postgres_scheme() -> str:
    """Return the URL scheme of the PostgreSQL driver this SQLAlchemy has (psycopg 3 needs 2.0)."""
    import sqlalchemy

    return "postgresql+psycopg" if int(sqlalchemy.__version__.split(".")[0]) >= 2 else "postgresql"


def _unique_name() -> str:
    return "fml_" + uuid.uuid4().hex[:12]


class PostgresServer:
    """Create and drop databases on the local PostgreSQL server."""

    def __init__(self) -> None:
        import psycopg

        self.psycopg = psycopg

    def admin(self):
        return self.psycopg.connect(autocommit=True, connect_timeout=5, **PG_ADMIN)

    def create(self, owner: str = "postgres") -> str:
        name = _unique_name()
        with self.admin() as connection:
            connection.execute('CREATE DATABASE "%s" OWNER "%s"' % (name, owner))
        return name

    def drop(self, name: str) -> None:
        with self.admin() as connection:
            connection.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


class MariaDBServer:
    """Create and drop databases on the local MariaDB server."""

    def __init__(self) -> None:
        import pymysql

        self.pymysql = pymysql

    def admin(self):
        return self.pymysql.connect(autocommit=True, connect_timeout=5, **MYSQL_ADMIN)

    def create(self) -> str:
        name = _unique_name()
        connection = self.admin()
        try:
            connection.cursor().execute("CREATE DATABASE `%s`" % name)
        finally:
            connection.close()
        return name

    def drop(self, name: str) -> None:
        connection = self.admin()
        try:
            connection.cursor().execute("DROP DATABASE IF EXISTS `%s`" % name)
        finally:
            connection.close()


@pytest.fixture
def postgres_url():
    """A URL of a fresh PostgreSQL database."""
    try:
        server = PostgresServer()
        name = server.create()
    except Exception as exc:  # driver missing or server down
        unavailable("PostgreSQL at 127.0.0.1:5432", exc)
    yield "%s://postgres@127.0.0.1:5432/%s" % (postgres_scheme(), name)
    server.drop(name)


PGBOUNCER_CONFIG = """\
[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
unix_socket_dir =
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


@pytest.fixture
def pgbouncer_url(postgres_url):
    """The fresh PostgreSQL database of ``postgres_url`` behind PgBouncer in transaction mode (3 server
    sessions for all its clients), as many production deploys reach it. In CI PgBouncer must be there
    (.ci/setup-databases installs it)."""
    import shutil
    import socket
    import subprocess
    import tempfile
    import time

    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if binary is None:
        unavailable("PgBouncer", FileNotFoundError("no pgbouncer binary (Debian: apt-get install pgbouncer)"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="fml-pgbouncer-")
    os.chmod(folder, 0o777)  # PgBouncer refuses to run as root: it runs as postgres and writes here
    with open(os.path.join(folder, "users.txt"), "w") as handle:
        handle.write('"postgres" ""\n')
    config = os.path.join(folder, "pgbouncer.ini")
    with open(config, "w") as handle:
        handle.write(PGBOUNCER_CONFIG.format(port=port, folder=folder, pool_size=3))
    command = [binary, "-u", "postgres", config] if os.geteuid() == 0 else [binary, config]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError as exc:
                if server.poll() is not None or time.monotonic() > deadline:
                    unavailable("PgBouncer", RuntimeError("it did not start (%s): %s" % (
                        exc, server.stderr.read().decode(errors="replace") if server.poll() is not None else "")))
                time.sleep(0.05)
        yield postgres_url.replace("127.0.0.1:5432", "127.0.0.1:%d" % port)
    finally:
        server.terminate()
        server.wait(10)
        server.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def mariadb_url():
    """A URL of a fresh MariaDB database."""
    try:
        server = MariaDBServer()
        name = server.create()
    except Exception as exc:
        unavailable("MariaDB at 127.0.0.1:3306", exc)
    yield "mysql+pymysql://root@127.0.0.1:3306/%s" % name
    server.drop(name)


@pytest.fixture
def sqlite_url(tmp_path):
    """A URL of a SQLite file in the test's folder."""
    return "sqlite:///" + str(tmp_path / "app.sqlite")


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request):
    """The same test on each of the three databases."""
    return request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "postgres_url",
                                    "mariadb": "mariadb_url"}[request.param])


@pytest.fixture
def make_secret_postgres_url():
    """Return a function giving URLs of fresh PostgreSQL databases owned by a role whose password is checked.

    The password holds '%', '@', ':' and '/', which must survive every way a
    URL is rendered, escaped and parsed on its way to the driver.
    """
    from urllib.parse import quote

    created = []
    try:
        server = PostgresServer()
        with server.admin() as connection, connection.transaction():
            # One worker at a time: two concurrent ALTER ROLEs fail with "tuple concurrently updated".
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (SECRET_ROLE_SETUP_LOCK,))
            exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (SECRET_ROLE,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            connection.execute("%s ROLE %s LOGIN PASSWORD '%s'" % (verb, SECRET_ROLE, SECRET_PASSWORD))
    except Exception as exc:
        unavailable("PostgreSQL at 127.0.0.1:5432", exc)

    def make() -> str:
        name = server.create(owner=SECRET_ROLE)
        created.append(name)
        if len(created) == 1:
            _require_password_check(server, name)
        return "%s://%s:%s@127.0.0.1:5432/%s" % (postgres_scheme(), SECRET_ROLE, quote(SECRET_PASSWORD, safe=""), name)

    yield make
    for name in created:
        server.drop(name)


def _require_password_check(server: PostgresServer, name: str) -> None:
    try:
        server.psycopg.connect(host="127.0.0.1", port=5432, user=SECRET_ROLE, password="wrong", dbname=name,
                               connect_timeout=5).close()
    except server.psycopg.OperationalError:
        return
    message = ("PostgreSQL accepts any password for %s: add 'host all %s 127.0.0.1/32 scram-sha-256' above "
               "the trust lines of pg_hba.conf (bash .ci/setup-databases does it)" % (SECRET_ROLE, SECRET_ROLE))
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def secret_postgres_url(make_secret_postgres_url):
    """A PostgreSQL database owned by a role whose password is checked (with '%', '@', ':', '/')."""
    return make_secret_postgres_url()


@pytest.fixture
def closes():
    """Return ``keep(thing)``: ``thing.close()`` is called after the test (in-process apps' engines)."""
    kept = []

    def keep(thing):
        kept.append(thing)
        return thing

    yield keep
    for thing in reversed(kept):
        thing.close()


@pytest.fixture
def project(tmp_path):
    """A folder holding the default legacy project (app.py, manage.py)."""
    write_project(str(tmp_path))
    return str(tmp_path)

"""The generated inputs: an app with N models, N linear revisions, laid out for each peer.

The files come from templates/ (and the tests' classic manage.py, which the
benchmark's manage.py extends with one command that does not use the database).
"""

import os
import shutil
import subprocess

from peers import ROOT, WORK, check, venv_python

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
CLASSIC_MANAGE = os.path.join(ROOT, "tests", "projects", "manage.py")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


def template(name):
    """Return the text of ``templates/NAME``."""
    with open(os.path.join(TEMPLATES, name), encoding="utf-8") as handle:
        return handle.read()


def manage_py():
    """Return the tests' classic manage.py with the benchmark's ``hello`` command added."""
    with open(CLASSIC_MANAGE, encoding="utf-8") as handle:
        classic = handle.read()
    main = '\nif __name__ == "__main__":'
    assert main in classic, "tests/projects/manage.py lost its main block"
    return classic.replace(main, "\n\n" + template("hello_command.py") + main, 1)


def write_app_code(folder, lines):
    """Write a package of about ``lines`` lines of 2016-style app code (models, forms, views) under ``folder``."""
    module = template("app_module.py.tmpl")
    package = os.path.join(folder, "bigapp", "sections")
    os.makedirs(package)
    for path in (os.path.join(folder, "bigapp", "__init__.py"), os.path.join(package, "__init__.py")):
        open(path, "w").close()
    with open(os.path.join(folder, "bigapp", "extensions.py"), "w") as handle:
        handle.write("from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n")
    written, n = 0, 0
    while written < lines:
        text = module.format(n=n)
        with open(os.path.join(package, "section_%d.py" % n), "w") as handle:
            handle.write(text)
        written += text.count("\n")
        n += 1
    return written


def revision_id(n):
    return "%012x" % (0xB000000000 + n)


def write_versions(folder, revisions, models):
    """Write ``revisions`` linear step revisions after one that creates the models' tables."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "%s_models.py" % revision_id(0)), "w") as handle:
        handle.write(template("revision.py.tmpl").format(
            message="the models", rev=revision_id(0), down="<base>", down_rev=None,
            upgrade=template("models_upgrade.tmpl").format(models=models).rstrip("\n"),
            downgrade=template("models_downgrade.tmpl").format(models=models).rstrip("\n")))
    revision_text, step_upgrade, step_downgrade = (template(name) for name in (
        "revision.py.tmpl", "step_upgrade.tmpl", "step_downgrade.tmpl"))
    for n in range(1, revisions):
        with open(os.path.join(folder, "%s_step_%d.py" % (revision_id(n), n)), "w") as handle:
            handle.write(revision_text.format(
                message="step %d" % n, rev=revision_id(n), down=revision_id(n - 1), down_rev=revision_id(n - 1),
                upgrade=step_upgrade.format(n=n).rstrip("\n"), downgrade=step_downgrade.format(n=n).rstrip("\n")))


class Project:
    """One generated app (``models`` models, ``revisions`` revisions) laid out for each peer."""

    def __init__(self, name, models, revisions, database):
        self.name = name
        self.root = os.path.join(WORK, "projects", name)
        self.models = models
        self.revisions = revisions
        self.database = database  # "sqlite", "postgresql" or "mariadb"
        self.head = revision_id(revisions - 1)

    def folder(self, peer):
        return os.path.join(self.root, peer)

    def url(self, peer):
        if self.database == "sqlite":
            return "sqlite:///" + os.path.join(self.folder(peer), "app.sqlite")
        if self.database == "mariadb":
            return "mysql+pymysql://root@127.0.0.1:3306/bench_%s_%s" % (self.name.replace("-", "_"), peer)
        return "postgresql+psycopg://postgres@127.0.0.1:5432/bench_%s_%s" % (self.name, peer)

    def env(self, peer):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTHON", "VIRTUAL_ENV"))}
        env.update(DATABASE_URL=self.url(peer), FLASK_APP="app.py", EDITOR="true")
        return env

    def create(self):
        shutil.rmtree(self.root, ignore_errors=True)
        model = template("model.py.tmpl")
        core = template("app_core.py.tmpl").format(models="".join(model.format(n=n) for n in range(self.models)))
        files = (("app_core.py", core), ("app.py", template("app.py")), ("manage.py", manage_py()),
                 ("floor_app.py", template("floor_app.py")), ("floor_db.py", template("floor_db.py")))
        for peer in ("ours", "fm41", "alembic"):
            folder = self.folder(peer)
            os.makedirs(folder)
            for file_name, text in files:
                with open(os.path.join(folder, file_name), "w") as handle:
                    handle.write(text)
            if self.database == "postgresql":
                _recreate_pg_database(self.url(peer).rsplit("/", 1)[1])
            elif self.database == "mariadb":
                _mariadb("DROP DATABASE IF EXISTS `%s`" % self.url(peer).rsplit("/", 1)[1])
                _mariadb("CREATE DATABASE `%s`" % self.url(peer).rsplit("/", 1)[1])
        # Each tool writes its own migrations folder (its env.py); the versions are shared.
        check([venv_python("ours"), "manage.py", "db", "init"], self.folder("ours"), self.env("ours"))
        check([venv_python("fm41"), "-m", "flask", "db", "init"], self.folder("fm41"), self.env("fm41"))
        alembic_migrations = os.path.join(self.folder("alembic"), "migrations")
        os.makedirs(os.path.join(alembic_migrations, "versions"))
        shutil.copy(os.path.join(ROOT, "flask_migrate_legacy", "templates", "flask", "script.py.mako"),
                    alembic_migrations)
        with open(os.path.join(alembic_migrations, "env.py"), "w") as handle:
            handle.write(template("alembic_env.py"))
        with open(os.path.join(self.folder("alembic"), "alembic.ini"), "w") as handle:
            handle.write(template("alembic.ini"))
        for peer in ("ours", "fm41", "alembic"):
            write_versions(os.path.join(self.folder(peer), "migrations", "versions"), self.revisions, self.models)

    def stamp_head(self):
        for peer in ("ours", "fm41", "alembic"):
            check(self.command(peer, "stamp", "head"), self.folder(peer), self.env(peer))

    def upgrade_all(self):
        for peer in ("ours", "fm41", "alembic"):
            check(self.command(peer, "upgrade", "head"), self.folder(peer), self.env(peer))

    @staticmethod
    def command(peer, *args):
        """The command line that runs db subcommand ``args`` with ``peer``."""
        if peer == "ours":
            return [venv_python("ours"), "manage.py", "db"] + list(args)
        if peer == "fm41":
            return [venv_python("fm41"), "-m", "flask", "db"] + list(args)
        if peer == "alembic":
            alembic_args = list(args)
            if alembic_args[:1] == ["migrate"]:
                alembic_args = ["revision", "--autogenerate"] + alembic_args[1:]
            return [os.path.join(os.path.dirname(venv_python("bare")), "alembic")] + alembic_args
        raise ValueError(peer)

    def drop(self):
        for peer in ("ours", "fm41", "alembic"):
            if self.database == "postgresql":
                _drop_pg_database(self.url(peer).rsplit("/", 1)[1])
            elif self.database == "mariadb":
                _mariadb("DROP DATABASE IF EXISTS `%s`" % self.url(peer).rsplit("/", 1)[1])


def _pg(sql):
    code = "import psycopg, sys\nwith psycopg.connect(%r, autocommit=True) as c: c.execute(sys.argv[1])" % PG_ADMIN_URL
    return subprocess.run([venv_python("bare"), "-c", code, sql], capture_output=True, text=True)


def _recreate_pg_database(name):
    _drop_pg_database(name)
    result = _pg('CREATE DATABASE "%s"' % name)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])


def _drop_pg_database(name):
    _pg('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


def postgres_available():
    return _pg("SELECT 1").returncode == 0


def _mariadb(sql):
    code = ("import pymysql, sys\nc = pymysql.connect(autocommit=True, **%r)\nc.cursor().execute(sys.argv[1])\n"
            "c.close()" % MARIADB)
    return subprocess.run([venv_python("bare"), "-c", code, sql], capture_output=True, text=True)


def mariadb_available():
    return _mariadb("SELECT 1").returncode == 0

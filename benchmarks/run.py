#!/usr/bin/env python3
"""Compare flask-migrate-legacy with its peers, timing whole processes.

    python benchmarks/run.py            # the full comparison (about 6 minutes, 8 the first time)
    python benchmarks/run.py --quick    # fewer repetitions, smaller histories
    python benchmarks/run.py --only startup,current

Peers, each in a virtualenv of its own under benchmarks/.work/ (built on the
first run from requirements.txt, so all share the same Flask, Flask-SQLAlchemy,
SQLAlchemy and Alembic):

- ours:    this package, through ``python manage.py ...``
- fm41:    Flask-Migrate 4.1.0, through ``flask db ...`` on the same app and migrations
- alembic: the plain ``alembic`` CLI with an equivalent env.py
- floor:   a process that imports Flask and Flask-SQLAlchemy (and Alembic, for the db
           scenarios), builds the same app and, for the db scenarios, reads the version row

Every scenario runs its peers interleaved (one of each, then again) after one
untimed warm-up run each, and reports the median wall time and peak memory
(max RSS) per peer, with the ratios the README quotes. Inputs (apps with N
models, N linear revisions) are generated under benchmarks/.work/.
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, ".work")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# -- virtualenvs ------------------------------------------------------------------------


def _venv_python(name):
    return os.path.join(WORK, "venvs", name, "bin", "python")


def _fingerprint(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()[:16]


def ensure_venvs(base_python):
    """Build (or reuse) the three virtualenvs; always reinstall this package into 'ours'."""
    with open(os.path.join(ROOT, "requirements.txt")) as handle:
        requirements = handle.read()
    wanted = {
        "ours": [],
        "fm41": ["Flask-Migrate==4.1.0"],
        "bare": [],
    }
    for name, extra in wanted.items():
        folder = os.path.join(WORK, "venvs", name)
        stamp = os.path.join(folder, ".fingerprint")
        fingerprint = _fingerprint(base_python, requirements, *extra)
        if os.path.exists(stamp) and open(stamp).read() == fingerprint:
            continue
        print("building the %s virtualenv ..." % name, flush=True)
        shutil.rmtree(folder, ignore_errors=True)
        _check([base_python, "-m", "venv", folder])
        pip = [_venv_python(name), "-m", "pip", "install", "-q"]
        _check(pip + ["--upgrade", "pip"])
        _check(pip + ["-r", os.path.join(ROOT, "requirements.txt")] + extra)
        with open(stamp, "w") as handle:
            handle.write(fingerprint)
    _check([_venv_python("ours"), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", ROOT])


def _check(command, cwd=None, env=None):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("benchmark setup failed: %s\n%s%s" % (" ".join(command), result.stdout, result.stderr))
    return result


def versions():
    code = ("import sys, importlib.metadata as m; print('Python %s; ' % sys.version.split()[0] + ', '.join("
            "'%s %s' % (n, m.version(n)) for n in ('Flask', 'Flask-SQLAlchemy', 'SQLAlchemy', 'alembic')))")
    return _check([_venv_python("bare"), "-c", code]).stdout.strip()


# -- generated inputs ---------------------------------------------------------------------

APP_CORE = '''\
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)
{models}
'''

MODEL = '''
class Model{n}(db.Model):
    __tablename__ = "model_{n}"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64))
    created = db.Column(db.DateTime)
'''

APP = '''\
from app_core import app, db
from flask_migrate import Migrate

migrate = Migrate(app, db)


@app.cli.command("hello")
def hello():
    """A custom command that does not touch the database."""
    print("hello")
'''

MANAGE = '''\
from flask_script import Manager
from flask_migrate import MigrateCommand

from app import app

manager = Manager(app)
manager.add_command("db", MigrateCommand)


@manager.command
def hello():
    """A custom command that does not touch the database."""
    print("hello")


if __name__ == "__main__":
    manager.run()
'''

FLOOR_APP = '''\
from app_core import app
print("hello")
'''

FLOOR_DB = '''\
import alembic.command
import alembic.config
from sqlalchemy import text

from app_core import app, db

with app.app_context():
    with db.engine.connect() as connection:
        print(connection.execute(text("SELECT version_num FROM alembic_version")).scalar())
'''

ALEMBIC_INI = '''\
[alembic]
script_location = migrations
prepend_sys_path = .

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
'''

ALEMBIC_ENV = '''\
"""A plain Alembic env.py for the same Flask app: what a Flask project without Flask-Migrate writes."""
import logging
from logging.config import fileConfig

from alembic import context

from app_core import app, db

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")


def skip_empty(context, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with app.app_context():
        with db.engine.connect() as connection:
            context.configure(connection=connection, target_metadata=db.metadata, compare_type=True,
                              render_as_batch=True, process_revision_directives=skip_empty)
            with context.begin_transaction():
                context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

REVISION = '''\
"""{message}

Revision ID: {rev}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down_rev!r}
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''

STEP_UPGRADE = '''    op.create_table("step_{n}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20)))'''
STEP_DOWNGRADE = '''    op.drop_table("step_{n}")'''
MODELS_UPGRADE = '''\
    for n in range({models}):
        op.create_table("model_%d" % n, sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("name", sa.String(64)), sa.Column("created", sa.DateTime))'''
MODELS_DOWNGRADE = '''\
    for n in range({models}):
        op.drop_table("model_%d" % n)'''


def revision_id(n):
    return "%012x" % (0xB000000000 + n)


def write_versions(folder, revisions, models):
    """Write ``revisions`` linear step revisions after one that creates the models' tables."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "%s_models.py" % revision_id(0)), "w") as handle:
        handle.write(REVISION.format(message="the models", rev=revision_id(0), down="<base>", down_rev=None,
                                     upgrade=MODELS_UPGRADE.format(models=models),
                                     downgrade=MODELS_DOWNGRADE.format(models=models)))
    for n in range(1, revisions):
        with open(os.path.join(folder, "%s_step_%d.py" % (revision_id(n), n)), "w") as handle:
            handle.write(REVISION.format(message="step %d" % n, rev=revision_id(n), down=revision_id(n - 1),
                                         down_rev=revision_id(n - 1), upgrade=STEP_UPGRADE.format(n=n),
                                         downgrade=STEP_DOWNGRADE.format(n=n)))


class Project:
    """One generated app (``models`` models, ``revisions`` revisions) laid out for each peer."""

    def __init__(self, name, models, revisions, database):
        self.name = name
        self.root = os.path.join(WORK, "projects", name)
        self.models = models
        self.revisions = revisions
        self.database = database  # "sqlite" or "postgresql"
        self.head = revision_id(revisions - 1)

    def folder(self, peer):
        return os.path.join(self.root, peer)

    def url(self, peer):
        if self.database == "sqlite":
            return "sqlite:///" + os.path.join(self.folder(peer), "app.sqlite")
        return "postgresql+psycopg://postgres@127.0.0.1:5432/bench_%s_%s" % (self.name, peer)

    def env(self, peer):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTHON", "VIRTUAL_ENV"))}
        env.update(DATABASE_URL=self.url(peer), FLASK_APP="app.py", EDITOR="true")
        return env

    def create(self):
        shutil.rmtree(self.root, ignore_errors=True)
        core = APP_CORE.format(models="".join(MODEL.format(n=n) for n in range(self.models)))
        for peer in ("ours", "fm41", "alembic"):
            folder = self.folder(peer)
            os.makedirs(folder)
            for file_name, text in (("app_core.py", core), ("app.py", APP), ("manage.py", MANAGE),
                                    ("floor_app.py", FLOOR_APP), ("floor_db.py", FLOOR_DB)):
                with open(os.path.join(folder, file_name), "w") as handle:
                    handle.write(text)
            if self.database == "postgresql":
                _recreate_pg_database(self.url(peer).rsplit("/", 1)[1])
        # Each tool writes its own migrations folder (its env.py); the versions are shared.
        _check([_venv_python("ours"), "manage.py", "db", "init"], self.folder("ours"), self.env("ours"))
        _check([_venv_python("fm41"), "-m", "flask", "db", "init"], self.folder("fm41"), self.env("fm41"))
        alembic_migrations = os.path.join(self.folder("alembic"), "migrations")
        os.makedirs(os.path.join(alembic_migrations, "versions"))
        shutil.copy(os.path.join(ROOT, "flask_migrate_legacy", "templates", "flask", "script.py.mako"),
                    alembic_migrations)
        with open(os.path.join(alembic_migrations, "env.py"), "w") as handle:
            handle.write(ALEMBIC_ENV)
        with open(os.path.join(self.folder("alembic"), "alembic.ini"), "w") as handle:
            handle.write(ALEMBIC_INI)
        for peer in ("ours", "fm41", "alembic"):
            write_versions(os.path.join(self.folder(peer), "migrations", "versions"), self.revisions, self.models)

    def stamp_head(self):
        for peer in ("ours", "fm41", "alembic"):
            _check(self.command(peer, "stamp", "head"), self.folder(peer), self.env(peer))

    def upgrade_all(self):
        for peer in ("ours", "fm41", "alembic"):
            _check(self.command(peer, "upgrade", "head"), self.folder(peer), self.env(peer))

    @staticmethod
    def command(peer, *args):
        """The command line that runs db subcommand ``args`` with ``peer``."""
        if peer == "ours":
            return [_venv_python("ours"), "manage.py", "db"] + list(args)
        if peer == "fm41":
            return [_venv_python("fm41"), "-m", "flask", "db"] + list(args)
        if peer == "alembic":
            alembic_args = list(args)
            if alembic_args[:1] == ["migrate"]:
                alembic_args = ["revision", "--autogenerate"] + alembic_args[1:]
            return [os.path.join(os.path.dirname(_venv_python("bare")), "alembic")] + alembic_args
        raise ValueError(peer)

    def drop(self):
        if self.database == "postgresql":
            for peer in ("ours", "fm41", "alembic"):
                _drop_pg_database(self.url(peer).rsplit("/", 1)[1])


def _pg(sql):
    code = "import psycopg, sys\nwith psycopg.connect(%r, autocommit=True) as c: c.execute(sys.argv[1])" % PG_ADMIN_URL
    return subprocess.run([_venv_python("bare"), "-c", code, sql], capture_output=True, text=True)


def _recreate_pg_database(name):
    _drop_pg_database(name)
    result = _pg('CREATE DATABASE "%s"' % name)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])


def _drop_pg_database(name):
    _pg('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


def postgres_available():
    return _pg("SELECT 1").returncode == 0


# -- measuring ------------------------------------------------------------------------------


class Run:
    """One timed command of a scenario."""

    def __init__(self, label, command, cwd, env, before=None):
        self.label = label
        self.command = command
        self.cwd = cwd
        self.env = env
        self.before = before  # an untimed command that resets state first
        self.seconds = []
        self.max_rss_kb = []


def measure_once(run):
    if run.before is not None:
        _check(run.before, run.cwd, run.env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(run.command, cwd=run.cwd, env=run.env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            sys.exit("%s failed (exit %s): %s\n%s" % (run.label, process.returncode, " ".join(run.command),
                                                    err.read().decode(errors="replace")[-2000:]))
    return elapsed, usage.ru_maxrss


def measure(runs, repetitions):
    """Warm each run up once, then time them interleaved ``repetitions`` times."""
    for run in runs:
        measure_once(run)
    for repetition in range(repetitions):
        shift = repetition % len(runs)
        for run in runs[shift:] + runs[:shift]:
            seconds, rss = measure_once(run)
            run.seconds.append(seconds)
            run.max_rss_kb.append(rss)
    return {run.label: run for run in runs}


def median(run):
    return statistics.median(run.seconds)


# -- scenarios --------------------------------------------------------------------------------

RESULTS = {}
TARGETS = []


def report(scenario, runs, comparisons):
    """Print one line per scenario: medians, memory, and the ratios with their targets."""
    parts = ["%s %.3f s / %.0f MB" % (label, median(run), max(run.max_rss_kb) / 1024) for label, run in runs.items()]
    print("%-34s %s" % (scenario, " | ".join(parts)), flush=True)
    RESULTS[scenario] = {label: {"median_s": median(run), "seconds": run.seconds,
                                 "max_rss_mb": max(run.max_rss_kb) / 1024} for label, run in runs.items()}
    for ours, peer, target in comparisons:
        ratio = median(runs[ours]) / median(runs[peer])
        verdict = "" if target is None else ("  target <= %.2fx: %s" % (target, "met" if ratio <= target else "MISSED"))
        print("%-34s   %s / %s = %.3fx%s" % ("", ours, peer, ratio, verdict), flush=True)
        TARGETS.append({"scenario": scenario, "ours": ours, "peer": peer, "ratio": ratio, "target": target})


def scenario_startup(size, repetitions):
    project = Project("startup", models=1, revisions=1, database="sqlite")
    project.create()
    ours, fm = project.folder("ours"), project.folder("fm41")
    runs = measure([
        Run("ours manage.py --help", [_venv_python("ours"), "manage.py", "--help"], ours, project.env("ours")),
        Run("ours manage.py db --help", [_venv_python("ours"), "manage.py", "db", "--help"], ours, project.env("ours")),
        Run("ours manage.py hello", [_venv_python("ours"), "manage.py", "hello"], ours, project.env("ours")),
        Run("fm41 flask --help", [_venv_python("fm41"), "-m", "flask", "--help"], fm, project.env("fm41")),
        Run("fm41 flask db --help", [_venv_python("fm41"), "-m", "flask", "db", "--help"], fm, project.env("fm41")),
        Run("fm41 flask hello", [_venv_python("fm41"), "-m", "flask", "hello"], fm, project.env("fm41")),
        Run("floor app", [_venv_python("bare"), "floor_app.py"], ours, project.env("ours")),
    ], repetitions)
    report("start-up", runs, [
        ("ours manage.py hello", "fm41 flask hello", 0.80),
        ("ours manage.py --help", "fm41 flask hello", 0.80),
        ("ours manage.py hello", "floor app", 1.05),
        ("ours manage.py --help", "floor app", 1.05),
        ("ours manage.py db --help", "fm41 flask db --help", None),
    ])


def _read_only_runs(project, commands):
    runs = []
    for command in commands:
        for peer in ("ours", "fm41", "alembic"):
            runs.append(Run("%s %s" % (peer, " ".join(command)), project.command(peer, *command),
                            project.folder(peer), project.env(peer)))
    return runs


def scenario_current(size, repetitions, revisions_list=None):
    for revisions in revisions_list or (1, size["revisions"]):
        project = Project("current_%d" % revisions, models=1, revisions=revisions, database="sqlite")
        project.create()
        project.stamp_head()
        runs = _read_only_runs(project, [["current"], ["heads"]])
        runs.append(Run("floor db", [_venv_python("bare"), "floor_db.py"], project.folder("ours"), project.env("ours")))
        results = measure(runs, repetitions)
        comparisons = []
        for command in ("current", "heads"):
            if revisions == 1:
                comparisons.append(("ours %s" % command, "floor db", 1.03))
                comparisons.append(("ours %s" % command, "fm41 %s" % command, 1.0))
            else:
                comparisons.append(("ours %s" % command, "alembic %s" % command, 1.05))
                comparisons.append(("ours %s" % command, "fm41 %s" % command, None))
        report("current/heads, %d revisions" % revisions, results, comparisons)


def scenario_history(size, repetitions):
    project = Project("history", models=1, revisions=size["revisions"], database="sqlite")
    project.create()
    project.stamp_head()
    results = measure(_read_only_runs(project, [["history"]]), repetitions)
    report("history, %d revisions" % size["revisions"], results, [
        ("ours history", "alembic history", 1.05), ("ours history", "fm41 history", None)])


def scenario_growth(size, repetitions):
    """How the cost of `current` grows with the number of revision files."""
    medians = {}
    for revisions in size["growth"]:
        project = Project("growth_%d" % revisions, models=1, revisions=revisions, database="sqlite")
        project.create()
        project.stamp_head()
        results = measure(_read_only_runs(project, [["current"]]), repetitions)
        report("current, %d revisions" % revisions, results, [("ours current", "alembic current", 1.05)])
        for label, run in results.items():
            medians.setdefault(label, {})[revisions] = median(run)
    low, high = min(size["growth"]), max(size["growth"])
    for label, by_count in medians.items():
        per_file = (by_count[high] - by_count[low]) / (high - low) * 1000
        print("%-34s   %s: %.3f ms per revision file (%d -> %d files)" % ("", label, per_file, low, high))
        RESULTS.setdefault("cost per revision file (ms)", {})[label] = per_file


def scenario_upgrade(size, repetitions, database):
    revisions = size["revisions"]
    project = Project("upgrade_%s" % database, models=1, revisions=revisions, database=database)
    project.create()
    runs = []
    for peer in ("ours", "fm41", "alembic"):
        runs.append(Run("%s upgrade" % peer, project.command(peer, "upgrade", "head"), project.folder(peer),
                        project.env(peer), before=project.command(peer, "downgrade", "base")))
        runs.append(Run("%s downgrade base" % peer, project.command(peer, "downgrade", "base"), project.folder(peer),
                        project.env(peer), before=project.command(peer, "upgrade", "head")))
    results = measure(runs, repetitions)
    report("upgrade/downgrade %d, %s" % (revisions, database), results, [
        ("ours upgrade", "alembic upgrade", 1.05), ("ours downgrade base", "alembic downgrade base", 1.05),
        ("ours upgrade", "fm41 upgrade", None), ("ours downgrade base", "fm41 downgrade base", None)])
    project.drop()


def scenario_autogenerate(size, repetitions):
    project = Project("autogenerate", models=size["tables"], revisions=1, database="sqlite")
    project.create()
    project.upgrade_all()
    results = measure(_read_only_runs(project, [["migrate"], ["check"]]), repetitions)
    for peer in ("ours", "fm41", "alembic"):
        versions_folder = os.path.join(project.folder(peer), "migrations", "versions")
        assert len([f for f in os.listdir(versions_folder) if f.endswith(".py")]) == 1, "%s wrote a revision" % peer
    report("migrate/check, %d tables" % size["tables"], results, [
        ("ours migrate", "alembic migrate", 1.05), ("ours check", "alembic check", 1.05),
        ("ours migrate", "fm41 migrate", None), ("ours check", "fm41 check", None)])


def scenario_doctor(size, repetitions):
    """db doctor over the whole history, against one db upgrade of it (it must cost well under that)."""
    revisions = size["revisions"]
    project = Project("doctor", models=1, revisions=revisions, database="sqlite")
    project.create()
    # No database file: the audit of the folder alone (with a database, doctor also compares
    # models and database, which costs what `db check` costs).
    no_database = dict(project.env("ours"), DATABASE_URL="sqlite:///" + os.path.join(project.folder("ours"),
                                                                                    "not-created.sqlite"))
    results = measure([
        Run("ours doctor", project.command("ours", "doctor"), project.folder("ours"), no_database),
        Run("ours upgrade", project.command("ours", "upgrade", "head"), project.folder("ours"), project.env("ours"),
            before=project.command("ours", "downgrade", "base")),
    ], repetitions)
    report("doctor vs upgrade, %d revisions" % revisions, results, [("ours doctor", "ours upgrade", 0.25)])


def scenario_hook(size, repetitions):
    """What the import hook adds to every Python process of the environment."""
    runs = measure([
        Run("python -c pass, with the hook", [_venv_python("ours"), "-c", "pass"], ROOT, dict(os.environ)),
        Run("python -c pass, without", [_venv_python("bare"), "-c", "pass"], ROOT, dict(os.environ)),
    ], repetitions * 5)
    labels = list(runs)
    added_ms = (median(runs[labels[0]]) - median(runs[labels[1]])) * 1000
    report("import hook", runs, [(labels[0], labels[1], None)])
    times = []
    for _ in range(repetitions * 3):
        trace = _check([_venv_python("ours"), "-X", "importtime", "-c", "pass"]).stderr
        times.append(sum(int(line.split("|")[1]) for line in trace.splitlines()
                         if "flask_migrate_legacy" in line and line.startswith("import time:")
                         and line.split("|")[1].strip().isdigit()))
    hook_ms = statistics.median(times) / 1000
    print("%-34s   wall-clock difference %.2f ms; -X importtime of the hook's modules %.3f ms  target <= 1 ms: %s"
          % ("", added_ms, hook_ms, "met" if hook_ms <= 1 else "MISSED"), flush=True)
    RESULTS["import hook"]["importtime_ms"] = hook_ms
    TARGETS.append({"scenario": "import hook", "ours": "hook import", "peer": "-", "ratio": hook_ms, "target": 1.0})


SCENARIOS = {
    # The light scenarios differ by a few ms: twice the repetitions to see them.
    "startup": lambda size, reps: scenario_startup(size, reps * 2),
    "current": lambda size, reps: scenario_current(size, reps * 2),
    "history": scenario_history,
    "growth": scenario_growth,
    "upgrade-sqlite": lambda size, reps: scenario_upgrade(size, max(3, reps // 2), "sqlite"),
    "upgrade-postgresql": lambda size, reps: scenario_upgrade(size, max(3, reps // 2), "postgresql"),
    "autogenerate": lambda size, reps: scenario_autogenerate(size, max(3, reps // 2)),
    "doctor": lambda size, reps: scenario_doctor(size, max(3, reps // 2)),
    "hook": scenario_hook,
}

FULL = {"revisions": 1000, "growth": (100, 1000, 3000), "tables": 300, "repetitions": 9}
QUICK = {"revisions": 200, "growth": (50, 400), "tables": 60, "repetitions": 3}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and smaller inputs")
    parser.add_argument("--only", help="comma-separated scenarios: %s" % ", ".join(SCENARIOS))
    parser.add_argument("--python", default=sys.executable, help="interpreter for the virtualenvs")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        parser.error("unknown scenario(s): %s" % ", ".join(unknown))
    started = time.monotonic()
    ensure_venvs(args.python)
    print(versions())
    print("medians of %d interleaved runs (twice that for start-up and current/heads, half for the heavy "
          "scenarios); memory is max RSS\n" % size["repetitions"])
    if "upgrade-postgresql" in chosen and not postgres_available():
        print("upgrade-postgresql: skipped, PostgreSQL is not reachable at 127.0.0.1:5432")
        chosen.remove("upgrade-postgresql")
    for name in chosen:
        SCENARIOS[name](size, size["repetitions"])
    missed = [t for t in TARGETS if t["target"] is not None and t["ratio"] > t["target"]]
    with open(os.path.join(WORK, "results.json"), "w") as handle:
        json.dump({"versions": versions(), "size": size, "results": RESULTS, "targets": TARGETS}, handle, indent=1)
    print("\n%d of %d targets met; %s; done in %.0f s" % (
        len([t for t in TARGETS if t["target"] is not None]) - len(missed),
        len([t for t in TARGETS if t["target"] is not None]),
        "results in benchmarks/.work/results.json", time.monotonic() - started))


if __name__ == "__main__":
    main()

"""The `flask db` scenarios: a Flask-Migrate 4 project on today's stack, and each command line run against it.

Every scenario runs unchanged under the real Flask-Migrate 4.1.0 and under this
package (whose import hook answers ``from flask_migrate import Migrate`` where
the real one is not installed), on the same Flask, Flask-SQLAlchemy, SQLAlchemy
and Alembic. ``differences`` names the entries of ``FLASK_DB_DIFFERENCES`` (in
``differences.py``, README "Compatibility notes") that explain where the two
may differ; everything else must be equal after normalisation.
"""

import textwrap
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

APP = textwrap.dedent("""\
    import os

    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    from flask_migrate import Migrate

    basedir = os.path.abspath(os.path.dirname(__file__))
    app = Flask("fm4app")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(basedir, "app.db")
    db = SQLAlchemy(app)
    migrate = Migrate(app, db)


    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(128))


    if os.path.exists(os.path.join(basedir, "models-v2")):
        class Post(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            title = db.Column(db.String(200))


    @app.cli.command("models-v2")
    def models_v2():
        "Add the Post model from now on."
        open(os.path.join(basedir, "models-v2"), "w").close()
    """)


class FlaskDbScenario(NamedTuple):
    """One Flask-Migrate 4 project and one measured `flask` command line."""

    name: str
    argv: Tuple[str, ...]
    setup: Tuple[Tuple[str, ...], ...] = ()
    differences: Tuple[str, ...] = ()
    #: The output lists things in an order neither side fixes (Alembic's heads from os.listdir).
    any_line_order: bool = False
    stdin: Optional[str] = None
    env: Dict[str, str] = {"FLASK_APP": "app.py"}

    def command(self, python: str, argv: Sequence[str]) -> List[str]:
        """Return the command line that runs ``argv``: ``python -m flask ARGV`` (what the ``flask`` script runs)."""
        return [python, "-m", "flask", *argv]

    def project_files(self) -> Dict[str, str]:
        """Return the project's one file, ``app.py``."""
        return {"app.py": APP}


FLASK_DB_SCENARIOS: List[FlaskDbScenario] = []


def scenario(name: str, line: str, setup: Sequence[str] = (), **kwargs: object) -> None:
    """Add a scenario whose command line (after ``flask``) is ``line`` split on blanks."""
    FLASK_DB_SCENARIOS.append(FlaskDbScenario(name, tuple(line.split()), tuple(tuple(s.split()) for s in setup),
                                              **kwargs))  # type: ignore[arg-type]


INIT = ("db init",)
MIGRATED = INIT + ("db migrate --rev-id r1first -m first",)
UPGRADED = MIGRATED + ("db upgrade",)
TWO = UPGRADED + ("models-v2", "db migrate --rev-id r2second -m second")
TWO_UP = TWO + ("db upgrade",)
FORKED = UPGRADED + ("db revision --rev-id r3left -m left",
                     "db revision --head r1first --splice --rev-id r4right -m right")

# -- help and usage -------------------------------------------------------------------------------

SUBCOMMANDS = ("list-templates", "init", "revision", "migrate", "edit", "merge", "upgrade", "downgrade",
               "show", "history", "heads", "branches", "current", "stamp", "check")
scenario("db-alone", "db", differences=("help-text",))
scenario("db-help", "db --help", differences=("help-text",))
for sub in SUBCOMMANDS:
    scenario("db-%s-help" % sub, "db %s --help" % sub, differences=("help-text",))
scenario("db-unknown-subcommand", "db nosuch")
scenario("db-unknown-option", "db upgrade --nosuch", setup=MIGRATED)
scenario("db-too-many-arguments", "db upgrade head base", setup=MIGRATED)

# -- the migration cycle --------------------------------------------------------------------------

scenario("db-list-templates", "db list-templates", differences=("own-templates",))
scenario("db-init", "db init")
scenario("db-init-multidb", "db init --multidb")
scenario("db-init-directory", "db init -d other")
scenario("db-init-group-directory", "db -d other init")
scenario("db-init-package", "db init --package")
scenario("db-init-twice", "db init", setup=INIT, differences=("one-error-line",))
scenario("db-init-unknown-template", "db init -t nosuch", differences=("one-error-line",))
scenario("db-migrate", "db migrate --rev-id r1first -m first", setup=INIT)
scenario("db-migrate-no-changes", "db migrate --rev-id r2second", setup=UPGRADED)
scenario("db-migrate-no-folder", "db migrate", differences=("one-error-line",))
scenario("db-migrate-not-up-to-date", "db migrate --rev-id r2second", setup=MIGRATED,
         differences=("one-error-line",))
scenario("db-migrate-x-arg", "db migrate -x a=1 --rev-id r1first", setup=INIT)
scenario("db-migrate-sql", "db migrate --sql --rev-id r1first", setup=INIT)
scenario("db-revision", "db revision --rev-id r5manual -m manual", setup=UPGRADED)
scenario("db-revision-autogenerate", "db revision --autogenerate --rev-id r2second", setup=UPGRADED + ("models-v2",))
scenario("db-revision-branch-label", "db revision --rev-id r5manual --branch-label feature", setup=UPGRADED)
scenario("db-upgrade", "db upgrade", setup=MIGRATED)
scenario("db-upgrade-sql", "db upgrade --sql", setup=MIGRATED)
scenario("db-upgrade-revision", "db upgrade r1first", setup=TWO)
scenario("db-upgrade-relative", "db upgrade +1", setup=TWO)
scenario("db-upgrade-tag", "db upgrade --tag release-1", setup=MIGRATED)
scenario("db-upgrade-group-x-arg", "db -x a=1 upgrade", setup=MIGRATED)
scenario("db-upgrade-unknown", "db upgrade ffff", setup=MIGRATED, differences=("one-error-line",))
scenario("db-upgrade-no-folder", "db upgrade", differences=("one-error-line",))
scenario("db-upgrade-two-heads", "db upgrade", setup=FORKED, differences=("one-error-line",))
scenario("db-downgrade", "db downgrade", setup=TWO_UP)
scenario("db-downgrade-base", "db downgrade base", setup=TWO_UP)
scenario("db-downgrade-sql-range", "db downgrade --sql r2second:r1first", setup=TWO)
scenario("db-downgrade-sql-default", "db downgrade --sql", setup=TWO)
scenario("db-downgrade-below-base", "db downgrade -5", setup=UPGRADED, differences=("one-error-line",))
scenario("db-current", "db current", setup=TWO_UP)
scenario("db-current-verbose", "db current -v", setup=UPGRADED)
scenario("db-current-empty", "db current", setup=MIGRATED)
scenario("db-history", "db history", setup=TWO)
scenario("db-history-verbose", "db history -v", setup=TWO)
scenario("db-history-range", "db history -r r1first:", setup=TWO)
scenario("db-history-indicate", "db history -i", setup=TWO_UP)
scenario("db-heads", "db heads", setup=FORKED, any_line_order=True)
scenario("db-heads-verbose", "db heads -v", setup=TWO)
scenario("db-heads-resolve", "db heads --resolve-dependencies", setup=TWO)
scenario("db-branches", "db branches", setup=FORKED, any_line_order=True)
scenario("db-show", "db show", setup=TWO)
scenario("db-show-revision", "db show r1first", setup=TWO)
scenario("db-show-unknown", "db show ffff", setup=TWO, differences=("one-error-line",))
scenario("db-stamp", "db stamp r1first", setup=TWO)
scenario("db-stamp-default-head", "db stamp", setup=TWO)
scenario("db-stamp-sql", "db stamp --sql r1first", setup=TWO)
scenario("db-stamp-purge", "db stamp --purge r1first", setup=TWO_UP)
scenario("db-stamp-unknown", "db stamp ffff", setup=TWO, differences=("one-error-line",))
scenario("db-merge", "db merge -m join --rev-id r6merge r3left r4right", setup=FORKED)
scenario("db-merge-heads", "db merge --rev-id r6merge heads", setup=FORKED)
scenario("db-merge-no-revisions", "db merge --rev-id r6merge", setup=FORKED, differences=("merge-default",))
scenario("db-merge-single-head", "db merge --rev-id r6merge heads", setup=UPGRADED, differences=("merge-nothing",))
scenario("db-edit", "db edit", setup=MIGRATED)
scenario("db-edit-revision", "db edit r1first", setup=TWO)
scenario("db-check", "db check", setup=UPGRADED)
scenario("db-check-differs", "db check", setup=UPGRADED + ("models-v2",), differences=("one-error-line",))
scenario("db-doctor", "db doctor", setup=UPGRADED, differences=("newer-subcommands",))

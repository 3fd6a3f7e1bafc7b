"""The project doctor: a legacy project that no longer starts gets every finding, and its safe fixes.

The gallery (``project_gallery/``) holds projects written as 2014-2020 apps were
(the Flask book's app factory and blueprints, a one-module tutorial app, a
cookiecutter-flask layout) and one written for today's stack. Each legacy one
fails on today's stack in its own way; after ``doctor --fix --write`` and the
advice it printed, it imports, migrates and passes its own tests, with nothing
in this test restoring a removed name.
"""

import ast
import json
import os
import shutil
import subprocess
import sys

import pytest
from helpers import assert_ok, run
from hypothesis import given, settings
from hypothesis import strategies as st

from flask_migrate_legacy import checks, removals
from flask_migrate_legacy.package_cli import main
from flask_migrate_legacy.project import all_checks, audit_project, rules_table

HERE = os.path.dirname(os.path.abspath(__file__))
GALLERY = os.path.join(HERE, "project_gallery")
#: The env.py each legacy project's Flask-Migrate generation wrote (tests/legacy_envs).
ENV_PY = {"flasky": "v1_config_uri.py", "blog": "v2_0_str_url.py", "shop": "v2_0_str_url.py"}


def prepare(name, folder):
    """Copy gallery project ``name`` into ``folder``, its migrations folder completed as `db init` wrote it."""
    from alembic import command

    from flask_migrate_legacy.config import Config

    target = os.path.join(str(folder), name)
    shutil.copytree(os.path.join(GALLERY, name), target)
    if name in ENV_PY:
        migrations = os.path.join(target, "migrations")
        kept = os.path.join(str(folder), name + "-versions")
        shutil.move(os.path.join(migrations, "versions"), kept)
        command.init(Config(os.path.join(migrations, "alembic.ini")), migrations, template="flask")
        os.rmdir(os.path.join(migrations, "versions"))
        shutil.move(kept, os.path.join(migrations, "versions"))
        shutil.copy(os.path.join(HERE, "legacy_envs", ENV_PY[name]), os.path.join(migrations, "env.py"))
    return target


def line_of(project, path, text):
    """Return "path:N", N the first line of ``path`` in ``project`` holding ``text``."""
    with open(os.path.join(project, path), encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if text in line:
                return "%s:%d" % (path, number)
    raise AssertionError("%r is not in %s" % (text, path))


REVISION_FLASKY = "migrations/versions/4b7d5b4a4b3d_default_role.py"
REVISION_SHOP = "migrations/versions/a1b2c3d4e5f6_products.py"

#: project -> (code, file, a text on the line, or None for the file as a whole), exactly what the doctor reports.
EXPECTED = {
    "flasky": [
        ("config-commit-on-teardown", "config.py", "SQLALCHEMY_COMMIT_ON_TEARDOWN"),
        ("itsdangerous-jws", "app/models.py", "TimedJSONWebSignatureSerializer"),
        ("flask-wtf-form", "app/main/forms.py", "from flask_wtf import Form"),
        ("wtforms-textfield", "app/main/forms.py", "TextField,"),
        ("wtforms-required", "app/main/forms.py", "import Required"),
        ("paginate-positional", "app/main/views.py", "pagination ="),
        ("requirement-caps-stack", "requirements.txt", "Flask==0"),
        ("requirement-flask-migrate-2", "requirements.txt", "Flask-Migrate"),
        ("requirement-caps-stack", "requirements.txt", "Flask-SQLAlchemy"),
        ("requirement-flask-script", "requirements.txt", "Flask-Script"),
        ("requirement-caps-stack", "requirements.txt", "itsdangerous"),
        ("requirement-caps-stack", "requirements.txt", "SQLAlchemy==0.9.9"),
        ("env-generation", "migrations/env.py", None),
        ("string-sql", REVISION_FLASKY, "INSERT INTO"),
        ("string-sql", REVISION_FLASKY, "DELETE FROM"),
        ("needs-database", REVISION_FLASKY, None),
    ],
    "blog": [
        ("jinja2-markup", "blog.py", "from jinja2 import Markup"),
        ("werkzeug-top-level-secure-filename", "blog.py", "from werkzeug import"),
        ("config-json-sort-keys", "blog.py", "JSON_SORT_KEYS"),
        ("paginate-positional", "blog.py", ".paginate("),
        ("string-sql", "blog.py", "db.session.execute("),
        ("string-sql", "blog.py", "conn.execute("),
        ("flask-session-cookie-name", "blog.py", "session_cookie_name"),
        ("requirement-caps-stack", "requirements.txt", "Flask==0"),
        ("requirement-caps-stack", "requirements.txt", "Flask-SQLAlchemy"),
        ("requirement-flask-migrate-2", "requirements.txt", "Flask-Migrate"),
        ("requirement-flask-script", "requirements.txt", "Flask-Script"),
        ("env-generation", "migrations/env.py", None),
    ],
    "shop": [
        ("flask-ext", "shop/extensions.py", "flask.ext.sqlalchemy"),
        ("flask-ext", "shop/extensions.py", "flask.ext.migrate"),
        ("flask-wtf-csrfprotect-csrf", "shop/extensions.py", "import CsrfProtect"),
        ("config-preserve-context", "shop/settings.py", "PRESERVE_CONTEXT_ON_EXCEPTION"),
        ("config-env", "shop/settings.py", "ENV = "),
        ("wtforms-html5", "shop/public/forms.py", "html5"),
        ("convert-unicode", "shop/public/models.py", "convert_unicode"),
        ("requirement-caps-stack", "requirements/prod.txt", "Flask==0"),
        ("requirement-caps-stack", "requirements/prod.txt", "Flask-SQLAlchemy"),
        ("requirement-flask-migrate-2", "requirements/prod.txt", "Flask-Migrate"),
        ("requirement-flask-script", "requirements/prod.txt", "Flask-Script"),
        ("requirement-caps-stack", "requirements/prod.txt", "SQLAlchemy==1.1.4"),
        ("requirement-dead", "requirements/prod.txt", "Flask-Cache"),
        ("env-generation", "migrations/env.py", None),
        ("convert-unicode", REVISION_SHOP, "convert_unicode"),
    ],
    "modern": [],
}


def where_of(project, path, text):
    return line_of(project, path, text) if text is not None else path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_project_gets_exactly_its_findings(tmp_path, name):
    project = prepare(name, tmp_path)
    found = sorted((finding.code, finding.where) for finding in audit_project(project).findings)
    assert found == sorted((code, where_of(project, path, text)) for code, path, text in EXPECTED[name])


def test_findings_name_the_release_and_the_fix(tmp_path):
    project = prepare("flasky", tmp_path)
    by_code = {finding.code: finding for finding in audit_project(project).findings}
    jws = by_code["itsdangerous-jws"]
    assert jws.severity == "fail" and not jws.fixable
    assert "itsdangerous 2.1.0" in jws.message and "URLSafeTimedSerializer" in jws.fix
    assert "stop validating" in jws.fix  # what changes for users is said, not hidden
    textfield = by_code["wtforms-textfield"]
    assert textfield.fixable and "WTForms 3.0.0" in textfield.message and "StringField" in textfield.fix
    assert checks.CHECKS["wtforms-textfield"].release == "WTForms 3.0.0"


def read_tree(folder):
    """Every file's bytes under ``folder``, by relative path."""
    contents = {}
    for parent, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(parent, name)
            with open(path, "rb") as handle:
                contents[os.path.relpath(path, folder)] = handle.read()
    return contents


def doctor(*args):
    """Run the standalone doctor in-process; return (exit status, stdout, stderr)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def test_fix_shows_a_diff_and_writes_nothing_without_write(tmp_path):
    project = prepare("blog", tmp_path)
    before = read_tree(project)
    status, out, err = doctor("doctor", project, "--fix")
    assert status == 1 and read_tree(project) == before
    for removed, added in (("from jinja2 import Markup", "from markupsafe import Markup"),
                           ("from werkzeug import secure_filename", "from werkzeug.utils import secure_filename")):
        assert "\n-%s\n" % removed in out and "\n+%s\n" % added in out
    assert "+    posts = Post.query.order_by(Post.id).paginate(page=page, per_page=10, error_out=False)\n" in out
    assert '+    return str(db.session.execute(sa.text("SELECT count(*) FROM post")).scalar())\n' in out
    # a Connection took the string as the driver's: the text() bind look-alike is escaped
    assert "sa.text(\"SELECT count(*) FROM post WHERE body != 'at \\\\:noon'\")" in out
    assert '+    return app.config["SESSION_COOKIE_NAME"]\n' in out
    assert "+import sqlalchemy as sa\n" in out
    assert err.startswith("doctor --fix would rewrite (add --write to write them) 1 file(s)\n")
    assert err.endswith("Error: doctor found 8 will fail, 3 may fail, 1 advice; 6 fixable with --fix\n")


def test_fix_write_keeps_layout_comments_and_encoding_and_leaves_the_rest(tmp_path):
    project = prepare("shop", tmp_path)
    status, _, err = doctor("doctor", project, "--fix", "--write")
    assert "rewrote 4 file(s)" in err and status == 1  # the requirements still fail: advice, not rewrites
    with open(os.path.join(project, "shop", "extensions.py"), encoding="utf-8") as handle:
        assert handle.read() == (
            "# -*- coding: utf-8 -*-\n"
            '"""Extensions module. Each extension is initialized in the app factory located in app.py."""\n'
            "from flask_sqlalchemy import SQLAlchemy\n"
            "from flask_migrate import Migrate\n"
            "from flask_wtf.csrf import CSRFProtect\n\n"
            "csrf_protect = CSRFProtect()\n"
            "db = SQLAlchemy()\n"
            "migrate = Migrate()\n")
    with open(os.path.join(project, REVISION_SHOP), encoding="utf-8") as handle:
        assert "    sa.Column('name', sa.String(length=80), nullable=False),\n" in handle.read()
    left = {finding.code for finding in audit_project(project).findings}
    assert not any(checks.CHECKS[code].fixable for code in left - {"requirement-dead"})


# -- the whole path: from "nothing starts" to "migrates and runs" ---------------------------------

#: What the user does by hand, following the advice the doctor printed: (file, old text, new text).
ADVICE = {
    "flasky": [
        ("config.py", "    SQLALCHEMY_COMMIT_ON_TEARDOWN = True\n", ""),
        ("app/models.py", "from itsdangerous import TimedJSONWebSignatureSerializer as Serializer",
         "from itsdangerous import URLSafeTimedSerializer as Serializer"),
        ("app/models.py", "s = Serializer(current_app.config['SECRET_KEY'], expiration)\n        return "
         "s.dumps({'confirm': self.id})", "s = Serializer(current_app.config['SECRET_KEY'])\n        return "
         "s.dumps({'confirm': self.id})"),
        ("app/models.py", "data = s.loads(token)", "data = s.loads(token, max_age=3600)"),
    ],
    "blog": [],
    "shop": [],
}
MODERN_REQUIREMENTS = "Flask>=3.0\nFlask-SQLAlchemy>=3.1\nFlask-WTF>=1.2\nflask-migrate-legacy\n"
DATABASE_SETTING = {"flasky": "DEV_DATABASE_URL", "blog": "DATABASE_URL", "shop": "DATABASE_URL"}
OWN_TESTS = {"flasky": ["manage.py", "test"], "blog": ["-m", "pytest", "-q", "-p", "no:cacheprovider", "test_blog.py"],
             "shop": ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]}
TABLES = {"flasky": {"roles", "users"}, "blog": {"post"}, "shop": {"products"}}


def follow_the_advice(project, name):
    for path, old, new in ADVICE[name]:
        with open(os.path.join(project, path), encoding="utf-8") as handle:
            text = handle.read()
        assert old in text, (path, old)
        with open(os.path.join(project, path), "w", encoding="utf-8") as handle:
            handle.write(text.replace(old, new))
    for requirements in ("requirements.txt", os.path.join("requirements", "prod.txt")):
        if os.path.exists(os.path.join(project, requirements)):
            with open(os.path.join(project, requirements), "w") as handle:
                handle.write(MODERN_REQUIREMENTS)


def modern_stack():
    import flask
    import sqlalchemy

    return int(flask.__version__.split(".")[0]) >= 3 if hasattr(flask, "__version__") else \
        int(sqlalchemy.__version__.split(".")[0]) >= 2


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["flasky", "blog", "shop"])
def test_a_project_that_cannot_start_is_told_why_then_fixed_migrates_and_passes_its_own_tests(tmp_path, name):
    import sqlalchemy

    if int(sqlalchemy.__version__.split(".")[0]) < 2:
        pytest.skip("the whole path is from a legacy stack to today's (see the legacy test below)")
    project = prepare(name, tmp_path)
    url = "sqlite:///" + str(tmp_path / "app.sqlite")
    env = {DATABASE_SETTING[name]: url}
    # Before: the app dies at import, and is told what removed the name, where, and what to run.
    before = run([sys.executable, "manage.py", "db", "upgrade"], project, env)
    assert before.returncode == 1, before.stderr
    hints = [line for line in before.stderr.splitlines() if "was removed in" in line]
    assert len(hints) == 1 and "python -m flask_migrate_legacy doctor" in hints[0], before.stderr
    # The doctor, then --fix --write, then what it advised by hand.
    assert run([sys.executable, "-m", "flask_migrate_legacy", "doctor"], project).returncode == 1
    fixed = run([sys.executable, "-m", "flask_migrate_legacy", "doctor", "--fix", "--write"], project)
    assert "doctor --fix rewrote" in fixed.stderr, fixed.stderr
    follow_the_advice(project, name)
    after = assert_ok(run([sys.executable, "-m", "flask_migrate_legacy", "doctor"], project))
    assert "0 will fail" in after.stdout
    # It starts, migrates, and passes its own tests.
    assert_ok(run([sys.executable, "manage.py", "db", "upgrade"], project, env))
    engine = sqlalchemy.create_engine(url)
    try:
        assert TABLES[name] <= set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert_ok(run([sys.executable] + OWN_TESTS[name], project, env))


@pytest.mark.e2e
def test_the_startup_hint_replaces_the_traceback_once_this_package_is_imported(tmp_path):
    project = prepare("blog", tmp_path)  # manage.py imports flask_migrate before the app
    import jinja2

    if hasattr(jinja2, "Markup"):
        pytest.skip("this Jinja still has Markup")
    result = run([sys.executable, "manage.py", "db", "current"], project, {"DATABASE_URL": "sqlite://"})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr == (
        "Error: blog.py:5: jinja2.Markup was removed in Jinja 3.1.0; fix: from markupsafe import Markup (MarkupSafe's "
        "own names, which Jinja and Flask re-exported). `python -m flask_migrate_legacy doctor` lists every such "
        "change (--fix --write rewrites the safe ones)\n")
    shown = run([sys.executable, "manage.py", "db", "current"], project,
                {"DATABASE_URL": "sqlite://", "FLASK_MIGRATE_LEGACY_TRACEBACK": "1"})
    assert "Traceback" in shown.stderr and "ImportError: cannot import name 'Markup'" in shown.stderr


@pytest.mark.e2e
def test_before_this_package_is_imported_the_hint_follows_pythons_traceback_and_nothing_else_changes(tmp_path):
    import jinja2

    if hasattr(jinja2, "Markup"):
        pytest.skip("this Jinja still has Markup")
    (tmp_path / "app.py").write_text("import json\nfrom jinja2 import Markup\n")
    (tmp_path / "other.py").write_text("import json\njson.loads('{')\n")
    result = run([sys.executable, "-c", "import app"], str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[-2].startswith("ImportError: cannot import name 'Markup' from 'jinja2'")
    assert lines[-1].startswith("flask-migrate-legacy: app.py:2: jinja2.Markup was removed in Jinja 3.1.0; fix: ")
    # Another program's error is left exactly as Python shows it.
    other = run([sys.executable, "other.py"], str(tmp_path))
    assert other.returncode == 1 and other.stderr.splitlines()[-1].startswith("json.decoder.JSONDecodeError")
    # An error inside an installed package is that package's business: no hint.
    inside = run([sys.executable, "-c", "import jinja2; jinja2.Markup"], str(tmp_path))
    assert inside.returncode == 1 and "flask-migrate-legacy" not in inside.stderr


def test_the_fixed_blog_still_runs_where_every_fix_is_backward_compatible(tmp_path):
    """On the legacy leg (Flask 1.1, Flask-SQLAlchemy 2.5, SQLAlchemy 1.3) the rewritten blog passes its tests."""
    project = prepare("blog", tmp_path)
    assert doctor("doctor", project, "--fix", "--write")[0] == 1
    assert_ok(run([sys.executable] + OWN_TESTS["blog"], project))


# -- each rule: before/after pairs, and what it must leave alone -----------------------------------


def fixed(tmp_path, source, name="app.py"):
    """Run the doctor on a one-file project; return (codes, the file after --fix --write)."""
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(source)
    found = audit_project(str(folder))
    doctor("doctor", str(folder), "--fix", "--write")
    return sorted(finding.code for finding in found.findings), path.read_text()


@pytest.mark.parametrize("moved", [m for m in removals.MOVED if m.name], ids=lambda m: m.code)
def test_every_removed_name_is_found_and_its_import_fixed_only_when_certain(tmp_path, moved):
    codes, after = fixed(tmp_path, "from %s import %s\n\nvalue = %s\n" % (moved.module, moved.name, moved.name))
    assert codes == [moved.code]
    if checks.CHECKS[moved.code].fixable:
        module, name = moved.replacement
        tree = ast.parse(after)
        imports = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
        assert [(node.module, [(a.name, a.asname) for a in node.names]) for node in imports] in (
            [(module, [(name, None)])], [(module, [(name, moved.name)])]), after
        assert after.endswith("value = %s\n" % (name if module == moved.module else moved.name))
    else:
        assert after.startswith("from %s import %s\n" % (moved.module, moved.name))


MODELS = "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\n\n"

PAIRS = [
    # (source, codes, the source after --fix --write; None: unchanged)
    ("from wtforms import StringField, TextField\nf = TextField('x')\n", ["wtforms-textfield"],
     "from wtforms import StringField\nf = StringField('x')\n"),
    ("from wtforms import TextField as T\nf = T('x')\n", ["wtforms-textfield"],
     "from wtforms import StringField as T\nf = T('x')\n"),
    ("from wtforms import validators\nv = validators.Required()\n", ["wtforms-required"],
     "from wtforms import validators\nv = validators.DataRequired()\n"),
    ("import wtforms.validators\nv = wtforms.validators.Required()\n", ["wtforms-required"],
     "import wtforms.validators\nv = wtforms.validators.DataRequired()\n"),
    ("from flask import (Flask,\n    Markup)\n", ["flask-markup"], None),  # over several lines: said, not rearranged
    # a form feed is no line break to Python: positions after it stay right
    ("from wtforms import (StringField, \x0c\n    TextField as T)\nf = T('x')\n", ["wtforms-textfield"],
     "from wtforms import (StringField, \x0c\n    StringField as T)\nf = T('x')\n"),
    ("from flask import Flask, Markup  # views\n", ["flask-markup"],
     "from flask import Flask\nfrom markupsafe import Markup  # views\n"),
    ("from flask.ext.sqlalchemy import SQLAlchemy\n", ["flask-ext"], "from flask_sqlalchemy import SQLAlchemy\n"),
    ("from wtforms.ext.sqlalchemy.fields import QuerySelectField\n", ["wtforms-ext"], None),
    ("x = User.query.paginate(1, per_page=5)\nimport flask_sqlalchemy\n", ["paginate-positional"],
     "x = User.query.paginate(page=1, per_page=5)\nimport flask_sqlalchemy\n"),
    ("x = User.query.paginate(*args)\nimport flask_sqlalchemy\n", ["paginate-positional"], None),
    ("x = thing.paginate(1, 2)\n", [], None),  # not a Flask-SQLAlchemy project
    ("import sqlalchemy as sa\nc = sa.String(convert_unicode=True, length=5)\n", ["convert-unicode"],
     "import sqlalchemy as sa\nc = sa.String(length=5)\n"),
    ("import sqlalchemy as sa\nc = sa.String(5,\n  convert_unicode=True)\n", ["convert-unicode"],
     "import sqlalchemy as sa\nc = sa.String(5)\n"),
    ("e = create_engine(url, convert_unicode=True)\n", ["convert-unicode"], "e = create_engine(url)\n"),
    ("from sqlalchemy import text\ndb.session.execute('SELECT :x', {'x': 1})\n", ["string-sql"],
     "from sqlalchemy import text\ndb.session.execute(text('SELECT :x'), {'x': 1})\n"),
    ("conn.execute('SELECT %s', (1,))\n", ["string-sql"], None),  # the driver's placeholders: advice only
    ("conn.execute(f'SELECT {x}')\n", ["string-sql"], None),  # SQL made at run time: advice only
    ("sql = 'SELECT 1'\nconn.execute(sql)\n", ["string-sql"], None),
    ("cursor.execute('SELECT 1')\ncur.execute('SELECT 2')\n", [], None),  # DB-API cursors take strings
    ("import sqlite3\nconn = sqlite3.connect('x')\nconn.execute('SELECT 1')\n", [], None),
    ("db.engine.execute('SELECT 1')\n", ["engine-execute"], None),
    ("u = User.query.get(1)\n", ["query-get"], None),
    ("d = {}\nd.get(1)\nos.environ['ENV']\nq.get(1, 2)\n", [], None),
    ("app.config['JSON_AS_ASCII'] = False\napp.config.update(JSON_SORT_KEYS=False)\n",
     ["config-json-as-ascii", "config-json-sort-keys"], None),
    ("class Config:\n    SQLALCHEMY_POOL_SIZE = 5\n", ["config-pool-size"], None),
    ("ENV = 'x'\n", [], None),  # a module-level name outside a settings module
    ("@app.before_first_request\ndef setup():\n    pass\n", ["flask-before-first-request"], None),
    ("x = app.use_x_sendfile\n", ["flask-use-x-sendfile"], 'x = app.config["USE_X_SENDFILE"]\n'),
    ("x = request.env\ny = app.env\n", ["flask-app-env"], None),
    ("from jinja2 import contextfilter\n@contextfilter\ndef f(ctx, v):\n    return v\n", ["jinja2-contextfilter"],
     "from jinja2 import pass_context\n@pass_context\ndef f(ctx, v):\n    return v\n"),
    ("from itsdangerous import TimedJSONWebSignatureSerializer\n", ["itsdangerous-jws"], None),
    ("print 'hello'\n", ["code-does-not-parse"], None),
    ("import flask_login\nif current_user.is_authenticated():\n    pass\n", ["flask-login-called"], None),
    ("import flask_login\nclass User:\n    def is_active(self):\n        return True\n", ["flask-login-method"], None),
    ("import flask_login\nclass User:\n    @property\n    def is_active(self):\n        return True\n", [], None),
    ("x = thing.is_active()\n", [], None),  # not a Flask-Login project
    # Flask-SQLAlchemy 3.0 names some classes' tables otherwise: said, never rewritten (which name the
    # database has depends on the release that created it)
    (MODELS + "class UserID(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
     ["model-table-name-changes"], None),
    (MODELS + "class User2FA(db.Model):\n    id: int = db.mapped_column(db.Integer, primary_key=True)\n",
     ["model-table-name-changes"], None),
    (MODELS + "class HTTPLog(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n", [], None),  # same
    (MODELS + "class UserID(db.Model):\n    __tablename__ = 'users'\n    id = db.Column(db.Integer, "
              "primary_key=True)\n", [], None),
    (MODELS + "class UserID(db.Model):\n    __abstract__ = True\n    id = db.Column(db.Integer)\n", [], None),
    (MODELS + "class UserID(Named, db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n", [], None),
    (MODELS + "class UserID(Parent):\n    id = db.Column(db.Integer, primary_key=True)\n", [], None),
    ("class UserID(Model):\n    id = Column(Integer, primary_key=True)\n", [], None),  # no Flask-SQLAlchemy
]


@pytest.mark.parametrize("source,codes,after", PAIRS)
def test_before_and_after(tmp_path, source, codes, after):
    found, written = fixed(tmp_path, source)
    assert found == codes
    assert written == (source if after is None else after)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_rewrite_keeps_line_endings_a_bom_and_a_latin1_file(tmp_path, newline):
    folder = tmp_path / "project"
    folder.mkdir()
    utf8 = newline.join(["# café", "from jinja2 import Markup", "m = Markup('é')", ""])
    (folder / "a.py").write_bytes(b"\xef\xbb\xbf" + utf8.encode("utf-8"))
    latin = newline.join(["# -*- coding: latin-1 -*-", "from jinja2 import Markup", "m = Markup('é')", ""])
    (folder / "b.py").write_bytes(latin.encode("latin-1"))
    doctor("doctor", str(folder), "--fix", "--write")
    assert (folder / "a.py").read_bytes() == b"\xef\xbb\xbf" + utf8.replace("jinja2", "markupsafe").encode("utf-8")
    assert (folder / "b.py").read_bytes() == latin.replace("jinja2", "markupsafe").encode("latin-1")


# -- the command line ----------------------------------------------------------------------------------


def test_exit_statuses_json_and_usage_errors(tmp_path):
    clean = prepare("modern", tmp_path)
    assert doctor("doctor", clean) == (0, "doctor: 0 will fail, 0 may fail, 0 advice\n", "")
    status, out, _ = doctor("doctor", clean, "--format", "json")
    assert status == 0 and json.loads(out) == {"findings": [], "summary": "0 will fail, 0 may fail, 0 advice",
                                               "exit_status": 0}
    legacy = prepare("blog", tmp_path)
    status, out, err = doctor("doctor", legacy, "--format", "json")
    report = json.loads(out)
    assert status == 1 and report["exit_status"] == 1 and err.startswith("Error: doctor found 8 will fail")
    jinja = next(f for f in report["findings"] if f["code"] == "jinja2-markup")
    assert jinja == {"severity": "fail", "code": "jinja2-markup", "where": "blog.py:5", "fixable": True,
                     "message": "from jinja2 import Markup: jinja2.Markup was removed in Jinja 3.1.0",
                     "fix": removals.MOVED_BY_NAME[("jinja2", "Markup")].fix, "release": "Jinja 3.1.0"}
    for bad in (["doctor", legacy, "--write"], ["doctor", str(tmp_path / "nowhere")], ["doctor", "--format", "xml"],
                [], ["doctor", legacy, "extra"]):
        status, out, err = doctor(*bad)
        assert status == 2 and out == "" and err.startswith("Error: ") and err.count("\n") == 1, (bad, err)


def test_the_console_script_and_python_m_run_the_same_doctor(tmp_path):
    project = prepare("modern", tmp_path)
    as_module = run([sys.executable, "-m", "flask_migrate_legacy", "doctor", project], str(tmp_path))
    script = os.path.join(os.path.dirname(sys.executable), "flask-migrate-legacy")
    as_script = run([script, "doctor", project], str(tmp_path))
    assert as_module.returncode == as_script.returncode == 0
    assert as_module.stdout == as_script.stdout == "doctor: 0 will fail, 0 may fail, 0 advice\n"


def test_readme_shows_the_table_of_rules_the_registry_holds():
    with open(os.path.join(HERE, os.pardir, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert rules_table() in readme
    assert all(check.code in readme for check in all_checks())


def test_every_rule_about_the_code_names_the_release_it_concerns():
    for check in all_checks():
        if check.scope in ("code", "config"):
            assert check.release, check.code


# -- bad input and faults ------------------------------------------------------------------------------


def test_what_cannot_be_read_is_one_finding_each_and_links_are_never_followed(tmp_path):
    folder = tmp_path / "project"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "latin.py").write_bytes(b"name = 'M\xfcller'\n")  # not UTF-8, no coding line
    (folder / "pkg" / "nul.py").write_bytes(b"x = 1\x00\n")
    (folder / "pkg" / "huge.py").write_bytes(b"# " + b"x" * (9 * 1024 * 1024) + b"\n")
    (folder / "pkg" / "py2.py").write_text("print 'hello'\n")
    os.symlink("loop-b.py", str(folder / "pkg" / "loop-a.py"))
    os.symlink("loop-a.py", str(folder / "pkg" / "loop-b.py"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "old.py").write_text("from jinja2 import Markup\n")
    os.symlink(str(outside), str(folder / "linked"))
    os.symlink(str(outside / "old.py"), str(folder / "pkg" / "linked.py"))
    os.symlink(str(folder), str(folder / "pkg" / "again"))  # a folder loop
    venv = folder / "venv-old"
    (venv / "lib" / "python2.7" / "site-packages").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr\n")
    (venv / "lib" / "python2.7" / "site-packages" / "six.py").write_text("print 'py2'\n")
    (folder / "node_modules" / "x").mkdir(parents=True)
    (folder / "node_modules" / "x" / "a.py").write_text("print 'x'\n")
    found = {(f.code, f.where): f for f in audit_project(str(folder)).findings}
    assert sorted(found) == [
        ("code-does-not-parse", "pkg/latin.py"), ("code-does-not-parse", "pkg/nul.py"),
        ("code-does-not-parse", "pkg/py2.py"), ("not-read", "pkg/huge.py")]
    assert "(line 1: (unicode error) 'utf-8' codec can't decode" in found[("code-does-not-parse", "pkg/latin.py")].message
    assert "null bytes" in found[("code-does-not-parse", "pkg/nul.py")].message
    assert "Missing parentheses" in found[("code-does-not-parse", "pkg/py2.py")].message
    assert "larger than 8 MiB" in found[("not-read", "pkg/huge.py")].message


def test_a_broken_link_among_the_revisions_is_named_as_such(tmp_path):
    project = prepare("blog", tmp_path)
    os.symlink("gone.py", os.path.join(project, "migrations", "versions", "dangling.py"))
    [finding] = [f for f in audit_project(project).findings if f.code == "not-read"]
    assert finding.where == "migrations/versions/dangling.py" and "a link to nothing" in finding.message


def test_ten_thousand_files_are_read(tmp_path):
    folder = tmp_path / "big"
    for package in range(100):
        (folder / ("p%d" % package)).mkdir(parents=True)
        for module in range(100):
            (folder / ("p%d" % package) / ("m%d.py" % module)).write_text("import os\n\nvalue = os.sep\n")
    (folder / "p7" / "m7.py").write_text("from jinja2 import Markup\n")
    assert [(f.code, f.where) for f in audit_project(str(folder)).findings] == [("jinja2-markup", "p7/m7.py:1")]


def test_a_write_that_fails_leaves_every_file_as_it_was_and_no_temporary_file(tmp_path, monkeypatch):
    from flask_migrate_legacy import pysource

    project = prepare("blog", tmp_path)
    before = read_tree(project)

    def killed(*args):
        raise KeyboardInterrupt  # Ctrl-C (or a kill) while the file is being replaced

    monkeypatch.setattr(pysource.os, "replace", killed)
    status, _, err = doctor("doctor", project, "--fix", "--write")
    assert status == 130 and err.count("\n") == 1 and err.startswith("Error: interrupted")
    assert read_tree(project) == before


def test_a_temporary_file_left_by_a_killed_write_is_not_a_revision_to_alembic(tmp_path):
    project = prepare("blog", tmp_path)
    versions = os.path.join(project, "migrations", "versions")
    left = os.path.join(versions, ".1f2e3d4c5b6a_posts.py.doctor-abc123.tmp")
    shutil.copy(os.path.join(versions, "1f2e3d4c5b6a_posts.py"), left)  # what SIGKILL mid-write would leave
    from alembic.script import ScriptDirectory

    from flask_migrate_legacy.config import Config

    config = Config(os.path.join(project, "migrations", "alembic.ini"))
    config.set_main_option("script_location", os.path.join(project, "migrations"))
    assert ScriptDirectory.from_config(config).get_heads() == ["1f2e3d4c5b6a"]  # no duplicate revision


@pytest.fixture
def read_only(tmp_path):
    """Mount a read-only view of a folder (as a container image gives it); unmounted afterwards."""
    mounted = []

    def mount(folder):
        view = str(tmp_path / "read-only")
        os.mkdir(view)
        for command in (["mount", "--bind", folder, view], ["mount", "-o", "remount,bind,ro", view]):
            done = subprocess.run(command, capture_output=True)
            if done.returncode:
                pytest.skip("cannot mount here: %s" % done.stderr.decode().strip())
            mounted.append(view) if command[1] == "--bind" else None
        return view

    yield mount
    for view in mounted:
        subprocess.run(["umount", view], check=True)


def test_a_read_only_project_is_reported_and_a_write_is_one_line_with_nothing_changed(tmp_path, read_only):
    project = prepare("blog", tmp_path)
    view = read_only(project)
    before = read_tree(project)
    status, out, _ = doctor("doctor", view)
    assert status == 1 and "jinja2.Markup was removed" in out
    status, _, err = doctor("doctor", view, "--fix", "--write")
    assert status == 1 and err.startswith("Error: could not write blog.py (Read-only file system): it is unchanged")
    assert err.count("\n") == 1 and read_tree(project) == before


# -- Flask-SQLAlchemy's table names from class names ----------------------------------------------------

CLASS_NAMES = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,14}\Z")


@settings(max_examples=2000, deadline=None)
@given(CLASS_NAMES)
def test_the_table_names_are_the_installed_flask_sqlalchemys(name):
    """The release under test names tables by one of the two rules: that one must agree with it exactly
    (CI runs this with Flask-SQLAlchemy 3.1 and 3.0, and with 2.5 on the legacy stack)."""
    import flask_sqlalchemy.model

    ours = removals.table_name_from_3 if _major() >= 3 else removals.table_name_before_3
    assert ours(name) == flask_sqlalchemy.model.camel_to_snake_case(name)


def _major():
    import importlib.metadata

    return int(importlib.metadata.version("flask-sqlalchemy").split(".")[0])


def test_the_two_rules_differ_where_the_changelog_says():
    assert (removals.table_name_before_3("UserID"), removals.table_name_from_3("UserID")) == ("userID", "user_id")
    assert (removals.table_name_before_3("User2FA"), removals.table_name_from_3("User2FA")) == ("user2FA", "user2_fa")
    assert removals.table_name_before_3("OAuth2Token") == removals.table_name_from_3("OAuth2Token") == "o_auth2_token"


def test_a_renamed_table_is_named_with_both_names_and_the_way_to_keep_the_old_one(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "models.py").write_text(MODELS + "class UserID(db.Model):\n    id = db.Column(db.Integer, "
                                                "primary_key=True)\n")
    status, out, _ = doctor("doctor", str(folder), "--format", "json")
    found = [f for f in json.loads(out)["findings"] if f["code"] == "model-table-name-changes"]
    assert status == 1 and len(found) == 1 and found[0]["where"] == "models.py:5"
    assert "'userID'" in found[0]["message"] and "'user_id'" in found[0]["message"]
    assert "__tablename__ = 'userID'" in found[0]["fix"]


def test_a_column_of_a_model_named_after_its_class_is_still_used_under_either_name():
    from flask_migrate_legacy.lock_review import mapped_columns

    tree = ast.parse(MODELS + "class UserID(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
                              "    email = db.Column('mail', db.String)\n\n\nclass Named(db.Model):\n"
                              "    __tablename__ = 'people'\n    id = db.Column(db.Integer, primary_key=True)\n")
    assert mapped_columns([tree]) == {"userID": {"id", "mail"}, "user_id": {"id", "mail"}, "people": {"id"}}

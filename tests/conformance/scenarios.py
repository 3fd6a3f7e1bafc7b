"""The conformance scenarios: small manage.py projects and the command line run against each.

Every scenario runs unchanged under the real Flask-Script 2.0.6 + Flask-Migrate
2.7.0 and under this package. ``differences`` names the entries of the reviewed
list (``differences.py``, README "Compatibility notes") that explain where the
two may differ; everything else must be equal after normalisation.
"""

import textwrap
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

_IMPORTS = "import os, sys\nfrom flask import Flask, current_app, request\n" \
           "from flask_script import Manager, Command, Option, Group, Shell, Server, " \
           "prompt, prompt_pass, prompt_bool, prompt_choices\n" \
           "from flask_script.commands import Clean, ShowUrls, InvalidCommand\n"

#: How the project builds its app and manager; the scenario's body follows.
PRELUDES = {
    # A plain Flask app.
    "flask": "app = Flask('conformance')\nmanager = Manager(app)\n",
    # Not a Flask instance: a wrapper that gives only the two context methods,
    # handed over by a factory (Flask-Script calls anything that is not a Flask).
    "double": textwrap.dedent("""\
        class AppDouble(object):
            def __init__(self):
                self.wrapped = Flask('double')
            def test_request_context(self, *args, **kwargs):
                print('double: request context')
                return self.wrapped.test_request_context(*args, **kwargs)
            def app_context(self):
                print('double: app context')
                return self.wrapped.app_context()
            def __call__(self):
                return self  # Flask-Script calls what is not a Flask to get the app
        def make_double(**options):
            if options:
                print('factory options: %s' % sorted(options.items()))
            return AppDouble()
        manager = Manager(make_double)
        """),
    # A Flask subclass that builds its own test request context.
    "override": textwrap.dedent("""\
        class CustomFlask(Flask):
            def test_request_context(self, *args, **kwargs):
                kwargs.setdefault('base_url', 'https://shop.example.com/api/')
                kwargs.setdefault('headers', {'X-Tenant': 'acme'})
                return super(CustomFlask, self).test_request_context(*args, **kwargs)
        app = CustomFlask('override')
        manager = Manager(app)
        """),
    # An app factory that takes the manager's own option.
    "factory": textwrap.dedent("""\
        def create_app(config=None):
            app = Flask('factory')
            app.config['CHOSEN'] = config
            print('factory called with config=%r' % (config,))
            return app
        manager = Manager(create_app)
        manager.add_option('-c', '--config', dest='config', required=False)
        """),
    # The Flask-Migrate 2.x tutorial project on SQLite.
    "db": textwrap.dedent("""\
        from flask_sqlalchemy import SQLAlchemy
        from flask_migrate import Migrate, MigrateCommand
        basedir = os.path.abspath(os.path.dirname(__file__))
        app = Flask('dbapp')
        app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///' + os.path.join(basedir, 'app.db')
        app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = False
        db = SQLAlchemy(app)
        migrate = Migrate(app, db)
        manager = Manager(app)
        manager.add_command('db', MigrateCommand)
        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String(128))
        if os.path.exists(os.path.join(basedir, 'models-v2')):
            class Post(db.Model):
                id = db.Column(db.Integer, primary_key=True)
                title = db.Column(db.String(200))
        @manager.command
        def models_v2():
            "Add the Post model from now on."
            open(os.path.join(basedir, 'models-v2'), 'w').close()
        """),
}


class Scenario(NamedTuple):
    """One project and one measured command line."""

    name: str
    body: str
    argv: Tuple[str, ...]
    app: str = "flask"
    setup: Tuple[Tuple[str, ...], ...] = ()
    stdin: Optional[str] = None
    env: Dict[str, str] = {}
    run: str = "manager.run()"
    differences: Tuple[str, ...] = ()
    files: Dict[str, str] = {}
    #: The output lists things in an order neither side fixes (Alembic's branches from os.listdir).
    any_line_order: bool = False

    def command(self, python: str, argv: Sequence[str]) -> List[str]:
        """Return the command line that runs ``argv``: ``python manage.py ARGV``."""
        return [python, "manage.py", *argv]

    def project_files(self) -> Dict[str, str]:
        """Return the project's files: ``manage.py`` and any others."""
        manage = _IMPORTS + PRELUDES[self.app] + textwrap.dedent(self.body) + \
            "\nif __name__ == '__main__':\n    %s\n" % self.run
        return dict(self.files, **{"manage.py": manage})


def _argv(line: str) -> Tuple[str, ...]:
    return tuple(line.split())


SCENARIOS = []


def scenario(name, body, line, **kwargs):
    """Add a scenario whose command line is ``line`` split on blanks."""
    setup = tuple(_argv(step) for step in kwargs.pop("setup", ()))
    SCENARIOS.append(Scenario(name, body, _argv(line), setup=setup, **kwargs))


# -- commands from functions ---------------------------------------------------------

HELLO = """
@manager.command
def hello(name, greeting='Hello', loud=False):
    "Say hello to someone."
    text = '%s, %s! (%s %s)' % (greeting, name, current_app.name, request.url)
    print(text.upper() if loud else text)
"""

for app in ("flask", "double", "override"):
    scenario("command-positional-%s" % app, HELLO, "hello bob", app=app)
    scenario("command-options-%s" % app, HELLO, "hello -g Hi --loud bob", app=app)
scenario("command-long-option", HELLO, "hello --greeting=Howdy bob")
scenario("command-missing-positional", HELLO, "hello")
scenario("command-help", HELLO, "hello --help")
scenario("command-help-question", HELLO, "hello -?")
scenario("command-stray-argument", HELLO, "hello bob extra")
scenario("command-unknown-option", HELLO, "hello --nope bob")
scenario("unknown-command", HELLO, "nosuch")
scenario("no-arguments", HELLO, "")
scenario("top-help", HELLO, "--help")
scenario("top-help-question", HELLO, "-?")
scenario("top-dash-h", HELLO, "-h")

scenario("bool-default-true", """
@manager.command
def verbose(chatty=True):
    print('chatty=%r' % (chatty,))
""", "verbose -c")
scenario("underscore-long-option", """
@manager.command
def profile(profile_dir='/tmp'):
    print('profile_dir=%s' % profile_dir)
""", "profile --profile_dir /var/p")
scenario("underscore-option-help", """
@manager.command
def profile(profile_dir='/tmp'):
    "Profile into a folder."
""", "profile --help", differences=("dashed-long-option",))
scenario("shared-first-letter", """
@manager.command
def serve(host='localhost', hostname='x'):
    print(host, hostname)
""", "serve --hostname y", differences=("short-flag-conflict",))
scenario("return-code", """
@manager.command
def fail():
    return 3
""", "fail")
scenario("return-string", """
@manager.command
def fail():
    return 'it went wrong'
""", "fail")
scenario("return-zero", """
@manager.command
def fine():
    print('fine')
    return 0
""", "fine")
scenario("user-exception", """
@manager.command
def boom():
    raise ValueError('user bug 42')
""", "boom", differences=("own-frames",))
scenario("invalid-command", """
@manager.command
def check():
    raise InvalidCommand('the input is wrong')
""", "check", differences=("one-error-line",))

OPTIONS = """
@manager.option('-n', '--name', dest='name', default='joe', help='who')
@manager.option('-u', '--url', dest='url', default=None, help='where')
def greet(name, url):
    "Greet by option."
    print('name=%s url=%s app=%s' % (name, url, current_app.name))
"""
for app in ("flask", "double"):
    scenario("option-values-%s" % app, OPTIONS, "greet -n ann -u http://x", app=app)
    scenario("option-defaults-%s" % app, OPTIONS, "greet", app=app)
scenario("option-help", OPTIONS, "greet --help")
scenario("option-positionals-order", """
@manager.option('first')
@manager.option('second')
def pair(first, second):
    print('first=%s second=%s' % (first, second))
""", "pair A B")

# -- Command classes, Options and Groups -------------------------------------------------------

CLASSES = """
class Print(Command):
    "Print a word."
    option_list = (Option('word'), Option('--times', '-t', dest='times', type=int, default=1))
    def run(self, word, times):
        print(' '.join([word] * times), current_app.name)

class Dynamic(Command):
    "Options made per instance."
    def __init__(self, default_colour):
        self.default_colour = default_colour
    def get_options(self):
        return [Option('-c', '--colour', dest='colour', default=self.default_colour)]
    def run(self, colour):
        print('colour=%s' % colour)

class Exclusive(Command):
    "Mutually exclusive switches."
    option_list = (Group(Option('--fast', action='store_true'), Option('--slow', action='store_true'),
                         exclusive=True, required=True),)
    def run(self, fast, slow):
        print('fast=%s slow=%s' % (fast, slow))

class Titled(Command):
    "An option group with a title."
    option_list = (Group(Option('--alpha'), Option('--beta'), title='Letters', description='Pick some'),)
    def run(self, alpha, beta):
        print(alpha, beta)

class Capture(Command):
    "Pass everything on."
    capture_all_args = True
    def run(self, remaining):
        print('remaining=%r' % (remaining,))

class ReportCommand(Command):
    "Named from its class."
    def run(self):
        print('report ran')

manager.add_command('print', Print())
manager.add_command('dynamic', Dynamic('red'))
manager.add_command('exclusive', Exclusive())
manager.add_command('titled', Titled())
manager.add_command('capture', Capture())
manager.add_command(ReportCommand())
"""
for app in ("flask", "double"):
    scenario("class-command-%s" % app, CLASSES, "print hi -t 3", app=app)
    scenario("capture-all-args-%s" % app, CLASSES, "capture one --two -3", app=app)
scenario("get-options-override", CLASSES, "dynamic")
scenario("get-options-value", CLASSES, "dynamic --colour blue")
scenario("group-exclusive-conflict", CLASSES, "exclusive --fast --slow")
scenario("group-exclusive-required", CLASSES, "exclusive")
scenario("group-exclusive-ok", CLASSES, "exclusive --slow")
scenario("group-titled-help", CLASSES, "titled --help")
scenario("command-name-from-class", CLASSES, "report")
scenario("class-command-help-listing", CLASSES, "--help")

scenario("add-command-class", """
class Hi(Command):
    def run(self):
        print('hi from class')
manager.add_command('hi', Hi)
""", "hi")
scenario("namespace", """
class Up(Command):
    "Go up."
    def run(self):
        print('up in namespace')
manager.add_command('up', Up(), namespace='tools')
""", "tools up")

# -- help switches ---------------------------------------------------------------------

scenario("help-args-empty-after", HELLO + "manager.help_args = ()\n", "hello --help")
scenario("help-args-empty-before", HELLO + "manager.help_args = ()\n", "--help hello")
scenario("help-args-custom", HELLO + "manager.help_args = ('-H', '--halp')\n", "hello -H")
scenario("command-help-args", """
class Quiet(Command):
    help_args = ('--usage',)
    def run(self):
        print('quiet ran')
manager.add_command('quiet', Quiet())
""", "quiet --usage")

# -- default commands and run() ---------------------------------------------------------------

scenario("default-command-not-used", HELLO, "bob", run="manager.run(default_command='hello')")
scenario("default-command-used", """
@manager.command
def ping():
    print('pong', request.path)
""", "", run="manager.run(default_command='ping')")
scenario("default-command-double", """
@manager.command
def ping():
    print('pong', current_app.name)
""", "", app="double", run="manager.run(default_command='ping')")
scenario("run-commands-dict", """
class Extra(Command):
    def run(self):
        print('extra ran')
""", "extra", run="manager.run(commands={'extra': Extra()})")
scenario("no-default-commands", "manager.with_default_commands = False\n" + HELLO, "--help")
scenario("user-shell-replaces-default", """
@manager.shell
def make_context():
    return dict(app=current_app._get_current_object(), answer=42)
""", "shell", stdin="print(answer, app.name)\n", differences=("shell-pipe",))

# -- sub-managers --------------------------------------------------------------------

SUB = """
sub = Manager(usage='Tools for the team')
@sub.command
def build(target='all'):
    "Build a target."
    print('building %s in %s' % (target, current_app.name))
manager.add_command('tools', sub)
"""
for app in ("flask", "double"):
    scenario("sub-manager-command-%s" % app, SUB, "tools build -t docs", app=app)
scenario("sub-manager-alone", SUB, "tools")
scenario("sub-manager-help", SUB, "tools --help")
scenario("sub-manager-command-help", SUB, "tools build --help")
scenario("sub-manager-unknown", SUB, "tools nosuch")
scenario("sub-manager-own-option", """
sub = Manager(usage='Tools')
sub.add_option('-e', '--env', dest='env', default='dev')
@sub.command
def where():
    print('app=%s' % current_app.name)
manager.add_command('tools', sub)
""", "tools -e prod where", differences=("ignored-options-warning",))

# -- app factories and manager options ------------------------------------------------------------

FACTORY = """
@manager.command
def show():
    print('config=%r' % current_app.config['CHOSEN'])
"""
scenario("factory-option", FACTORY, "-c prod.cfg show", app="factory")
scenario("factory-no-option", FACTORY, "show", app="factory")
scenario("factory-option-after-command", FACTORY, "show -c prod.cfg", app="factory")
scenario("factory-help", FACTORY, "--help", app="factory")
scenario("double-manager-option", """
manager.add_option('-c', '--config', dest='config', required=False)
@manager.command
def show():
    print('shown', current_app.name)
""", "-c x.cfg show", app="double")
scenario("ready-app-with-option", """
manager.add_option('-c', '--config', dest='config', required=False)
@manager.command
def show():
    print('shown', current_app.name)
""", "-c x.cfg show", differences=("ignored-options-warning",))
scenario("manager-call-returns-app", """
@manager.command
def same():
    print(manager() is current_app._get_current_object(), type(manager()).__name__)
""", "same")

# -- contexts ----------------------------------------------------------------------

scenario("request-context-override", """
@manager.command
def where():
    print(request.url, request.headers.get('X-Tenant'))
""", "where", app="override")
scenario("request-context-server-name", """
app.config['SERVER_NAME'] = 'example.org:8080'
from flask import url_for
@app.route('/items')
def items():
    return ''
@manager.command
def link():
    print(request.url, url_for('items'), url_for('items', _external=True))
""", "link")

# -- prompts -----------------------------------------------------------------------

PROMPTS = """
@manager.command
def ask():
    name = prompt('Name', default='anon')
    sure = prompt_bool('Sure?')
    colour = prompt_choices('Colour', ['red', ('b', 'blue')], default='red')
    print('\\nname=%r sure=%r colour=%r' % (name, sure, colour))
"""
for app in ("flask", "double"):
    scenario("prompts-answered-%s" % app, PROMPTS, "ask", app=app, stdin="ann\nyes\nb\n")
scenario("prompts-defaults", PROMPTS, "ask", stdin="\n\n\n")
scenario("prompts-retry", PROMPTS, "ask", stdin="ann\nmaybe\nno\ngreen\nnone\n")
scenario("prompt-end-of-input", PROMPTS, "ask", stdin="", differences=("one-error-line",))
scenario("prompt-pass", """
@manager.command
def secret():
    word = prompt_pass('Password', default='x')
    print('\\nlength=%d' % len(word))
""", "secret", stdin="hunter2\n")

# -- Shell -------------------------------------------------------------------------

scenario("shell-piped", "", "shell", stdin="print(app.name)\n", differences=("shell-pipe",))
scenario("shell-no-ipython", "", "shell --no-ipython --no-bpython", stdin="x = 2\nprint(x * 21)\n",
         differences=("shell-pipe",))
scenario("shell-help", "", "shell --help")
scenario("shell-banner-context", """
manager.add_command('shell', Shell(banner='Welcome', make_context=lambda: {'app': app, 'n': 7}))
""", "shell", stdin="print(n)\n", differences=("shell-pipe",))

# -- Server ------------------------------------------------------------------------

SERVER = """
def fake_run(**kwargs):
    print(sorted(kwargs.items()))
app.run = fake_run
"""
scenario("runserver-defaults", SERVER, "runserver")
scenario("runserver-options", SERVER, "runserver -h 0.0.0.0 -p 8000 --threaded --processes 1")
scenario("runserver-debug-reload", SERVER, "runserver -d -r")
scenario("runserver-no-debug", SERVER, "runserver -D -R --passthrough-errors")
scenario("runserver-ssl", SERVER, "runserver --ssl-crt c.pem --ssl-key k.pem")
scenario("runserver-bad-port", SERVER, "runserver -p eighty")
scenario("runserver-help", SERVER, "runserver --help")
scenario("runserver-custom", SERVER + "manager.add_command('runserver', Server(port=9000, use_debugger=True, extra_files=['a']))\n",
         "runserver")
scenario("runserver-app-debug", SERVER + "app.debug = True\n", "runserver")

# -- Clean and ShowUrls -------------------------------------------------------------------

scenario("clean", "manager.add_command('clean', Clean())\n", "clean",
         files={"pkg/a.pyc": "x", "pkg/b.pyo": "x", "pkg/keep.py": "x = 1\n"})
ROUTES = """
@app.route('/users/<int:user_id>')
def user(user_id):
    return ''
@app.route('/about')
def about():
    return ''
manager.add_command('urls', ShowUrls())
"""
scenario("showurls", ROUTES, "urls")
scenario("showurls-order", ROUTES, "urls --order endpoint")
scenario("showurls-match", ROUTES, "urls /users/7")
scenario("showurls-no-match", ROUTES, "urls /nowhere")

# -- db: help and usage ----------------------------------------------------------------

DB_SUBCOMMANDS = ("init", "revision", "migrate", "edit", "merge", "upgrade", "downgrade", "show",
                  "history", "heads", "branches", "current", "stamp")
scenario("db-alone", "", "db", app="db", differences=("db-help-text",))
scenario("db-help", "", "db --help", app="db", differences=("db-help-text",))
for sub in DB_SUBCOMMANDS:
    scenario("db-%s-help" % sub, "", "db %s --help" % sub, app="db", differences=("db-help-text",))
scenario("db-unknown-subcommand", "", "db nosuch", app="db", differences=("db-help-text",))

# -- db: the migration cycle -----------------------------------------------------------------

INIT = ("db init",)
MIGRATED = INIT + ("db migrate --rev-id r1first -m first",)
UPGRADED = MIGRATED + ("db upgrade",)
TWO = UPGRADED + ("models_v2", "db migrate --rev-id r2second -m second")
TWO_UP = TWO + ("db upgrade",)
FORKED = UPGRADED + ("db revision --rev-id r3left -m left",
                     "db revision --head r1first --splice --rev-id r4right -m right")

scenario("db-init", "", "db init", app="db")
scenario("db-init-multidb", "", "db init --multidb", app="db")
scenario("db-init-directory", "", "db init -d other", app="db")
scenario("db-init-twice", "", "db init", app="db", setup=INIT, differences=("one-error-line",))
scenario("db-migrate", "", "db migrate --rev-id r1first -m first", app="db", setup=INIT)
scenario("db-migrate-no-folder", "", "db migrate", app="db", differences=("one-error-line",))
scenario("db-migrate-not-up-to-date", "", "db migrate --rev-id r2second", app="db", setup=MIGRATED,
         differences=("one-error-line",))
scenario("db-migrate-x-arg", "", "db migrate -x a=1 --rev-id r1first", app="db", setup=INIT)
scenario("db-upgrade", "", "db upgrade", app="db", setup=MIGRATED)
scenario("db-upgrade-sql", "", "db upgrade --sql", app="db", setup=MIGRATED)
scenario("db-upgrade-revision", "", "db upgrade r1first", app="db", setup=TWO)
scenario("db-upgrade-unknown", "", "db upgrade ffff", app="db", setup=MIGRATED, differences=("one-error-line",))
scenario("db-upgrade-no-folder", "", "db upgrade", app="db", differences=("one-error-line",))
scenario("db-upgrade-two-heads", "", "db upgrade", app="db", setup=FORKED, differences=("one-error-line",))
scenario("db-upgrade-tag", "", "db upgrade --tag release-1", app="db", setup=MIGRATED)
scenario("db-downgrade", "", "db downgrade", app="db", setup=TWO_UP)
scenario("db-downgrade-base", "", "db downgrade base", app="db", setup=TWO_UP)
scenario("db-downgrade-sql", "", "db downgrade --sql r2second:r1first", app="db", setup=TWO)
scenario("db-downgrade-below-base", "", "db downgrade -5", app="db", setup=UPGRADED,
         differences=("one-error-line",))
scenario("db-current", "", "db current", app="db", setup=TWO_UP)
scenario("db-current-verbose", "", "db current -v", app="db", setup=UPGRADED)
scenario("db-current-empty", "", "db current", app="db", setup=MIGRATED)
scenario("db-history", "", "db history", app="db", setup=TWO)
scenario("db-history-verbose", "", "db history -v", app="db", setup=TWO)
scenario("db-history-range", "", "db history -r r1first:", app="db", setup=TWO)
scenario("db-history-indicate", "", "db history -i", app="db", setup=TWO_UP)
scenario("db-heads", "", "db heads", app="db", setup=FORKED, any_line_order=True)
scenario("db-heads-verbose", "", "db heads -v", app="db", setup=TWO)
scenario("db-heads-resolve", "", "db heads --resolve-dependencies", app="db", setup=TWO)
scenario("db-branches", "", "db branches", app="db", setup=FORKED, any_line_order=True)
scenario("db-show", "", "db show", app="db", setup=TWO)
scenario("db-show-revision", "", "db show r1first", app="db", setup=TWO)
scenario("db-show-unknown", "", "db show ffff", app="db", setup=TWO, differences=("one-error-line",))
scenario("db-stamp", "", "db stamp head", app="db", setup=TWO)
scenario("db-stamp-sql", "", "db stamp --sql r1first", app="db", setup=TWO)
scenario("db-stamp-missing-revision", "", "db stamp", app="db", setup=TWO, differences=("db-help-text",))
scenario("db-stamp-unknown", "", "db stamp ffff", app="db", setup=TWO, differences=("one-error-line",))
scenario("db-revision", "", "db revision --rev-id r5manual -m manual", app="db", setup=UPGRADED)
scenario("db-revision-autogenerate", "", "db revision --autogenerate --rev-id r2second", app="db",
         setup=UPGRADED + ("models_v2",))
scenario("db-revision-branch-label", "", "db revision --rev-id r5manual --branch-label feature", app="db",
         setup=UPGRADED)
scenario("db-merge", "", "db merge -m join --rev-id r6merge r3left r4right", app="db",
         setup=FORKED)
scenario("db-merge-heads", "", "db merge --rev-id r6merge heads", app="db", setup=FORKED)
scenario("db-merge-single-head", "", "db merge --rev-id r6merge heads", app="db", setup=UPGRADED,
         differences=("merge-nothing",))
scenario("db-merge-one-revision", "", "db merge --rev-id r6merge r1first", app="db", setup=UPGRADED,
         differences=("merge-nothing",))
scenario("db-merge-no-revisions", "", "db merge", app="db", setup=FORKED, differences=("db-merge-default",))
scenario("db-edit", "", "db edit", app="db", setup=MIGRATED)
scenario("db-edit-revision", "", "db edit r1first", app="db", setup=TWO)
scenario("db-check", "", "db check", app="db", setup=UPGRADED, differences=("newer-subcommands",))
scenario("db-list-templates", "", "db list-templates", app="db", differences=("newer-subcommands",))
scenario("db-doctor", "", "db doctor", app="db", setup=UPGRADED, differences=("newer-subcommands",))
scenario("db-directory-option", "", "db upgrade -d other", app="db",
         setup=("db init -d other", "db migrate -d other --rev-id r1first"))
scenario("db-function-in-command", """
from flask_migrate import upgrade
@manager.command
def deploy():
    upgrade()
    print('deployed')
""", "deploy", app="db", setup=MIGRATED)

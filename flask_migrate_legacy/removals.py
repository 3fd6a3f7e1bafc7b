"""What a 2014-2020 Flask app meets on today's releases: names, attributes and settings removed or moved.

Each entry is one check of the doctor (declared in ``checks``) and cites the
release that removed or changed the thing, as that project's changelog says
(``CHANGES`` of its sdist) or, where the changelog is silent, as the released
packages show (present in the release before, absent in the one named).

Kept light: the start-up hint (``explain``) reads it inside a process whose
app failed to import, so it imports nothing but ``re`` and ``checks``.
"""

import re
from typing import Dict, List, NamedTuple, Optional, Tuple

from .checks import declare

DOCTOR_COMMAND = "python -m flask_migrate_legacy doctor"


class Moved(NamedTuple):
    """An importable name that was removed, renamed or moved (``name`` None: the whole module)."""

    code: str
    module: str
    name: Optional[str]
    release: str
    #: Where it is now: (module, name); None where nothing replaces it one for one.
    replacement: Optional[Tuple[str, Optional[str]]]
    #: The fix, in words (for an import that moved: said from ``replacement`` when empty).
    advice: str = ""
    #: The replacement behaves the same (--fix rewrites the import); False: advice only.
    equivalent: bool = True
    severity: str = "fail"

    @property
    def dotted(self) -> str:
        return self.module + ("." + self.name if self.name else "")

    @property
    def fix(self) -> str:
        if self.advice:
            return self.advice
        module, name = self.replacement  # type: ignore[misc]
        if self.name is None:
            return "import from %s instead" % module
        return "from %s import %s" % (module, name or self.name)


_MARKUPSAFE = "MarkupSafe's own names, which Jinja and Flask re-exported"

MOVED: List[Moved] = [
    # WTForms 3.0.0: names deprecated since 2.x are gone; absent from 3.0.0a1 on.
    Moved("wtforms-textfield", "wtforms", "TextField", "WTForms 3.0.0", ("wtforms", "StringField"),
          "use StringField (TextField was its deprecated alias; a field's .type becomes 'StringField')"),
    Moved("wtforms-textfield-fields", "wtforms.fields", "TextField", "WTForms 3.0.0", ("wtforms.fields", "StringField"),
          "use StringField (TextField was its deprecated alias; a field's .type becomes 'StringField')"),
    Moved("wtforms-required", "wtforms.validators", "Required", "WTForms 3.0.0",
          ("wtforms.validators", "DataRequired"), "use DataRequired (Required was its deprecated alias)"),
    Moved("wtforms-html5", "wtforms.fields.html5", None, "WTForms 3.0.0", ("wtforms.fields", None),
          "import the fields from wtforms.fields (HTML5 widgets are the default since 3.0)"),
    Moved("wtforms-compat", "wtforms.compat", None, "WTForms 3.0.0", None,
          "use Python 3's own names (text_type is str, string_types is (str,), iteritems(d) is d.items())"),
    Moved("wtforms-ext", "wtforms.ext", None, "WTForms 3.0.0", None,
          "wtforms.ext.sqlalchemy lives on as WTForms-SQLAlchemy (from wtforms_sqlalchemy.fields import "
          "QuerySelectField); wtforms.ext.csrf and i18n are in WTForms' core (form Meta)"),
    Moved("wtforms-htmlstring", "wtforms.widgets.core", "HTMLString", "WTForms 2.3.0", ("markupsafe", "Markup"),
          "from markupsafe import Markup (HTMLString was replaced by it)"),
    Moved("flask-wtf-csrfprotect", "flask_wtf", "CsrfProtect", "Flask-WTF 1.0.0", ("flask_wtf", "CSRFProtect"),
          "use CSRFProtect (CsrfProtect was its deprecated alias since 0.14)"),
    Moved("flask-wtf-csrfprotect-csrf", "flask_wtf.csrf", "CsrfProtect", "Flask-WTF 1.0.0",
          ("flask_wtf.csrf", "CSRFProtect"), "use CSRFProtect (CsrfProtect was its deprecated alias since 0.14)"),
    Moved("flask-wtf-html5", "flask_wtf.html5", None, "Flask-WTF 1.0.0", ("wtforms.fields", None),
          "import the fields from wtforms.fields"),
    Moved("flask-wtf-form", "flask_wtf", "Form", "Flask-WTF 1.0.0", ("flask_wtf", "FlaskForm"),
          "use FlaskForm: flask_wtf.Form is now WTForms' plain Form, without CSRF or validate_on_submit() "
          "(renamed in Flask-WTF 0.13, the alias removed in 1.0.0)"),
    # itsdangerous 2.1.0: "Remove previously deprecated code: JWS functionality".
    Moved("itsdangerous-jws", "itsdangerous", "TimedJSONWebSignatureSerializer", "itsdangerous 2.1.0", None,
          "sign with itsdangerous.URLSafeTimedSerializer(secret, salt=...) and check the age with "
          "loads(token, max_age=seconds); tokens issued before stop validating, so issue new ones (a "
          "confirmation e-mail sent again) or keep the old scheme behind a JOSE library such as Authlib"),
    Moved("itsdangerous-jws-untimed", "itsdangerous", "JSONWebSignatureSerializer", "itsdangerous 2.1.0", None,
          "use itsdangerous.URLSafeSerializer(secret, salt=...); tokens issued before stop validating"),
    Moved("itsdangerous-json", "itsdangerous.json", None, "itsdangerous 2.1.0", ("json", None),
          "import json from the standard library"),
    # Werkzeug 1.0.0: "Remove most top-level attributes ... in favor of direct imports" and the
    # 0.15 deprecations (contrib, werkzeug.wsgi's middleware).
    Moved("werkzeug-top-level-secure-filename", "werkzeug", "secure_filename", "Werkzeug 1.0.0",
          ("werkzeug.utils", "secure_filename")),
    Moved("werkzeug-top-level-cached-property", "werkzeug", "cached_property", "Werkzeug 1.0.0",
          ("werkzeug.utils", "cached_property")),
    Moved("werkzeug-top-level-import-string", "werkzeug", "import_string", "Werkzeug 1.0.0",
          ("werkzeug.utils", "import_string")),
    Moved("werkzeug-top-level-password-hash", "werkzeug", "generate_password_hash", "Werkzeug 1.0.0",
          ("werkzeug.security", "generate_password_hash")),
    Moved("werkzeug-top-level-check-password", "werkzeug", "check_password_hash", "Werkzeug 1.0.0",
          ("werkzeug.security", "check_password_hash")),
    Moved("werkzeug-top-level-file-storage", "werkzeug", "FileStorage", "Werkzeug 1.0.0",
          ("werkzeug.datastructures", "FileStorage")),
    Moved("werkzeug-dispatcher", "werkzeug.wsgi", "DispatcherMiddleware", "Werkzeug 1.0.0",
          ("werkzeug.middleware.dispatcher", "DispatcherMiddleware")),
    Moved("werkzeug-shared-data", "werkzeug.wsgi", "SharedDataMiddleware", "Werkzeug 1.0.0",
          ("werkzeug.middleware.shared_data", "SharedDataMiddleware")),
    Moved("werkzeug-contrib-fixers", "werkzeug.contrib.fixers", "ProxyFix", "Werkzeug 1.0.0",
          ("werkzeug.middleware.proxy_fix", "ProxyFix"),
          "from werkzeug.middleware.proxy_fix import ProxyFix, and give it x_for=1 (or the proxies you "
          "have): it no longer trusts X-Forwarded-* unless told how many proxies set them", equivalent=False),
    Moved("werkzeug-contrib-cache", "werkzeug.contrib.cache", None, "Werkzeug 1.0.0", None,
          "use cachelib (from cachelib import SimpleCache, RedisCache), where the cache moved"),
    Moved("werkzeug-contrib", "werkzeug.contrib", None, "Werkzeug 1.0.0", None,
          "profiler, lint and ProxyFix are in werkzeug.middleware; cache is cachelib; securecookie and "
          "sessions are the secure-cookie project"),
    Moved("werkzeug-base-response", "werkzeug.wrappers", "BaseResponse", "Werkzeug 2.1.0",
          ("werkzeug.wrappers", "Response")),
    Moved("werkzeug-base-request", "werkzeug.wrappers", "BaseRequest", "Werkzeug 2.1.0",
          ("werkzeug.wrappers", "Request")),
    Moved("werkzeug-json-mixin", "werkzeug.wrappers.json", None, "Werkzeug 2.1.0", None,
          "Request and Response have .json and get_json() themselves"),
    Moved("werkzeug-url-quote", "werkzeug.urls", "url_quote", "Werkzeug 3.0.0", ("urllib.parse", "quote"),
          "use urllib.parse.quote (its safe characters differ slightly)", equivalent=False),
    Moved("werkzeug-url-parse", "werkzeug.urls", "url_parse", "Werkzeug 3.0.0", ("urllib.parse", "urlsplit"),
          "use urllib.parse.urlsplit (a SplitResult, not Werkzeug's URL object)", equivalent=False),
    Moved("werkzeug-url-encode", "werkzeug.urls", "url_encode", "Werkzeug 3.0.0", ("urllib.parse", "urlencode"),
          "use urllib.parse.urlencode", equivalent=False),
    Moved("werkzeug-url-decode", "werkzeug.urls", "url_decode", "Werkzeug 3.0.0", ("urllib.parse", "parse_qs"),
          "use urllib.parse.parse_qs, or request.args", equivalent=False),
    # Flask: 2.1.0 removed safe_join; 2.3.0 the JSON encoder classes; 3.0.0 flask.Markup/escape.
    Moved("flask-safe-join", "flask.helpers", "safe_join", "Flask 2.1.0", ("werkzeug.utils", "safe_join"),
          "from werkzeug.utils import safe_join (it returns None where Flask's raised NotFound: abort(404) "
          "on None)", equivalent=False),
    Moved("flask-safe-join-top", "flask", "safe_join", "Flask 2.1.0", ("werkzeug.utils", "safe_join"),
          "from werkzeug.utils import safe_join (it returns None where Flask's raised NotFound: abort(404) "
          "on None)", equivalent=False),
    Moved("flask-json-encoder", "flask.json", "JSONEncoder", "Flask 2.3.0", None,
          "subclass flask.json.provider.DefaultJSONProvider, override default(), and set app.json = "
          "YourProvider(app)"),
    Moved("flask-json-decoder", "flask.json", "JSONDecoder", "Flask 2.3.0", None,
          "subclass flask.json.provider.DefaultJSONProvider and set app.json = YourProvider(app)"),
    Moved("flask-markup", "flask", "Markup", "Flask 3.0.0", ("markupsafe", "Markup"),
          "from markupsafe import Markup (" + _MARKUPSAFE + ")"),
    Moved("flask-escape", "flask", "escape", "Flask 3.0.0", ("markupsafe", "escape"),
          "from markupsafe import escape (" + _MARKUPSAFE + ")"),
    Moved("flask-compat", "flask._compat", None, "Flask 2.0.0", None,
          "use Python 3's own names (text_type is str, string_types is (str,), iteritems(d) is d.items())"),
    # Jinja 3.1.0 removed what 3.0 deprecated.
    Moved("jinja2-markup", "jinja2", "Markup", "Jinja 3.1.0", ("markupsafe", "Markup"),
          "from markupsafe import Markup (" + _MARKUPSAFE + ")"),
    Moved("jinja2-escape", "jinja2", "escape", "Jinja 3.1.0", ("markupsafe", "escape"),
          "from markupsafe import escape (" + _MARKUPSAFE + ")"),
    Moved("jinja2-contextfunction", "jinja2", "contextfunction", "Jinja 3.1.0", ("jinja2", "pass_context")),
    Moved("jinja2-contextfilter", "jinja2", "contextfilter", "Jinja 3.1.0", ("jinja2", "pass_context")),
    Moved("jinja2-evalcontextfilter", "jinja2", "evalcontextfilter", "Jinja 3.1.0", ("jinja2", "pass_eval_context")),
    Moved("jinja2-environmentfilter", "jinja2", "environmentfilter", "Jinja 3.1.0", ("jinja2", "pass_environment")),
    Moved("jinja2-ext-with", "jinja2.ext", "with_", "Jinja 3.1.0", None,
          "remove it from the extensions: {% with %} is built in since Jinja 2.9"),
    Moved("jinja2-ext-autoescape", "jinja2.ext", "autoescape", "Jinja 3.1.0", None,
          "remove it from the extensions: {% autoescape %} is built in since Jinja 2.9"),
    # Flask-SQLAlchemy 3.0.0 renamed, 3.1.0 removed ("Remove previously deprecated code").
    Moved("flask-sqlalchemy-debug-queries", "flask_sqlalchemy", "get_debug_queries", "Flask-SQLAlchemy 3.1.0",
          ("flask_sqlalchemy.record_queries", "get_recorded_queries"),
          "from flask_sqlalchemy.record_queries import get_recorded_queries, and set SQLALCHEMY_RECORD_QUERIES "
          "= True (no longer on with debug or testing); each query is an object (.statement, .duration, "
          ".location), not a tuple", equivalent=False),
    Moved("flask-sqlalchemy-base-query", "flask_sqlalchemy", "BaseQuery", "Flask-SQLAlchemy 3.1.0",
          ("flask_sqlalchemy.query", "Query")),
    Moved("flask-sqlalchemy-signalling-session", "flask_sqlalchemy", "SignallingSession", "Flask-SQLAlchemy 3.1.0",
          ("flask_sqlalchemy.session", "Session")),
    # Dead extensions.
    Moved("flask-cache", "flask_cache", None, "Werkzeug 1.0.0", None,
          "Flask-Cache 0.13.1, its last release (2014), imports werkzeug.contrib.cache: replace it with "
          "Flask-Caching (from flask_caching import Cache; CACHE_TYPE names such as 'simple' became "
          "'SimpleCache')"),
    Moved("flask-ext", "flask.ext", None, "Flask 1.0", ("flask_*", None),
          "import the extension under its own name (flask.ext.sqlalchemy is flask_sqlalchemy); this "
          "package's import hook keeps the old name working meanwhile", severity="advice"),
]


class RemovedAttribute(NamedTuple):
    """A method or property of an app, blueprint or query that was removed or changed."""

    code: str
    attribute: str
    release: str
    advice: str
    #: The config key it read and wrote: ``.attribute`` is certainly ``.config["KEY"]`` (--fix).
    config_key: str = ""
    severity: str = "fail"
    #: Only on a receiver named so (``app.env``; ``.env`` alone would be anything).
    receivers: Tuple[str, ...] = ()


ATTRIBUTES: List[RemovedAttribute] = [
    RemovedAttribute("flask-before-first-request", "before_first_request", "Flask 2.3.0",
                     "run the setup once where the app is made (in create_app, or under `with "
                     "app.app_context():`)"),
    RemovedAttribute("flask-before-app-first-request", "before_app_first_request", "Flask 2.3.0",
                     "run the setup once where the app is made, or use bp.record_once"),
    RemovedAttribute("flask-session-cookie-name", "session_cookie_name", "Flask 2.3.0",
                     'use app.config["SESSION_COOKIE_NAME"]', config_key="SESSION_COOKIE_NAME"),
    RemovedAttribute("flask-use-x-sendfile", "use_x_sendfile", "Flask 2.3.0",
                     'use app.config["USE_X_SENDFILE"]', config_key="USE_X_SENDFILE"),
    RemovedAttribute("flask-send-file-max-age", "send_file_max_age_default", "Flask 2.3.0",
                     'use app.config["SEND_FILE_MAX_AGE_DEFAULT"] (an int of seconds or a timedelta, '
                     "as you set it)"),
    RemovedAttribute("flask-propagate-exceptions", "propagate_exceptions", "Flask 2.3.0",
                     'use app.config["PROPAGATE_EXCEPTIONS"] (None there means: when testing or debugging)'),
    RemovedAttribute("flask-templates-auto-reload", "templates_auto_reload", "Flask 2.3.0",
                     'use app.config["TEMPLATES_AUTO_RELOAD"] (None there means: when debugging)'),
    RemovedAttribute("flask-json-encoder-attribute", "json_encoder", "Flask 2.3.0",
                     "subclass flask.json.provider.DefaultJSONProvider and set app.json = YourProvider(app)"),
    RemovedAttribute("flask-json-decoder-attribute", "json_decoder", "Flask 2.3.0",
                     "subclass flask.json.provider.DefaultJSONProvider and set app.json = YourProvider(app)"),
    RemovedAttribute("flask-app-env", "env", "Flask 2.3.0",
                     "use app.debug (FLASK_ENV and the ENV key are gone: `flask --debug`, FLASK_DEBUG=1)",
                     receivers=("app", "current_app", "self.app")),
]


#: Flask-SQLAlchemy 2.x methods of ``db`` that 3.1.0 removed, and what replaces each.
REMOVED_DB_APIS = {
    "get_tables_for_bind": "db.metadatas[bind].tables.values() (db.metadata.tables for the default bind)",
    "get_app": "flask.current_app",
    "apply_driver_hacks": "SQLALCHEMY_ENGINE_OPTIONS in the app config",
}


# Flask-SQLAlchemy names the table of a model without __tablename__ from its class name. 3.0.0's
# changelog: "The CamelCase to snake_case table name converter handles more patterns correctly. If
# such a name was already created in the database, either use Alembic to rename the table, or set
# __tablename__ to keep the old name." (#406). The two rules below are what 2.5.1 and 3.0.5 do.
_UPPER_RUN_BEFORE_LOWER_OR_DIGIT = re.compile(r"[A-Z]+(?=[a-z0-9])")
_WORD_START = re.compile(r"(?<=[a-z0-9])[A-Z]|(?<=.)[A-Z](?=[a-z])")


def table_name_before_3(class_name: str) -> str:
    """The table Flask-SQLAlchemy 2.x names after a model class: each run of capitals that a lower-case
    letter or digit follows starts a word (its last capital starting one of its own); the rest keeps
    its case ("UserID" -> "userID")."""

    def word(found: "re.Match[str]") -> str:
        run = found.group()
        return ("_" + run[:-1] + "_" + run[-1] if len(run) > 1 else "_" + run).lower()

    return _UPPER_RUN_BEFORE_LOWER_OR_DIGIT.sub(word, class_name).lstrip("_")


def table_name_from_3(class_name: str) -> str:
    """The table Flask-SQLAlchemy 3.x names after a model class: a capital after a lower-case letter or
    digit, or before a lower-case letter, starts a word; all lower case ("UserID" -> "user_id")."""
    return _WORD_START.sub(lambda found: "_" + found.group(), class_name).lower().lstrip("_")


class RemovedConfigKey(NamedTuple):
    """A configuration key that is no longer read: setting it silently does nothing."""

    code: str
    key: str
    release: str
    advice: str
    severity: str = "may"


_ENGINE_OPTIONS = "set it in SQLALCHEMY_ENGINE_OPTIONS = {%r: value} instead"

CONFIG_KEYS: List[RemovedConfigKey] = [
    RemovedConfigKey("config-preserve-context", "PRESERVE_CONTEXT_ON_EXCEPTION", "Flask 2.2.0",
                     "remove it: the debugger and test client keep the context themselves now", "advice"),
    RemovedConfigKey("config-json-as-ascii", "JSON_AS_ASCII", "Flask 2.3.0", "set app.json.ensure_ascii instead"),
    RemovedConfigKey("config-json-sort-keys", "JSON_SORT_KEYS", "Flask 2.3.0", "set app.json.sort_keys instead"),
    RemovedConfigKey("config-jsonify-mimetype", "JSONIFY_MIMETYPE", "Flask 2.3.0", "set app.json.mimetype instead"),
    RemovedConfigKey("config-jsonify-prettyprint", "JSONIFY_PRETTYPRINT_REGULAR", "Flask 2.3.0",
                     "set app.json.compact = False instead"),
    RemovedConfigKey("config-env", "ENV", "Flask 2.3.0", "use DEBUG (or `flask --debug`) instead", "advice"),
    RemovedConfigKey("config-commit-on-teardown", "SQLALCHEMY_COMMIT_ON_TEARDOWN", "Flask-SQLAlchemy 3.1.0",
                     "call db.session.commit() where the request's changes are complete: nothing commits them "
                     "at teardown any more, so they are silently lost", "fail"),
    RemovedConfigKey("config-native-unicode", "SQLALCHEMY_NATIVE_UNICODE", "Flask-SQLAlchemy 3.0.0",
                     "remove it (SQLAlchemy always passes str to the driver on Python 3)", "advice"),
    RemovedConfigKey("config-pool-size", "SQLALCHEMY_POOL_SIZE", "Flask-SQLAlchemy 3.0.0",
                     _ENGINE_OPTIONS % "pool_size"),
    RemovedConfigKey("config-pool-timeout", "SQLALCHEMY_POOL_TIMEOUT", "Flask-SQLAlchemy 3.0.0",
                     _ENGINE_OPTIONS % "pool_timeout"),
    RemovedConfigKey("config-pool-recycle", "SQLALCHEMY_POOL_RECYCLE", "Flask-SQLAlchemy 3.0.0",
                     _ENGINE_OPTIONS % "pool_recycle"),
    RemovedConfigKey("config-max-overflow", "SQLALCHEMY_MAX_OVERFLOW", "Flask-SQLAlchemy 3.0.0",
                     _ENGINE_OPTIONS % "max_overflow"),
]


def _declare_all() -> None:
    for moved in MOVED:
        declare(moved.code, moved.severity, "code", "%s removed%s" % (
            moved.dotted, "" if moved.replacement is None or moved.code == "flask-ext"
            else " (now %s)" % (".".join(part for part in moved.replacement if part))),
            moved.fix, moved.release, fixable=moved.equivalent and moved.replacement is not None)
    for attribute in ATTRIBUTES:
        declare(attribute.code, attribute.severity, "code", ".%s removed" % attribute.attribute,
                attribute.advice, attribute.release, fixable=bool(attribute.config_key))
    for key in CONFIG_KEYS:
        declare(key.code, key.severity, "config", "%s is no longer read" % key.key, key.advice, key.release)


_declare_all()

MOVED_BY_NAME: Dict[Tuple[str, Optional[str]], Moved] = {(m.module, m.name): m for m in MOVED}
ATTRIBUTES_BY_NAME: Dict[str, RemovedAttribute] = {a.attribute: a for a in ATTRIBUTES}
CONFIG_KEYS_BY_NAME: Dict[str, RemovedConfigKey] = {k.key: k for k in CONFIG_KEYS}


def moved_module(module: str) -> Optional[Moved]:
    """Return the entry for a removed module or a package it lived in (``wtforms.ext.sqlalchemy.fields``)."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        found = MOVED_BY_NAME.get((".".join(parts[:length]), None))
        if found is not None:
            return found
    return None


def moved_name(module: str, name: str) -> Optional[Moved]:
    """Return the entry for ``from module import name``, the name's or its module's."""
    return MOVED_BY_NAME.get((module, name)) or moved_module(module)


# -- the start-up hint --------------------------------------------------------------------

_CANNOT_IMPORT = re.compile(r"cannot import name '([\w.]+)' from '([\w.]+)'")
_NO_MODULE_ATTRIBUTE = re.compile(r"module '([\w.]+)' has no attribute '(\w+)'")
_NO_ATTRIBUTE = re.compile(r"object has no attribute '(\w+)'")
_KEYWORD_ONLY = re.compile(r"\bpaginate\(\) takes \d+ positional arguments? but \d+ (?:were|was) given")
_UNEXPECTED_KEYWORD = re.compile(r"unexpected keyword argument '(convert_unicode)'|Invalid argument\(s\) "
                                 r"'(convert_unicode)'")


def explain(error: BaseException) -> Optional[Tuple[str, str, str]]:
    """Return (what was removed, by which release, the fix) for an error a known removal causes, else None."""
    message = str(error)
    if isinstance(error, ImportError):
        found = _CANNOT_IMPORT.search(message)
        if found and found.group(2) == "flask_migrate" and found.group(1) == "MigrateCommand":
            return ("flask_migrate.MigrateCommand", "Flask-Migrate 3.0.0", "the real Flask-Migrate is installed and "
                    "answers `import flask_migrate`: `pip uninstall Flask-Migrate`, and this package provides "
                    "MigrateCommand under the same import")
        moved = moved_name(found.group(2), found.group(1)) if found else (
            moved_module(error.name) if error.name else None)
        if moved is not None:
            return moved.dotted, moved.release, moved.fix
    if isinstance(error, AttributeError):
        found = _NO_MODULE_ATTRIBUTE.search(message)
        if found:
            moved = moved_name(found.group(1), found.group(2))
            if moved is not None:
                return moved.dotted, moved.release, moved.fix
        found = _NO_ATTRIBUTE.search(message)
        attribute = ATTRIBUTES_BY_NAME.get(found.group(1)) if found else None
        if attribute is not None and not attribute.receivers:
            return "." + attribute.attribute, attribute.release, attribute.advice
    if isinstance(error, TypeError):
        if _KEYWORD_ONLY.search(message):
            return "paginate()'s positional arguments", "Flask-SQLAlchemy 3.0.0", PAGINATE_FIX
        if _UNEXPECTED_KEYWORD.search(message):
            return "convert_unicode=", "SQLAlchemy 2.0", CONVERT_UNICODE_FIX
    return None


PAGINATE_FIX = "pass them by name: paginate(page=page, per_page=20, error_out=False)"
CONVERT_UNICODE_FIX = "remove convert_unicode= (SQLAlchemy passes str to the driver on Python 3 anyway)"


def hint_line(error: BaseException) -> Optional[str]:
    """Return the one line that says where the app met a known removal, what removed it, and the fix.

    None for every other error, and for one raised inside an installed package
    rather than the project's own code (another program's business).
    """
    if not isinstance(error, (ImportError, AttributeError, TypeError)):
        return None
    explained = explain(error)
    where = _project_frame(error)
    if explained is None or where is None:
        return None
    what, release, fix = explained
    return "%s: %s was removed in %s; fix: %s. `%s` lists every such change (--fix --write rewrites the safe " \
        "ones)" % (where, what, release, fix, DOCTOR_COMMAND)


def _project_frame(error: BaseException) -> Optional[str]:
    """Return "file:line" of the innermost frame of the error that is the project's, not Python's or a package's."""
    import os
    import sysconfig

    installed = {os.path.realpath(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    where = None
    trace = error.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        real = os.path.realpath(filename)
        if not filename.startswith("<") and not any(real.startswith(folder + os.sep) for folder in installed) and \
                "site-packages" not in real.split(os.sep):
            try:
                shown = os.path.relpath(filename)
            except ValueError:
                shown = filename
            where = "%s:%d" % (filename if shown.startswith(os.pardir) else shown, trace.tb_lineno)
        trace = trace.tb_next
    return where

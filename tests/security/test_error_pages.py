"""Information leaks through errors: in the production configuration, requests that break
things (bad SQL, a crash, malformed bodies, paths out of the static folder, a forged Host,
the debugger's own URLs) get the site's plain error page, with no stack trace, SQL,
file path or library version in it or in its headers."""

import importlib.metadata
import re

import pytest
from sqlalchemy import text

import config
from config import BASE_DIR, ProductionConfig
from flaskblog.extensions import db
from flaskblog.models import User
from tests.helpers import factories
from tests.helpers.apps import close_app, make_app
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import CSRF_TOKEN, csrf_token_in, page_text

SITE = "https://blog.example.com"
LEAKS = [
    str(BASE_DIR),
    "/usr/",
    "site-packages",
    "Traceback",
    'File "',
    ".py",
    "line ",
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "SELECT",
    "INSERT",
    "UPDATE ",
    "no_such_table",
    "secret_column",
    "IntegrityError",
    "OperationalError",
    "RuntimeError",
    "ZeroDivisionError",
    "UndefinedError",
    "jinja2",
    "werkzeug",
    "__debugger__",
    "SECRET_KEY",
    "production-test-secret",
]
VERSIONS = [
    f"{name}/{importlib.metadata.version(name)}"
    for name in ("werkzeug", "flask", "sqlalchemy", "gunicorn", "jinja2")
] + [importlib.metadata.version(name) for name in ("werkzeug", "flask", "sqlalchemy")]


@pytest.fixture
def production_app(migrated_schema, monkeypatch):
    """The app as production builds it (on the test database), with views that fail."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    settings = ProductionConfig()
    settings.SECRET_KEY = "production-test-secret"
    settings.SERVER_NAME = "blog.example.com"
    settings.SQLALCHEMY_DATABASE_URI = config.TestingConfig().SQLALCHEMY_DATABASE_URI
    settings.BCRYPT_LOG_ROUNDS = 4
    settings.RATELIMIT_ENABLED = False
    settings.MAIL_SUPPRESS_SEND, settings.MAIL_TO_LOG = True, False
    app = make_app(settings, migrated_schema)

    @app.route("/broken/sql")
    def bad_sql():
        db.session.execute(text("SELECT secret_column FROM no_such_table WHERE id = 1"))

    @app.route("/broken/unique")
    def clashing_insert():
        db.session.add(User(username="ALICE", email="alice@example.com", password_hash="x"))
        db.session.flush()

    @app.route("/broken/crash")
    def crash():
        with open(BASE_DIR / "no-such-file.py") as missing:
            return missing.read()

    @app.route("/broken/division")
    def division():
        return str(1 / 0)

    @app.route("/broken/template")
    def bad_template():
        return app.jinja_env.from_string("{{ nothing.at.all }}").render()

    factories.make_user(app)
    yield app
    close_app(app)


@pytest.fixture
def client(production_app):
    return production_app.test_client()


def assert_plain_error_page(response, code: int) -> None:
    assert response.status_code == code
    assert response.content_type == "text/html; charset=utf-8"
    html = page_text(response)
    assert f'<p class="error-page__code">{code}</p>' in html
    # A CSRF token is random letters, digits and dots: it may spell ".py" by chance.
    html = CSRF_TOKEN.sub('name="csrf_token" value=""', html)
    for leak in LEAKS + VERSIONS:
        assert leak.lower() not in html.lower(), leak
    for name, value in response.headers.items():
        assert not re.search(r"werkzeug|python|flask|sqlalchemy", value, re.I), (name, value)
    assert "X-Powered-By" not in response.headers
    assert "Server" not in response.headers  # gunicorn adds a bare "gunicorn" in front


def log_in(client) -> None:
    html = client.get("/login", base_url=SITE).get_data(as_text=True)
    token = csrf_token_in(html)
    response = client.post(
        "/login",
        data={"email": "alice@example.com", "password": PASSWORD, "csrf_token": token},
        base_url=SITE,
        headers={"Referer": f"{SITE}/login"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("logged_in", [False, True], ids=["visitor", "logged in"])
@pytest.mark.parametrize(
    "path",
    ["/broken/sql", "/broken/unique", "/broken/crash", "/broken/division", "/broken/template"],
)
def test_a_failure_inside_a_view_is_a_plain_500(client, caplog, path, logged_in):
    if logged_in:
        log_in(client)

    response = client.get(path, base_url=SITE)

    assert_plain_error_page(response, 500)
    assert "Something went wrong" in page_text(response)
    assert ("Log out" in page_text(response)) == logged_in
    assert "Traceback" in caplog.text  # the details are in the log, for the operator


@pytest.mark.parametrize(
    ("method", "path", "options", "code"),
    [
        ("GET", "/no/such/page", {}, 404),
        ("GET", "/" + "a" * 10_000, {}, 404),
        ("GET", "/post/99999999999999999999", {}, 404),
        ("GET", "/post/-1", {}, 404),
        ("GET", "/?page=abc", {}, 404),
        ("GET", "/?page=99999999999999999999", {}, 404),
        ("GET", "/%ff%fe%fd", {}, 404),
        ("GET", "/search?q=%00", {}, 400),
        ("GET", "/user/%00", {}, 400),
        ("GET", "/logout", {}, 405),
        ("TRACE", "/", {}, 405),
        ("DELETE", "/post/1", {}, 405),
        ("POST", "/login", {"data": {"email": "a@example.com", "password": "x"}}, 400),
        ("POST", "/login", {"data": "{not json", "content_type": "application/json"}, 400),
        ("POST", "/login", {"data": b"--x\r\n", "content_type": "multipart/form-data"}, 400),
        (
            "POST",
            "/login",
            {"data": b"\xff" * 100, "content_type": "multipart/form-data; boundary=x"},
            400,
        ),
        ("POST", "/account", {"data": b"x" * (6 * 1024 * 1024)}, 413),
        ("GET", "/static/../config.py", {}, 404),
        ("GET", "/static/..%2f..%2fconfig.py", {}, 404),
        ("GET", "/static/%2e%2e/%2e%2e/config.py", {}, 404),
        ("GET", "/static/css/../../../config.py", {}, 404),
        ("GET", "/static//etc/passwd", {"follow_redirects": True}, 404),
        ("GET", "/static/css/main.css%00.py", {}, 400),
        ("GET", "/console", {}, 404),
        ("GET", "/?__debugger__=yes&cmd=resource&f=debugger.js", {}, 200),
        ("GET", "/?__debugger__=yes&cmd=printpin&s=x", {}, 200),
    ],
)
def test_hostile_requests_get_a_plain_error_page(client, method, path, options, code):
    response = client.open(path, method=method, base_url=SITE, **options)

    if code == 200:  # the debugger's URLs are just the home page here
        assert response.status_code == 200
        assert "<h1" in page_text(response) and "debugger" not in page_text(response).lower()
        return
    assert_plain_error_page(response, code)


@pytest.mark.parametrize("host", ["evil.example", "blog.example.com.evil.example", "localhost"])
@pytest.mark.parametrize("path", ["/", "/feed.xml", "/sitemap.xml", "/robots.txt", "/no/such/page"])
def test_a_forged_host_header_never_makes_it_into_a_page_or_a_link(client, host, path):
    response = client.get(path, base_url=f"https://{host}")

    assert response.status_code in (200, 404)
    assert host not in response.get_data(as_text=True)
    assert host not in response.headers.get("Location", "")
    if response.status_code == 404:
        assert_plain_error_page(response, 404)


def test_nothing_outside_the_static_folder_is_served(client):
    for path in ("/static/../config.py", "/static/%2e%2e/config.py", "/static/../.env.example"):
        body = client.get(path, base_url=SITE).get_data(as_text=True)

        assert "SECRET_KEY" not in body
        assert "import" not in body


def test_production_runs_without_the_debugger(production_app):
    assert production_app.debug is False
    assert not production_app.config.get("PROPAGATE_EXCEPTIONS")
    assert not production_app.config.get("EXPLAIN_TEMPLATE_LOADING")

"""Configuration: which settings an app gets, what production insists on, and the files
that deploy and start the app (.flaskenv, run.py, Procfile)."""

import ast
import logging
import os
import re
import subprocess
import sys

import pytest

import config
from config import BASE_DIR, ProductionConfig, database_url
from flaskblog import create_app
from flaskblog.extensions import db, mail
from flaskblog.mailqueue import drain
from flaskblog.models import Post, User
from tests.helpers import factories
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import Forms, csrf_token_from
from tests.helpers.services import free_port

HOST = "blog.example.com"
MISSING_SECRET = "set SECRET_KEY in the environment before starting in production"


@pytest.fixture
def environment(monkeypatch):
    """A clean environment for building apps: an in-memory database, no mail server,
    no FLASK_CONFIG or FLASK_DEBUG, whatever the developer's shell or .env holds."""
    for name in (
        *("FLASK_CONFIG", "FLASK_DEBUG", "SECRET_KEY", "SERVER_NAME", "MAIL_SERVER"),
        *("REDIS_URL", "RATELIMIT_STORAGE_URI", "PROXY_HOPS", "DYNO"),
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    return monkeypatch


@pytest.fixture
def production(environment):
    """Production settings with the secrets it needs set in the environment."""
    environment.setenv("FLASK_CONFIG", "production")
    environment.setenv("SECRET_KEY", "test-secret-key")
    environment.setenv("SERVER_NAME", HOST)
    environment.setenv("BCRYPT_LOG_ROUNDS", "4")
    return environment


def app_with_user(settings):
    """An app (from a name or a Config) with its tables and the user alice."""
    app = create_app(settings)
    with app.app_context():
        db.create_all()
    factories.make_user(app)
    return app


# Choosing the configuration


@pytest.mark.parametrize("chosen", ["testing", config.TestingConfig])
def test_create_app_uses_the_config_it_is_given_whatever_flask_config_says(environment, chosen):
    environment.setenv("FLASK_CONFIG", "production")  # would refuse to start: no SECRET_KEY

    app = create_app(chosen if isinstance(chosen, str) else chosen())

    assert app.config["TESTING"] is True
    assert app.config["SECRET_KEY"] == "testing-secret"
    assert not app.config.get("SESSION_COOKIE_SECURE")


def test_create_app_uses_a_tweaked_config_object(environment):
    settings = config.TestingConfig()
    settings.POSTS_PER_PAGE = 2

    assert create_app(settings).config["POSTS_PER_PAGE"] == 2


def test_create_app_by_name_ignores_flask_config(environment):
    environment.setenv("FLASK_CONFIG", "testing")

    app = create_app("development")

    assert not app.testing
    assert app.config["SECRET_KEY"] == "development-only-secret-not-for-production"


@pytest.mark.parametrize(
    ("flask_config", "testing", "secure_cookies"),
    [(None, False, False), ("development", False, False), ("testing", True, False)],
)
def test_flask_config_picks_the_settings_class(environment, flask_config, testing, secure_cookies):
    if flask_config:
        environment.setenv("FLASK_CONFIG", flask_config)

    app = create_app()

    assert app.testing is testing
    assert bool(app.config.get("SESSION_COOKIE_SECURE")) is secure_cookies


def test_flask_config_production_picks_production_settings(production):
    app = create_app()

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["SERVER_NAME"] == HOST


def test_unknown_config_name_refuses_to_start(environment):
    with pytest.raises(SystemExit, match="unknown configuration 'staging'"):
        create_app("staging")


# Production refuses to start without its secrets


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        (("SECRET_KEY",), "set SECRET_KEY in the environment"),
        (("SERVER_NAME",), "set SERVER_NAME in the environment"),
        (("SECRET_KEY", "SERVER_NAME"), "set SECRET_KEY and SERVER_NAME in the environment"),
    ],
)
def test_production_without_its_secrets_refuses_to_start(production, unset, message):
    for name in unset:
        production.delenv(name)

    with pytest.raises(SystemExit) as refused:
        create_app("production")

    assert message in str(refused.value)
    assert refused.value.code == 4  # gunicorn stops instead of restarting workers


def test_production_with_an_empty_secret_key_refuses_to_start(production):
    production.setenv("SECRET_KEY", "")

    with pytest.raises(SystemExit, match="set SECRET_KEY"):
        create_app()


def project_command(
    *argv: str, input: str | None = None, timeout: int = 60, **env: str
) -> subprocess.CompletedProcess:
    """Run `python -m <argv>` in the repository, the way a developer or Heroku would, with
    .env and .flaskenv unread and nothing secret inherited."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "SECRET_", "SERVER_", "MAIL_", "DATABASE_"))
    }
    # Empty values win over a developer's .env, which config.py loads without overriding.
    environ |= {"FLASK_SKIP_DOTENV": "1", "SECRET_KEY": "", "SERVER_NAME": ""}
    environ |= {"DATABASE_URL": "sqlite://", "MAIL_SERVER": "", **env}
    return subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-m", *argv],
        cwd=BASE_DIR,
        env=environ,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def flask_command(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """`flask --app run.py ...`, as `project_command` runs it."""
    return project_command("flask", "--app", "run.py", *args, **kwargs)


def test_gunicorn_in_production_without_secret_key_stops_instead_of_restarting_workers():
    # Without the right exit status gunicorn would restart the failing worker forever,
    # and this would run into its timeout. One worker: when several fail at the same
    # moment, gunicorn's own arbiter prints a traceback of its HaltServer while stopping.
    result = project_command(
        "gunicorn",
        "run:app",
        "--bind",
        f"127.0.0.1:{free_port()}",
        "--workers",
        "1",
        timeout=30,
        FLASK_CONFIG="production",
        SERVER_NAME=HOST,
    )

    assert result.returncode != 0
    assert MISSING_SECRET in result.stderr
    assert "Traceback" not in result.stderr


def test_flask_command_in_production_without_secret_key_exits_with_a_clear_message():
    result = flask_command("routes", FLASK_CONFIG="production", SERVER_NAME=HOST)

    assert result.returncode != 0
    assert MISSING_SECRET in result.stderr
    assert "Traceback" not in result.stderr
    assert "/post/new" not in result.stdout


def test_flask_command_in_production_with_its_secrets_starts():
    result = flask_command(
        "routes", FLASK_CONFIG="production", SECRET_KEY="test-secret-key", SERVER_NAME=HOST
    )

    assert result.returncode == 0, result.stderr
    assert "/post/<int:post_id>/delete" in result.stdout


# Database URLs


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgres://u:p@db.example.com:5432/blog",
            "postgresql+psycopg://u:p@db.example.com:5432/blog",
        ),
        ("postgresql://u:p@db.example.com/blog", "postgresql+psycopg://u:p@db.example.com/blog"),
        ("postgresql+psycopg://u@localhost/blog", "postgresql+psycopg://u@localhost/blog"),
        ("sqlite:///flaskblog.db", "sqlite:///flaskblog.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_database_url_points_postgresql_at_psycopg(given, expected):
    assert database_url(given) == expected


def test_herokus_postgres_url_reaches_the_app_settings(production):
    production.setenv("DATABASE_URL", "postgres://user:pw@db.example.com:5432/blog")

    app = create_app()

    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://user:pw@db.example.com:5432/blog"
    )


# Production behaviour


def cookie_attributes(response) -> dict[str, set[str]]:
    """Each Set-Cookie header's cookie name and its attributes (Secure, HttpOnly, SameSite=...)."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        name_value, *attributes = (part.strip() for part in header.split(";"))
        cookies[name_value.split("=", 1)[0]] = set(attributes)
    return cookies


def test_production_cookies_are_secure_httponly_and_lax(production):
    app = app_with_user("production")
    forms = Forms(app.test_client())

    response = forms.submit(
        "/login",
        {"email": "alice@example.com", "password": PASSWORD, "remember": "y"},
        headers={"Referer": f"https://{HOST}/login"},
    )

    assert response.status_code == 302
    cookies = cookie_attributes(response)
    assert {"__Host-session", "__Host-remember_token"} <= cookies.keys()
    for name in ("__Host-session", "__Host-remember_token"):
        assert {"Secure", "HttpOnly", "SameSite=Lax"} <= cookies[name], name


def test_production_cookies_carry_the_host_prefix_and_keep_the_login(production):
    # Browsers take a "__Host-" cookie only if it is Secure, has Path=/ and no Domain: then
    # no subdomain, and no one on plain http, can set or shadow the login cookies.
    app = app_with_user("production")
    client = app.test_client()
    forms = Forms(client)

    response = forms.submit(
        "/login",
        {"email": "alice@example.com", "password": PASSWORD, "remember": "y"},
        headers={"Referer": f"https://{HOST}/login"},
        base_url=f"https://{HOST}",
    )

    cookies = cookie_attributes(response)
    assert not {"session", "remember_token", "known_device"} & cookies.keys()
    for name in ("__Host-session", "__Host-remember_token", "__Host-known_device"):
        attributes = cookies[name]
        assert {"Secure", "Path=/"} <= attributes, name
        assert not any(attribute.lower().startswith("domain=") for attribute in attributes)
    account = client.get("/account", base_url=f"https://{HOST}")
    assert account.status_code == 200
    client.delete_cookie("__Host-session", domain=HOST)  # the browser was closed
    assert client.get("/account", base_url=f"https://{HOST}").status_code == 200


def test_development_cookies_work_over_plain_http(environment):
    app = app_with_user("development")
    forms = Forms(app.test_client())

    response = forms.submit("/login", {"email": "alice@example.com", "password": PASSWORD})

    session = cookie_attributes(response)["session"]
    assert "Secure" not in session
    assert {"HttpOnly", "SameSite=Lax"} <= session


def reset_link_sent(client, headers: dict) -> str:
    """Ask for a reset email for alice over plain http (as the router talks to the app)
    and return the link in it."""
    token = csrf_token_from(client.get("/reset_password", headers=headers, url_scheme="http"))
    with mail.record_messages() as outbox:
        response = client.post(
            "/reset_password",
            data={"email": "alice@example.com", "csrf_token": token},
            headers={**headers, "Referer": f"https://{HOST}/reset_password"},
            url_scheme="http",
        )
        drain(client.application)  # production sends from a thread (no Redis configured here)
    assert response.status_code == 302
    [message] = outbox
    return re.search(r"\S+/reset_password/\S+", message.body).group(0)


def test_behind_the_proxy_reset_links_are_https(production):
    production.setenv("PROXY_HOPS", "1")
    app = app_with_user("production")

    link = reset_link_sent(
        app.test_client(), {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    )

    assert link.startswith(f"https://{HOST}/reset_password/")


def test_without_the_proxy_header_the_request_scheme_is_kept(production):
    app = app_with_user("production")

    assert reset_link_sent(app.test_client(), {}).startswith(f"http://{HOST}/reset_password/")


def client_address_seen(app, forwarded_for: str) -> str:
    """The client address and scheme the app sees for a plain-http request forwarded so."""

    @app.route("/client-address")
    def client_address():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get(
        "/client-address",
        headers={
            "X-Forwarded-For": forwarded_for,
            # Each proxy that appends the client's address also appends the scheme it saw.
            "X-Forwarded-Proto": ", ".join("https" for _ in forwarded_for.split(",")),
        },
        url_scheme="http",
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("environment_variables", "seen"),
    [
        # Served straight to the internet: whatever the client says is ignored.
        ({}, "10.0.0.1 http"),
        ({"PROXY_HOPS": "0", "DYNO": "web.1"}, "10.0.0.1 http"),
        # Heroku: its router appends the real client; anything before came from the client.
        ({"DYNO": "web.1"}, "198.51.100.7 https"),
        ({"PROXY_HOPS": "1"}, "198.51.100.7 https"),
        # A load balancer in front of another proxy: two hops.
        ({"PROXY_HOPS": "2"}, "10.6.6.6 https"),
    ],
    ids=["default", "zero-on-heroku", "heroku", "one-hop", "two-hops"],
)
def test_production_trusts_as_many_proxy_hops_as_proxy_hops_says(
    production, environment_variables, seen
):
    for name, value in environment_variables.items():
        production.setenv(name, value)

    assert client_address_seen(create_app(), "10.6.6.6, 198.51.100.7") == seen


@pytest.mark.parametrize("value", ["one", "-1", "1.5"])
def test_a_proxy_hops_that_is_not_a_count_refuses_to_start(production, value):
    production.setenv("PROXY_HOPS", value)

    with pytest.raises(config.CannotStart, match="PROXY_HOPS must be a whole number"):
        create_app()


def test_development_trusts_no_forwarded_header(environment):
    assert client_address_seen(create_app("development"), "198.51.100.7") == "10.0.0.1 http"


# Where rate limits are counted


def test_rate_limits_count_in_redis_whenever_redis_is_configured(environment):
    environment.setenv("REDIS_URL", "redis://redis.example:6379/0")
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "redis://redis.example:6379/0"
    assert config.DevelopmentConfig().RATELIMIT_STORAGE_URI == "redis://redis.example:6379/0"

    # The limiter's own setting wins; the tests count in memory unless a test says otherwise.
    environment.setenv("RATELIMIT_STORAGE_URI", "redis://limits.example:6379/2")
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "redis://limits.example:6379/2"
    assert config.TestingConfig().RATELIMIT_STORAGE_URI == "memory://"


def test_without_redis_rate_limits_count_in_memory(environment):
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "memory://"


PER_WORKER_WARNING = "RATE LIMITS ARE COUNTED PER WORKER"


def warnings_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_production_says_loudly_at_start_up_when_limits_are_counted_per_worker(production, caplog):
    create_app()

    [warning] = [m for m in warnings_logged(caplog) if PER_WORKER_WARNING in m]
    assert "REDIS_URL" in warning


@pytest.mark.parametrize(
    "variables",
    [{"REDIS_URL": "redis://127.0.0.1:6379/0"}, {"RATELIMIT_ENABLED": "false"}],
    ids=["redis", "limits-off"],
)
def test_production_is_quiet_when_limits_are_shared_or_off(production, caplog, variables):
    for name, value in variables.items():
        production.setenv(name, value)

    create_app()

    assert not [m for m in warnings_logged(caplog) if PER_WORKER_WARNING in m]


def test_development_does_not_warn_about_its_one_process(environment, caplog):
    create_app("development")

    assert not [m for m in warnings_logged(caplog) if PER_WORKER_WARNING in m]


def test_production_refuses_to_start_with_flask_debug(production):
    production.setenv("FLASK_DEBUG", "1")

    with pytest.raises(SystemExit) as refused:
        create_app()

    assert "unset FLASK_DEBUG" in str(refused.value)


def test_flask_command_never_turns_on_the_debugger_in_production():
    result = flask_command(
        "--debug",
        "shell",
        input="print('shell opened')\n",
        FLASK_CONFIG="production",
        SECRET_KEY="test-secret-key",
        SERVER_NAME=HOST,
    )

    # `flask --debug` sets FLASK_DEBUG before loading the app, which then refuses to start.
    assert result.returncode != 0
    assert "unset FLASK_DEBUG" in result.stderr
    assert "Traceback" not in result.stderr
    assert "shell opened" not in result.stdout


def test_development_debug_comes_only_from_flask_debug(environment):
    assert create_app("development").debug is False

    environment.setenv("FLASK_DEBUG", "1")
    assert create_app("development").debug is True


# Files that start and deploy the app


def test_flaskenv_names_the_app_and_holds_nothing_secret():
    lines = (BASE_DIR / ".flaskenv").read_text().splitlines()

    settings = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert settings == ["FLASK_APP=run.py"]


def test_run_py_never_turns_on_debug():
    tree = ast.parse((BASE_DIR / "run.py").read_text())
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    keywords = {node.arg for node in ast.walk(tree) if isinstance(node, ast.keyword)}

    assert not {"debug", "DEBUG", "run"} & (names | attributes | keywords)
    assert "create_app" in names


def test_procfile_runs_gunicorn_the_mail_worker_and_migrates_on_release():
    lines = (BASE_DIR / "Procfile").read_text().splitlines()

    assert [line.strip() for line in lines if line.strip()] == [
        "web: gunicorn --config gunicorn.conf.py run:app",
        "worker: flask mail-worker",
        "release: flask db upgrade",
    ]


def test_shell_context_has_db_user_and_post(environment):
    app = create_app("testing")

    with app.app_context():
        context = app.make_shell_context()

    assert context["db"] is db
    assert context["User"] is User
    assert context["Post"] is Post
    assert context["app"] is app


# Email in development


def test_development_without_mail_server_logs_the_reset_email(environment, caplog):
    caplog.set_level(logging.INFO, logger="flaskblog")
    app = app_with_user("development")
    assert app.config["MAIL_SERVER"] is None
    client = app.test_client()

    response = Forms(client).submit("/reset_password", {"email": "alice@example.com"})

    assert response.status_code == 302
    assert app.config["MAIL_QUEUE"] == "thread"  # development: off the request, in a thread
    drain(app)
    logged = [record.getMessage() for record in caplog.records if record.name == "flaskblog"]
    [email] = [message for message in logged if "Email not sent" in message]
    assert "To: alice@example.com" in email
    assert "Subject: Reset your flaskblog password" in email
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The logged link is the real thing: it opens the new-password form.
    link = re.search(r"http://localhost(/reset_password/\S+)", email).group(1)
    page = client.get(link)
    assert page.status_code == 200
    assert 'name="confirm_password"' in page.get_data(as_text=True)


def test_production_config_class_reads_its_secrets_from_the_environment(production):
    settings = ProductionConfig()

    assert (settings.SECRET_KEY, settings.SERVER_NAME) == ("test-secret-key", HOST)
    assert settings.SESSION_COOKIE_SECURE and settings.REMEMBER_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY and settings.REMEMBER_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == settings.REMEMBER_COOKIE_SAMESITE == "Lax"

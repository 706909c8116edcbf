"""Forged client addresses: X-Forwarded-For is believed only from as many proxies as
PROXY_HOPS says, and what it names must be an IP address before the rate limits, the
sessions page, the database or the logs see it."""

import logging

import pytest

import config
from flaskblog.extensions import db
from flaskblog.models import UserSession
from tests.helpers import factories
from tests.helpers.apps import close_app, make_app
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import Forms

HOST = "blog.example.com"


@pytest.fixture
def production_app(monkeypatch, migrated_schema):
    """`production_app(**environment)`: an app built by ProductionConfig from the environment
    (limits on, in memory), on the test database (PostgreSQL when the suite runs on it)."""
    built = []

    def build(**variables):
        for name in ("PROXY_HOPS", "DYNO", "REDIS_URL", "RATELIMIT_STORAGE_URI", "FLASK_DEBUG"):
            monkeypatch.delenv(name, raising=False)
        for name, value in {"SECRET_KEY": "test", "SERVER_NAME": HOST, **variables}.items():
            monkeypatch.setenv(name, value)
        settings = config.ProductionConfig()
        settings.SQLALCHEMY_DATABASE_URI = config.TestingConfig().SQLALCHEMY_DATABASE_URI
        settings.BCRYPT_LOG_ROUNDS = 4
        built.append(make_app(settings, migrated_schema))
        factories.make_user(built[-1])
        return built[-1]

    yield build
    for app in built:
        close_app(app)


def log_in(app, forwarded_for: str, email="alice@example.com", password=PASSWORD):
    """Log in over https from the peer 10.0.0.1, naming `forwarded_for` as the client."""
    forms = Forms(app.test_client())
    return forms.submit(
        "/login",
        {"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded_for, "Referer": f"https://{HOST}/login"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )


def session_addresses(app) -> list[str | None]:
    with app.app_context():
        return list(db.session.scalars(db.select(UserSession.ip)))


def test_served_without_a_proxy_a_forged_address_does_not_escape_the_login_limit(
    production_app,
):
    app = production_app()

    # Credential stuffing that names a new address on every try, as a proxy would forward it.
    statuses = [
        log_in(app, f"198.51.100.{n}", f"user{n}@example.com", "wrong").status_code
        for n in range(12)
    ]

    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


def test_served_without_a_proxy_the_sessions_page_shows_the_real_peer(production_app):
    app = production_app()

    assert log_in(app, "203.0.113.66").status_code == 302

    assert session_addresses(app) == ["10.0.0.1"]


def test_behind_one_proxy_the_address_it_appended_is_the_clients(production_app):
    app = production_app(PROXY_HOPS="1")

    assert log_in(app, "203.0.113.66, 198.51.100.7").status_code == 302

    assert session_addresses(app) == ["198.51.100.7"]


@pytest.mark.parametrize(
    "forwarded",
    [
        "x" * 60,  # longer than sessions.ip's 45 characters: a 500 on PostgreSQL before
        "2001:db8::1%" + "a" * 50,  # a zone id makes any IPv6 address as long as one likes
        "198.51.100.7.1",
        "<script>alert(1)</script>",
        "unknown",
    ],
    ids=["60-chars", "ipv6-zone", "five-numbers", "markup", "unknown"],
)
def test_a_forwarded_address_that_is_not_an_ip_address_is_recorded_as_unknown(
    production_app, caplog, forwarded
):
    caplog.set_level(logging.INFO, logger="flaskblog")
    app = production_app(PROXY_HOPS="1")

    response = log_in(app, forwarded)

    assert response.status_code == 302
    assert session_addresses(app) == [None]
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert forwarded not in logged


def test_a_forwarded_address_is_written_the_standard_way(production_app):
    app = production_app(PROXY_HOPS="1")

    log_in(app, " 2001:DB8:0:0::1 ")

    assert session_addresses(app) == ["2001:db8::1"]


def test_unknown_addresses_share_one_login_count(production_app):
    app = production_app(PROXY_HOPS="1")

    statuses = [
        log_in(app, f"not-an-address-{n}", f"user{n}@example.com", "wrong").status_code
        for n in range(11)
    ]

    assert statuses[-1] == 429

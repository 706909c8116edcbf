"""Attacks on two-factor login: skipping the second step by going straight to a page
(Ghost's #25806), forging or replaying the pending login, guessing codes, and admins
without two-factor login where it is required."""

import json
import logging

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post, User, UserSession
from tests.helpers.attack_surface import (
    ACCESS,
    NEEDS_LOGIN,
    all_rules,
    make_world,
    methods_of,
    sample_url,
)
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import AuthActions, Forms, csrf_token_from, flashes, page_text
from tests.helpers.two_factor import code_for, second_step, turn_on_two_factor

LOGGED_IN_ROUTES = [
    (rule, method)
    for rule in all_rules()
    if ACCESS.get(rule.endpoint) in NEEDS_LOGIN
    for method in methods_of(rule)
]


@pytest.fixture
def security_log(caplog):
    """`security_log()`: the events written so far, each parsed from its JSON line."""
    caplog.set_level(logging.INFO, logger="flaskblog.security")

    def events() -> list[dict]:
        return [
            json.loads(r.getMessage()) for r in caplog.records if r.name == "flaskblog.security"
        ]

    return events


@pytest.fixture
def world(app):
    """The attack surface's rows; alice has two-factor login on."""
    world = make_world(app)
    turn_on_two_factor(app, world.alice)
    return world


@pytest.mark.parametrize(
    ("rule", "method"), LOGGED_IN_ROUTES, ids=[f"{m} {r.rule}" for r, m in LOGGED_IN_ROUTES]
)
def test_a_password_without_its_code_reaches_no_logged_in_page(app, client, world, rule, method):
    forms = Forms(client)
    AuthActions(client, forms).login(remember=True)  # the password step only
    token = csrf_token_from(client.get("/login/2fa"))
    url = sample_url(rule, world)

    response = client.open(
        url,
        method=method,
        data={"csrf_token": token, "title": "x", "content": "y", "body": "z", "code": "123456"},
        follow_redirects=False,
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(UserSession.id))) == 0


def test_posting_a_new_post_straight_after_the_password_gets_the_login_page(app, client, world):
    forms = Forms(client)
    AuthActions(client, forms).login()
    token = csrf_token_from(client.get("/login/2fa"))

    response = client.post(
        "/post/new",
        data={"csrf_token": token, "title": "Sneaked in", "content": "No code."},
        follow_redirects=True,
    )

    assert response.request.path == "/login"
    assert "Please log in to see that page." in page_text(response)
    with app.app_context():
        assert db.session.scalar(db.select(Post).where(Post.title == "Sneaked in")) is None


def test_a_flag_in_the_login_request_does_not_skip_the_second_step(client, world):
    # Ghost's bypass: a flag in the login request that skipped the second step.
    response = Forms(client).submit(
        "/login",
        {"email": "alice@example.com", "password": PASSWORD, "code": "", "skip_2fa": "1"},
    )

    assert response.headers["Location"] == "/login/2fa"
    assert "Log out" not in page_text(client.get("/about"))


def test_a_session_cookie_signed_with_another_key_is_no_pending_login(app, client, world):
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    other = Flask("other")
    other.secret_key = "not this site's key"
    serializer = SecureCookieSessionInterface().get_signing_serializer(other)
    client.set_cookie(
        "session", serializer.dumps({"pending_login": "forged"}), domain="flaskblog.test"
    )

    assert client.get("/login/2fa").headers["Location"] == "/login"


def test_codes_are_rate_limited_per_account_and_logged(build_app, security_log):
    app = build_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    world = make_world(app)
    secret, _ = turn_on_two_factor(app, world.alice)
    wrong = next(
        c for c in ("000000", "111111") if c not in {code_for(secret, s) for s in (-1, 0, 1)}
    )
    statuses = []
    # From a new browser and address each time: the budget is the account's.
    for n in range(7):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        forms = Forms(client)
        AuthActions(client, forms).login()
        statuses.append(second_step(forms, wrong).status_code)

    assert statuses == [200] * 5 + [429] * 2
    events = [event["event"] for event in security_log()]
    assert events.count("login_2fa_failed") == 5
    assert "login_2fa_locked" in events
    # Even the right code waits now: the budget is spent for the account.
    assert second_step(forms, code_for(secret)).status_code == 429


def test_admins_without_two_factor_are_sent_to_set_it_up_when_required(build_app):
    app = build_app(ADMIN_REQUIRE_2FA=True)
    world = make_world(app)
    client = app.test_client()
    forms = Forms(client)
    AuthActions(client, forms).login("ada@example.com")

    response = forms.submit("/user/bob/disable", page="/user/bob")

    assert response.headers["Location"] == "/account/2fa"
    assert (
        "warning",
        "Admin pages need two-factor login: turn it on here first, then go back.",
    ) in flashes(client.get("/account/2fa"))
    with app.app_context():
        assert db.session.get(User, world.bob).is_active


def test_admins_with_two_factor_pass_when_it_is_required(build_app):
    app = build_app(ADMIN_REQUIRE_2FA=True)
    world = make_world(app)
    secret, _ = turn_on_two_factor(app, world.ada)
    client = app.test_client()
    forms = Forms(client)
    AuthActions(client, forms).login("ada@example.com")
    second_step(forms, code_for(secret))

    response = forms.submit("/user/bob/disable", page="/user/bob")

    assert response.headers["Location"] == "/user/bob"
    with app.app_context():
        assert not db.session.get(User, world.bob).is_active


def test_admins_without_two_factor_pass_when_it_is_not_required(app, client, world):
    forms = Forms(client)
    AuthActions(client, forms).login("ada@example.com")

    assert forms.submit("/user/bob/disable", page="/user/bob").headers["Location"] == "/user/bob"


def test_production_requires_two_factor_for_admins_by_default(monkeypatch):
    from config import DevelopmentConfig, ProductionConfig, TestingConfig

    monkeypatch.delenv("ADMIN_REQUIRE_2FA", raising=False)
    assert ProductionConfig().ADMIN_REQUIRE_2FA is True
    assert DevelopmentConfig().ADMIN_REQUIRE_2FA is False
    assert TestingConfig().ADMIN_REQUIRE_2FA is False
    monkeypatch.setenv("ADMIN_REQUIRE_2FA", "0")
    assert ProductionConfig().ADMIN_REQUIRE_2FA is False
    monkeypatch.setenv("ADMIN_REQUIRE_2FA", "1")
    assert DevelopmentConfig().ADMIN_REQUIRE_2FA is True

"""Rate limits: credential stuffing, spam sign-ups, reset-link and confirmation floods and
comment or post spam run into a 429 page, with the limits counted in memory or in Redis."""

import re

import pytest
import redis

import config
from flaskblog.extensions import db, mail
from flaskblog.models import Comment, Post, User
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import Forms, page_text
from tests.helpers.services import REDIS_URL

WRONG = "wrong password"


def redis_keys(prefix: str) -> list[bytes]:
    with redis.Redis.from_url(REDIS_URL) as server:
        return list(server.scan_iter(f"{prefix}:*"))


def limits_in(storage: str, redis_prefix: str) -> dict:
    """Settings that switch the limits on, counting in memory or in Redis."""
    if storage == "memory":
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": redis_prefix},
    }


@pytest.fixture(params=["memory", "redis"])
def app(request, build_app, redis_prefix):
    """The testing app with its rate limits on, once with each storage."""
    return build_app(**limits_in(request.param, redis_prefix))


def log_in(forms, email, password=WRONG, ip="127.0.0.1"):
    return forms.submit(
        "/login", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def assert_too_many_requests(response) -> None:
    """The 429 page: in the site's layout, saying how long to wait, as Retry-After does."""
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 24 * 60 * 60
    text = page_text(response)
    assert '<nav class="nav container" aria-label="Main">' in text
    assert "Too many attempts in a short time. Please try again in" in text
    assert "Traceback" not in text


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


# Logging in


def test_eleventh_login_attempt_a_minute_from_one_address_is_refused(client, forms):
    for _ in range(15):
        assert client.get("/login").status_code == 200  # looking at the form costs nothing

    for n in range(10):
        response = log_in(forms, f"user{n}@example.com")
        assert response.status_code == 200, f"attempt {n + 1} was refused"

    response = log_in(forms, "user10@example.com")

    assert_too_many_requests(response)
    assert int(response.headers["Retry-After"]) <= 60
    assert client.get("/login").status_code == 200


def test_other_addresses_can_still_log_in_while_one_is_limited(forms, make_user):
    make_user("alice")
    for n in range(10):
        log_in(forms, f"user{n}@example.com", ip="198.51.100.7")
    assert log_in(forms, "user10@example.com", ip="198.51.100.7").status_code == 429

    response = log_in(forms, "alice@example.com", PASSWORD, ip="203.0.113.9")

    assert response.status_code == 302


def test_account_is_locked_after_5_attempts_a_minute_from_any_address(client, forms, make_user):
    make_user("alice")
    make_user("bob")
    spellings = [
        "alice@example.com",
        "Alice@Example.com",
        " alice@example.com ",
        "ALICE@EXAMPLE.COM",
    ]
    for n in range(5):
        response = log_in(forms, spellings[n % len(spellings)], ip=f"192.0.2.{n + 1}")
        assert response.status_code == 200, f"attempt {n + 1} was refused"

    # Even the right password, from an address never seen, is refused for now...
    locked = log_in(forms, "alice@example.com", PASSWORD, ip="192.0.2.99")
    # ...while another account logs in from an address that tried alice's.
    other = log_in(forms, "bob@example.com", PASSWORD, ip="192.0.2.1")

    assert_too_many_requests(locked)
    assert other.status_code == 302


def test_a_refused_login_does_not_log_in(client, forms, make_user):
    make_user("alice")
    for n in range(5):
        log_in(forms, "alice@example.com", ip=f"192.0.2.{n + 1}")

    log_in(forms, "alice@example.com", PASSWORD, ip="192.0.2.99")

    assert client.get("/account").status_code == 302  # still anonymous: sent to log in


# Registering, resets and confirmations


def register(forms, n: int, ip="127.0.0.1"):
    data = {
        "username": f"user{n}",
        "email": f"user{n}@example.com",
        "password": PASSWORD,
        "confirm_password": PASSWORD,
    }
    return forms.submit("/register", data, environ_base={"REMOTE_ADDR": ip})


def test_sixth_registration_a_minute_from_one_address_is_refused(app, forms):
    for n in range(5):
        assert register(forms, n).status_code == 302

    refused = register(forms, 5)
    elsewhere = register(forms, 6, ip="203.0.113.9")

    assert_too_many_requests(refused)
    assert elsewhere.status_code == 302
    with app.app_context():
        assert User.by_username("user5") is None
        assert User.by_username("user6") is not None


def request_reset(forms, email: str, ip: str):
    return forms.submit("/reset_password", {"email": email}, environ_base={"REMOTE_ADDR": ip})


def test_one_address_gets_at_most_3_reset_emails_an_hour(forms, make_user):
    make_user("alice")
    with mail.record_messages() as outbox:
        for n in range(3):
            assert request_reset(forms, "alice@example.com", f"192.0.2.{n + 1}").status_code == 302

        refused = request_reset(forms, "Alice@Example.com", "192.0.2.99")

    assert_too_many_requests(refused)
    assert [message.recipients for message in outbox] == [["alice@example.com"]] * 3


def test_sixth_reset_request_a_minute_from_one_address_is_refused(forms):
    for n in range(5):
        assert request_reset(forms, f"user{n}@example.com", "192.0.2.1").status_code == 302

    assert_too_many_requests(request_reset(forms, "user5@example.com", "192.0.2.1"))


def test_fourth_confirmation_email_an_hour_is_refused(auth, forms, make_user):
    make_user("carol", confirmed=False)
    resend = {"email": "carol@example.com"}
    with mail.record_messages() as outbox:
        for _ in range(3):
            assert forms.submit("/confirm/resend", resend).status_code == 302

        refused = forms.submit("/confirm/resend", resend)

    assert_too_many_requests(refused)
    assert len(outbox) == 3


# Writing


def test_sixth_post_a_minute_is_refused_and_others_can_still_post(app, auth, forms, make_user):
    make_user("alice")
    make_user("bob")
    auth.login("alice@example.com")
    for n in range(5):
        response = forms.submit("/post/new", {"title": f"Post {n}", "content": "Words."})
        assert response.status_code == 302

    refused = forms.submit("/post/new", {"title": "One too many", "content": "Words."})
    auth.logout()
    auth.login("bob@example.com")
    bobs = forms.submit("/post/new", {"title": "Bob's first", "content": "Words."})

    # The editor comes back with the text, saying when to try again (not the error page).
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Too many saves in a short time. Please try again in" in refused.text
    assert 'value="One too many"' in refused.text
    assert bobs.status_code == 302
    assert count(app, Post) == 6


def test_sixth_comment_a_minute_is_refused(app, auth, forms, make_user, make_posts):
    [post_id] = make_posts(make_user("alice"))
    make_user("bob")
    auth.login("bob@example.com")
    for n in range(5):
        response = forms.submit(f"/post/{post_id}/comment", {"body": f"Hi {n}"}, page="/account")
        assert response.status_code == 302

    refused = forms.submit(f"/post/{post_id}/comment", {"body": "Hi 5"}, page="/account")

    assert_too_many_requests(refused)
    assert count(app, Comment) == 5


# Storage and switching off


def test_counts_in_redis_are_shared_by_every_instance_of_the_app(build_app, redis_prefix):
    settings = limits_in("redis", redis_prefix)
    first = Forms(build_app(**settings).test_client())
    for n in range(10):
        assert log_in(first, f"user{n}@example.com").status_code == 200

    # Another instance (a second worker, or the app after a restart) with the same Redis.
    second = Forms(build_app(**settings).test_client())

    assert_too_many_requests(log_in(second, "user10@example.com"))
    assert redis_keys(redis_prefix) != []


def test_counts_in_memory_belong_to_one_instance(build_app):
    settings = limits_in("memory", "")
    first = Forms(build_app(**settings).test_client())
    for n in range(11):
        log_in(first, f"user{n}@example.com")
    assert log_in(first, "user11@example.com").status_code == 429

    second = Forms(build_app(**settings).test_client())

    assert log_in(second, "user12@example.com").status_code == 200


def test_nothing_is_limited_when_rate_limits_are_off(build_app):
    forms = Forms(build_app(RATELIMIT_ENABLED=False).test_client())

    statuses = {log_in(forms, "alice@example.com").status_code for _ in range(15)}

    assert statuses == {200}


@pytest.mark.parametrize("value", ["false", "0", "no", "off", "False"])
@pytest.mark.parametrize("settings", [config.DevelopmentConfig, config.ProductionConfig])
def test_ratelimit_enabled_false_in_the_environment_turns_the_limits_off(
    monkeypatch, settings, value
):
    monkeypatch.setenv("RATELIMIT_ENABLED", value)

    assert settings().RATELIMIT_ENABLED is False


@pytest.mark.parametrize("settings", [config.DevelopmentConfig, config.ProductionConfig])
def test_rate_limits_are_on_by_default_except_in_tests(monkeypatch, settings):
    monkeypatch.delenv("RATELIMIT_ENABLED", raising=False)

    assert settings().RATELIMIT_ENABLED is True
    assert config.TestingConfig().RATELIMIT_ENABLED is False


def test_the_429_page_says_how_long_to_wait_in_words(client, forms):
    for n in range(10):
        log_in(forms, f"user{n}@example.com")

    response = log_in(forms, "user10@example.com")

    wait = re.search(r"Please try again in (\d+) seconds?\.", page_text(response))
    assert wait, page_text(response)
    assert abs(int(wait.group(1)) - int(response.headers["Retry-After"])) <= 1


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (
            "/account/password",
            {"current_password": WRONG, "password": "a new passphrase", "confirm_password": "x"},
        ),
        ("/account/delete", {"password": WRONG}),
    ],
    ids=["change-password", "delete-account"],
)
def test_guessing_the_password_from_a_stolen_login_stops_after_5_tries(
    app, auth, forms, make_user, url, data
):
    make_user("alice")
    auth.login("alice@example.com")
    for n in range(5):
        assert forms.submit(url, data).status_code == 200, f"try {n + 1} was refused"

    refused = forms.submit(url, {**data, "current_password": PASSWORD, "password": PASSWORD})

    assert_too_many_requests(refused)
    with app.app_context():
        assert User.by_username("alice") is not None


def test_account_page_takes_at_most_10_changes_a_minute(auth, forms, make_user):
    make_user("alice")
    auth.login("alice@example.com")
    data = {"username": "alice", "email": "new@example.com", "current_password": WRONG}
    for n in range(10):
        assert forms.submit("/account", data).status_code == 200, f"try {n + 1} was refused"

    assert_too_many_requests(forms.submit("/account", data))

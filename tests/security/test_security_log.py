"""The security log: failed logins, lockouts, reset requests, CSRF failures and refusals
each write one line of JSON (event, user or email hash, address, UTC time) to the
"flaskblog.security" logger, and no password, token, cookie or email address ever does."""

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import pytest

from flaskblog.extensions import db, mail
from flaskblog.models import User
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import Forms, csrf_token_from

WRONG = "wrong password"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def assert_recent_utc(stamp: str) -> None:
    when = datetime.fromisoformat(stamp)
    assert when.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=1)


def log_in(forms, email, password=WRONG, ip="127.0.0.1"):
    return forms.submit(
        "/login", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


# Logging in


def test_failed_login_is_one_line_with_the_email_hash_and_address(
    forms, make_user, security_log, caplog
):
    make_user("alice")

    log_in(forms, " Alice@Example.COM ", ip="198.51.100.23")

    [event] = security_log()
    assert event["event"] == "login_failed"
    assert event["email_sha256"] == sha256("alice@example.com")  # as the site stores it
    assert event["ip"] == "198.51.100.23"
    assert event["user_id"] is None
    assert event["endpoint"] == "auth.login"
    assert_recent_utc(event["time"])
    security_records = [r for r in caplog.records if r.name == "flaskblog.security"]
    assert security_records[-1].levelno == logging.WARNING
    assert "example.com" not in caplog.text.lower()
    assert WRONG not in caplog.text


def test_failed_login_for_a_missing_account_looks_the_same(forms, security_log):
    log_in(forms, "nobody@example.com")

    [event] = security_log()
    assert event["event"] == "login_failed"
    assert event["email_sha256"] == sha256("nobody@example.com")


def test_successful_login_writes_nothing(auth, make_user, security_log):
    make_user("alice")

    assert auth.login("alice@example.com").status_code == 302

    assert security_log() == []


def test_login_to_a_disabled_account_is_logged_with_its_user(app, forms, make_user, security_log):
    alice = make_user("alice")
    with app.app_context():
        db.session.get(User, alice).disabled_at = datetime.now(UTC)
        db.session.commit()

    log_in(forms, "alice@example.com", PASSWORD)

    [event] = security_log()
    assert event["event"] == "login_disabled_account"
    assert event["user_id"] == alice


@pytest.fixture
def limited_forms(build_app):
    app = build_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    return Forms(app.test_client())


def test_account_lockout_is_logged_with_the_email_hash(limited_forms, security_log):
    for n in range(5):
        log_in(limited_forms, "alice@example.com", ip=f"192.0.2.{n + 1}")

    assert log_in(limited_forms, "alice@example.com", ip="192.0.2.99").status_code == 429

    *failures, lockout = security_log()
    assert [event["event"] for event in failures] == ["login_failed"] * 5
    assert lockout["event"] == "login_locked"
    assert lockout["per"] == "account"
    assert lockout["limit"] == "5 per 1 minute"
    assert lockout["email_sha256"] == sha256("alice@example.com")
    assert lockout["ip"] == "192.0.2.99"
    assert_recent_utc(lockout["time"])


def test_address_lockout_is_logged_with_the_address(limited_forms, security_log):
    for n in range(10):
        log_in(limited_forms, f"user{n}@example.com", ip="203.0.113.5")

    assert log_in(limited_forms, "user10@example.com", ip="203.0.113.5").status_code == 429

    lockout = security_log()[-1]
    assert lockout["event"] == "login_locked"
    assert lockout["per"] == "address"
    assert lockout["limit"] == "10 per 1 minute"
    assert lockout["ip"] == "203.0.113.5"


# Resets, CSRF failures and refusals


def test_reset_requests_are_logged_without_the_link(forms, make_user, security_log, caplog):
    alice = make_user("alice")
    with mail.record_messages() as outbox:
        forms.submit("/reset_password", {"email": "alice@example.com"})
        forms.submit("/reset_password", {"email": "nobody@example.com"})

    known, unknown = security_log()
    assert known["event"] == unknown["event"] == "password_reset_requested"
    assert (known["user_id"], known["email_sha256"]) == (alice, sha256("alice@example.com"))
    assert (unknown["user_id"], unknown["email_sha256"]) == (None, sha256("nobody@example.com"))
    assert {r.levelno for r in caplog.records if r.name == "flaskblog.security"} == {logging.INFO}
    [message] = outbox
    token = message.body.split("/reset_password/")[1].split()[0]
    assert token not in caplog.text


@pytest.mark.parametrize(
    ("token", "reason"),
    [(None, "The CSRF token is missing."), ("forged", "The CSRF token is invalid.")],
)
def test_csrf_failures_are_logged_with_the_reason(client, security_log, token, reason):
    data = {"email": "alice@example.com", "password": PASSWORD}
    if token:
        client.get("/login")  # a session, so the forged token is checked against one
        data["csrf_token"] = token

    assert client.post("/login", data=data).status_code == 400

    [event] = security_log()
    assert event["event"] == "csrf_failed"
    assert event["reason"] == reason
    assert event["endpoint"] == "auth.login"
    assert event["user_id"] is None


def test_csrf_failure_of_a_logged_in_user_names_them(auth, client, make_user, security_log):
    alice = make_user("alice")
    auth.login("alice@example.com")

    assert client.post("/logout").status_code == 400

    [event] = security_log()
    assert (event["event"], event["user_id"]) == ("csrf_failed", alice)


def test_csrf_failure_on_a_reset_link_keeps_the_token_out_of_the_log(
    app, client, make_user, security_log, caplog
):
    alice = make_user("alice")
    with app.app_context():
        token = db.session.get(User, alice).get_reset_token()

    response = client.post(f"/reset_password/{token}", data={"password": "x" * 12})

    assert response.status_code == 400
    [event] = security_log()
    assert (event["event"], event["endpoint"]) == ("csrf_failed", "auth.reset_token")
    assert token not in caplog.text


def test_refusals_are_logged_with_who_was_refused(
    auth, client, make_user, make_posts, security_log
):
    [post_id] = make_posts(make_user("alice"))
    bob = make_user("bob")
    auth.login("bob@example.com")

    assert client.get(f"/post/{post_id}/update").status_code == 403

    [event] = security_log()
    assert event["event"] == "forbidden"
    assert event["user_id"] == bob
    assert event["endpoint"] == "posts.update_post"
    assert event["method"] == "GET"


def test_no_password_token_cookie_or_address_reaches_the_logs(
    app, client, auth, forms, make_user, make_posts, security_log, caplog
):
    # Everything the site and its rate limiter log, down to INFO (what production writes).
    caplog.set_level(logging.INFO, logger="flaskblog")
    caplog.set_level(logging.INFO, logger="flask-limiter")
    [post_id] = make_posts(make_user("alice"))
    make_user("bob", password="bobs secret passphrase")
    auth.register("carol", "carol@example.com", "carols secret passphrase")
    log_in(forms, "bob@example.com", "bobs wrong passphrase")
    auth.login("bob@example.com", "bobs secret passphrase", remember=True)
    client.get(f"/post/{post_id}/update")  # 403
    client.post("/logout", data={"csrf_token": "forged"})  # CSRF failure
    secrets = [
        "bobs secret passphrase",
        "bobs wrong passphrase",
        "carols secret passphrase",
        "bob@example.com",
        "carol@example.com",
        client.get_cookie("session", domain="flaskblog.test").value,
        client.get_cookie("remember_token", domain="flaskblog.test").value,
        csrf_token_from(client.get("/account")),
    ]
    auth.logout()
    with mail.record_messages() as outbox:
        forms.submit("/reset_password", {"email": "bob@example.com"})
    secrets.append(outbox[0].body.split("/reset_password/")[1].split()[0])

    events = [event["event"] for event in security_log()]
    assert events == ["login_failed", "forbidden", "csrf_failed", "password_reset_requested"]
    for secret in secrets:
        assert secret not in caplog.text

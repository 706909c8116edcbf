"""CSRF protection for visitors without a session (flaskblog.visitor_csrf): a visitor cookie
and tokens bound to it, made by Flask or by the front door, which answers the login page
without Flask. Each token works with its own cookie alone, for a limited time."""

import json
import logging
import time

import pytest
from itsdangerous import TimestampSigner

from config import ProductionConfig
from flaskblog import visitor_csrf
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import csrf_token_from, page_text
from tests.helpers.passkeys import Authenticator, PasskeyActions

CSRF_FAILED = "The form had expired or was sent from elsewhere."
LOGIN = {"email": "alice@example.com", "password": PASSWORD}


@pytest.fixture
def app(build_app, page_cache):
    """An app with a page cache (so a front door) in its own memory, then in Redis."""
    return build_app(**page_cache)


@pytest.fixture
def visitor(app):
    """A new visitor's browser, who has not opened the site yet."""
    return app.test_client()


@pytest.fixture
def door_is_open(app, flask_requests):
    """The login page has been rendered once, so the front door answers the next visitor."""
    app.test_client().get("/login")
    flask_requests.clear()


def cookies_set(response) -> dict[str, str]:
    """The cookies a response sets, by name: their Set-Cookie headers."""
    headers = response.headers.getlist("Set-Cookie")
    return {header.split("=", 1)[0]: header for header in headers}


def visitor_cookie(client) -> str | None:
    cookie = client.get_cookie("visitor", domain="flaskblog.test")
    return cookie.value if cookie else None


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def refused_as_expired(response, client) -> bool:
    """The answer a form with a bad CSRF token gets, and nothing logged in or started."""
    return (
        response.status_code == 400
        and CSRF_FAILED in page_text(response)
        and "session" not in cookies_set(response)
        and not is_logged_in(client)
    )


# --- Flask's login page ----------------------------------------------------------------------


def test_a_new_visitor_gets_a_visitor_cookie_and_no_session(app, visitor):
    page = visitor.get("/login")

    cookies = cookies_set(page)
    assert set(cookies) == {"visitor"}
    assert "HttpOnly" in cookies["visitor"] and "SameSite=Lax" in cookies["visitor"]
    assert "Path=/" in cookies["visitor"]
    assert page.headers["Cache-Control"] == "no-store"
    assert csrf_token_from(page)


def test_a_returning_visitor_keeps_their_cookie(app, visitor):
    visitor.get("/login")
    first = visitor_cookie(visitor)

    again = visitor.get("/login")

    assert cookies_set(again) == {}
    assert visitor_cookie(visitor) == first


def test_production_names_the_cookie_for_this_host_alone():
    header = visitor_csrf.set_cookie_header(vars(ProductionConfig()), "x" * 43)

    assert header.startswith("__Host-visitor=")
    assert "Secure" in header and "Path=/" in header and "Domain" not in header


def test_a_visitor_logs_in_with_their_own_token(app, alice, visitor):
    token = csrf_token_from(visitor.get("/login"))

    response = visitor.post("/login", data={**LOGIN, "csrf_token": token})

    assert response.status_code == 302
    assert is_logged_in(visitor)


def test_logging_in_deletes_the_visitor_cookie(app, alice, visitor):
    token = csrf_token_from(visitor.get("/login"))

    response = visitor.post("/login", data={**LOGIN, "csrf_token": token})

    assert "Max-Age=0" in cookies_set(response)["visitor"]
    assert visitor_cookie(visitor) is None


def test_the_same_token_may_be_sent_again_within_the_time_limit(app, alice, visitor):
    token = csrf_token_from(visitor.get("/login"))

    wrong = visitor.post("/login", data={**LOGIN, "password": "wrong", "csrf_token": token})
    right = visitor.post("/login", data={**LOGIN, "csrf_token": token})

    assert wrong.status_code == 200 and "Login unsuccessful" in page_text(wrong)
    assert right.status_code == 302
    assert is_logged_in(visitor)


def test_a_token_does_not_work_with_another_visitors_cookie(app, alice, visitor):
    other = app.test_client()
    token = csrf_token_from(visitor.get("/login"))
    other.get("/login")

    response = other.post("/login", data={**LOGIN, "csrf_token": token})

    assert refused_as_expired(response, other)


def test_a_token_does_not_work_without_its_cookie(app, alice, visitor):
    token = csrf_token_from(visitor.get("/login"))
    visitor.delete_cookie("visitor", domain="flaskblog.test")

    response = visitor.post("/login", data={**LOGIN, "csrf_token": token})

    assert refused_as_expired(response, visitor)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: "A" + token[1:] if token[0] != "A" else "B" + token[1:],  # bound value
        lambda token: "forged",
        lambda token: "",
    ],
    ids=["tampered signature", "tampered value", "forged", "empty"],
)
def test_a_forged_or_tampered_token_is_refused(app, alice, visitor, spoil):
    token = csrf_token_from(visitor.get("/login"))

    response = visitor.post("/login", data={**LOGIN, "csrf_token": spoil(token)})

    assert refused_as_expired(response, visitor)


def test_a_token_signed_with_another_key_is_refused(app, alice, visitor):
    visitor.get("/login")
    token = visitor_csrf.sign("another-secret", visitor_cookie(visitor))

    response = visitor.post("/login", data={**LOGIN, "csrf_token": token})

    assert refused_as_expired(response, visitor)


def test_an_expired_token_is_refused(app, alice, visitor, monkeypatch):
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    with monkeypatch.context() as clock:  # the page was opened longer ago than the limit
        clock.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - limit - 5)
        token = csrf_token_from(visitor.get("/login"))

    response = visitor.post("/login", data={**LOGIN, "csrf_token": token})

    assert refused_as_expired(response, visitor)


def test_the_security_log_says_why_a_visitor_token_was_refused(app, alice, visitor, caplog):
    caplog.set_level(logging.INFO, logger="flaskblog.security")
    token = csrf_token_from(visitor.get("/login"))
    other = app.test_client()
    other.get("/login")

    other.post("/login", data={**LOGIN, "csrf_token": token})

    [event] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "flaskblog.security"]
    assert event["event"] == "csrf_failed"
    assert event["reason"] == "The CSRF token is not for this visitor cookie."


def test_a_logged_in_user_cannot_use_a_visitor_token(app, alice, visitor):
    token = csrf_token_from(visitor.get("/login"))
    visitor.post("/login", data={**LOGIN, "csrf_token": token})
    visitor.set_cookie("visitor", "v" * 43, domain="flaskblog.test")
    planted = visitor_csrf.sign(app.config["SECRET_KEY"], "v" * 43)

    response = visitor.post("/logout", data={"csrf_token": planted})

    assert response.status_code == 400
    assert is_logged_in(visitor)


# --- The front door --------------------------------------------------------------------------


def test_the_door_answers_the_login_page_with_a_token_and_cookie(
    app, alice, visitor, door_is_open, flask_requests
):
    page = visitor.get("/login")

    assert flask_requests == []
    assert page.status_code == 200 and "<h1>Log in</h1>" in page.text
    assert set(cookies_set(page)) == {"visitor"}
    assert "\x00" not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    response = visitor.post("/login", data={**LOGIN, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert is_logged_in(visitor)


def test_the_door_gives_each_visitor_their_own_cookie_and_token(
    app, alice, door_is_open, flask_requests
):
    first, second = app.test_client(), app.test_client()

    token_one = csrf_token_from(first.get("/login"))
    token_two = csrf_token_from(second.get("/login"))

    assert flask_requests == []
    assert visitor_cookie(first) != visitor_cookie(second)
    assert token_one != token_two
    refused = first.post("/login", data={**LOGIN, "csrf_token": token_two})
    assert refused_as_expired(refused, first)
    assert second.post("/login", data={**LOGIN, "csrf_token": token_two}).status_code == 302


def test_the_door_keeps_a_returning_visitors_cookie(app, alice, visitor, door_is_open):
    visitor.get("/login")
    cookie = visitor_cookie(visitor)

    page = visitor.get("/login")

    assert cookies_set(page) == {}
    assert visitor_cookie(visitor) == cookie
    response = visitor.post("/login", data={**LOGIN, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302


def test_the_door_does_not_answer_a_visitor_with_a_session(
    app, visitor, door_is_open, flask_requests
):
    visitor.get("/account")  # "Please log in to see that page." waits in the session
    flask_requests.clear()

    visitor.get("/login")
    visitor.get("/login")

    assert flask_requests == ["/login", "/login"]


def test_the_door_does_not_answer_a_login_page_with_a_next_address(
    app, visitor, door_is_open, flask_requests
):
    page = visitor.get("/login?next=/account")

    assert flask_requests == ["/login"]
    assert "next=%2Faccount" in page.text or "next=/account" in page.text


def test_a_passkey_login_works_with_the_doors_token(app, alice, client, auth, door_is_open):
    """Every POST the login page makes: the passkey options, then the passkey's answer (by
    then the session holds the challenge), with the page's token in X-CSRFToken."""
    phone = Authenticator()
    auth.login()
    assert PasskeyActions(client).register(phone, "Phone").status_code == 200
    visitor = app.test_client()
    headers = {"X-CSRFToken": csrf_token_from(visitor.get("/login"))}

    options = visitor.post("/login/passkey/options", json={}, headers=headers)
    answer = visitor.post(
        "/login/passkey", json={"credential": phone.get(options.get_json())}, headers=headers
    )

    assert options.status_code == 200
    assert answer.status_code == 200 and answer.get_json()["redirect"]
    assert is_logged_in(visitor)

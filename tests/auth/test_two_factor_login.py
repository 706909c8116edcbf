"""Logging in to an account with two-factor login: the password alone logs nobody in; a
current code from the app, or an unused recovery code, finishes the login, once."""

import pytest
from itsdangerous import TimestampSigner

from flaskblog.extensions import db
from flaskblog.models import RecoveryCode, User, UserSession
from tests.helpers.pages import (
    AuthActions,
    Forms,
    csrf_token_from,
    field_errors,
    flashes,
    page_text,
)
from tests.helpers.two_factor import code_for, second_step, turn_on_two_factor


@pytest.fixture
def alice_2fa(app, alice) -> tuple[str, list[str]]:
    """Alice with two-factor login on: (her secret, her recovery codes)."""
    return turn_on_two_factor(app, alice)


def is_logged_in(client) -> bool:
    return "Log out" in page_text(client.get("/about"))


def login_rows(app) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(UserSession)).all())


def test_the_password_alone_asks_for_a_code_and_logs_nobody_in(app, client, auth, alice_2fa):
    response = auth.login(remember=True)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login/2fa"
    assert not is_logged_in(client)
    assert login_rows(app) == 0
    assert client.get_cookie("remember_token", domain="flaskblog.test") is None
    assert "Enter the 6-digit code" in page_text(client.get("/login/2fa"))


def test_a_current_code_finishes_the_login_and_goes_where_it_was_going(
    app, client, auth, forms, alice_2fa
):
    secret, _ = alice_2fa
    auth.login(next="/account", remember=True)

    response = second_step(forms, code_for(secret))

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert is_logged_in(client)
    assert login_rows(app) == 1
    assert client.get_cookie("remember_token", domain="flaskblog.test") is not None


def test_a_wrong_code_is_refused_and_the_login_stays_pending(client, auth, forms, alice_2fa):
    auth.login()

    response = second_step(forms, "000000" if code_for(alice_2fa[0]) != "000000" else "111111")

    assert response.status_code == 200
    assert field_errors(response, "code") == ["That code is wrong or has been used already."]
    assert not is_logged_in(client)


def test_a_code_is_accepted_only_once(app, client, auth, forms, alice_2fa):
    secret, _ = alice_2fa
    code = code_for(secret)
    auth.login()
    assert second_step(forms, code).status_code == 302
    auth.logout()

    # Someone who saw the code (over a shoulder, in a phishing page) tries it at once.
    other = app.test_client()
    thief = Forms(other)
    AuthActions(other, thief).login()
    response = second_step(thief, code)

    assert response.status_code == 200
    assert field_errors(response, "code") == ["That code is wrong or has been used already."]
    assert not is_logged_in(other)


def test_an_older_code_is_refused_once_a_newer_one_was_used(client, auth, forms, alice_2fa):
    secret, _ = alice_2fa
    auth.login()
    assert second_step(forms, code_for(secret)).status_code == 302
    auth.logout()
    auth.login()

    assert second_step(forms, code_for(secret, steps=-1)).status_code == 200
    assert not is_logged_in(client)


def test_a_recovery_code_logs_in_once_and_says_how_many_are_left(
    app, client, auth, forms, alice_2fa
):
    _, codes = alice_2fa
    auth.login()

    response = second_step(forms, codes[0].upper().replace("-", " "))  # as someone may type it
    assert response.status_code == 302
    assert (
        "warning",
        "You used a recovery code; 9 left. Make new ones on the two-factor "
        "login page if you are running short.",
    ) in flashes(client.get("/"))
    auth.logout()
    auth.login()

    assert second_step(forms, codes[0]).status_code == 200
    assert not is_logged_in(client)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 9


def test_a_pending_login_expires_after_a_few_minutes(
    app, client, auth, forms, alice_2fa, monkeypatch
):
    secret, _ = alice_2fa
    now = TimestampSigner("x").get_timestamp()
    auth.login()
    token = csrf_token_from(client.get("/login/2fa"))
    monkeypatch.setattr(
        TimestampSigner,
        "get_timestamp",
        lambda self: now + app.config["TWO_FACTOR_LOGIN_SECONDS"] + 5,
    )

    response = client.post("/login/2fa", data={"code": code_for(secret), "csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    monkeypatch.undo()
    assert not is_logged_in(client)


def test_a_new_password_ends_a_pending_login(app, client, auth, forms, alice_2fa):
    secret, _ = alice_2fa
    auth.login()
    token = csrf_token_from(client.get("/login/2fa"))
    with app.app_context():
        user = User.by_email("alice@example.com")
        user.set_password("a brand new password")
        db.session.commit()

    response = client.post("/login/2fa", data={"code": code_for(secret), "csrf_token": token})

    assert response.headers["Location"] == "/login"
    assert not is_logged_in(client)


def test_the_second_step_without_a_password_first_goes_to_the_login_page(client, alice_2fa):
    response = client.get("/login/2fa")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_an_account_without_two_factor_logs_in_with_the_password(client, auth, alice):
    assert auth.login().headers["Location"] == "/"
    assert is_logged_in(client)


def test_a_password_reset_keeps_two_factor_login_on(app, client, forms, alice_2fa):
    with app.app_context():
        token = User.by_email("alice@example.com").get_reset_token()
    new_password = "another good password"
    forms.submit(
        f"/reset_password/{token}", {"password": new_password, "confirm_password": new_password}
    )

    response = forms.submit("/login", {"email": "alice@example.com", "password": new_password})

    assert response.headers["Location"] == "/login/2fa"
    assert not is_logged_in(client)
    with app.app_context():
        assert User.by_email("alice@example.com").has_two_factor

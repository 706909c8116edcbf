"""Turning two-factor login on and off on /account/2fa: a QR code and the secret, a code to
confirm it, ten recovery codes shown once; off again only with the password and a code."""

import re

import pytest

from flaskblog.extensions import db
from flaskblog.models import RecoveryCode, User, UserSession
from tests.helpers.pages import AuthActions, Forms, field_errors, flashes, page_text
from tests.helpers.two_factor import (
    code_for,
    recovery_codes_on,
    secret_on,
    turn_on_two_factor,
)


def alice_in_db(app) -> User:
    with app.app_context():
        user = User.by_email("alice@example.com")
        db.session.expunge(user)
        return user


def wrong_code(secret: str) -> str:
    return next(
        c
        for c in ("000000", "111111", "222222")
        if c not in {code_for(secret, s) for s in (-1, 0, 1)}
    )


def test_the_setup_page_shows_a_qr_code_as_inline_svg_and_the_secret(client, logged_in_alice):
    response = client.get("/account/2fa")
    text = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Two-factor login is <strong>off</strong>" in text
    assert re.search(r'<svg [^>]*class="qr-code"', text)
    assert len(secret_on(response)) == 32
    # The strict CSP allows no inline style and no data: images.
    assert "style=" not in text
    assert "data:" not in text
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_the_secret_stays_the_same_until_it_is_confirmed(client, logged_in_alice):
    assert secret_on(client.get("/account/2fa")) == secret_on(client.get("/account/2fa"))


def test_a_wrong_code_does_not_turn_two_factor_login_on(app, client, forms, logged_in_alice):
    secret = secret_on(client.get("/account/2fa"))

    response = forms.submit("/account/2fa", {"code": wrong_code(secret)})

    assert response.status_code == 200
    assert field_errors(response, "code") == [
        "That code is not the one your app shows now: try again."
    ]
    assert not alice_in_db(app).has_two_factor
    assert recovery_codes_on(response) == []


def test_the_right_code_turns_it_on_and_shows_ten_recovery_codes_once(
    app, client, forms, logged_in_alice
):
    secret = secret_on(client.get("/account/2fa"))

    response = forms.submit("/account/2fa", {"code": code_for(secret)})

    codes = recovery_codes_on(response)
    assert response.status_code == 200
    assert len(set(codes)) == 10
    assert "Two-factor login is <strong>on</strong>" in response.get_data(as_text=True)
    user = alice_in_db(app)
    assert user.has_two_factor and user.totp_secret == secret
    # Shown once: the page never shows them again, and the database keeps only hashes.
    again = client.get("/account/2fa")
    assert recovery_codes_on(again) == []
    assert "You have 10 unused recovery codes." in page_text(again)
    with app.app_context():
        hashes = set(db.session.scalars(db.select(RecoveryCode.code_hash)))
    assert hashes == {RecoveryCode.hash(code) for code in codes}
    assert not hashes & set(codes)


def test_turning_it_on_ends_every_other_login(app, client, forms, logged_in_alice):
    AuthActions(other := app.test_client(), Forms(other)).login()
    secret = secret_on(client.get("/account/2fa"))

    forms.submit("/account/2fa", {"code": code_for(secret)})

    assert "Log out" in page_text(client.get("/about"))
    assert "Log out" not in page_text(other.get("/about"))
    with app.app_context():
        assert len(db.session.scalars(db.select(UserSession)).all()) == 1


@pytest.fixture
def alice_2fa(app, logged_in_alice) -> tuple[str, list[str]]:
    """Alice, logged in, with two-factor login on: (her secret, her recovery codes)."""
    return turn_on_two_factor(app, logged_in_alice)


def test_the_page_says_two_factor_login_is_on(client, alice_2fa):
    text = page_text(client.get("/account/2fa"))

    assert "Two-factor login is <strong>on</strong>" in text
    assert "Turn off two-factor login" in text
    assert "Make new recovery codes" in text
    assert 'id="totp-secret"' not in client.get("/account/2fa").get_data(as_text=True)


@pytest.mark.parametrize(
    ("password", "right_code", "error_field"),
    [
        ("not my password", True, "password"),
        ("correct horse battery", False, "code"),
        ("", True, "password"),
    ],
)
def test_turning_it_off_needs_the_password_and_a_code(
    app, forms, alice_2fa, password, right_code, error_field
):
    secret, _ = alice_2fa
    code = code_for(secret) if right_code else wrong_code(secret)

    response = forms.submit(
        "/account/2fa/disable", {"password": password, "code": code}, page="/account/2fa"
    )

    assert response.status_code == 200
    assert field_errors(response, error_field)
    assert alice_in_db(app).has_two_factor


def test_the_password_and_a_current_code_turn_it_off(app, client, forms, alice_2fa):
    secret, _ = alice_2fa

    response = forms.submit(
        "/account/2fa/disable",
        {"password": "correct horse battery", "code": code_for(secret)},
        page="/account/2fa",
    )

    assert response.headers["Location"] == "/account/2fa"
    assert ("success", "Two-factor login is off: every other login and API token has ended.") in (
        flashes(client.get("/account"))
    )
    user = alice_in_db(app)
    assert not user.has_two_factor and user.totp_secret is None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 0


def test_a_recovery_code_turns_it_off_too(app, forms, alice_2fa):
    _, codes = alice_2fa

    forms.submit(
        "/account/2fa/disable",
        {"password": "correct horse battery", "code": codes[3]},
        page="/account/2fa",
    )

    assert not alice_in_db(app).has_two_factor


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(app, client, forms, alice_2fa):
    secret, old_codes = alice_2fa

    refused = forms.submit(
        "/account/2fa/recovery-codes", {"recovery-code": wrong_code(secret)}, page="/account/2fa"
    )
    assert refused.status_code == 302
    response = forms.submit(
        "/account/2fa/recovery-codes", {"recovery-code": code_for(secret)}, page="/account/2fa"
    )

    new_codes = recovery_codes_on(response)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    with app.app_context():
        hashes = set(db.session.scalars(db.select(RecoveryCode.code_hash)))
    assert hashes == {RecoveryCode.hash(code) for code in new_codes}

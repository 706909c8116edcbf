"""`/unsubscribe/<token>`: the link in every digest. GET asks, POST (the page's button, or a
mail client's one click, which carries no CSRF token) turns the digest off. The signed
token is the only authority, so it must be refused when forged, expired, made for another
purpose or for nobody, and be harmless when used again."""

import logging

import pytest

from flaskblog.extensions import db
from flaskblog.models import RESET_SALT, UNSUBSCRIBE_SALT, User
from tests.helpers import factories
from tests.helpers.attack_surface import database_snapshot
from tests.helpers.digests import (
    ONE_CLICK_BODY,
    choose_digest,
    digest_settings,
    unsubscribe_token_for,
)
from tests.helpers.pages import page_text
from tests.helpers.tokens import signed

CONFIRM = "Stop the daily digest?"
DONE = "You are unsubscribed"
ALREADY = "Already unsubscribed"
REFUSED = "This unsubscribe link does not work"


@pytest.fixture
def alice_reads_daily(app, alice) -> str:
    """alice chose the daily digest; the token of the link in it."""
    choose_digest(app, alice, "daily")
    return unsubscribe_token_for(app, alice, "daily")


def test_the_link_asks_first_and_changes_nothing(app, client, alice, alice_reads_daily):
    before = database_snapshot(app)

    page = client.get(f"/unsubscribe/{alice_reads_daily}")

    assert page.status_code == 200
    assert CONFIRM in page_text(page)
    assert '<input class="button" id="submit" name="submit" type="submit"' in page_text(page)
    assert 'name="csrf_token"' not in page_text(page)
    assert database_snapshot(app) == before


def test_one_click_from_a_mail_client_turns_the_digest_off(
    app, client, alice, alice_reads_daily, security_log
):
    # What RFC 8058 clients send: no cookie, no CSRF token, just this body.
    answer = client.post(f"/unsubscribe/{alice_reads_daily}", data=ONE_CLICK_BODY)

    assert answer.status_code == 200
    assert DONE in page_text(answer)
    assert digest_settings(app, alice)[0] == "off"
    assert any(
        event["event"] == "digest_unsubscribed" and event["user_id"] == alice
        for event in security_log()
    )


def test_the_pages_button_turns_the_digest_off(app, client, alice, alice_reads_daily):
    answer = client.post(f"/unsubscribe/{alice_reads_daily}", data={"submit": "Stop"})

    assert DONE in page_text(answer)
    assert digest_settings(app, alice)[0] == "off"


def test_it_unsubscribes_the_tokens_reader_whoever_is_logged_in(
    app, client, auth, alice, alice_reads_daily, make_user
):
    bob = make_user("bob")
    choose_digest(app, bob, "daily")
    auth.login("bob@example.com")

    client.post(f"/unsubscribe/{alice_reads_daily}", data=ONE_CLICK_BODY)

    assert digest_settings(app, alice)[0] == "off"
    assert digest_settings(app, bob)[0] == "daily"


def test_a_reused_token_says_already_unsubscribed_and_changes_nothing(
    app, client, alice, alice_reads_daily
):
    client.post(f"/unsubscribe/{alice_reads_daily}", data=ONE_CLICK_BODY)
    before = database_snapshot(app)

    again = client.post(f"/unsubscribe/{alice_reads_daily}", data=ONE_CLICK_BODY)
    looked = client.get(f"/unsubscribe/{alice_reads_daily}")

    for answer in (again, looked):
        assert answer.status_code == 200
        assert ALREADY in page_text(answer)
        assert "nothing has changed" in page_text(answer)
    assert database_snapshot(app) == before


def test_a_token_from_an_older_choice_leaves_the_new_one_alone(
    app, client, alice, alice_reads_daily
):
    choose_digest(app, alice, "weekly")  # changed her mind after the daily email

    answer = client.post(f"/unsubscribe/{alice_reads_daily}", data=ONE_CLICK_BODY)

    assert ALREADY in page_text(answer)
    assert digest_settings(app, alice)[0] == "weekly"


def forged(app, alice: int) -> str:
    with app.app_context():
        stamp = db.session.get(User, alice)._stamp_for(UNSUBSCRIBE_SALT)
    return signed(
        app,
        {"digest": "daily", "user": alice, "stamp": stamp},
        salt=UNSUBSCRIBE_SALT,
        secret="not the site's key",
    )


def expired(app, alice: int) -> str:
    with app.app_context():
        stamp = db.session.get(User, alice)._stamp_for(UNSUBSCRIBE_SALT)
    age = app.config["UNSUBSCRIBE_TOKEN_MAX_AGE"] + 60
    return signed(
        app, {"digest": "daily", "user": alice, "stamp": stamp}, salt=UNSUBSCRIBE_SALT, age=age
    )


def another_purpose(app, alice: int) -> str:
    with app.app_context():
        return db.session.get(User, alice).get_reset_token()


def for_a_reset_salt(app, alice: int) -> str:
    # A reset token's salt with an unsubscribe token's claims: still another purpose.
    with app.app_context():
        stamp = db.session.get(User, alice)._stamp_for(RESET_SALT)
    return signed(app, {"digest": "daily", "user": alice, "stamp": stamp}, salt=RESET_SALT)


def for_nobody(app, alice: int) -> str:
    return signed(
        app, {"digest": "daily", "user": 999_999, "stamp": "0" * 16}, salt=UNSUBSCRIBE_SALT
    )


def for_a_deleted_account(app, alice: int) -> str:
    doomed = factories.make_user(app, "doomed")
    with app.app_context():
        token = db.session.get(User, doomed).get_unsubscribe_token("daily")
        db.session.delete(db.session.get(User, doomed))
        db.session.commit()
    return token


def for_digest_off(app, alice: int) -> str:
    with app.app_context():
        return db.session.get(User, alice).get_unsubscribe_token("off")


def with_a_bad_stamp(app, alice: int) -> str:
    return signed(app, {"digest": "daily", "user": alice, "stamp": "0" * 16}, salt=UNSUBSCRIBE_SALT)


def from_before_a_password_change(app, alice: int) -> str:
    token = unsubscribe_token_for(app, alice, "daily")
    with app.app_context():
        db.session.get(User, alice).set_password("a new passphrase here")
        db.session.commit()
    return token


def garbage(app, alice: int) -> str:
    return "not-a-token"


def huge(app, alice: int) -> str:
    return "x" * 5000


BAD_TOKENS = [
    forged,
    expired,
    another_purpose,
    for_a_reset_salt,
    for_nobody,
    for_a_deleted_account,
    for_digest_off,
    with_a_bad_stamp,
    from_before_a_password_change,
    garbage,
    huge,
]


@pytest.mark.parametrize("make_token", BAD_TOKENS, ids=[bad.__name__ for bad in BAD_TOKENS])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_bad_token_is_refused_with_a_clear_page_and_changes_nothing(
    app, client, alice, alice_reads_daily, make_token, method
):
    token = make_token(app, alice)
    before = database_snapshot(app)

    answer = client.open(f"/unsubscribe/{token}", method=method, data=ONE_CLICK_BODY)

    assert answer.status_code == 400
    assert REFUSED in page_text(answer)
    assert "notification settings" in page_text(answer)
    assert database_snapshot(app) == before


def test_the_pages_with_the_token_are_kept_by_no_cache_and_pass_on_no_referrer(
    client, alice, alice_reads_daily
):
    for answer in (
        client.get(f"/unsubscribe/{alice_reads_daily}"),
        client.get("/unsubscribe/not-a-token"),
        client.post(f"/unsubscribe/{alice_reads_daily}", data=ONE_CLICK_BODY),
    ):
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert "Set-Cookie" not in answer.headers


def test_the_token_never_reaches_the_log(build_app, capsys, caplog):
    caplog.set_level(logging.DEBUG, logger="flaskblog")
    app = build_app(LOG_FORMAT="json")
    alice = factories.make_user(app, "alice")
    choose_digest(app, alice, "daily")
    token = unsubscribe_token_for(app, alice, "daily")
    client = app.test_client()

    client.get(f"/unsubscribe/{token}")
    client.post(f"/unsubscribe/{token}", data=ONE_CLICK_BODY)
    client.post(f"/unsubscribe/{token}x", data=ONE_CLICK_BODY)

    written = capsys.readouterr().err + caplog.text
    assert "/unsubscribe/<token>" in written
    assert token not in written


def test_the_page_speaks_the_language_the_digest_was_written_in(
    app, client, alice, alice_reads_daily
):
    factories.set_profile(app, alice, language="de")

    asked = client.get(f"/unsubscribe/{alice_reads_daily}", headers={"Accept-Language": "es"})
    done = client.post(f"/unsubscribe/{alice_reads_daily}", headers={"Accept-Language": "es"})

    assert '<html lang="de"' in asked.text
    assert "Die tägliche Zusammenfassung abbestellen?" in page_text(asked)
    assert "Zusammenfassungen per E-Mail beenden" in page_text(asked)
    assert "Du hast abbestellt" in page_text(done)


def test_a_link_that_names_nobody_is_refused_in_the_visitors_language(client):
    page = client.get("/unsubscribe/not-a-token", headers={"Accept-Language": "es"})

    assert page.status_code == 400
    assert "Este enlace para darse de baja no funciona" in page_text(page)

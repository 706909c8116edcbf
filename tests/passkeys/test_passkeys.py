"""Passkeys: a user adds, renames and removes them on /account/passkeys, and logs in with one
at /login/passkey instead of a password. A software authenticator answers as a browser's
would, so py_webauthn's checks (challenge, origin, signature, counter) run for real."""

import json
import logging
import time

import pytest
from webauthn.helpers import bytes_to_base64url

from flaskblog.extensions import db
from flaskblog.models import Passkey, PasskeyUserHandle, User, UserSession
from flaskblog.passkeys import ceremonies
from tests.helpers.factories import log_in_unconfirmed, make_user, set_confirmed
from tests.helpers.pages import flashes, page_text
from tests.helpers.passkeys import Authenticator, PasskeyActions


@pytest.fixture
def passkeys(client):
    return PasskeyActions(client)


@pytest.fixture
def security_log(caplog):
    """`security_log()`: the names of the security events written so far."""
    caplog.set_level(logging.INFO, logger="flaskblog.security")
    return lambda: [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "flaskblog.security"
    ]


@pytest.fixture
def phone(app, alice, auth, passkeys):
    """alice's phone, holding a passkey she added while logged in (then she logged out)."""
    authenticator = Authenticator()
    auth.login()
    assert passkeys.register(authenticator, "Phone").status_code == 200
    auth.logout()
    return authenticator


def stored(app, user_id: int) -> list[Passkey]:
    with app.app_context():
        rows = Passkey.for_user(db.session.get(User, user_id))
        db.session.expunge_all()
        return rows


def logins(app, user_id: int) -> int:
    with app.app_context():
        query = db.select(db.func.count()).where(UserSession.user_id == user_id)
        return db.session.scalar(query.select_from(UserSession))


def error_of(response) -> str:
    assert response.status_code == 400
    return response.get_json()["error"]["message"]


# --- Adding, renaming and removing --------------------------------------------------------------


def test_a_user_adds_a_passkey_and_sees_it_listed(app, client, alice, auth, passkeys):
    auth.login()
    authenticator = Authenticator()

    response = passkeys.register(authenticator, "  Work laptop  ")

    assert response.get_json() == {"redirect": "/account/passkeys"}
    [passkey] = stored(app, alice)
    assert passkey.name == "Work laptop"
    assert passkey.credential_id == authenticator.credential_id
    assert passkey.transports == "internal"  # what the browser reported, known values only
    assert passkey.sign_count == 0 and passkey.last_used_at is None
    page = client.get("/account/passkeys")
    assert ("success", "Passkey “Work laptop” added: you can now log in with it.") in flashes(page)
    assert "Work laptop" in page_text(page) and "last used never" in page_text(page)


def test_the_options_ask_for_a_discoverable_passkey_bound_to_a_random_handle(
    app, alice, auth, passkeys
):
    auth.login()

    options = passkeys.registration_options()

    assert options["rp"] == {"id": "flaskblog.test", "name": "flaskblog"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    with app.app_context():
        handle = db.session.get(PasskeyUserHandle, alice).handle
    assert len(handle) == PasskeyUserHandle.HANDLE_BYTES
    assert options["user"]["id"] != str(alice) and len(options["user"]["id"]) > 40


@pytest.mark.parametrize("password", ["wrong password", "", None, 5])
def test_adding_a_passkey_needs_the_current_password(
    app, alice, auth, passkeys, security_log, password
):
    # A stolen session must not add a way back in that outlives a new password.
    auth.login()

    response = passkeys.post(
        "/account/passkeys/options", "/account/passkeys", {"password": password}
    )

    assert error_of(response) == "That is not your current password."
    assert "passkey_password_wrong" in [event["event"] for event in security_log()]
    assert passkeys.send_registration({"name": "Phone", "credential": {}}).status_code == 400
    assert stored(app, alice) == []


def test_the_users_passkeys_are_excluded_when_adding_another(alice, auth, passkeys, phone):
    auth.login()

    options = passkeys.registration_options()

    assert [entry["id"] for entry in options["excludeCredentials"]] == [
        bytes_to_base64url(phone.credential_id)
    ]
    # The same authenticator registering again is refused, whatever the browser does.
    assert error_of(passkeys.register(phone, "Again")) == "That passkey is already registered."


@pytest.mark.parametrize(
    "body",
    [b"", b"{broken", [], "text", {"name": "Phone"}, {"name": ""}, {"name": "x" * 65}],
    ids=["no body", "bad JSON", "a list", "a string", "no credential", "no name", "long name"],
)
def test_a_bad_registration_is_a_clear_json_error(app, alice, auth, passkeys, body):
    auth.login()
    passkeys.registration_options()

    response = passkeys.send_registration(body)

    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert stored(app, alice) == []


def test_a_registration_signed_for_another_challenge_is_refused(app, alice, auth, passkeys):
    auth.login()

    response = passkeys.register(Authenticator(), challenge="Zm9yZ2VkLWNoYWxsZW5nZQ")

    assert error_of(response) == "The passkey could not be verified. Please try again."
    assert stored(app, alice) == []


def test_a_registration_from_another_origin_is_refused(app, alice, auth, passkeys):
    auth.login()

    response = passkeys.register(Authenticator(), origin="https://evil.example")

    assert error_of(response) == "The passkey could not be verified. Please try again."
    assert stored(app, alice) == []


def test_a_registration_without_options_first_is_refused(app, alice, auth, passkeys):
    auth.login()
    options = passkeys.registration_options()
    credential = Authenticator().create(options)
    assert passkeys.send_registration({"name": "One", "credential": credential}).status_code == 200

    replayed = passkeys.send_registration({"name": "Two", "credential": credential})

    assert "expired or was already used" in error_of(replayed)
    assert [passkey.name for passkey in stored(app, alice)] == ["One"]


def test_without_javascript_the_form_says_what_is_needed(client, alice, auth, forms):
    auth.login()

    response = forms.submit("/account/passkeys", {"name": "Phone"}, follow_redirects=True)

    assert ("warning", "Adding a passkey needs JavaScript in your browser.") in flashes(response)


def test_an_unconfirmed_user_cannot_add_a_passkey(app, client, auth):
    log_in_unconfirmed(app, auth, "carol")

    response = client.get("/account/passkeys")

    assert response.status_code == 302


def test_a_user_renames_and_removes_her_passkey(app, client, alice, auth, forms, phone):
    auth.login()
    [passkey] = stored(app, alice)
    field = f"passkey-{passkey.id}-name"

    renamed = forms.submit(
        f"/account/passkeys/{passkey.id}/rename",
        {field: "Old phone"},
        page="/account/passkeys",
        follow_redirects=True,
    )
    assert ("success", "Passkey renamed “Old phone”.") in flashes(renamed)
    removed = forms.submit(
        f"/account/passkeys/{passkey.id}/remove", page="/account/passkeys", follow_redirects=True
    )

    assert ("success", "Passkey “Old phone” removed: it can no longer log in to your account.") in (
        flashes(removed)
    )
    assert stored(app, alice) == []


def test_renaming_to_nothing_keeps_the_name(app, alice, auth, forms, phone):
    auth.login()
    [passkey] = stored(app, alice)

    response = forms.submit(
        f"/account/passkeys/{passkey.id}/rename",
        {f"passkey-{passkey.id}-name": "   "},
        page="/account/passkeys",
        follow_redirects=True,
    )

    assert [category for category, _ in flashes(response)] == ["danger"]
    assert stored(app, alice)[0].name == "Phone"


@pytest.mark.parametrize("action", ["rename", "remove"])
def test_someone_elses_passkey_can_be_neither_renamed_nor_removed(
    app, alice, auth, forms, phone, action
):
    make_user(app, "bob")
    auth.login("bob@example.com")
    [passkey] = stored(app, alice)

    response = forms.submit(
        f"/account/passkeys/{passkey.id}/{action}",
        {f"passkey-{passkey.id}-name": "Mine now"},
        page="/account/passkeys",
        follow_redirects=True,
    )

    assert (
        "danger",
        "That passkey is not on your account (it may have been removed already).",
    ) in flashes(response)
    assert [row.name for row in stored(app, alice)] == ["Phone"]


def test_deleting_the_account_deletes_its_passkeys(app, alice, auth, forms, phone):
    auth.login()

    forms.submit("/account/delete", {"password": "correct horse battery"})

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Passkey)) == 0
        assert db.session.get(PasskeyUserHandle, alice) is None


# --- Logging in -------------------------------------------------------------------------------


def test_a_passkey_logs_in_without_a_password(app, client, alice, passkeys, phone):
    response = passkeys.login(phone, next="/account")

    assert response.get_json() == {"redirect": "/account"}
    assert client.get("/account").status_code == 200
    assert logins(app, alice) == 1  # on the sessions page, as any login
    assert client.get_cookie("known_device", domain="flaskblog.test") is not None
    [passkey] = stored(app, alice)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_next_never_leads_away_from_the_site(passkeys, phone):
    response = passkeys.login(phone, next="//evil.example/")

    assert response.get_json() == {"redirect": "/"}


def test_a_login_signed_for_another_challenge_is_refused(app, client, alice, passkeys, phone):
    response = passkeys.login(phone, challenge="Zm9yZ2VkLWNoYWxsZW5nZQ")

    assert error_of(response) == "The passkey could not be verified. Please try again."
    assert client.get("/account").status_code == 302
    assert logins(app, alice) == 0


def test_a_login_from_another_origin_is_refused(app, alice, passkeys, phone):
    response = passkeys.login(phone, origin="http://evil.example")

    assert error_of(response) == "The passkey could not be verified. Please try again."
    assert logins(app, alice) == 0


def test_a_login_for_another_site_is_refused(app, alice, passkeys, phone):
    response = passkeys.login(phone, rp_id="evil.example")

    assert error_of(response) == "The passkey could not be verified. Please try again."


def test_an_unknown_passkey_is_refused(app, alice, passkeys, phone, security_log):
    stranger = Authenticator()
    stranger.user_handle = phone.user_handle

    response = passkeys.login(stranger)

    assert error_of(response) == "This passkey is not registered here (it may have been removed)."
    assert "passkey_unknown" in [event["event"] for event in security_log()]


def test_a_passkey_claiming_another_users_handle_is_refused(app, alice, passkeys, phone):
    phone.user_handle = b"someone else"

    assert "not registered here" in error_of(passkeys.login(phone))


def test_a_replayed_login_is_refused_even_with_the_old_session_cookie(
    app, client, alice, auth, passkeys
):
    authenticator = Authenticator(counts=False)  # nothing but the challenge to go by
    auth.login()
    passkeys.register(authenticator)
    auth.logout()
    options = passkeys.login_options()
    cookie = client.get_cookie("session", domain="flaskblog.test").value
    answer = {"credential": authenticator.get(options)}
    assert passkeys.send_login(answer).status_code == 200
    auth.logout()

    client.set_cookie("session", cookie, domain="flaskblog.test")  # the session as it was
    replayed = passkeys.send_login(answer)

    assert "expired or was already used" in error_of(replayed)
    assert logins(app, alice) == 0


def test_a_passkey_whose_counter_goes_backwards_is_refused_and_logged(
    app, alice, passkeys, phone, security_log
):
    assert passkeys.login(phone).status_code == 200
    phone.sign_count = 0  # a copy of the key, which has signed less than the original

    response = PasskeyActions(app.test_client()).login(phone)

    assert "may have been copied" in error_of(response)
    regressed = [e for e in security_log() if e["event"] == "passkey_sign_count_regressed"]
    assert regressed and regressed[-1]["user_id"] == alice


def test_an_answer_after_the_challenge_expired_is_refused(monkeypatch, passkeys, phone):
    options = passkeys.login_options()
    answer = {"credential": phone.get(options)}
    monkeypatch.setattr(time, "time", lambda: 10**10)

    assert "expired or was already used" in error_of(passkeys.send_login(answer))


@pytest.mark.parametrize(
    "body",
    [b"", b"{broken", [], {"credential": "not json"}, {"credential": {"id": "x"}}, {"x": 5}],
    ids=["no body", "bad JSON", "a list", "a string", "missing fields", "no credential"],
)
def test_a_bad_login_is_a_clear_json_error(app, alice, passkeys, phone, body):
    passkeys.login_options()

    response = passkeys.send_login(body)

    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert logins(app, alice) == 0


def test_a_disabled_account_cannot_log_in_with_its_passkey(app, alice, passkeys, phone):
    with app.app_context():
        db.session.get(User, alice).disable()
        db.session.commit()

    response = passkeys.login(phone)

    assert error_of(response) == "This account has been disabled."
    assert logins(app, alice) == 0
    assert stored(app, alice)[0].last_used_at is None


def test_an_account_whose_address_is_unconfirmed_cannot_log_in_with_its_passkey(
    app, alice, passkeys, phone
):
    set_confirmed(app, "alice@example.com", False)

    response = passkeys.login(phone)

    assert error_of(response) == "Confirm your email address before you log in."
    assert logins(app, alice) == 0


def test_the_login_page_offers_a_passkey_to_browsers_that_can_use_one(client):
    page = page_text(client.get("/login?next=/account"))

    assert 'id="passkey-login" hidden' in page  # passkeys.js shows it where WebAuthn works
    assert 'data-login="/login/passkey?next=/account"' in page
    assert "js/passkeys.js" in page


# --- Limits and settings ---------------------------------------------------------------------


def test_the_options_and_answers_are_rate_limited(build_app):
    app = build_app(RATELIMIT_ENABLED=True)
    actions = PasskeyActions(app.test_client())
    token_page = actions.client.get("/login")
    assert token_page.status_code == 200

    statuses = [actions.post("/login/passkey/options", "/login").status_code for _ in range(11)]
    answers = [actions.send_login({}).status_code for _ in range(11)]

    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    assert answers[:10] == [400] * 10 and answers[10] == 429


def test_the_relying_party_comes_from_the_settings_or_the_host(app):
    with app.test_request_context("/", base_url="http://flaskblog.test:5000"):
        assert ceremonies.relying_party() == ("flaskblog.test", "http://flaskblog.test:5000")
    app.config.update(SERVER_NAME=None)
    try:
        with app.test_request_context("/", base_url="https://blog.example.org"):
            assert ceremonies.relying_party() == ("blog.example.org", "https://blog.example.org")
        app.config.update(WEBAUTHN_RP_ID="example.org", WEBAUTHN_ORIGIN="https://example.org")
        with app.test_request_context("/", base_url="http://localhost"):
            assert ceremonies.relying_party() == ("example.org", "https://example.org")
    finally:
        app.config.update(SERVER_NAME="flaskblog.test", WEBAUTHN_RP_ID=None, WEBAUTHN_ORIGIN=None)

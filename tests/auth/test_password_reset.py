"""Forgotten passwords: asking for a reset link by email, and using it exactly once."""

import functools
import logging
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from flaskblog.extensions import db, mail
from flaskblog.models import RESET_SALT, User
from tests.helpers import factories, tokens
from tests.helpers.factories import PASSWORD
from tests.helpers.mail import RESET_LINK
from tests.helpers.pages import (
    AuthActions,
    Forms,
    csrf_token_from,
    csrf_token_in,
    field_errors,
    flashes,
    page_text,
    without_csrf_tokens,
)
from tests.helpers.services import free_port

NEW_PASSWORD = "a brand new passphrase"
SENT = "If an account uses that email, we have sent it a link to reset the password."
BAD_LINK = "That reset link is invalid, expired or already used. Please ask for a new one."
UPDATED = (
    "Your password has been updated: every login and API token has ended, and links we "
    "emailed before (a pending change of address too) are cancelled. You can now log in."
)
HOME = ("/", "/home")


def without_csrf_token(response) -> str:
    return without_csrf_tokens(page_text(response))


def reset_link(message) -> str:
    """The one reset link in an email's text."""
    links = RESET_LINK.findall(message.body if hasattr(message, "body") else message)
    assert len(links) == 1, links
    return links[0]


def password_works(app, email: str, password: str) -> bool:
    with app.app_context():
        return User.authenticate(email, password) is not None


def new_password(password=NEW_PASSWORD, confirm=None) -> dict:
    return {"password": password, "confirm_password": password if confirm is None else confirm}


@pytest.fixture
def request_reset(forms):
    """Ask for a reset link on the request page; returns (response, emails sent)."""

    def ask(email="alice@example.com", **kwargs):
        with mail.record_messages() as outbox:
            response = forms.submit("/reset_password", {"email": email}, **kwargs)
        return response, outbox

    return ask


@pytest.fixture
def reset_url(app, request_reset):
    """The path of a fresh reset link emailed to Alice."""

    def fetch(email="alice@example.com") -> str:
        _, outbox = request_reset(email)
        return urlsplit(reset_link(outbox[0])).path

    return fetch


@pytest.fixture
def app_with(build_app):
    """`app_with(**settings)`: a testing app with changed settings, where Alice has an account."""

    def build(**settings):
        app = build_app(**settings)
        factories.make_user(app, confirmed=False)
        return app

    return build


# --- Asking for a link ----------------------------------------------------------------------


def test_request_page_asks_for_an_email(client):
    response = client.get("/reset_password")

    assert response.status_code == 200
    assert "Reset your password" in page_text(response)
    assert 'name="email"' in page_text(response)


def test_known_email_gets_an_absolute_reset_link(alice, request_reset, client):
    response, outbox = request_reset("alice@example.com")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert ("info", SENT) in flashes(client.get("/login"))
    assert len(outbox) == 1
    assert outbox[0].recipients == ["alice@example.com"]
    assert outbox[0].subject == "Reset your flaskblog password"
    link = reset_link(outbox[0])
    assert link.startswith("http://flaskblog.test/reset_password/")
    assert "alice" in outbox[0].body
    assert "30 minutes" in outbox[0].body


def test_the_reset_email_speaks_the_accounts_language_not_the_askers(app, alice, request_reset):
    with app.app_context():
        db.session.get(User, alice).language = "es"
        db.session.commit()

    response, [message] = request_reset(headers={"Accept-Language": "de"})

    assert response.status_code == 302
    assert message.subject == "Restablece tu contraseña de flaskblog"
    assert message.body.startswith("Hola, alice:")
    assert "Para elegir una contraseña nueva para tu cuenta de flaskblog" in message.body
    assert "El enlace funciona una sola vez y durante 30 minutos." in message.body
    assert "password" not in message.body.replace(reset_link(message), "")


def test_email_is_matched_regardless_of_case(alice, request_reset):
    _, outbox = request_reset("  ALICE@Example.COM ")

    assert [message.recipients for message in outbox] == [["alice@example.com"]]


def test_unknown_email_gets_the_same_answer_and_no_email(alice, request_reset, client):
    known, known_outbox = request_reset("alice@example.com")
    known_page = client.get(known.headers["Location"])
    unknown, unknown_outbox = request_reset("nobody@example.com")
    unknown_page = client.get(unknown.headers["Location"])

    assert unknown_outbox == []
    assert len(known_outbox) == 1
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert flashes(unknown_page) == flashes(known_page) == [("info", SENT)]
    assert without_csrf_token(unknown_page) == without_csrf_token(known_page)


@pytest.mark.parametrize("email", ["", "not-an-email", "x" * 300 + "@example.com"])
def test_request_with_an_invalid_email_is_a_form_error(alice, request_reset, email):
    response, outbox = request_reset(email)

    assert response.status_code == 200
    assert field_errors(response, "email")
    assert outbox == []


def test_request_without_csrf_token_is_refused(alice, client):
    with mail.record_messages() as outbox:
        response = client.post("/reset_password", data={"email": "alice@example.com"})

    assert response.status_code == 400
    assert outbox == []


def test_spoofed_host_header_does_not_change_the_link(alice, client):
    # The attacker sends every request of theirs with a forged Host, hoping the
    # victim's email links to their server and hands them the token.
    spoofed = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    token = csrf_token_from(client.get("/reset_password", headers=spoofed))

    with mail.record_messages() as outbox:
        response = client.post(
            "/reset_password",
            data={"email": "alice@example.com", "csrf_token": token},
            headers=spoofed,
        )

    assert response.status_code == 302
    assert len(outbox) == 1
    link = reset_link(outbox[0])
    assert urlsplit(link).netloc == "flaskblog.test"
    assert "evil.example" not in outbox[0].body


def test_reset_link_arrives_over_real_smtp_and_works(app_with, mailbox):
    app = app_with(**mailbox.settings(), MAIL_DEFAULT_SENDER="flaskblog <noreply@flaskblog.test>")
    client = app.test_client()
    forms = Forms(client)

    response = forms.submit("/reset_password", {"email": "alice@example.com"})

    assert response.status_code == 302
    assert ("info", SENT) in flashes(client.get("/login"))
    received = mailbox.only_message()
    assert received.rcpt_tos == ["alice@example.com"]
    assert received.message["Subject"] == "Reset your flaskblog password"
    assert "noreply@flaskblog.test" in received.message["From"]
    link = received.reset_link
    assert urlsplit(link).netloc == "flaskblog.test"

    form_page = client.get(link)
    assert form_page.status_code == 200
    assert 'name="confirm_password"' in page_text(form_page)
    done = forms.submit(link, new_password())
    assert done.headers["Location"] == "/login"
    assert AuthActions(client, forms).login(password=NEW_PASSWORD).status_code == 302


def test_mail_server_down_gives_the_same_answer_and_logs(app_with, caplog):
    app = app_with(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_SUPPRESS_SEND=False)
    client = app.test_client()

    with caplog.at_level(logging.ERROR):
        response = Forms(client).submit("/reset_password", {"email": "alice@example.com"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert ("info", SENT) in flashes(client.get("/login"))
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert any("Could not send the password reset email" in r.getMessage() for r in errors)
    assert any(r.exc_info for r in errors)  # the traceback goes to the log, not the page
    assert password_works(app, "alice@example.com", PASSWORD)


def test_mail_server_refusing_the_recipient_gives_the_same_answer_and_logs(
    app_with, start_mailbox, caplog
):
    refusing = start_mailbox(refuse=True)
    app = app_with(**refusing.settings())
    client = app.test_client()

    with caplog.at_level(logging.ERROR):
        response = Forms(client).submit("/reset_password", {"email": "alice@example.com"})

    assert response.status_code == 302
    assert ("info", SENT) in flashes(client.get("/login"))
    assert refusing.messages == []
    assert "Could not send the password reset email" in caplog.text


# --- Using the link -------------------------------------------------------------------------


def test_reset_link_lets_the_user_choose_a_new_password(app, alice, reset_url, forms, client):
    url = reset_url()

    page = client.get(url)
    assert page.status_code == 200
    assert "Choose a new password" in page_text(page)
    response = forms.submit(url, new_password())

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert ("success", UPDATED) in flashes(client.get("/login"))
    assert password_works(app, "alice@example.com", NEW_PASSWORD)
    assert not password_works(app, "alice@example.com", PASSWORD)


def test_after_a_reset_only_the_new_password_logs_in(alice, reset_url, forms, auth, client):
    forms.submit(reset_url(), new_password())

    old = auth.login(password=PASSWORD)
    assert old.status_code == 200
    assert client.get("/account").status_code == 302
    new = auth.login(password=NEW_PASSWORD)
    assert new.status_code == 302
    assert client.get("/account").status_code == 200


def test_reset_token_is_single_use(app, alice, reset_url, forms, client):
    url = reset_url()
    forms.submit(url, new_password())

    page = assert_refused_with_a_flash(client, url)
    token = csrf_token_in(page_text(page))
    replay = client.post(url, data={**new_password("a third password!"), "csrf_token": token})
    assert replay.status_code == 302
    assert replay.headers["Location"] == "/reset_password"
    assert password_works(app, "alice@example.com", NEW_PASSWORD)


def test_older_links_die_once_the_password_changes(app, alice, reset_url, forms, client):
    first, second = reset_url(), reset_url()
    forms.submit(second, new_password())

    response = client.get(first)

    assert response.status_code == 302
    assert response.headers["Location"] == "/reset_password"


def test_unused_link_keeps_working_until_used(alice, reset_url, client):
    url = reset_url()

    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("short", None, "password", "Field must be between 8 and 128 characters long."),
        ("p" * 129, None, "password", "Field must be between 8 and 128 characters long."),
        ("", None, "password", "This field is required."),
        (NEW_PASSWORD, "something else", "confirm_password", "The passwords do not match."),
    ],
    ids=["too-short", "too-long", "empty", "mismatch"],
)
def test_new_password_must_follow_the_rules(
    app, alice, reset_url, forms, client, password, confirm, field, message
):
    url = reset_url()

    response = forms.submit(url, new_password(password, confirm))

    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert password_works(app, "alice@example.com", PASSWORD)
    assert client.get(url).status_code == 200  # the link was not spent


@pytest.mark.parametrize(
    "password", ["пароль🔑!" * 16, "x" * 100], ids=["128-unicode", "100-chars"]
)
def test_new_password_may_be_long_and_any_characters(app, alice, reset_url, forms, password):
    response = forms.submit(reset_url(), new_password(password))

    assert response.status_code == 302
    assert password_works(app, "alice@example.com", password)
    assert not password_works(app, "alice@example.com", password[:72])


def test_reset_without_csrf_token_is_refused(app, alice, reset_url, client):
    url = reset_url()

    response = client.post(url, data=new_password())

    assert response.status_code == 400
    assert password_works(app, "alice@example.com", PASSWORD)


# A reset token for `payload`, unless another salt is given: see tokens.signed.
signed = functools.partial(tokens.signed, salt=RESET_SALT)


def payload_of(app, url: str) -> dict:
    token = url.rsplit("/", 1)[1]
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=RESET_SALT).loads(token)


def assert_refused_with_a_flash(client, url: str):
    """The link is refused with a message and a way to ask again: never a form, never a 500;
    returns the page it sends the reader to, to ask again."""
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/reset_password"
    page = client.get("/reset_password")
    assert ("warning", BAD_LINK) in flashes(page)
    assert 'name="password"' not in page_text(page)
    return page


def test_expired_link_is_refused(app, alice, reset_url, client):
    payload = payload_of(app, reset_url())
    thirty_one_minutes = 31 * 60

    assert_refused_with_a_flash(
        client, f"/reset_password/{signed(app, payload, age=thirty_one_minutes)}"
    )


def test_link_is_still_good_just_before_thirty_minutes(app, alice, reset_url, client):
    payload = payload_of(app, reset_url())
    token = signed(app, payload, age=29 * 60)

    assert client.get(f"/reset_password/{token}").status_code == 200


def test_token_lifetime_comes_from_the_configuration(app_with):
    app = app_with(RESET_TOKEN_MAX_AGE=60)
    client = app.test_client()
    with app.app_context():
        alice = User.by_email("alice@example.com")
        payload = payload_of(app, f"/reset_password/{alice.get_reset_token()}")

    assert client.get(f"/reset_password/{signed(app, payload, age=30)}").status_code == 200
    assert_refused_with_a_flash(client, f"/reset_password/{signed(app, payload, age=90)}")


def test_expired_link_cannot_be_posted_to_either(app, alice, reset_url, forms, client):
    payload = payload_of(app, reset_url())
    url = f"/reset_password/{signed(app, payload, age=31 * 60)}"

    response = forms.submit(url, new_password(), page="/reset_password")

    assert response.status_code == 302
    assert response.headers["Location"] == "/reset_password"
    assert password_works(app, "alice@example.com", PASSWORD)


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b.c",
        "...",
        "x" * 2000,
        "eyJ1c2VyIjoxfQ",
        "eyJ1c2VyIjoxLCJwdyI6IngifQ.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "%F0%9F%94%91",
    ],
)
def test_garbage_token_is_refused(alice, client, token):
    assert_refused_with_a_flash(client, f"/reset_password/{token}")


def test_tampered_token_is_refused(app, alice, make_user, reset_url, client):
    token = reset_url().rsplit("/", 1)[1]
    payload, timestamp, signature = token.split(".")
    bob_token = signed(app, {"user": make_user("bob"), "pw": "0" * 16})
    bob_payload = bob_token.split(".")[0]
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]

    assert_refused_with_a_flash(client, f"/reset_password/{bob_payload}.{timestamp}.{signature}")
    assert_refused_with_a_flash(client, f"/reset_password/{payload}.{timestamp}.{flipped}")
    assert_refused_with_a_flash(client, f"/reset_password/{payload}.AAAAAA.{signature}")


def test_token_signed_with_another_salt_or_key_is_refused(app, alice, reset_url, client):
    payload = payload_of(app, reset_url())

    for token in (
        signed(app, payload, salt="email-confirm"),
        signed(app, payload, secret="some-other-secret"),
        URLSafeTimedSerializer(app.config["SECRET_KEY"]).dumps(payload),  # the default salt
    ):
        assert_refused_with_a_flash(client, f"/reset_password/{token}")


@pytest.mark.parametrize(
    "payload",
    [
        {"user": "alice", "pw": "0" * 16},
        {"user": 1},
        {"pw": "0" * 16},
        ["user", 1],
        "just a string",
        None,
        {"user": 99999, "pw": "0" * 16},
        {"user": 1, "pw": None},
    ],
)
def test_validly_signed_token_with_wrong_content_is_refused(app, alice, client, payload):
    assert_refused_with_a_flash(client, f"/reset_password/{signed(app, payload)}")


def test_link_for_a_deleted_account_is_refused(app, alice, reset_url, client):
    url = reset_url()
    with app.app_context():
        db.session.delete(db.session.get(User, alice))
        db.session.commit()

    assert_refused_with_a_flash(client, url)


def test_link_for_another_account_does_not_reveal_or_change_it(
    app, alice, make_user, reset_url, forms
):
    make_user("bob", "bob@example.com")
    forms.submit(reset_url("bob@example.com"), new_password())

    assert password_works(app, "bob@example.com", NEW_PASSWORD)
    assert password_works(app, "alice@example.com", PASSWORD)


# --- Logged-in users ------------------------------------------------------------------------


def test_logged_in_users_opening_the_reset_pages_are_sent_home(alice, reset_url, auth, client):
    url = reset_url()
    auth.login()

    for page in ("/reset_password", url):
        response = client.get(page)
        assert response.status_code == 302
        assert response.headers["Location"] in HOME

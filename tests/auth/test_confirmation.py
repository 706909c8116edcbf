"""Confirming an email address: the link sent at registration (and again on request), and
what an unconfirmed user may not do until they follow it. Mail goes over real SMTP."""

import functools
import re
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from flaskblog.extensions import db
from flaskblog.models import EMAIL_CONFIRM_SALT, RESET_SALT, Comment, Post, User
from tests.helpers import factories, tokens
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import (
    AuthActions,
    Forms,
    csrf_token_from,
    field_errors,
    flashes,
    page_text,
)
from tests.helpers.tokens import token_of

CONFIRM_LINK = re.compile(r"https?://\S+/confirm/\S+")
CREATED = (
    "Your account has been created. Open the link we sent to alice@example.com to confirm "
    "your address, then log in."
)
CONFIRMED = "Thank you: alice@example.com is confirmed as your email address."
BAD_LINK = (
    "That confirmation link is invalid, expired or already used. "
    "Ask for a new one from the login page."
)
MUST_CONFIRM = (
    "Please confirm your email address before you post or comment: follow the link we sent "
    "to alice@example.com, or use the button below for a new one."
)
BANNER = "Please confirm your email address: follow the link we sent to alice@example.com."
RESENT = "A new confirmation link is on its way to alice@example.com."
LOGIN_FAILED = (
    "Login unsuccessful. Please check your email and password. If you have just signed up, "
    "open the link we emailed you first."
)
HOME = ("/", "/home")
FORTY_EIGHT_HOURS = 48 * 60 * 60


@pytest.fixture
def app(build_app, mailbox):
    """The testing app, sending its mail over SMTP to `mailbox`."""
    return build_app(**mailbox.settings())


def confirm_link(mail) -> str:
    """The one confirmation link in a received email."""
    links = CONFIRM_LINK.findall(mail.text)
    assert len(links) == 1, f"expected one confirmation link in:\n{mail.text}"
    return links[0]


def confirmed_at(app, email="alice@example.com") -> datetime | None:
    with app.app_context():
        return User.by_email(email).confirmed_at


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


# A confirmation token for `payload`, unless another salt is given: see tokens.signed.
signed = functools.partial(tokens.signed, salt=EMAIL_CONFIRM_SALT)


def payload_of(app, link: str, salt=EMAIL_CONFIRM_SALT):
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=salt).loads(token_of(link))


def assert_refused(app, client, url: str) -> None:
    """The link changes nothing and says so; never a 500."""
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] in HOME
    assert ("warning", BAD_LINK) in flashes(client.get("/"))
    assert confirmed_at(app) is None


@pytest.fixture
def registered(auth, mailbox):
    """Alice signs up through the page; returns the confirmation link she was sent."""
    response = auth.register()
    assert response.status_code == 302
    return confirm_link(mailbox.only_message())


@pytest.fixture
def unconfirmed_alice(app, auth):
    """Alice, logged in since before her address had to be confirmed; returns her id."""
    return factories.log_in_unconfirmed(app, auth)


# --- Registration sends the link ------------------------------------------------------------


def test_registration_emails_a_confirmation_link_and_says_so(app, auth, client, mailbox):
    response = auth.register(email="Alice@Example.com")

    assert response.headers["Location"] == "/login"
    assert ("success", CREATED) in flashes(client.get("/login"))
    mail = mailbox.only_message()
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.message["Subject"] == "Confirm your flaskblog email address"
    assert mail.text.startswith("Hello alice,")
    assert "48 hours" in mail.text
    assert confirm_link(mail).startswith("http://flaskblog.test/confirm/")
    assert confirmed_at(app) is None


def test_following_the_link_confirms_the_address(app, registered, client):
    before = datetime.now(UTC)

    response = client.get(registered)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert ("success", CONFIRMED) in flashes(client.get("/login"))
    assert before - timedelta(seconds=1) <= confirmed_at(app) <= datetime.now(UTC)


def test_the_link_works_only_once(app, registered, client):
    client.get(registered)
    first = confirmed_at(app)

    again = client.get(registered)

    assert again.headers["Location"] in HOME
    assert ("warning", BAD_LINK) in flashes(client.get("/"))
    assert confirmed_at(app) == first


def test_registration_still_succeeds_when_the_mail_server_refuses(build_app, start_mailbox, caplog):
    refusing = start_mailbox(refuse=True)
    app = build_app(**refusing.settings())
    client = app.test_client()

    response = AuthActions(client, Forms(client)).register()

    assert response.headers["Location"] == "/login"
    assert (
        "warning",
        "Your account has been created, but the confirmation email could not be sent. "
        "Ask for a new link below.",
    ) in flashes(client.get("/login"))
    assert refusing.messages == []
    assert confirmed_at(app) is None
    assert "Could not send the confirmation email to user 1" in caplog.text


# --- What an unconfirmed user may do --------------------------------------------------------


def test_a_password_alone_does_not_log_in_before_the_address_is_confirmed(
    app, registered, auth, client
):
    refused = auth.login()

    assert refused.status_code == 200
    assert flashes(refused) == [("danger", LOGIN_FAILED)]  # as a wrong password would be
    assert client.get("/account").status_code == 302  # still a visitor
    assert client.get(registered).headers["Location"] == "/login"
    assert auth.login().status_code == 302


def test_a_login_from_before_confirmation_is_offered_a_new_link(unconfirmed_alice, client):
    home = page_text(client.get("/"))
    assert BANNER in home
    assert 'action="/confirm/resend"' in home
    assert "Send the link again" in home


@pytest.mark.parametrize("who", ["confirmed", "visitor"])
def test_confirmed_users_and_visitors_see_no_banner(make_user, auth, client, who):
    if who == "confirmed":
        make_user("alice")
        auth.login()

    home = page_text(client.get("/"))

    assert "Please confirm your email address" not in home
    assert "/confirm/resend" not in home


def assert_turned_away(client, response) -> None:
    """Sent home with the reason, and the button for a new link on that page."""
    assert response.status_code == 302
    assert response.headers["Location"] in HOME
    home = client.get("/")
    assert ("warning", MUST_CONFIRM) in flashes(home)
    assert 'action="/confirm/resend"' in page_text(home)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/post/new"),
        ("post", "/post/new"),
        ("post", "/post/preview"),
        ("post", "/post/preview?fragment=1"),
    ],
)
def test_unconfirmed_user_cannot_write_or_preview_a_post(
    app, unconfirmed_alice, client, method, url
):
    token = csrf_token_from(client.get("/"))
    data = {"title": "Hello", "content": "Some **words**.", "tags": "", "csrf_token": token}

    response = client.get(url) if method == "get" else client.post(url, data=data)

    assert "<strong>words</strong>" not in page_text(response)
    assert_turned_away(client, response)
    assert count(app, Post) == 0


def test_unconfirmed_user_cannot_edit_their_post(app, make_user, make_posts, auth, client):
    alice = factories.log_in_unconfirmed(app, auth)
    [post_id] = make_posts(alice, 1, title="Before")
    token = csrf_token_from(client.get("/"))

    assert_turned_away(client, client.get(f"/post/{post_id}/update"))
    sent = client.post(
        f"/post/{post_id}/update",
        data={"title": "After", "content": "Changed.", "tags": "", "csrf_token": token},
    )

    assert_turned_away(client, sent)
    with app.app_context():
        assert db.session.get(Post, post_id).title == "Before"


def test_unconfirmed_user_cannot_comment_and_is_told_why(app, make_user, make_posts, auth, client):
    bob = make_user("bob")
    [post_id] = make_posts(bob, 1)
    factories.log_in_unconfirmed(app, auth)

    post_page = page_text(client.get(f"/post/{post_id}"))
    response = client.post(
        f"/post/{post_id}/comment",
        data={"body": "First!", "csrf_token": csrf_token_from(client.get("/"))},
    )

    assert "Confirm your email address to comment" in post_page
    assert 'name="body"' not in post_page
    assert_turned_away(client, response)
    assert count(app, Comment) == 0


def test_after_confirming_the_user_can_log_in_and_post(app, registered, auth, client, forms):
    confirmed = client.get(registered)
    assert confirmed.headers["Location"] == "/login"  # a visitor: on to log in
    assert ("success", CONFIRMED) in flashes(client.get("/login"))

    assert auth.login().status_code == 302
    home = client.get("/")
    assert BANNER not in page_text(home)
    assert "/confirm/resend" not in page_text(home)

    response = forms.submit("/post/new", {"title": "Hello", "content": "Now I *can*."})
    assert response.status_code == 302
    assert response.headers["Location"] == "/post/1/hello"
    assert count(app, Post) == 1


def test_unconfirmed_user_keeps_reading_and_their_account(unconfirmed_alice, client):
    for page in ("/", "/account", "/drafts", "/tags", "/user/alice"):
        assert client.get(page).status_code == 200, page


# --- Asking for the link again --------------------------------------------------------------


def test_resend_sends_a_new_link_that_confirms(app, unconfirmed_alice, forms, client, mailbox):
    response = forms.submit("/confirm/resend", page="/")

    assert response.headers["Location"] in HOME
    assert ("info", RESENT) in flashes(client.get("/"))
    mail = mailbox.only_message()
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.message["Subject"] == "Confirm your flaskblog email address"
    client.get(confirm_link(mail))
    assert confirmed_at(app) is not None


def test_every_resent_link_works_until_one_is_used(app, unconfirmed_alice, forms, client, mailbox):
    forms.submit("/confirm/resend", page="/")
    forms.submit("/confirm/resend", page="/")
    first, second = (confirm_link(mail) for mail in mailbox.messages)

    client.get(second)
    assert confirmed_at(app) is not None

    assert client.get(first).headers["Location"] in HOME
    assert ("warning", BAD_LINK) in flashes(client.get("/"))


def test_resend_for_a_confirmed_user_sends_nothing(make_user, auth, forms, client, mailbox):
    make_user("alice")
    auth.login()

    response = forms.submit("/confirm/resend", page="/account")

    assert response.headers["Location"] in HOME
    assert ("info", "Your email address is already confirmed.") in flashes(client.get("/"))
    assert mailbox.messages == []


def test_resend_that_the_mail_server_refuses_says_so(build_app, start_mailbox, caplog):
    refusing = start_mailbox(refuse=True)
    app = build_app(**refusing.settings())
    client = app.test_client()
    factories.log_in_unconfirmed(app, AuthActions(client, Forms(client)))

    response = client.post("/confirm/resend", data={"csrf_token": csrf_token_from(client.get("/"))})

    assert response.headers["Location"] in HOME
    assert (
        "warning",
        "The confirmation email could not be sent. Please try again later.",
    ) in flashes(client.get("/"))
    assert "Could not send the confirmation email" in caplog.text


RESEND_ANSWER = (
    "If an account with that address is waiting for confirmation, a new link is on its way to it."
)


@pytest.mark.parametrize(
    ("email", "mails"),
    [
        ("Alice@Example.com ", 1),  # unconfirmed: a new link
        ("bob@example.com", 0),  # confirmed already
        ("nobody@example.com", 0),  # no account
    ],
)
def test_resend_from_the_login_page_by_address_answers_alike(
    make_user, client, forms, mailbox, email, mails
):
    make_user("alice", confirmed=False)
    make_user("bob")
    assert 'href="/confirm/resend"' in page_text(client.get("/login"))

    response = forms.submit("/confirm/resend", {"email": email})

    assert response.headers["Location"] == "/login"
    assert flashes(client.get("/login")) == [("info", RESEND_ANSWER)]
    assert len(mailbox.messages) == mails
    if mails:
        assert mailbox.only_message().rcpt_tos == ["alice@example.com"]
        client.get(confirm_link(mailbox.only_message()))
        assert (
            forms.submit("/login", {"email": "alice@example.com", "password": PASSWORD}).status_code
            == 302
        )


def test_resend_without_a_csrf_token_is_refused(unconfirmed_alice, client, mailbox):
    response = client.post("/confirm/resend")

    assert response.status_code == 400
    assert mailbox.messages == []


def test_resend_by_get_sends_nothing(unconfirmed_alice, client, mailbox):
    response = client.get("/confirm/resend")

    assert response.status_code == 302
    assert mailbox.messages == []


# --- Links that must not work ---------------------------------------------------------------


def test_link_older_than_48_hours_is_refused_and_younger_works(app, registered, client):
    payload = payload_of(app, registered)

    assert_refused(app, client, f"/confirm/{signed(app, payload, age=FORTY_EIGHT_HOURS + 5)}")
    client.get(f"/confirm/{signed(app, payload, age=FORTY_EIGHT_HOURS - 60)}")
    assert confirmed_at(app) is not None


@pytest.mark.parametrize(
    "token",
    ["", "x", "not.a.token", "a" * 500, "..", "%00", "%F0%9F%94%91", "eyJ1c2VyIjoxfQ.AAAA.BBBB"],
)
def test_garbage_token_is_refused(app, registered, client, token):
    url = f"/confirm/{token}"
    if token == "":
        assert client.get(url).status_code == 404
    elif token == "%00":
        assert client.get(url).status_code == 400  # NUL is refused before any view
    else:
        assert_refused(app, client, url)


def test_tampered_token_is_refused(app, registered, make_user, client):
    payload, timestamp, signature = token_of(registered).rsplit(".", 2)
    bob = make_user("bob", confirmed=False)
    bobs = signed(
        app, {"user": bob, "email": "bob@example.com", "was": "bob@example.com", "state": None}
    )
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]

    assert_refused(app, client, f"/confirm/{bobs.rsplit('.', 2)[0]}.{timestamp}.{signature}")
    assert_refused(app, client, f"/confirm/{payload}.{timestamp}.{flipped}")
    assert_refused(app, client, f"/confirm/{payload}.AAAAAA.{signature}")


def test_token_signed_with_another_salt_or_key_is_refused(app, registered, client):
    payload = payload_of(app, registered)

    for token in (
        signed(app, payload, salt=RESET_SALT),
        signed(app, payload, secret="some-other-secret"),
        URLSafeTimedSerializer(app.config["SECRET_KEY"]).dumps(payload),
    ):
        assert_refused(app, client, f"/confirm/{token}")


def test_a_reset_token_does_not_confirm_and_a_confirmation_token_does_not_reset(
    app, registered, client
):
    with app.app_context():
        reset_token = User.by_email("alice@example.com").get_reset_token()

    assert_refused(app, client, f"/confirm/{reset_token}")
    response = client.get(f"/reset_password/{token_of(registered)}")
    assert response.headers["Location"] == "/reset_password"
    assert 'name="password"' not in page_text(client.get("/reset_password"))


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "just a string",
        ["user", 1],
        {"user": 1},
        {"user": "alice", "email": "alice@example.com", "was": "alice@example.com", "state": None},
        {"user": 1, "email": ["x@example.com"], "was": "alice@example.com", "state": None},
        {"user": 1, "email": "alice@example.com", "was": None, "state": None},
        {"user": 1, "email": "alice@example.com", "was": "alice@example.com"},
        {"user": 1, "email": "alice@example.com", "was": "other@example.com", "state": None},
        {"user": 1, "email": "alice@example.com", "was": "alice@example.com", "state": "x"},
        {"user": 99999, "email": "alice@example.com", "was": "alice@example.com", "state": None},
        {"user": 2**80, "email": "alice@example.com", "was": "alice@example.com", "state": None},
    ],
)
def test_validly_signed_token_with_wrong_content_is_refused(app, registered, client, payload):
    assert_refused(app, client, f"/confirm/{signed(app, payload)}")


def test_link_for_a_deleted_account_is_refused(app, registered, client):
    with app.app_context():
        db.session.delete(User.by_email("alice@example.com"))
        db.session.commit()

    response = client.get(registered)

    assert response.headers["Location"] in HOME
    assert ("warning", BAD_LINK) in flashes(client.get("/"))


def test_registration_page_refuses_passwords_as_before_and_sends_nothing(auth, mailbox):
    response = auth.register(password="short")

    assert field_errors(response, "password")
    assert mailbox.messages == []

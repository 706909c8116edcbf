"""Forged, altered, expired, reused and misused tokens: the links in password reset,
address confirmation and email change emails. Each is taken from a real email, then
attacked; only the untouched link, used once, in time and for its own purpose, works."""

import itertools
import re
import time
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import urlsplit

import itsdangerous.timed
import pytest
from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int, int_to_bytes

from flaskblog.extensions import db, mail
from flaskblog.models import User
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import Forms, csrf_token_in, flashes
from tests.helpers.tokens import token_of

LINK = re.compile(r"https?://[^\s/]+(/(?:confirm|reset_password)/[^\s]+)")
BAD_RESET = "That reset link is invalid, expired or already used. Please ask for a new one."
BAD_CONFIRM = "That confirmation link is invalid, expired or already used."
NEW_PASSWORD = "a brand new passphrase"
HOUR = 60 * 60


def link_sent_to(outbox, address: str) -> str:
    """The path of the one link in the email sent to `address`."""
    (message,) = [message for message in outbox if message.recipients == [address]]
    (path,) = LINK.findall(message.body)
    return path


@pytest.fixture
def reset_link(forms, make_user):
    """The path of a reset link emailed to alice (who has an account)."""
    make_user("alice")

    def ask(email="alice@example.com") -> str:
        with mail.record_messages() as outbox:
            forms.submit("/reset_password", {"email": email})
        return link_sent_to(outbox, email)

    return ask


@pytest.fixture
def confirm_link(forms):
    """Register someone; the path of the confirmation link they are emailed."""

    def register(username="carol") -> str:
        email = f"{username}@example.com"
        with mail.record_messages() as outbox:
            forms.submit(
                "/register",
                {
                    "username": username,
                    "email": email,
                    "password": PASSWORD,
                    "confirm_password": PASSWORD,
                },
            )
        return link_sent_to(outbox, email)

    return register


@pytest.fixture
def change_link(app, make_user):
    """dave, logged in in his own browser, asks to change his address to `new`; the path of
    the link sent to `new`."""
    make_user("dave")
    daves = Forms(app.test_client())
    daves.submit("/login", {"email": "dave@example.com", "password": PASSWORD})

    def change(new="dave.new@example.com") -> str:
        with mail.record_messages() as outbox:
            daves.submit(
                "/account",
                {"username": "dave", "email": new, "current_password": PASSWORD},
            )
        return link_sent_to(outbox, new)

    return change


@pytest.fixture
def later(monkeypatch):
    """`with later(seconds): ...` makes everything itsdangerous signs or checks (these links,
    and the session cookie and CSRF token, which outlast the times used here) think that
    much time has passed."""
    offset = 0
    monkeypatch.setattr(
        itsdangerous.timed, "time", SimpleNamespace(time=lambda: time.time() + offset)
    )

    @contextmanager
    def passed(seconds: int):
        nonlocal offset
        offset = seconds
        try:
            yield
        finally:
            offset = 0

    return passed


def user(app, email: str) -> User | None:
    with app.app_context():
        return db.session.scalar(db.select(User).where(User.email == email))


def confirmed(app, email: str) -> bool:
    found = user(app, email)
    return found is not None and found.confirmed_at is not None


def password_works(app, email: str, password: str) -> bool:
    with app.app_context():
        return User.authenticate(email, password) is not None


def reset_password(client, forms, path: str):
    """Open a reset link and, if it offers the form, set NEW_PASSWORD."""
    page = client.get(path)
    if page.status_code != 200:
        return page
    return forms.submit(
        path, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, page=path
    )


def assert_reset_refused(app, client, forms, path: str) -> None:
    response = reset_password(client, forms, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/reset_password"
    assert ("warning", BAD_RESET) in flashes(client.get("/reset_password"))
    assert password_works(app, "alice@example.com", PASSWORD)


def assert_confirm_refused(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    messages = [message for _, message in flashes(client.get(response.headers["Location"]))]
    assert any(message.startswith(BAD_CONFIRM) for message in messages), messages


def tampered(token: str, other: str) -> list[str]:
    """Ways to alter `token`, some using `other`, a valid token of another account."""
    payload, timestamp, signature = token.rsplit(".", 2)
    other_payload = other.rsplit(".", 2)[0]
    issued = bytes_to_int(base64_decode(timestamp))
    flip = "A" if signature[-2] != "A" else "B"
    return [
        f"{other_payload}.{timestamp}.{signature}",  # someone else's account, this signature
        *(
            f"{payload}.{base64_encode(int_to_bytes(issued + shift)).decode()}.{signature}"
            for shift in (-HOUR, 1, 10 * 365 * 24 * HOUR)  # an older or newer issue date
        ),
        f"{payload}.{timestamp}.{signature[:-2]}{flip}{signature[-1]}",
        f"{payload}.{timestamp}.",
        f"{payload}.{timestamp}",
        f"{payload}..{signature}",
        payload,
        f"{payload}.{timestamp}.{signature}.{signature}",
        f"{payload}.{timestamp}.{signature.upper()}",
        token[:-1],
        f"eyJ1c2VyIjoxfQ.{timestamp}.{signature}",  # {"user":1}, unsigned
    ]


# --- Tampered ------------------------------------------------------------------------------


def test_an_altered_reset_link_is_refused(app, client, forms, reset_link, make_user):
    token = token_of(reset_link())
    make_user("bob")
    other = token_of(reset_link("bob@example.com"))

    for forged in tampered(token, other):
        assert_reset_refused(app, client, forms, f"/reset_password/{forged}")


def test_an_altered_confirmation_link_is_refused(app, client, confirm_link):
    token, other = token_of(confirm_link("carol")), token_of(confirm_link("erin"))

    for forged in tampered(token, other):
        assert_confirm_refused(client, f"/confirm/{forged}")
    assert not confirmed(app, "carol@example.com")


def test_an_altered_email_change_link_is_refused(app, client, change_link, confirm_link):
    token, other = token_of(change_link()), token_of(confirm_link("erin"))

    for forged in tampered(token, other):
        assert_confirm_refused(client, f"/confirm/{forged}")
    assert user(app, "dave@example.com") is not None
    assert user(app, "dave.new@example.com") is None


# --- Expired -------------------------------------------------------------------------------


def test_a_reset_link_expires_after_thirty_minutes(app, client, forms, reset_link, later):
    path = reset_link()

    with later(29 * 60):
        assert client.get(path).status_code == 200
    with later(31 * 60):
        assert_reset_refused(app, client, forms, path)


def test_a_confirmation_link_expires_after_48_hours(app, client, confirm_link, later):
    path = confirm_link()

    with later(49 * HOUR):
        assert_confirm_refused(client, path)
    assert not confirmed(app, "carol@example.com")
    with later(47 * HOUR):
        client.get(path)
    assert confirmed(app, "carol@example.com")


def test_an_email_change_link_expires_after_48_hours(app, client, change_link, later):
    path = change_link()

    with later(49 * HOUR):
        assert_confirm_refused(client, path)
    assert user(app, "dave.new@example.com") is None
    with later(47 * HOUR):
        client.get(path)
    assert confirmed(app, "dave.new@example.com")


# --- Reused --------------------------------------------------------------------------------


def test_a_reset_link_works_once(app, client, forms, reset_link):
    path = reset_link()

    assert reset_password(client, forms, path).headers["Location"] == "/login"
    assert password_works(app, "alice@example.com", NEW_PASSWORD)
    page = client.get(path)

    assert page.headers["Location"] == "/reset_password"
    assert ("warning", BAD_RESET) in flashes(client.get("/reset_password"))


def test_a_confirmation_link_works_once(app, client, confirm_link):
    path = confirm_link()
    client.get(path)
    first = user(app, "carol@example.com").confirmed_at

    assert_confirm_refused(client, path)
    assert user(app, "carol@example.com").confirmed_at == first


def test_an_old_email_change_link_cannot_move_the_address_back(app, client, change_link):
    first = change_link("first.new@example.com")
    client.get(first)
    second = change_link("second.new@example.com")
    client.get(second)

    assert_confirm_refused(client, first)
    assert_confirm_refused(client, second)
    assert confirmed(app, "second.new@example.com")
    assert user(app, "first.new@example.com") is None


def test_a_pending_email_change_link_dies_when_another_change_is_confirmed(
    app, client, change_link
):
    abandoned = change_link("abandoned@example.com")
    client.get(change_link("kept@example.com"))

    assert_confirm_refused(client, abandoned)
    assert confirmed(app, "kept@example.com")


# --- Used for something else ---------------------------------------------------------------


def test_a_confirmation_link_is_not_a_reset_link(app, client, forms, make_user, confirm_link):
    make_user("alice")
    with app.app_context():
        alice_confirm = db.session.scalar(
            db.select(User).where(User.username == "alice")
        ).get_email_token()

    for token in (alice_confirm, token_of(confirm_link())):
        assert_reset_refused(app, client, forms, f"/reset_password/{token}")


def test_an_email_change_link_is_not_a_reset_link(app, client, forms, make_user, change_link):
    make_user("alice")
    token = token_of(change_link())

    assert_reset_refused(app, client, forms, f"/reset_password/{token}")
    assert password_works(app, "dave@example.com", PASSWORD)


def test_a_reset_link_is_not_a_confirmation_link(app, client, forms, reset_link):
    with app.app_context():
        db.session.scalar(db.select(User)).confirmed_at = None
        db.session.commit()
    token = token_of(reset_link())

    assert_confirm_refused(client, f"/confirm/{token}")
    assert not confirmed(app, "alice@example.com")


def test_the_sites_other_signed_values_are_no_tokens(app, client, forms, make_user):
    # The session cookie and the CSRF token are signed with the same secret key.
    make_user("alice")
    forms.submit("/login", {"email": "alice@example.com", "password": PASSWORD})
    page = client.get("/account").get_data(as_text=True)
    csrf = csrf_token_in(page)
    session = client.get_cookie("session", domain="flaskblog.test").value
    with app.app_context():
        alice = db.session.scalar(db.select(User))
        alice.confirmed_at = None
        db.session.commit()
    client.post("/logout", data={"csrf_token": csrf})

    for token in (csrf, session):
        assert_confirm_refused(client, f"/confirm/{token}")
        assert_reset_refused(app, client, forms, f"/reset_password/{token}")
    assert not confirmed(app, "alice@example.com")


# --- Signed with another key ---------------------------------------------------------------


def test_tokens_signed_with_another_secret_key_are_refused(app, client, forms, make_user):
    # As another installation would sign them, or anyone who guessed at the key.
    make_user("alice")
    make_user("carol", confirmed=False)
    site_key = app.config["SECRET_KEY"]
    links = []
    with app.app_context():
        app.config["SECRET_KEY"] = "another site's secret key"
        try:
            for person in db.session.scalars(db.select(User).order_by(User.id)):
                links.append(f"/reset_password/{person.get_reset_token()}")
                links.append(f"/confirm/{person.get_email_token()}")
                links.append(f"/confirm/{person.get_email_token('moved@example.com')}")
        finally:
            app.config["SECRET_KEY"] = site_key

    for path in links:
        if path.startswith("/reset_password/"):
            assert_reset_refused(app, client, forms, path)
        else:
            assert_confirm_refused(client, path)
    assert not confirmed(app, "carol@example.com")
    assert user(app, "moved@example.com") is None


# --- Links in the address bar --------------------------------------------------------------


def test_pages_opened_from_a_link_do_not_leak_it_to_other_sites(client, reset_link, confirm_link):
    for path in (reset_link(), confirm_link()):
        response = client.get(path)

        assert response.headers["Referrer-Policy"] in (
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin",
        )
        assert urlsplit(response.headers.get("Location", "")).netloc in ("", "flaskblog.test")


def test_no_two_links_are_the_same(reset_link, confirm_link, make_user):
    make_user("bob")
    links = [reset_link(), reset_link("bob@example.com"), confirm_link("carol")]
    links.append(confirm_link("erin"))

    assert len({token_of(link) for link in links}) == len(links)
    for first, second in itertools.combinations(links, 2):
        assert token_of(first).rsplit(".", 1)[1] != token_of(second).rsplit(".", 1)[1]

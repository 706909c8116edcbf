"""The account's sensitive changes: the email address (only through a link sent to the new
one), the password, deleting the account, and taking one's data away as JSON."""

import io
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert

from flaskblog.extensions import db
from flaskblog.models import Avatar, Comment, Post, Tag, User, UserSession
from tests.helpers import factories
from tests.helpers.factories import PASSWORD
from tests.helpers.images import png
from tests.helpers.pages import AuthActions, Forms, field_errors, flashes, page_text

CONFIRM_LINK = re.compile(r"https?://\S+/confirm/\S+")
NEW_PASSWORD = "a brand new passphrase"
HOME = ("/", "/home")
UPDATED = "Your account has been updated."
PENDING = (
    "To change your email address, follow the link in the email on its way to new@example.com. "
    "Until then it stays alice@example.com."
)
NEED_PASSWORD = "Enter your current password."
WRONG_PASSWORD = "That is not your current password."
BAD_LINK = (
    "That confirmation link is invalid, expired or already used. "
    "Ask for a new one from the login page."
)
TAKEN_SINCE = "That email address now belongs to another account; yours has not changed."
PASSWORD_CHANGED = (
    "Your password has been changed: every other login and API token has ended, and links "
    "we emailed before (a pending change of address too) are cancelled."
)
DELETED = "Your account, with its posts, comments and picture, has been deleted."


def stored_email(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def password_works(app, email: str, password: str) -> bool:
    with app.app_context():
        return User.authenticate(email, password) is not None


def logins_of(app, user_id: int) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(UserSession).filter_by(user_id=user_id)).all())


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def confirm_link(mail) -> str:
    links = CONFIRM_LINK.findall(mail.text)
    assert len(links) == 1, f"expected one confirmation link in:\n{mail.text}"
    return links[0]


def another_device(app, email="alice@example.com", *, remember=False):
    """A second browser where the user logs in too; returns its client."""
    client = app.test_client()
    AuthActions(client, Forms(client)).login(email, remember=remember)
    assert is_logged_in(client)
    return client


# --- Changing the email address ---------------------------------------------------------------


@pytest.fixture
def smtp_app(build_app, mailbox):
    return build_app(**mailbox.settings())


def log_alice_in(app):
    """Alice, confirmed, in `app`, logged in; returns (her id, her browser)."""
    user_id = factories.make_user(app, "alice")
    client = app.test_client()
    AuthActions(client, Forms(client)).login()
    return user_id, client


@pytest.fixture
def smtp_alice(smtp_app):
    """Alice in the SMTP-sending app, logged in; returns (her id, her browser)."""
    return log_alice_in(smtp_app)


def change_email(client, email="new@example.com", password=PASSWORD, username="alice"):
    data = {"username": username, "email": email}
    if password is not None:
        data["current_password"] = password
    return Forms(client).submit("/account", data)


def test_account_form_asks_for_the_current_password(logged_in_alice, client):
    page = page_text(client.get("/account"))

    assert 'name="current_password"' in page
    assert 'autocomplete="current-password"' in page
    assert "Current password (to change your email)" in page


def test_email_change_sends_a_link_to_the_new_address_and_tells_the_old_one(
    smtp_app, smtp_alice, mailbox
):
    alice, client = smtp_alice

    response = change_email(client, "New@Example.com")

    assert response.headers["Location"] == "/account"
    page = client.get("/account")
    assert flashes(page) == [("info", PENDING)]
    assert stored_email(smtp_app, alice) == "alice@example.com"
    assert 'value="alice@example.com"' in page_text(page)
    to_new, to_old = sorted(mailbox.messages, key=lambda mail: mail.rcpt_tos != ["new@example.com"])
    assert to_new.rcpt_tos == ["new@example.com"]
    assert to_new.message["Subject"] == "Confirm your new flaskblog email address"
    assert confirm_link(to_new).startswith("http://flaskblog.test/confirm/")
    assert to_old.rcpt_tos == ["alice@example.com"]
    assert to_old.message["Subject"] == "Your flaskblog email address is being changed"
    assert "new@example.com" in to_old.text
    assert "/account/password" in to_old.text
    assert not CONFIRM_LINK.search(to_old.text)  # the old inbox cannot approve the move


def test_following_the_link_moves_the_account_to_the_new_address(smtp_app, smtp_alice, mailbox):
    alice, client = smtp_alice
    change_email(client)
    link = confirm_link(next(m for m in mailbox.messages if m.rcpt_tos == ["new@example.com"]))

    response = client.get(link)

    assert response.headers["Location"] in HOME
    assert (
        "success",
        "Thank you: new@example.com is confirmed as your email address.",
    ) in flashes(client.get("/"))
    assert stored_email(smtp_app, alice) == "new@example.com"
    assert password_works(smtp_app, "new@example.com", PASSWORD)
    assert not password_works(smtp_app, "alice@example.com", PASSWORD)


def test_the_email_change_link_works_once(smtp_app, smtp_alice, mailbox):
    alice, client = smtp_alice
    change_email(client)
    link = confirm_link(next(m for m in mailbox.messages if m.rcpt_tos == ["new@example.com"]))
    client.get(link)

    again = client.get(link)

    assert again.headers["Location"] in HOME
    assert ("warning", BAD_LINK) in flashes(client.get("/"))
    assert stored_email(smtp_app, alice) == "new@example.com"


def test_a_later_change_outdates_the_earlier_link(smtp_app, smtp_alice, mailbox):
    alice, client = smtp_alice
    change_email(client, "first@example.com")
    change_email(client, "second@example.com")
    links = {mail.rcpt_tos[0]: mail for mail in mailbox.messages if "/confirm/" in mail.text}
    first, second = (
        confirm_link(links["first@example.com"]),
        confirm_link(links["second@example.com"]),
    )

    client.get(second)
    assert stored_email(smtp_app, alice) == "second@example.com"

    client.get(first)
    assert ("warning", BAD_LINK) in flashes(client.get("/"))
    assert stored_email(smtp_app, alice) == "second@example.com"


def test_old_registration_link_cannot_undo_a_change(build_app, mailbox):
    app = build_app(**mailbox.settings())
    client = app.test_client()
    auth = AuthActions(client, Forms(client))
    auth.register(email="alice@exmaple.com")  # a typo
    registration_link = confirm_link(mailbox.messages[0])
    # Logged in since before an address had to be confirmed first.
    factories.set_confirmed(app, "alice@exmaple.com", True)
    auth.login("alice@exmaple.com")
    factories.set_confirmed(app, "alice@exmaple.com", False)

    change_email(client, "alice@example.com")
    client.get(confirm_link(mailbox.messages[1]))
    with app.app_context():
        alice = User.by_username("alice")
        assert (alice.email, alice.is_confirmed) == ("alice@example.com", True)
        alice = alice.id

    client.get(registration_link)
    assert ("warning", BAD_LINK) in flashes(client.get("/"))
    assert stored_email(app, alice) == "alice@example.com"


@pytest.mark.parametrize(
    ("password", "message"),
    [(None, NEED_PASSWORD), ("", NEED_PASSWORD), ("wrong!", WRONG_PASSWORD)],
)
def test_email_change_without_the_right_password_is_refused(
    smtp_app, smtp_alice, mailbox, password, message
):
    alice, client = smtp_alice

    response = change_email(client, password=password)

    assert response.status_code == 200
    assert field_errors(response, "current_password") == [message]
    assert stored_email(smtp_app, alice) == "alice@example.com"
    assert mailbox.messages == []


def test_a_stolen_session_cannot_move_the_account_or_lock_the_owner_out(
    smtp_app, smtp_alice, mailbox
):
    """Whoever holds only the cookie can neither change the address nor the password,
    nor delete the account."""
    alice, client = smtp_alice

    change_email(client, "mallory@example.com", password="guess")
    Forms(client).submit(
        "/account/password",
        {
            "current_password": "guess",
            "password": "mallory's own",
            "confirm_password": "mallory's own",
        },
    )
    Forms(client).submit("/account/delete", {"password": "guess"})

    assert stored_email(smtp_app, alice) == "alice@example.com"
    assert password_works(smtp_app, "alice@example.com", PASSWORD)
    assert mailbox.messages == []


def test_email_change_that_cannot_be_mailed_says_so(build_app, start_mailbox, caplog):
    refusing = start_mailbox(refuse=True)
    app = build_app(**refusing.settings())
    alice, client = log_alice_in(app)

    response = change_email(client)

    assert response.headers["Location"] == "/account"
    assert flashes(client.get("/account")) == [
        (
            "warning",
            "The email to new@example.com could not be sent, so your address stays "
            "alice@example.com. Please try again later.",
        )
    ]
    assert stored_email(app, alice) == "alice@example.com"
    assert f"Could not send the confirmation email to user {alice}" in caplog.text


def test_keeping_the_address_needs_no_password_and_sends_nothing(smtp_app, smtp_alice, mailbox):
    alice, client = smtp_alice

    response = change_email(client, "ALICE@example.com", password=None, username="Alice")

    assert response.headers["Location"] == "/account"
    assert flashes(client.get("/account")) == [("success", UPDATED)]
    with smtp_app.app_context():
        user = db.session.get(User, alice)
        assert (user.username, user.email) == ("Alice", "alice@example.com")
    assert mailbox.messages == []


def test_username_changes_at_once_while_the_email_waits(smtp_app, smtp_alice, mailbox):
    alice, client = smtp_alice

    change_email(client, username="alice2")

    assert flashes(client.get("/account")) == [("success", UPDATED), ("info", PENDING)]
    with smtp_app.app_context():
        user = db.session.get(User, alice)
        assert (user.username, user.email) == ("alice2", "alice@example.com")


def test_address_taken_when_asked_gets_the_usual_answer_and_no_link(smtp_app, smtp_alice, mailbox):
    alice, client = smtp_alice
    with smtp_app.app_context():
        db.session.add(User(username="bob", email="new@example.com", password_hash="x" * 60))
        db.session.commit()

    response = change_email(client, "NEW@example.com")

    # The same answer as for a free address, so the form cannot test who has an account.
    assert response.headers["Location"] == "/account"
    assert flashes(client.get("/account")) == [("info", PENDING)]
    assert stored_email(smtp_app, alice) == "alice@example.com"
    to_bob, to_alice = sorted(mailbox.messages, key=lambda m: m.rcpt_tos != ["new@example.com"])
    assert to_bob.rcpt_tos == ["new@example.com"]
    assert to_bob.message["Subject"] == "Someone tried to use your flaskblog email address"
    assert "already belongs to your account" in to_bob.text
    assert not CONFIRM_LINK.search(to_bob.text)
    assert to_alice.rcpt_tos == ["alice@example.com"]
    assert to_alice.message["Subject"] == "Your flaskblog email address is being changed"


def test_address_taken_before_the_link_is_followed_is_not_stolen(smtp_app, smtp_alice, mailbox):
    alice, client = smtp_alice
    change_email(client)
    link = confirm_link(next(m for m in mailbox.messages if m.rcpt_tos == ["new@example.com"]))
    with smtp_app.app_context():
        db.session.add(User(username="bob", email="new@example.com", password_hash="x" * 60))
        db.session.commit()

    response = client.get(link)

    assert response.headers["Location"] in HOME
    assert ("danger", TAKEN_SINCE) in flashes(client.get("/"))
    assert stored_email(smtp_app, alice) == "alice@example.com"


def test_address_taken_in_the_same_instant_as_the_confirmation_is_refused(build_app, monkeypatch):
    app = build_app(shared_sqlite=True)
    other_request = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    alice_id = factories.make_user(app, confirmed=False)
    with app.app_context():
        token = db.session.get(User, alice_id).get_email_token("new@example.com")
    confirm = User.confirm_email

    def confirm_as_bob_registers(user, email):
        # Bob's sign-up commits between the availability check and this commit.
        with other_request.begin() as connection:
            connection.execute(
                insert(User.__table__).values(username="bob", email=email, password_hash="x" * 60)
            )
        confirm(user, email)

    monkeypatch.setattr(User, "confirm_email", confirm_as_bob_registers)
    client = app.test_client()

    response = client.get(f"/confirm/{token}")

    other_request.dispose()
    assert response.status_code == 302
    assert ("danger", TAKEN_SINCE) in flashes(client.get("/"))
    with app.app_context():
        assert User.by_username("alice").email == "alice@example.com"
        assert User.by_username("alice").confirmed_at is None


# --- Changing the password --------------------------------------------------------------------


def change_password(forms, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return forms.submit(
        "/account/password",
        {
            "current_password": current,
            "password": new,
            "confirm_password": new if confirm is None else confirm,
        },
    )


def test_password_page_asks_for_the_current_and_a_new_password(logged_in_alice, client):
    page = page_text(client.get("/account/password"))

    assert "Change your password" in page
    for field in ("current_password", "password", "confirm_password"):
        assert f'name="{field}"' in page
    assert 'href="/account/password"' in page_text(client.get("/account"))


def test_changing_the_password(app, logged_in_alice, forms, client):
    response = change_password(forms)

    assert response.headers["Location"] == "/account"
    assert ("success", PASSWORD_CHANGED) in flashes(client.get("/account"))
    assert password_works(app, "alice@example.com", NEW_PASSWORD)
    assert not password_works(app, "alice@example.com", PASSWORD)
    assert is_logged_in(client)


def test_changing_the_password_ends_every_other_login_and_remember_cookie(
    app, logged_in_alice, forms, client
):
    phone = another_device(app, remember=True)
    laptop = another_device(app)
    assert logins_of(app, logged_in_alice) == 3

    change_password(forms)

    assert logins_of(app, logged_in_alice) == 1
    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)
    phone.delete_cookie("session", domain="flaskblog.test")  # only the remember cookie left
    assert not is_logged_in(phone)
    assert is_logged_in(client)


def test_this_login_keeps_its_own_remember_cookie(app, make_user, auth, forms, client):
    alice = make_user("alice")
    auth.login(remember=True)
    another_device(app)

    change_password(forms)

    client.delete_cookie("session", domain="flaskblog.test")  # the browser was closed
    assert is_logged_in(client)
    assert logins_of(app, alice) == 1


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("", NEW_PASSWORD, None, "current_password", NEED_PASSWORD),
        ("not it at all", NEW_PASSWORD, None, "current_password", WRONG_PASSWORD),
        ("p" * 129, NEW_PASSWORD, None, "current_password", None),
        (PASSWORD, "1234567", None, "password", "Field must be between 8 and 128 characters long."),
        (PASSWORD, "a" * 129, None, "password", "Field must be between 8 and 128 characters long."),
        (PASSWORD, "", None, "password", "This field is required."),
        (
            PASSWORD,
            NEW_PASSWORD,
            NEW_PASSWORD + "!",
            "confirm_password",
            "The passwords do not match.",
        ),
        (
            PASSWORD,
            PASSWORD,
            None,
            "password",
            "Choose a password different from your current one.",
        ),
    ],
    ids=[
        "no-current",
        "wrong-current",
        "overlong-current",
        "short",
        "long",
        "empty",
        "mismatch",
        "unchanged",
    ],
)
def test_password_change_with_bad_input_changes_nothing(
    app, logged_in_alice, forms, current, new, confirm, field, message
):
    laptop = another_device(app)

    response = change_password(forms, current, new, confirm)

    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors if message is None else message in errors
    assert password_works(app, "alice@example.com", PASSWORD)
    assert is_logged_in(laptop)


def test_password_change_voids_a_reset_link_sent_before(app, logged_in_alice, forms, client):
    with app.app_context():
        token = db.session.get(User, logged_in_alice).get_reset_token()

    change_password(forms)
    auth_client = app.test_client()

    assert auth_client.get(f"/reset_password/{token}").headers["Location"] == "/reset_password"


def test_password_change_without_csrf_token_is_refused(app, logged_in_alice, client):
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )

    assert response.status_code == 400
    assert password_works(app, "alice@example.com", PASSWORD)


@pytest.mark.parametrize("page", ["/account/password", "/account/delete", "/account/export"])
def test_account_pages_need_a_login(client, page):
    response = client.get(page)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# --- Deleting the account ---------------------------------------------------------------------


@pytest.fixture
def alices_world(app, make_user, make_posts, logged_in_alice, forms):
    """Alice with posts (one a draft, one tagged), a picture, comments on her own and Bob's
    posts; Bob with a post and a comment on Alice's. Returns the ids of Bob's things."""
    bob = make_user("bob")
    [alices_post] = make_posts(logged_in_alice, 1, title="Alice writes")
    make_posts(logged_in_alice, 1, title="Alice drafts", published=False)
    [bobs_post] = make_posts(bob, 1, title="Bob writes")
    with app.app_context():
        db.session.get(Post, alices_post).tags = Tag.named(["python"])
        db.session.get(Post, bobs_post).tags = Tag.named(["python"])
        bobs_comment = Comment(body="Bob on Alice", post_id=alices_post, user_id=bob)
        db.session.add_all(
            [
                Comment(body="Alice on Bob", post_id=bobs_post, user_id=logged_in_alice),
                Comment(body="Alice on Alice", post_id=alices_post, user_id=logged_in_alice),
                bobs_comment,
                Comment(body="Bob on Bob", post_id=bobs_post, user_id=bob),
            ]
        )
        db.session.commit()
        bobs_comment = bobs_comment.id
    forms.submit(
        "/account",
        {
            "username": "alice",
            "email": "alice@example.com",
            "picture": (io.BytesIO(png(colour=(200, 30, 30))), "me.png"),
        },
    )
    with app.app_context():
        assert db.session.get(Avatar, logged_in_alice) is not None
    return {"bob": bob, "post": bobs_post, "comment": bobs_comment}


def test_delete_page_warns_and_asks_for_the_password(logged_in_alice, client):
    page = page_text(client.get("/account/delete"))

    assert "Delete your account" in page
    assert "cannot be undone" in page
    assert 'name="password"' in page
    assert 'href="/account/delete"' in page_text(client.get("/account"))


def test_deleting_the_account_removes_everything_of_it_and_logs_out(
    app, logged_in_alice, alices_world, forms, client
):
    laptop = another_device(app)

    response = forms.submit("/account/delete", {"password": PASSWORD})

    assert response.headers["Location"] in HOME
    home = client.get("/")
    assert ("info", DELETED) in flashes(home)
    assert "Log in" in page_text(home)
    assert not is_logged_in(client)
    assert not is_logged_in(laptop)
    with app.app_context():
        assert db.session.get(User, logged_in_alice) is None
        assert db.session.scalars(db.select(Post.title)).all() == ["Bob writes"]
        assert sorted(db.session.scalars(db.select(Comment.body))) == ["Bob on Bob"]
        assert db.session.get(Avatar, logged_in_alice) is None
        assert (
            db.session.scalars(db.select(UserSession).filter_by(user_id=logged_in_alice)).all()
            == []
        )
        assert db.session.get(Post, alices_world["post"]).tags[0].name == "python"
    assert client.get("/user/alice").status_code == 404
    assert client.get(f"/post/{alices_world['post']}").status_code == 200


def test_a_deleted_account_cannot_log_in_and_its_name_is_free_again(
    app, logged_in_alice, make_posts, forms, client
):
    make_posts(logged_in_alice, 2)
    forms.submit("/account/delete", {"password": PASSWORD})
    auth = AuthActions(client, forms)

    assert auth.login().status_code == 200
    assert auth.register().headers["Location"] == "/login"
    with app.app_context():
        newcomer = User.by_username("alice")
        assert not newcomer.is_confirmed
        assert db.session.scalars(db.select(Post)).all() == []


@pytest.mark.parametrize(
    ("password", "message"), [("", NEED_PASSWORD), ("wrong!", WRONG_PASSWORD), ("p" * 129, None)]
)
def test_delete_without_the_right_password_deletes_nothing(
    app, logged_in_alice, alices_world, forms, client, password, message
):
    response = forms.submit("/account/delete", {"password": password})

    assert response.status_code == 200
    errors = field_errors(response, "password")
    assert errors if message is None else errors == [message]
    assert is_logged_in(client)
    with app.app_context():
        assert db.session.get(User, logged_in_alice) is not None
        assert len(db.session.scalars(db.select(Post)).all()) == 3
        assert len(db.session.scalars(db.select(Comment)).all()) == 4


def test_delete_without_csrf_token_is_refused(app, logged_in_alice, client):
    response = client.post("/account/delete", data={"password": PASSWORD})

    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, logged_in_alice) is not None


# --- Exporting one's data ---------------------------------------------------------------------


def export(client):
    response = client.get("/account/export")
    assert response.status_code == 200
    return response, json.loads(response.get_data(as_text=True))


def test_export_is_a_json_download_named_after_the_user(logged_in_alice, client):
    response, _ = export(client)

    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == "attachment; filename=flaskblog-alice.json"
    assert 'href="/account/export"' in page_text(client.get("/account"))


def test_export_holds_the_profile_posts_and_comments_but_no_secrets(
    app, logged_in_alice, alices_world, client
):
    response, data = export(client)

    with app.app_context():
        user = db.session.get(User, logged_in_alice)
        password_hash, digest = user.password_hash, user.avatar.digest
        created, confirmed = user.created_at.isoformat(), user.confirmed_at.isoformat()
    assert data["profile"] == {
        "username": "alice",
        "email": "alice@example.com",
        "confirmed": True,
        "confirmed_at": confirmed,
        "created_at": created,
        "picture_url": f"http://flaskblog.test/avatar/{logged_in_alice}/{digest}.webp",
        "about_me": None,
        "website": None,
        "timezone": "UTC",
        "language": "en",
    }
    body = response.get_data(as_text=True)
    assert password_hash not in body
    assert "password" not in body
    assert [
        (post["title"], post["status"], post["tags"], post["url"]) for post in data["posts"]
    ] == [
        ("Alice writes", "published", ["python"], "http://flaskblog.test/post/1/alice-writes"),
        ("Alice drafts", "draft", [], "http://flaskblog.test/post/2/alice-drafts"),
    ]
    first = data["posts"][0]
    assert first["content_markdown"] == "Body of post 1."
    assert first["created_at"] == "2026-01-01T00:01:00+00:00"
    assert first["published_at"] == "2026-01-01T00:01:00+00:00"
    assert data["posts"][1]["published_at"] is None
    comments = [(c["body"], c["post_id"], c["post_title"], c["url"]) for c in data["comments"]]
    assert comments == [
        (
            "Alice on Bob",
            alices_world["post"],
            "Bob writes",
            "http://flaskblog.test/post/3/bob-writes#comment-1",
        ),
        (
            "Alice on Alice",
            1,
            "Alice writes",
            "http://flaskblog.test/post/1/alice-writes#comment-2",
        ),
    ]
    assert all(comment["created_at"] for comment in data["comments"])
    assert "Bob on Bob" not in body and "Bob on Alice" not in body


def test_export_hides_the_title_and_address_of_a_post_taken_back_as_a_draft(
    app, logged_in_alice, alices_world, client
):
    with app.app_context():
        bobs_post = db.session.get(Post, alices_world["post"])
        bobs_post.title = "Bob's secret plans"
        bobs_post.unpublish()
        db.session.commit()

    response, data = export(client)

    [on_bobs] = [c for c in data["comments"] if c["post_id"] == alices_world["post"]]
    assert on_bobs["body"] == "Alice on Bob"  # her own words stay hers
    assert (on_bobs["post_title"], on_bobs["url"]) == (None, None)
    body = response.get_data(as_text=True)
    assert "secret plans" not in body
    assert f"/post/{alices_world['post']}/" not in body


def test_export_says_which_posts_are_scheduled_and_when(app, logged_in_alice, client):
    when = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)
    factories.add_scheduled_post(app, logged_in_alice, title="Next year", when=when)

    _, data = export(client)

    [post] = data["posts"]
    assert (post["status"], post["published_at"]) == ("scheduled", when.isoformat())


def test_export_of_a_new_unconfirmed_account_is_almost_empty(app, auth, client):
    factories.log_in_unconfirmed(app, auth)

    _, data = export(client)

    assert data["profile"]["confirmed"] is False
    assert data["profile"]["confirmed_at"] is None
    assert data["profile"]["picture_url"] is None
    assert data["posts"] == data["comments"] == []


def test_export_costs_the_same_queries_however_much_was_written(
    app, logged_in_alice, make_posts, client, count_queries
):
    def queries_for_export() -> int:
        with count_queries() as queries:
            export(client)
        return len(queries)

    make_posts(logged_in_alice, 2)
    few = queries_for_export()
    with app.app_context():
        for post in db.session.scalars(db.select(Post)):
            post.tags = Tag.named(["a", "b"])
            db.session.add(Comment(body="Me again", post=post, user_id=logged_in_alice))
        db.session.commit()
    make_posts(logged_in_alice, 10)

    assert queries_for_export() == few

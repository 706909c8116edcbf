"""Admins moderate: they edit or delete any published post, delete any comment, and disable
or enable accounts; drafts stay their authors' alone, and nobody else gets these powers."""

import pytest
from flask_login import AnonymousUserMixin

from flaskblog.extensions import db
from flaskblog.models import Comment, Post, User, UserSession
from tests.helpers.pages import AuthActions, Forms, flashes, page_text

DISABLED = "This account has been disabled."


@pytest.fixture
def bob(make_user):
    return make_user("bob")


class Browser:
    """One person's browser: its own cookies (not pytest-flask's `client`, whose last request
    context stays pushed and would share Flask-Login's cached user with other clients)."""

    def __init__(self, app):
        self.client = app.test_client()
        self.forms = Forms(self.client)
        self.auth = AuthActions(self.client, self.forms)
        self.user_id: int | None = None

    def login(self, email: str, remember: bool = False):
        return self.auth.login(email, remember=remember)

    def page(self, url: str) -> str:
        return self.client.get(url).get_data(as_text=True)


@pytest.fixture
def browser(app):
    """`browser()`: a browser of its own, for one more person."""
    return lambda: Browser(app)


@pytest.fixture
def root(make_user, browser) -> Browser:
    """An admin, logged in."""
    admin = browser()
    admin.user_id = make_user("root", admin=True)
    admin.login("root@example.com")
    return admin


def shows_logged_in(client) -> bool:
    return "Log out" in page_text(client.get("/about"))


def get_user(app, user_id: int) -> User:
    """The user as the database holds it now (detached: read its columns only)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def sessions_of(app, user_id: int) -> int:
    with app.app_context():
        return len(
            db.session.scalars(db.select(UserSession).where(UserSession.user_id == user_id)).all()
        )


def add_comment(app, post_id: int, user_id: int, body: str = "A comment.") -> int:
    with app.app_context():
        comment = Comment(body=body, post_id=post_id, user_id=user_id)
        db.session.add(comment)
        db.session.commit()
        return comment.id


def exists(app, model, row_id: int) -> bool:
    with app.app_context():
        return db.session.get(model, row_id) is not None


# --- Posts and comments ---------------------------------------------------------------------


def test_an_admin_edits_someone_elses_published_post(app, bob, make_posts, root):
    [post_id] = make_posts(bob)

    response = root.forms.submit(
        f"/post/{post_id}/update", {"title": "Moderated title", "content": "Cleaned up."}
    )

    assert response.status_code == 302
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.title, post.content, post.user_id) == ("Moderated title", "Cleaned up.", bob)
        assert post.is_published


def test_an_admin_deletes_someone_elses_post(app, bob, make_posts, root):
    [post_id] = make_posts(bob)

    response = root.forms.submit(f"/post/{post_id}/delete", page=f"/post/{post_id}")

    assert response.status_code == 302
    assert ("success", "The post has been deleted.") in flashes(root.client.get(response.location))
    assert not exists(app, Post, post_id)
    assert get_user(app, bob).disabled_at is None  # the author keeps their account


def test_an_admin_sees_edit_and_delete_on_every_published_post(bob, make_posts, root):
    [post_id] = make_posts(bob)

    page = root.page(f"/post/{post_id}")

    assert f'href="/post/{post_id}/update"' in page
    assert f'action="/post/{post_id}/delete"' in page


def test_drafts_stay_private_even_from_admins(app, bob, make_posts, root):
    [draft] = make_posts(bob, published=False)

    assert root.client.get(f"/post/{draft}").status_code == 404
    assert root.client.get(f"/post/{draft}/update").status_code == 404
    assert root.forms.submit(f"/post/{draft}/delete", page="/account").status_code == 404
    assert exists(app, Post, draft)


def test_other_users_still_cannot_edit_or_delete_a_post(app, bob, bobs_post, browser):
    post_id = bobs_post
    carol = browser()
    carol.login("carol@example.com")

    assert carol.client.get(f"/post/{post_id}/update").status_code == 403
    page = f"/post/{post_id}"
    assert carol.forms.submit(f"/post/{post_id}/delete", page=page).status_code == 403
    html = carol.page(page)
    assert f"/post/{post_id}/update" not in html
    assert f"/post/{post_id}/delete" not in html
    assert exists(app, Post, post_id)


@pytest.fixture
def bobs_post(make_user, make_posts, bob):
    """A published post by bob; carol, a user who is not an admin, exists too."""
    make_user("carol")
    return make_posts(bob)[0]


def test_an_admin_deletes_any_comment(app, bob, make_user, make_posts, root):
    carol = make_user("carol")
    [post_id] = make_posts(bob)
    comment_id = add_comment(app, post_id, carol)
    assert f'action="/comment/{comment_id}/delete"' in root.page(f"/post/{post_id}")

    response = root.forms.submit(f"/comment/{comment_id}/delete", page=f"/post/{post_id}")

    assert response.status_code == 302
    assert not exists(app, Comment, comment_id)


def test_a_user_cannot_delete_someone_elses_comment_on_someone_elses_post(
    app, bob, bobs_post, browser
):
    comment_id = add_comment(app, bobs_post, bob)
    carol = browser()
    carol.login("carol@example.com")

    response = carol.forms.submit(f"/comment/{comment_id}/delete", page="/account")

    assert response.status_code == 403
    assert exists(app, Comment, comment_id)


def test_admin_rights_in_the_model(app, bob, make_user, make_posts):
    admin, carol = make_user("root", admin=True), make_user("carol")
    [published] = make_posts(bob)
    [draft] = make_posts(bob, published=False)
    comment_id = add_comment(app, published, carol)
    with app.app_context():
        users = {name: db.session.get(User, i) for name, i in [("root", admin), ("bob", bob)]}
        users["carol"], users["nobody"] = db.session.get(User, carol), AnonymousUserMixin()
        post, hidden = db.session.get(Post, published), db.session.get(Post, draft)
        comment = db.session.get(Comment, comment_id)

        can_edit = {name: post.can_edit(user) for name, user in users.items()}
        can_edit_draft = {name: hidden.can_edit(user) for name, user in users.items()}
        can_delete = {name: comment.can_delete(user) for name, user in users.items()}

    assert can_edit == {"root": True, "bob": True, "carol": False, "nobody": False}
    assert can_edit_draft == {"root": False, "bob": True, "carol": False, "nobody": False}
    assert can_delete == {"root": True, "bob": True, "carol": True, "nobody": False}


# --- Disabling and enabling accounts ----------------------------------------------------------


def test_an_admin_disables_an_account(app, bob, root, browser):
    bobs_phone = browser()
    bobs_phone.login("bob@example.com", remember=True)

    response = root.forms.submit("/user/bob/disable", page="/user/bob")

    assert response.status_code == 302
    assert response.location == "/user/bob"
    assert ("success", "bob is disabled and logged out everywhere.") in flashes(
        root.client.get("/user/bob")
    )
    assert get_user(app, bob).disabled_at is not None
    assert sessions_of(app, bob) == 0
    assert not shows_logged_in(bobs_phone.client)


def test_a_disabled_account_cannot_log_in(app, bob, root, browser):
    root.forms.submit("/user/bob/disable", page="/user/bob")
    bobs_laptop = browser()

    response = bobs_laptop.login("bob@example.com")

    assert response.status_code == 200
    assert ("danger", DISABLED) in flashes(response)
    assert not shows_logged_in(bobs_laptop.client)
    assert sessions_of(app, bob) == 0


def test_an_admin_enables_an_account_again(app, bob, root, browser):
    root.forms.submit("/user/bob/disable", page="/user/bob")

    response = root.forms.submit("/user/bob/enable", page="/user/bob")

    assert response.status_code == 302
    assert ("success", "bob can log in again.") in flashes(root.client.get("/user/bob"))
    assert get_user(app, bob).disabled_at is None
    bobs_laptop = browser()
    assert bobs_laptop.login("bob@example.com").status_code == 302
    assert shows_logged_in(bobs_laptop.client)


def test_an_admin_cannot_disable_themselves(app, root):
    response = root.forms.submit("/user/root/disable", page="/user/root")

    assert response.status_code == 302
    assert ("danger", "You cannot disable your own account.") in flashes(
        root.client.get("/user/root")
    )
    assert get_user(app, root.user_id).disabled_at is None
    assert shows_logged_in(root.client)


def test_an_admin_can_disable_another_admin(app, make_user, root):
    other = make_user("deputy", admin=True)

    root.forms.submit("/user/deputy/disable", page="/user/deputy")

    assert get_user(app, other).disabled_at is not None


@pytest.mark.parametrize("action", ["disable", "enable"])
def test_users_who_are_not_admins_get_a_403(app, bob, make_user, browser, action):
    make_user("carol")
    carol = browser()
    carol.login("carol@example.com")
    bobs_phone = browser()
    bobs_phone.login("bob@example.com")

    response = carol.forms.submit(f"/user/bob/{action}", page="/user/bob")

    assert response.status_code == 403
    assert get_user(app, bob).disabled_at is None
    assert shows_logged_in(bobs_phone.client)


@pytest.mark.parametrize("action", ["disable", "enable"])
def test_visitors_are_sent_to_log_in(app, bob, browser, action):
    response = browser().forms.submit(f"/user/bob/{action}", page="/login")

    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    assert get_user(app, bob).disabled_at is None


@pytest.mark.parametrize("action", ["disable", "enable"])
def test_disable_and_enable_need_the_csrf_token(app, bob, root, action):
    response = root.client.post(f"/user/bob/{action}")

    assert response.status_code == 400
    assert get_user(app, bob).disabled_at is None


def test_disable_and_enable_are_post_only(bob, root):
    assert root.client.get("/user/bob/disable").status_code == 405
    assert root.client.get("/user/bob/enable").status_code == 405


@pytest.mark.parametrize("username", ["nobody", "x" * 300, "%27%20OR%201=1--"])
def test_disabling_an_unknown_user_is_a_404(root, username):
    assert root.forms.submit(f"/user/{username}/disable", page="/account").status_code == 404


def test_usernames_in_admin_urls_ignore_case(app, bob, root):
    root.forms.submit("/user/BOB/disable", page="/user/bob")

    assert get_user(app, bob).disabled_at is not None


def test_the_user_page_offers_disable_and_enable_to_admins_only(app, bob, make_user, root, browser):
    make_user("carol")
    carol, visitor = browser(), browser()
    carol.login("carol@example.com")

    assert 'action="/user/bob/disable"' in root.page("/user/bob")
    assert 'action="/user/root/disable"' not in root.page("/user/root")
    for other in (carol, visitor):
        assert "/user/bob/disable" not in other.page("/user/bob")
        assert 'id="admin-heading"' not in other.page("/user/bob")

    root.forms.submit("/user/bob/disable", page="/user/bob")
    page = root.page("/user/bob")
    assert 'action="/user/bob/enable"' in page
    assert 'action="/user/bob/disable"' not in page
    assert "cannot log in" in page


def test_a_disabled_users_posts_stay_up(app, bob, make_posts, root, browser):
    [post_id] = make_posts(bob, title="Still here")
    root.forms.submit("/user/bob/disable", page="/user/bob")

    visitor = browser()
    assert visitor.client.get(f"/post/{post_id}").status_code == 200
    assert "Still here" in page_text(visitor.client.get("/user/bob"))

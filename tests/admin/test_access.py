"""Only admins reach the admin console: a visitor is asked to log in, anyone else gets a 403
(as the site's other admin-only actions answer), and no action changes anything for them."""

import pytest

from flaskblog.extensions import db
from flaskblog.models import User
from tests.helpers.pages import csrf_token_from

PAGES = ["/admin", "/admin/users", "/admin/users?q=bob&page=1"]
ACTIONS = ["disable", "enable", "promote", "demote", "reset-2fa"]


@pytest.fixture
def bob(make_user) -> int:
    return make_user("bob")


def state_of(app, username: str) -> tuple:
    with app.app_context():
        user = User.by_username(username)
        return user.is_admin, user.disabled_at, user.security_stamp


@pytest.mark.parametrize("url", PAGES)
def test_a_visitor_is_asked_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("url", PAGES)
def test_a_user_who_is_not_an_admin_is_refused(client, logged_in_alice, url):
    assert client.get(url).status_code == 403


def test_the_admin_link_is_shown_to_admins_only(client, auth, make_user, logged_in_alice):
    assert 'href="/admin"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    make_user("ada", admin=True)
    auth.login("ada@example.com")

    assert 'href="/admin"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("action", ACTIONS)
def test_a_user_who_is_not_an_admin_cannot_act(app, client, logged_in_alice, bob, action):
    before = state_of(app, "bob")
    token = csrf_token_from(client.get("/account"))

    response = client.post(f"/admin/users/bob/{action}", data={"csrf_token": token})

    assert response.status_code == 403
    assert state_of(app, "bob") == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_visitor_cannot_act(app, client, bob, action):
    before = state_of(app, "bob")
    token = csrf_token_from(client.get("/login"))

    response = client.post(f"/admin/users/bob/{action}", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert state_of(app, "bob") == before


def test_a_disabled_admin_is_logged_out_of_the_console(app, client, make_user, auth):
    ada = make_user("ada", admin=True)
    auth.login("ada@example.com")
    with app.app_context():
        db.session.get(User, ada).disable()
        db.session.commit()

    assert client.get("/admin").status_code == 302

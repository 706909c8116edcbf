"""Broken access control: every route that is not public, found by walking the URL map,
turns away visitors who are not logged in (to the login page, coming back afterwards),
other users (403, or 404 for someone else's draft) and non-admins, with nothing changed.
Users act on their own account only, whatever ids or fields they send."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from flaskblog.extensions import db, mail
from flaskblog.models import Comment, Post, User
from tests.helpers.api import get_token
from tests.helpers.attack_surface import (
    ACCESS,
    ADMIN,
    API_AUTHOR,
    API_OWNER,
    API_TOKEN,
    NEEDS_LOGIN,
    OWNER,
    PUBLIC,
    VISITOR,
    all_rules,
    csrf_token,
    database_snapshot,
    log_in,
    log_in_elsewhere,
    make_world,
    methods_of,
    rule_id,
    sample_url,
)
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import flashes, page_text

ROUTES = [(rule, method) for rule in all_rules() for method in methods_of(rule)]


def routes_for(*levels: str) -> list:
    return [(rule, method) for rule, method in ROUTES if ACCESS.get(rule.endpoint) in levels]


def ids(routes) -> list[str]:
    return [rule_id(rule, method) for rule, method in routes]


LOGIN_ROUTES = routes_for(*NEEDS_LOGIN)
OWNER_ROUTES = routes_for(OWNER)
ADMIN_ROUTES = routes_for(ADMIN)
API_TOKEN_ROUTES = routes_for(API_TOKEN, API_OWNER, API_AUTHOR)
API_OWNER_ROUTES = routes_for(API_OWNER)
API_AUTHOR_ROUTES = routes_for(API_AUTHOR)
PUBLIC_PAGES = [(rule, method) for rule, method in routes_for(PUBLIC) if method == "GET"]


@pytest.fixture
def world(app):
    return make_world(app)


def send(client, url: str, data: dict | None = None, method: str = "POST"):
    """Request `url` as a browser would: a POST carries the form's valid CSRF token, so
    that only the access check can stop it."""
    if method == "GET":
        return client.get(url)
    token = csrf_token(client, "/account" if logged_in(client) else "/login")
    return client.open(url, method=method, data={**(data or {}), "csrf_token": token})


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def assert_sent_to_log_in(response) -> None:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    (next_page,) = parse_qs(location.query)["next"]
    assert next_page.startswith("/") and not next_page.startswith("//")


def test_every_route_is_classified():
    endpoints = {rule.endpoint for rule in all_rules()}

    unclassified = endpoints - ACCESS.keys()
    assert not unclassified, (
        f"decide who may use {sorted(unclassified)}: add them to ACCESS in "
        "tests/helpers/attack_surface.py"
    )
    assert ACCESS.keys() <= endpoints, "ACCESS names routes that no longer exist"


@pytest.mark.parametrize(("rule", "method"), LOGIN_ROUTES, ids=ids(LOGIN_ROUTES))
def test_visitors_who_are_not_logged_in_are_sent_to_log_in(app, client, world, rule, method):
    before = database_snapshot(app)

    response = send(client, sample_url(rule, world), method=method)

    assert_sent_to_log_in(response)
    assert database_snapshot(app) == before


@pytest.mark.parametrize(("rule", "method"), PUBLIC_PAGES, ids=ids(PUBLIC_PAGES))
def test_public_pages_need_no_login(client, world, rule, method):
    response = client.get(sample_url(rule, world))

    assert response.status_code in (200, 301, 302, 304, 404)
    # (Confirming an address sends a visitor on to log in, but not as a condition.)
    assert "next" not in parse_qs(urlsplit(response.headers.get("Location", "")).query)


@pytest.mark.parametrize(("rule", "method"), routes_for(VISITOR), ids=ids(routes_for(VISITOR)))
def test_logged_in_users_are_sent_home_from_the_visitors_pages(client, world, rule, method):
    log_in(client, "bob@example.com")

    response = send(client, sample_url(rule, world), {"email": "bob@example.com"}, method)

    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "/home")


@pytest.mark.parametrize(("rule", "method"), OWNER_ROUTES, ids=ids(OWNER_ROUTES))
def test_other_users_are_refused_someone_elses_posts_and_comments(app, client, world, rule, method):
    # bob wrote neither alice's post nor her comment under it, and is no admin.
    log_in(client, "bob@example.com")
    url = sample_url(rule, world, comment_id=world.alice_comment_id)
    before = database_snapshot(app)

    response = send(client, url, {"title": "Taken over", "content": "Mine now."}, method)

    assert response.status_code == 403
    assert database_snapshot(app) == before


@pytest.mark.parametrize("who", ["bob@example.com", "ada@example.com"], ids=["user", "admin"])
@pytest.mark.parametrize(
    ("rule", "method"),
    [(rule, method) for rule, method in OWNER_ROUTES if "post_id" in rule.arguments],
    ids=ids([(rule, method) for rule, method in OWNER_ROUTES if "post_id" in rule.arguments]),
)
def test_someone_elses_draft_is_not_found_even_by_an_admin(app, client, world, rule, method, who):
    log_in(client, who)
    before = database_snapshot(app)

    response = send(client, sample_url(rule, world, post_id=world.draft_id), method=method)

    assert response.status_code == 404
    assert database_snapshot(app) == before


def test_comments_under_a_post_taken_back_to_drafts_are_out_of_reach(app, client, world):
    with app.app_context():
        db.session.get(Post, world.post_id).unpublish()
        db.session.commit()
    log_in(client, "ada@example.com")  # even an admin's
    before = database_snapshot(app)

    response = send(client, f"/comment/{world.comment_id}/delete")

    assert response.status_code == 404
    assert database_snapshot(app) == before


@pytest.mark.parametrize("who", ["bob@example.com", "alice@example.com"])
@pytest.mark.parametrize(("rule", "method"), ADMIN_ROUTES, ids=ids(ADMIN_ROUTES))
def test_users_who_are_not_admins_are_refused_the_admin_routes(
    app, client, world, rule, method, who
):
    log_in(client, who)
    before = database_snapshot(app)

    response = send(client, sample_url(rule, world, username="ada"), method=method)

    assert response.status_code == 403
    assert database_snapshot(app) == before


# --- The same routes work for the people they are for (so the refusals above mean something)


def test_the_author_can_edit_and_delete_her_own_post(app, client, world):
    log_in(client, "alice@example.com")

    assert client.get(f"/post/{world.post_id}/update").status_code == 200
    response = send(client, f"/post/{world.post_id}/delete")

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Post, world.post_id) is None


def test_an_admin_can_edit_a_published_post_and_delete_a_comment_of_someone_else(
    app, client, world
):
    log_in(client, "ada@example.com")

    edited = send(
        client,
        f"/post/{world.post_id}/update",
        {"title": "Moderated", "content": "Edited by an admin."},
    )
    deleted = send(client, f"/comment/{world.comment_id}/delete")

    assert edited.status_code == 302
    assert deleted.status_code == 302
    with app.app_context():
        assert db.session.get(Post, world.post_id).title == "Moderated"
        assert db.session.get(Comment, world.comment_id) is None


def test_an_admin_can_disable_an_account(app, client, world):
    log_in(client, "ada@example.com")

    response = send(client, "/user/bob/disable")

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, world.bob).disabled_at is not None


# --- Users act on their own account only ------------------------------------------------


def test_export_holds_only_the_users_own_data(client, world):
    log_in(client, "bob@example.com")

    response = client.get("/account/export")

    assert response.status_code == 200
    export = json.loads(response.get_data(as_text=True))
    assert export["profile"]["email"] == "bob@example.com"
    assert export["posts"] == []
    assert [comment["body"] for comment in export["comments"]] == ["A comment by bob."]
    text = json.dumps(export)
    for someone_elses in ("alice@example.com", "A draft", "Not yet.", "A reply by alice"):
        assert someone_elses not in text


def test_drafts_page_lists_only_the_users_own_drafts(client, world):
    log_in(client, "bob@example.com")

    response = client.get("/drafts")

    assert response.status_code == 200
    assert "A draft" not in page_text(response)


def test_a_user_cannot_end_someone_elses_session(app, client, world):
    ada_session = log_in_elsewhere(app, world, "ada@example.com")
    log_in(client, "bob@example.com")
    before = database_snapshot(app)

    response = send(client, f"/account/sessions/{ada_session}/end")

    assert response.status_code == 302
    assert database_snapshot(app) == before


def test_the_sessions_page_shows_only_the_users_own_logins(app, client, world):
    log_in_elsewhere(app, world, "ada@example.com")
    log_in(client, "bob@example.com")

    response = client.get("/account/sessions")

    assert response.status_code == 200
    assert "Second device" not in page_text(response)


@pytest.mark.parametrize(
    "field",
    [
        {"is_admin": "y"},
        {"is_admin": "1", "confirmed_at": "2020-01-01", "disabled_at": ""},
        {"id": "1"},
        {"user_id": "1"},
        {"password_hash": "x"},
    ],
)
def test_extra_form_fields_cannot_change_what_the_form_does_not_offer(app, client, world, field):
    log_in(client, "bob@example.com")

    account = send(client, "/account", {"username": "bob", "email": "bob@example.com", **field})
    post = send(client, "/post/new", {"title": "Bob's", "content": "Mine.", **field})

    assert account.status_code == 302
    assert post.status_code == 302
    with app.app_context():
        bob = db.session.get(User, world.bob)
        assert not bob.is_admin
        assert bob.check_password(PASSWORD)
        assert db.session.get(User, world.alice).username == "alice"
        newest = db.session.scalar(db.select(Post).order_by(Post.id.desc()))
        assert (newest.title, newest.user_id) == ("Bob's", world.bob)


# --- A stolen session is not the whole account --------------------------------------------


def test_a_stolen_session_cannot_change_the_password_without_the_current_one(app, client, world):
    log_in(client, "bob@example.com")

    send(
        client,
        "/account/password",
        {
            "current_password": "a guess at the password",
            "password": "the thief's password",
            "confirm_password": "the thief's password",
        },
    )

    with app.app_context():
        assert User.authenticate("bob@example.com", PASSWORD) is not None


def test_a_stolen_session_cannot_move_the_email_without_the_password(app, client, world):
    log_in(client, "bob@example.com")

    with mail.record_messages() as outbox:
        send(
            client,
            "/account",
            {"username": "bob", "email": "thief@example.com", "current_password": "a guess"},
        )

    assert outbox == []
    with app.app_context():
        assert db.session.get(User, world.bob).email == "bob@example.com"


def test_a_stolen_session_cannot_delete_the_account_without_the_password(app, client, world):
    log_in(client, "bob@example.com")

    send(client, "/account/delete", {"password": "a guess"})

    with app.app_context():
        assert db.session.get(User, world.bob) is not None


# --- Unconfirmed addresses ------------------------------------------------------------------


def test_an_unconfirmed_user_can_neither_post_nor_comment(app, client, world):
    log_in(client, "bob@example.com")  # a login from before addresses had to be confirmed
    with app.app_context():
        db.session.get(User, world.bob).confirmed_at = None
        db.session.commit()
    before = database_snapshot(app)

    posted = send(client, "/post/new", {"title": "Spam", "content": "Buy now."})
    commented = send(client, f"/post/{world.post_id}/comment", {"body": "Buy now."})

    assert database_snapshot(app) == before
    for response in (posted, commented):
        assert response.status_code == 302
    page = client.get(posted.headers["Location"])
    assert any("confirm your email address" in message for _, message in flashes(page))


# --- The JSON API: a bearer token, and the same rules as the site -------------------------------

API_BODY = {"title": "Taken over", "content": "Mine now."}


@pytest.mark.parametrize(("rule", "method"), API_TOKEN_ROUTES, ids=ids(API_TOKEN_ROUTES))
def test_the_api_refuses_requests_without_a_token(app, client, world, rule, method):
    before = database_snapshot(app)

    response = client.open(sample_url(rule, world), method=method, json=API_BODY)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert database_snapshot(app) == before


@pytest.mark.parametrize(("rule", "method"), API_OWNER_ROUTES, ids=ids(API_OWNER_ROUTES))
def test_the_api_refuses_other_users_someone_elses_post(app, client, world, rule, method):
    token = get_token(client, "bob@example.com")
    before = database_snapshot(app)

    response = client.open(
        sample_url(rule, world),
        method=method,
        json=API_BODY,
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 403
    assert database_snapshot(app) == before


@pytest.mark.parametrize("who", ["bob@example.com", "ada@example.com"], ids=["user", "admin"])
@pytest.mark.parametrize(("rule", "method"), API_OWNER_ROUTES, ids=ids(API_OWNER_ROUTES))
def test_the_api_hides_someone_elses_draft_even_from_an_admin(
    app, client, world, rule, method, who
):
    token = get_token(client, who)
    before = database_snapshot(app)

    response = client.open(
        sample_url(rule, world, post_id=world.draft_id),
        method=method,
        json=API_BODY,
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 404
    assert database_snapshot(app) == before


@pytest.mark.parametrize("who", ["bob@example.com", "ada@example.com"], ids=["user", "admin"])
@pytest.mark.parametrize(("rule", "method"), API_AUTHOR_ROUTES, ids=ids(API_AUTHOR_ROUTES))
def test_the_api_shows_a_posts_history_to_its_author_alone(app, client, world, rule, method, who):
    someone_else, author = get_token(client, who), get_token(client, "alice@example.com")
    before = database_snapshot(app)

    refused = client.open(
        sample_url(rule, world), method=method, headers={"Authorization": f"Bearer {someone_else}"}
    )
    shown = client.open(
        sample_url(rule, world), method=method, headers={"Authorization": f"Bearer {author}"}
    )

    assert refused.status_code == 404
    assert refused.get_json()["error"]["code"] == "not_found"
    assert shown.status_code == 200
    assert database_snapshot(app) == before

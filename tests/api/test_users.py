"""/api/v1/users/<username>, its posts, and /api/v1/me."""

import re
from urllib.parse import urlsplit

import pytest

from flaskblog.extensions import db
from flaskblog.models import User
from tests.helpers.api import bearer, error_of, get_token
from tests.helpers.factories import add_posts, add_posts_and_a_draft, set_profile


@pytest.fixture
def capitalised_alice(app, make_user):
    """Alice, who spells her username "Alice", with three posts and a draft; her id."""
    user_id = make_user("Alice")
    add_posts_and_a_draft(app, user_id)
    return user_id


def test_a_public_profile(app, client, capitalised_alice):
    response = client.get("/api/v1/users/alice")  # usernames match without regard to case

    assert response.status_code == 200
    profile = response.get_json()
    with app.app_context():
        joined = db.session.get(User, capitalised_alice).created_at.isoformat()
    # Static files are named with a hash of their content (?v=...), as on the site.
    assert re.fullmatch(
        r"http://flaskblog\.test/static/img/default-avatar\.svg\?v=[0-9a-f]+",
        profile.pop("avatar_url"),
    )
    assert profile == {
        "username": "Alice",
        "post_count": 3,
        "joined": joined,
        "about_me": None,
        "website": None,
        "links": {
            "self": "http://flaskblog.test/api/v1/users/Alice",
            "posts": "http://flaskblog.test/api/v1/users/Alice/posts",
            "html": "http://flaskblog.test/user/Alice",
        },
    }
    assert "email" not in profile


@pytest.mark.parametrize("host", ["evil.example", "localhost"])
def test_a_forged_host_header_never_makes_it_into_the_avatar_url(client, capitalised_alice, host):
    response = client.get("/api/v1/users/alice", base_url=f"https://{host}")

    assert response.status_code == 200
    avatar = urlsplit(response.get_json()["avatar_url"])
    assert (avatar.netloc, avatar.path) == ("flaskblog.test", "/static/img/default-avatar.svg")
    assert host not in response.get_data(as_text=True)


def test_an_unknown_user_is_not_found(client):
    response = client.get("/api/v1/users/nobody")

    assert response.status_code == 404
    assert error_of(response)["message"] == "There is no user 'nobody'."
    assert client.get("/api/v1/users/nobody/posts").status_code == 404


def test_a_users_posts_are_their_published_ones_paginated(
    app, client, capitalised_alice, make_user
):
    add_posts(app, make_user("bob"), 2, title="Bob's {n}")

    response = client.get("/api/v1/users/alice/posts?per_page=2")

    body = response.get_json()
    assert [post["title"] for post in body["items"]] == ["Post 3", "Post 2"]
    assert (body["total"], body["pages"]) == (3, 2)
    assert (
        body["links"]["next"] == "http://flaskblog.test/api/v1/users/alice/posts?page=2&per_page=2"
    )
    assert client.get("/api/v1/users/alice/posts?page=3&per_page=2").status_code == 404
    assert client.get("/api/v1/users/alice/posts?per_page=500").status_code == 422


def test_me_is_the_token_owners_profile_with_email(client, capitalised_alice):
    token = get_token(client)

    response = client.get("/api/v1/me", headers=bearer(token))

    assert response.status_code == 200
    me = response.get_json()
    assert (me["username"], me["email"], me["confirmed"], me["is_admin"]) == (
        "Alice",
        "alice@example.com",
        True,
        False,
    )
    assert me["post_count"] == 3


def test_me_needs_a_token(client, capitalised_alice):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="flaskblog API"'
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize(
    "authorization", ["Bearer", "Bearer ", "Bearer nope", "Token abc", "bearer  "]
)
def test_me_refuses_malformed_or_unknown_tokens(client, capitalised_alice, authorization):
    response = client.get("/api/v1/me", headers={"Authorization": authorization})

    assert response.status_code == 401


def test_a_public_profile_carries_the_bio_and_website(app, client, capitalised_alice):
    set_profile(app, capitalised_alice, about_me="Birds.", website="https://alice.example.com")

    profile = client.get("/api/v1/users/alice").get_json()

    assert (profile["about_me"], profile["website"]) == ("Birds.", "https://alice.example.com")

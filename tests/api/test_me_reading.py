"""/api/v1/me/following, /me/feed and /me/notifications: the token owner's own reading."""

import pytest

from flaskblog.extensions import db
from flaskblog.models import Follow, Notification, User
from flaskblog.models.notification import FOLLOWER, POST
from tests.helpers.api import bearer, error_of, get_token


@pytest.fixture
def reader(app, make_user, make_posts) -> dict:
    """Alice follows bob (two posts) and carol (disabled, one post); dave, whom she does not
    follow, wrote one. Bob's follow and new post are in her notifications. Her token."""
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    bob_posts = make_posts(bob, 2, title="Bob {n}")
    make_posts(carol, 1, title="Carol 1")
    make_posts(dave, 1, title="Dave 1")
    with app.app_context():
        for followed in (bob, carol):
            db.session.add(Follow(follower_id=alice, followed_id=followed))
        db.session.add(Notification(user_id=alice, kind=FOLLOWER, actor_id=bob))
        db.session.add(Notification(user_id=alice, kind=POST, actor_id=bob, post_id=bob_posts[-1]))
        db.session.add(Notification(user_id=alice, kind=FOLLOWER, actor_id=carol))
        db.session.get(User, carol).disable()
        db.session.commit()
    return {"token": get_token(app.test_client()), "bob_post": bob_posts[-1]}


@pytest.mark.parametrize("path", ["/me/following", "/me/feed", "/me/notifications"])
def test_each_needs_a_token(client, path):
    response = client.get(f"/api/v1{path}")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_following_lists_the_active_authors_you_follow(client, reader):
    response = client.get("/api/v1/me/following", headers=bearer(reader["token"]))

    assert response.status_code == 200
    body = response.get_json()
    assert [user["username"] for user in body["items"]] == ["bob"]
    assert body["items"][0]["links"]["self"] == "http://flaskblog.test/api/v1/users/bob"
    assert body["total"] == 1


def test_the_feed_has_the_posts_of_the_authors_you_follow_newest_first(client, reader):
    response = client.get("/api/v1/me/feed", headers=bearer(reader["token"]))

    assert response.status_code == 200
    assert [post["title"] for post in response.get_json()["items"]] == ["Bob 2", "Bob 1"]


def test_notifications_newest_first_and_reading_them_here_marks_nothing(app, client, reader):
    response = client.get("/api/v1/me/notifications", headers=bearer(reader["token"]))

    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(item["kind"], item["actor"]["username"]) for item in items] == [
        ("post", "bob"),
        ("follower", "bob"),
    ]  # carol's is gone with her account
    assert items[0]["post"]["id"] == reader["bob_post"]
    assert items[0]["post"]["html"].startswith("http://flaskblog.test/post/")
    assert items[1]["post"] is None
    assert [item["read"] for item in items] == [False, False]
    with app.app_context():
        assert (
            db.session.scalar(db.select(db.func.count()).where(Notification.read_at.is_(None))) == 3
        )


def test_a_page_past_the_end_is_a_404(client, reader):
    response = client.get("/api/v1/me/feed?page=5", headers=bearer(reader["token"]))

    assert response.status_code == 404
    assert error_of(response)["details"] == {"pages": 1}


def test_a_page_size_out_of_range_is_refused(client, reader):
    response = client.get("/api/v1/me/notifications?per_page=0", headers=bearer(reader["token"]))

    assert response.status_code == 422

"""What makes a notification: a comment on your post, a new follower, and a new post by an
author you follow, once it is public (at once when published, or when a scheduled post's
time comes and `flask notifications announce` runs)."""

from datetime import UTC, datetime, timedelta

import pytest

from flaskblog.announcements import announce_due
from flaskblog.extensions import db
from flaskblog.models import Comment, Follow, Notification, NotificationSettings, Post, User
from flaskblog.models.notification import (
    ANNOUNCE_WITHIN,
    COMMENT,
    FOLLOWER,
    POST,
    REPLY,
    announce,
)
from tests.helpers.api import bearer, get_token
from tests.helpers.factories import add_followers, add_scheduled_post, set_published_at


def made(app) -> list[tuple[int, str, int, int | None]]:
    """(recipient, kind, actor, post) of every notification, in the order made."""
    with app.app_context():
        rows = db.session.execute(
            db.select(
                Notification.user_id, Notification.kind, Notification.actor_id, Notification.post_id
            ).order_by(Notification.id)
        ).all()
        return [tuple(row) for row in rows]


@pytest.fixture
def bob(make_user) -> int:
    return make_user("bob")


def publish(forms, title: str = "Fresh out", **fields):
    return forms.submit("/post/new", {"title": title, "content": "Words.", **fields})


def follows(app, follower: int, followed: int) -> None:
    with app.app_context():
        db.session.add(Follow(follower_id=follower, followed_id=followed))
        db.session.commit()


# --- Comments ---------------------------------------------------------------------------------


def test_a_comment_on_your_post_tells_you_who_commented_where(
    app, alices_post, alice, bob, auth, forms
):
    auth.login("bob@example.com")
    forms.submit(f"/post/{alices_post}/comment", {"body": "Nice one."}, page=f"/post/{alices_post}")

    assert made(app) == [(alice, COMMENT, bob, alices_post)]
    with app.app_context():
        notification = db.session.scalars(db.select(Notification)).one()
        assert notification.comment.body == "Nice one."


def test_the_posts_author_answered_in_a_reply_is_told_once_as_a_reply(
    app, alices_post, alice, bob, make_user, auth, forms
):
    carol = make_user("carol")
    with app.app_context():
        alices_comment = Comment(body="Thanks all.", post_id=alices_post, user_id=alice)
        db.session.add(alices_comment)
        db.session.commit()
        parent = alices_comment.id
    auth.login("carol@example.com")
    forms.submit(
        f"/post/{alices_post}/comment",
        {"body": "You are welcome.", "parent_id": str(parent)},
        page=f"/post/{alices_post}",
    )

    assert made(app) == [(alice, REPLY, carol, alices_post)]
    assert bob not in [recipient for recipient, *_ in made(app)]


def test_commenting_on_your_own_post_tells_nobody(app, alices_post, auth, forms):
    auth.login()
    forms.submit(
        f"/post/{alices_post}/comment", {"body": "Edit: typo."}, page=f"/post/{alices_post}"
    )

    assert made(app) == []


# --- Followers --------------------------------------------------------------------------------


def test_a_new_follower_is_told_once_however_often_the_button_is_pressed(
    app, alice, bob, auth, forms
):
    auth.login("bob@example.com")
    for _ in range(2):
        forms.submit("/user/alice/follow", page="/user/alice")

    assert made(app) == [(alice, FOLLOWER, bob, None)]


def test_following_again_after_unfollowing_does_not_tell_the_author_again(
    app, alice, bob, auth, forms
):
    auth.login("bob@example.com")
    for action in ("follow", "unfollow", "follow"):
        forms.submit(f"/user/alice/{action}", page="/user/alice")

    assert made(app) == [(alice, FOLLOWER, bob, None)]


def test_a_reader_who_turned_followers_off_is_not_told(app, alice, bob, auth, forms):
    with app.app_context():
        db.session.add(NotificationSettings(user_id=alice, notify_followers=False))
        db.session.commit()
    auth.login("bob@example.com")
    forms.submit("/user/alice/follow", page="/user/alice")

    assert made(app) == []


# --- New posts --------------------------------------------------------------------------------


def test_publishing_tells_each_active_follower_and_nobody_else(
    app, alice, bob, make_user, auth, forms
):
    follows(app, bob, alice)
    carol = make_user("carol")  # follows nobody
    dave = make_user("dave")
    follows(app, dave, alice)
    with app.app_context():
        db.session.get(User, dave).disable()
        db.session.commit()

    auth.login()
    publish(forms)

    with app.app_context():
        post_id = db.session.scalar(db.select(Post.id))
    assert made(app) == [(bob, POST, alice, post_id)]
    assert carol not in [recipient for recipient, *_ in made(app)]


def test_a_draft_tells_nobody_until_it_is_published(app, alice, bob, auth, forms):
    follows(app, bob, alice)
    auth.login()
    publish(forms, save_draft="Save draft")

    assert made(app) == []

    forms.submit("/post/1/update", {"title": "Fresh out", "content": "Words.", "submit": "Publish"})

    assert made(app) == [(bob, POST, alice, 1)]


def test_updating_or_publishing_again_does_not_tell_followers_twice(app, alice, bob, auth, forms):
    follows(app, bob, alice)
    auth.login()
    publish(forms)
    edit = {"title": "Fresh out", "content": "More words."}
    forms.submit("/post/1/update", {**edit, "submit": "Update"})
    forms.submit("/post/1/update", {**edit, "unpublish": "Unpublish"})
    forms.submit("/post/1/update", {**edit, "submit": "Publish"})

    assert made(app) == [(bob, POST, alice, 1)]


def test_a_follower_who_turned_new_posts_off_is_not_told(app, alice, bob, make_user, auth, forms):
    carol = make_user("carol")
    for follower in (bob, carol):
        follows(app, follower, alice)
    with app.app_context():
        db.session.add(NotificationSettings(user_id=carol, notify_followed_posts=False))
        db.session.commit()
    auth.login()
    publish(forms)

    assert made(app) == [(bob, POST, alice, 1)]


def test_a_post_published_through_the_api_tells_followers(app, alice, bob, client):
    follows(app, bob, alice)
    token = get_token(client)
    response = client.post(
        "/api/v1/posts", json={"title": "By script", "content": "Hello."}, headers=bearer(token)
    )

    assert response.status_code == 201
    assert made(app) == [(bob, POST, alice, response.get_json()["id"])]


def test_a_scheduled_post_tells_nobody_until_its_time_comes_and_the_sweep_runs(app, alice, bob):
    follows(app, bob, alice)
    post_id = add_scheduled_post(app, alice)

    with app.app_context():
        assert announce_due() == (0, 0)
    assert made(app) == []

    set_published_at(app, post_id, datetime.now(UTC) - timedelta(minutes=1))
    result = app.test_cli_runner().invoke(args=["notifications", "announce"])

    assert result.exit_code == 0, result.output
    assert "Announced 1 post: 1 notification made." in result.output
    assert made(app) == [(bob, POST, alice, post_id)]

    again = app.test_cli_runner().invoke(args=["notifications", "announce"])
    assert "Announced 0 posts" in again.output
    assert len(made(app)) == 1


def test_old_news_is_not_announced(app, alice, bob, make_posts):
    follows(app, bob, alice)
    (post_id,) = make_posts(alice, 1)
    set_published_at(app, post_id, datetime.now(UTC) - ANNOUNCE_WITHIN - timedelta(hours=1))

    with app.app_context():
        assert announce_due() == (0, 0)
        assert announce(db.session.get(Post, post_id)) is None
    assert made(app) == []


def test_followers_are_told_a_batch_at_a_time_and_all_of_them(app, alice, monkeypatch):
    import flaskblog.models.notification as notification_module

    monkeypatch.setattr(notification_module, "ANNOUNCE_BATCH", 3)
    fans = add_followers(app, alice, 7)
    with app.app_context():
        post = Post(title="Seven fans", content="Hello.", user_id=alice)
        db.session.add(post)
        db.session.commit()

        assert announce(post) == 7
        assert announce(post) is None  # once only
    assert sorted(recipient for recipient, *_ in made(app)) == sorted(fans)

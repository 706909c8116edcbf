"""Blocking: idempotent POSTs, never yourself, follows ended either way, and a blocked
reader kept from following, commenting, replying and being told anything of the blocker."""

import re

import pytest
from sqlalchemy.exc import IntegrityError

from flaskblog.extensions import db
from flaskblog.models import Block, Comment, Follow, Notification, Post, User
from flaskblog.models.block import comment_refusal
from flaskblog.models.notification import COMMENT, FOLLOWER, MENTION, POST, REPLY, notify
from tests.helpers.api import bearer, get_token
from tests.helpers.factories import add_block
from tests.helpers.pages import AuthActions, Forms, field_errors, flashes, page_text


@pytest.fixture
def bob(make_user) -> int:
    return make_user("bob")


def blocks(app) -> set[tuple[int, int]]:
    with app.app_context():
        return {tuple(r) for r in db.session.execute(db.select(Block.blocker_id, Block.blocked_id))}


def follows(app) -> set[tuple[int, int]]:
    with app.app_context():
        return {
            tuple(r) for r in db.session.execute(db.select(Follow.follower_id, Follow.followed_id))
        }


def as_user(app, username: str):
    """A second browser and its forms, logged in as `username`."""
    client = app.test_client()
    forms = Forms(client)
    assert AuthActions(client, forms).login(f"{username}@example.com").status_code == 302
    return client, forms


def test_blocking_twice_makes_one_block_and_unblocking_twice_none(
    app, logged_in_alice, bob, forms, client
):
    first = forms.submit("/user/bob/block", page="/")
    second = forms.submit("/user/bob/block", page="/")

    assert first.status_code == second.status_code == 302
    assert first.location == "/user/bob"
    assert blocks(app) == {(logged_in_alice, bob)}
    assert flashes(client.get("/user/bob"))[0][0] == "success"
    assert "Unblock bob" in page_text(client.get("/user/bob"))

    forms.submit("/user/bob/unblock", page="/")
    response = forms.submit("/user/bob/unblock", page="/")

    assert response.status_code == 302
    assert blocks(app) == set()
    profile = page_text(client.get("/user/bob"))
    assert "Block bob" in profile and "Follow bob" in profile


def test_blocking_yourself_is_refused_with_a_message(app, logged_in_alice, forms, client):
    response = forms.submit("/user/alice/block", page="/")

    assert blocks(app) == set()
    assert flashes(client.get(response.location)) == [("warning", "You cannot block yourself.")]


def test_a_self_block_cannot_be_stored(app, alice):
    with app.app_context():
        db.session.add(Block(blocker_id=alice, blocked_id=alice))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_blocking_a_missing_user_is_a_404(logged_in_alice, forms):
    assert forms.submit("/user/nobody/block", page="/").status_code == 404
    assert forms.submit("/user/nobody/unblock", page="/").status_code == 404


def test_block_is_post_only_and_needs_csrf_and_a_login(app, alice, bob, auth, forms, client):
    assert "/login" in forms.submit("/user/bob/block", page="/login").location
    auth.login()

    assert client.get("/user/bob/block").status_code == 405
    assert client.post("/user/bob/block").status_code == 400  # no CSRF token
    assert client.post("/user/bob/unblock").status_code == 400
    assert blocks(app) == set()


def test_blocking_ends_follows_either_way(app, logged_in_alice, bob, forms):
    with app.app_context():
        db.session.add_all(
            [
                Follow(follower_id=logged_in_alice, followed_id=bob),
                Follow(follower_id=bob, followed_id=logged_in_alice),
            ]
        )
        db.session.commit()

    forms.submit("/user/bob/block", page="/")

    assert follows(app) == set()


def test_a_blocked_reader_cannot_follow_the_blocker(app, logged_in_alice, bob, forms, client):
    add_block(app, bob, logged_in_alice)

    response = forms.submit("/user/bob/follow", page="/")

    assert follows(app) == set()
    assert flashes(client.get(response.location)) == [
        ("warning", "bob has blocked you: you cannot follow them.")
    ]


def test_the_blocker_cannot_follow_whom_they_blocked_until_they_unblock(
    app, logged_in_alice, bob, forms, client
):
    add_block(app, logged_in_alice, bob)

    response = forms.submit("/user/bob/follow", page="/")

    assert follows(app) == set()
    assert "unblock them to follow them" in flashes(client.get(response.location))[0][1]


def test_a_blocked_reader_cannot_comment_on_the_blockers_posts(
    app, alices_post, alice, bob, client
):
    add_block(app, alice, bob)
    _, bob_forms = as_user(app, "bob")

    response = bob_forms.submit(
        f"/post/{alices_post}/comment", {"body": "Let me in"}, page=f"/post/{alices_post}"
    )

    assert response.status_code == 403
    assert "alice has blocked you: you cannot comment on their posts." in page_text(response)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0


def test_the_blocker_may_still_comment_on_the_blocked_readers_posts(
    app, make_posts, alice, bob, auth, forms
):
    (post_id,) = make_posts(bob, 1)
    add_block(app, alice, bob)
    auth.login()

    response = forms.submit(f"/post/{post_id}/comment", {"body": "Fine"}, page=f"/post/{post_id}")

    assert response.status_code == 302
    assert field_errors(response, "body") == []


def test_a_blocked_reader_cannot_reply_to_the_blocker(app, make_posts, alice, bob, make_user):
    carol = make_user("carol")
    (post_id,) = make_posts(carol, 1)
    add_block(app, alice, bob)
    with app.app_context():
        post = db.session.get(Post, post_id)
        alices = Comment(body="By alice", post_id=post_id, user_id=alice)
        carols = Comment(body="By carol", post_id=post_id, user_id=carol)
        db.session.add_all([alices, carols])
        db.session.flush()
        bob_user = db.session.get(User, bob)

        assert comment_refusal(bob_user, post) is None  # carol's post: bob may comment
        assert comment_refusal(bob_user, post, parent=alices) == (
            "alice has blocked you: you cannot reply to them."
        )
        assert comment_refusal(bob_user, post, parent=carols) is None
        db.session.rollback()


def test_a_blocked_reader_cannot_reply_to_the_blockers_comment_on_any_post(
    app, make_posts, alice, bob, make_user
):
    carol = make_user("carol")
    (post_id,) = make_posts(carol, 1)
    with app.app_context():
        parent = Comment(body="By alice", post_id=post_id, user_id=alice)
        db.session.add(parent)
        db.session.commit()
        parent_id = parent.id
    add_block(app, alice, bob)
    _, bob_forms = as_user(app, "bob")

    response = bob_forms.submit(
        f"/post/{post_id}/comment",
        {"body": "Let me answer", "parent_id": parent_id},
        page=f"/post/{post_id}",
    )

    assert response.status_code == 403
    assert "alice has blocked you: you cannot reply to them." in page_text(response)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Comment.id))) == 1
    # A comment of his own under carol's post is still his to write.
    allowed = bob_forms.submit(
        f"/post/{post_id}/comment", {"body": "Hello carol"}, page=f"/post/{post_id}"
    )
    assert allowed.status_code == 302


@pytest.mark.parametrize("kind", [COMMENT, REPLY, MENTION, FOLLOWER, POST])
def test_no_notification_passes_between_a_blocker_and_the_blocked_either_way(
    app, alice, bob, make_user, kind
):
    carol = make_user("carol")
    add_block(app, alice, bob)
    with app.app_context():
        a, b, c = (db.session.get(User, i) for i in (alice, bob, carol))

        assert notify(b, kind, a) is None  # nothing about the blocker reaches the blocked
        assert notify(a, kind, b) is None  # and the blocker hears no more of them
        assert notify(c, kind, a) is not None  # others are told as before
        db.session.commit()
        rows = db.session.execute(db.select(Notification.user_id, Notification.actor_id)).all()
        assert [tuple(row) for row in rows] == [(carol, alice)]


def header_notifications(response) -> str | None:
    """The unread count beside "Notifications" in the page's header, if any."""
    found = re.search(r'>Notifications(?: <span class="nav__count">([^<]+))?', page_text(response))
    return found.group(1) if found else None


def told(client, email: str) -> list[tuple[str, str]]:
    """(kind, actor) of each of the notifications the API gives the owner of `email`."""
    response = client.get("/api/v1/me/notifications", headers=bearer(get_token(client, email)))
    return [(item["kind"], item["actor"]["username"]) for item in response.get_json()["items"]]


@pytest.mark.parametrize("blocker", ["alice", "bob"])
def test_a_block_takes_back_what_either_was_told_of_the_other(
    app, alices_post, alice, bob, make_user, auth, client, blocker
):
    carol = make_user("carol")
    with app.app_context():
        db.session.add_all(
            [
                Notification(user_id=alice, kind=FOLLOWER, actor_id=bob),
                Notification(user_id=alice, kind=COMMENT, actor_id=bob, post_id=alices_post),
                Notification(user_id=alice, kind=FOLLOWER, actor_id=carol),
                Notification(user_id=bob, kind=FOLLOWER, actor_id=alice),
            ]
        )
        db.session.commit()
    auth.login()
    assert header_notifications(client.get("/drafts")) == "3"
    blockers_browser = client if blocker == "alice" else as_user(app, "bob")[0]
    other = "bob" if blocker == "alice" else "alice"

    response = Forms(blockers_browser).submit(f"/user/{other}/block", page="/")

    assert response.status_code == 302
    # The blocker's next page counts without the other's at once, and so does alice's.
    blockers_count = header_notifications(blockers_browser.get(response.location))
    assert blockers_count == ("1" if blocker == "alice" else None)
    assert header_notifications(client.get("/drafts")) == "1"
    listing = " ".join(re.sub(r"<[^>]+>", " ", page_text(client.get("/notifications"))).split())
    assert "carol started following you" in listing
    assert "bob started following you" not in listing and "bob commented" not in listing
    assert told(client, "alice@example.com") == [("follower", "carol")]
    assert told(client, "bob@example.com") == []


def test_the_blocked_list_shows_whom_you_blocked_and_unblocks_them(
    app, logged_in_alice, bob, make_user, forms, client
):
    make_user("carol")
    add_block(app, logged_in_alice, bob)

    listing = page_text(client.get("/account/blocked"))
    assert "Unblock bob" in listing and "carol" not in listing
    assert "/account/blocked" in page_text(client.get("/account"))

    response = forms.submit("/user/bob/unblock", {"next": "blocked"}, page="/account/blocked")

    assert response.location == "/account/blocked"
    assert blocks(app) == set()
    assert "You have not blocked anyone." in page_text(client.get("/account/blocked"))
    assert client.get("/account/blocked?page=2").status_code == 404


def test_the_blocked_list_needs_a_login(client):
    assert "/login" in client.get("/account/blocked").location

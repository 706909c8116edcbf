"""Who a comment speaks to, and who is told: the author of the comment it replies to
(REPLY) and the active users it names as @username (MENTION), each once, ten names at
most; the post's author is told once; and the names linked on the post page."""

import re

import pytest

from flaskblog.extensions import db
from flaskblog.mentions import MAX_MENTIONS, mentions_in, notify_reply_and_mentions
from flaskblog.models import Comment, Notification, NotificationSettings, User, utcnow
from flaskblog.models.notification import MENTION, REPLY
from tests.posts.test_comments import add_comment, comment_on, post_url
from tests.posts.test_replies import reply_on

BOB, CAROL = "bob@example.com", "carol@example.com"


def made(app) -> list[tuple[str, str, str, int | None]]:
    """Every notification as (recipient, kind, actor, comment id), oldest first."""
    with app.app_context():
        rows = db.session.scalars(db.select(Notification).order_by(Notification.id))
        return [
            (
                db.session.get(User, row.user_id).username,
                row.kind,
                row.actor.username,
                row.comment_id,
            )
            for row in rows
        ]


def newest_comment(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Comment.id).order_by(Comment.id.desc()))


@pytest.fixture
def people(make_user):
    """bob, carol and dave, by name."""
    return {name: make_user(name) for name in ("bob", "carol", "dave")}


def test_mentions_in_counts_each_name_once_and_at_most_ten():
    body = " ".join(f"@user{n} @USER{n}" for n in range(MAX_MENTIONS + 5))

    found = mentions_in(body)

    assert found == [(f"user{n}",) for n in range(MAX_MENTIONS)]
    assert mentions_in("thanks @bob.") == [("bob.", "bob")]


def test_a_reply_tells_the_author_of_the_comment_it_answers(app, auth, forms, alices_post, people):
    bobs = add_comment(app, alices_post, people["bob"], "First!")
    auth.login(CAROL)

    reply_on(forms, app, alices_post, bobs, "Indeed.")

    assert made(app) == [("bob", REPLY, "carol", newest_comment(app))]


def test_a_comment_tells_each_active_user_it_names_once(
    app, auth, forms, alices_post, people, make_user
):
    make_user("erin")
    with app.app_context():
        db.session.get(User, people["dave"]).disabled_at = utcnow()
        db.session.commit()
    auth.login(BOB)

    comment_on(forms, app, alices_post, "@carol @Carol, @dave @erin. @nobody @bob bob@erin.test")

    comment = newest_comment(app)
    assert made(app) == [
        ("carol", MENTION, "bob", comment),
        ("erin", MENTION, "bob", comment),
    ]


def test_a_comment_naming_many_people_tells_only_the_first_ten(
    app, auth, forms, alices_post, make_user
):
    for n in range(MAX_MENTIONS + 3):
        make_user(f"reader{n}")
    make_user("bob")
    auth.login(BOB)

    comment_on(forms, app, alices_post, " ".join(f"@reader{n}" for n in range(MAX_MENTIONS + 3)))

    assert [row[0] for row in made(app)] == [f"reader{n}" for n in range(MAX_MENTIONS)]


def test_a_reply_that_also_names_the_author_it_answers_tells_them_once(
    app, auth, forms, alices_post, people
):
    bobs = add_comment(app, alices_post, people["bob"], "First!")
    auth.login(CAROL)

    reply_on(forms, app, alices_post, bobs, "@bob agreed, and @dave too")

    reply = newest_comment(app)
    assert made(app) == [("bob", REPLY, "carol", reply), ("dave", MENTION, "carol", reply)]


def test_replying_to_yourself_or_naming_yourself_tells_nobody(
    app, auth, forms, alices_post, people
):
    bobs = add_comment(app, alices_post, people["bob"], "First!")
    auth.login(BOB)

    reply_on(forms, app, alices_post, bobs, "And @bob adds this.")

    assert made(app) == []


def test_a_reader_who_turned_replies_off_is_told_of_neither_replies_nor_mentions(
    app, auth, forms, alices_post, people
):
    bobs = add_comment(app, alices_post, people["bob"], "First!")
    with app.app_context():
        db.session.add(NotificationSettings(user_id=people["bob"], notify_replies=False))
        db.session.commit()
    auth.login(CAROL)

    reply_on(forms, app, alices_post, bobs, "@bob hello")

    assert made(app) == []


def test_the_post_author_told_of_a_reply_is_marked_told_so_no_comment_notice_follows(
    app, alice, alices_post, people
):
    # The rule for COMMENT (the notice of every comment on your post): the post's author,
    # once told as the one replied to or named, is not told of the same comment again.
    alices = add_comment(app, alices_post, alice, "Thanks for reading")
    with app.app_context():
        parent = db.session.get(Comment, alices)
        reply = Comment(
            post_id=alices_post, user_id=people["bob"], body="@carol look", parent=parent
        )
        db.session.add(reply)
        db.session.flush()

        told = notify_reply_and_mentions(reply, parent)
        db.session.commit()

    assert told == {alice, people["carol"]}
    assert [(row[0], row[1]) for row in made(app)] == [("alice", REPLY), ("carol", MENTION)]


def test_nothing_is_told_when_the_reply_is_refused(app, auth, forms, alices_post, people):
    bobs = add_comment(app, alices_post, people["bob"], "First!")
    with app.app_context():
        db.session.add(
            Comment(post_id=alices_post, user_id=people["carol"], body="r", parent_id=bobs)
        )
        db.session.commit()
    auth.login("dave@example.com")

    response = reply_on(forms, app, alices_post, newest_comment(app), "@carol a reply to a reply")

    assert response.status_code == 400
    assert made(app) == []


# --- On the page ----------------------------------------------------------------------------


def test_post_page_links_the_names_of_active_users_to_their_profiles(
    app, client, alices_post, people
):
    with app.app_context():
        db.session.get(User, people["dave"]).disabled_at = utcnow()
        db.session.commit()
    add_comment(
        app, alices_post, people["bob"], "Ask @CAROL, @dave or @nobody; mail bob@carol.test"
    )

    html = client.get(post_url(app, alices_post)).get_data(as_text=True)

    assert re.findall(r'<a class="mention" href="([^"]+)">([^<]+)</a>', html) == [
        ("/user/carol", "@CAROL")
    ]
    assert "@dave or @nobody" in html


def test_names_in_a_comment_hidden_from_the_reader_are_not_looked_up(
    app, client, alices_post, people
):
    comment = add_comment(app, alices_post, people["bob"], "@carol secret")
    with app.app_context():
        hidden = db.session.get(Comment, comment)
        hidden.hide(hidden.post.author)
        db.session.commit()

    html = client.get(post_url(app, alices_post)).get_data(as_text=True)

    assert "secret" not in html
    assert 'class="mention"' not in html


def test_the_post_author_replied_to_on_their_own_post_is_told_once_as_a_reply(
    app, auth, forms, alice, alices_post, people
):
    alices = add_comment(app, alices_post, alice, "Thanks for reading")
    auth.login(BOB)

    reply_on(forms, app, alices_post, alices, "You are welcome, @alice")

    assert [row for row in made(app) if row[0] == "alice"] == [
        ("alice", REPLY, "bob", newest_comment(app))
    ]


def test_the_post_author_named_in_a_comment_on_their_post_is_told_once_as_a_mention(
    app, auth, forms, alice, alices_post, people
):
    auth.login(BOB)

    comment_on(forms, app, alices_post, "Great post, @alice")

    assert [row for row in made(app) if row[0] == "alice"] == [
        ("alice", MENTION, "bob", newest_comment(app))
    ]

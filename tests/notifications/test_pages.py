"""/notifications: newest first, a page at a time, the unread ones marked and read once
shown; notifications about disabled accounts or posts taken back vanish; and the unread
count in the header, which costs no query of its own."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from flaskblog.extensions import db
from flaskblog.models import Comment, Notification, Post, User
from flaskblog.models.notification import COMMENT, FOLLOWER, POST, UNREAD_COUNT_LIMIT
from flaskblog.notifications.routes import NOTIFICATIONS_PER_PAGE
from tests.helpers.factories import add_accounts, set_profile
from tests.helpers.pages import page_text as page_html
from tests.helpers.queries import postgresql_plan, queries_for, sqlite_plan, statements_run


@pytest.fixture
def bob(make_user) -> int:
    return make_user("bob")


def page_text(response) -> str:
    """The words of the page, without its tags, one space apart."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_html(response)).split())


def add_notification(app, recipient: int, kind: str, actor: int, post=None, minutes_ago=0):
    with app.app_context():
        db.session.add(
            Notification(
                user_id=recipient,
                kind=kind,
                actor_id=actor,
                post_id=post,
                created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
            )
        )
        db.session.commit()


def unread_of(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )


def header_count(response) -> str | None:
    text = page_text(response)
    start = text.find("Notifications")
    after = text[start + len("Notifications") :].split()
    return after[0] if after and after[1:2] == ["unread"] else None


def test_notifications_need_a_login(client):
    response = client.get("/notifications")

    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_newest_first_with_the_unread_ones_marked_then_read(
    app, alices_post, alice, bob, auth, client
):
    add_notification(app, alice, FOLLOWER, bob, minutes_ago=10)
    add_notification(app, alice, COMMENT, bob, post=alices_post, minutes_ago=5)
    auth.login()

    first = page_text(client.get("/notifications"))

    assert first.index("bob commented on your post Alice's post") < first.index(
        "bob started following you"
    )
    assert first.count("New bob") == 2
    assert unread_of(app, alice) == 0
    again = client.get("/notifications")
    assert "New bob" not in page_text(again)
    assert header_count(again) is None


def test_the_header_counts_the_unread_ones_and_costs_no_query(
    app, alices_post, alice, bob, auth, client, count_queries
):
    auth.login()
    without = queries_for(client, count_queries, "/drafts")
    for minutes in range(3):
        add_notification(app, alice, FOLLOWER, bob, minutes_ago=minutes)

    page = client.get("/drafts")

    assert header_count(page) == "3"
    assert queries_for(client, count_queries, "/drafts") == without


def test_the_header_says_99_plus_beyond_the_limit(app, alice, bob, auth, client):
    with app.app_context():
        db.session.add_all(
            Notification(user_id=alice, kind=FOLLOWER, actor_id=bob)
            for _ in range(UNREAD_COUNT_LIMIT + 5)
        )
        db.session.commit()
    auth.login()

    assert header_count(client.get("/drafts")) == f"{UNREAD_COUNT_LIMIT - 1}+"


def test_a_page_at_a_time_and_only_the_shown_ones_are_read(app, alice, auth, client):
    actors = add_accounts(app, NOTIFICATIONS_PER_PAGE + 2)
    for age, actor in enumerate(actors):
        add_notification(app, alice, FOLLOWER, actor, minutes_ago=age)
    auth.login()

    first = page_text(client.get("/notifications"))

    assert "user001 started" in first and "user031 started" not in first
    assert unread_of(app, alice) == 2
    second = page_text(client.get("/notifications?page=2"))
    assert "user031 started" in second and "user032 started" in second
    assert unread_of(app, alice) == 0
    assert client.get("/notifications?page=9").status_code == 404
    assert client.get("/notifications?page=nope").status_code == 404


def test_a_disabled_actors_notifications_vanish_and_come_back(app, alice, bob, auth, client):
    add_notification(app, alice, FOLLOWER, bob)
    with app.app_context():
        db.session.get(User, bob).disable()
        db.session.commit()
    auth.login()

    assert header_count(client.get("/drafts")) is None
    assert "bob" not in page_text(client.get("/notifications"))
    assert unread_of(app, alice) == 1  # not shown, so not read either

    with app.app_context():
        db.session.get(User, bob).enable()
        db.session.commit()
    assert "bob started following you" in page_text(client.get("/notifications"))


def test_a_post_taken_back_to_the_drafts_takes_its_notifications_with_it(
    app, alice, bob, make_posts, auth, client
):
    (post_id,) = make_posts(bob, 1, title="Second thoughts")
    add_notification(app, alice, POST, bob, post=post_id)
    with app.app_context():
        db.session.get(Post, post_id).unpublish()
        db.session.commit()
    auth.login()

    assert "Second thoughts" not in page_text(client.get("/notifications"))
    assert "No notifications yet" in page_text(client.get("/notifications"))


def test_nobody_sees_anyone_elses_notifications(app, alice, bob, make_user, auth, client):
    carol = make_user("carol")
    add_notification(app, bob, FOLLOWER, carol)
    auth.login()

    assert "carol" not in page_text(client.get("/notifications"))
    assert unread_of(app, bob) == 1


def test_a_hidden_comment_takes_its_notification_with_it(
    app, alices_post, alice, bob, auth, client
):
    with app.app_context():
        comment = Comment(body="Buy pills", post_id=alices_post, user_id=bob)
        db.session.add(comment)
        db.session.flush()
        db.session.add(
            Notification(
                user_id=alice,
                kind=COMMENT,
                actor_id=bob,
                post_id=alices_post,
                comment_id=comment.id,
            )
        )
        comment.hide(db.session.get(User, alice))
        db.session.commit()
    auth.login()

    assert header_count(client.get("/drafts")) is None
    assert "commented" not in page_text(client.get("/notifications"))


def test_the_page_costs_the_same_queries_with_many_notifications(
    app, alices_post, alice, bob, auth, client, count_queries
):
    auth.login()
    add_notification(app, alice, COMMENT, bob, post=alices_post)
    client.get("/notifications")
    add_notification(app, alice, COMMENT, bob, post=alices_post)
    few = queries_for(client, count_queries, "/notifications")
    for minutes in range(NOTIFICATIONS_PER_PAGE):
        add_notification(app, alice, POST, bob, post=alices_post, minutes_ago=minutes)

    assert queries_for(client, count_queries, "/notifications") == few


def test_the_login_query_counts_the_unread_ones_through_their_index(app, alice, bob, auth, client):
    for minutes in range(3):
        add_notification(app, alice, FOLLOWER, bob, minutes_ago=minutes)
    auth.login()
    with statements_run(app, with_parameters=True) as captured:
        assert client.get("/drafts").status_code == 200
    sql, params = next((sql, p) for sql, p in captured if "FROM sessions" in sql)
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        plan = " ".join(detail for _, _, detail in sqlite_plan(app, sql, params))
        assert "ix_notifications_user_unread" in plan, plan
    else:
        plan = postgresql_plan(app, sql, params)
        assert "ix_notifications_user_unread" in plan, plan
        assert "Seq Scan on notifications" not in plan, plan


def test_each_notification_is_a_sentence_in_the_readers_language_when_shown(
    app, alices_post, alice, bob, auth, client
):
    set_profile(app, alice, language="de")
    add_notification(app, alice, COMMENT, bob, post=alices_post)
    auth.login()

    german = client.get("/notifications")
    set_profile(app, alice, language="es")
    spanish = page_text(client.get("/notifications"))

    assert "<h1>Benachrichtigungen</h1>" in page_html(german)
    assert "Neu bob hat deinen Beitrag Alice's post kommentiert" in page_text(german)
    # Made when the page is, not when the notification was: the same one, now in Spanish.
    assert "bob comentó tu entrada Alice's post" in spanish

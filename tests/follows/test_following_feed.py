"""/following: public posts by the authors a reader follows, newest first."""

from datetime import UTC, datetime

import pytest

from flaskblog.extensions import db
from flaskblog.models import Follow, User
from tests.helpers.factories import add_scheduled_post, make_drafts
from tests.helpers.pages import page_text, titles_on
from tests.helpers.queries import postgresql_plan, sqlite_plan, statements_run


@pytest.fixture
def authors(app, make_user, make_posts):
    """alice (logged in later) follows bob and carol, not dave; each wrote posts."""
    ids = {name: make_user(name) for name in ("alice", "bob", "carol", "dave")}
    make_posts(ids["bob"], 4, title="Bob {n}", start=datetime(2026, 1, 1, tzinfo=UTC))
    make_posts(ids["carol"], 3, title="Carol {n}", start=datetime(2026, 1, 1, 0, 30, tzinfo=UTC))
    make_posts(ids["dave"], 2, title="Dave {n}")
    make_drafts(app, ids["bob"], 1, title="Bob's draft")
    add_scheduled_post(app, ids["bob"], title="Bob's scheduled")
    with app.app_context():
        for name in ("bob", "carol"):
            db.session.add(Follow(follower_id=ids["alice"], followed_id=ids[name]))
        db.session.commit()
    return ids


def test_following_shows_followed_authors_public_posts_newest_first(authors, auth, client):
    auth.login()

    first, second = client.get("/following"), client.get("/following?page=2")

    assert titles_on(first) == ["Carol 3", "Carol 2", "Carol 1", "Bob 4", "Bob 3"]
    assert titles_on(second) == ["Bob 2", "Bob 1"]
    assert 'aria-current="page">Following' in first.get_data(as_text=True)


def test_disabled_authors_vanish_from_the_feed(app, authors, auth, client):
    with app.app_context():
        db.session.get(User, authors["carol"]).disable()
        db.session.commit()
    auth.login()

    assert titles_on(client.get("/following")) == ["Bob 4", "Bob 3", "Bob 2", "Bob 1"]


def test_following_needs_a_login(client):
    assert client.get("/following").status_code == 302


def test_the_empty_feed_suggests_authors_to_follow(app, make_user, make_posts, auth, client):
    alice, bob = make_user("alice"), make_user("bob")
    make_posts(bob, 1)
    make_posts(alice, 1)
    auth.login()

    text = page_text(client.get("/following"))

    assert "Nothing here yet" in text
    assert "Follow bob" in text
    assert "Follow alice" not in text


def test_the_home_page_has_the_tabs_for_logged_in_readers_only(alice, auth, client):
    assert "Following" not in page_text(client.get("/"))
    auth.login()
    assert "Following" in page_text(client.get("/"))


def test_following_is_at_most_three_queries(authors, auth, client, count_queries):
    auth.login()
    client.get("/following")
    with count_queries() as statements:
        assert client.get("/following").status_code == 200
    assert len(statements) <= 3, statements


def feed_statement(app, client):
    with statements_run(app, with_parameters=True) as captured:
        assert client.get("/following").status_code == 200
    return next((sql, p) for sql, p in captured if "follows" in sql)


def test_the_feed_reads_follows_and_posts_through_indexes(app, authors, auth, client):
    auth.login()
    sql, params = feed_statement(app, client)
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        plan = [detail for _, _, detail in sqlite_plan(app, sql, params)]
        assert not [line for line in plan if line.startswith("SCAN posts")], plan
        assert any("follows" in line and "INDEX" in line for line in plan), plan
    else:
        plan = postgresql_plan(app, sql, params)
        assert "Seq Scan on posts" not in plan, plan
        assert "Seq Scan on follows" not in plan, plan

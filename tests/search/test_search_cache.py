"""Recent searches are remembered with the cached pages: asked again, by anyone (a reader who
is logged in, whose page is never cached, or another spelling of the same words), a search
reads nothing but its login: its results are remembered, and their post cards kept for
every reader in a language and time zone; in another zone it reads its page of posts, by
primary key. Any change to what it shows forgets it."""

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post
from tests.helpers import factories
from tests.helpers.pages import page_text, page_without_tokens, titles_on
from tests.helpers.queries import postgresql_plan, sqlite_plan, statements_run


@pytest.fixture
def app(build_app):
    """The suite's app, but with a page cache (tests elsewhere run with none)."""
    return build_app(CACHE_TYPE="SimpleCache")


def searched(statements: list) -> bool:
    """Whether any of these statements asked the full-text index (FTS5 or tsvector)."""
    return any(" MATCH " in sql or "@@" in sql for sql, _params in statements)


def search_page(app, client, query: str) -> tuple:
    with statements_run(app, with_parameters=True) as statements:
        response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    return response, statements


def test_a_logged_in_reader_asking_again_reads_only_their_login(
    app, client, make_user, make_posts, logged_in_alice
):
    make_posts(make_user("bob"), 7, title="Walrus {n}", content="A walrus with whiskers, {n}.")

    first, statements = search_page(app, client, "walrus whiskers")
    assert searched(statements)
    again, statements = search_page(app, client, "walrus whiskers")

    # No count, no ranking, no snippet cut, no post read again: the cards are kept.
    assert len(statements) == 1
    assert "FROM sessions" in statements[0][0]
    assert titles_on(again) == titles_on(first) == [f"Walrus {n}" for n in (7, 6, 5, 4, 3)]
    assert page_without_tokens(again) == page_without_tokens(first)


def test_a_reader_in_another_time_zone_reads_the_remembered_page_by_primary_key(
    app, client, make_user, make_posts, logged_in_alice
):
    make_posts(make_user("bob"), 3, title="Walrus {n}")
    search_page(app, client, "walrus")

    factories.set_profile(app, logged_in_alice, timezone="Asia/Tokyo")
    response, statements = search_page(app, client, "walrus")

    assert titles_on(response) == ["Walrus 3", "Walrus 2", "Walrus 1"]
    assert not searched(statements)
    # The login's own query reads posts too (the header's unread notifications), and keeping
    # the cards asks when the next scheduled post goes up (min(published_at)): not those.
    [(posts_sql, params)] = [
        (sql, p)
        for sql, p in statements
        if "FROM posts" in sql and "FROM sessions" not in sql and "min(" not in sql
    ]

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        details = [detail for _, _, detail in sqlite_plan(app, posts_sql, params)]
        # Not the published-posts index (every public post) but the five ids.
        assert "SEARCH posts USING INTEGER PRIMARY KEY (rowid=?)" in details, details
        assert not any("ix_posts_published" in detail for detail in details), details
    else:
        plan = postgresql_plan(app, posts_sql, params)
        assert "Seq Scan on posts" not in plan, plan
        assert "Index Scan using pk_posts on posts" in plan, plan


def test_other_spellings_of_the_same_words_share_the_remembered_results(
    app, client, make_user, make_posts
):
    make_posts(make_user("bob"), 2, title="Walrus {n}")
    search_page(app, client, "walrus")

    # Not the page's one spelling: never a cached page, but the same words.
    response, statements = search_page(app, client, "  walrus!! ")

    assert not searched(statements)
    assert titles_on(response) == ["Walrus 2", "Walrus 1"]
    assert "walrus!!" in page_text(response)


def test_a_search_asked_before_finds_a_new_post_at_once(
    app, client, make_user, make_posts, logged_in_alice
):
    bob = make_user("bob")
    make_posts(bob, 2, title="Walrus {n}")
    search_page(app, client, "walrus")

    make_posts(bob, 1, title="Walrus news")
    response, statements = search_page(app, client, "walrus")

    assert searched(statements)
    assert sorted(titles_on(response)) == ["Walrus 1", "Walrus 2", "Walrus news"]


def test_a_search_asked_before_loses_a_post_taken_back_at_once(
    app, client, make_user, make_posts, logged_in_alice
):
    posts = make_posts(make_user("bob"), 3, title="Walrus {n}")
    search_page(app, client, "walrus")

    with app.app_context():
        db.session.get(Post, posts[1]).is_published = False
        db.session.commit()
    response, _ = search_page(app, client, "walrus")

    assert titles_on(response) == ["Walrus 3", "Walrus 1"]
    assert "2 posts found" in page_text(response)


def test_a_page_past_the_last_is_404_asked_again_too(app, client, make_user, make_posts):
    make_posts(make_user("bob"), 2, title="Walrus {n}")

    answers = [client.get("/search?q=walrus+&page=2").status_code for _ in range(2)]

    assert answers == [404, 404]


def test_a_search_without_its_cache_still_answers(build_app):
    broken = build_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    factories.add_posts(broken, factories.make_user(broken, "bob"), 2, title="Walrus {n}")
    client = broken.test_client()

    # Not the page's one spelling, so only the remembered results meet the dead cache.
    response = client.get("/search", query_string={"q": "walrus!"})

    assert response.status_code == 200
    assert titles_on(response) == ["Walrus 2", "Walrus 1"]

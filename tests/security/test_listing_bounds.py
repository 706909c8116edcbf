"""Listings that grow with the site: every page of posts (home, an author's, a tag's, a
search's), every feed, every sitemap part and every API listing costs the same number of
statements, and about the same database work, with ten times the posts. Work is counted
(SQLite's virtual machine steps, or the rows PostgreSQL's plan nodes handled), not timed."""

import pytest

from flaskblog.extensions import db
from flaskblog.search import queries
from tests.helpers.factories import add_posts, make_user, tag_posts
from tests.helpers.queries import database_work

LISTINGS = [
    "/",
    "/?page=2",
    "/tag/news",
    "/tag/news?page=2",
    "/search?q=walrus",
    "/search?q=walrus&page=2",
    "/feed.xml",
    "/user/alice/feed.xml",
    "/tag/news/feed.xml",
    "/sitemap.xml",
    "/sitemap/posts-1.xml",
    "/sitemap/authors-1.xml",
]
# These count every post of their listing (through an index alone) for the total they show
# (the author page's number of posts, the API's `total` and `pages`): the statements stay
# the same, the rows counted grow with the listing.
COUNTED = [
    "/user/alice",
    "/user/alice?page=2",
    "/api/v1/posts",
    "/api/v1/posts?page=2",
    "/api/v1/users/alice/posts",
    "/api/v1/users/alice",
]
SMALL, LARGE = 30, 300


@pytest.fixture
def bounded(app, monkeypatch):
    """Parts and candidate lists smaller than a small site, so that both sizes fill them."""
    from flaskblog.feeds import documents

    monkeypatch.setattr(documents, "SITEMAP_PART_SIZE", 20, raising=False)
    monkeypatch.setattr(queries, "CANDIDATES", 20, raising=False)
    return app


def grow(app, author: int, count: int) -> None:
    posts = add_posts(app, author, count, title="Walrus {n}", content="A walrus, number {n}.")
    tag_posts(app, posts, "news")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # Plans for the rows there are, not for the single row an empty table suggests.
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()


def cost(app, client, url: str) -> tuple[int, int]:
    """(statements, work) of one GET of `url`."""
    with database_work(app) as work:
        from tests.helpers.queries import statements_run

        with statements_run(app) as statements:
            response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), work[0]


def costs_small_and_large(app, client, urls: list[str]) -> dict:
    alice = make_user(app, "alice")
    grow(app, alice, SMALL)
    small = {url: cost(app, client, url) for url in urls}
    grow(app, alice, LARGE - SMALL)
    large = {url: cost(app, client, url) for url in urls}
    return {url: (small[url], large[url]) for url in urls}


def test_no_listing_costs_more_with_ten_times_the_posts(bounded, client):
    costs = costs_small_and_large(bounded, client, LISTINGS + COUNTED)

    # Ten times the posts would cost about ten times: three allows for noise, not growth.
    grew = {
        url: (small, large)
        for url, (small, large) in costs.items()
        if large[0] != small[0] or (url not in COUNTED and large[1] > 3 * max(small[1], 1))
    }
    assert not grew, grew

"""Every listing reads its posts through an index, on SQLite and on PostgreSQL: the query
each page runs is captured and explained.

SQLite (EXPLAIN QUERY PLAN): the posts are searched through an index, never scanned whole,
and nothing that reads the listing sorts it in a temporary B-tree. Paged listings pick
their ids from the index first (see flaskblog.pagination.paginate); the outer query then puts
at most a page of posts in order, which is the one sort allowed.

PostgreSQL (EXPLAIN): no sequential scan of posts (or comments). The test database holds a
few rows, for which a sequential scan is honestly cheaper, so the planner is asked with
enable_seqscan off: it then still scans sequentially only where no index can serve the
query, which is exactly what these tests look for. Likewise enable_bitmapscan off: public
posts are a range of the index (published_at up to now: scheduled posts lie past it),
which for a few rows the planner would rather gather in a bitmap and sort than read in
order; on a real table's first pages it reads the index in order, as asked here.
"""

from datetime import UTC, datetime

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post
from flaskblog.urls import post_url
from tests.helpers.factories import add_comments, add_scheduled_post, make_drafts, tag_posts
from tests.helpers.queries import postgresql_plan, sqlite_plan, statements_run

FIRST = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def blog(app, make_user, make_posts, auth):
    """Two authors with posts, tags, comments and drafts; alice is logged in."""
    alice, bob = make_user("alice"), make_user("bob")
    posts = make_posts(alice, 12) + make_posts(bob, 12, title="Bob {n}")
    tag_posts(app, posts[::2], "news")
    for post_id in posts[:3]:
        add_comments(app, post_id, bob, 3)
    make_drafts(app, alice, 7)
    # No ANALYZE: with statistics from two dozen rows SQLite would rightly prefer sorting
    # them; the plans asserted are those of a database whose size statistics do not
    # describe, as on the 20,000-post benchmark (see docs/PERFORMANCE.md, "Means").
    return posts


def listing_query(app, client, url: str, marker: str):
    """The statement (with its parameters) that `url` runs containing `marker`."""
    with statements_run(app, with_parameters=True) as captured:
        assert client.get(url).status_code == 200
    found = [(sql, params) for sql, params in captured if marker in sql]
    assert found, f"{url} ran no statement with {marker!r}"
    return found[0]


def inside(plan, heading_prefixes: tuple[str, ...]) -> list[str]:
    """The plan lines under the nodes whose text starts with one of these prefixes."""
    parents = {node for node, _, detail in plan if detail.startswith(heading_prefixes)}
    lines, grew = [], True
    while grew:
        grew = False
        for node, parent, detail in plan:
            if parent in parents and node not in parents:
                parents.add(node)
                lines.append(detail)
                grew = True
    return lines


def assert_uses_indexes(app, sql: str, params, table: str = "posts") -> None:
    if db_dialect(app) == "postgresql":
        plan = postgresql_plan(app, sql, params)
        assert f"Seq Scan on {table}" not in plan, plan
        assert "Index" in plan, plan
        return
    plan = sqlite_plan(app, sql, params)
    details = [detail for _, _, detail in plan]
    text = "\n".join(details)
    assert any(f"{table} USING" in d and "INDEX" in d for d in details), text
    assert not any(d == f"SCAN {table}" for d in details), text
    paged = inside(plan, ("MATERIALIZE page_ids", "CO-ROUTINE following_ids"))
    if paged:  # the listing itself is read in index order; only the page is sorted
        assert not any("TEMP B-TREE" in d for d in paged), text
        assert any("COVERING INDEX" in d for d in paged), text
    else:
        assert not any("TEMP B-TREE" in d for d in details), text


def db_dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


@pytest.mark.parametrize(
    "url",
    ["/", "/?page=2", "/?page=4", "/user/alice", "/user/alice?page=2", "/tag/news"],
)
def test_public_listings_read_posts_through_an_index(app, client, blog, url):
    sql, params = listing_query(app, client, url, "page_ids")
    assert_uses_indexes(app, sql, params)


def test_drafts_are_read_through_an_index(app, client, blog, auth):
    auth.login()
    sql, params = listing_query(app, client, "/drafts", "page_ids")
    assert_uses_indexes(app, sql, params)


def test_a_posts_comments_are_read_in_order_through_an_index(app, client, blog):
    with app.app_context():
        url = post_url(db.session.get(Post, blog[0]))
    sql, params = listing_query(app, client, url, "FROM comments")
    assert_uses_indexes(app, sql, params, table="comments")


@pytest.mark.parametrize("url", ["/feed.xml", "/user/alice/feed.xml", "/tag/news/feed.xml"])
def test_feeds_read_posts_through_an_index(app, client, blog, url):
    sql, params = listing_query(app, client, url, "LIMIT")
    assert_uses_indexes(app, sql, params)


def test_a_sitemap_part_reads_its_range_of_posts_by_primary_key(app, client, blog):
    sql, params = listing_query(app, client, "/sitemap/posts-1.xml", "posts.slug")
    if db_dialect(app) == "postgresql":
        plan = postgresql_plan(app, sql, params)
        assert "Seq Scan on posts" not in plan, plan
        assert "Index Scan using pk_posts" in plan, plan
        return
    details = [detail for _, _, detail in sqlite_plan(app, sql, params)]
    by_key = "SEARCH posts USING INTEGER PRIMARY KEY (rowid>"
    assert any(d.startswith(by_key) for d in details), details
    assert not any(d.startswith("SCAN posts") or "TEMP B-TREE" in d for d in details), details


def test_a_sitemap_part_reads_its_authors_by_primary_key(app, client, blog):
    sql, params = listing_query(app, client, "/sitemap/authors-1.xml", "users.username")
    if db_dialect(app) == "postgresql":
        plan = postgresql_plan(app, sql, params)
        assert "Seq Scan" not in plan, plan
        return
    details = [detail for _, _, detail in sqlite_plan(app, sql, params)]
    assert any(d.startswith("SEARCH users USING INTEGER PRIMARY KEY (rowid>") for d in details)
    assert not any(d.startswith("SCAN ") or "TEMP B-TREE" in d for d in details), details


def test_page_2000_is_picked_from_the_index_like_page_1(app, client, blog):
    """The deep page's ids come from the index alone (an index-only OFFSET)."""
    sql, params = listing_query(app, client, "/?page=2", "page_ids")
    if db_dialect(app) == "postgresql":
        assert "Index Only Scan" in postgresql_plan(app, sql, params)
    else:
        paged = inside(sqlite_plan(app, sql, params), ("MATERIALIZE page_ids",))
        assert any("USING COVERING INDEX ix_posts_published" in d for d in paged), paged


def test_the_next_scheduled_time_is_read_from_an_index(app, blog):
    add_scheduled_post(app, blog_author(app))
    with statements_run(app, with_parameters=True) as captured, app.app_context():
        assert Post.next_scheduled_time() is not None
    ((sql, params),) = captured
    assert_uses_indexes(app, sql, params)


def test_an_authors_scheduled_posts_are_read_through_an_index(app, client, blog, auth):
    add_scheduled_post(app, blog_author(app))
    auth.login()
    sql, params = listing_query(app, client, "/drafts", "posts.published_at >")
    assert_uses_indexes(app, sql, params)


def blog_author(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Post.user_id).order_by(Post.id).limit(1))

"""Scheduled posts: published for a time to come, seen by nobody but their author until
then, and then everywhere by themselves (no job flips a flag: the time is in the query).

The time "comes" here by moving the post's published_at into the past, never by waiting."""

from datetime import UTC, datetime, timedelta

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post, Tag
from tests.helpers.factories import add_scheduled_post, set_published_at, tag_posts
from tests.helpers.pages import page_text, titles_on
from tests.helpers.queries import queries_for

SOON = "Walrus season opens"


def a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


@pytest.fixture
def scheduled(app, make_user, make_posts) -> int:
    """Alice's public post "Old news" (tagged news) and her post "Walrus season opens"
    scheduled for tomorrow (tagged news and upcoming); Bob. The scheduled post's id."""
    alice = make_user("alice")
    make_user("bob")
    public = make_posts(alice, 1, title="Old news", content="Last year's walrus count.")
    tag_posts(app, public, "news")
    post_id = add_scheduled_post(app, alice, title=SOON, content="The walrus is back.")
    tag_posts(app, [post_id], "news", "upcoming")
    return post_id


def post_path(post_id: int) -> str:
    return f"/post/{post_id}/walrus-season-opens"


LISTINGS = [
    "/",
    "/user/alice",
    "/tag/news",
    "/search?q=walrus",
    "/feed.xml",
    "/user/alice/feed.xml",
    "/tag/news/feed.xml",
]


@pytest.mark.parametrize("url", LISTINGS)
def test_a_scheduled_post_is_listed_only_once_its_time_has_come(app, client, scheduled, url):
    before = client.get(url)
    assert before.status_code == 200
    assert "Old news" in before.text
    assert SOON not in before.text

    set_published_at(app, scheduled, a_minute_ago())

    after = client.get(url)
    assert SOON in after.text
    assert "Old news" in after.text


def test_a_scheduled_post_is_first_on_the_home_page_when_it_appears(app, client, scheduled):
    set_published_at(app, scheduled, a_minute_ago())
    assert titles_on(client.get("/")) == [SOON, "Old news"]


def test_a_tag_only_a_scheduled_post_has_is_not_public_yet(app, client, scheduled):
    assert client.get("/tag/upcoming").status_code == 404
    assert client.get("/tag/upcoming/feed.xml").status_code == 404
    assert "upcoming" not in client.get("/tags").text

    set_published_at(app, scheduled, a_minute_ago())

    assert titles_on(client.get("/tag/upcoming")) == [SOON]
    assert client.get("/tag/upcoming/feed.xml").status_code == 200
    assert "upcoming" in client.get("/tags").text


def test_tag_counts_and_profile_counts_leave_out_scheduled_posts(app, client, scheduled):
    with app.app_context():
        assert [(tag.name, count) for tag, count in Tag.with_post_counts()] == [("news", 1)]
    assert "1 post<" in client.get("/user/alice").text

    set_published_at(app, scheduled, a_minute_ago())

    with app.app_context():
        counts = [(tag.name, count) for tag, count in Tag.with_post_counts()]
    assert counts == [("news", 2), ("upcoming", 1)]
    assert "2 posts<" in client.get("/user/alice").text


def test_the_sitemap_names_a_scheduled_post_only_once_it_appears(app, client, scheduled):
    assert post_path(scheduled) not in client.get("/sitemap/posts-1.xml").text

    set_published_at(app, scheduled, a_minute_ago())

    assert post_path(scheduled) in client.get("/sitemap/posts-1.xml").text


def test_an_author_with_only_scheduled_posts_is_not_in_the_sitemap_yet(
    app, client, make_user, make_posts
):
    bob = make_user("bob")
    post_id = add_scheduled_post(app, bob)
    assert "/user/bob" not in client.get("/sitemap/authors-1.xml").text

    set_published_at(app, post_id, a_minute_ago())

    assert "/user/bob" in client.get("/sitemap/authors-1.xml").text


def test_the_home_pages_sitemap_date_is_that_of_the_newest_public_post(app, client, scheduled):
    text = client.get("/sitemap/authors-1.xml").text
    assert "<lastmod>2026-01-01T00:01:00Z</lastmod>" in text  # "Old news", not tomorrow


@pytest.mark.parametrize("reader", [None, "bob@example.com"])
def test_a_scheduled_post_is_404_for_everyone_but_its_author(app, client, auth, scheduled, reader):
    if reader:
        auth.login(reader)
    assert client.get(post_path(scheduled)).status_code == 404

    set_published_at(app, scheduled, a_minute_ago())

    assert client.get(post_path(scheduled)).status_code == 200


def test_an_admin_cannot_see_nor_change_a_scheduled_post_before_its_time(
    app, client, auth, make_user, scheduled
):
    make_user("root", admin=True)
    auth.login("root@example.com")
    assert client.get(post_path(scheduled)).status_code == 404
    assert client.get(f"/post/{scheduled}/update").status_code == 404


def test_its_author_reads_it_marked_scheduled_without_comments_yet(client, auth, scheduled):
    auth.login()
    response = client.get(post_path(scheduled))
    assert response.status_code == 200
    assert '<span class="badge">Scheduled</span>' in response.text
    assert '<meta name="robots" content="noindex">' in response.text
    assert "Comments open when the post appears." in page_text(response)
    assert 'id="comment-form"' not in response.text


def test_nobody_can_comment_on_a_scheduled_post_before_its_time(
    app, client, auth, forms, scheduled
):
    auth.login()
    url = f"/post/{scheduled}/comment"
    assert forms.submit(url, {"body": "First!"}, page="/account").status_code == 404
    with app.app_context():
        assert db.session.get(Post, scheduled).comments == []

    set_published_at(app, scheduled, a_minute_ago())

    assert forms.submit(url, {"body": "First!"}, page="/account").status_code == 302
    with app.app_context():
        assert [c.body for c in db.session.get(Post, scheduled).comments] == ["First!"]


# The drafts page


def test_the_drafts_page_lists_scheduled_posts_apart_with_their_utc_times(
    app, client, auth, make_user
):
    alice = make_user("alice")
    later = datetime(2030, 5, 4, 9, 30, tzinfo=UTC)
    sooner = datetime(2030, 1, 2, 8, 0, tzinfo=UTC)
    add_scheduled_post(app, alice, title="Later one", when=later)
    add_scheduled_post(app, alice, title="Sooner one", when=sooner)
    add_scheduled_post(app, make_user("bob"), title="Bob's plan")
    auth.login()

    response = client.get("/drafts")

    text = response.text
    assert '<h2 id="scheduled-heading">Scheduled</h2>' in text
    assert text.index("Sooner one") < text.index("Later one")
    assert '<time datetime="2030-01-02T08:00:00Z" title="January 2, 2030, 08:00 UTC">' in text
    assert '<time datetime="2030-05-04T09:30:00Z" title="May 4, 2030, 09:30 UTC">' in text
    assert ">May 4, 2030, 09:30 UTC</time>" in text
    assert "Bob's plan" not in text
    # Not drafts: the drafts list below stays empty.
    assert titles_on(response) == []
    assert "No drafts." in page_text(response)


def test_a_scheduled_post_leaves_the_drafts_page_when_it_appears(app, client, auth, make_user):
    post_id = add_scheduled_post(app, make_user("alice"), title="Any minute now")
    auth.login()
    assert "Any minute now" in client.get("/drafts").text

    set_published_at(app, post_id, a_minute_ago())

    assert "Any minute now" not in client.get("/drafts").text
    assert titles_on(client.get("/")) == ["Any minute now"]


def test_the_drafts_page_has_no_scheduled_section_without_scheduled_posts(client, auth, make_user):
    make_user("alice")
    auth.login()
    assert "Scheduled" not in client.get("/drafts").text


def test_the_drafts_page_costs_the_same_for_one_scheduled_post_or_many(
    app, client, auth, make_user, count_queries
):
    alice = make_user("alice")
    first = add_scheduled_post(app, alice, title="One")
    tag_posts(app, [first], "soon")
    auth.login()
    one = queries_for(client, count_queries, "/drafts")

    for n in range(8):
        tag_posts(app, [add_scheduled_post(app, alice, title=f"More {n}")], f"topic-{n}")

    # The reader, the drafts page (and how many follow), the scheduled posts, their tags.
    assert queries_for(client, count_queries, "/drafts") == one == 4


# The model


def test_publishing_a_scheduled_post_at_once_publishes_it_now(app, make_user):
    post_id = add_scheduled_post(app, make_user("alice"))
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post.is_scheduled and not post.is_public
        post.publish()
        db.session.commit()
        assert post.is_public and not post.is_scheduled
        assert post.published_at <= datetime.now(UTC)


def test_the_next_scheduled_time_is_the_soonest_still_to_come(app, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 2)
    soonest = datetime.now(UTC) + timedelta(hours=2)
    add_scheduled_post(app, alice, when=soonest + timedelta(hours=5))
    add_scheduled_post(app, alice, when=soonest)
    with app.app_context():
        assert Post.next_scheduled_time() == soonest


def test_there_is_no_next_scheduled_time_without_scheduled_posts(app, make_user, make_posts):
    make_posts(make_user("alice"), 2)
    with app.app_context():
        assert Post.next_scheduled_time() is None

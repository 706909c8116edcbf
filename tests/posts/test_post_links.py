"""The end of a post page (flaskblog.models.post_links and posts/_after_post.html): the
author's card with their feed, their previous and next posts, and related posts."""

import re
from datetime import UTC, datetime
from io import BytesIO
from urllib.parse import urlsplit

from PIL import Image

from flaskblog.extensions import db
from flaskblog.models import Post
from flaskblog.models.post_links import neighbours, related_posts
from tests.helpers.factories import (
    add_posts,
    add_scheduled_post,
    make_drafts,
    set_profile,
    tag_posts,
)
from tests.helpers.images import give_avatar
from tests.helpers.pages import head_value
from tests.helpers.queries import postgresql_plan, sqlite_plan, statements_run

LATER = datetime(2026, 3, 1, tzinfo=UTC)


def page(client, post_id: int) -> str:
    response = client.get(f"/post/{post_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def neighbour_links(html: str) -> dict[str, str]:
    """{"prev": title, "next": title} of the previous and next links."""
    return {
        rel: title
        for rel, title in re.findall(
            r'rel="(prev|next)"><span class="post-neighbours__label">[^<]+</span> ([^<]+)</a>', html
        )
    }


def related_titles(html: str) -> list[str]:
    section = re.search(r'<section class="related panel".*?</section>', html, re.S)
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', section.group(0)) if section else []


def test_a_post_ends_with_its_authors_card_and_a_visible_feed_link(app, client, alice, make_posts):
    set_profile(app, alice, about_me="Writes about birds.", website="https://alice.example.com")
    (post_id,) = make_posts(alice, 1)

    html = page(client, post_id)

    card = re.search(r'<aside class="author-card panel".*?</aside>', html, re.S).group(0)
    assert 'Written by <a href="/user/alice">alice</a>' in card
    assert '<p class="author-card__about">Writes about birds.</p>' in card
    assert '<a class="feed-link" href="/user/alice/feed.xml">Atom feed' in card
    assert '<a href="https://alice.example.com" rel="nofollow ugc">Website</a>' in card
    assert html.index("author-card") > html.index('class="post__body"')


def test_previous_and_next_are_the_same_authors_public_posts(app, client, alice, make_user):
    first, middle, last = add_posts(app, alice, 3, title="Alice {n}")
    add_posts(app, make_user("bob"), 1, title="Bob's, in between", start=LATER)
    make_drafts(app, alice, 1, title="Alice's draft")
    add_scheduled_post(app, alice, title="Alice's next week")

    assert neighbour_links(page(client, middle)) == {"prev": "Alice 1", "next": "Alice 3"}
    assert neighbour_links(page(client, first)) == {"next": "Alice 2"}
    assert neighbour_links(page(client, last)) == {"prev": "Alice 2"}


def test_posts_published_at_the_same_moment_are_told_apart_by_id(app, alice):
    same_time = datetime(2026, 5, 5, tzinfo=UTC)
    ids = add_posts(app, alice, 3)
    with app.app_context():
        for post_id in ids:
            db.session.get(Post, post_id).published_at = same_time
        db.session.commit()
        middle = neighbours(db.session.get(Post, ids[1]))

        assert (middle.older.id, middle.newer.id) == (ids[0], ids[2])


def test_an_author_with_one_post_has_no_neighbours(app, client, alices_post):
    html = page(client, alices_post)

    assert "post-neighbours" not in html


def test_related_posts_share_the_most_tags_first_then_the_newest_at_most_three(
    app, client, alice, make_user
):
    (post_id,) = add_posts(app, alice, 1, title="Puffins")
    bob = make_user("bob")
    two_shared = add_posts(app, bob, 1, title="Puffins at sea")
    one_shared = add_posts(app, bob, 3, title="Sea {n}", start=LATER)
    unrelated = add_posts(app, bob, 1, title="Cooking", start=LATER)
    tag_posts(app, [post_id, *two_shared], "birds", "sea")
    tag_posts(app, one_shared, "sea")
    tag_posts(app, unrelated, "food")
    tag_posts(app, make_drafts(app, bob, 1, title="Draft about birds"), "birds", "sea")

    assert related_titles(page(client, post_id)) == ["Puffins at sea", "Sea 3", "Sea 2"]


def test_a_post_without_tags_has_no_related_posts(app, client, alice, make_posts):
    (post_id,) = make_posts(alice, 1)
    others = make_posts(alice, 2)
    tag_posts(app, others, "sea")

    assert related_titles(page(client, post_id)) == []
    with app.app_context():
        assert related_posts(db.session.get(Post, post_id)) == []


def test_the_post_page_runs_the_same_queries_alone_or_with_neighbours_and_related(
    app, client, auth, alice, make_posts, count_queries
):
    def queries(post_id: int) -> int:
        with count_queries() as statements:
            page(client, post_id)
        return len(statements)

    (alone,) = make_posts(alice, 1, title="Alone")
    tag_posts(app, [alone], "lonely")
    counts = {"alone": queries(alone)}

    many = make_posts(alice, 5, title="Many {n}", start=LATER)
    tag_posts(app, many, "birds", "sea", "puffins")
    counts["with everything"] = queries(many[2])
    html = page(client, many[2])
    assert len(related_titles(html)) == 3 and len(neighbour_links(html)) == 2

    assert counts["alone"] == counts["with everything"]


def test_a_draft_page_shows_no_neighbours_or_related_posts(app, client, auth, alice, make_posts):
    make_posts(alice, 2)
    (draft,) = make_drafts(app, alice, 1)
    auth.login()

    html = page(client, draft)

    assert "post-neighbours" not in html and "related-heading" not in html
    assert "author-card" in html


def test_link_previews_always_name_a_card_and_an_image(app, client, alice, make_posts):
    (post_id,) = make_posts(alice, 1)
    response = client.get(f"/post/{post_id}")
    # No cover and no picture of the author's own (the default avatar is an SVG): the site's.
    assert head_value(response, "name", "twitter:card") == "summary"
    card = head_value(response, "property", "og:image")
    assert re.fullmatch(r"http://[^/]+/static/img/social-card\.png\?v=\w+", card)
    assert head_value(response, "property", "og:image:width") == "1200"
    assert head_value(response, "property", "og:image:height") == "630"
    served = client.get(urlsplit(card).path)
    assert served.status_code == 200
    assert Image.open(BytesIO(served.data)).size == (1200, 630)

    give_avatar(app, alice, "red")
    response = client.get(f"/post/{post_id}")
    assert head_value(response, "name", "twitter:card") == "summary"
    assert re.search(
        r'<meta property="og:image" content="http://[^"]+/avatar/\d+/\w+\.webp">', response.text
    )


def test_related_posts_read_each_tag_newest_first_down_an_index_and_stop(app, alice, make_posts):
    many = make_posts(alice, 4)
    tag_posts(app, many, "birds", "sea")
    with app.app_context():
        post = db.session.get(Post, many[0])
        assert len(post.tags) == 2  # loaded, as the post page has them
        with statements_run(app, with_parameters=True) as run:
            assert [link.title for link in related_posts(post)] == ["Post 4", "Post 3", "Post 2"]
    [(sql, params)] = run

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        details = [detail for _, _, detail in sqlite_plan(app, sql, params)]
        tag_reads = [detail for detail in details if "post_tags" in detail]
        # One backward read per tag, each stopped at its LIMIT: no sort of all of a tag's links.
        assert len(tag_reads) == 2, details
        assert all("ix_post_tags_tag_id_post_id (tag_id=?" in read for read in tag_reads), details
        assert not any(detail.startswith("SCAN post_tags") for detail in details), details
    else:
        plan = postgresql_plan(app, sql, params)
        assert plan.count("Index Only Scan Backward using ix_post_tags_tag_id_post_id") == 2, plan

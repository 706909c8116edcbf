"""What a post says of itself before it is opened: in listings the writer's summary, else
the first paragraph of the post as text; and the same in the meta description and the
tags that social sites read for their cards."""

import html
import re

import pytest

from flaskblog.extensions import db
from flaskblog.models import Image, Post
from tests.helpers.factories import make_drafts, tag_posts
from tests.helpers.pages import head_tags, head_value

LISTED_EXCERPT = re.compile(r'<p class="post__excerpt">(.*?)</p>', re.S)

# What used to come out as "A heading item one item two nested item def hello(name)...".
MIXED = """# A heading

- item one
- item two
  - nested item

```python
def hello(name):
    return name
```

| Day | Max |
|-----|----:|
| Mon | 15  |

> A quote, said someone.

The *first* paragraph, with [a link](https://example.com) &amp; an ampersand.

The second paragraph.
"""


def listed_excerpts(client, url: str = "/") -> list[str]:
    return [html.unescape(found) for found in LISTED_EXCERPT.findall(client.get(url).text)]


def set_summary(app, post_id: int, summary: str | None) -> None:
    with app.app_context():
        db.session.get(Post, post_id).summary = summary
        db.session.commit()


# Listings


def test_a_listing_shows_the_first_paragraph_not_headings_lists_code_tables_or_quotes(
    client, alice, make_posts
):
    make_posts(alice, 1, content=MIXED)

    assert listed_excerpts(client) == ["The first paragraph, with a link & an ampersand."]


def test_the_writers_summary_wins_over_the_first_paragraph(app, client, alice, make_posts):
    (post_id,) = make_posts(alice, 1, content=MIXED)
    set_summary(app, post_id, "What this post is about, in my words.")

    assert listed_excerpts(client) == ["What this post is about, in my words."]
    assert listed_excerpts(client, "/user/alice") == ["What this post is about, in my words."]


@pytest.mark.parametrize("url", ["/", "/user/alice", "/tag/news", "/drafts"])
def test_every_listing_shows_the_same_excerpt(app, client, auth, alice, make_posts, url):

    posts = make_posts(alice, 1, content=MIXED)
    tag_posts(app, posts, "news")
    make_drafts(app, alice, 1, content=MIXED)
    auth.login()

    assert listed_excerpts(client, url) == ["The first paragraph, with a link & an ampersand."]


def test_a_long_first_paragraph_is_cut_at_a_word_with_an_ellipsis(client, alice, make_posts):
    words = " ".join(f"word{n}" for n in range(200))
    make_posts(alice, 1, content=f"## Intro\n\n{words}\n\nMore.")

    [shown] = listed_excerpts(client)

    assert shown.endswith("…") and len(shown) <= Post.SUMMARY_LENGTH + 1
    assert words.startswith(shown[:-1] + " ")  # whole words, in order, from the start


def test_a_first_paragraph_after_a_long_code_block_is_still_found(client, alice, make_posts):
    code = "```python\n" + "total = total + 1  # counting\n" * 300 + "```"
    make_posts(alice, 1, content=f"> Quoted.\n\n{code}\n\nAfter the code.")

    assert listed_excerpts(client) == ["After the code."]


@pytest.mark.parametrize("content", ["# Only a heading", "```\ncode only\n```", "- a\n- list"])
def test_a_post_without_a_paragraph_lists_no_excerpt_text(client, alice, make_posts, content):
    make_posts(alice, 1, content=content)

    assert listed_excerpts(client) == [""]


@pytest.mark.parametrize(("words", "minutes"), [(1, 1), (200, 1), (201, 2), (401, 3)])
def test_a_listing_shows_the_reading_time_the_post_page_shows(
    client, alice, make_posts, words, minutes
):
    (post_id,) = make_posts(alice, 1, content="*Some*  words,\n\n- " + "word " * (words - 2))
    shown = re.compile(rf'<span class="post__reading">{minutes} min read</span>')

    assert shown.search(client.get("/").text)
    assert shown.search(client.get(f"/post/{post_id}").text)


def test_a_listing_reads_only_the_start_of_each_posts_html(
    client, alice, make_posts, count_queries
):
    make_posts(alice, 3, content="Opening.\n\n" + "Filler words here. " * 2_500)

    with count_queries() as statements:
        assert listed_excerpts(client) == ["Opening."] * 3

    listing = [s for s in statements if "FROM posts" in s and "substr(" in s.lower()]
    assert listing, statements
    assert not [s for s in statements if re.search(r"posts\.content(_html|_text)? AS", s)]


# The post page's head: description and social cards


def test_the_head_describes_the_post_with_its_summary(app, client, alice, make_posts):
    (post_id,) = make_posts(alice, 1, title="Tides", content=MIXED)
    set_summary(app, post_id, "Why the sea comes and goes.")

    response = client.get(f"/post/{post_id}")

    assert head_value(response, "name", "description") == "Why the sea comes and goes."
    assert head_value(response, "property", "og:description") == "Why the sea comes and goes."
    assert head_value(response, "property", "og:title") == "Tides"
    assert head_value(response, "property", "og:type") == "article"
    assert head_value(response, "property", "og:url") == "http://flaskblog.test/post/1/tides"
    assert head_value(response, "property", "article:published_time") == "2026-01-01T00:01:00Z"
    assert head_value(response, "name", "twitter:card") == "summary"


def test_without_a_summary_the_head_describes_the_post_with_its_first_paragraph(
    client, alice, make_posts
):
    (post_id,) = make_posts(alice, 1, content=MIXED)

    response = client.get(f"/post/{post_id}")

    expected = "The first paragraph, with a link & an ampersand."
    assert head_value(response, "name", "description") == expected
    assert head_value(response, "property", "og:description") == expected


def test_the_heads_tags_are_escaped(app, client, alice, make_posts):
    hostile = '"><script>alert(1)</script><meta name="x" content="'
    (post_id,) = make_posts(alice, 1, title=hostile[:90], content="Words.")
    set_summary(app, post_id, hostile)

    response = client.get(f"/post/{post_id}")

    assert head_value(response, "name", "description") == hostile
    assert head_value(response, "property", "og:title") == hostile[:90]
    assert "<script>" not in response.text
    assert not [tag for tag in head_tags(response) if tag.get("name") == "x"]


def social_cards(response) -> list[str]:
    return [tag["content"] for tag in head_tags(response) if tag.get("name") == "twitter:card"]


def test_a_post_has_one_social_card(client, alice, make_posts):
    (post_id,) = make_posts(alice, 1)

    assert social_cards(client.get(f"/post/{post_id}")) == ["summary"]


def test_a_post_with_a_cover_has_one_large_social_card(app, client, alice, make_posts):
    (post_id,) = make_posts(alice, 1)
    with app.app_context():
        cover = Image(
            user_id=alice, digest="0" * 16, extension="webp", width=8, height=8, size=1, data=b"x"
        )
        db.session.get(Post, post_id).cover = cover
        db.session.commit()

    assert social_cards(client.get(f"/post/{post_id}")) == ["summary_large_image"]


def test_a_draft_seen_by_its_author_has_no_published_time(app, client, auth, alice):

    [draft] = make_drafts(app, alice)
    auth.login()

    response = client.get(f"/post/{draft}")

    assert response.status_code == 200
    assert not [t for t in head_tags(response) if t.get("property") == "article:published_time"]

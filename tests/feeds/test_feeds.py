"""Atom feeds (site, per user, per tag), the sitemap and robots.txt: what a feed reader or a
search engine gets, what it never gets (drafts, live markup), and what they cost."""

import re
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.robotparser import RobotFileParser

import feedparser
import pytest

from flaskblog.extensions import db
from flaskblog.feeds import documents
from flaskblog.models import Post, Tag
from tests.helpers.factories import tag_posts
from tests.helpers.pages import page_text

BASE = "http://flaskblog.test"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
START = datetime(2026, 1, 1, tzinfo=UTC)
FEED_QUERIES = {"/feed.xml": 2, "/user/alice/feed.xml": 3, "/tag/news/feed.xml": 3}


def read_feed(client, url: str) -> feedparser.FeedParserDict:
    """GET a feed, check it is served as Atom, and parse it as a feed reader would."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(
        response.get_data(), response_headers={"content-type": response.content_type}
    )
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def titles_in(client, url: str) -> list[str]:
    return [entry.title for entry in read_feed(client, url).entries]


def minutes_after_start(n: int) -> time.struct_time:
    """The published date make_posts gives post number `n`, as feedparser reports dates."""
    return (START + timedelta(minutes=n)).utctimetuple()


def stored(app, post_id: int) -> Post:
    with app.app_context():
        return db.session.get(Post, post_id)


def write(forms, title: str, content: str, tags: str = "", draft: bool = False) -> int:
    """Write a post through the editor as the logged-in user; returns its id."""
    button = {"save_draft": "Save draft"} if draft else {"submit": "Publish"}
    response = forms.submit(
        "/post/new", {"title": title, "content": content, "tags": tags, **button}
    )
    assert response.status_code == 302
    return int(re.search(r"/post/(\d+)", response.headers["Location"])[1])


def edit(forms, post_id: int, title: str, content: str, tags: str = "", draft: bool = False):
    """Change a post through its real edit page."""
    button = {"unpublish": "Unpublish"} if draft else {"submit": "Publish"}
    response = forms.submit(
        f"/post/{post_id}/update", {"title": title, "content": content, "tags": tags, **button}
    )
    assert response.status_code == 302


# The site feed


def test_site_feed_holds_the_latest_twenty_posts_newest_first(client, make_user, make_posts):
    make_posts(make_user("alice"), 25)

    feed = read_feed(client, "/feed.xml")

    assert [entry.title for entry in feed.entries] == [f"Post {n}" for n in range(25, 5, -1)]
    assert feed.entries[0].published_parsed == minutes_after_start(25)
    assert feed.feed.updated_parsed == minutes_after_start(25)


def test_site_feed_names_itself_and_the_home_page(client, make_user, make_posts):
    make_posts(make_user("alice"), 1)

    feed = read_feed(client, "/feed.xml").feed

    assert feed.title == "flaskblog"
    assert feed.id == f"{BASE}/feed.xml"
    links = {link.rel: (link.href, link.type) for link in feed.links}
    assert links == {
        "self": (f"{BASE}/feed.xml", "application/atom+xml"),
        "alternate": (f"{BASE}/", "text/html"),
    }


def test_empty_site_feed_is_still_valid_atom_with_a_fixed_date(client):
    first = client.get("/feed.xml")
    feed = read_feed(client, "/feed.xml")

    assert feed.entries == []
    assert feed.feed.updated == "1970-01-01T00:00:00Z"
    assert client.get("/feed.xml").headers["ETag"] == first.headers["ETag"]
    assert "Last-Modified" not in first.headers


def test_entry_carries_the_whole_rendered_post_its_author_dates_tags_and_link(
    app, client, make_user, make_posts
):
    words = " ".join(f"word{n}" for n in range(200))
    content = f"# Heading\n\nSome *emphasis* and a [link](https://example.com).\n\n{words}"
    (post_id,) = make_posts(make_user("alice"), 1, title="Full text", content=content)
    tag_posts(app, [post_id], "python", "flask")

    [entry] = read_feed(client, "/feed.xml").entries

    post = stored(app, post_id)
    [body] = entry.content
    assert body.type == "text/html"
    assert "<h1>Heading</h1>" in body.value
    assert "<em>emphasis</em>" in body.value
    assert '<a href="https://example.com" rel="nofollow noopener ugc">link</a>' in body.value
    assert "word199" in body.value  # all of it, not the listing's excerpt
    assert entry.title == "Full text"
    assert entry.author_detail.name == "alice"
    assert entry.author_detail.href == f"{BASE}/user/alice"
    assert entry.link == f"{BASE}/post/{post_id}/{post.slug}" == f"{BASE}/post/{post_id}/full-text"
    assert entry.published_parsed == minutes_after_start(1)
    assert entry.updated_parsed >= entry.published_parsed
    assert [tag.term for tag in entry.tags] == ["flask", "python"]


def test_entry_summary_is_the_first_paragraph_as_text(client, make_user, make_posts):
    content = "# Heading\n\n- a list\n\n```python\nx = 1\n```\n\nThe *opening* & more.\n\nNext."
    make_posts(make_user("alice"), 1, content=content)

    [entry] = read_feed(client, "/feed.xml").entries

    assert entry.summary_detail.type == "text/plain"
    assert entry.summary == "The opening & more."


def test_entry_summary_is_the_writers_summary_when_there_is_one(app, client, make_user, make_posts):
    (post_id,) = make_posts(make_user("alice"), 1, content="The opening.")
    with app.app_context():
        db.session.get(Post, post_id).summary = "In short: <tides> & moons."
        db.session.commit()

    [entry] = read_feed(client, "/feed.xml").entries

    assert entry.summary == "In short: <tides> & moons."


def test_relative_links_in_a_post_resolve_against_the_post_page(client, make_user, make_posts):
    (post_id,) = make_posts(make_user("alice"), 1, title="Links", content="[next](next-one)")

    [entry] = read_feed(client, "/feed.xml").entries

    assert f'href="{BASE}/post/{post_id}/next-one"' in entry.content[0].value


def test_raw_feed_dates_are_rfc_3339_in_utc(client, make_user, make_posts):
    make_posts(make_user("alice"), 1)

    root = ET.fromstring(client.get("/feed.xml").get_data())

    entry = root.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}published") == "2026-01-01T00:01:00Z"
    assert entry.findtext(f"{ATOM}updated") == "2026-01-01T00:01:00Z"
    assert root.findtext(f"{ATOM}updated") == "2026-01-01T00:01:00Z"


# Stable ids


def test_entry_id_stays_the_same_when_the_title_and_slug_change(
    app, client, forms, logged_in_alice
):
    post_id = write(forms, "First title", "Body.")
    [before] = read_feed(client, "/feed.xml").entries

    edit(forms, post_id, "A completely new title", "Body, edited.")

    [after] = read_feed(client, "/feed.xml").entries
    assert after.id == before.id
    assert before.id.startswith("tag:flaskblog.test,")
    assert after.title == "A completely new title"
    assert after.link == f"{BASE}/post/{post_id}/a-completely-new-title"
    assert after.updated_parsed >= before.updated_parsed
    assert stored(app, post_id).slug == "a-completely-new-title"


def test_every_entry_has_its_own_id(client, make_user, make_posts):
    make_posts(make_user("alice"), 5)

    ids = [entry.id for entry in read_feed(client, "/feed.xml").entries]

    assert len(set(ids)) == 5


def test_entry_id_is_the_same_whichever_feed_carries_it(app, client, make_user, make_posts):
    (post_id,) = make_posts(make_user("alice"), 1)
    tag_posts(app, [post_id], "news")

    ids = {
        read_feed(client, url).entries[0].id
        for url in ("/feed.xml", "/user/alice/feed.xml", "/tag/news/feed.xml")
    }

    assert len(ids) == 1


# Drafts


def test_drafts_are_in_no_feed_until_published(client, forms, logged_in_alice):
    write(forms, "Public", "Everyone may read this.", tags="news")
    draft_id = write(forms, "Secret plan", "Not yet.", tags="news, plans", draft=True)

    for url in ("/feed.xml", "/user/alice/feed.xml", "/tag/news/feed.xml"):
        assert titles_in(client, url) == ["Public"], url
        assert "Secret plan" not in client.get(url).get_data(as_text=True)
    assert client.get("/tag/plans/feed.xml").status_code == 404

    edit(forms, draft_id, "Secret plan", "Now it is out.", tags="news, plans")

    for url in ("/feed.xml", "/user/alice/feed.xml", "/tag/news/feed.xml"):
        assert titles_in(client, url) == ["Secret plan", "Public"], url
    assert titles_in(client, "/tag/plans/feed.xml") == ["Secret plan"]


def test_a_post_taken_back_to_drafts_leaves_the_feeds(client, forms, logged_in_alice):
    post_id = write(forms, "Oops", "Published too early.", tags="news")

    edit(forms, post_id, "Oops", "Published too early.", tags="news", draft=True)

    assert titles_in(client, "/feed.xml") == []
    assert titles_in(client, "/user/alice/feed.xml") == []
    assert client.get("/tag/news/feed.xml").status_code == 404


# User and tag feeds


def test_user_feed_holds_only_that_users_posts(client, make_user, make_posts):
    make_posts(make_user("alice"), 2, title="Alice {n}")
    make_posts(make_user("bob"), 2, title="Bob {n}")

    feed = read_feed(client, "/user/alice/feed.xml")

    assert [entry.title for entry in feed.entries] == ["Alice 2", "Alice 1"]
    assert feed.feed.id == f"{BASE}/user/alice/feed.xml"
    assert {link.rel: link.href for link in feed.feed.links} == {
        "self": f"{BASE}/user/alice/feed.xml",
        "alternate": f"{BASE}/user/alice",
    }


def test_user_feed_finds_the_user_in_any_case_and_names_the_real_one(client, make_user, make_posts):
    make_posts(make_user("Alice"), 1)

    feed = read_feed(client, "/user/aLiCe/feed.xml")

    assert len(feed.entries) == 1
    assert feed.feed.id == f"{BASE}/user/Alice/feed.xml"


def test_user_without_posts_has_an_empty_feed(client, make_user):
    make_user("alice")

    assert titles_in(client, "/user/alice/feed.xml") == []


def test_user_feed_holds_twenty_posts_at_most(client, make_user, make_posts):
    make_posts(make_user("alice"), 25)

    titles = titles_in(client, "/user/alice/feed.xml")

    assert (len(titles), titles[0], titles[-1]) == (20, "Post 25", "Post 6")


def test_tag_feed_holds_only_posts_with_that_tag(app, client, make_user, make_posts):
    alice, bob = make_user("alice"), make_user("bob")
    first, _, third = make_posts(alice, 3)
    (bobs,) = make_posts(bob, 1, title="Bob's")
    tag_posts(app, [first, third, bobs], "news")

    feed = read_feed(client, "/tag/NEWS/feed.xml")

    assert [entry.title for entry in feed.entries] == ["Post 3", "Bob's", "Post 1"]
    assert feed.feed.id == f"{BASE}/tag/news/feed.xml"
    assert {link.rel: link.href for link in feed.feed.links} == {
        "self": f"{BASE}/tag/news/feed.xml",
        "alternate": f"{BASE}/tag/news",
    }


@pytest.mark.parametrize(
    "url",
    [
        "/user/nobody/feed.xml",
        "/user/" + "a" * 1000 + "/feed.xml",
        "/user/%C3%A9l%C3%A8ve/feed.xml",
        "/user/alice'%20OR%20'1'='1/feed.xml",
        "/tag/unknown/feed.xml",
        "/tag/" + "t" * 1000 + "/feed.xml",
        "/tag/%E2%9C%93/feed.xml",
        "/tag/news'%20OR%201=1--/feed.xml",
    ],
)
def test_unknown_user_or_tag_feed_is_not_found(client, make_user, make_posts, url):
    make_posts(make_user("alice"), 1)

    response = client.get(url)

    assert response.status_code == 404
    assert '<p class="error-page__code">404</p>' in page_text(response)


def test_tag_with_no_posts_left_has_no_feed(app, client, make_user, make_posts):
    (post_id,) = make_posts(make_user("alice"), 1)
    tag_posts(app, [post_id], "news")
    tag_posts(app, [post_id])  # the post drops its only tag

    assert client.get("/tag/news/feed.xml").status_code == 404


# Conditional GET


def test_feed_answers_a_current_copy_with_not_modified(client, make_user, make_posts):
    make_posts(make_user("alice"), 3)
    first = client.get("/feed.xml")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert last_modified == "Thu, 01 Jan 2026 00:03:00 GMT"

    by_etag = client.get("/feed.xml", headers={"If-None-Match": etag})
    by_date = client.get("/feed.xml", headers={"If-Modified-Since": last_modified})

    for response in (by_etag, by_date):
        assert response.status_code == 304
        assert response.get_data() == b""
        assert response.headers["ETag"] == etag


def test_feed_is_sent_again_once_it_changes(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 1)
    etag = client.get("/user/alice/feed.xml").headers["ETag"]

    make_posts(alice, 1, title="Newer")
    response = client.get("/user/alice/feed.xml", headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert b"Newer" in response.get_data()


def test_feed_is_sent_again_after_a_post_is_deleted(client, forms, logged_in_alice):
    write(forms, "Stays", "Body.")
    gone = write(forms, "Goes", "Body.")
    etag = client.get("/feed.xml").headers["ETag"]

    forms.submit(f"/post/{gone}/delete", page=f"/post/{gone}")
    response = client.get("/feed.xml", headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert b"Goes" not in response.get_data()


def test_old_etag_gets_the_whole_feed(client, make_user, make_posts):
    make_posts(make_user("alice"), 1)

    response = client.get("/feed.xml", headers={"If-None-Match": '"not-the-current-one"'})

    assert response.status_code == 200
    assert len(read_feed(client, "/feed.xml").entries) == 1


# Cost


@pytest.mark.parametrize("url", FEED_QUERIES)
def test_feed_runs_the_same_queries_for_one_post_or_twenty(
    app, client, make_user, make_posts, count_queries, url
):
    alice, bob = make_user("alice"), make_user("bob")
    tag_posts(app, make_posts(alice, 1), "news", "python")
    with count_queries() as small:
        assert len(read_feed(client, url).entries) == 1

    tag_posts(app, make_posts(alice, 10), "news")
    tag_posts(app, make_posts(bob, 9), "news", "flask")
    if url == "/user/alice/feed.xml":
        tag_posts(app, make_posts(alice, 9), "news")
    with count_queries() as large:
        assert len(read_feed(client, url).entries) == 20

    assert len(small) == len(large) == FEED_QUERIES[url]


# XSS


class Elements(HTMLParser):
    """Collects every element of an HTML fragment with its attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def elements_in(html: str) -> list[tuple[str, list]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.found


XSS_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)>'
XSS_BODY = """\
Hello <script>alert("body")</script> and <img src=x onerror="alert(2)">.

[click me](javascript:alert(3)) and <a href="javascript:alert(4)">raw link</a>

![pic](javascript:alert(5)) <iframe src="https://evil.example"></iframe>
"""
XSS_TAG = '"><script>alert(6)</script>'


def test_hostile_title_body_and_tag_reach_the_feed_as_inert_text(
    app, client, forms, logged_in_alice
):
    post_id = write(forms, XSS_TITLE, XSS_BODY)
    # The editor refuses such a tag name, so put it there directly: the feed must not rely on that.
    with app.app_context():
        db.session.get(Post, post_id).tags = [Tag(name=XSS_TAG)]
        db.session.commit()
    cleaned = stored(app, post_id).content_html

    raw = client.get("/feed.xml").get_data(as_text=True)

    # Nothing in the document itself is markup beyond Atom's own elements.
    for marker in ("<script", "<img", "<iframe", "<a "):
        assert marker not in raw.lower(), marker
    root = ET.fromstring(raw)
    assert {element.tag.removeprefix(ATOM) for element in root.iter()} == {
        "feed", "id", "title", "updated", "link", "generator", "entry", "published",
        "author", "name", "uri", "category", "summary", "content",
    }  # fmt: skip
    entry = root.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == XSS_TITLE  # text, escaped on the way out
    assert entry.find(f"{ATOM}category").get("term") == XSS_TAG
    # What a reader unescapes and renders is the HTML nh3 cleaned when the post was saved.
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text == cleaned
    assert elements_in(cleaned) == [("p", []), ("p", []), ("p", [])]
    assert '&lt;script&gt;alert("body")' in cleaned  # the author's raw HTML shows as text


# Characters XML cannot carry


def test_control_characters_in_a_post_do_not_break_the_feed(client, forms, logged_in_alice):
    write(forms, "Bell\x07 and tab\x0b", "Escape \x1b[31mred\x1b[0m, form feed \x0c, \ufffe end.")

    [entry] = read_feed(client, "/feed.xml").entries

    assert entry.title == "Bell and tab"
    assert "Escape [31mred[0m, form feed" in entry.content[0].value
    assert entry.content[0].value.endswith("end.</p>")
    assert titles_in(client, "/user/alice/feed.xml") == ["Bell and tab"]


# Advertising the feeds


def test_every_page_advertises_the_site_feed(client, make_user):
    make_user("alice")

    for url in ("/", "/about", "/login", "/user/alice"):
        html = client.get(url).get_data(as_text=True)
        assert '<link rel="alternate" type="application/atom+xml"' in html, url
        assert 'href="/feed.xml"' in html, url


def test_user_page_advertises_the_users_feed(client, make_user, make_posts):
    make_posts(make_user("Alice"), 1)

    html = client.get("/user/alice").get_data(as_text=True)

    assert (
        '<link rel="alternate" type="application/atom+xml" title="Posts by Alice" '
        'href="/user/Alice/feed.xml">'
    ) in html
    assert read_feed(client, "/user/Alice/feed.xml").entries


def test_tag_page_advertises_the_tags_feed(app, client, make_user, make_posts):
    tag_posts(app, make_posts(make_user("alice"), 1), "news")

    html = client.get("/tag/news").get_data(as_text=True)

    assert 'type="application/atom+xml" title="Posts tagged news" href="/tag/news/feed.xml"' in html


# Sitemap


def sitemap_xml(client, url: str, root_tag: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type == "application/xml; charset=utf-8"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{SITEMAP}{root_tag}"
    return root


def sitemap_parts(client) -> list[str]:
    """The paths of the parts the sitemap index names."""
    index = sitemap_xml(client, "/sitemap.xml", "sitemapindex")
    return [entry.findtext(f"{SITEMAP}loc").removeprefix(BASE) for entry in index]


def sitemap(client) -> dict[str, str | None]:
    """The whole sitemap, every part the index names, as {address: lastmod}, after checking
    that each is well-formed sitemap XML."""
    urls, count = {}, 0
    for part in sitemap_parts(client):
        root = sitemap_xml(client, part, "urlset")
        urls |= {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root}
        count += len(root)
    assert len(urls) == count  # no address twice
    return urls


def test_sitemap_lists_home_published_posts_and_their_authors(
    app, client, forms, logged_in_alice, make_user, make_posts
):
    public = write(forms, "Public post", "Body.")
    draft = write(forms, "Secret draft", "Body.", draft=True)
    bob = make_user("bob")
    (bobs,) = make_posts(bob, 1, title="Bob's post")
    carol = make_user("carol")
    make_user("dave")  # no posts at all
    with app.app_context():
        db.session.add(Post(title="Carol's draft", content="x", user_id=carol, is_published=False))
        db.session.commit()

    urls = sitemap(client)

    assert set(urls) == {
        f"{BASE}/",
        f"{BASE}/post/{public}/public-post",
        f"{BASE}/post/{bobs}/bob-s-post",
        f"{BASE}/user/alice",
        f"{BASE}/user/bob",
    }
    assert all(f"/post/{draft}" not in url for url in urls)
    assert urls[f"{BASE}/post/{bobs}/bob-s-post"] == "2026-01-01T00:01:00Z"
    assert urls[f"{BASE}/user/bob"] == "2026-01-01T00:01:00Z"
    rfc3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert all(rfc3339.fullmatch(lastmod) for lastmod in urls.values())


def test_sitemap_follows_a_renamed_post_and_a_published_draft(app, client, forms, logged_in_alice):
    post_id = write(forms, "Old name", "Body.")
    draft_id = write(forms, "Draft", "Body.", draft=True)

    edit(forms, post_id, "New name", "Body.")
    edit(forms, draft_id, "Draft no more", "Body.")

    urls = sitemap(client)
    assert f"{BASE}/post/{post_id}/new-name" in urls
    assert f"{BASE}/post/{post_id}/old-name" not in urls
    assert f"{BASE}/post/{draft_id}/draft-no-more" in urls


def test_empty_sitemap_lists_the_home_page(client):
    assert sitemap(client) == {f"{BASE}/": None}


def test_sitemap_runs_the_same_queries_for_one_post_or_many(
    client, make_user, make_posts, count_queries
):
    make_posts(make_user("alice"), 1)
    with count_queries() as small:
        assert len(sitemap(client)) == 3

    for name in ("bob", "carol", "dave"):
        make_posts(make_user(name), 5)
    with count_queries() as large:
        assert len(sitemap(client)) == 1 + 16 + 4

    # The index (2), the posts' part (2), the authors' part with the home page (3).
    assert len(small) == len(large) == 7


def test_the_sitemap_is_an_index_of_parts_of_bounded_size(
    client, make_user, make_posts, monkeypatch, count_queries
):
    monkeypatch.setattr(documents, "SITEMAP_PART_SIZE", 4, raising=False)
    alice = make_user("alice")
    make_posts(alice, 10)
    for name in ("bob", "carol", "dave", "erin"):
        make_posts(make_user(name), 1)

    parts = sitemap_parts(client)

    assert parts == [
        "/sitemap/posts-1.xml",
        "/sitemap/posts-2.xml",
        "/sitemap/posts-3.xml",
        "/sitemap/posts-4.xml",
        "/sitemap/authors-1.xml",
        "/sitemap/authors-2.xml",
    ]
    sizes = [len(sitemap_xml(client, part, "urlset")) for part in parts]
    assert sizes == [4, 4, 4, 2, 1 + 4, 1]
    assert len(sitemap(client)) == 1 + 14 + 5
    for missing in ("/sitemap/posts-5.xml", "/sitemap/posts-0.xml", "/sitemap/authors-3.xml"):
        assert client.get(missing).status_code == 404
    # Each part reads its own range of ids, whatever comes before it.
    with count_queries() as first:
        sitemap_xml(client, parts[0], "urlset")
    with count_queries() as last:
        sitemap_xml(client, parts[3], "urlset")
    assert len(first) == len(last) == 2


# robots.txt


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_pages(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    disallowed = {line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow:")}
    for private in ("/account", "/login", "/register", "/reset_password", "/post/new", "/drafts"):
        assert private in disallowed
    assert "/post/*/update" in disallowed
    # Posts, user pages, tags and feeds stay open.
    for public in ("/", "/post/", "/user/", "/tag/", "/feed.xml"):
        assert not any(public.startswith(rule) for rule in disallowed if rule != "/"), public
    assert "Disallow: /" not in lines


def test_robots_txt_lets_crawlers_find_the_search_form_but_no_search(client):
    robots = RobotFileParser()
    robots.parse(client.get("/robots.txt").get_data(as_text=True).splitlines())
    robots.modified()  # as read() does: until then it allows nothing

    assert robots.can_fetch("*", f"{BASE}/search")
    assert not robots.can_fetch("*", f"{BASE}/search?q=walrus")
    assert not robots.can_fetch("*", f"{BASE}/search?q=walrus&page=2")
    assert not robots.can_fetch("*", f"{BASE}/search?page=2&q=walrus")

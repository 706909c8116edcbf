"""The home page (everyone's posts, newest first, paged), the about page, and what bad
paging and NUL characters do. Also: what a listing shows of each post, and that home and
user pages cost a fixed number of queries."""

import re

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post, User
from tests.helpers.factories import add_comments, tag_posts
from tests.helpers.images import give_avatar
from tests.helpers.pages import csrf_token_from, page_text, titles_on
from tests.helpers.queries import queries_with_and_without_login

READER = "reader@example.com"


def pager_on(response) -> list[str]:
    """The page links of a listing page as text: numbers, "…" for gaps, "[n]" for the current."""
    html = response.get_data(as_text=True)
    pager = re.search(r'<nav class="pager".*?</nav>', html, re.DOTALL)
    if pager is None:
        return []
    items = []
    for link, current, number, gap in re.findall(
        r'<a class="pager__page([^"]*)"[^>]*?( aria-current="page")?>(\d+)</a>'
        r'|(<span class="pager__gap")',
        pager.group(0),
    ):
        if gap:
            items.append("…")
        else:
            items.append(f"[{number}]" if current else number)
            assert ("--current" in link) == bool(current)
    return items


# Home


@pytest.mark.parametrize("url", ["/", "/home"])
def test_home_lists_the_newest_five_posts_first(client, make_user, make_posts, url):
    alice = make_user("alice")
    make_posts(alice, 7)

    response = client.get(url)

    assert response.status_code == 200
    assert titles_on(response) == ["Post 7", "Post 6", "Post 5", "Post 4", "Post 3"]
    assert ">alice</a>" in response.get_data(as_text=True)


def test_second_page_holds_the_older_posts(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 7)

    response = client.get("/?page=2")

    assert response.status_code == 200
    assert titles_on(response) == ["Post 2", "Post 1"]
    assert pager_on(response) == ["1", "[2]"]


def test_posts_from_every_author_are_interleaved_by_date(app, client, make_user, make_posts):
    alice, bob = make_user("alice"), make_user("bob")
    make_posts(alice, 2, title="Alice {n}")
    make_posts(bob, 2, title="Bob {n}")

    # Same timestamps: the later id comes first, so the order is stable.
    assert titles_on(client.get("/")) == ["Bob 2", "Alice 2", "Bob 1", "Alice 1"]


def test_pager_shows_ellipses_around_the_current_page(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 60)

    response = client.get("/?page=6")

    assert response.status_code == 200
    assert titles_on(response) == [f"Post {n}" for n in range(35, 30, -1)]
    # The last page is not counted (that would count every post): a gap stands for it.
    assert pager_on(response) == ["1", "…", "4", "5", "[6]", "7", "8", "9", "…"]
    html = response.get_data(as_text=True)
    assert 'href="/?page=5" rel="prev"' in html
    assert 'href="/?page=7" rel="next"' in html


def test_pager_on_the_first_and_last_pages(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 60)

    first, last = client.get("/"), client.get("/?page=12")

    assert pager_on(first) == ["[1]", "2", "3", "4", "…"]
    assert 'rel="prev"' not in first.get_data(as_text=True)
    assert pager_on(last) == ["1", "…", "10", "11", "[12]"]
    assert 'rel="next"' not in last.get_data(as_text=True)
    assert titles_on(last) == [f"Post {n}" for n in range(5, 0, -1)]


def test_pager_links_the_last_page_once_it_is_within_three_pages(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 60)

    assert pager_on(client.get("/?page=8")) == ["1", "…", "6", "7", "[8]", "9", "10", "11", "…"]
    assert pager_on(client.get("/?page=9")) == ["1", "…", "7", "8", "[9]", "10", "11", "12"]
    # The user page counts its author's posts with the user, so it always knows the last.
    assert pager_on(client.get("/user/alice")) == ["[1]", "2", "3", "4", "…", "12"]


def test_a_single_page_has_no_pager(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 5)

    response = client.get("/")

    assert len(titles_on(response)) == 5
    assert 'class="pager"' not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "page", ["0", "-1", "abc", "1.5", "", "3", "2147483648", "99999999999999999999"]
)
@pytest.mark.parametrize("url", ["/", "/home", "/user/alice"])
def test_a_page_that_does_not_exist_is_404(client, make_user, make_posts, url, page):
    alice = make_user("alice")
    make_posts(alice, 7)

    response = client.get(f"{url}?page={page}")

    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_empty_blog_greets_the_visitor_on_page_one(client, auth, make_user):
    response = client.get("/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No posts yet." in html
    assert "Write the first one." not in html
    assert client.get("/?page=2").status_code == 404

    make_user("alice")
    auth.login()
    html = client.get("/").get_data(as_text=True)
    assert 'No posts yet. <a href="/post/new">Write the first one.</a>' in html


def test_about_page(client):
    response = client.get("/about")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>About flaskblog</h1>" in html
    assert '<nav class="nav container" aria-label="Main">' in html


def test_home_and_about_pages_speak_the_visitors_language(client):
    spanish = {"Accept-Language": "es"}

    home = client.get("/", headers=spanish).get_data(as_text=True)
    about = client.get("/about", headers=spanish).get_data(as_text=True)

    assert "Todavía no hay entradas." in home
    assert "<h1>Acerca de flaskblog</h1>" in about
    assert "<title>Acerca de" in about


# The user page


def test_user_page_lists_only_that_users_posts_newest_first(client, make_user, make_posts):
    alice, bob = make_user("alice"), make_user("bob")
    make_posts(alice, 6, title="Alice {n}")
    make_posts(bob, 2, title="Bob {n}")

    response = client.get("/user/ALICE")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Posts by alice" in html
    assert "6 posts" in html
    assert titles_on(response) == [f"Alice {n}" for n in range(6, 1, -1)]
    assert pager_on(response) == ["[1]", "2"]
    assert 'href="/user/alice?page=2"' in html
    assert titles_on(client.get("/user/alice?page=2")) == ["Alice 1"]


def test_unknown_user_page_is_404(client, make_user):
    make_user("alice")

    assert client.get("/user/nobody").status_code == 404
    assert client.get("/user/" + "a" * 300).status_code == 404


# What a listing shows of each post


def listed_post(response, title: str) -> str:
    """The markup of the one post with this title on a listing page."""
    articles = re.findall(r'<article class="post">.*?</article>', page_text(response), re.S)
    [article] = [article for article in articles if f">{title}</a></h2>" in article]
    return article


@pytest.mark.parametrize("url", ["/", "/user/alice", "/tag/python"])
def test_a_listing_shows_title_author_date_tags_reading_time_comments_and_an_excerpt(
    app, client, make_user, make_posts, url
):
    alice, bob = make_user("alice"), make_user("bob")
    words = " ".join(f"word{n}" for n in range(450))  # 450 words: three minutes at 200 a minute
    (post_id,) = make_posts(alice, 1, title="A long read", content=f"**Bold** start. {words}")
    tag_posts(app, [post_id], "python", "flask")
    add_comments(app, post_id, bob, 2)

    response = client.get(url)

    assert response.status_code == 200
    post = listed_post(response, "A long read")
    assert f'<a href="/post/{post_id}/a-long-read">A long read</a>' in post
    assert '<a class="post__author" href="/user/alice">alice</a>' in post
    assert (
        '<span class="post__date"><time datetime="2026-01-01T00:01:00Z" title="January 1, 2026,'
        ' 00:01 UTC" data-local="date">January 1, 2026 (UTC)</time></span>' in post
    )
    assert "3 min read" in post
    assert f'href="/post/{post_id}/a-long-read#comments">2 comments</a>' in post
    assert re.findall(r'<a class="tag" href="/tag/([^"]+)" rel="tag">\1</a>', post) == [
        "flask",
        "python",
    ]
    excerpt = re.search(r'<p class="post__excerpt">(.*?)</p>', post).group(1)
    assert excerpt.startswith("Bold start. word0 word1")
    assert excerpt.endswith("…")
    assert 250 <= len(excerpt) <= 301
    assert "word449" not in post
    assert 'class="post__body"' not in post
    assert re.search(rf'<a class="post__more" href="/post/{post_id}/a-long-read">Read more', post)


def test_a_short_post_is_listed_whole_with_one_comment_and_no_tags(
    app, client, make_user, make_posts
):
    alice = make_user("alice")
    (post_id,) = make_posts(alice, 1, title="Short", content="Just *this*.")
    add_comments(app, post_id, alice, 1)

    post = listed_post(client.get("/"), "Short")

    assert '<p class="post__excerpt">Just this.</p>' in post
    assert "1 min read" in post
    assert ">1 comment</a>" in post
    assert 'class="tags"' not in post
    assert "Read more" in post


def test_an_excerpt_is_text_escaped_never_markup(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(
        alice, 1, title="Raw", content="<script>alert(1)</script> and [a link](https://x.test)"
    )

    response = client.get("/")

    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert '<p class="post__excerpt">&lt;script&gt;alert(1)&lt;/script&gt; and a link</p>' in html
    assert "https://x.test" not in html


# Query counts: authors, pictures, tags and comment counts come with the page, never one
# query per post. A listing costs: the page of posts (authors, pictures and comment counts
# in the same statement, with how many posts follow for the pager), their tags (one
# selectin query), and nothing counts the whole listing; the user page also looks up its
# user (with its number of posts), and a logged-in reader costs one more: the login's row.

HOME_QUERIES = 3  # the reader, the page of posts, their tags
USER_PAGE_QUERIES = 4  # the reader, the profile's user and post count, the page, its tags


def give_posts_tags_and_comments(app, post_ids: list[int], commenter: int) -> None:
    """Each post gets tags of its own and one shared tag, and comments from `commenter`."""
    for n, post_id in enumerate(post_ids):
        tag_posts(app, [post_id], "shared", f"topic-{post_id}", f"extra-{post_id}")
        add_comments(app, post_id, commenter, n % 3 + 1)


@pytest.fixture
def reader(make_user) -> int:
    """The reader (READER) who comments, and who logs in to count a member's queries; their id."""
    return make_user("reader", READER)


@pytest.fixture
def alice_with_a_busy_post(app, reader, alice, make_posts) -> int:
    """Alice with one post that has tags and the reader's comments; her id."""
    give_posts_tags_and_comments(app, make_posts(alice, 1), reader)
    return alice


def test_home_page_runs_the_same_queries_for_one_post_or_five_authors(
    app, client, auth, make_user, make_posts, count_queries, reader, alice_with_a_busy_post
):

    small = queries_with_and_without_login(client, auth, count_queries, "/", READER)

    colours = ["red", "green", "blue", "yellow", "purple"]
    authors = [make_user(f"author{n}") for n in range(5)]
    pictures = [
        give_avatar(app, author, colour) for author, colour in zip(authors, colours, strict=True)
    ]
    for author in authors:
        give_posts_tags_and_comments(app, make_posts(author, 2), reader)
    page = client.get("/").get_data(as_text=True)
    assert all(picture in page for picture in pictures)
    assert len(set(re.findall(r'class="post__author" href="/user/(\w+)"', page))) == 5
    assert page.count('href="/tag/shared"') == 5
    assert len(set(re.findall(r'href="/tag/(topic-\d+)"', page))) == 5
    assert len(re.findall(r">[123] comments?</a>", page)) == 5

    large = queries_with_and_without_login(client, auth, count_queries, "/", READER)

    assert small == large == {"anonymous": HOME_QUERIES - 1, "reader": HOME_QUERIES}


def test_user_page_runs_the_same_queries_for_one_post_or_a_full_page(
    app, client, auth, make_posts, count_queries, reader, alice_with_a_busy_post
):
    alice = alice_with_a_busy_post

    small = queries_with_and_without_login(client, auth, count_queries, "/user/alice", READER)

    picture = give_avatar(app, alice, "orange")
    give_posts_tags_and_comments(app, make_posts(alice, 11), reader)
    page = client.get("/user/alice").get_data(as_text=True)
    assert page.count(picture) == 6  # the profile header and each of the five posts
    assert page.count('href="/tag/shared"') == 5
    assert len(re.findall(r">[123] comments?</a>", page)) == 5

    large = queries_with_and_without_login(client, auth, count_queries, "/user/alice", READER)

    assert small == large == {"anonymous": USER_PAGE_QUERIES - 1, "reader": USER_PAGE_QUERIES}


# NUL characters: PostgreSQL can neither store nor compare them, so they are refused up front.


@pytest.mark.parametrize("url", ["/?page=%00", "/?page=1%00", "/user/alice?page=%00", "/?q=a%00b"])
def test_nul_character_in_the_query_string_is_a_400_page(client, make_user, url):
    make_user("alice")

    response = client.get(url)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "NUL character" in html
    assert '<nav class="nav container" aria-label="Main">' in html


def test_nul_character_in_the_path_is_a_400_page(client, make_user):
    make_user("alice")

    assert client.get("/user/ali%00ce").status_code == 400


def test_nul_character_in_a_post_is_refused_and_nothing_saved(app, client, auth, make_user):
    make_user("alice")
    auth.login()
    token = csrf_token_from(client.get("/post/new"))

    response = client.post(
        "/post/new", data={"title": "Nul\x00title", "content": "fine", "csrf_token": token}
    )

    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 0


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/login", {"email": "alice@example.com\x00", "password": "x"}),
        ("/register", {"username": "bob\x00", "email": "b@example.com", "password": "x"}),
        ("/reset_password", {"email": "alice\x00@example.com"}),
    ],
)
def test_nul_character_in_an_anonymous_form_is_a_400_page(app, forms, make_user, url, data):
    make_user("alice")

    response = forms.submit(url, data)

    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1

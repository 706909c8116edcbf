"""The home page (everyone's posts, newest first, paged), the about page, and what bad
paging and NUL characters do. Also: home and user pages cost a fixed number of queries."""

import io
import re

import pytest
from PIL import Image

from flaskblog.extensions import db
from flaskblog.models import Post, User
from flaskblog.users.utils import make_avatar
from tests.conftest import csrf_token_from

READER = "reader@example.com"


def titles_on(response) -> list[str]:
    """The post titles of a listing page, top to bottom."""
    return re.findall(
        r'<h2 class="post__title"><a href="/post/\d+">(.*?)</a></h2>',
        response.get_data(as_text=True),
    )


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


def give_avatar(app, user_id: int, colour: str) -> str:
    """Give a user a real processed profile picture; returns its URL."""
    upload = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(upload, "PNG")
    upload.seek(0)
    with app.app_context():
        user = db.session.get(User, user_id)
        user.set_avatar(make_avatar(upload, app.config["MAX_PICTURE_PIXELS"]))
        db.session.commit()
        return f"/avatar/{user.id}/{user.avatar.digest}.webp"


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
    assert pager_on(response) == ["1", "…", "4", "5", "[6]", "7", "8", "9", "…", "12"]
    html = response.get_data(as_text=True)
    assert 'href="/home?page=5" rel="prev"' in html
    assert 'href="/home?page=7" rel="next"' in html


def test_pager_on_the_first_and_last_pages(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 60)

    first, last = client.get("/"), client.get("/?page=12")

    assert pager_on(first) == ["[1]", "2", "3", "4", "…", "12"]
    assert 'rel="prev"' not in first.get_data(as_text=True)
    assert pager_on(last) == ["1", "…", "10", "11", "[12]"]
    assert 'rel="next"' not in last.get_data(as_text=True)
    assert titles_on(last) == [f"Post {n}" for n in range(5, 0, -1)]


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


# Query counts: authors and their pictures come with the posts, never one query per post.

HOME_QUERIES = 3  # the reader, the page of posts with authors and pictures, the count
USER_PAGE_QUERIES = 4  # the reader, the profile's user, the page of posts, the count


def queries_for(client, count_queries, url: str) -> int:
    """How many SQL statements one GET of `url` runs (after checking that it is a 200)."""
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_home_page_runs_the_same_queries_for_one_post_or_five_authors(
    app, client, auth, make_user, make_posts, count_queries
):
    make_user("reader", READER)
    alice = make_user("alice")
    make_posts(alice, 1)

    small = {"anonymous": queries_for(client, count_queries, "/")}
    auth.login(READER)
    small["reader"] = queries_for(client, count_queries, "/")
    auth.logout()

    colours = ["red", "green", "blue", "yellow", "purple"]
    authors = [make_user(f"author{n}") for n in range(5)]
    pictures = [
        give_avatar(app, author, colour) for author, colour in zip(authors, colours, strict=True)
    ]
    for author in authors:
        make_posts(author, 2)
    page = client.get("/").get_data(as_text=True)
    assert all(picture in page for picture in pictures)
    assert len(set(re.findall(r'class="post__author" href="/user/(\w+)"', page))) == 5

    large = {"anonymous": queries_for(client, count_queries, "/")}
    auth.login(READER)
    large["reader"] = queries_for(client, count_queries, "/")

    assert small == large == {"anonymous": HOME_QUERIES - 1, "reader": HOME_QUERIES}


def test_user_page_runs_the_same_queries_for_one_post_or_a_full_page(
    app, client, auth, make_user, make_posts, count_queries
):
    make_user("reader", READER)
    alice = make_user("alice")
    make_posts(alice, 1)

    small = {"anonymous": queries_for(client, count_queries, "/user/alice")}
    auth.login(READER)
    small["reader"] = queries_for(client, count_queries, "/user/alice")
    auth.logout()

    picture = give_avatar(app, alice, "orange")
    make_posts(alice, 11)
    page = client.get("/user/alice").get_data(as_text=True)
    assert page.count(picture) == 6  # the profile header and each of the five posts

    large = {"anonymous": queries_for(client, count_queries, "/user/alice")}
    auth.login(READER)
    large["reader"] = queries_for(client, count_queries, "/user/alice")

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

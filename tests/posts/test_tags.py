"""Tags: up to five a post, lower-case letters, digits and hyphens; shown as links; a page
per tag, five posts a page; and /tags with how many published posts each has."""

import re

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post, Tag
from tests.helpers.factories import add_comments, make_drafts, tag_posts
from tests.helpers.pages import field_errors, page_text, titles_on
from tests.helpers.queries import queries_for, queries_with_and_without_login

READER = "reader@example.com"
TAG_PAGE_QUERIES = 4  # the reader, the tag, the page of posts (with how many follow), their tags
TAGS_PAGE_QUERIES = 2  # the reader, every tag with its count


def tags_of(app, post_id: int) -> list[str]:
    with app.app_context():
        return [tag.name for tag in db.session.get(Post, post_id).tags]


def all_tags(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(db.select(Tag.name).order_by(Tag.name)).all()


def tag_links(html: str) -> list[str]:
    """The tag names a page links to, in order."""
    return re.findall(r'<a class="tag" href="/tag/([^"]+)" rel="tag">\1</a>', html)


def tag_counts(response) -> list[tuple[str, str]]:
    """/tags as (name, "n posts"), top to bottom."""
    return re.findall(
        r'rel="tag">([^<]+)</a> <span class="tag-cloud__count">([^<]+)</span>',
        page_text(response),
    )


@pytest.fixture
def writer(auth, make_user):
    """Alice, logged in."""
    alice = make_user("alice")
    auth.login()
    return alice


# Writing tags


def test_tags_are_lower_cased_without_repeats_or_blanks_and_shown_as_links(
    app, client, forms, writer
):
    response = forms.submit(
        "/post/new",
        {"title": "Tagged", "content": "x", "tags": " Python, flask,python , FLASK, how-to,, "},
    )

    assert response.status_code == 302
    assert tags_of(app, 1) == ["flask", "how-to", "python"]
    page = client.get(response.headers["Location"]).text
    assert tag_links(page) == ["flask", "how-to", "python"]
    assert tag_links(client.get("/").text) == ["flask", "how-to", "python"]
    assert 'value="flask, how-to, python"' in client.get("/post/1/update").text


def test_a_post_may_have_no_tags(app, client, forms, writer):
    forms.submit("/post/new", {"title": "Untagged", "content": "x", "tags": " , ,"})

    assert tags_of(app, 1) == []
    assert all_tags(app) == []
    assert 'class="tags"' not in client.get("/post/1").text


def test_five_tags_are_allowed_and_repeats_count_once(app, forms, writer):
    response = forms.submit(
        "/post/new", {"title": "Five", "content": "x", "tags": "a, b, c, d, e, A, b, e"}
    )

    assert response.status_code == 302
    assert tags_of(app, 1) == ["a", "b", "c", "d", "e"]


def test_a_tag_of_thirty_characters_is_allowed(app, forms, writer):
    forms.submit("/post/new", {"title": "Long tag", "content": "x", "tags": "a-" * 14 + "9z"})

    assert tags_of(app, 1) == ["a-" * 14 + "9z"]


def test_six_tags_are_refused_and_nothing_saved(app, forms, writer):
    response = forms.submit("/post/new", {"title": "Six", "content": "x", "tags": "a,b,c,d,e,f"})

    assert response.status_code == 200
    assert field_errors(response, "tags") == ["Use at most 5 tags."]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 0
    assert all_tags(app) == []


HOSTILE_TAGS = [
    "<script>alert(1)</script>",
    "c++",
    "two words",
    "under_score",
    "ünïcode",
    "emoji-🙂",
    "zero\u200bwidth",
    "'; drop table tags; --",
    "a/b",
    "../../etc",
    "%2e%2e",
    '"quoted"',
    "a" * 31,
]


@pytest.mark.parametrize("bad", HOSTILE_TAGS)
def test_a_hostile_tag_is_a_form_error_and_saves_nothing(app, forms, writer, bad):
    response = forms.submit(
        "/post/new", {"title": "Hostile", "content": "x", "tags": f"fine, {bad}"}
    )

    assert response.status_code == 200
    assert field_errors(response, "tags") == [
        f"Tags are 1 to 30 letters, digits or hyphens: {bad.lower()} is not."
    ]
    assert "<script>alert" not in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 0
    assert all_tags(app) == []


def test_a_hostile_tag_in_an_edit_leaves_the_post_as_it_was(app, forms, writer, make_posts):
    (post_id,) = make_posts(writer, 1)
    tag_posts(app, [post_id], "kept")

    response = forms.submit(
        f"/post/{post_id}/update", {"title": "Changed", "content": "y", "tags": "<b>x</b>"}
    )

    assert field_errors(response, "tags") == [
        "Tags are 1 to 30 letters, digits or hyphens: <b>x</b> is not."
    ]
    assert tags_of(app, post_id) == ["kept"]
    with app.app_context():
        assert db.session.get(Post, post_id).title == "Post 1"


def test_a_huge_tags_field_is_refused(app, forms, writer):
    response = forms.submit("/post/new", {"title": "Big", "content": "x", "tags": "a," * 150})

    assert field_errors(response, "tags") == ["Field cannot be longer than 200 characters."]
    assert all_tags(app) == []


def test_posts_share_one_row_per_tag(app, client, auth, forms, writer, make_user):
    forms.submit("/post/new", {"title": "Alice on python", "content": "x", "tags": "python"})
    auth.logout()
    make_user("bob")
    auth.login("bob@example.com")
    forms.submit("/post/new", {"title": "Bob on python", "content": "y", "tags": "Python, web"})

    assert all_tags(app) == ["python", "web"]
    assert tag_counts(client.get("/tags")) == [("python", "2 posts"), ("web", "1 post")]


def test_editing_replaces_the_tags(app, client, forms, writer, make_posts):
    (post_id,) = make_posts(writer, 1)
    tag_posts(app, [post_id], "old", "kept")

    forms.submit(
        f"/post/{post_id}/update", {"title": "Post 1", "content": "x", "tags": "kept, new"}
    )

    assert tags_of(app, post_id) == ["kept", "new"]
    assert tag_counts(client.get("/tags")) == [("kept", "1 post"), ("new", "1 post")]
    assert client.get("/tag/old").status_code == 404


# The tag page


def test_tag_page_lists_that_tags_published_posts_newest_first_five_a_page(
    app, client, make_user, make_posts
):
    alice, bob = make_user("alice"), make_user("bob")
    tagged = make_posts(alice, 4, title="Alice {n}") + make_posts(bob, 3, title="Bob {n}")
    tag_posts(app, tagged, "python")
    tag_posts(app, make_posts(alice, 2, title="Other {n}"), "other")

    first, second = client.get("/tag/python"), client.get("/tag/python?page=2")

    assert first.status_code == second.status_code == 200
    assert "<title>Posts tagged python · flaskblog</title>" in first.text
    assert titles_on(first) == ["Alice 4", "Bob 3", "Alice 3", "Bob 2", "Alice 2"]
    assert titles_on(second) == ["Bob 1", "Alice 1"]
    assert 'href="/tag/python?page=2" rel="next"' in first.text
    assert client.get("/tag/python?page=3").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/tag/nope",
        "/tag/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/tag/" + "a" * 1000,
        "/tag/%27%20OR%201=1%20--",
        "/tag/pyth%25",
        "/tag/python?page=abc",
        "/tag/python?page=99999999999999999999",
    ],
)
def test_an_unknown_tag_or_page_is_a_404(app, client, make_user, make_posts, path):
    tag_posts(app, make_posts(make_user("alice"), 1), "python")

    response = client.get(path)

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "<script>alert" not in response.text


def test_a_tag_only_drafts_use_has_no_page(app, client, auth, make_user):
    alice = make_user("alice")
    tag_posts(app, make_drafts(app, alice, 1), "secret")
    auth.login()

    assert client.get("/tag/secret").status_code == 404
    assert tag_counts(client.get("/tags")) == []


def test_tag_page_runs_the_same_queries_for_one_post_or_a_full_page(
    app, client, auth, make_user, make_posts, count_queries
):
    reader = make_user("reader", READER)
    alice = make_user("alice")
    (first,) = make_posts(alice, 1)
    tag_posts(app, [first], "python", "first")
    add_comments(app, first, reader, 1)

    small = queries_with_and_without_login(client, auth, count_queries, "/tag/python", READER)

    for n, author in enumerate([make_user(f"author{n}") for n in range(5)]):
        for post_id in make_posts(author, 2):
            tag_posts(app, [post_id], "python", f"topic-{post_id}")
            add_comments(app, post_id, reader, n % 3 + 1)
    page = client.get("/tag/python").text
    assert len(titles_on(client.get("/tag/python"))) == 5
    assert len(set(re.findall(r'href="/tag/(topic-\d+)"', page))) == 5
    assert len(re.findall(r">[123] comments?</a>", page)) == 5

    large = queries_with_and_without_login(client, auth, count_queries, "/tag/python", READER)

    assert small == large == {"anonymous": TAG_PAGE_QUERIES - 1, "reader": TAG_PAGE_QUERIES}


# Every tag


def test_tags_page_lists_every_used_tag_by_name_with_its_post_count(
    app, client, make_user, make_posts
):
    alice = make_user("alice")
    posts = make_posts(alice, 3)
    tag_posts(app, posts, "python")
    tag_posts(app, posts[:1], "python", "flask")
    tag_posts(app, posts[1:2], "python", "zebra", "a-first")

    response = client.get("/tags")

    assert response.status_code == 200
    assert tag_counts(response) == [
        ("a-first", "1 post"),
        ("flask", "1 post"),
        ("python", "3 posts"),
        ("zebra", "1 post"),
    ]
    assert tag_links(response.text) == ["a-first", "flask", "python", "zebra"]
    assert '<a href="/tags">Tags</a>' in response.text  # in the navigation


def test_tags_page_without_tags_says_so(client):
    response = client.get("/tags")

    assert response.status_code == 200
    assert "No tags yet." in response.text


def test_a_tag_whose_posts_are_deleted_disappears(app, client, forms, writer, make_posts):
    (post_id,) = make_posts(writer, 1)
    tag_posts(app, [post_id], "gone")

    forms.submit(f"/post/{post_id}/delete", page=f"/post/{post_id}")

    assert tag_counts(client.get("/tags")) == []
    assert client.get("/tag/gone").status_code == 404


def test_a_tag_whose_post_goes_back_to_drafts_disappears(app, client, forms, writer, make_posts):
    (post_id,) = make_posts(writer, 1)
    tag_posts(app, [post_id], "hidden")

    forms.submit(
        f"/post/{post_id}/update",
        {"title": "Post 1", "content": "x", "tags": "hidden", "unpublish": "Unpublish"},
    )

    assert tag_counts(client.get("/tags")) == []
    assert client.get("/tag/hidden").status_code == 404


def test_tags_page_runs_the_same_queries_for_one_tag_or_many(
    app, client, auth, make_user, make_posts, count_queries
):
    make_user("reader", READER)
    posts = make_posts(make_user("alice"), 6)
    tag_posts(app, posts[:1], "only")
    auth.login(READER)

    small = queries_for(client, count_queries, "/tags")
    for post_id in posts:
        tag_posts(app, [post_id], "shared", f"t{post_id}", f"u{post_id}")
    assert len(tag_counts(client.get("/tags"))) == 13

    assert small == queries_for(client, count_queries, "/tags") == TAGS_PAGE_QUERIES

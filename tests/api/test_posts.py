"""/api/v1/posts: the public listing and reading, and writing with a token (the author's
own posts only, admins moderating published ones, confirmed accounts only)."""

import json

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post
from tests.helpers import factories
from tests.helpers.api import bearer, error_of, get_token
from tests.helpers.factories import add_posts, tag_posts

NEW_POST = {"title": "From the API", "content": "Some **bold** words.", "tags": ["api", "flask"]}


@pytest.fixture
def token(client, alice):
    return get_token(client)


def post_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Post.id)))


# --- Reading ----------------------------------------------------------------------------------


def test_the_listing_shows_published_posts_newest_first_with_page_links(app, client, alice):
    add_posts(app, alice, 25)
    add_posts(app, alice, 1, title="A draft", published=False)

    response = client.get("/api/v1/posts?page=2&per_page=10")

    assert response.status_code == 200
    body = response.get_json()
    assert [post["title"] for post in body["items"]] == [f"Post {n}" for n in range(15, 5, -1)]
    assert (body["page"], body["per_page"], body["pages"], body["total"]) == (2, 10, 3, 25)
    base = "http://flaskblog.test/api/v1/posts"
    assert body["links"] == {
        "self": f"{base}?page=2&per_page=10",
        "next": f"{base}?page=3&per_page=10",
        "prev": f"{base}?page=1&per_page=10",
    }


def test_the_first_and_last_pages_have_no_prev_and_no_next(app, client, alice):
    add_posts(app, alice, 3)

    first = client.get("/api/v1/posts?per_page=2").get_json()
    last = client.get("/api/v1/posts?per_page=2&page=2").get_json()

    assert first["links"]["prev"] is None and first["links"]["next"] is not None
    assert last["links"]["next"] is None and [p["title"] for p in last["items"]] == ["Post 1"]


def test_an_empty_site_has_one_empty_page(client):
    body = client.get("/api/v1/posts").get_json()

    assert (body["items"], body["total"], body["pages"], body["per_page"]) == ([], 0, 0, 10)


def test_a_page_past_the_end_is_not_found(app, client, alice):
    add_posts(app, alice, 3)

    response = client.get("/api/v1/posts?page=2")

    assert response.status_code == 404
    assert error_of(response)["details"] == {"pages": 1}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=2147483648", "page"),
    ],
)
def test_bad_page_arguments_are_refused_per_field(client, query, field):
    response = client.get(f"/api/v1/posts?{query}")

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert list(error["details"]) == [field]


def test_a_post_has_its_markdown_its_html_its_author_tags_dates_and_links(app, client, alice):
    (post_id,) = add_posts(app, alice, 1, content="Hello *world*")
    tag_posts(app, [post_id], "news")

    response = client.get(f"/api/v1/posts/{post_id}")

    assert response.status_code == 200
    post = response.get_json()
    assert post["content"] == "Hello *world*"
    assert post["content_html"] == "<p>Hello <em>world</em></p>\n"
    assert post["author"] == {
        "username": "alice",
        "url": "http://flaskblog.test/api/v1/users/alice",
    }
    assert post["tags"] == ["news"]
    assert post["published"] is True
    assert post["created_at"] == "2026-01-01T00:01:00+00:00"
    assert post["published_at"] == "2026-01-01T00:01:00+00:00"
    assert post["updated_at"] is None
    assert post["comment_count"] == 0
    assert post["links"] == {
        "self": f"http://flaskblog.test/api/v1/posts/{post_id}",
        "html": f"http://flaskblog.test/post/{post_id}/post-1",
        "author": "http://flaskblog.test/api/v1/users/alice",
    }


def test_a_listing_costs_a_fixed_number_of_queries(app, client, alice, count_queries):
    ids = add_posts(app, alice, 20)
    tag_posts(app, ids, "news")

    with count_queries() as few:
        client.get("/api/v1/posts?per_page=5")
    with count_queries() as many:
        client.get("/api/v1/posts?per_page=20")

    assert len(many) == len(few) <= 4


def test_a_missing_post_is_not_found(client):
    response = client.get("/api/v1/posts/999")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "There is no post 999.",
        "details": {},
    }


def test_a_draft_is_visible_to_its_author_only(app, client, alice, token, make_user):
    (draft,) = add_posts(app, alice, 1, published=False)
    make_user("bob")
    bob = get_token(client, "bob@example.com")

    assert client.get(f"/api/v1/posts/{draft}").status_code == 404
    assert client.get(f"/api/v1/posts/{draft}", headers=bearer(bob)).status_code == 404
    mine = client.get(f"/api/v1/posts/{draft}", headers=bearer(token))
    assert mine.status_code == 200
    assert mine.get_json()["published"] is False
    assert mine.get_json()["published_at"] is None


@pytest.mark.parametrize("url", ["/api/v1/posts/{id}", "/api/v1/posts", "/api/v1/users/alice"])
def test_a_bad_token_is_refused_even_where_none_is_needed(app, client, alice, url):
    (post_id,) = add_posts(app, alice, 1)

    response = client.get(url.format(id=post_id), headers=bearer("not-a-token"))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


# --- Creating ---------------------------------------------------------------------------------


def test_creating_a_post(app, client, token):
    response = client.post("/api/v1/posts", json=NEW_POST, headers=bearer(token))

    assert response.status_code == 201
    post = response.get_json()
    assert response.headers["Location"] == post["links"]["self"]
    assert post["content_html"] == "<p>Some <strong>bold</strong> words.</p>\n"
    assert post["tags"] == ["api", "flask"]
    assert post["published"] is True and post["published_at"] is not None
    with app.app_context():
        row = db.session.get(Post, post["id"])
        assert (row.title, row.author.username) == ("From the API", "alice")
    assert client.get(response.headers["Location"]).get_json() == post


def test_creating_a_draft(app, client, token):
    response = client.post(
        "/api/v1/posts", json={**NEW_POST, "published": False}, headers=bearer(token)
    )

    assert response.status_code == 201
    assert client.get(response.headers["Location"]).status_code == 404  # not public
    assert client.get("/api/v1/posts").get_json()["total"] == 0


def test_the_title_is_trimmed_and_tags_need_not_be_given(client, token):
    response = client.post(
        "/api/v1/posts", json={"title": "  Spaced  ", "content": "x"}, headers=bearer(token)
    )

    assert response.get_json()["title"] == "Spaced"
    assert response.get_json()["tags"] == []


def test_creating_needs_a_token(app, client, alice):
    response = client.post("/api/v1/posts", json=NEW_POST)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert post_count(app) == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"title", "content"}),
        ({"title": "   ", "content": "x"}, {"title"}),
        ({"title": "x" * 101, "content": "x"}, {"title"}),
        ({"title": "T", "content": ""}, {"content"}),
        ({"title": "T", "content": "x" * 50_001}, {"content"}),
        ({"title": "T", "content": "x", "tags": ["Not A Tag"]}, {"tags"}),
        ({"title": "T", "content": "x", "tags": ["a", "b", "c", "d", "e", "f"]}, {"tags"}),
        ({"title": "T", "content": "x", "tags": "flask"}, {"tags"}),
        ({"title": "T", "content": "x", "tags": ["a", "a"]}, {"tags"}),
        ({"title": 5, "content": "x"}, {"title"}),
        ({"title": "T\u0000", "content": "x"}, {"title"}),
        ({"title": "T", "content": "\ud800"}, {"content"}),
        ({"title": "T", "content": "x", "published": "maybe"}, {"published"}),
        ({"title": "T", "content": "x", "published": 0}, {"published"}),
        ({"title": "T", "content": "x", "author": "bob"}, {"author"}),
    ],
    ids=[
        "empty",
        "blank title",
        "long title",
        "empty content",
        "long content",
        "bad tag",
        "six tags",
        "tags not a list",
        "a tag twice",
        "title not text",
        "NUL",
        "lone surrogate",
        "published not boolean",
        "published a number",
        "unknown field",
    ],
)
def test_invalid_posts_are_refused_per_field(app, client, token, body, fields):
    response = client.post("/api/v1/posts", json=body, headers=bearer(token))

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert set(error["details"]) == fields
    # A reason per field, or per item of a list ({"tags": {"0": [...]}}).
    assert all(isinstance(reasons, list | dict) for reasons in error["details"].values())
    assert post_count(app) == 0


def test_a_body_that_is_not_json_is_refused(app, client, token):
    response = client.post(
        "/api/v1/posts", data={"title": "T", "content": "x"}, headers=bearer(token)
    )

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    assert post_count(app) == 0


def test_malformed_json_is_a_bad_request(app, client, token):
    response = client.post(
        "/api/v1/posts",
        data='{"title": "T",',
        content_type="application/json",
        headers=bearer(token),
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    assert post_count(app) == 0


def test_a_json_body_that_is_not_an_object_is_refused(app, client, token):
    response = client.post("/api/v1/posts", json=["T", "x"], headers=bearer(token))

    assert response.status_code == 422
    assert post_count(app) == 0


def test_a_body_too_large_is_refused(app, client, token):
    body = json.dumps({"title": "T", "content": "x" * 300_000})

    response = client.post(
        "/api/v1/posts", data=body, content_type="application/json", headers=bearer(token)
    )

    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert post_count(app) == 0


def test_the_same_post_twice_is_a_conflict(app, client, token):
    first = client.post("/api/v1/posts", json=NEW_POST, headers=bearer(token)).get_json()

    response = client.post("/api/v1/posts", json=NEW_POST, headers=bearer(token))

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert error["details"] == {"post_id": first["id"]}
    assert post_count(app) == 1


def test_an_unconfirmed_user_cannot_post(app, client, make_user):
    make_user("carol")
    token = get_token(client, "carol@example.com")  # from before the address had to be confirmed
    factories.set_confirmed(app, "carol@example.com", False)

    response = client.post("/api/v1/posts", json=NEW_POST, headers=bearer(token))

    assert response.status_code == 403
    error = error_of(response)
    assert "confirm your email address" in error["message"]
    assert error["details"] == {"reason": "email_not_confirmed"}
    assert post_count(app) == 0


def test_creating_posts_is_rate_limited_per_user(build_app):
    app = build_app(RATELIMIT_ENABLED=True)
    factories.make_user(app, "dan")
    client = app.test_client()
    token = get_token(client, "dan@example.com")

    statuses = [
        client.post(
            "/api/v1/posts", json={"title": f"T{n}", "content": "x"}, headers=bearer(token)
        ).status_code
        for n in range(6)
    ]

    assert statuses == [201] * 5 + [429]
    assert post_count(app) == 5


# --- Changing and deleting --------------------------------------------------------------------


@pytest.fixture
def post_id(app, alice):
    (post_id,) = add_posts(app, alice, 1, content="Old words.")
    tag_posts(app, [post_id], "old")
    return post_id


def test_patch_changes_only_the_fields_sent(app, client, token, post_id):
    response = client.patch(
        f"/api/v1/posts/{post_id}", json={"content": "New *words*."}, headers=bearer(token)
    )

    assert response.status_code == 200
    post = response.get_json()
    assert (post["title"], post["content"], post["tags"]) == ("Post 1", "New *words*.", ["old"])
    assert post["content_html"] == "<p>New <em>words</em>.</p>\n"
    assert post["updated_at"] is not None


def test_patch_can_retag_and_take_a_post_back_to_drafts(app, client, token, post_id):
    response = client.patch(
        f"/api/v1/posts/{post_id}",
        json={"tags": ["new", "news"], "published": False},
        headers=bearer(token),
    )

    assert response.get_json()["tags"] == ["new", "news"]
    assert response.get_json()["published"] is False
    assert client.get(f"/api/v1/posts/{post_id}").status_code == 404


def test_patch_validates_like_create(app, client, token, post_id):
    response = client.patch(f"/api/v1/posts/{post_id}", json={"title": ""}, headers=bearer(token))

    assert response.status_code == 422
    assert set(error_of(response)["details"]) == {"title"}
    with app.app_context():
        assert db.session.get(Post, post_id).title == "Post 1"


def test_other_users_cannot_change_or_delete_a_post(app, client, post_id, make_user):
    make_user("bob")
    bob = get_token(client, "bob@example.com")

    patched = client.patch(f"/api/v1/posts/{post_id}", json={"title": "Mine"}, headers=bearer(bob))
    deleted = client.delete(f"/api/v1/posts/{post_id}", headers=bearer(bob))

    assert (patched.status_code, deleted.status_code) == (403, 403)
    assert error_of(deleted)["code"] == "forbidden"
    with app.app_context():
        assert db.session.get(Post, post_id).title == "Post 1"


def test_an_admin_may_moderate_a_published_post_but_not_see_a_draft(
    app, client, alice, post_id, make_user
):
    (draft,) = add_posts(app, alice, 1, published=False)
    make_user("ada", admin=True)
    ada = get_token(client, "ada@example.com")

    assert client.delete(f"/api/v1/posts/{draft}", headers=bearer(ada)).status_code == 404
    response = client.patch(
        f"/api/v1/posts/{post_id}", json={"title": "Moderated"}, headers=bearer(ada)
    )
    assert response.status_code == 200
    assert client.delete(f"/api/v1/posts/{post_id}", headers=bearer(ada)).status_code == 204
    assert post_count(app) == 1


def test_an_unconfirmed_author_cannot_edit_but_can_delete(app, client, make_user):
    carol = make_user("carol")
    (post_id,) = add_posts(app, carol, 2)[:1]
    token = get_token(client, "carol@example.com")  # from before the address had to be confirmed
    factories.set_confirmed(app, "carol@example.com", False)

    patched = client.patch(f"/api/v1/posts/{post_id}", json={"title": "X"}, headers=bearer(token))
    deleted = client.delete(f"/api/v1/posts/{post_id}", headers=bearer(token))

    assert patched.status_code == 403
    assert error_of(patched)["details"] == {"reason": "email_not_confirmed"}
    assert deleted.status_code == 204


def test_patch_needs_json_and_a_token(app, client, token, post_id):
    assert client.patch(f"/api/v1/posts/{post_id}", json={"title": "X"}).status_code == 401
    response = client.patch(f"/api/v1/posts/{post_id}", data="title=X", headers=bearer(token))
    assert response.status_code == 415


def test_delete_removes_the_post(app, client, token, post_id):
    response = client.delete(f"/api/v1/posts/{post_id}", headers=bearer(token))

    assert response.status_code == 204
    assert post_count(app) == 0
    assert client.delete(f"/api/v1/posts/{post_id}", headers=bearer(token)).status_code == 404


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_post_id_too_big_for_the_database_is_not_found(client, token, method):
    response = client.open(
        "/api/v1/posts/2147483648", method=method, json={"title": "T"}, headers=bearer(token)
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"

"""/api/v1/posts/<id>/revisions: a post's history, for its author's token alone."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers.api import bearer, error_of, get_token
from tests.helpers.factories import add_posts, add_revisions, make_drafts, make_user, tag_posts

EARLIER = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def token(client, alice):
    return get_token(client)


@pytest.fixture
def post_with_history(app, alice):
    """Alice's post, tagged "flask", with 12 revisions an hour apart: (post, newest revision)."""
    [post_id] = add_posts(app, alice, 1)
    tag_posts(app, [post_id], "flask")
    ids = add_revisions(app, post_id, [EARLIER + timedelta(hours=n) for n in range(12)])
    return post_id, ids[-1]


def test_the_author_lists_a_posts_revisions_newest_first(client, token, post_with_history):
    post_id, newest = post_with_history

    response = client.get(f"/api/v1/posts/{post_id}/revisions?per_page=5", headers=bearer(token))

    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["pages"], len(body["items"])) == (12, 3, 5)
    first = body["items"][0]
    assert first["id"] == newest
    assert (first["kind"], first["pending"], first["author"]["username"]) == (
        "save",
        False,
        "alice",
    )
    assert first["created_at"] == "2026-11-20T20:30:00+00:00"
    assert "content" not in first  # the text is read one revision at a time
    assert (
        first["links"]["self"] == f"http://flaskblog.test/api/v1/posts/{post_id}/revisions/{newest}"
    )


def test_the_author_reads_one_revision_with_its_text(client, token, post_with_history):
    post_id, newest = post_with_history

    response = client.get(f"/api/v1/posts/{post_id}/revisions/{newest}", headers=bearer(token))

    body = response.get_json()
    assert response.status_code == 200
    assert (body["content"], body["tags"], body["summary"]) == ("Version 12.", ["flask"], None)


def test_a_draft_has_its_history_too(app, client, token, alice):
    [draft] = make_drafts(app, alice)
    add_revisions(app, draft, [EARLIER])

    response = client.get(f"/api/v1/posts/{draft}/revisions", headers=bearer(token))

    assert response.status_code == 200
    assert response.get_json()["total"] == 1


@pytest.mark.parametrize("admin", [False, True], ids=["user", "admin"])
def test_nobody_else_sees_the_history_not_even_an_admin(app, client, post_with_history, admin):
    post_id, newest = post_with_history
    make_user(app, "bob", admin=admin)
    token = get_token(client, "bob@example.com")

    for url in (
        f"/api/v1/posts/{post_id}/revisions",
        f"/api/v1/posts/{post_id}/revisions/{newest}",
    ):
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_a_revision_of_another_post_is_not_found(app, client, token, alice, post_with_history):
    post_id, _ = post_with_history
    [other] = add_posts(app, alice, 1, title="Other")
    [other_revision] = add_revisions(app, other, [EARLIER])

    response = client.get(
        f"/api/v1/posts/{post_id}/revisions/{other_revision}", headers=bearer(token)
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_without_a_token_the_history_is_refused(client, post_with_history):
    post_id, _ = post_with_history

    response = client.get(f"/api/v1/posts/{post_id}/revisions")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_a_page_past_the_end_and_an_id_past_32_bits_are_not_found(client, token, post_with_history):
    post_id, _ = post_with_history

    past = client.get(f"/api/v1/posts/{post_id}/revisions?page=9", headers=bearer(token))
    huge = client.get(f"/api/v1/posts/{post_id}/revisions/{2**40}", headers=bearer(token))

    assert (past.status_code, huge.status_code) == (404, 404)


def test_the_openapi_document_describes_the_revisions(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert "get" in paths["/api/v1/posts/{post_id}/revisions"]
    assert "get" in paths["/api/v1/posts/{post_id}/revisions/{revision_id}"]

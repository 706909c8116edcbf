"""/api/v1/posts with `summary` and `publish_at`: a post scheduled through the API is its
author's alone until its time, then public everywhere the API lists posts; bad times are
refused with a JSON error naming the field; every write keeps a revision."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post, Revision
from tests.helpers import factories
from tests.helpers.api import bearer, error_of, get_token
from tests.helpers.factories import add_posts, add_scheduled_post, set_published_at

NEW_POST = {"title": "Coming soon", "content": "Not out yet."}


@pytest.fixture
def token(client, alice):
    return get_token(client)


def tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)


def a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def stored(app, post_id: int) -> Post:
    with app.app_context():
        post = db.session.get(Post, post_id)
        db.session.expunge(post)
        return post


def revisions_of(app, post_id: int) -> list[str]:
    """The kinds of a post's revisions, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(Revision.kind).where(Revision.post_id == post_id).order_by(Revision.id)
            )
        )


def schedule(client, token: str, when: str, **fields):
    return client.post(
        "/api/v1/posts", json={**NEW_POST, **fields, "publish_at": when}, headers=bearer(token)
    )


# --- Scheduling -------------------------------------------------------------------------------


def test_a_post_scheduled_through_the_api_waits_for_its_time(app, client, token):
    when = tomorrow()

    response = schedule(client, token, when.isoformat())

    assert response.status_code == 201
    body = response.get_json()
    assert body["published"] is True
    assert datetime.fromisoformat(body["publish_at"]) == when
    assert datetime.fromisoformat(body["published_at"]) == when
    post = stored(app, body["id"])
    assert post.is_scheduled and post.published_at == when
    assert revisions_of(app, body["id"]) == ["publish"]


def test_a_time_without_an_offset_is_taken_as_utc(app, client, token):
    when = tomorrow()

    response = schedule(client, token, when.replace(tzinfo=None).isoformat())

    assert response.status_code == 201
    assert stored(app, response.get_json()["id"]).published_at == when


def test_a_time_with_an_offset_is_kept_as_the_same_moment(app, client, token):
    when = tomorrow()
    in_paris = when.astimezone(timezone(timedelta(hours=2))).isoformat()
    written = when.strftime("%Y-%m-%dT%H:%M:%S") + "Z"

    for text in (in_paris, written):
        response = schedule(client, token, text, title=f"At {text}")
        assert response.status_code == 201, response.get_json()
        assert stored(app, response.get_json()["id"]).published_at == when


@pytest.mark.parametrize(
    "url", ["/api/v1/posts", "/api/v1/users/alice/posts", "/api/v1/posts/{id}"]
)
def test_others_see_a_scheduled_post_only_once_its_time_has_come(
    app, client, alice, make_user, url
):
    add_posts(app, alice, 1, title="Old news")
    post_id = add_scheduled_post(app, alice)
    make_user("bob")
    one_post, url = "{id}" in url, url.format(id=post_id)

    for headers in ({}, bearer(get_token(client, "bob@example.com"))):
        response = client.get(url, headers=headers)
        if one_post:
            assert response.status_code == 404
            assert error_of(response)["message"] == f"There is no post {post_id}."
        else:
            assert [post["title"] for post in response.get_json()["items"]] == ["Old news"]

    set_published_at(app, post_id, a_minute_ago())

    response = client.get(url)
    assert response.status_code == 200
    body = response.get_json()
    titles = [post["title"] for post in body["items"]] if "items" in body else [body["title"]]
    assert "Coming soon" in titles
    assert all(post["publish_at"] is None for post in body.get("items", [body]))


def test_the_author_reads_their_scheduled_post_with_its_time(app, client, alice, token):
    when = tomorrow()
    post_id = add_scheduled_post(app, alice, when=when)

    body = client.get(f"/api/v1/posts/{post_id}", headers=bearer(token)).get_json()

    assert datetime.fromisoformat(body["publish_at"]) == when
    assert body["published"] is True
    # Not in the public listing, not even for its author: a listing is what readers see.
    listing = client.get("/api/v1/posts", headers=bearer(token)).get_json()
    assert listing["items"] == []


def test_profiles_count_only_public_posts(app, client, alice, token):
    add_posts(app, alice, 2)
    post_id = add_scheduled_post(app, alice)

    assert client.get("/api/v1/users/alice").get_json()["post_count"] == 2
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["post_count"] == 2

    set_published_at(app, post_id, a_minute_ago())

    assert client.get("/api/v1/users/alice").get_json()["post_count"] == 3


def test_a_draft_is_scheduled_with_a_patch_and_its_time_can_move(app, client, alice, token):
    (draft,) = factories.make_drafts(app, alice, 1)
    first, later = tomorrow(), tomorrow() + timedelta(days=2)

    for when in (first, later):
        response = client.patch(
            f"/api/v1/posts/{draft}", json={"publish_at": when.isoformat()}, headers=bearer(token)
        )
        assert response.status_code == 200, response.get_json()
        assert datetime.fromisoformat(response.get_json()["publish_at"]) == when

    assert stored(app, draft).published_at == later
    assert revisions_of(app, draft) == ["publish", "update"]


def test_publishing_a_scheduled_post_at_once_makes_it_public_now(app, client, alice, token):
    post_id = add_scheduled_post(app, alice)

    response = client.patch(
        f"/api/v1/posts/{post_id}", json={"published": True}, headers=bearer(token)
    )

    assert response.status_code == 200
    assert response.get_json()["publish_at"] is None
    assert stored(app, post_id).is_public
    assert [p["id"] for p in client.get("/api/v1/posts").get_json()["items"]] == [post_id]


def test_a_scheduled_post_taken_back_to_drafts_is_a_draft(app, client, alice, token):
    post_id = add_scheduled_post(app, alice)

    response = client.patch(
        f"/api/v1/posts/{post_id}", json={"published": False}, headers=bearer(token)
    )

    assert response.status_code == 200
    assert (response.get_json()["published"], response.get_json()["publish_at"]) == (False, None)
    assert revisions_of(app, post_id) == ["save"]


# --- Bad times --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ("2020-01-01T00:00:00Z", "This time has passed"),
        ("yesterday", "Not a date and time"),
        ("2030-02-30T10:00:00Z", "Not a date and time"),
        ("", "Not a date and time"),
        ("9999-12-31T23:59:59-23:59", "Not a date and time"),
    ],
)
def test_a_past_or_unreadable_time_is_refused_naming_the_field(app, client, token, when, reason):
    response = schedule(client, token, when)

    assert response.status_code == 400
    error = error_of(response)
    assert error["message"].startswith("publish_at: ")
    assert error["details"]["publish_at"][0].startswith(reason)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


@pytest.mark.parametrize("when", [12345, True, ["2030-01-01T00:00:00Z"], {"at": "tomorrow"}])
def test_a_time_of_the_wrong_type_is_refused_naming_the_field(app, client, token, when):
    response = client.post(
        "/api/v1/posts", json={**NEW_POST, "publish_at": when}, headers=bearer(token)
    )

    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["publish_at"]


def test_a_time_with_published_false_is_refused(app, client, token):
    response = schedule(client, token, tomorrow().isoformat(), published=False)

    assert response.status_code == 400
    assert '"published": false' in error_of(response)["details"]["publish_at"][0]


def test_a_public_post_cannot_be_scheduled(app, client, alice, token):
    (post_id,) = add_posts(app, alice, 1)
    before = stored(app, post_id).published_at

    response = client.patch(
        f"/api/v1/posts/{post_id}",
        json={"publish_at": tomorrow().isoformat()},
        headers=bearer(token),
    )

    assert response.status_code == 409
    assert "public already" in error_of(response)["message"]
    assert stored(app, post_id).published_at == before
    assert revisions_of(app, post_id) == []


def test_someone_elses_scheduled_post_is_not_found_for_reading_or_changing(
    app, client, alice, make_user
):
    post_id = add_scheduled_post(app, alice)
    make_user("bob")
    bobs = bearer(get_token(client, "bob@example.com"))

    for response in (
        client.get(f"/api/v1/posts/{post_id}", headers=bobs),
        client.patch(
            f"/api/v1/posts/{post_id}", json={"publish_at": tomorrow().isoformat()}, headers=bobs
        ),
        client.delete(f"/api/v1/posts/{post_id}", headers=bobs),
    ):
        assert response.status_code == 404
    assert stored(app, post_id).is_scheduled


def test_an_admin_cannot_change_a_scheduled_post_before_its_time(app, client, alice, make_user):
    post_id = add_scheduled_post(app, alice)
    make_user("root", admin=True)
    roots = bearer(get_token(client, "root@example.com"))

    response = client.patch(f"/api/v1/posts/{post_id}", json={"title": "X"}, headers=roots)

    assert response.status_code == 404


# --- Summary ----------------------------------------------------------------------------------


def test_a_summary_is_written_read_and_cleared(app, client, token):
    response = client.post(
        "/api/v1/posts", json={**NEW_POST, "summary": "  In short: soon.  "}, headers=bearer(token)
    )
    assert response.status_code == 201
    post_id = response.get_json()["id"]
    assert response.get_json()["summary"] == "In short: soon."
    assert client.get(f"/api/v1/posts/{post_id}").get_json()["summary"] == "In short: soon."

    for cleared in (None, "   "):
        response = client.patch(
            f"/api/v1/posts/{post_id}", json={"summary": cleared}, headers=bearer(token)
        )
        assert response.get_json()["summary"] is None
        assert stored(app, post_id).summary is None
    assert revisions_of(app, post_id) == ["publish", "update", "update"]


def test_a_post_without_a_summary_reads_null(client, token):
    response = client.post("/api/v1/posts", json=NEW_POST, headers=bearer(token))
    assert response.get_json()["summary"] is None


def test_a_summary_longer_than_the_limit_is_refused(app, client, token):
    response = client.post(
        "/api/v1/posts",
        json={**NEW_POST, "summary": "x" * (Post.SUMMARY_LENGTH + 1)},
        headers=bearer(token),
    )

    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["summary"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


def test_a_draft_written_through_the_api_keeps_a_save_revision(app, client, token):
    response = client.post(
        "/api/v1/posts", json={**NEW_POST, "published": False}, headers=bearer(token)
    )
    assert revisions_of(app, response.get_json()["id"]) == ["save"]


# --- The document -----------------------------------------------------------------------------


def test_the_openapi_document_describes_summary_and_publish_at(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    written = schemas["PostInput"]["properties"]
    read = schemas["Post"]["properties"]

    assert written["summary"]["maxLength"] == Post.SUMMARY_LENGTH
    assert written["publish_at"]["format"] == "date-time"
    assert "future" in written["publish_at"]["description"]
    assert read["publish_at"]["format"] == "date-time"
    assert "summary" in read

"""Autosave: POST /post/autosave keeps what the editor holds every few seconds. A new post
becomes a draft, a draft changes in place, a published or scheduled post keeps the text as a
pending revision that readers never see; it never publishes. Answers are JSON."""

from datetime import UTC, datetime, timedelta

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post, Revision
from tests.helpers.factories import make_drafts, make_user, set_profile
from tests.helpers.pages import AuthActions, Forms, csrf_token_from


def autosave(client, **fields):
    """What editor.js sends: the editor's fields and its CSRF token."""
    token = csrf_token_from(client.get("/post/new"))
    return client.post("/post/autosave", data={**fields, "csrf_token": token})


def posts(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(db.select(Post).order_by(Post.id))
        return [(p.id, p.title, p.content, p.is_published, [t.name for t in p.tags]) for p in rows]


def pending(app, post_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(db.select(Revision).where(Revision.post_id == post_id))
        return [(r.kind, r.is_pending, r.title, r.content, r.tags) for r in rows]


def error_of(response) -> dict:
    return response.get_json()["error"]


def test_a_new_post_becomes_a_draft_on_its_first_autosave(app, client, logged_in_alice):
    before = datetime.now(UTC).replace(microsecond=0)

    response = autosave(client, title="Thinking", content="Half a *thought*", tags="Ideas")

    assert response.status_code == 200
    answer = response.get_json()
    assert (answer["id"], answer["pending"], answer["edit_url"]) == (1, False, "/post/1/update")
    assert before <= datetime.fromisoformat(answer["saved_at"]) <= datetime.now(UTC)
    assert answer["saved_at"].endswith("+00:00")
    assert posts(app) == [(1, "Thinking", "Half a *thought*", False, ["ideas"])]
    assert pending(app, 1) == []  # autosave is no revision


def test_the_time_saved_is_told_in_the_authors_time_zone(app, client, logged_in_alice):
    set_profile(app, logged_in_alice, timezone="Pacific/Kiritimati")  # UTC+14, all year

    answer = autosave(client, title="Thinking").get_json()

    saved_at = datetime.fromisoformat(answer["saved_at"])
    assert answer["saved_time"] == f"{saved_at + timedelta(hours=14):%H:%M}"


def test_a_new_post_without_a_title_gets_a_placeholder(app, client, logged_in_alice):
    response = autosave(client, title="  ", content="Just text.")

    assert response.status_code == 200
    assert posts(app) == [(1, "Untitled draft", "Just text.", False, [])]


def test_nothing_to_save_is_a_400_and_no_draft(app, client, logged_in_alice):
    response = autosave(client, title=" ", content="  \n ", tags="")

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    assert error_of(response)["message"] == "Nothing to save yet: write a title or some text."
    assert posts(app) == []


def test_a_draft_is_updated_in_place(app, client, logged_in_alice):
    (draft,) = make_drafts(app, logged_in_alice, 1, title="Old", content="Old text.")

    response = autosave(client, id=str(draft), title="New", content="New text.", tags="a, b")

    assert response.status_code == 200
    assert response.get_json()["id"] == draft
    assert response.get_json()["pending"] is False
    assert posts(app) == [(draft, "New", "New text.", False, ["a", "b"])]


@pytest.mark.parametrize("scheduled", [False, True])
def test_a_published_or_scheduled_post_keeps_a_pending_revision_only(
    app, client, logged_in_alice, make_posts, scheduled
):
    (post_id,) = make_posts(logged_in_alice, 1, title="Live", content="Live text.")
    if scheduled:
        with app.app_context():
            db.session.get(Post, post_id).schedule(datetime(2099, 1, 1, tzinfo=UTC))
            db.session.commit()

    first = autosave(client, id=str(post_id), title="Live", content="Draft one.", tags="x")
    second = autosave(client, id=str(post_id), title="", content="Draft two.")

    assert first.status_code == second.status_code == 200
    assert second.get_json()["pending"] is True
    assert second.get_json()["edit_url"] == f"/post/{post_id}/update"
    assert posts(app) == [(post_id, "Live", "Live text.", True, [])]  # untouched
    assert pending(app, post_id) == [("autosave", True, "Live", "Draft two.", "")]
    if not scheduled:
        assert "Live text." in client.get(f"/post/{post_id}").text


def test_someone_elses_post_is_a_404_and_untouched(app, client, logged_in_alice):
    bob = make_user(app, "bob")
    (bobs_draft,) = make_drafts(app, bob, 1, title="Bob's", content="Bob's text.")

    for post_id in (bobs_draft, bobs_draft + 1):
        response = autosave(client, id=str(post_id), title="Mine", content="Mine.")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert posts(app) == [(bobs_draft, "Bob's", "Bob's text.", False, [])]
    assert pending(app, bobs_draft) == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"id": "abc", "title": "T"}, "id", "Not a post id."),
        ({"id": "1" * 30, "title": "T"}, "id", "Not a post id."),
        ({"title": "x" * (Post.TITLE_LENGTH + 1)}, "title", None),
        ({"title": "T", "tags": "no spaces allowed"}, "tags", None),
        ({"title": "T", "tags": "a,b,c,d,e,f"}, "tags", "Use at most 5 tags."),
        (
            {"title": "T", "content": "x" * (Post.CONTENT_LENGTH + 1)},
            "content",
            "A post can be at most 50,000 characters long.",
        ),
        ({"title": "T", "summary": "x" * (Post.SUMMARY_LENGTH + 1)}, "summary", None),
    ],
)
def test_bad_input_is_a_400_in_json_and_saves_nothing(
    app, client, logged_in_alice, fields, field, message
):
    response = autosave(client, **fields)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert field in error["details"]
    assert error["message"] == error["details"][field][0]
    if message:
        assert error["message"] == message
    assert posts(app) == []


def test_a_visitor_cannot_autosave(app, client, alice):
    response = client.post("/post/autosave", data={"title": "T", "content": "x"})

    assert response.status_code in (302, 400)  # to the login page, or the missing CSRF token
    assert posts(app) == []


def test_autosave_has_its_own_limit_and_answers_it_in_json(build_app):
    app = build_app(RATELIMIT_ENABLED=True)
    make_user(app, "alice")
    client = app.test_client()
    AuthActions(client, Forms(client)).login()
    token = csrf_token_from(client.get("/post/new"))

    draft = {"title": "T", "csrf_token": token}
    draft["id"] = client.post("/post/autosave", data=draft).get_json()["id"]

    codes = [client.post("/post/autosave", data=draft).status_code for _ in range(30)]

    assert codes == [200] * 29 + [429]
    limited = client.post("/post/autosave", data=draft)
    assert error_of(limited)["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    # Its own budget: publishing still works.
    published = client.post("/post/new", data={"title": "P", "content": "x", "csrf_token": token})
    assert published.status_code == 302

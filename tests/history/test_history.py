"""A post's history on the site: its author (and admins, once it is published) list its
revisions, compare one with the post as it is now, and restore one: into a draft at once,
or as a published post's pending text until "Update"."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post, Revision
from tests.helpers.factories import (
    add_posts,
    add_revisions,
    make_drafts,
    make_user,
    set_profile,
    tag_posts,
)
from tests.helpers.pages import AuthActions, Forms, csrf_token_from, flashes, page_text
from tests.helpers.queries import queries_for

LISTED = re.compile(
    r'<a href="/post/(\d+)/revisions/(\d+)">\s*<time datetime="([^"]+)"[^>]*>[^<]+</time></a>'
)
EARLIER = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def people(make_user):
    """Alice (who writes), Bob (another user) and Ada (an admin); nobody logged in."""
    return {
        "alice": make_user("alice"),
        "bob": make_user("bob"),
        "ada": make_user("ada", admin=True),
    }


@pytest.fixture
def published(app, people):
    """Alice's published post "Today's text" with one revision from earlier: (post, revision)."""
    [post_id] = add_posts(app, people["alice"], 1, title="Today's text", content="Line one.\n")
    [revision_id] = add_revisions(app, post_id, [EARLIER], content="An <b>earlier</b> line.\n")
    return post_id, revision_id


@pytest.fixture
def draft(app, people):
    """Alice's draft "Draft 1" tagged "wip", with one revision from earlier: (post, revision)."""
    [post_id] = make_drafts(app, people["alice"], 1)
    [revision_id] = add_revisions(app, post_id, [EARLIER], content="The draft as it was.\n")
    tag_posts(app, [post_id], "wip")
    return post_id, revision_id


def restore(client, post_id: int, revision_id: int):
    page = client.get(f"/post/{post_id}/revisions/{revision_id}")
    return client.post(
        f"/post/{post_id}/revisions/{revision_id}/restore",
        data={"csrf_token": csrf_token_from(page)},
    )


def revisions_of(app, post_id: int) -> list[tuple[str, bool, str]]:
    """(kind, pending, content) of the post's revisions, oldest first."""
    with app.app_context():
        return [
            (revision.kind, revision.is_pending, revision.content)
            for revision in db.session.scalars(
                db.select(Revision)
                .where(Revision.post_id == post_id)
                .order_by(Revision.created_at, Revision.id)
            )
        ]


# --- The list ---------------------------------------------------------------------------------


def test_the_author_lists_revisions_newest_first_20_a_page(app, client, auth, published):
    post_id, _ = published
    add_revisions(app, post_id, [EARLIER + timedelta(hours=n) for n in range(1, 25)], kind="update")
    auth.login()

    first = client.get(f"/post/{post_id}/revisions")
    second = client.get(f"/post/{post_id}/revisions?page=2")

    assert first.status_code == second.status_code == 200
    listed = LISTED.findall(first.get_data(as_text=True))
    assert len(listed) == 20
    times = [datetime.fromisoformat(when) for _, _, when in listed]
    assert times == sorted(times, reverse=True)
    assert "update" in page_text(first) and "by alice" in page_text(first)
    assert len(LISTED.findall(second.get_data(as_text=True))) == 5
    assert 'href="/post/1/revisions?page=2"' in first.get_data(as_text=True)
    assert client.get(f"/post/{post_id}/revisions?page=3").status_code == 404


def test_the_post_page_and_the_editor_link_to_the_revisions(client, auth, published):
    post_id, _ = published
    auth.login()

    for url in (f"/post/{post_id}", f"/post/{post_id}/update"):
        assert f'href="/post/{post_id}/revisions"' in client.get(url).get_data(as_text=True)


def test_readers_see_no_link_to_the_revisions(client, auth, published):
    post_id, _ = published
    auth.login("bob@example.com")

    assert "/revisions" not in client.get(f"/post/{post_id}").get_data(as_text=True)


def test_an_admin_sees_the_history_of_a_published_post(client, auth, published):
    post_id, revision_id = published
    auth.login("ada@example.com")

    assert client.get(f"/post/{post_id}/revisions").status_code == 200
    assert client.get(f"/post/{post_id}/revisions/{revision_id}").status_code == 200


@pytest.mark.parametrize("who", ["bob@example.com", "ada@example.com"], ids=["user", "admin"])
def test_someone_elses_draft_has_no_history_to_show(client, auth, draft, who):
    post_id, revision_id = draft
    auth.login(who)

    assert client.get(f"/post/{post_id}/revisions").status_code == 404
    assert client.get(f"/post/{post_id}/revisions/{revision_id}").status_code == 404


def test_another_user_is_refused_a_published_posts_history(client, auth, published):
    post_id, revision_id = published
    auth.login("bob@example.com")

    assert client.get(f"/post/{post_id}/revisions").status_code == 403
    assert client.get(f"/post/{post_id}/revisions/{revision_id}").status_code == 403


def test_visitors_are_asked_to_log_in(client, published):
    post_id, _ = published

    response = client.get(f"/post/{post_id}/revisions")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_post_titled_revisions_keeps_its_page_apart_from_the_history(client, auth, people):
    auth.login()
    response = client.post(
        "/post/new",
        data={
            "title": "Revisions",
            "content": "About revising.",
            "csrf_token": csrf_token_from(client.get("/post/new")),
        },
    )

    assert response.headers["Location"] == "/post/1/revisions-post"
    assert client.get("/post/1/revisions-post").status_code == 200
    assert "Revisions of “Revisions”" in page_text(client.get("/post/1/revisions"))


# --- The diff ---------------------------------------------------------------------------------


def test_a_revision_is_compared_with_the_post_as_it_is_now(client, auth, published):
    post_id, revision_id = published
    auth.login()

    response = client.get(f"/post/{post_id}/revisions/{revision_id}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        '<time datetime="2026-11-20T09:30:00Z" title="November 20, 2026, 09:30 UTC">'
        "November 20, 2026, 09:30 UTC</time>"
    ) in html
    # The revision's Markdown is shown as text, never as markup.
    assert "An &lt;b&gt;earlier&lt;/b&gt; line." in html and "<b>earlier" not in html
    removed = re.findall(r'<del class="diff__removed">(.*?)</del>', html, re.S)
    added = re.findall(r'<ins class="diff__added">(.*?)</ins>', html, re.S)
    # Told by a struck-through and an underlined element, and in words for screen readers.
    assert any("[removed: </span>An &lt;b&gt;earlier" in text for text in removed)
    assert any("[added: </span>Line one." in text for text in added)
    assert 'Title <span class="diff__same-note">(unchanged)</span>' in html


def test_a_revision_of_another_post_is_not_found(app, client, auth, people, published):
    post_id, _ = published
    [other_post] = add_posts(app, people["alice"], 1, title="Another")
    [other_revision] = add_revisions(app, other_post, [EARLIER])
    auth.login()

    assert client.get(f"/post/{post_id}/revisions/{other_revision}").status_code == 404
    assert client.get(f"/post/{post_id}/revisions/99999").status_code == 404


def test_two_unrelated_50000_character_versions_are_compared_quickly(app, client, auth, people):
    now = "".join(f"a{n}\n" for n in range(12_000))[:50_000]
    then = "".join(f"b{n}\n" for n in range(12_000))[:50_000]
    [post_id] = add_posts(app, people["alice"], 1, content=now)
    [revision_id] = add_revisions(app, post_id, [EARLIER], content=then)
    auth.login()

    start = datetime.now(UTC)
    response = client.get(f"/post/{post_id}/revisions/{revision_id}")

    assert response.status_code == 200
    assert datetime.now(UTC) - start < timedelta(seconds=1)


def test_the_diff_page_is_rate_limited_per_user(build_app):
    app = build_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    alice = make_user(app, "alice")
    [post_id] = add_posts(app, alice, 1)
    [revision_id] = add_revisions(app, post_id, [EARLIER])
    client = app.test_client()
    AuthActions(client, Forms(client)).login()
    url = f"/post/{post_id}/revisions/{revision_id}"

    statuses = [client.get(url).status_code for _ in range(31)]

    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


# --- Restoring --------------------------------------------------------------------------------


def test_restoring_into_a_draft_applies_it_and_records_the_restore(app, client, auth, draft):
    post_id, revision_id = draft
    auth.login()

    response = restore(client, post_id, revision_id)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/post/{post_id}/update"
    editor = client.get(response.headers["Location"])
    restored = '<time datetime="2026-11-20T09:30:00Z">November 20, 2026, 09:30 UTC</time>'
    assert ("success", f"Restored the version from {restored}.") in flashes(editor)
    assert "The draft as it was." in page_text(editor)
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post.content == "The draft as it was.\n"
        assert post.tags == []  # the revision had none
    assert revisions_of(app, post_id)[-1] == ("restore", False, "The draft as it was.\n")


def test_restoring_twice_records_it_once(app, client, auth, draft):
    post_id, revision_id = draft
    auth.login()

    restore(client, post_id, revision_id)
    again = restore(client, post_id, revision_id)

    assert again.status_code == 302
    assert [kind for kind, _, _ in revisions_of(app, post_id)] == ["save", "restore"]


def test_restoring_a_published_post_keeps_the_live_version(app, client, auth, published):
    post_id, revision_id = published
    auth.login()

    response = restore(client, post_id, revision_id)
    restore(client, post_id, revision_id)  # a replay changes nothing more

    assert response.headers["Location"] == f"/post/{post_id}/update"
    with app.app_context():
        assert db.session.get(Post, post_id).content == "Line one.\n"
    assert revisions_of(app, post_id) == [
        ("save", False, "An <b>earlier</b> line.\n"),
        ("restore", True, "An <b>earlier</b> line.\n"),
    ]
    assert "Line one." in page_text(client.get(f"/post/{post_id}"))


def test_restoring_a_revision_of_a_deleted_post_is_not_found(app, client, auth, published):
    post_id, revision_id = published
    auth.login()
    token = csrf_token_from(client.get(f"/post/{post_id}/revisions/{revision_id}"))
    with app.app_context():
        db.session.delete(db.session.get(Post, post_id))
        db.session.commit()

    response = client.post(
        f"/post/{post_id}/revisions/{revision_id}/restore", data={"csrf_token": token}
    )

    assert response.status_code == 404


def test_another_user_cannot_restore_someone_elses_revision(app, client, auth, published, draft):
    auth.login("bob@example.com")
    token = csrf_token_from(client.get("/account"))

    refused = [
        client.post(
            f"/post/{post_id}/revisions/{revision_id}/restore", data={"csrf_token": token}
        ).status_code
        for post_id, revision_id in (published, draft)
    ]

    assert refused == [403, 404]
    assert [kind for kind, _, _ in revisions_of(app, published[0])] == ["save"]
    assert [kind for kind, _, _ in revisions_of(app, draft[0])] == ["save"]


def test_the_list_costs_the_same_statements_however_long_the_history(
    app, client, auth, published, count_queries
):
    post_id, _ = published
    auth.login()
    url = f"/post/{post_id}/revisions"
    few = queries_for(client, count_queries, url)
    add_revisions(app, post_id, [EARLIER + timedelta(minutes=n) for n in range(1, 40)])

    assert queries_for(client, count_queries, url) == few


# --- In the reader's language -------------------------------------------------------------


def test_the_history_and_a_diff_speak_german(app, client, auth, published):
    post_id, revision_id = published
    set_profile(app, published_author(app, post_id), language="de")
    auth.login()

    listing = page_text(client.get(f"/post/{post_id}/revisions"))
    diff = page_text(client.get(f"/post/{post_id}/revisions/{revision_id}"))

    assert "<h1>Versionen von „Today's text“</h1>" in listing
    assert ">Zurück zum Beitrag</a>" in listing
    assert '<h2 class="diff__field">Inhalt</h2>' in diff
    assert "Diese Version wiederherstellen" in diff


def published_author(app, post_id: int) -> int:
    with app.app_context():
        return db.session.get(Post, post_id).user_id

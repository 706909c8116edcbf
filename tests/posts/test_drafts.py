"""Drafts: saved with "Save draft", seen by their author alone, listed at /drafts, and
published later with a published date that is set the first time only."""

from datetime import UTC, datetime

import pytest

from flaskblog.dates import iso_utc
from flaskblog.extensions import db
from flaskblog.models import Post
from tests.helpers.factories import PASSWORD, add_comments, make_drafts, tag_posts
from tests.helpers.pages import flashes, page_text, titles_on
from tests.helpers.queries import queries_for

BOB = "bob@example.com"
# The reader, the page of drafts (with how many follow), their tags, the scheduled posts.
DRAFTS_QUERIES = 4


def stored(app, post_id: int) -> Post:
    with app.app_context():
        post = db.session.get(Post, post_id)
        db.session.expunge(post)
        return post


@pytest.fixture
def alices_draft(app, make_user):
    """Alice's draft "Work in progress" (tagged "secret"), and Bob; nobody logged in."""
    alice = make_user("alice")
    make_user("bob")
    (draft,) = make_drafts(app, alice, 1, title="Work in progress", content="Not *yet*.")
    tag_posts(app, [draft], "secret")
    return draft


def test_save_draft_keeps_a_new_post_to_its_author(app, client, auth, forms, make_user):
    make_user("alice")
    auth.login()

    response = forms.submit(
        "/post/new",
        {"title": "Work in progress", "content": "Not *yet*.", "save_draft": "Save draft"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/post/1/work-in-progress"
    draft = stored(app, 1)
    assert (draft.is_published, draft.published_at) == (False, None)
    assert draft.content_html == "<p>Not <em>yet</em>.</p>\n"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert flashes(page) == [("success", "Draft saved.")]
    assert '<span class="badge">Draft</span>' in page.text
    assert '<meta name="robots" content="noindex">' in page.text


def test_a_published_post_has_no_draft_badge_and_may_be_indexed(client, make_user, make_posts):
    (post_id,) = make_posts(make_user("alice"), 1)

    page = client.get(f"/post/{post_id}").text

    assert "Draft</span>" not in page
    assert "noindex" not in page


@pytest.mark.parametrize("reader", [None, BOB])
@pytest.mark.parametrize("path", ["", "/work-in-progress", "/wrong-slug"])
def test_a_draft_is_404_for_everyone_but_its_author(client, auth, alices_draft, reader, path):
    if reader:
        auth.login(reader)

    response = client.get(f"/post/{alices_draft}{path}")

    assert response.status_code == 404
    assert "Work in progress" not in response.text


def test_another_user_cannot_tell_a_draft_from_a_missing_post(
    app, client, auth, forms, alices_draft
):
    auth.login(BOB)
    missing = alices_draft + 1

    for post_id in (alices_draft, missing):
        assert client.get(f"/post/{post_id}/update").status_code == 404
        edit = forms.submit(f"/post/{post_id}/update", {"title": "Mine", "content": "x"}, page="/")
        assert edit.status_code == 404
        assert forms.submit(f"/post/{post_id}/delete", page="/").status_code == 404

    draft = stored(app, alices_draft)
    assert (draft.title, draft.is_published) == ("Work in progress", False)


def test_the_author_reads_and_edits_their_draft(client, auth, alices_draft):
    auth.login()

    page = client.get(f"/post/{alices_draft}/work-in-progress")
    editor = client.get(f"/post/{alices_draft}/update")

    assert page.status_code == editor.status_code == 200
    assert "<p>Not <em>yet</em>.</p>" in page.text
    assert 'value="secret"' in editor.text


def test_drafts_are_in_no_public_listing_or_tag_count(app, client, auth, make_posts, alices_draft):
    alice = stored(app, alices_draft).user_id
    (published,) = make_posts(alice, 1, title="Out there")
    tag_posts(app, [published, alices_draft], "python")

    for reader in (None, "alice@example.com"):
        if reader:
            auth.login(reader, PASSWORD)
        assert titles_on(client.get("/")) == ["Out there"]
        user_page = client.get("/user/alice")
        assert titles_on(user_page) == ["Out there"]
        assert "<p>1 post</p>" in user_page.text
        assert titles_on(client.get("/tag/python")) == ["Out there"]
        assert client.get("/tag/secret").status_code == 404
        tags = page_text(client.get("/tags"))
        assert '>python</a> <span class="tag-cloud__count">1 post</span>' in tags
        assert "secret" not in tags


# The drafts page


def test_drafts_page_lists_only_my_drafts_newest_first_five_a_page(
    app, client, auth, make_user, make_posts
):
    alice, bob = make_user("alice"), make_user("bob")
    make_drafts(app, alice, 7)
    make_drafts(app, bob, 2, title="Bob's draft {n}")
    make_posts(alice, 1, title="Published")
    auth.login()

    first, second = client.get("/drafts"), client.get("/drafts?page=2")

    assert first.status_code == second.status_code == 200
    assert titles_on(first) == ["Draft 7", "Draft 6", "Draft 5", "Draft 4", "Draft 3"]
    assert titles_on(second) == ["Draft 2", "Draft 1"]
    assert first.text.count('<span class="badge">Draft</span>') == 5
    assert 'href="/drafts?page=2" rel="next"' in first.text
    assert '<p class="post__excerpt">Draft 7 text.</p>' in first.text
    assert client.get("/drafts?page=3").status_code == 404
    assert client.get("/drafts?page=0").status_code == 404


def test_drafts_page_without_drafts_says_how_to_make_one(client, auth, make_user):
    make_user("alice")
    auth.login()

    response = client.get("/drafts")

    assert response.status_code == 200
    assert "No drafts." in response.text
    assert 'class="post"' not in response.text


def test_drafts_page_needs_a_login(client, alices_draft):
    response = client.get("/drafts")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fdrafts"


def test_the_navigation_offers_drafts_only_when_logged_in(client, auth, make_user):
    make_user("alice")

    assert 'href="/drafts"' not in client.get("/").text
    auth.login()
    assert '<a href="/drafts">Drafts</a>' in client.get("/").text


def test_drafts_page_runs_the_same_queries_for_one_draft_or_a_full_page(
    app, client, auth, make_user, count_queries
):
    alice, bob = make_user("alice"), make_user("bob")
    (first,) = make_drafts(app, alice, 1)
    tag_posts(app, [first], "wip", "first")
    add_comments(app, first, bob, 1)
    auth.login()

    small = queries_for(client, count_queries, "/drafts")

    for draft in make_drafts(app, alice, 9, title="More {n}"):
        tag_posts(app, [draft], "wip", f"topic-{draft}")
        add_comments(app, draft, bob, 2)
    page = client.get("/drafts").text
    assert len(titles_on(client.get("/drafts"))) == 5
    assert page.count('href="/tag/wip"') == 5
    assert page.count(">2 comments</a>") == 5

    assert small == queries_for(client, count_queries, "/drafts") == DRAFTS_QUERIES


# Publishing later


def test_publishing_sets_the_published_date_once(app, client, auth, forms, alices_draft):
    auth.login()
    url = f"/post/{alices_draft}/update"
    written = stored(app, alices_draft).date_posted
    before = datetime.now(UTC)

    response = forms.submit(url, {"title": "Finished", "content": "Done."})

    after = datetime.now(UTC)
    assert flashes(client.get(response.headers["Location"])) == [("success", "Published.")]
    post = stored(app, alices_draft)
    assert post.is_published
    assert before <= post.published_at <= after
    assert post.date_posted == written
    first_published = post.published_at
    home = client.get("/").text
    assert titles_on(client.get("/")) == ["Finished"]
    assert f'datetime="{iso_utc(first_published)}"' in home

    # Back to the drafts: out of every listing, and its published date kept.
    forms.submit(url, {"title": "Finished", "content": "Rethinking.", "unpublish": "Unpublish"})
    post = stored(app, alices_draft)
    assert (post.is_published, post.published_at) == (False, first_published)
    assert titles_on(client.get("/")) == []
    assert titles_on(client.get("/drafts")) == ["Finished"]

    forms.submit(url, {"title": "Finished", "content": "Done again."})
    post = stored(app, alices_draft)
    assert (post.is_published, post.published_at) == (True, first_published)
    assert post.updated_at is not None and post.updated_at >= first_published
    assert titles_on(client.get("/")) == ["Finished"]


def test_a_post_published_at_once_is_published_when_written(app, auth, forms, make_user):
    make_user("alice")
    auth.login()
    before = datetime.now(UTC)

    forms.submit("/post/new", {"title": "Straight out", "content": "Now."})

    post = stored(app, 1)
    assert post.is_published
    assert before <= post.date_posted <= post.published_at <= datetime.now(UTC)

"""Bookmarks: posts a reader saves for later, listed at /bookmarks."""

from datetime import UTC, datetime, timedelta

from flaskblog.extensions import db
from flaskblog.models import Bookmark
from tests.helpers.factories import add_scheduled_post, make_drafts, set_published_at
from tests.helpers.pages import page_text, titles_on


def bookmark(forms, post_id: int, action: str = "bookmark"):
    return forms.submit(f"/post/{post_id}/{action}", page="/account")


def bookmarked(app) -> set[tuple[int, int]]:
    with app.app_context():
        rows = db.session.execute(db.select(Bookmark.user_id, Bookmark.post_id)).all()
        return {tuple(row) for row in rows}


def test_bookmarking_twice_keeps_one_and_unbookmarking_twice_none(
    app, logged_in_alice, make_user, make_posts, forms, client
):
    (post,) = make_posts(make_user("bob"), 1)

    assert bookmark(forms, post).status_code == bookmark(forms, post).status_code == 302
    assert bookmarked(app) == {(logged_in_alice, post)}
    assert "Remove bookmark" in page_text(client.get(f"/post/{post}"))

    bookmark(forms, post, "unbookmark")
    assert bookmark(forms, post, "unbookmark").status_code == 302
    assert bookmarked(app) == set()


def test_someone_elses_draft_or_scheduled_post_cannot_be_bookmarked(
    app, logged_in_alice, make_user, forms
):
    bob = make_user("bob")
    (draft,) = make_drafts(app, bob)
    scheduled = add_scheduled_post(app, bob)

    assert bookmark(forms, draft).status_code == 404
    assert bookmark(forms, scheduled).status_code == 404
    assert bookmark(forms, 999999).status_code == 404
    assert bookmarked(app) == set()


def test_bookmarks_lists_public_posts_newest_bookmark_first_paginated(
    app, logged_in_alice, make_user, make_posts, forms, client
):
    posts = make_posts(make_user("bob"), 6)
    for post in posts:
        bookmark(forms, post)
    # A post taken back to be published later drops out of the list until then.
    set_published_at(app, posts[0], datetime.now(UTC) + timedelta(days=1))

    first, second = client.get("/bookmarks"), client.get("/bookmarks?page=2")

    assert titles_on(first) == ["Post 6", "Post 5", "Post 4", "Post 3", "Post 2"]
    assert second.status_code == 404


def test_bookmarks_need_a_login_and_a_post(client, make_user, make_posts, forms):
    (post,) = make_posts(make_user("bob"), 1)

    assert client.get("/bookmarks").status_code == 302
    assert client.get(f"/post/{post}/bookmark").status_code == 405
    assert "/login" in forms.submit(f"/post/{post}/bookmark", page="/login").location

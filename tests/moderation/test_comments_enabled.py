"""An author closes a post to new comments from the editor, and opens it again: the post
page says comments are closed and refuses new ones; those already there stay shown."""

import re

from flaskblog.extensions import db
from flaskblog.models import Comment, Post
from tests.helpers.api import bearer, get_token
from tests.helpers.pages import page_text

CLOSED = "Comments are closed on this post."


def comments_enabled(app, post_id: int) -> bool:
    with app.app_context():
        return db.session.get(Post, post_id).comments_enabled


def comments_box_ticked(page: str) -> bool:
    """Whether the editor's "Allow comments" checkbox is ticked."""
    inputs = re.findall(r'<input[^>]*name="comments_enabled"[^>]*>', page)
    [box] = [tag for tag in inputs if 'type="checkbox"' in tag]
    return "checked" in box


def comment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Comment.id)))


# What a browser sends from the editor: the box's value if ticked, then the empty value
# the editor always sends after it.
TICKED, UNTICKED = ["y", ""], [""]


def edit(reader, post_id: int, **fields):
    data = {"title": "Alice's post", "content": "Alice wrote this.", "submit": "Update", **fields}
    return reader.send(f"/post/{post_id}/update", data, page=f"/post/{post_id}/update")


def test_the_editor_offers_comments_ticked_for_a_new_post(reader, alice):
    page = reader("alice@example.com").client.get("/post/new").get_data(as_text=True)

    assert comments_box_ticked(page) is True


def test_the_author_closes_comments_and_new_ones_are_refused(
    app, reader, alices_post, bobs_comment, carol
):
    alice_writes = reader("alice@example.com")

    response = edit(alice_writes, alices_post, comments_enabled=UNTICKED)

    assert response.status_code == 302
    assert comments_enabled(app, alices_post) is False
    carol_reads = reader("carol@example.com")
    page = carol_reads.page(f"/post/{alices_post}")
    assert CLOSED in page
    assert "Buy cheap watches" in page  # what was said stays
    assert 'id="comment-form" method="post"' not in page
    refused = carol_reads.send(f"/post/{alices_post}/comment", {"body": "Still here?"})
    assert refused.status_code == 403
    assert CLOSED in page_text(refused)
    assert comment_count(app) == 1


def test_the_author_opens_comments_again(app, reader, alices_post, carol):
    alice_writes = reader("alice@example.com")
    edit(alice_writes, alices_post, comments_enabled=UNTICKED)

    edit(alice_writes, alices_post, comments_enabled=TICKED)

    assert comments_enabled(app, alices_post) is True
    carol_reads = reader("carol@example.com")
    response = carol_reads.send(
        f"/post/{alices_post}/comment", {"body": "Hello"}, page=f"/post/{alices_post}"
    )
    assert response.status_code == 302
    assert comment_count(app) == 1


def test_the_editor_shows_a_closed_post_unticked(app, reader, alices_post):
    alice_writes = reader("alice@example.com")
    edit(alice_writes, alices_post, comments_enabled=UNTICKED)

    page = alice_writes.client.get(f"/post/{alices_post}/update").get_data(as_text=True)

    assert comments_box_ticked(page) is False


def test_an_edit_that_does_not_send_the_box_leaves_comments_as_they_were(app, reader, alices_post):
    alice_writes = reader("alice@example.com")
    edit(alice_writes, alices_post, comments_enabled=UNTICKED)

    edit(alice_writes, alices_post)  # a script or older client, which knows no such field

    assert comments_enabled(app, alices_post) is False


def test_the_editor_sends_an_empty_value_after_the_box(reader, alice):
    page = reader("alice@example.com").client.get("/post/new").get_data(as_text=True)

    box = page.index('type="checkbox"', page.index('id="comments_enabled"') - 200)
    assert page.index('<input type="hidden" name="comments_enabled" value="">') > box


def test_the_api_closes_and_opens_comments(app, client, alice):
    token = get_token(client)
    created = client.post(
        "/api/v1/posts",
        json={"title": "Quiet", "content": "No replies.", "comments_enabled": False},
        headers=bearer(token),
    )
    post_id = created.get_json()["id"]

    assert created.get_json()["comments_enabled"] is False
    assert comments_enabled(app, post_id) is False
    opened = client.patch(
        f"/api/v1/posts/{post_id}", json={"comments_enabled": True}, headers=bearer(token)
    )
    assert opened.get_json()["comments_enabled"] is True
    assert comments_enabled(app, post_id) is True

"""The post's author and admins hide comments under it: readers then see "hidden by a
moderator", while the comment's author and admins still see it, marked hidden. Nobody
else may hide or show a comment."""

import pytest

from flaskblog.extensions import db
from flaskblog.models import Comment
from tests.helpers.attack_surface import database_snapshot

HIDDEN = "This comment was hidden by a moderator."
BODY = "Buy cheap watches"


def hidden_state(app, comment_id: int):
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        return comment.hidden_at is not None, comment.hidden_by_id


def test_the_posts_author_hides_a_comment_and_readers_see_it_hidden(
    app, reader, alices_post, bobs_comment, carol, ada, security_log
):
    alice_reads = reader("alice@example.com")

    response = alice_reads.send(f"/comment/{bobs_comment}/hide", page=f"/post/{alices_post}")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#comment-{bobs_comment}")
    alice = reader("alice@example.com")  # a fresh browser, the same person
    assert hidden_state(app, bobs_comment)[0]
    [event] = [e for e in security_log() if e["event"] == "comment_hidden"]
    assert (
        event["comment_id"] == bobs_comment
        and event["user_id"] == hidden_state(app, bobs_comment)[1]
    )
    url = f"/post/{alices_post}"
    for someone in (reader(), reader("carol@example.com"), alice):
        page = someone.page(url)
        assert HIDDEN in page and BODY not in page
    for someone in (reader("bob@example.com"), reader("ada@example.com")):
        page = someone.page(url)
        assert BODY in page and "Hidden by a moderator" in page and HIDDEN not in page


def test_a_hidden_comment_is_shown_again(app, reader, alices_post, bobs_comment, security_log):
    alice_reads = reader("alice@example.com")
    alice_reads.send(f"/comment/{bobs_comment}/hide")

    alice_reads.send(f"/comment/{bobs_comment}/unhide")

    assert hidden_state(app, bobs_comment) == (False, None)
    assert BODY in reader().page(f"/post/{alices_post}")
    assert [e["event"] for e in security_log() if e["event"].startswith("comment_")] == [
        "comment_hidden",
        "comment_shown",
    ]


def test_an_admin_hides_a_comment_on_anyones_post(app, reader, bobs_comment, ada):
    reader("ada@example.com").send(f"/comment/{bobs_comment}/hide")

    assert hidden_state(app, bobs_comment) == (True, ada)


@pytest.mark.parametrize("action", ["hide", "unhide"])
@pytest.mark.parametrize("who", ["bob@example.com", "carol@example.com"])
def test_hiding_a_comment_under_someone_elses_post_is_forbidden(
    app, reader, bobs_comment, carol, who, action
):
    # bob wrote the comment, carol only reads: neither wrote the post nor is an admin.
    someone = reader(who)
    before = database_snapshot(app)

    response = someone.send(f"/comment/{bobs_comment}/{action}")

    assert response.status_code == 403
    assert database_snapshot(app) == before


def test_only_the_posts_author_and_admins_are_offered_the_hide_button(
    reader, alices_post, bobs_comment, carol, ada
):
    url, button = f"/post/{alices_post}", f'action="/comment/{bobs_comment}/hide"'

    assert button in reader("alice@example.com").page(url)
    assert button in reader("ada@example.com").page(url)
    assert button not in reader("bob@example.com").page(url)
    assert button not in reader("carol@example.com").page(url)

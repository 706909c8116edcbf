"""Replies to comments, one level deep: writing one from the Reply control, where replies are
shown, the replies refused (to a reply, to a comment of another post, missing or hidden),
what happens to replies when their comment goes, and what the post page costs."""

import re

import pytest
from sqlalchemy import delete

from flaskblog.extensions import db
from flaskblog.models import Comment, User
from tests.helpers.pages import flashes, page_text
from tests.posts.test_comments import PageMarkup, add_comment, post_url

BOB, CAROL = "bob@example.com", "carol@example.com"


def add_reply(app, parent_id: int, user_id: int, body: str) -> int:
    """Write a reply straight into the database; returns its id."""
    with app.app_context():
        parent = db.session.get(Comment, parent_id)
        reply = Comment(post_id=parent.post_id, user_id=user_id, body=body, parent_id=parent_id)
        db.session.add(reply)
        db.session.commit()
        return reply.id


def stored(app) -> list[tuple[int, int | None, str]]:
    """Every comment as (user_id, parent_id, body), oldest id first."""
    with app.app_context():
        comments = db.session.scalars(db.select(Comment).order_by(Comment.id))
        return [(comment.user_id, comment.parent_id, comment.body) for comment in comments]


def reply_on(forms, app, post_id: int, parent_id, body: str):
    """Send a reply from the page its Reply control opens, as a reader does."""
    page = f"{post_url(app, post_id)}?reply_to={parent_id}"
    return forms.submit(
        f"/post/{post_id}/comment", {"body": body, "parent_id": parent_id}, page=page
    )


def replies_under(html: str, comment_id: int) -> list[int]:
    """The ids of the comments shown in the replies under comment `comment_id`."""
    thread = re.search(
        rf'<article class="comment" id="comment-{comment_id}">.*?</article>\s*'
        r'<div class="comment__replies">(.*?)\n\s*</div>\s*'
        r'(?:<article class="comment" |<p |<form )',
        html,
        re.S,
    )
    if thread is None:
        return []
    return [
        int(n)
        for n in re.findall(r'class="comment comment--reply" id="comment-(\d+)"', thread.group(1))
    ]


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
def bobs_comment(app, alices_post, bob) -> int:
    return add_comment(app, alices_post, bob, "First!")


# --- Writing a reply ------------------------------------------------------------------------


def test_reader_replies_from_the_reply_control_and_sees_it_under_the_comment(
    app, client, auth, forms, alices_post, bobs_comment, carol
):
    auth.login(CAROL)
    page = client.get(post_url(app, alices_post)).get_data(as_text=True)
    control = f'href="{post_url(app, alices_post)}?reply_to={bobs_comment}#reply-form"'
    assert control in page
    assert 'Reply<span class="visually-hidden"> to the comment by bob</span>' in page

    response = reply_on(forms, app, alices_post, bobs_comment, "Indeed.")

    assert stored(app)[1:] == [(carol, bobs_comment, "Indeed.")]
    reply_id = stored_id(app, "Indeed.")
    assert response.headers["Location"] == f"{post_url(app, alices_post)}#comment-{reply_id}"
    page = client.get(response.headers["Location"])
    assert ("success", "Your reply has been posted.") in flashes(page)
    html = page.get_data(as_text=True)
    assert replies_under(html, bobs_comment) == [reply_id]
    assert f'in reply to <a href="#comment-{bobs_comment}">bob</a>' in html
    assert '<h2 id="comments-heading">2 comments</h2>' in html


def stored_id(app, body: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Comment.id).where(Comment.body == body))


def test_reply_control_brings_the_form_under_the_thread_and_only_one_form(
    app, client, auth, alices_post, bobs_comment, carol
):
    add_comment(app, alices_post, carol, "Second")
    auth.login(CAROL)

    html = client.get(f"{post_url(app, alices_post)}?reply_to={bobs_comment}").get_data(
        as_text=True
    )

    forms = re.findall(r'<form class="form comment-form" id="([\w-]+)"', html)
    assert forms == ["reply-form"]
    assert html.index('id="reply-form"') < html.index("Second")  # under bob's comment
    assert re.search(rf'name="parent_id" type="hidden" value="{bobs_comment}"', html)
    assert '<label for="body">Your reply to bob</label>' in html
    assert 'value="Post reply"' in html
    assert "Write a new comment instead" in html
    assert len(re.findall(r'id="body"', html)) == 1


def test_reply_to_a_reply_answers_its_thread_and_names_its_author(
    app, client, auth, forms, alices_post, bobs_comment, carol, make_user
):
    carols_reply = add_reply(app, bobs_comment, carol, "Indeed.")
    make_user("dave")
    auth.login("dave@example.com")

    html = client.get(f"{post_url(app, alices_post)}?reply_to={carols_reply}").get_data(
        as_text=True
    )

    assert re.search(rf'name="parent_id" type="hidden" value="{bobs_comment}"', html)
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*@carol </textarea>', html)


@pytest.mark.parametrize("reply_to", ["999999", "abc", ""])
def test_reply_control_naming_no_comment_gives_the_usual_form(
    app, client, auth, alices_post, bobs_comment, carol, reply_to
):
    auth.login(CAROL)
    html = client.get(f"{post_url(app, alices_post)}?reply_to={reply_to}").get_data(as_text=True)

    assert re.findall(r'<form class="form comment-form" id="([\w-]+)"', html) == ["comment-form"]
    assert re.search(r'name="parent_id" type="hidden" value=""', html)


def test_visitors_and_unconfirmed_readers_get_no_reply_control_nor_form(
    app, client, auth, alices_post, bobs_comment, carol
):
    replying = f"{post_url(app, alices_post)}?reply_to={bobs_comment}"
    assert "?reply_to=" not in client.get(post_url(app, alices_post)).get_data(as_text=True)
    assert 'name="body"' not in client.get(replying).get_data(as_text=True)
    auth.login(CAROL)  # a login from before addresses had to be confirmed
    with app.app_context():
        db.session.get(User, carol).confirmed_at = None
        db.session.commit()
    assert "?reply_to=" not in client.get(post_url(app, alices_post)).get_data(as_text=True)
    html = client.get(replying).get_data(as_text=True)
    assert 'name="body"' not in html
    assert "Confirm your email address to comment" in html


def test_reply_control_on_a_post_closed_to_comments_brings_no_form(
    app, client, auth, alices_post, bobs_comment, carol
):
    with app.app_context():
        db.session.get(Comment, bobs_comment).post.comments_enabled = False
        db.session.commit()
    auth.login(CAROL)

    html = client.get(f"{post_url(app, alices_post)}?reply_to={bobs_comment}").get_data(
        as_text=True
    )

    assert "?reply_to=" not in html
    assert 'name="body"' not in html
    assert "Comments are closed on this post." in html


def test_a_reply_is_deleted_by_its_author_and_its_thread_stays(
    app, client, auth, forms, alices_post, bobs_comment, carol
):
    reply = add_reply(app, bobs_comment, carol, "Indeed.")
    auth.login(CAROL)

    response = forms.submit(f"/comment/{reply}/delete", page=post_url(app, alices_post))

    assert response.status_code == 302
    assert stored(app) == [(bob_id(app), None, "First!")]
    html = client.get(post_url(app, alices_post)).get_data(as_text=True)
    assert replies_under(html, bobs_comment) == []


# --- Replies refused ------------------------------------------------------------------------


def test_reply_to_a_reply_is_refused_with_a_message_and_nothing_saved(
    app, auth, forms, alices_post, bobs_comment, carol
):
    carols_reply = add_reply(app, bobs_comment, carol, "Indeed.")
    before = stored(app)
    auth.login(BOB)

    response = forms.submit(
        f"/post/{alices_post}/comment",
        {"body": "Reply to a reply", "parent_id": carols_reply},
        page=post_url(app, alices_post),
    )

    assert response.status_code == 400
    assert "Replies go one level deep: reply to the first comment of the thread" in page_text(
        response
    )
    assert "Reply to a reply" in response.get_data(as_text=True)  # the text is kept
    assert stored(app) == before


def test_reply_to_a_comment_of_another_post_is_refused_and_nothing_saved(
    app, auth, forms, make_posts, alices_post, bob, carol
):
    with app.app_context():
        alice = db.session.scalar(db.select(User.id).where(User.username == "alice"))
    (other_post,) = make_posts(alice, 1, title="Another post")
    elsewhere = add_comment(app, other_post, bob, "On the other post")
    auth.login(CAROL)

    response = forms.submit(
        f"/post/{alices_post}/comment",
        {"body": "Crossing over", "parent_id": elsewhere},
        page=post_url(app, alices_post),
    )

    assert response.status_code == 400
    assert "The comment you replied to is not on this post" in page_text(response)
    assert stored(app) == [(bob, None, "On the other post")]


@pytest.mark.parametrize("parent_id", ["999999", "0", "abc", "1.5", "99999999999999999999"])
def test_reply_to_a_missing_comment_is_refused_and_nothing_saved(
    app, auth, forms, alices_post, bobs_comment, carol, parent_id
):
    auth.login(CAROL)

    response = forms.submit(
        f"/post/{alices_post}/comment",
        {"body": "Into the void", "parent_id": parent_id},
        page=post_url(app, alices_post),
    )

    assert response.status_code in (200, 400)
    assert "The comment you replied to is not on this post" in page_text(response)
    assert stored(app) == [(bob_id(app), None, "First!")]
    # The form comes back at the foot of the page, as a new comment with the text kept.
    html = response.get_data(as_text=True)
    assert re.findall(r'<form class="form comment-form" id="([\w-]+)"', html) == ["comment-form"]
    assert re.search(r'name="parent_id" type="hidden" value=""', html)


def bob_id(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.username == "bob"))


def test_reply_to_a_hidden_comment_is_refused_and_nothing_saved(
    app, client, auth, forms, alices_post, bobs_comment, carol
):
    with app.app_context():
        comment = db.session.get(Comment, bobs_comment)
        comment.hide(comment.post.author)
        db.session.commit()
    auth.login(CAROL)
    html = client.get(post_url(app, alices_post)).get_data(as_text=True)
    assert "?reply_to=" not in html  # no Reply control on it

    response = reply_on(forms, app, alices_post, bobs_comment, "Hello?")

    assert response.status_code == 400
    assert "That comment was hidden by a moderator and takes no replies" in page_text(response)
    assert stored(app) == [(bob_id(app), None, "First!")]


# --- When the comment goes ------------------------------------------------------------------


def test_hidden_comment_keeps_its_replies_under_it(app, client, alices_post, bobs_comment, carol):
    reply = add_reply(app, bobs_comment, carol, "Indeed.")
    with app.app_context():
        comment = db.session.get(Comment, bobs_comment)
        comment.hide(comment.post.author)
        db.session.commit()

    html = client.get(post_url(app, alices_post)).get_data(as_text=True)

    assert "This comment was hidden by a moderator." in html
    assert replies_under(html, bobs_comment) == [reply]
    assert PageMarkup(html).bodies == ["Indeed."]


def test_deleting_a_comment_keeps_its_replies_as_comments_of_their_own(
    app, client, auth, forms, alices_post, bobs_comment, carol
):
    reply = add_reply(app, bobs_comment, carol, "Indeed.")
    auth.login(BOB)
    page = client.get(post_url(app, alices_post)).get_data(as_text=True)
    assert "Delete this comment for good? Its replies stay." in page

    response = forms.submit(f"/comment/{bobs_comment}/delete", page=post_url(app, alices_post))

    assert response.status_code == 302
    assert stored(app) == [(carol, None, "Indeed.")]
    html = client.get(post_url(app, alices_post)).get_data(as_text=True)
    assert f'<article class="comment" id="comment-{reply}">' in html


def test_database_keeps_replies_when_their_comment_is_deleted(
    app, alices_post, bobs_comment, carol
):
    # Deleted without the ORM (as the post's deletion does): the foreign key sets NULL.
    add_reply(app, bobs_comment, carol, "Indeed.")

    with app.app_context():
        db.session.execute(delete(Comment).where(Comment.id == bobs_comment))
        db.session.commit()

    assert stored(app) == [(carol, None, "Indeed.")]


def test_replies_written_around_the_rules_are_still_shown(
    app, client, make_posts, alices_post, bobs_comment, carol
):
    # Rows no view writes (a reply to a reply, a reply under another post's comment) are
    # shown as comments of their own rather than lost.
    reply = add_reply(app, bobs_comment, carol, "Indeed.")
    with app.app_context():
        alice = db.session.scalar(db.select(User.id).where(User.username == "alice"))
    (other_post,) = make_posts(alice, 1, title="Another post")
    elsewhere = add_comment(app, other_post, carol, "Over there")
    with app.app_context():
        db.session.add_all(
            [
                Comment(post_id=alices_post, user_id=carol, body="Deeper", parent_id=reply),
                Comment(post_id=alices_post, user_id=carol, body="Crossed", parent_id=elsewhere),
            ]
        )
        db.session.commit()

    html = client.get(post_url(app, alices_post)).get_data(as_text=True)

    assert PageMarkup(html).bodies == ["First!", "Indeed.", "Deeper", "Crossed"]
    assert replies_under(html, bobs_comment) == [reply]


# --- What the page costs --------------------------------------------------------------------


def test_post_page_runs_the_same_queries_with_one_comment_or_threads_of_replies_and_mentions(
    app, client, auth, alices_post, make_user, count_queries
):
    def queries() -> int:
        with count_queries() as statements:
            response = client.get(post_url(app, alices_post))
        assert response.status_code == 200
        return len(statements)

    first = make_user("reader0")
    add_comment(app, alices_post, first, "first! @alice")
    small = {"visitor": queries()}
    auth.login("alice@example.com")
    small["post author"] = queries()
    auth.logout()

    for n in range(1, 6):
        user_id = make_user(f"reader{n}")
        top = add_comment(app, alices_post, user_id, f"comment {n} for @alice and @reader0")
        for m in range(3):
            add_reply(app, top, first, f"reply {m} to @reader{n}, @nobody{m}")
    html = client.get(post_url(app, alices_post)).get_data(as_text=True)
    assert len(PageMarkup(html).bodies) == 21
    assert len(re.findall(r'class="mention"', html)) == 1 + 5 * 2 + 15
    large = {"visitor": queries()}
    auth.login("alice@example.com")
    large["post author"] = queries()

    assert small == large

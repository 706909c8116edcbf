"""The comments under a public post are made once for every reader who may do the same with
them (posts.routes.comment_shown_alike): each reader still sees only their own controls and
sends their own CSRF token, and a change to a comment shows at once."""

import re

import pytest
from flask.testing import FlaskClient

from flaskblog.extensions import cache, db
from flaskblog.models import Comment, Report, User
from tests.helpers import factories
from tests.helpers.pages import AuthActions, Forms, csrf_token_in


@pytest.fixture
def app(build_app):
    """With a page cache, where the comments are kept (the suite runs without one)."""
    return build_app(CACHE_TYPE="SimpleCache")


@pytest.fixture
def post_id(alices_post):
    return alices_post


def browser_of(app, username: str) -> FlaskClient:
    """A browser logged in as `username` (a new user unless it is alice)."""
    if username != "alice":
        factories.make_user(app, username)
    browser = app.test_client()
    assert AuthActions(browser, Forms(browser)).login(f"{username}@example.com").status_code == 302
    return browser


def comment_by(app, username: str, post_id: int, body: str) -> int:
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).filter_by(username=username))
        comment = Comment(body=body, post_id=post_id, user_id=user_id)
        db.session.add(comment)
        db.session.commit()
        return comment.id


def article(page, comment_id: int) -> str:
    """The comment's <article> on the page."""
    found = re.search(rf'<article [^>]*id="comment-{comment_id}".*?</article>', page.text, re.S)
    assert found, f"comment {comment_id} is not on the page"
    return found.group(0)


def kept_comment_keys(app) -> list[str]:
    return [key for key in app.extensions["cache"][cache]._cache if ":comment:" in key]


def test_each_reader_gets_the_controls_they_may_use_and_their_own_token(app, post_id):
    bob = browser_of(app, "bob")
    comment_id = comment_by(app, "bob", post_id, "First!")
    carol, dave, alice = (browser_of(app, name) for name in ("carol", "dave", "alice"))

    carols, daves, bobs, alices = (
        article(who.get(f"/post/{post_id}"), comment_id) for who in (carol, dave, bob, alice)
    )

    assert kept_comment_keys(app)
    # Strangers may reply and report; the same comment, each with their own token.
    for strangers in (carols, daves):
        assert "Reply" in strangers and "Send report" in strangers
        assert "Delete" not in strangers and "Hide" not in strangers
    assert csrf_token_in(carols) != csrf_token_in(daves)
    assert carols.replace(csrf_token_in(carols), "") == daves.replace(csrf_token_in(daves), "")
    # Its writer may delete it, not report it; the post's author may hide and delete it.
    assert "Delete" in bobs and "Send report" not in bobs
    assert "Hide" in alices and "Delete" in alices and "Send report" in alices
    # Dave's form, made from Carol's kept copy, carries a token that works for him.
    report = dave.post(
        f"/comment/{comment_id}/report",
        data={"csrf_token": csrf_token_in(daves), "reason": "spam"},
    )
    assert report.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Report.reason).filter_by(comment_id=comment_id)) == (
            "spam"
        )


def test_a_hidden_comment_and_a_new_one_show_at_once(app, post_id):
    comment_id = comment_by(app, "alice", post_id, "Mind the gap")
    carol, bob = browser_of(app, "carol"), browser_of(app, "bob")
    carols_page = carol.get(f"/post/{post_id}")
    assert "Mind the gap" in article(carols_page, comment_id)
    alice = browser_of(app, "alice")
    alices_page = alice.get(f"/post/{post_id}")

    hidden = alice.post(
        f"/comment/{comment_id}/hide", data={"csrf_token": csrf_token_in(alices_page.text)}
    )
    new_id = comment_by(app, "bob", post_id, "Second thoughts")

    assert hidden.status_code == 302
    carols = carol.get(f"/post/{post_id}")
    assert "hidden by a moderator" in article(carols, comment_id)
    assert "Mind the gap" not in carols.text
    assert "Second thoughts" in article(bob.get(f"/post/{post_id}"), new_id)
    assert "Mind the gap" in article(alice.get(f"/post/{post_id}"), comment_id)


def test_a_kept_comment_is_not_made_again_for_the_next_reader(app, post_id, count_queries):
    factories.make_user(app, "erin")
    comment_id = comment_by(app, "alice", post_id, "Thanks, @erin!")
    carol, dave = browser_of(app, "carol"), browser_of(app, "dave")
    with count_queries() as first:
        carols = carol.get(f"/post/{post_id}")

    with count_queries() as second:
        daves = dave.get(f"/post/{post_id}")

    # The @name's link is looked up only to make the comment.
    assert [mention_lookups(statements) for statements in (first, second)] == [1, 0]
    assert '<a class="mention" href="/user/erin">@erin</a>' in article(daves, comment_id)
    assert article(daves, comment_id).replace(csrf_token_in(daves.text), "") == article(
        carols, comment_id
    ).replace(csrf_token_in(carols.text), "")


def mention_lookups(statements: list[str]) -> int:
    return sum("lower(users.username) IN" in statement for statement in statements)

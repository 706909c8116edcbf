"""Replies in a real headless Chromium: a reader answers a comment by keyboard alone, no
script needed, the reply shows under it with @names linked, and axe-core finds nothing
wrong with a post page that has threads of replies and the reply form open."""

import pytest
from playwright.sync_api import expect

from flaskblog.extensions import db
from flaskblog.models import Comment
from tests.helpers.accessibility import axe_violations
from tests.helpers.browser import log_in
from tests.helpers.factories import PASSWORD

pytestmark = pytest.mark.browser


def add_comment(app, post_id: int, user_id: int, body: str, parent_id=None) -> int:
    with app.app_context():
        comment = Comment(post_id=post_id, user_id=user_id, body=body, parent_id=parent_id)
        db.session.add(comment)
        db.session.commit()
        return comment.id


def test_a_reader_replies_by_keyboard_and_the_page_passes_axe(
    app, open_browser, make_user, make_posts
):
    (post_id,) = make_posts(make_user("alice"), 1, title="Alice writes")
    bob, carol = make_user("bob"), make_user("carol")
    bobs = add_comment(app, post_id, bob, "First! @alice")
    add_comment(app, post_id, carol, "Welcome, @bob.", parent_id=bobs)
    page = open_browser(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    log_in(page, "carol@example.com", PASSWORD)
    page.goto(f"/post/{post_id}")

    page.get_by_role("link", name="Reply to the comment by bob").first.focus()
    page.keyboard.press("Enter")
    field = page.get_by_label("Your reply to bob")
    expect(field).to_be_visible()
    field.focus()
    page.keyboard.type("Thanks @alice!")
    page.get_by_role("button", name="Post reply").focus()
    page.keyboard.press("Enter")

    expect(page.locator(".flash")).to_have_text("Your reply has been posted.")
    replies = page.locator(".comment__replies .comment--reply .comment__body")
    expect(replies).to_have_text(["Welcome, @bob.", "Thanks @alice!"])
    expect(replies.last.get_by_role("link", name="@alice")).to_have_attribute("href", "/user/alice")


def test_post_page_with_replies_and_the_reply_form_has_no_axe_violations(
    app, page, make_user, make_posts
):
    alice = make_user("alice")
    (post_id,) = make_posts(alice, 1, title="Alice writes")
    bob, carol = make_user("bob"), make_user("carol")
    bobs = add_comment(app, post_id, bob, "First! @alice")
    add_comment(app, post_id, carol, "Welcome, @bob.", parent_id=bobs)
    add_comment(app, post_id, alice, "Thanks both", parent_id=bobs)
    add_comment(app, post_id, carol, "Another thread")

    page.goto(f"/post/{post_id}")  # a visitor
    expect(page.locator(".comment--reply")).to_have_count(2)
    assert axe_violations(page) == []

    log_in(page, "carol@example.com", PASSWORD)
    page.goto(f"/post/{post_id}?reply_to={bobs}#reply-form")
    expect(page.get_by_label("Your reply to bob")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Post reply").click()  # empty: comes back with its error
    expect(page.locator("#body-error")).to_be_visible()
    assert axe_violations(page) == []

"""Notifications in a real headless Chromium: a follower hears of a new post through the
header's count, opens the list by keyboard, and changes their settings; both pages pass
axe-core with no violations."""

import pytest
from playwright.sync_api import expect

from flaskblog.extensions import db
from flaskblog.models import Follow
from tests.helpers.accessibility import axe_violations
from tests.helpers.browser import log_in, nav
from tests.helpers.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_follower_hears_of_a_new_post_and_opens_it(app, open_browser, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    with app.app_context():
        db.session.add(Follow(follower_id=bob, followed_id=alice))
        db.session.commit()
    author = open_browser()
    log_in(author, "alice@example.com", PASSWORD)
    author.goto("/post/new")
    author.get_by_label("Title").fill("Walrus season")
    author.get_by_label("Content").fill("The walrus is back.")
    author.get_by_role("button", name="Publish").click()
    expect(author.locator(".flash")).to_have_text("Published.")

    reader = open_browser()
    log_in(reader, "bob@example.com", PASSWORD)
    link = nav(reader).get_by_role("link", name="Notifications 1 unread")
    expect(link).to_be_visible()
    link.focus()
    reader.keyboard.press("Enter")

    expect(reader.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(reader.locator(".notification--unread")).to_contain_text("alice published Walrus season")
    assert axe_violations(reader) == []
    expect(nav(reader).get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    reader.get_by_role("link", name="Walrus season").click()
    expect(reader.get_by_role("heading", name="Walrus season")).to_be_visible()


def test_the_settings_page_is_accessible_and_saves_by_keyboard(app, open_browser, make_user):
    make_user("alice")
    page = open_browser()
    log_in(page, "alice@example.com", PASSWORD)
    page.goto("/notifications/settings")

    assert axe_violations(page) == []
    page.get_by_label("Email digest of unread notifications").select_option("weekly")
    page.get_by_label("New followers").uncheck()
    page.get_by_role("button", name="Save settings").focus()
    page.keyboard.press("Enter")

    expect(page.locator(".flash")).to_have_text("Your notification settings have been saved.")
    expect(page.get_by_label("Email digest of unread notifications")).to_have_value("weekly")
    expect(page.get_by_label("New followers")).not_to_be_checked()
    assert axe_violations(page) == []


def test_an_empty_notifications_page_is_accessible(app, open_browser, make_user):
    make_user("alice")
    page = open_browser()
    log_in(page, "alice@example.com", PASSWORD)
    page.goto("/notifications")

    expect(page.get_by_text("No notifications yet")).to_be_visible()
    assert axe_violations(page) == []

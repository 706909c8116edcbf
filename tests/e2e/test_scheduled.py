"""Scheduled posts in a real headless Chromium: the author finds them on the drafts page with
their times, readers find nothing until the time comes, then the post on the home page."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import account_menu_toggle
from tests.helpers.factories import (
    PASSWORD,
    add_scheduled_post,
    make_drafts,
    set_published_at,
)

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
PHONE = {"viewport": {"width": PHONE_WIDTH, "height": 740}, "is_mobile": True, "has_touch": True}


def log_in(page, email: str = "alice@example.com") -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(account_menu_toggle(page)).to_be_visible()


def test_the_author_sees_the_schedule_and_readers_see_the_post_when_it_comes(
    app, open_browser, make_user
):
    alice = make_user("alice")
    when = datetime(2030, 3, 1, 9, 15, tzinfo=UTC)
    post_id = add_scheduled_post(app, alice, title="Spring issue", when=when)
    make_drafts(app, alice, 1, title="Half written")

    author = open_browser(**PHONE)
    log_in(author)
    author.goto("/drafts")
    scheduled = author.get_by_role("region", name="Scheduled")
    expect(scheduled.get_by_role("link", name="Spring issue")).to_be_visible()
    expect(scheduled.locator("time")).to_have_attribute("datetime", "2030-03-01T09:15:00Z")
    expect(scheduled.locator("time")).to_have_text("March 1, 2030, 09:15 UTC")
    expect(author.get_by_role("heading", name="Drafts", exact=True)).to_be_visible()
    expect(author.get_by_role("link", name="Half written", exact=True)).to_be_visible()
    assert author.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH

    reader = open_browser(viewport={"width": 1280, "height": 800})
    reader.goto("/")
    expect(reader.get_by_role("link", name="Spring issue", exact=True)).to_have_count(0)

    set_published_at(app, post_id, datetime.now(UTC) - timedelta(minutes=1))

    reader.goto("/")
    reader.get_by_role("link", name="Spring issue", exact=True).click()
    expect(reader.get_by_role("heading", name="Spring issue")).to_be_visible()

"""Following in a real headless Chromium: a reader follows an author from the profile, by
keyboard, and finds the author's post under the Following tab."""

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import log_in
from tests.helpers.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_reader_follows_an_author_and_reads_them_under_following(
    open_browser, make_user, make_posts
):
    make_posts(make_user("alice"), 1, title="Alice writes")
    make_user("bob")
    page = open_browser()
    log_in(page, "bob@example.com", PASSWORD)

    page.get_by_role("link", name="Following").click()
    expect(page.get_by_role("heading", name="Nothing here yet")).to_be_visible()
    page.goto("/user/alice")
    page.get_by_role("button", name="Follow alice").focus()
    page.keyboard.press("Enter")

    expect(page.locator(".flash")).to_have_text("You are following alice.")
    expect(page.get_by_text("1 follower", exact=True)).to_be_visible()
    page.goto("/")
    page.get_by_role("link", name="Following").click()
    expect(page.get_by_role("link", name="Following")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Alice writes")).to_be_visible()

"""Reporting and the spam trap in a real headless Chromium: a reader reports a post with the
keyboard alone on a 320-pixel-wide phone, and the sign-up form's trap is never reached."""

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import log_in, page_width
from tests.helpers.factories import PASSWORD

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}


def test_a_reader_reports_a_post_by_keyboard_on_a_phone(open_browser, make_user, make_posts):
    [post_id] = make_posts(make_user("alice"), 1)
    make_user("bob")
    page = open_browser(**NARROW)
    log_in(page, "bob@example.com", PASSWORD)
    page.goto(f"/post/{post_id}")

    report = page.locator("summary", has_text="Report this post")
    report.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="Spam")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="Abuse or harassment")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Insults in the second paragraph.")
    assert page_width(page) <= 320
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send report")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".flash")).to_have_text("Thank you: an admin will look at your report.")
    assert page_width(page) <= 320


def test_tabbing_through_the_sign_up_form_never_reaches_the_trap(open_browser):
    page = open_browser()
    page.goto("/register")
    trap = page.locator('input[name="website"]')
    assert trap.bounding_box()["x"] < 0  # off screen

    page.get_by_label("Username").focus()
    focused = []
    for _ in range(8):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.name || document.activeElement.id"))

    assert "website" not in focused
    assert "submit" in focused

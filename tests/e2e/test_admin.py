"""The accounts page of the admin console in a real headless Chromium on a 320-pixel-wide
phone: nothing scrolls sideways, and an admin searches and acts with the keyboard alone."""

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import log_in, page_width
from tests.helpers.factories import PASSWORD

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}
LONG_ADDRESS = "a.rather.long.address.that.must.wrap@subdomain.example.com"


def test_the_accounts_page_fits_a_phone_and_works_by_keyboard(open_browser, make_user, make_posts):
    make_user("ada", admin=True)
    make_posts(make_user("bob", LONG_ADDRESS), 2)
    make_user("carol", confirmed=False)
    page = open_browser(**NARROW)
    log_in(page, "ada@example.com", PASSWORD)

    page.goto("/admin/users")
    expect(page.get_by_role("table", name="Every account, newest first")).to_be_visible()
    assert page_width(page) <= 320

    search = page.get_by_label("Name or address contains")
    search.focus()
    page.keyboard.type("subdomain")
    page.keyboard.press("Enter")
    expect(page.get_by_role("row")).to_have_count(2)  # the headers and bob's
    assert page_width(page) <= 320
    # One card per account, each cell as wide as the screen allows: the address reads whole.
    address = page.get_by_role("cell", name=LONG_ADDRESS)
    assert address.bounding_box()["width"] >= 250

    disable = page.get_by_role("button", name="Disable bob")
    disable.focus()
    expect(disable).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".flash")).to_have_text("bob is disabled and logged out everywhere.")
    expect(page.get_by_label("Name or address contains")).to_have_value("subdomain")
    enable = page.get_by_role("button", name="Enable bob")
    expect(enable).to_be_visible()
    assert page_width(page) <= 320

    # Tab reaches every action of a row in order.
    enable.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Make bob admin")).to_be_focused()

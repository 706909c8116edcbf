"""Two-factor login in a real headless Chromium: turn it on from the page's QR code and
secret, log out, log in again with the password and a code."""

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import account_menu_toggle, log_in, log_out, nav
from tests.helpers.factories import PASSWORD
from tests.helpers.two_factor import code_for

pytestmark = pytest.mark.browser


def test_turn_on_two_factor_then_log_in_with_a_code(page, browser_watch, make_user):
    make_user("alice")
    log_in(page, "alice@example.com", PASSWORD)

    page.goto("/account/2fa")
    expect(page.locator("svg.qr-code")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("The 6-digit code your app shows now").fill(code_for(secret))
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page.get_by_role("status")).to_contain_text("Two-factor login is on")
    expect(page.locator("#recovery-codes li")).to_have_count(10)

    log_out(page)
    page.goto("/login")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-factor login")).to_be_visible()
    expect(nav(page).get_by_role("button", name="Log out")).to_have_count(0)
    # The code of the next 30 seconds: the one just used to turn it on is spent.
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        code_for(secret, steps=1)
    )
    page.get_by_role("button", name="Verify").click()

    expect(account_menu_toggle(page)).to_be_visible()
    assert browser_watch.problems == []

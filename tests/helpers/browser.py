"""Steps the browser tests share: the main navigation, logging in, and the page's width."""

from playwright.sync_api import expect


def nav(page):
    return page.get_by_role("navigation", name="Main")


def log_in(page, email, password):
    """Log in through the form, and wait until the navigation offers to log out."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(nav(page).get_by_role("button", name="Log out")).to_be_visible()


def page_width(page) -> int:
    """How wide the page is in CSS pixels; wider than the window means sideways scrolling."""
    return page.evaluate("document.scrollingElement.scrollWidth")

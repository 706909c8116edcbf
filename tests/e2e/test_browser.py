"""The site in a real headless Chromium, driven by Playwright, against the live server."""

import pytest
from conftest import PASSWORD
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
PHONE = {"viewport": {"width": PHONE_WIDTH, "height": 740}, "is_mobile": True, "has_touch": True}
NEW_PASSWORD = "a brand new passphrase"


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


def test_register_log_in_write_a_post_and_log_out(page, browser_watch, tmp_path):
    page.goto("/")
    nav(page).get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status")).to_contain_text("Your account has been created")

    log_in(page, "alice@example.com", PASSWORD)
    nav(page).get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill("Hello from Chromium")
    page.get_by_label("Content").fill("First line.\nSecond line.")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_role("status")).to_contain_text("Your post has been published")
    expect(page.get_by_role("heading", name="Hello from Chromium")).to_be_visible()

    nav(page).get_by_role("link", name="Home").click()
    post = page.get_by_role("article").filter(has_text="Hello from Chromium")
    expect(post).to_contain_text("alice")
    expect(post).to_contain_text("First line.\nSecond line.")
    screenshot = page.screenshot(path=tmp_path / "home.png", full_page=True)
    assert screenshot.startswith(b"\x89PNG")

    nav(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You have been logged out")
    expect(nav(page).get_by_role("link", name="Log in")).to_be_visible()
    expect(nav(page).get_by_role("button", name="Log out")).to_have_count(0)
    assert browser_watch.problems == []


def test_pages_load_only_from_this_site_without_console_errors(
    page, browser_watch, make_user, make_posts, server
):
    alice = make_user("alice")
    [post_id] = make_posts(alice, 1)
    public = ["/", "/about", "/register", "/login", "/reset_password", f"/post/{post_id}"]
    for path in [*public, "/user/alice"]:
        page.goto(path)
    log_in(page, "alice@example.com", PASSWORD)
    for path in ["/account", "/post/new", f"/post/{post_id}/update"]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert f"{server.url}/static/css/main.css" in browser_watch.requested
    assert browser_watch.foreign == []
    assert browser_watch.failed == []
    assert browser_watch.console == []
    assert browser_watch.problems == []


def test_pages_fit_a_phone_screen_without_sideways_scrolling(open_browser, make_user, make_posts):
    alice = make_user("alice")
    [post_id] = make_posts(
        alice,
        1,
        title="A title long enough to wrap onto several lines on a phone",
        content="Averyveryverylongwordwithoutanyspacesthatcouldpushthepagewiderthanthescreen",
    )
    phone = open_browser(**PHONE)
    pages = ["/", "/about", "/register", "/login", "/reset_password", f"/post/{post_id}"]
    for path in pages:
        phone.goto(path)
        assert page_width(phone) <= PHONE_WIDTH, f"{path} scrolls sideways on a phone"

    log_in(phone, "alice@example.com", PASSWORD)
    for path in ["/", "/account", "/post/new", f"/post/{post_id}"]:
        phone.goto(path)
        assert page_width(phone) <= PHONE_WIDTH, f"{path} scrolls sideways on a phone"
    log_out = nav(phone).get_by_role("button", name="Log out")
    box = log_out.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, "Log out is off the screen"
    log_out.tap()
    expect(nav(phone).get_by_role("link", name="Log in")).to_be_visible()


def test_password_reset_by_email_in_the_browser(page, make_user, mailbox, server):
    make_user("alice")

    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_role("button", name="Request password reset").click()
    expect(page.get_by_role("status")).to_contain_text("we have sent it a link")

    link = mailbox.only_message().reset_link
    assert link.startswith(f"{server.url}/reset_password/")
    page.goto(link)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password has been updated")

    log_in(page, "alice@example.com", NEW_PASSWORD)
    expect(nav(page).get_by_role("button", name="Log out")).to_be_visible()

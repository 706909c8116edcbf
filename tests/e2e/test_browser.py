"""The site in a real headless Chromium, driven by Playwright, against the live server."""

import re

import pytest
from playwright.sync_api import expect

from flaskblog.extensions import db
from flaskblog.models import Post, Tag
from tests.helpers.browser import (
    account_menu,
    account_menu_toggle,
    log_in,
    log_out,
    nav,
    page_width,
)
from tests.helpers.factories import PASSWORD

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
PHONE = {"viewport": {"width": PHONE_WIDTH, "height": 740}, "is_mobile": True, "has_touch": True}
NEW_PASSWORD = "a brand new passphrase"
CONFIRM_LINK = re.compile(r"https?://\S+/confirm/\S+")


def test_register_confirm_log_in_write_a_post_and_log_out(
    page, browser_watch, mailbox, server, tmp_path
):
    page.goto("/")
    nav(page).get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status")).to_contain_text("Your account has been created")

    link = CONFIRM_LINK.search(mailbox.only_message().text).group()
    assert link.startswith(f"{server.url}/confirm/")
    page.goto(link)
    expect(page.get_by_role("status")).to_contain_text("alice@example.com is confirmed")
    log_in(page, "alice@example.com", PASSWORD)
    nav(page).get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill("Hello from Chromium")
    page.get_by_label("Content").fill("First line with **bold**.\nSecond line.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published.")
    expect(page.get_by_role("heading", name="Hello from Chromium")).to_be_visible()
    expect(page.locator(".post__body strong")).to_have_text("bold")
    assert page.url.endswith("/post/1/hello-from-chromium")

    nav(page).get_by_role("link", name="Home").click()
    post = page.get_by_role("article").filter(has_text="Hello from Chromium")
    expect(post).to_contain_text("alice")
    expect(post.locator(".post__excerpt")).to_have_text("First line with bold. Second line.")
    post.get_by_role("link", name="Read more").click()
    expect(page.locator(".post__body strong")).to_have_text("bold")
    nav(page).get_by_role("link", name="Home").click()
    screenshot = page.screenshot(path=tmp_path / "home.png", full_page=True)
    assert screenshot.startswith(b"\x89PNG")

    log_out(page)
    expect(page.get_by_role("status")).to_contain_text("You have been logged out")
    expect(nav(page).get_by_role("button", name="Log out")).to_have_count(0)
    assert browser_watch.problems == []


def test_pages_load_only_from_this_site_without_console_errors(
    app, page, browser_watch, make_user, make_posts, server
):
    alice = make_user("alice")
    [post_id] = make_posts(alice, 1, content="Some *Markdown* and a [link](https://example.com).")
    with app.app_context():
        db.session.get(Post, post_id).tags = Tag.named(["python"])
        db.session.commit()
    public = ["/", "/about", "/register", "/login", "/reset_password", f"/post/{post_id}"]
    for path in [*public, "/user/alice", "/tags", "/tag/python"]:
        page.goto(path)
    log_in(page, "alice@example.com", PASSWORD)
    for path in ["/account", "/post/new", f"/post/{post_id}/update", "/drafts"]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    for asset in ("css/main.css", "js/editor.js"):  # with their content hash: ?v=...
        assert any(
            url.startswith(f"{server.url}/static/{asset}?v=") for url in browser_watch.requested
        )
    assert browser_watch.foreign == []
    assert browser_watch.failed == []
    assert browser_watch.console == []
    assert browser_watch.problems == []


WIDE_MARKDOWN = f"""Averyveryverylongwordwithoutanyspacesthatcouldpushthepagewiderthanthescreen

```
{"a_long_line_of_code = " * 8}
```

| {" | ".join(f"column {n}" for n in range(12))} |
|{"---|" * 12}
| {" | ".join(f"value-{n}-without-spaces" for n in range(12))} |
"""


def on_screen(box) -> bool:
    """Whether an element's box lies within the phone's width."""
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH


def test_pages_fit_a_phone_screen_without_sideways_scrolling(
    app, open_browser, make_user, make_posts
):
    alice = make_user("alice")
    [post_id] = make_posts(
        alice,
        1,
        title="A title long enough to wrap onto several lines on a phone",
        content=WIDE_MARKDOWN,
    )
    with app.app_context():
        post = db.session.get(Post, post_id)
        post.tags = Tag.named(["a-long-tag-name-of-thirty-char", "python", "flask", "how-to"])
        db.session.add(
            Post(title="Unfinished", content=WIDE_MARKDOWN, author=post.author, is_published=False)
        )
        db.session.commit()
    phone = open_browser(**PHONE)
    pages = [
        "/",
        "/about",
        "/register",
        "/login",
        "/reset_password",
        f"/post/{post_id}",
        "/tags",
        "/tag/python",
    ]
    for path in pages:
        phone.goto(path)
        assert page_width(phone) <= PHONE_WIDTH, f"{path} scrolls sideways on a phone"

    log_in(phone, "alice@example.com", PASSWORD)
    for path in ["/", "/account", "/post/new", f"/post/{post_id}", "/drafts", "/tags"]:
        phone.goto(path)
        assert page_width(phone) <= PHONE_WIDTH, f"{path} scrolls sideways on a phone"
    # The wide table and code scroll inside the post, not the page.
    phone.goto(f"/post/{post_id}")
    expect(phone.locator(".post__body table td")).to_have_count(12)
    expect(phone.locator(".post__body pre")).to_be_visible()
    assert phone.locator(".post__body table").evaluate("table => table.scrollWidth") > PHONE_WIDTH
    for name in ("Home", "Tags", "About", "New post"):
        link = nav(phone).get_by_role("link", name=name, exact=True)
        assert on_screen(link.bounding_box()), f"{name} is off the screen"
    search = nav(phone).get_by_role("searchbox", name="Search posts")
    assert on_screen(search.bounding_box()), "the search box is off the screen"
    account_menu_toggle(phone).tap()
    menu = account_menu(phone)
    for name in ("Drafts", "Account"):
        link = menu.get_by_role("link", name=name, exact=True)
        assert on_screen(link.bounding_box()), f"{name} is off the screen"
    log_out_button = menu.get_by_role("button", name="Log out")
    assert on_screen(log_out_button.bounding_box()), "Log out is off the screen"
    log_out_button.tap()
    expect(nav(phone).get_by_role("link", name="Log in")).to_be_visible()


def test_unconfirmed_user_asks_for_a_new_link_from_the_login_page_and_then_posts(
    page, browser_watch, make_user, mailbox, server
):
    make_user("alice", confirmed=False)
    page.goto("/login")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("open the link we emailed you first")

    page.get_by_role("link", name="Send the link again").click()
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_role("status")).to_contain_text("a new link is on its way")

    page.goto(CONFIRM_LINK.search(mailbox.only_message().text).group())
    expect(page.get_by_role("status")).to_contain_text("alice@example.com is confirmed")
    log_in(page, "alice@example.com", PASSWORD)
    nav(page).get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill("Confirmed at last")
    page.get_by_label("Content").fill("Hello.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published.")
    assert browser_watch.problems == []


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
    expect(account_menu(page).get_by_role("button", name="Log out")).to_be_visible()


PREVIEW_MARKDOWN = """## Shopping list

- **milk**
- ~~eggs~~

| item | count |
|:-----|------:|
| tea  | 2     |

<script>window.injected = true</script>
"""


def write_in_the_editor(page, title: str, content: str) -> None:
    """Open a new post's editor with autosave off (tests/e2e/test_editor.py tries that)."""
    page.goto("/post/new")
    page.locator("form[data-autosave]").evaluate("form => delete form.dataset.autosave")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Content").fill(content)
    page.get_by_label("Tags").fill("lists, home")


def test_preview_shows_the_rendered_post_in_the_editor_without_leaving_it(
    app, page, browser_watch, make_user, server
):
    make_user("alice")
    log_in(page, "alice@example.com", PASSWORD)
    write_in_the_editor(page, "Errands", PREVIEW_MARKDOWN)
    preview = page.locator("#preview")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Preview").click()

    expect(preview).to_be_visible()
    expect(preview.get_by_role("heading", name="Shopping list")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("milk")
    expect(preview.locator("s")).to_have_text("eggs")
    expect(preview.locator("td.align-right")).to_have_text("2")
    expect(preview).to_contain_text("<script>window.injected = true</script>")
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate("window.injected") is None
    assert page.url == f"{server.url}/post/new"
    assert f"{server.url}/post/preview?fragment=1" in browser_watch.requested
    expect(page.get_by_label("Title")).to_have_value("Errands")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 0

    # A second preview replaces the first.
    page.get_by_label("Content").fill("Just *one* thing.")
    page.get_by_role("button", name="Preview").click()
    expect(preview.locator("em")).to_have_text("one")
    expect(preview.get_by_role("heading", name="Shopping list")).to_have_count(0)
    expect(preview.locator(".preview__body")).to_have_count(1)
    previewed = preview.locator(".preview__body").inner_html()

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published.")
    assert page.locator(".post__body").inner_html() == previewed
    assert browser_watch.problems == []


def test_a_preview_refused_as_too_long_says_so_in_place_of_the_preview(
    app, page, browser_watch, make_user, server
):
    make_user("alice")
    log_in(page, "alice@example.com", PASSWORD)
    write_in_the_editor(page, "Long", "")
    # Past the textarea's maxlength, which typing and pasting respect: as a script could.
    page.get_by_label("Content").evaluate(
        "(field, length) => { field.value = '['.repeat(length) }", Post.CONTENT_LENGTH + 1
    )
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Preview").click()

    message = page.locator("#preview").get_by_role("alert")
    expect(message).to_have_text(
        "A post can be at most 50,000 characters long; this one has 50,001."
    )
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url == f"{server.url}/post/new"
    # The 400 itself is what the browser reports, and nothing else: it is expected here.
    assert browser_watch.failed == [f"{server.url}/post/preview?fragment=1: HTTP 400"]
    assert [line for line in browser_watch.console if "400" not in line] == []
    browser_watch.failed.clear()
    browser_watch.console.clear()


def test_preview_without_javascript_opens_a_preview_page_with_the_form_still_filled(
    app, open_browser, make_user, server
):
    make_user("alice")
    page = open_browser(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    log_in(page, "alice@example.com", PASSWORD)
    write_in_the_editor(page, "Errands", PREVIEW_MARKDOWN)

    page.get_by_role("button", name="Preview").click()

    assert page.url == f"{server.url}/post/preview"
    expect(page.get_by_role("heading", name="New post", level=1)).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Errands")
    expect(page.get_by_label("Content")).to_have_value(PREVIEW_MARKDOWN)
    expect(page.get_by_label("Tags")).to_have_value("lists, home")
    preview = page.locator("#preview")
    expect(preview).to_be_visible()
    expect(preview.get_by_role("heading", name="Shopping list")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("milk")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 0

    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    assert page.url == f"{server.url}/post/1/errands"
    expect(page.locator(".post__body strong")).to_have_text("milk")
    expect(page.locator(".badge")).to_have_text("Draft")

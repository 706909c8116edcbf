"""Keyboard only, in a real headless Chromium: a writer logs in and publishes a post with
Tab, Shift+Tab, Enter, Space and typing, never the mouse, and every field and button the
keyboard stops on shows the focus ring (WCAG 2.1.1 and 2.4.7, which axe-core cannot check)."""

import pytest
from playwright.sync_api import expect

from flaskblog.extensions import db
from flaskblog.models import Post
from tests.helpers.browser import account_menu_toggle
from tests.helpers.factories import PASSWORD

pytestmark = pytest.mark.browser

# Far more stops than any page here has: a control never reached fails rather than loops.
MOST_TAB_STOPS = 80

FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(),
    name: element.getAttribute("name") || "",
    text: (element.value && element.type === "submit" ? element.value : element.textContent).trim(),
    ring: style.outlineStyle !== "none" ? parseFloat(style.outlineWidth) : 0,
    focusVisible: element.matches(":focus-visible"),
  };
}"""


def focused(page) -> dict:
    """What has the keyboard's focus now, and how wide its focus ring is (0: none)."""
    return page.evaluate(FOCUSED)


def tab_to(page, *, name: str = "", text: str = "", key: str = "Tab") -> dict:
    """Press Tab (or Shift+Tab) until the field named `name`, or the link or button saying
    `text`, has the focus; on the way, every stop must show its focus ring."""
    for _ in range(MOST_TAB_STOPS):
        page.keyboard.press(key)
        now = focused(page)
        assert now["focusVisible"] and now["ring"] >= 2, f"no focus ring on {now}"
        if (name and now["name"] == name) or (text and now["text"] == text):
            return now
    raise AssertionError(f"{key} never reached {name or text!r}")


def test_a_writer_logs_in_and_publishes_a_post_with_the_keyboard_alone(app, page, make_user):
    make_user("alice")
    page.goto("/login")

    tab_to(page, name="email")
    page.keyboard.type("alice@example.com")
    tab_to(page, name="password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(account_menu_toggle(page)).to_be_visible()

    tab_to(page, text="New post")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("New post")

    tab_to(page, name="title")
    page.keyboard.type("Written without a mouse")
    tab_to(page, name="content")
    page.keyboard.type("Tab, type, Enter: the whole way.")
    tab_to(page, name="tags")
    page.keyboard.type("accessibility")
    tab_to(page, name="comments_enabled")
    page.keyboard.press("Space")  # comments off
    tab_to(page, name="tags", key="Shift+Tab")  # back, and forward again
    tab_to(page, text="Publish")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Written without a mouse")
    expect(page.locator(".post__body")).to_contain_text("Tab, type, Enter: the whole way.")
    with app.app_context():
        post = db.session.scalars(db.select(Post)).one()
        assert (post.title, post.is_published, post.comments_enabled) == (
            "Written without a mouse",
            True,
            False,
        )
        assert [tag.name for tag in post.tags] == ["accessibility"]

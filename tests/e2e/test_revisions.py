"""A post's history in a real headless Chromium on a 320-pixel-wide phone, light and dark:
the list and a diff fit the screen, and removed and added text stay readable."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.helpers.factories import PASSWORD, add_posts, add_revisions

pytestmark = pytest.mark.browser

NARROW = 320
EARLIER = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# --diff-bg in each scheme: the page follows the reader's colour scheme.
BACKGROUND = {"light": "rgb(251, 252, 253)", "dark": "rgb(22, 28, 34)"}
LONG_LINE = "A-very-long-unbroken-word-that-must-wrap-rather-than-scroll-" * 3

# The WCAG contrast ratio of an element's text against its own background.
CONTRAST = """element => {
  const rgb = value => value.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map(c => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const style = getComputedStyle(element);
  const [a, b] = [luminance(rgb(style.color)), luminance(rgb(style.backgroundColor))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture
def post_with_history(app, make_user):
    alice = make_user("alice")
    [post_id] = add_posts(
        app, alice, 1, title="A post with a history", content=f"Now.\n\n{LONG_LINE}\n"
    )
    ids = add_revisions(
        app,
        post_id,
        [EARLIER + timedelta(hours=n) for n in range(3)],
        content="Then {n}.\n\n" + LONG_LINE + "\n",
        kind="update",
    )
    return post_id, ids[0]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_history_and_a_diff_fit_a_narrow_phone_and_stay_readable(
    open_browser, post_with_history, scheme
):
    post_id, revision_id = post_with_history
    phone = open_browser(
        viewport={"width": NARROW, "height": 640},
        is_mobile=True,
        has_touch=True,
        color_scheme=scheme,
    )
    phone.goto("/login")
    phone.get_by_label("Email").fill("alice@example.com")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()

    phone.goto(f"/post/{post_id}")
    phone.get_by_role("link", name="Revisions").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Revisions of “A post with a history”"
    )
    expect(phone.locator(".revisions time")).to_have_count(3)
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= NARROW

    phone.locator(".revisions a").last.click()
    expect(phone).to_have_url(
        f"{phone.url.split('/post/')[0]}/post/{post_id}/revisions/{revision_id}"
    )
    removed = phone.locator(".diff del", has_text="Then 1.")
    added = phone.locator(".diff ins", has_text="Now.")
    expect(removed).to_be_visible()
    expect(added).to_be_visible()
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= NARROW
    # Told apart without colour: struck through, underlined, and named in words.
    assert "line-through" in removed.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "underline" in added.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "[removed:" in removed.text_content() and "[added:" in added.text_content()
    for element in (removed, added):
        assert element.evaluate(CONTRAST) >= 4.5
    diff = phone.locator(".diff").last
    assert diff.evaluate(CONTRAST) >= 4.5
    assert diff.evaluate("e => getComputedStyle(e).backgroundColor") == BACKGROUND[scheme]

    phone.get_by_role("button", name="Restore this version").click()
    expect(phone.locator(".flash")).to_contain_text(
        "Restored the version from November 20, 2026, 09:30 UTC."
    )

"""The design in a real Chromium: both themes pass axe-core at a desktop's and a phone's
width, and what axe does not check (the reading column, the type sizes, the contrast of
focus rings and borders, tap targets, red invalid fields, focus on the first error)."""

import itertools
import re

import pytest
from playwright.sync_api import expect

from flaskblog.extensions import db
from flaskblog.models import Notification, User
from flaskblog.models.notification import FOLLOWER
from tests.helpers.accessibility import axe_violations
from tests.helpers.browser import account_menu, account_menu_toggle, log_in, nav
from tests.helpers.colours import contrast
from tests.helpers.factories import PASSWORD

pytestmark = pytest.mark.browser

THEMES = ("light", "dark")
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SENTENCE = (
    "A blog is read more than it is written, so its lines are set for reading: not so long "
    "that the eye loses its place on the way back, not so short that it jumps too often. "
)
POST = f"""{SENTENCE * 4}

# A heading inside the post

{SENTENCE}

## A smaller heading

```python
def a_function_with_a_long_line(): return "{"x" * 150}"
```

| a | b | c | d | e | f |
|---|---|---|---|---|---|
| {" | ".join(["a_cell_wide_enough_to_scroll_sideways"] * 6)} |
"""

# The colour behind an element: its own, or the nearest ancestor's that is not transparent.
BACKGROUND = """element => {
  for (let e = element; e; e = e.parentElement) {
    const colour = getComputedStyle(e).backgroundColor;
    if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return colour;
  }
  return getComputedStyle(document.documentElement).backgroundColor;
}"""
# How many characters of the element's own text fit on one of its lines.
MEASURE = """element => {
  const context = document.createElement("canvas").getContext("2d");
  context.font = getComputedStyle(element).font;
  const text = element.textContent;
  return element.clientWidth / (context.measureText(text).width / text.length);
}"""


def hex_colour(css: str) -> str:
    """#rrggbb for Chromium's computed "rgb(r, g, b)"."""
    r, g, b = (int(n) for n in re.findall(r"\d+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def style(locator, name: str) -> str:
    return locator.evaluate(f"e => getComputedStyle(e).{name}")


@pytest.fixture
def post_path(app, make_user, make_posts) -> str:
    alice = make_user("alice")
    [post_id] = make_posts(alice, 1, title="How lines are set for reading", content=POST)
    return f"/post/{post_id}"


def test_home_post_and_account_pass_axe_in_both_themes_at_both_widths(open_browser, post_path):
    for theme in THEMES:
        for size in (DESKTOP, PHONE):
            page = open_browser(color_scheme=theme, **size)
            where = f"{theme} at {size['viewport']['width']} px"
            for path in ("/", post_path):
                page.goto(path)
                assert axe_violations(page) == [], f"{path}, {where}"
            log_in(page, "alice@example.com", PASSWORD)
            page.goto("/account")
            assert axe_violations(page) == [], f"/account, {where}"


def test_reading_column_type_scale_and_controls_in_both_themes(open_browser, post_path):
    for theme in THEMES:
        page = open_browser(color_scheme=theme, **DESKTOP)
        page.goto(post_path)
        body = page.locator(".post__body")
        paragraph = body.locator("p").first
        assert float(style(paragraph, "fontSize")[:-2]) >= 18
        assert 65 <= paragraph.evaluate(MEASURE) <= 75
        title = float(style(page.locator("h1.post__title"), "fontSize")[:-2])
        for heading in body.locator("h1, h2, h3").all():
            assert float(style(heading, "fontSize")[:-2]) < title
        for wide in (body.locator("pre"), body.locator("table")):
            assert wide.evaluate("e => e.scrollWidth > e.clientWidth"), "it scrolls inside"
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")

        # A failed sign-up: focus on the first field in error, its border red, the ring 3:1.
        page.goto("/register")
        page.get_by_label("Email").fill("not an address")
        page.get_by_role("button", name="Sign up").click()
        first_error = page.locator("[aria-invalid=true]").first
        expect(first_error).to_be_focused()
        danger = page.evaluate("getComputedStyle(document.querySelector('.field__errors')).color")
        assert style(first_error, "borderTopColor") == danger
        behind = hex_colour(first_error.evaluate(BACKGROUND))
        ring = hex_colour(style(first_error, "outlineColor"))
        assert style(first_error, "outlineStyle") == "solid"
        assert contrast(ring, behind) >= 3, f"focus ring {ring} on {behind} ({theme})"
        page.goto("/login")
        field = page.get_by_label("Email")
        border = hex_colour(style(field, "borderTopColor"))
        behind = hex_colour(field.evaluate(BACKGROUND))
        assert contrast(border, behind) >= 3, f"field border {border} on {behind} ({theme})"

    phone = open_browser(**PHONE)
    phone.goto("/")
    links = nav(phone).locator("a, button:visible")
    assert links.count() >= 5
    for link in links.all():
        box = link.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24, link.inner_text()


# The code blocks' backgrounds, #f0f4f8 and #0d1117, as the browser reports them.
LIGHT_CODE, DARK_CODE = "rgb(240, 244, 248)", "rgb(13, 17, 23)"


def test_the_theme_follows_the_system_until_chosen_and_the_choice_is_kept(open_browser, post_path):
    page = open_browser(color_scheme="dark", **DESKTOP)
    page.goto("/")
    root = page.locator("html")
    dark_page = style(root, "backgroundColor")
    expect(nav(page).get_by_role("button", name="Dark theme")).to_be_hidden()

    # A visitor's choice stays in the browser, and is on <html> before the page is drawn.
    nav(page).get_by_role("button", name="Light theme").click()
    expect(root).to_have_attribute("data-theme", "light")
    expect(nav(page).get_by_role("button", name="Dark theme")).to_be_focused()
    expect(nav(page).get_by_role("button", name="Light theme")).to_be_hidden()
    expect(root).not_to_have_css("background-color", dark_page)
    page.goto(post_path, wait_until="commit")
    page.wait_for_selector("body", state="attached")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    # Colours through expect, which waits: a busy browser may not have restyled yet.
    expect(page.locator("pre.highlight")).to_have_css("background-color", LIGHT_CODE)
    # ...until the reader asks to follow the device again.
    nav(page).get_by_role("button", name="Automatic theme").click()
    expect(root).not_to_have_attribute("data-theme", re.compile(".*"))
    expect(nav(page).get_by_role("button", name="Automatic theme")).to_be_hidden()
    expect(page.locator("pre.highlight")).to_have_css("background-color", DARK_CODE)
    nav(page).get_by_role("button", name="Light theme").click()

    # An account's choice is kept on the server: in the HTML from the first byte.
    log_in(page, "alice@example.com", PASSWORD)
    page.goto(post_path)
    expect(nav(page).get_by_role("button", name="Light theme")).to_be_hidden()
    account_menu(page).get_by_role("button", name="Dark theme").click()
    expect(nav(page).get_by_role("button", name="Dark theme")).to_be_hidden()
    expect(page).to_have_url(re.compile(re.escape(post_path) + "$"))
    html = page.request.get(post_path).text()
    assert '<html lang="en" data-theme="dark">' in html
    expect(page.locator("pre.highlight")).to_have_css("background-color", DARK_CODE)


# The header's items: its links, buttons, search box and the account menu's toggle.
HEADER_ITEMS = ".nav__brand, .nav__links > li > a, .nav__search input, .account-menu__toggle"


def assert_header_in_one_row(page, width: int) -> None:
    """The header's items side by side on one row, none overlapping, nothing past the edge."""
    boxes = [item.bounding_box() for item in page.locator(HEADER_ITEMS).filter(visible=True).all()]
    middles = [round(box["y"] + box["height"] / 2) for box in boxes]
    assert max(middles) - min(middles) <= 4, f"two rows at {width} px: {middles}"
    edges = sorted((box["x"], box["x"] + box["width"]) for box in boxes)
    for (_, right), (left, _) in itertools.pairwise(edges):
        assert right <= left + 1, f"header items overlap at {width} px: {edges}"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def give_alice_a_full_header(app, bob_id: int) -> None:
    """Alice an admin with the widest count the header shows: "99+"."""
    with app.app_context():
        alice = db.session.execute(db.select(User).filter_by(username="alice")).scalar_one()
        alice.is_admin = True
        db.session.add_all(
            Notification(user_id=alice.id, kind=FOLLOWER, actor_id=bob_id) for _ in range(100)
        )
        db.session.commit()


def test_the_logged_in_header_is_one_row_and_its_account_menu_works_on_a_phone(
    app, open_browser, make_user, post_path
):
    give_alice_a_full_header(app, make_user("bob"))
    for theme in THEMES:
        for width in (1280, 768):
            page = open_browser(color_scheme=theme, viewport={"width": width, "height": 800})
            log_in(page, "alice@example.com", PASSWORD)
            page.goto(post_path)
            toggle = account_menu_toggle(page)
            expect(toggle).to_contain_text("alice")
            expect(toggle.locator("img.avatar")).to_be_visible()
            expect(nav(page).get_by_role("link", name="Notifications 99+ unread")).to_be_visible()
            for name in ("New post", "Messages"):
                expect(nav(page).get_by_role("link", name=name)).to_be_visible()
            assert_header_in_one_row(page, width)

            # The keyboard opens the menu (a <details>), and reaches its first link.
            toggle.focus()
            page.keyboard.press("Enter")
            menu = page.locator(".account-menu__links")
            expect(menu).to_be_visible()
            page.keyboard.press("Tab")
            expect(menu.get_by_role("link", name="Account")).to_be_focused()
            assert axe_violations(page) == [], f"the open menu, {theme} at {width} px"
            page.keyboard.press("Escape")
            expect(menu).to_be_hidden()
            expect(toggle).to_be_focused()

    phone = open_browser(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    log_in(phone, "alice@example.com", PASSWORD)
    account_menu_toggle(phone).tap()
    menu = account_menu(phone)
    for name in ("Account", "Profile", "Drafts", "Bookmarks", "Sessions", "Admin"):
        link = menu.get_by_role("link", name=name, exact=True)
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, f"{name} is off the screen"
    targets = nav(phone).locator("a:visible, button:visible, input:visible, summary")
    assert targets.count() >= 12
    for target in targets.all():
        box = target.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24, target.inner_text()
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 320
    assert axe_violations(phone) == [], "the open menu at 320 px"
    menu.get_by_role("link", name="Bookmarks").tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("bookmarks")


@pytest.mark.parametrize(("language", "notifications"), [("de", "Mitteilungen"), ("es", "Avisos")])
def test_the_header_keeps_to_one_row_and_fits_a_phone_in_every_language(
    app, open_browser, make_user, post_path, language, notifications
):
    """German's and Spanish's longer words in the same header, as for English."""
    give_alice_a_full_header(app, make_user("bob"))
    with app.app_context():
        db.session.execute(db.update(User).filter_by(username="alice").values(language=language))
        db.session.commit()
    for width in (1280, 768):
        page = open_browser(viewport={"width": width, "height": 800})
        log_in(page, "alice@example.com", PASSWORD)
        page.goto(post_path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        counted = re.compile(f"^{notifications} 99")
        expect(nav(page).get_by_role("link", name=counted)).to_be_visible()
        assert_header_in_one_row(page, width)

    phone = open_browser(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    log_in(phone, "alice@example.com", PASSWORD)
    phone.goto(post_path)
    account_menu_toggle(phone).tap()
    for link in account_menu(phone).get_by_role("link").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, f"{link.inner_text()} is off"
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 320
    assert axe_violations(phone) == [], f"the open menu at 320 px in {language}"

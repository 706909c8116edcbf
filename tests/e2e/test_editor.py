"""The editor in a real headless Chromium: Enter saves a draft, autosave keeps the text as
the author types, leaving with unsaved changes asks first, and the preview follows the text
(beside it on a wide screen, behind a tab on a phone)."""

import re

import pytest
from playwright.sync_api import expect

from flaskblog import revisions
from flaskblog.extensions import db
from flaskblog.models import Post
from tests.helpers.browser import log_in, nav, page_width
from tests.helpers.factories import PASSWORD, set_profile
from tests.helpers.images import png

pytestmark = pytest.mark.browser

SAVED = re.compile(r"^Saved \d\d:\d\d$")
AUTOSAVE_WAIT_MS = 10_000  # the script waits two seconds after the last change
NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def stored_posts(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(db.select(Post).order_by(Post.id))
        return [(post.id, post.title, post.content, post.is_published) for post in rows]


def autosave_off(page) -> None:
    """As if the next autosave had not happened yet: the script saves nothing."""
    page.locator("form[data-autosave]").evaluate("form => delete form.dataset.autosave")


def type_into(page, label: str, text: str) -> None:
    """Click into the field and type, as a person does (a real user gesture)."""
    field = page.get_by_label(label)
    field.click()
    field.press_sequentially(text)


@pytest.fixture
def writer(page, make_user):
    """Alice, logged in in the browser, at a new post's editor."""
    make_user("alice")
    log_in(page, "alice@example.com", PASSWORD)
    page.goto("/post/new")
    return page


# Enter


@pytest.mark.parametrize("field", ["Title", "Tags"])
def test_enter_in_a_one_line_field_saves_a_draft_and_never_publishes(app, writer, field):
    page = writer
    page.get_by_label("Title").fill("Half written")
    page.get_by_label("Content").fill("Not finished.")

    page.get_by_label(field).press("Enter")

    expect(page.get_by_role("status")).to_have_text("Draft saved.")
    expect(page.locator(".badge")).to_have_text("Draft")
    assert stored_posts(app) == [(1, "Half written", "Not finished.", False)]


# Autosave


def test_autosave_keeps_a_new_post_as_one_draft_and_says_when(app, writer, server):
    page = writer
    status = page.locator("#autosave-status")
    type_into(page, "Title", "Thinking aloud")
    type_into(page, "Content", "First thought.")

    expect(status).to_have_text(SAVED, timeout=AUTOSAVE_WAIT_MS)

    assert stored_posts(app) == [(1, "Thinking aloud", "First thought.", False)]
    assert page.url == f"{server.url}/post/1/update"
    expect(page.locator("form.form")).to_have_attribute("action", "/post/1/update")
    expect(page.locator("#post_id")).to_have_value("1")

    # The next autosave and the button go to the same draft.
    page.evaluate("document.getElementById('autosave-status').textContent = ''")
    type_into(page, "Content", " Second thought.")
    expect(status).to_have_text(SAVED, timeout=AUTOSAVE_WAIT_MS)
    assert stored_posts(app) == [(1, "Thinking aloud", "First thought. Second thought.", False)]
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_have_text("Draft saved.")
    assert len(stored_posts(app)) == 1


def test_autosave_says_when_in_the_accounts_time_zone_not_the_browsers(
    app, open_browser, make_user
):
    alice = make_user("alice")
    set_profile(app, alice, timezone="Pacific/Kiritimati")  # UTC+14; the browser is at UTC-8
    page = open_browser(viewport={"width": 1280, "height": 800}, timezone_id="America/Los_Angeles")
    log_in(page, "alice@example.com", PASSWORD)
    page.goto("/post/new")
    type_into(page, "Title", "Thinking aloud")

    saved = page.locator("#autosave-status time")
    expect(saved).to_have_text(re.compile(r"^\d\d:\d\d$"), timeout=AUTOSAVE_WAIT_MS)
    instant = saved.get_attribute("datetime")
    kiritimati = page.evaluate(
        """instant => new Date(instant).toLocaleTimeString("en-GB",
             {timeZone: "Pacific/Kiritimati", hour: "2-digit", minute: "2-digit"})""",
        instant,
    )
    expect(saved).to_have_text(kiritimati)


def test_autosave_and_preview_leave_a_chosen_cover_for_the_buttons_to_send(app, writer):
    page = writer
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data_buffer or b"") if request.method == "POST" else None
        ),
    )
    page.locator("#cover").set_input_files(
        files=[{"name": "cover.png", "mimeType": "image/png", "buffer": png((400, 300), "teal")}]
    )
    type_into(page, "Title", "With a cover")
    type_into(page, "Content", "Text.")

    expect(page.locator("#autosave-status")).to_have_text(SAVED, timeout=AUTOSAVE_WAIT_MS)

    assert sent and all(b'name="title"' in body for body in sent)
    assert not any(b'name="cover"' in body for body in sent)


def test_autosave_of_a_published_post_keeps_the_live_version(app, page, make_user, make_posts):
    alice = make_user("alice")
    (post_id,) = make_posts(alice, 1, title="Live", content="As readers see it.")
    log_in(page, "alice@example.com", PASSWORD)
    page.goto(f"/post/{post_id}/update")

    type_into(page, "Content", " Not yet for readers.")

    expect(page.locator("#autosave-status")).to_have_text(SAVED, timeout=AUTOSAVE_WAIT_MS)
    assert stored_posts(app) == [(post_id, "Live", "As readers see it.", True)]
    with app.app_context():
        pending = revisions.pending_for(db.session.get(Post, post_id))
        assert pending.content == "As readers see it. Not yet for readers."
    page.reload()
    expect(page.get_by_label("Content")).to_have_value("As readers see it. Not yet for readers.")
    expect(page.locator(".editor__notice")).to_contain_text("This is your text autosaved")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_have_text("Updated.")
    assert stored_posts(app) == [(post_id, "Live", "As readers see it. Not yet for readers.", True)]


# Leaving


def leave_by_the_menu(page) -> list[str]:
    """Click "Home" in the menu; the dialogs the page opened (dismissed: we stay)."""
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    nav(page).get_by_role("link", name="Home").click(no_wait_after=True)
    page.wait_for_timeout(500)
    page.remove_listener("dialog", dismiss)
    return dialogs


def test_leaving_with_unsaved_changes_asks_first(writer, server):
    page = writer
    autosave_off(page)
    type_into(page, "Title", "Unsaved")

    assert leave_by_the_menu(page) == ["beforeunload"]
    assert page.url == f"{server.url}/post/new"
    expect(page.get_by_label("Title")).to_have_value("Unsaved")


def test_leaving_after_an_autosave_or_a_save_asks_nothing(app, writer, server):
    page = writer
    type_into(page, "Title", "Saved by itself")
    expect(page.locator("#autosave-status")).to_have_text(SAVED, timeout=AUTOSAVE_WAIT_MS)

    assert leave_by_the_menu(page) == []
    expect(page).to_have_url(f"{server.url}/")

    page.goto("/post/1/update")
    autosave_off(page)
    type_into(page, "Content", "Saved by the button.")
    page.on("dialog", lambda dialog: pytest.fail(f"unexpected {dialog.type} dialog"))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_have_text("Draft saved.")


# Live preview


def test_the_preview_follows_the_text_beside_the_editor_on_a_wide_screen(writer):
    page = writer
    preview = page.locator("#preview")
    expect(page.get_by_role("tablist")).to_be_hidden()

    type_into(page, "Content", "## Live heading\n\nSome **bold** text.")

    expect(preview.get_by_role("heading", name="Live heading")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("bold")
    form, shown = page.locator("#editor-write").bounding_box(), preview.bounding_box()
    assert shown["x"] >= form["x"] + form["width"]  # to the right of the form
    assert abs(shown["y"] - form["y"]) < 5  # level with it

    page.get_by_label("Content").fill("")
    type_into(page, "Content", "Now *this*.")
    expect(preview.locator("em")).to_have_text("this")
    expect(preview.get_by_role("heading", name="Live heading")).to_have_count(0)


def test_on_a_phone_the_preview_is_a_tab_usable_by_keyboard(open_browser, make_user):
    make_user("alice")
    page = open_browser(**NARROW)
    log_in(page, "alice@example.com", PASSWORD)
    page.goto("/post/new")
    write_tab = page.get_by_role("tab", name="Write")
    preview_tab = page.get_by_role("tab", name="Preview")
    expect(write_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_count(1)
    expect(page.locator("#preview")).to_be_hidden()
    type_into(page, "Content", "On the *phone*.")

    preview_tab.click()

    expect(preview_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Preview").locator("em")).to_have_text("phone")
    expect(page.get_by_label("Content")).to_be_hidden()
    assert page_width(page) <= 360

    preview_tab.press("ArrowLeft")

    expect(write_tab).to_be_focused()
    expect(write_tab).to_have_attribute("aria-selected", "true")
    expect(preview_tab).to_have_attribute("tabindex", "-1")
    expect(page.get_by_label("Content")).to_be_visible()
    expect(page.locator("#preview")).to_be_hidden()
    assert page_width(page) <= 360


def test_autosave_says_when_in_the_authors_language(app, page, make_user):
    alice = make_user("alice")
    log_in(page, "alice@example.com", PASSWORD)
    set_profile(app, alice, language="de")
    page.goto("/post/new")

    page.get_by_label("Titel", exact=True).press_sequentially("Laut gedacht")
    page.get_by_label("Inhalt (Markdown)").press_sequentially("Erster Gedanke.")

    status = page.locator("#autosave-status")
    expect(status).to_have_text(re.compile(r"^Gespeichert \d\d:\d\d$"), timeout=AUTOSAVE_WAIT_MS)
    assert stored_posts(app) == [(1, "Laut gedacht", "Erster Gedanke.", False)]

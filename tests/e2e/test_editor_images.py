"""Images in the editor, in a real Chromium: paste, drop or choose a picture, and its Markdown
appears where the cursor was while the image is stored; what goes wrong is said in place."""

import base64
import re

import pytest
from playwright.sync_api import expect

from flaskblog.extensions import db
from flaskblog.models import Image
from tests.helpers.factories import PASSWORD
from tests.helpers.images import png

pytestmark = pytest.mark.browser

UPLOADED = re.compile(r"!\[\]\(/image/(\d+)/([0-9a-f]{16})\.png\)")

# Hands the page a file as the clipboard or a drag from the desktop would: a DataTransfer
# holding a real PNG, sent with a synthetic paste or drop event on the content field.
SEND_FILE = """([kind, data, name, type]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  const content = document.getElementById("content");
  const event = kind === "paste"
    ? new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true })
    : new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true });
  content.dispatchEvent(event);
}"""


def open_editor(page, text: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/post/new")
    content = page.get_by_label("Content")
    content.fill(text)
    # The cursor after "Before.", where the image goes.
    content.evaluate("(field) => field.setSelectionRange(7, 7)")


def send_file(page, kind: str, data: bytes, name="picture.png", type="image/png") -> None:
    page.evaluate(SEND_FILE, [kind, base64.b64encode(data).decode(), name, type])


def stored_images(app) -> list[tuple[int, str, int]]:
    with app.app_context():
        return db.session.execute(db.select(Image.id, Image.digest, Image.user_id)).all()


@pytest.mark.parametrize("kind", ["paste", "drop"])
def test_a_picture_pasted_or_dropped_is_uploaded_and_its_markdown_inserted(
    app, page, make_user, kind
):
    alice = make_user("alice")
    open_editor(page, "Before. After.")

    send_file(page, kind, png((120, 80), "teal"))

    status = page.get_by_role("status").filter(has_text="Image added")
    expect(status).to_be_visible()
    content = page.get_by_label("Content").input_value()
    found = UPLOADED.search(content)
    assert found, content
    assert content.startswith("Before.\n![](/image/") and content.endswith(".png)\n After.")
    assert stored_images(app) == [(int(found[1]), found[2], alice)]
    served = page.request.get(found[0][4:-1])
    assert served.ok and served.headers["content-type"] == "image/png"


def test_the_add_image_button_works_from_the_keyboard(app, page, make_user):
    make_user("alice")
    open_editor(page, "Before. After.")
    button = page.get_by_role("button", name="Add image")
    # Next after the content in the focus order.
    page.get_by_label("Content").focus()
    page.keyboard.press("Tab")
    expect(button).to_be_focused()

    with page.expect_file_chooser() as chooser:
        button.press("Enter")
    chooser.value.set_files(
        files=[{"name": "chart.png", "mimeType": "image/png", "buffer": png((50, 50), "navy")}]
    )

    expect(page.get_by_role("status").filter(has_text="Image added")).to_be_visible()
    assert UPLOADED.search(page.get_by_label("Content").input_value())
    assert len(stored_images(app)) == 1


def test_a_file_that_is_not_an_image_is_refused_in_the_status_line(
    app, page, browser_watch, make_user, server
):
    make_user("alice")
    open_editor(page, "Before. After.")

    send_file(page, "drop", b"<html><script>alert(1)</script></html>", "fake.png")

    expect(page.get_by_role("status")).to_contain_text(
        "Could not add fake.png: That file is not a JPEG, PNG, WebP or GIF image."
    )
    expect(page.get_by_label("Content")).to_have_value("Before. After.")
    assert stored_images(app) == []
    # The 400 itself is what the browser reports, and nothing else: it is expected here.
    assert browser_watch.failed == [f"{server.url}/post/images: HTTP 400"]
    assert [line for line in browser_watch.console if "400" not in line] == []
    browser_watch.failed.clear()
    browser_watch.console.clear()

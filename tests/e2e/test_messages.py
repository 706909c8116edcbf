"""Private messages and blocking in a real headless Chromium: a reader writes to an author,
the author sees the unread count in the header and answers, then blocks the reader; every
page on the way passes axe-core with no violation."""

import pytest
from playwright.sync_api import expect

from tests.helpers.accessibility import axe_violations
from tests.helpers.browser import log_in, nav
from tests.helpers.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_reader_writes_the_author_answers_then_blocks_them(open_browser, make_user):
    make_user("alice")
    make_user("bob")
    bobs = open_browser(viewport={"width": 1280, "height": 800})
    log_in(bobs, "bob@example.com", PASSWORD)

    bobs.goto("/user/alice")
    assert axe_violations(bobs) == []
    bobs.get_by_role("link", name="Send a message").click()
    assert axe_violations(bobs) == []
    bobs.get_by_label("Your message").fill("Hello Alice,\nI liked your post.")
    bobs.get_by_role("button", name="Send").click()
    expect(bobs.locator(".flash")).to_have_text("Your message to alice has been sent.")
    expect(bobs.locator(".message__body")).to_have_text("Hello Alice,\nI liked your post.")
    assert axe_violations(bobs) == []

    alices = open_browser(viewport={"width": 1280, "height": 800})
    log_in(alices, "alice@example.com", PASSWORD)
    expect(nav(alices).get_by_role("link", name="Messages 1 unread")).to_be_visible()
    nav(alices).get_by_role("link", name="Messages 1 unread").click()
    expect(alices.locator("#main .badge")).to_have_text("1 unread")
    assert axe_violations(alices) == []
    alices.get_by_role("link", name="bob").click()
    expect(alices.locator(".message--new")).to_have_count(1)
    expect(nav(alices).get_by_role("link", name="Messages", exact=True)).to_be_visible()
    assert axe_violations(alices) == []

    alices.goto("/user/bob")
    alices.get_by_role("button", name="Block bob").click()
    expect(alices.get_by_role("button", name="Unblock bob")).to_be_visible()
    assert axe_violations(alices) == []
    alices.goto("/account/blocked")
    expect(alices.get_by_role("button", name="Unblock bob")).to_be_visible()
    assert axe_violations(alices) == []

    bobs.reload()
    expect(bobs.get_by_role("alert")).to_have_text(
        "alice has blocked you: your message was not sent."
    )
    expect(bobs.get_by_label("Your message")).to_have_count(0)
    assert axe_violations(bobs) == []


def test_the_empty_pages_pass_axe_on_a_phone(open_browser, make_user):
    make_user("alice")
    page = open_browser(viewport={"width": 320, "height": 640})
    log_in(page, "alice@example.com", PASSWORD)

    for url in ("/messages", "/account/blocked"):
        page.goto(url)
        assert axe_violations(page) == [], url


def test_the_axe_check_finds_what_it_is_there_to_find(open_browser, server):
    page = open_browser()
    page.goto("/about")
    # A picture without a text alternative and a field without a label, put in by hand.
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.append(document.createElement("input"));
            const picture = document.createElement("img");
            picture.src = "/static/img/favicon.svg";
            main.append(picture);
        }"""
    )

    found = {line.split(" ")[0] for line in axe_violations(page)}

    assert {"image-alt", "label"} <= found

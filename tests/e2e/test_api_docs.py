"""/api/docs in a real headless Chromium: the OpenAPI document laid out as a page, under the
site's Content-Security-Policy, with nothing loaded from elsewhere."""

import re

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import nav

pytestmark = pytest.mark.browser


def test_the_api_docs_page_shows_every_operation(page, browser_watch):
    document = page.request.get("/api/v1/openapi.json").json()
    methods = {"get", "post", "put", "patch", "delete"}
    every = [m for path in document["paths"].values() for m in path if m in methods]
    one_post = [m for m in document["paths"]["/api/v1/posts/{post_id}"] if m in methods]
    page.goto("/api/docs")

    expect(page.get_by_role("heading", name="flaskblog API 1")).to_be_visible()
    operations = page.locator("section.operation h3")
    assert len(every) >= 13  # posts, users, tokens, images, revisions
    expect(operations).to_have_count(len(every))
    expect(operations.filter(has_text=re.compile(r"/api/v1/posts/\{post_id\}$"))).to_have_count(
        len(one_post)
    )
    expect(page.get_by_text("Authorization: Bearer <token>").first).to_be_visible()
    expect(page.get_by_role("heading", name="Errors")).to_be_visible()
    # A CSP violation or a script error would be on the console.
    assert browser_watch.problems == []


def test_the_api_docs_page_follows_the_theme_and_its_toggle(open_browser):
    page = open_browser(color_scheme="dark", viewport={"width": 390, "height": 844})
    page.goto("/api/docs")
    schema = page.locator("section.operation pre").first
    background = "e => getComputedStyle(e).backgroundColor"

    expect(schema).to_be_visible()
    assert schema.evaluate(background) == "rgb(13, 17, 23)"  # --code-bg, dark
    nav(page).get_by_role("button", name="Light theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert schema.evaluate(background) == "rgb(240, 244, 248)"  # --code-bg, light

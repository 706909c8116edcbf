"""/api/docs in a real headless Chromium: the OpenAPI document laid out as a page, under the
site's Content-Security-Policy, with nothing loaded from elsewhere."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_api_docs_page_shows_every_operation(page, browser_watch):
    page.goto("/api/docs")

    expect(page.get_by_role("heading", name="flaskblog API 1")).to_be_visible()
    operations = page.locator("section.operation h3")
    expect(operations).to_have_count(10)
    expect(operations.filter(has_text="/api/v1/posts/{post_id}")).to_have_count(3)
    expect(page.get_by_text("Authorization: Bearer <token>").first).to_be_visible()
    expect(page.get_by_role("heading", name="Errors")).to_be_visible()
    # A CSP violation or a script error would be on the console.
    assert browser_watch.problems == []
